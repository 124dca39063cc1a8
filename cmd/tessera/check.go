package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tessera-cie/tessera/validate"
)

// checkFlags are the flags of "tessera check".
type checkFlags struct {
	profile string
	lang    string
	format  string
}

// runCheck checks the files named by args and prints one report per file.
// It exits 0 when every photo passes, 1 when any fails or cannot be read,
// 2 on a usage error.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f checkFlags
	fs.StringVar(&f.profile, "profile", validate.DefaultProfile, "rules to apply: "+strings.Join(validate.ProfileNames(), ", "))
	fs.StringVar(&f.lang, "lang", "it", "language of messages and fixes: it or en")
	fs.StringVar(&f.format, "format", "text", "output: text or json")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: tessera check [--profile cie|icao] [--lang it|en] [--format text|json] FILE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	if _, ok := validate.LookupProfile(f.profile); !ok {
		fmt.Fprintf(stderr, "tessera check: unknown profile %q (known: %s)\n", f.profile, strings.Join(validate.ProfileNames(), ", "))
		return exitUsage
	}
	if f.lang != "it" && f.lang != "en" {
		fmt.Fprintf(stderr, "tessera check: unknown language %q (it or en)\n", f.lang)
		return exitUsage
	}
	if f.format != "text" && f.format != "json" {
		fmt.Fprintf(stderr, "tessera check: unknown format %q (text or json)\n", f.format)
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}

	v, closeEngine, err := newValidator()
	if err != nil {
		fmt.Fprintf(stderr, "tessera check: %v\n", err)
		return 1
	}
	defer closeEngine()

	opts := validate.Options{Profile: f.profile, Lang: f.lang}
	reports := make([]*validate.Report, 0, fs.NArg())
	for _, name := range fs.Args() {
		rep, err := checkFile(ctx, v, name, opts)
		if err != nil {
			fmt.Fprintf(stderr, "tessera check: %v\n", err)
			return 1
		}
		reports = append(reports, rep)
	}
	if err := writeReports(stdout, f.format, lang(f.lang), reports); err != nil {
		fmt.Fprintf(stderr, "tessera check: %v\n", err)
		return 1
	}
	for _, r := range reports {
		if !r.Pass {
			return 1
		}
	}
	return 0
}

// checkFile reads and checks one file. A file that cannot be read becomes a
// report with Error set; only a cancelled context is an error.
func checkFile(ctx context.Context, v *validate.Validator, name string, opts validate.Options) (*validate.Report, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		msg := fmt.Sprintf("impossibile leggere il file: %v", err)
		if opts.Lang == "en" {
			msg = fmt.Sprintf("cannot read the file: %v", err)
		}
		return &validate.Report{File: name, Profile: opts.Profile, Checks: []validate.Check{}, Error: msg, Err: err}, nil
	}
	return v.Check(ctx, name, data, opts)
}

// lang picks between an Italian and an English text.
type lang string

func (l lang) say(it, en string) string {
	if l == "en" {
		return en
	}
	return it
}

// writeReports prints the reports as text (one block per photo, failed
// checks first with their fix) or as a JSON array.
func writeReports(w io.Writer, format string, l lang, reports []*validate.Report) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(reports)
	}
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := writeText(w, l, r); err != nil {
			return err
		}
	}
	return nil
}

// statusOrder puts failed checks first, then warnings, passes and skips.
var statusOrder = []validate.Status{validate.Fail, validate.Warn, validate.Pass, validate.Skip}

func writeText(w io.Writer, l lang, r *validate.Report) error {
	verdict := l.say("NON VALIDA", "FAIL")
	if r.Pass {
		verdict = l.say("VALIDA", "PASS")
	}
	if r.Error != "" {
		verdict = l.say("ILLEGGIBILE", "UNREADABLE")
	}
	if _, err := fmt.Fprintf(w, "%s: %s (%s)\n", r.File, verdict, r.Profile); err != nil {
		return err
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  %s\n", r.Error)
	}
	for _, st := range statusOrder {
		for _, c := range r.Checks {
			if c.Status != st {
				continue
			}
			line := fmt.Sprintf("  %-4s %-18s %s", c.Status, c.ID, c.Message)
			if c.Value != nil && c.Status != validate.Skip {
				line += fmt.Sprintf(" [%v", c.Value)
				if c.Limit != "" {
					line += "; " + c.Limit
				}
				line += "]"
			}
			fmt.Fprintln(w, strings.TrimRight(line, " "))
			if c.Fix != "" && c.Status != validate.Pass {
				fmt.Fprintf(w, "       -> %s\n", c.Fix)
			}
		}
	}
	return nil
}
