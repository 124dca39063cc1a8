// Package validate checks an ID photo against the rules of a profile (the
// Italian CIE or ICAO) and writes a report that says, in any language of
// package catalog, what is wrong and how to fix it.
//
// Data flows one way: bytes -> decode -> measure -> judge -> report, and the
// files are named by their stage:
//   - decode*.go read the file: format, header, metadata, pixels (photo);
//   - measure*.go measure it: the face's geometry, the crown, the backdrop,
//     capture, features, pose and expression, as plain values (measures),
//     knowing nothing of profiles;
//   - judge*.go turn measures and a profile into checks, each a pure
//     function giving a status, a value and message ids with their
//     arguments (catalog.Text);
//   - report*.go say the report in a language (Report.Say);
//   - profile*.go hold the rules as data; validate.go runs the stages.
//
// The package does no I/O beyond the bytes it is handed; faces come from a
// facedetect.Detector.
package validate

import (
	"context"
	"errors"
	"fmt"
	"image"
	"runtime/debug"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/tessera-cie/tessera/facedetect"
)

// Options choose how a photo is judged.
type Options struct {
	Profile string    // profile name; "" is DefaultProfile
	Lang    string    // one of catalog.Languages; any other is the default, Italian
	Now     time.Time // the time recency is judged at; zero is time.Now()
}

// Validator runs the pipeline. It is safe for concurrent use.
type Validator struct {
	det       facedetect.Detector
	maxPixels int
	// mem admits checks by their Cost against a budget of budget bytes;
	// nil: no budget.
	mem    *semaphore.Weighted
	budget int64
}

// New returns a Validator that finds faces with det.
func New(det facedetect.Detector) *Validator {
	return &Validator{det: det, maxPixels: DefaultMaxPixels}
}

// WithMaxPixels returns a copy of v that refuses images larger than n pixels.
func (v *Validator) WithMaxPixels(n int) *Validator {
	c := *v
	c.maxPixels = n
	return &c
}

// WithMemoryBudget returns a copy of v that checks photos only while the
// Cost of those being checked, together, stays within n bytes: a check
// waits for room (until its context ends) and a photo whose Cost alone is
// over n is refused with ErrOverBudget. Copies made from the result share
// its budget.
func (v *Validator) WithMemoryBudget(n int64) *Validator {
	c := *v
	c.mem, c.budget = semaphore.NewWeighted(n), n
	return &c
}

// Result is a report with the decoded photo it judged, for drawing on it.
type Result struct {
	Report *Report
	// Image is the photo as displayed (EXIF orientation applied); nil when
	// the file could not be decoded.
	Image image.Image
	// Profile is the profile the photo was judged by.
	Profile *Profile
}

// ErrUnknownProfile is returned for a profile name that does not exist.
var ErrUnknownProfile = errors.New("unknown profile")

// Check judges one photo: name is how the report names it (a path or an
// upload's file name), data the file's bytes. A file that cannot be read
// gives a report with Error set, never a Go error; only an unknown profile
// or a cancelled context does.
func (v *Validator) Check(ctx context.Context, name string, data []byte, opts Options) (*Report, error) {
	res, err := v.Analyze(ctx, name, data, opts)
	if err != nil {
		return nil, err
	}
	return res.Report, nil
}

