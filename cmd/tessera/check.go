package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/tessera-cie/tessera/batch"
	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/config"
	"github.com/tessera-cie/tessera/internal/engine"
	"github.com/tessera-cie/tessera/validate"
)

// checkFlags are the flags of "tessera check".
type checkFlags struct {
	profile   string
	lang      string
	format    string
	out       string
	recursive bool
	jobs      int
	sortInto  string
	force     bool
}

// thumbSide is the longer side of the annotated thumbnails in the HTML report.
const thumbSide = 320

// checkKeys are the settings of tessera check an office may set once, the
// [check] table; the others are the run's own, flags only.
var checkKeys = []config.Key{
	{Name: "check.profile", Flag: "profile"},
	{Name: "check.lang", Flag: "lang"},
	{Name: "check.jobs", Flag: "jobs"},
}

// parseCheck reads tessera check's flags (wherever they stand among the
// paths), then its settings from the variables lookup finds and
// tessera.toml; it returns the paths.
func parseCheck(args []string, lookup func(string) (string, bool), stderr io.Writer) (*checkFlags, []string, *flag.FlagSet, error) {
	fs := newFlags("check", "usage: tessera check [flags] FILE|DIR|GLOB...", stderr)
	var f checkFlags
	profileFlag(fs, &f.profile, "rules to apply")
	langFlag(fs, &f.lang, "language of messages and fixes")
	fs.StringVar(&f.format, "format", "text", "report format: "+strings.Join(batch.Formats(), ", ")+" (default from the --out extension, else text)")
	fs.StringVar(&f.out, "out", "", "write the report to this file instead of standard output (never one of the photos; an existing file only with --force)")
	fs.BoolVar(&f.force, "force", false, "replace the --out file when it exists")
	fs.BoolVar(&f.recursive, "r", false, "walk into subfolders")
	fs.IntVar(&f.jobs, "jobs", runtime.NumCPU(), "photos checked at once")
	fs.StringVar(&f.sortInto, "sort-into", "", "copy passing photos into DIR/ok and the others into DIR/ko (never overwrites)")
	config.Bind(fs, checkKeys)
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, nil, fs, err
	}
	if _, err := config.Load(fs, checkKeys, knownKeys(), lookup); err != nil {
		return nil, nil, fs, usageErrorf("%w", err)
	}
	if err := f.validate(fs); err != nil {
		return nil, nil, fs, err
	}
	if len(paths) == 0 {
		return nil, nil, fs, &usageError{usage: true}
	}
	return &f, paths, fs, nil
}

// runCheck checks the photos named by args (files, folders, glob patterns)
// and prints a report. It exits 0 when every photo passes, 1 when any fails
// or cannot be read (or none was found), 2 on a usage error.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, paths, fs, err := parseCheck(args, os.LookupEnv, stderr)
	if err != nil {
		return settingsExit("check", err, fs, stderr)
	}
	l := catalog.For(f.lang)

	start := time.Now()
	var exclude []string
	if f.sortInto != "" {
		exclude = []string{f.sortInto}
	}
	inputs := batch.Collect(paths, batch.CollectOptions{Recursive: f.recursive, Exclude: exclude})

	if f.out != "" {
		if msg := f.outTaken(inputs, l); msg != "" {
			fmt.Fprintln(stderr, msg)
			return exitUsage
		}
	}
	out, err := openReport(f.out, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "tessera check: %v\n", err)
		return 1
	}
	defer out.discard()
	var sorter *batch.Sorter
	if f.sortInto != "" {
		sorter = &batch.Sorter{Dir: f.sortInto}
		if err := sorter.Prepare(); err != nil {
			fmt.Fprintf(stderr, "tessera check: %v\n", err)
			return 1
		}
		defer sorter.Close()
	}

	eng, err := engine.Open(f.jobs)
	if err != nil {
		fmt.Fprintf(stderr, "tessera check: %v\n", err)
		return 1
	}
	defer eng.Close()
	v := validatorOn(eng, validate.DefaultMemoryBudget, 0)

	w, err := batch.NewReportWriter(f.format, out.w, batch.ReportInfo{Lang: f.lang, Profile: f.profile, Started: start})
	if err != nil {
		fmt.Fprintf(stderr, "tessera check: %v\n", err)
		return exitUsage
	}
	bar := newProgress(stderr, out.w, inputs, l)
	var sum batch.Summary
	sortFailed := false
	opts := batch.Options{Jobs: f.jobs, Check: validate.Options{Profile: f.profile, Lang: f.lang}}
	if f.format == "html" {
		opts.Thumb = thumbSide
	}
	err = batch.Run(ctx, v, inputs, opts, func(it batch.Item) error {
		sum.Add(it)
		if sorter != nil {
			if _, err := sorter.Place(it); err != nil {
				bar.clear()
				fmt.Fprintf(stderr, "tessera check: %s\n", batch.Shown(err.Error()))
				sortFailed = true
			}
		}
		if f.format != "html" { // the page is written at the end
			bar.clear()
		}
		if err := w.Write(it); err != nil {
			return fmt.Errorf("write the report: %w", err)
		}
		bar.add()
		return nil
	})
	bar.finish()
	interrupted := errors.Is(err, context.Canceled)
	if err != nil && !interrupted {
		fmt.Fprintf(stderr, "tessera check: %v\n", err)
		return 1
	}
	// Interrupted (Ctrl-C): the report and the summary still say what was
	// checked so far.
	elapsed := time.Since(start)
	if err := errors.Join(w.Close(), out.commit()); err != nil {
		fmt.Fprintf(stderr, "tessera check: write the report: %v\n", err)
		return 1
	}
	fmt.Fprintln(stderr, sum.Line(f.lang, elapsed))
	switch {
	case interrupted:
		fmt.Fprintln(stderr, l.Say("cli.runCheck.tessera_check_interrupted_after", sum.Photos+sum.Skipped, len(inputs)))
		return 1
	case sum.Photos == 0:
		fmt.Fprintln(stderr, l.Say("cli.runCheck.tessera_check_no_photos"))
		return 1
	case sum.Fail > 0 || sum.Unreadable > 0 || sortFailed:
		return 1
	}
	return 0
}

