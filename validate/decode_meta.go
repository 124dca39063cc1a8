package validate

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"time"

	"github.com/bep/imagemeta"
)

// meta is what the file says about itself.
type meta struct {
	dpi         float64 // 0 when none is declared
	dpiSource   string  // jfif, exif, png
	taken       *time.Time
	orientation int // EXIF orientation, 1 when absent
	// The lens and the frame the camera wrote, for the camera's distance
	// (cameraDistance): the focal length in 35 mm film terms and the size
	// of the picture as saved, before any orientation; 0 when not given.
	focal35               float64
	exifWidth, exifHeight int
	// edited: the EXIF says the picture is not the frame the lens saw as
	// the camera saved it: a digital zoom, or a modification date other
	// than the date it was taken, as an editor writes.
	edited bool
}

// readMeta reads DPI, capture date, orientation, lens and frame of a
// JPEG, PNG or HEIF file. Damaged metadata is ignored: it never stops the
// photo from being checked.
//
// A HEIF file's orientation is its own rotation and mirroring, which
// heif.Decode applies; the EXIF orientation an iPhone writes beside them
// says the same turn and is not applied again (the HEIF standard makes
// the file's own the one to follow), so orientation stays 1.
func readMeta(format string, data []byte) meta {
	m := meta{orientation: 1}
	switch format {
	case "jpeg":
		if d, ok := jfifDPI(data); ok {
			m.dpi, m.dpiSource = d, "jfif"
		}
		m.fromExif(readExif(data, imagemeta.JPEG))
	case "png":
		if d, ok := pngDPI(data); ok {
			m.dpi, m.dpiSource = d, "png"
		}
	case "heic", "avif":
		m.fromExif(readExif(data, imagemeta.HEIF))
		m.orientation = 1
	}
	return m
}

// EXIF is read with github.com/bep/imagemeta, the reader Hugo uses, which
// bounds its work (tags, tag sizes) and is fuzzed upstream and here
// (FuzzReadMeta). rwcarlsen/goexif, on the design card, looped for ever on
// two IFDs pointing at each other and allocated 2^31 values for a crafted
// count (issue 9): see the README's dependency notes.

// exifTags are the tags tessera reads, by imagemeta's names (ExifTool's):
// CreateDate is EXIF's DateTimeDigitized, ModifyDate its DateTime. Every
// other tag is skipped unread.
var exifTags = map[string]bool{
	"Orientation": true, "XResolution": true, "ResolutionUnit": true,
	"DateTimeOriginal": true, "CreateDate": true, "ModifyDate": true,
	"FocalLengthIn35mmFormat": true, "ExifImageWidth": true, "ExifImageHeight": true,
	"DigitalZoomRatio": true,
}

// exifMaxTags and exifMaxTagSize bound the reader's work on one file: a
// camera writes a few hundred tags, and none that tessera reads is over
// 32 bytes.
const (
	exifMaxTags    = 1000
	exifMaxTagSize = 256
)

// exifIFDs are the IFDs the tags are read from: the photo's own (IFD0)
// and its Exif sub-IFD; IFD1 describes the thumbnail (often 72 DPI,
// orientation 1), not the photo.
var exifIFDs = map[string]bool{"IFD0": true, "IFD0/ExifIFDP": true}

// exifDate is the layout of EXIF dates.
const exifDate = "2006:01:02 15:04:05"

// readExif returns the values of exifTags found in the EXIF of a JPEG or
// HEIF file (format, imagemeta's: HEIF reads AVIF too); a
// damaged EXIF gives what was read before the damage, or nothing. The
// first readable value of a tag wins: a date that does not parse does not
// hide a later good copy.
func readExif(data []byte, format imagemeta.ImageFormat) map[string]any {
	tags := map[string]any{}
	_, _ = imagemeta.Decode(imagemeta.Options{
		R:           bytes.NewReader(data),
		ImageFormat: format,
		Sources:     imagemeta.EXIF,
		ShouldHandleTag: func(ti imagemeta.TagInfo) bool {
			return exifTags[ti.Tag] && exifIFDs[ti.Namespace]
		},
		HandleTag: func(ti imagemeta.TagInfo) error {
			if _, seen := tags[ti.Tag]; seen {
				return nil
			}
			if s, ok := ti.Value.(string); ok {
				if _, err := parseExifDate(s); err != nil {
					return nil
				}
			}
			tags[ti.Tag] = ti.Value
			return nil
		},
		Warnf:        func(string, ...any) {},
		LimitNumTags: exifMaxTags,
		LimitTagSize: exifMaxTagSize,
	})
	return tags
}

