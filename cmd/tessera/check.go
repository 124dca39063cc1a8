package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/tessera-cie/tessera/batch"
	"github.com/tessera-cie/tessera/catalog"
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

// formats are the report formats of "tessera check".
var formats = []string{"text", "json", "csv", "html"}

// thumbSide is the longer side of the annotated thumbnails in the HTML report.
const thumbSide = 320

// runCheck checks the photos named by args (files, folders, glob patterns)
// and prints a report. It exits 0 when every photo passes, 1 when any fails
// or cannot be read (or none was found), 2 on a usage error.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", "usage: tessera check [flags] FILE|DIR|GLOB...", stderr)
	var f checkFlags
	profile, language := profileFlag(fs, "rules to apply"), langFlag(fs, "language of messages and fixes")
	fs.StringVar(&f.format, "format", "text", "report format: "+strings.Join(formats, ", ")+" (default from the --out extension, else text)")
	fs.StringVar(&f.out, "out", "", "write the report to this file instead of standard output (never one of the photos; an existing file only with --force)")
	fs.BoolVar(&f.force, "force", false, "replace the --out file when it exists")
	fs.BoolVar(&f.recursive, "r", false, "walk into subfolders")
	fs.IntVar(&f.jobs, "jobs", runtime.NumCPU(), "photos checked at once")
	fs.StringVar(&f.sortInto, "sort-into", "", "copy passing photos into DIR/ok and the others into DIR/ko (never overwrites)")
	paths, err := parseInterspersed(fs, args)
	if code, stop := stopped(err); stop {
		return code
	}
	f.profile, f.lang = *profile, *language
	if code, ok := f.validate(fs, stderr); !ok {
		return code
	}
	if len(paths) == 0 {
		fs.Usage()
		return exitUsage
	}
	l := catalog.For(f.lang)

	start := time.Now()
	var exclude []string
	if f.sortInto != "" {
		exclude = []string{f.sortInto}
	}
	inputs := batch.Collect(paths, batch.CollectOptions{Recursive: f.recursive, Exclude: exclude})

	out := stdout
	var outFile *os.File
	if f.out != "" {
		if msg := f.outTaken(inputs, l); msg != "" {
			fmt.Fprintln(stderr, msg)
			return exitUsage
		}
		// The report is written beside its final name and renamed when
		// complete: a half-written file never carries the name.
		if outFile, err = createTemp(f.out); err != nil {
			fmt.Fprintf(stderr, "tessera check: %v\n", err)
			return 1
		}
		defer os.Remove(outFile.Name()) // fails once renamed
		defer outFile.Close()
		out = outFile
	}
	var sorter *batch.Sorter
	if f.sortInto != "" {
		sorter = &batch.Sorter{Dir: f.sortInto}
		if err := sorter.Prepare(); err != nil {
			fmt.Fprintf(stderr, "tessera check: %v\n", err)
			return 1
		}
		defer sorter.Close()
	}

	eng, err := openEngine(f.jobs)
	if err != nil {
		fmt.Fprintf(stderr, "tessera check: %v\n", err)
		return 1
	}
	defer eng.Close()
	v := validatorOn(eng, validate.DefaultMemoryBudget, 0)

	w := newReportWriter(f.format, out, l)
	bar := newProgress(stderr, out, inputs, l)
	var sum batch.Summary
	var items []batch.Item // kept for the HTML report only
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
				fmt.Fprintf(stderr, "tessera check: %s\n", shown(err.Error()))
				sortFailed = true
			}
		}
		if f.format == "html" {
			items = append(items, it)
		} else {
			bar.clear()
			if err := w.write(it); err != nil {
				return fmt.Errorf("write the report: %w", err)
			}
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
	if f.format == "html" {
		err = batch.WriteHTML(out, items, sum, batch.HTMLInfo{Lang: f.lang, Profile: f.profile, Started: start, Elapsed: elapsed})
	} else {
		err = w.close()
	}
	if err == nil && outFile != nil {
		if err = outFile.Close(); err == nil {
			err = os.Rename(outFile.Name(), f.out)
		}
	}
	if err != nil {
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

// validate checks the flag values; it returns the exit status and false on
// a usage error.
func (f *checkFlags) validate(fs *flag.FlagSet, stderr io.Writer) (int, bool) {
	formatSet := false
	fs.Visit(func(fl *flag.Flag) { formatSet = formatSet || fl.Name == "format" })
	if !formatSet && f.out != "" {
		switch strings.ToLower(filepath.Ext(f.out)) {
		case ".json":
			f.format = "json"
		case ".csv":
			f.format = "csv"
		case ".html", ".htm":
			f.format = "html"
		}
	}
	rules := checkRules(f.profile, &f.lang)
	switch {
	case rules != nil:
		fmt.Fprintf(stderr, "tessera check: %v\n", rules)
	case !contains(formats, f.format):
		fmt.Fprintf(stderr, "tessera check: unknown format %q (%s)\n", f.format, strings.Join(formats, ", "))
	case f.jobs < 1:
		fmt.Fprintf(stderr, "tessera check: --jobs must be at least 1, not %d\n", f.jobs)
	case f.sortInto != "" && isFile(f.sortInto):
		fmt.Fprintf(stderr, "tessera check: --sort-into %s is a file, not a folder\n", f.sortInto)
	default:
		return 0, true
	}
	return exitUsage, false
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
			return l.Say("cli.runCheck.out_is_input", shown(f.out))
		}
	}
	if !f.force {
		return l.Say("cli.runCheck.out_exists", shown(f.out))
	}
	return ""
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

// shown is name as it can be printed on a terminal: quoted with its
// control characters escaped (strconv.Quote) when it has any, or any
// other character that is not graphic (bidirectional overrides, which
// would show a name other than the file's), else as it is.
func shown(name string) string {
	for _, r := range name {
		if !strconv.IsGraphic(r) {
			return strconv.Quote(name)
		}
	}
	return name
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
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

// reportWriter streams items in one of the formats that can be written as
// the results come: text, JSON and CSV.
type reportWriter struct {
	format string
	w      io.Writer
	l      catalog.Printer
	csv    *batch.CSVWriter
	n      int // items written
}

func newReportWriter(format string, w io.Writer, l catalog.Printer) *reportWriter {
	rw := &reportWriter{format: format, w: w, l: l}
	if format == "csv" {
		rw.csv = batch.NewCSVWriter(w, l.Lang())
	}
	return rw
}

func (rw *reportWriter) write(it batch.Item) error {
	switch rw.format {
	case "csv":
		return rw.csv.Write(it)
	case "json":
		if it.Report == nil { // the JSON array holds reports: skipped files are in the summary
			return nil
		}
		sep := ",\n  "
		if rw.n == 0 {
			sep = "[\n  "
		}
		rw.n++
		b, err := json.MarshalIndent(it.Report, "  ", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(rw.w, "%s%s", sep, b)
		return err
	}
	if it.Report == nil {
		_, err := fmt.Fprintf(rw.w, "%s: %s (%s)\n", shown(it.Path), rw.l.Say("cli.write.skipped"), it.Skip.Text(rw.l.Lang()))
		return err
	}
	if rw.n > 0 {
		fmt.Fprintln(rw.w)
	}
	rw.n++
	return writeText(rw.w, rw.l, it.Report)
}

func (rw *reportWriter) close() error {
	switch rw.format {
	case "csv":
		return rw.csv.Close()
	case "json":
		if rw.n == 0 {
			_, err := fmt.Fprintln(rw.w, "[]")
			return err
		}
		_, err := fmt.Fprintln(rw.w, "\n]")
		return err
	}
	return nil
}

// statusOrder puts failed checks first, then warnings, passes and skips.
var statusOrder = []validate.Status{validate.Fail, validate.Warn, validate.Pass, validate.Skip}

// writeText prints one report as a block: the verdict, then the checks,
// failed ones first, each with its fix.
func writeText(w io.Writer, l catalog.Printer, r *validate.Report) error {
	verdict := l.Say("cli.writeText.fail")
	if r.Pass {
		verdict = l.Say("cli.writeText.pass")
	}
	if r.Error != "" {
		verdict = l.Say("cli.writeText.unreadable")
	}
	if _, err := fmt.Fprintf(w, "%s: %s (%s)\n", shown(r.File), verdict, r.Profile); err != nil {
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
