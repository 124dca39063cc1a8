package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/tessera-cie/tessera/evaluate"
	"github.com/tessera-cie/tessera/validate"
)

// runEval measures every check on a labelled folder (one subfolder per
// label, as ../shared/faces) and prints per check a table of outcomes per
// label and the accuracy against the labels' expected outcomes.
func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("eval", "usage: tessera eval [--profile cie|icao] [--jobs N] [--resaved] [-v] DIR\n\nDIR holds one folder per label (neutral, smiling, canada, lisa, zoom, nonface); a people.csv gives each sitter's group, and smiling/strength.csv grades each smile (broad fails expression, none passes, slight is not scored). A folder with a labels.csv (wild) holds real photos in subfolders of its own, each with a clerk's labels: the figures at the end score the checks against them. Every photo is also checked mirrored and in a plain border (and, with --resaved, re-saved as a JPEG of quality 90), and the figures say how many kept their verdicts.", stderr)
	profile := new(string)
	profileFlag(fs, profile, "rules to apply")
	jobs := fs.Int("jobs", runtime.NumCPU(), "photos checked at once")
	resaved := fs.Bool("resaved", false, "also check every photo re-saved as a JPEG, and count those that keep their verdicts")
	verbose := fs.Bool("v", false, "list the photos that missed the expected outcome")
	if code, stop := stopped(fs.Parse(args)); stop {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	if err := checkRules(*profile, nil); err != nil {
		fmt.Fprintf(stderr, "tessera eval: %v\n", err)
		return exitUsage
	}
	start := time.Now()
	v, closeEngine, err := newValidator()
	if err != nil {
		fmt.Fprintf(stderr, "tessera eval: %v\n", err)
		return 1
	}
	defer closeEngine()
	t, err := evaluate.Run(ctx, v, fs.Arg(0), validate.Options{Profile: *profile, Lang: "en"}, evaluate.SharedFaces(), evaluate.Settings{Jobs: *jobs, Resaved: *resaved})
	if err != nil {
		fmt.Fprintf(stderr, "tessera eval: %v\n", err)
		return 1
	}
	if err := t.Write(stdout, *verbose); err != nil {
		fmt.Fprintf(stderr, "tessera eval: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "%d photos in %.1f s\n", t.Photos, time.Since(start).Seconds())
	return 0
}
