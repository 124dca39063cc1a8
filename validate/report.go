package validate

import (
	"errors"
	"time"

	"github.com/tessera-cie/tessera/catalog"
)

// Status is the outcome of one check.
type Status string

// The statuses of a check, as in the spec.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	Warn Status = "warn" // cannot be judged, or close to the limit: a human should look
	Skip Status = "skip" // not in this profile, or needs a face that was not found
)

// Report is the verdict on one photo: the JSON contract of
// shared/spec/photo-rules.md.
type Report struct {
	File    string     `json:"file"`
	Profile string     `json:"profile"`
	Pass    bool       `json:"pass"`
	Checks  []Check    `json:"checks"`
	Image   *ImageInfo `json:"image,omitempty"`
	Face    *FaceInfo  `json:"face,omitempty"`
	Error   string     `json:"error"`
	// ErrorText is Error not yet said: a message id and its arguments
	// (Say writes Error from it).
	ErrorText catalog.Text `json:"-"`
	// Err is the error behind Error, for callers that map it to a status
	// code: it wraps one of ErrNotImage, ErrUnsupported, ErrTooManyPixels or
	// ErrUnreadable.
	Err error `json:"-"`
}

// Check is the outcome of one rule.
type Check struct {
	ID      CheckID `json:"id"`
	Status  Status  `json:"status"`
	Value   any     `json:"value,omitempty"`
	Limit   string  `json:"limit,omitempty"`
	Message string  `json:"message,omitempty"`
	Fix     string  `json:"fix,omitempty"`
	// MessageText and FixText are Message and Fix not yet said: a message
	// id of the catalogue and its arguments (values, limits, units). The
	// checks give these; Report.Say writes Message and Fix from them.
	MessageText catalog.Text `json:"-"`
	FixText     catalog.Text `json:"-"`
}

// Say writes the report's messages (each check's Message and Fix, and
// Error) in lang, one of catalog.Languages (any other is the default's),
// from their message ids and arguments. A report said in one language may
// be said again in another.
func (r *Report) Say(lang string) {
	p := catalog.For(lang)
	say := func(t catalog.Text) string {
		if t.ID == "" {
			return ""
		}
		return p.Say(t.ID, t.Args...)
	}
	for i := range r.Checks {
		c := &r.Checks[i]
		if c.MessageText.ID != "" {
			c.Message = say(c.MessageText)
		}
		if c.FixText.ID != "" {
			c.Fix = say(c.FixText)
		}
	}
	if r.ErrorText.ID != "" {
		r.Error = say(r.ErrorText)
	}
}

// ImageInfo describes the file as read.
type ImageInfo struct {
	Format string     `json:"format"` // jpeg, png, heic, avif, or the name of an unsupported format
	Width  int        `json:"width"`  // as displayed: after the EXIF orientation, or a HEIF file's own turn
	Height int        `json:"height"`
	Bytes  int        `json:"bytes"`
	DPI    float64    `json:"dpi"` // declared resolution; 72 when the file declares none
	Taken  *time.Time `json:"taken,omitempty"`
	// DPISource says where the DPI was read: jfif, exif, png, or none.
	DPISource string `json:"dpi_source,omitempty"`
	// Orientation is the EXIF orientation that was applied (1 = none). A
	// HEIF file is turned by its own rotation and mirroring, which libheif
	// applies; its EXIF orientation is not applied, and this is 1.
	Orientation int `json:"orientation,omitempty"`
}

// FaceInfo gives the measured face, in pixels of the photo as displayed.
type FaceInfo struct {
	Box      [4]int     `json:"box"`       // x0, y0, x1, y1
	LeftEye  [2]float64 `json:"left_eye"`  // eye on the left of the image
	RightEye [2]float64 `json:"right_eye"` // eye on the right of the image
	Chin     [2]float64 `json:"chin"`
	// Crown is the top of the head as seen against the backdrop, hair
	// included; when it cannot be seen (CrownFrom CrownCut or
	// CrownEstimate), the Skull point.
	Crown [2]float64 `json:"crown"`
	// CrownFrom says where Crown comes from: CrownVisible, CrownCut or
	// CrownEstimate.
	CrownFrom string `json:"crown_from,omitempty"`
	// Skull is the top of the head estimated from the landmarks alone
	// (eye line and chin): where the top would be with the hair lying
	// close to the head. face_height warns when the two disagree.
	Skull *[2]float64 `json:"skull,omitempty"`
	Roll  float64     `json:"roll"`
	Yaw   float64     `json:"yaw"`
	Pitch float64     `json:"pitch"`
	// Landmarks are the 68 points the measurements come from, as the
	// first landmark fit finds them; the chin (Chin) is a second fit's
	// and may differ from point 8.
	Landmarks [][2]float64 `json:"landmarks,omitempty"`
}

// Where FaceInfo.Crown comes from (FaceInfo.CrownFrom).
const (
	CrownVisible  = "visible"  // found against the backdrop
	CrownCut      = "cut"      // the head runs off the top edge of the photo
	CrownEstimate = "estimate" // no plain backdrop above the head to find its top against
)

// VoluminousHair reports whether the visible top of the head lies so far
// above the skull estimate that the hair counts as voluminous (a bun, an
// afro): the only hair face_height may warn about when the two fall on
// either side of a limit. False when the top was not seen.
func (f *FaceInfo) VoluminousHair() bool {
	return f.CrownFrom == CrownVisible && f.Skull != nil && voluminous(f.Crown[1], f.Skull[1], f.Chin[1])
}

// Failed returns the checks that failed, in report order.
func (r *Report) Failed() []Check { return r.WithStatus(Fail) }

// WithStatus returns the checks of status s, in report order: the page,
// the clerks' reports and the email answer each list fails, warnings and
// passes apart.
func (r *Report) WithStatus(s Status) []Check {
	var out []Check
	for _, c := range r.Checks {
		if c.Status == s {
			out = append(out, c)
		}
	}
	return out
}

// Find returns the check with the given id.
func (r *Report) Find(id CheckID) (Check, bool) {
	for _, c := range r.Checks {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}

// Errors wrapped by Report.Err.
var (
	// ErrNotImage: the bytes are no image format tessera recognises.
	ErrNotImage = errors.New("not an image")
	// ErrUnsupported: a recognised image format tessera does not read
	// (WebP, GIF, TIFF, BMP, PDF...), a JPEG that uses a feature the
	// decoders cannot read (12-bit samples, lossless coding: see
	// JPEGFeature), or a HEIF file coded in a way libheif cannot decode.
	ErrUnsupported = errors.New("unsupported image format")
	// ErrTooManyPixels: the header declares more pixels than allowed
	// (a decompression bomb or a huge scan); no pixels were decoded.
	ErrTooManyPixels = errors.New("too many pixels")
	// ErrUnreadable: an empty, truncated or corrupt file.
	ErrUnreadable = errors.New("unreadable image")
	// ErrOverBudget: checking the image would need more memory than the
	// validator's whole budget (WithMemoryBudget); no pixel was decoded.
	ErrOverBudget = errors.New("over the memory budget")
	// ErrInternal: a fault in tessera stopped the check of a photo it had
	// read; the error carries the stack for the log.
	ErrInternal = errors.New("internal error")
	// ErrTransferEncoding: the file could not be taken out of what carried
	// it (an email attachment with broken base64, an attached message that
	// cannot be read); see Unextracted.
	ErrTransferEncoding = errors.New("broken transfer encoding")
)

// dpiNone is ImageInfo.DPISource for a file that declares no resolution:
// its DPI is the profile's default.
const dpiNone = "none"
