package validate

import (
	"errors"
	"strings"
	"time"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/jpegturbo"
)

// judge turns measures into checks. A check gives its message as an id
// of the catalogue and its arguments; the report is said in one language
// when it is done (finish).
type judge struct {
	prof *Profile
	lang string // the report's language
	now  time.Time
	// maxPixels is the validator's limit on a photo's pixels, for the
	// message that refuses a larger one.
	maxPixels int
}

// add appends a check that the profile runs; checks it does not run are
// reported as skipped.
func (j *judge) add(rep *Report, c Check) {
	if !j.prof.runs(c.ID) {
		c = Check{ID: c.ID, Status: Skip, MessageText: j.say("check.add.not_part_profile", j.prof.Name)}
	}
	rep.Checks = append(rep.Checks, c)
}

// say returns message id with args, to be said in the report's language
// when the report is done (Report.Say).
func (j *judge) say(id string, args ...any) catalog.Text { return catalog.T(id, args...) }

// skipWhere reports the checks the table's which selects as skipped, in
// report order, for the reason msg.
func (j *judge) skipWhere(rep *Report, msg catalog.Text, which func(CheckInfo) bool) {
	for _, id := range checksWhere(which) {
		j.add(rep, Check{ID: id, Status: Skip, MessageText: msg})
	}
}

// finish decides the verdict and says the report in its language.
func (j *judge) finish(rep *Report) {
	rep.Pass = rep.ErrorText.ID == ""
	for _, c := range rep.Checks {
		if c.Status == Fail {
			rep.Pass = false
		}
	}
	rep.Say(j.lang)
}

// JPEGFeature returns the citizen's words for the feature a JPEG uses
// that the decoder cannot read (12-bit samples, lossless coding), when err
// is such a JPEG's error (it wraps ErrUnsupported).
func JPEGFeature(err error) (catalog.Text, bool) {
	var u *jpegturbo.UnsupportedError
	if !errors.As(err, &u) {
		return catalog.Text{}, false
	}
	return jpegFeatureText(u), true
}

// jpegFeatureText names, for a citizen, the feature of a JPEG that cannot
// be read.
func jpegFeatureText(u *jpegturbo.UnsupportedError) catalog.Text {
	switch u.Feature {
	case jpegturbo.Precision:
		return catalog.T("check.errorText.jpeg_precision", u.Bits)
	case jpegturbo.Hierarchical:
		return catalog.T("check.errorText.jpeg_hierarchical")
	case jpegturbo.ManyScans:
		return catalog.T("check.errorText.jpeg_many_scans")
	}
	return catalog.T("check.errorText.jpeg_lossless")
}

// errorText is the citizen's explanation of why the file could not be read.
func (j *judge) errorText(err error, ph *photo) catalog.Text {
	feature, isFeature := JPEGFeature(err)
	switch {
	case errors.Is(err, ErrNotImage):
		return j.say("check.errorText.file_not_jpg_or")
	case isFeature:
		return j.say("check.errorText.jpeg_feature_unsupported", feature)
	case errors.Is(err, ErrUnsupported):
		return j.say("check.errorText.format_not_accepted_jpg", strings.ToUpper(ph.format))
	case errors.Is(err, ErrTooManyPixels) && ph != nil && ph.bound > 0:
		return j.say("check.errorText.heif_too_large_dx", strings.ToUpper(ph.format), catalog.Dims(ph.info.Width, ph.info.Height), catalog.Dims(ph.bound, ph.bound), j.maxPixels/1_000_000)
	case errors.Is(err, ErrTooManyPixels):
		return j.say("check.errorText.image_too_large_dx", catalog.Dims(ph.info.Width, ph.info.Height), j.maxPixels/1_000_000)
	case errors.Is(err, ErrOverBudget):
		return j.say("check.errorText.image_too_heavy_check", catalog.Dims(ph.info.Width, ph.info.Height))
	case errors.Is(err, ErrTransferEncoding):
		// The carrier says which encoding broke (mailphoto.PartError);
		// with none, the part itself could not be read.
		var enc interface{ TransferEncoding() string }
		if errors.As(err, &enc) && enc.TransferEncoding() != "" {
			return j.say("check.errorText.attachment_arrived_damaged_its", enc.TransferEncoding())
		}
		return j.say("check.errorText.attachment_part_unreadable")
	case errors.Is(err, ErrInternal):
		return j.say("check.errorText.internal_error_in_tessera")
	case ph != nil && ph.bytes == 0:
		return j.say("check.errorText.file_empty")
	}
	return j.say("check.errorText.file_damaged_or_incomplete")
}