// validate checks the flag values and completes them: the format from
// --out's extension when --format is not given, the language as tessera
// names it.
func (f *checkFlags) validate(fs *flag.FlagSet) error {
	formatSet := false
	fs.Visit(func(fl *flag.Flag) { formatSet = formatSet || fl.Name == "format" })
	if format := batch.FormatOf(f.out); !formatSet && format != "" {
		f.format = format
	}
	if err := checkRules(f.profile, &f.lang); err != nil {
		return usageErrorf("%w", err)
	}
	switch {
	case !slices.Contains(batch.Formats(), f.format):
		return usageErrorf("unknown format %q (%s)", f.format, strings.Join(batch.Formats(), ", "))
	case f.jobs < 1:
		return usageErrorf("--jobs must be at least 1, not %d", f.jobs)
	case f.sortInto != "" && isFile(f.sortInto):
		return usageErrorf("--sort-into %s is a file, not a folder", f.sortInto)
	}
	return nil
}

// outTaken says why the report may not be written to --out: it is one
// of the photos checked (never replaced, even with --force), or a file
// that exists and --force was not given; "" when it may.
func (f *checkFlags) outTaken(inputs []batch.Input, l catalog.Printer) string {
	fi, err := os.Stat(f.out)
	if err != nil {
		return ""
	}
	for _, in := range inputs {
		if in.Skip != "" || in.Err != nil {
			continue
		}
		if ii, err := os.Stat(in.Path); err == nil && os.SameFile(fi, ii) {
			return l.Say("cli.runCheck.out_is_input", batch.Shown(f.out))
		}
	}
	if !f.force {
		return l.Say("cli.runCheck.out_exists", batch.Shown(f.out))
	}
	return ""
}

// reportOut is where the report goes: standard output, or the --out file,
// written beside its final name and renamed to it when complete, so that a
// half-written file never carries the name.
type reportOut struct {
	w    io.Writer
	file *os.File // nil for standard output
	name string   // --out
	done bool     // renamed
}

// openReport opens the report's output: name, or stdout for "".
func openReport(name string, stdout io.Writer) (*reportOut, error) {
	if name == "" {
		return &reportOut{w: stdout}, nil
	}
	f, err := createTemp(name)
	if err != nil {
		return nil, err
	}
	return &reportOut{w: f, file: f, name: name}, nil
}

// commit gives the finished report its name.
func (r *reportOut) commit() error {
	if r.file == nil {
		return nil
	}
	if err := r.file.Close(); err != nil {
		return err
	}
	if err := os.Rename(r.file.Name(), r.name); err != nil {
		return err
	}
	r.done = true
	return nil
}

// discard removes a report that was not committed.
func (r *reportOut) discard() {
	if r.file != nil && !r.done {
		r.file.Close()
		os.Remove(r.file.Name())
	}
}

// createTemp creates a new file beside path, to be renamed to it once
// written, with the permissions of a file the user makes (0666 less the
// umask): os.CreateTemp would make it 0600 and a chmod would ignore the
// umask.
func createTemp(path string) (*os.File, error) {
	dir, base := filepath.Split(path)
	var b [6]byte
	for range 100 {
		rand.Read(b[:])
		f, err := os.OpenFile(filepath.Join(dir, "."+base+"."+hex.EncodeToString(b[:])+".part"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("%s: no free temporary name", path)
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}

// parseInterspersed parses flags wherever they stand among the arguments
// ("tessera check cartella -r"); "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var paths []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		// Parse stops at the first argument that is no flag, or after "--".
		used := len(args) - fs.NArg()
		if used > 0 && args[used-1] == "--" {
			return append(paths, fs.Args()...), nil
		}
		if fs.NArg() == 0 {
			return paths, nil
		}
		paths = append(paths, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// progress is a progress bar on stderr when stderr is a terminal, and
// nothing otherwise (a pipe, a file, a test).
type progress struct {
	bar *progressbar.ProgressBar
	// shared is true when the report goes to the same terminal: the bar
	// is wiped before each line of it.
	shared bool
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(stderr, out io.Writer, inputs []batch.Input, l catalog.Printer) *progress {
	if !isTerminal(stderr) {
		return &progress{}
	}
	bar := progressbar.NewOptions(len(inputs),
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(l.Say("cli.newProgress.checking")),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
	)
	return &progress{bar: bar, shared: isTerminal(out)}
}

func (p *progress) add() {
	if p.bar != nil {
		p.bar.Add(1)
	}
}

// clear wipes the bar before a line is printed, so the two do not mix.
func (p *progress) clear() {
	if p.bar != nil && p.shared {
		p.bar.Clear()
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
