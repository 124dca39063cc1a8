package validate

import (
	"fmt"
	"math"
	"strings"

	"github.com/tessera-cie/tessera/catalog"
)

// This file: the format, file_size, dpi, resolution, aspect_ratio and
// recency checks, judged from the file as read (decode.go, decode_meta.go)
// and the profile.

// fileChecks judges the file and its metadata. ph.img is nil when the file
// could not be decoded; then only what is known is judged.
func (j *judge) fileChecks(rep *Report, ph *photo) {
	j.add(rep, j.format(ph))
	j.add(rep, j.fileSize(ph))
	if ph.img == nil {
		// The report of a file that cannot be decoded lists the file and
		// face checks, skipped.
		j.skipWhere(rep, j.say("check.captureChecks.image_cannot_be_read"), func(c CheckInfo) bool {
			return c.Decoded && c.Stage <= StageFace
		})
		return
	}
	j.add(rep, j.dpi(ph))
	j.add(rep, j.resolution(ph))
	j.add(rep, j.aspect(ph))
	// color is judged with the measurements: see faceChecks.
}

func (j *judge) format(ph *photo) Check {
	c := Check{ID: Format, Value: ph.info.Format, Limit: "jpeg, png"}
	switch ph.format {
	case "jpeg", "png":
		c.Status = Pass
		c.MessageText = j.say("check.format.format", strings.ToUpper(ph.format))
	case "heic", "avif":
		// Read all the same (package heif): the photo is checked, and the
		// fix is the JPG copy photofix makes of it, where it makes one.
		c.Status = Fail
		ids := heifFormatMessages[ph.format].read
		if ph.img == nil {
			ids = heifFormatMessages[ph.format].unread
		}
		c.MessageText = j.say(ids[0], strings.ToUpper(ph.format))
		c.FixText = j.say(ids[1])
	case "":
		c.Status = Fail
		c.Value = "unknown"
		c.MessageText = j.say("check.format.file_not_image")
		c.FixText = j.say("check.format.attach_photo_itself_as")
	default:
		c.Status = Fail
		c.MessageText = j.say("check.format.format_not_accepted", strings.ToUpper(ph.format))
		c.FixText = j.say("check.format.open_photo_in_photo")
	}
	return c
}

// heifFormatMessages are the format check's message and fix ids for the
// HEIF formats tessera reads, for a file that was read and for one that
// could not be: a HEIC is an iPhone's, and its fix the iPhone's setting;
// an AVIF's fix is a photo program's.
var heifFormatMessages = map[string]struct{ read, unread [2]string }{
	"heic": {
		read:   [2]string{"check.format.photo_read_format_iphone", "check.format.send_corrected_jpg"},
		unread: [2]string{"check.format.photo_in_format_iphone", "check.format.send_photo_as_jpg"},
	},
	"avif": {
		read:   [2]string{"check.format.photo_read_format", "check.format.send_corrected_jpg_other"},
		unread: [2]string{"check.format.format_not_accepted", "check.format.open_photo_in_photo"},
	},
}

func (j *judge) fileSize(ph *photo) Check {
	max := j.prof.MaxBytes
	c := Check{ID: FileSize, Value: ph.bytes, Limit: fmt.Sprintf("<= %d", max)}
	kb := float64(ph.bytes) / 1024
	if ph.bytes <= max {
		c.Status = Pass
		c.MessageText = j.say("check.fileSize.file_size_kb", kb)
		return c
	}
	c.Status = Fail
	c.MessageText = j.say("check.fileSize.file_kb_over_maximum", kb, max/1024)
	c.FixText = j.say("check.fileSize.make_file_smaller_than", max/1024, catalog.Dims(j.prof.MinWidth, j.prof.MinHeight))
	return c
}