func (m *meta) fromExif(tags map[string]any) {
	if o, ok := exifInt(tags["Orientation"]); ok && o >= 1 && o <= 8 {
		m.orientation = o
	}
	if f, ok := exifInt(tags["FocalLengthIn35mmFormat"]); ok && f > 0 {
		m.focal35 = float64(f)
	}
	w, wok := exifInt(tags["ExifImageWidth"])
	h, hok := exifInt(tags["ExifImageHeight"])
	if wok && hok && w > 0 && h > 0 {
		m.exifWidth, m.exifHeight = w, h
	}
	if z, ok := tags["DigitalZoomRatio"].(interface{ Float64() float64 }); ok && z.Float64() > 1 {
		m.edited = true
	}
	// readExif keeps only dates that parse.
	if mod, ok := tags["ModifyDate"].(string); ok {
		modified, _ := parseExifDate(mod)
		orig, ok := tags["DateTimeOriginal"].(string)
		taken, err := parseExifDate(orig)
		if !ok || err != nil || !modified.Equal(taken) {
			m.edited = true
		}
	}
	if m.dpi == 0 {
		if d, ok := exifDPI(tags); ok {
			m.dpi, m.dpiSource = d, "exif"
		}
	}
	for _, name := range []string{"DateTimeOriginal", "CreateDate", "ModifyDate"} {
		s, ok := tags[name].(string)
		if !ok {
			continue
		}
		if when, err := parseExifDate(s); err == nil {
			m.taken = &when
			return
		}
	}
}

// parseExifDate reads an EXIF date, in UTC (EXIF carries no zone).
func parseExifDate(s string) (time.Time, error) {
	return time.ParseInLocation(exifDate, strings.TrimRight(strings.TrimSpace(s), "\x00"), time.UTC)
}

// exifInt reads an integer tag value of any of the integer types.
func exifInt(v any) (int, bool) {
	switch x := v.(type) {
	case uint8:
		return int(x), true
	case uint16:
		return int(x), true
	case uint32:
		return int(x), true
	case int8:
		return int(x), true
	case int16:
		return int(x), true
	case int32:
		return int(x), true
	}
	return 0, false
}

// exifDPI reads XResolution with ResolutionUnit (2 = inch, the default;
// 3 = centimetre).
func exifDPI(tags map[string]any) (float64, bool) {
	r, ok := tags["XResolution"].(interface{ Float64() float64 })
	if !ok {
		return 0, false
	}
	v := r.Float64()
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return 0, false
	}
	unit := 2
	if u, ok := exifInt(tags["ResolutionUnit"]); ok {
		unit = u
	}
	switch unit {
	case 2:
		return v, true
	case 3:
		return v * 2.54, true
	}
	return 0, false
}

// jfifDPI reads the density of a JFIF APP0 segment: units 1 = dots per inch,
// 2 = dots per centimetre; 0 gives only an aspect ratio, no resolution.
func jfifDPI(data []byte) (float64, bool) {
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return 0, false
		}
		marker := data[i+1]
		if marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01 || marker == 0xff {
			i++
			continue
		}
		if marker == 0xda || marker == 0xd9 { // start of scan: no more headers
			return 0, false
		}
		// The length counts its own two bytes: under 2 the segment is
		// malformed and nothing after it can be trusted.
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 {
			return 0, false
		}
		seg := data[i+4 : min(len(data), i+2+n)]
		if marker == 0xe0 && len(seg) >= 12 && string(seg[:5]) == "JFIF\x00" {
			units := seg[7]
			xd := float64(binary.BigEndian.Uint16(seg[8:]))
			switch {
			case xd == 0:
				return 0, false
			case units == 1:
				return xd, true
			case units == 2:
				return xd * 2.54, true
			}
			return 0, false
		}
		i += 2 + n
	}
	return 0, false
}

// pngDPI reads the pHYs chunk: pixels per unit, unit 1 = metre.
func pngDPI(data []byte) (float64, bool) {
	for i := 8; i+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		if n < 0 || i+12+n > len(data) {
			return 0, false
		}
		if typ == "pHYs" && n >= 9 {
			ppu := binary.BigEndian.Uint32(data[i+8:])
			if data[i+16] == 1 && ppu > 0 {
				// 400 DPI is stored as 15748 pixels per metre: round to 0.01.
				return math.Round(float64(ppu)*2.54) / 100, true
			}
			return 0, false
		}
		if typ == "IDAT" || typ == "IEND" {
			return 0, false
		}
		i += 12 + n
	}
	return 0, false
}
