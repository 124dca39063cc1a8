package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"io/fs"
	"os"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tessera-cie/tessera/annotate"
	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/validate"
)

// DefaultMaxBytes is the largest file read: a photo is a few megabytes, and
// a larger file (a video named .jpg, a disk image) is not loaded at all.
const DefaultMaxBytes = 64 << 20

// ErrTooLarge is the error of a file over the size limit.
var ErrTooLarge = errors.New("file too large")

// Item is the outcome for one input: the input itself, and the report when
// it was checked (also when it could not be read: then Report.Error is set).
type Item struct {
	Input
	Report *validate.Report // nil when skipped
	// Thumb is a JPEG of the photo with the measurements drawn on it, when
	// Options.Thumb asks for one and the photo could be decoded.
	Thumb []byte
}

// Verdict is how an item counts in a summary.
type Verdict string

// The verdicts of an item.
const (
	VerdictPass    Verdict = "pass"
	VerdictFail    Verdict = "fail"
	VerdictError   Verdict = "error" // the file could not be read, or is in a format tessera does not read
	VerdictSkipped Verdict = "skipped"
)

// Verdict returns the item's verdict.
func (it Item) Verdict() Verdict {
	switch {
	case it.Report == nil:
		return VerdictSkipped
	case it.Report.Error != "":
		return VerdictError
	case it.Report.Pass:
		return VerdictPass
	}
	return VerdictFail
}

// Options choose how a batch is checked.
type Options struct {
	// Jobs is how many photos are checked at once (default: the number of CPUs).
	Jobs int
	// Check are the profile, language and time every photo is judged with.
	Check validate.Options
	// Thumb is the longer side, in pixels, of the annotated thumbnail made
	// for each photo; 0 makes none.
	Thumb int
	// MaxBytes is the largest file read (default DefaultMaxBytes).
	MaxBytes int64
}

// Run checks the inputs with jobs photos at once and hands every item to
// emit in input order, as soon as it and all before it are done. A file that
// cannot be read becomes an item whose report has Error set; Run stops early
// only when ctx is cancelled, the profile is unknown, or emit returns an
// error, and returns that error.
func Run(ctx context.Context, v *validate.Validator, inputs []Input, opts Options, emit func(Item) error) error {
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if _, ok := validate.LookupProfile(opts.Check.Profile); !ok {
		return fmt.Errorf("batch: %w %q", validate.ErrUnknownProfile, opts.Check.Profile)
	}
	if opts.Check.Now.IsZero() {
		opts.Check.Now = time.Now() // one clock for the whole batch
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)

	// done[i] receives item i. At most window items are in flight or waiting
	// to be emitted, which bounds the memory thumbnails take.
	window := jobs * 4
	done := make([]chan Item, len(inputs))
	for i := range done {
		done[i] = make(chan Item, 1)
	}
	slots := make(chan struct{}, window)
	work := make(chan int)
	g.Go(func() error {
		defer close(work)
		for i := range inputs {
			select {
			case slots <- struct{}{}:
			case <-gctx.Done():
				return nil
			}
			select {
			case work <- i:
			case <-gctx.Done():
				return nil
			}
		}
		return nil
	})
	for range jobs {
		g.Go(func() error {
			for i := range work {
				it, err := process(gctx, v, inputs[i], opts)
				if err != nil {
					return err
				}
				done[i] <- it
			}
			return nil
		})
	}
	// The items are emitted here, on the caller's goroutine, in order.
	var emitErr error
	for i := range inputs {
		select {
		case it := <-done[i]:
			<-slots
			emitErr = emit(it)
		case <-gctx.Done():
		}
		if emitErr != nil || gctx.Err() != nil {
			break
		}
	}
	cancel()
	if err := g.Wait(); emitErr == nil && err != nil && !errors.Is(err, context.Canceled) {
		emitErr = err
	}
	if emitErr != nil {
		return emitErr
	}
	return parent.Err()
}

// process checks one input.
func process(ctx context.Context, v *validate.Validator, in Input, opts Options) (Item, error) {
	it := Item{Input: in}
	if in.Skip != "" {
		return it, nil
	}
	if in.Err != nil {
		it.Report = errorReport(in.Path, in.Err, opts.Check)
		return it, nil
	}
	data, err := readFile(in.Path, opts.MaxBytes)
	if err != nil {
		it.Report = errorReport(in.Path, err, opts.Check)
		return it, nil
	}
	res, err := v.Analyze(ctx, in.Path, data, opts.Check)
	if err != nil {
		return it, err
	}
	it.Report = res.Report
	if opts.Thumb > 0 && res.Image != nil {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, annotate.DrawScaled(res, opts.Thumb), &jpeg.Options{Quality: 80}); err == nil {
			it.Thumb = buf.Bytes()
		}
	}
	return it, nil
}

// readFile reads a whole file of at most max bytes.
func readFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, fi.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, max)
	}
	return data, nil
}

// errorReport is the report of a file that could not be read at all.
func errorReport(path string, err error, opts validate.Options) *validate.Report {
	lang := opts.Lang
	prof := opts.Profile
	if prof == "" {
		prof = validate.DefaultProfile
	}
	return &validate.Report{
		File:    path,
		Profile: prof,
		Checks:  []validate.Check{},
		Error:   ReadErrorText(err, lang),
		Err:     err,
	}
}

// ReadErrorText explains to a clerk why a file could not be read, in lang.
func ReadErrorText(err error, lang string) string {
	say := catalog.For(lang).Say
	switch {
	case errors.Is(err, ErrNoMatch):
		return say("batch.readErrorText.no_file_matches_pattern")
	case errors.Is(err, fs.ErrNotExist):
		return say("batch.readErrorText.file_does_not_exist")
	case errors.Is(err, fs.ErrPermission):
		return say("batch.readErrorText.permission_denied_file_cannot")
	case errors.Is(err, ErrTooLarge):
		return say("batch.readErrorText.file_too_large_be")
	}
	return say("batch.readErrorText.cannot_read_file", err.Error())
}

// Summary counts the items of a batch.
type Summary struct {
	Photos     int // items checked: Pass + Fail + Unreadable
	Pass       int
	Fail       int
	Unreadable int // could not be read, or in a format tessera does not read
	Skipped    int
}

// Add counts one item.
func (s *Summary) Add(it Item) {
	switch it.Verdict() {
	case VerdictSkipped:
		s.Skipped++
		return
	case VerdictPass:
		s.Pass++
	case VerdictFail:
		s.Fail++
	case VerdictError:
		s.Unreadable++
	}
	s.Photos++
}

// Line is the one-line summary a clerk reads at the end of a run, in lang.
func (s Summary) Line(lang string, elapsed time.Duration) string {
	return catalog.Say(lang, "batch.summary", s.Photos, s.Pass, s.Fail, s.Unreadable, s.Skipped, elapsed.Seconds())
}