func (j *judge) dpi(ph *photo) Check {
	p := j.prof
	dpi := ph.info.DPI
	declared := dpi > 0 && ph.info.DPISource != dpiNone
	if !declared {
		dpi = p.DefaultDPI
	}
	c := Check{ID: DPI, Value: math.Round(dpi), Limit: fmt.Sprintf(">= %.0f", p.MinDPI)}
	if dpi >= p.MinDPI {
		c.Status = Pass
		c.MessageText = j.say("check.dpi.declared_resolution_dpi", dpi)
		return c
	}
	c.Status = Fail
	if declared {
		c.MessageText = j.say("check.dpi.declared_resolution_dpi_at", dpi, p.MinDPI)
	} else {
		c.MessageText = j.say("check.dpi.file_declares_no_resolution", dpi, p.MinDPI)
	}
	c.FixText = j.say("check.dpi.set_resolution_dpi_without", p.MinDPI)
	return c
}

func (j *judge) resolution(ph *photo) Check {
	p := j.prof
	w, h := ph.info.Width, ph.info.Height
	c := Check{ID: Resolution, Value: fmt.Sprintf("%dx%d", w, h), Limit: fmt.Sprintf(">= %dx%d", p.MinWidth, p.MinHeight)}
	if w >= p.MinWidth && h >= p.MinHeight {
		c.Status = Pass
		c.MessageText = j.say("check.resolution.dx_pixels", catalog.Dims(w, h))
		return c
	}
	c.Status = Fail
	c.MessageText = j.say("check.resolution.dx_pixels_too_few", catalog.Dims(w, h), p.Size(), p.MinDPI)
	c.FixText = j.say("check.resolution.use_camera_original_photo", catalog.Dims(p.MinWidth, p.MinHeight))
	return c
}

func (j *judge) aspect(ph *photo) Check {
	p := j.prof
	w, h := float64(ph.info.Width), float64(ph.info.Height)
	ratio := w / h
	c := Check{ID: AspectRatio, Value: math.Round(ratio*1000) / 1000, Limit: fmt.Sprintf("%.3f ± %.0f %%", p.Aspect, p.AspectTol*100)}
	if math.Abs(ratio/p.Aspect-1) <= p.AspectTol {
		c.Status = Pass
		c.MessageText = j.say("check.aspect.proportions_3f", p.Size(), ratio)
		return c
	}
	c.Status = Fail
	// The largest 35:45 crop that fits.
	cw, ch := w, w/p.Aspect
	if ch > h {
		cw, ch = h*p.Aspect, h
	}
	c.MessageText = j.say("check.aspect.proportions_3f_instead_3f", ratio, p.WidthMM, p.HeightMM, p.Aspect)
	c.FixText = j.say("check.aspect.crop_photo_for_example", p.Size(), catalog.Dims(cw, ch))
	return c
}

func (j *judge) recency(ph *photo) Check {
	p := j.prof
	c := Check{ID: Recency, Limit: fmt.Sprintf("<= %d days", p.MaxAgeDays)}
	t := ph.info.Taken
	if t == nil {
		c.Status = Warn
		c.MessageText = j.say("check.recency.photo_carries_no_capture")
		c.FixText = j.say("check.recency.nothing_do_if_photo", p.maxAgeMonths())
		return c
	}
	c.Value = t.Format("2006-01-02")
	age := j.now.Sub(*t)
	days := age.Hours() / 24
	switch {
	case days < -p.FutureDays:
		c.Status = Fail
		c.MessageText = j.say("check.recency.capture_date_in_future", t.Format("02/01/2006"))
		c.FixText = j.say("check.recency.check_camera_date_time")
	case days > float64(p.MaxAgeDays):
		c.Status = Fail
		c.MessageText = j.say("check.recency.photo_taken_on_more", t.Format("02/01/2006"), p.maxAgeMonths())
		c.FixText = j.say("check.recency.recent_photo_needed_take", p.maxAgeMonths())
	default:
		c.Status = Pass
		c.MessageText = j.say("check.recency.taken_on", t.Format("02/01/2006"))
	}
	return c
}
