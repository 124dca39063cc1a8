// Command samebytes prints, for each photo named on the command line and
// each language, the text of the inbox's answer (mailreply.Text) and, when
// photofix would mend the photo, the paragraph that presents the fixed
// copy: scripts/samebytes.sh compares them between two revisions, with the
// reports, pages and files the CLI and the server make.
//
// Usage: go run ./scripts/samebytes PHOTO...
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/heif"
	"github.com/tessera-cie/tessera/internal/engine"
	"github.com/tessera-cie/tessera/mailreply"
	"github.com/tessera-cie/tessera/photofix"
	"github.com/tessera-cie/tessera/validate"
)

func main() {
	heif.ServeChild() // validate decodes HEIF files in a child: this program, started again
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "samebytes:", err)
		os.Exit(1)
	}
}

func run(paths []string) error {
	eng, err := engine.Open(1)
	if err != nil {
		return err
	}
	v := validate.New(eng)
	// A fixed time: recency is judged at the same moment on every run.
	now, _ := time.Parse(time.RFC3339, fixedNow)
	prof, _ := validate.LookupProfile("")
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, lang := range catalog.Languages() {
			rep, err := v.Check(context.Background(), path, data, validate.Options{Lang: lang, Now: now})
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			fmt.Printf("=== %s %s\n%s", path, lang, mailreply.Text(lang, []*validate.Report{rep}, 0))
			if photofix.Needed(rep) {
				fmt.Println(mailreply.FixedText(lang, []string{photofix.FileName(path)}, prof))
			}
		}
	}
	return nil
}

// fixedNow is the moment the photos are judged at.
const fixedNow = "2026-12-01T12:00:00Z"