// Analyze is Check that also returns the decoded photo.
//
// A panic while reading the file (a parser defeated by crafted bytes) gives
// a report wrapping ErrUnreadable; a panic while measuring or judging a
// decoded photo gives one wrapping ErrInternal. Either way it stays with
// this photo: the caller's other photos are checked as usual.
func (v *Validator) Analyze(ctx context.Context, name string, data []byte, opts Options) (res *Result, err error) {
	p, ok := LookupProfile(opts.Profile)
	if !ok {
		return nil, fmt.Errorf("validate: %w %q (known: %v)", ErrUnknownProfile, opts.Profile, ProfileNames())
	}
	prof := &p // this photo's own copy: Result.Profile hands it out
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	j := &judge{prof: prof, lang: opts.Lang, now: opts.Now, maxPixels: v.maxPixels}
	rep := &Report{File: name, Profile: prof.Name, Checks: []Check{}}
	res = &Result{Report: rep, Profile: prof}
	defer func() {
		if r := recover(); r != nil {
			*rep = Report{File: name, Profile: prof.Name, Checks: []Check{}, Image: rep.Image}
			// The name stays out: the error goes to logs, which carry no
			// personal data, and a file name may be a person's name.
			rep.Err = fmt.Errorf("%w: %v\n%s", ErrInternal, r, debug.Stack())
			rep.ErrorText = j.errorText(rep.Err, nil)
			j.finish(rep)
			res, err = &Result{Report: rep, Profile: prof}, nil
		}
	}()

	// Admitted by memory after the pixel limit: a file over it is refused
	// from its header by read, and waits for no room. The header is read
	// once for both.
	src := probe(data)
	defer src.close()
	if v.mem == nil {
		return v.analyze(ctx, src, j, res)
	}
	if src.err == nil && src.pixels() > int64(v.maxPixels) {
		return v.analyze(ctx, src, j, res)
	}
	cost := costOf(src)
	if cost > v.budget {
		ph := &photo{bytes: len(data), format: src.format, info: &ImageInfo{Bytes: len(data), Format: src.format}}
		if src.err == nil {
			ph.info.Width, ph.info.Height = src.cfg.Width, src.cfg.Height
		}
		rep.Image = ph.info
		rep.Err = fmt.Errorf("%w: %dx%d needs about %d MB, the budget is %d MB", ErrOverBudget, ph.info.Width, ph.info.Height, cost>>20, v.budget>>20)
		rep.ErrorText = j.errorText(rep.Err, ph)
		j.fileChecks(rep, ph)
		j.finish(rep)
		return res, nil
	}
	if err := v.mem.Acquire(ctx, cost); err != nil {
		return nil, err
	}
	defer v.mem.Release(cost)
	return v.analyze(ctx, src, j, res)
}

// analyze runs the pipeline on src for Analyze, into res, judged by j.
func (v *Validator) analyze(ctx context.Context, src *source, j *judge, res *Result) (*Result, error) {
	rep := res.Report
	name := rep.File
	ph, err := v.readSource(ctx, src)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if ph != nil {
		rep.Image = ph.info
	}
	if err != nil {
		rep.Err = err
		rep.ErrorText = j.errorText(err, ph)
		j.fileChecks(rep, ph)
		j.finish(rep)
		return res, nil
	}
	res.Image = ph.img
	// A file that declares no resolution counts as the profile's default
	// (the spec's 72), and the report says so.
	if ph.info.DPI <= 0 {
		ph.info.DPI, ph.info.DPISource = j.prof.DefaultDPI, dpiNone
	}
	j.fileChecks(rep, ph)

	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m, err := v.measure(ctx, ph)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("validate: %s: %w", name, err)
	}
	if m.face != nil {
		rep.Face = m.face.info()
		if f := m.features; f != nil {
			rep.Face.Yaw, rep.Face.Pitch = round1(f.yaw), round1(f.pitch)
		}
	}
	j.faceChecks(rep, ph, m)
	j.finish(rep)
	return res, nil
}

// Unextracted is the report of a file that could not be taken out of what
// carried it, such as an email attachment whose base64 is broken or an
// attached message whose header cannot be read: not a byte of it can be
// judged. The report wraps ErrTransferEncoding and cause, and says so in
// the language of opts, naming the encoding when cause has a
// TransferEncoding method that names one (mailphoto.PartError).
func Unextracted(name string, cause error, opts Options) (*Report, error) {
	p, ok := LookupProfile(opts.Profile)
	if !ok {
		return nil, fmt.Errorf("validate: %w %q (known: %v)", ErrUnknownProfile, opts.Profile, ProfileNames())
	}
	prof := &p // this photo's own copy: Result.Profile hands it out
	j := &judge{prof: prof, lang: opts.Lang, now: opts.Now}
	rep := &Report{File: name, Profile: prof.Name, Checks: []Check{}}
	rep.Err = fmt.Errorf("%w: %w", ErrTransferEncoding, cause)
	rep.ErrorText = j.errorText(rep.Err, nil)
	j.finish(rep)
	return rep, nil
}

// photo is a decoded file with what its metadata says.
type photo struct {
	info   *ImageInfo
	format string
	bytes  int
	meta   meta
	img    image.Image // as displayed
	gray   *image.Gray // luma of img
	// bound is a HEIF file's longest claimed side (heif.Config.Bound),
	// whose square the pixel limit counts; 0 for other files.
	bound int
}

// read identifies, measures and decodes data (readSource).
func (v *Validator) read(data []byte) (*photo, error) {
	src := probe(data)
	defer src.close()
	return v.readSource(context.Background(), src)
}

// readSource identifies, measures and decodes the file whose header src
// read. It refuses images over the pixel limit from their header, before
// decoding any pixel. On error the photo returned carries what could be
// learnt (format, size). A parser that panics on the bytes makes the file
// unreadable.
func (v *Validator) readSource(ctx context.Context, src *source) (ph *photo, err error) {
	ph = &photo{bytes: len(src.data), info: &ImageInfo{Bytes: len(src.data)}}
	defer func() {
		if r := recover(); r != nil {
			ph.img, ph.gray = nil, nil
			err = fmt.Errorf("%w: a parser failed on the file's bytes: %v", ErrUnreadable, r)
		}
	}()
	return ph, v.readInto(ctx, ph, src)
}

// readInto is read without the recovery, for the fuzz tests to see panics.
func (v *Validator) readInto(ctx context.Context, ph *photo, src *source) error {
	data := src.data
	if len(data) == 0 {
		return fmt.Errorf("%w: empty file", ErrUnreadable)
	}
	ph.format = src.format
	ph.info.Format = ph.format
	switch ph.format {
	case "":
		ph.info.Format = "unknown"
		return ErrNotImage
	case "jpeg", "png", "heic", "avif":
	default:
		return fmt.Errorf("%w: %s", ErrUnsupported, ph.format)
	}
	cfg, err := src.cfg, src.err
	if errors.Is(err, ErrUnsupported) {
		return err
	}
	if err != nil {
		return fmt.Errorf("%w: %s header: %w", ErrUnreadable, ph.format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return fmt.Errorf("%w: %dx%d pixels", ErrUnreadable, cfg.Width, cfg.Height)
	}
	ph.info.Width, ph.info.Height = cfg.Width, cfg.Height
	if src.heif != nil {
		ph.bound = src.heif.Config().Bound
	}
	if src.pixels() > int64(v.maxPixels) {
		if ph.bound > 0 {
			return fmt.Errorf("%w: %dx%d may decode to %dx%d, over %d megapixels", ErrTooManyPixels, cfg.Width, cfg.Height, ph.bound, ph.bound, v.maxPixels/1_000_000)
		}
		return fmt.Errorf("%w: %dx%d is over %d megapixels", ErrTooManyPixels, cfg.Width, cfg.Height, v.maxPixels/1_000_000)
	}
	ph.meta = readMeta(ph.format, data)
	ph.info.Orientation = ph.meta.orientation
	ph.info.Taken = ph.meta.taken
	ph.info.DPI, ph.info.DPISource = ph.meta.dpi, ph.meta.dpiSource
	img, err := decode(ctx, src)
	if errors.Is(err, ErrUnsupported) || errors.Is(err, ErrInternal) {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	ph.img = orient(img, ph.meta.orientation)
	b := ph.img.Bounds()
	ph.info.Width, ph.info.Height = b.Dx(), b.Dy()
	ph.gray = gray(ph.img)
	return nil
}
