package validate

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"time"

	"github.com/rwcarlsen/goexif/exif"
	"github.com/rwcarlsen/goexif/tiff"
)

// meta is what the file says about itself.
type meta struct {
	dpi         float64 // 0 when none is declared
	dpiSource   string  // jfif, exif, png
	taken       *time.Time
	orientation int // EXIF orientation, 1 when absent
}

// readMeta reads DPI, capture date and orientation of a JPEG or PNG. Damaged
// metadata is ignored: it never stops the photo from being checked.
func readMeta(format string, data []byte) meta {
	m := meta{orientation: 1}
	switch format {
	case "jpeg":
		if d, ok := jfifDPI(data); ok {
			m.dpi, m.dpiSource = d, "jfif"
		}
		x, err := exif.Decode(bytes.NewReader(data))
		if err != nil && x == nil {
			return m
		}
		m.fromExif(x)
	case "png":
		if d, ok := pngDPI(data); ok {
			m.dpi, m.dpiSource = d, "png"
		}
	}
	return m
}

func (m *meta) fromExif(x *exif.Exif) {
	if t, err := x.Get(exif.Orientation); err == nil {
		if o, err := t.Int(0); err == nil && o >= 1 && o <= 8 {
			m.orientation = o
		}
	}
	if m.dpi == 0 {
		if d, ok := exifDPI(x); ok {
			m.dpi, m.dpiSource = d, "exif"
		}
	}
	for _, name := range []exif.FieldName{exif.DateTimeOriginal, exif.DateTimeDigitized, exif.DateTime} {
		t, err := x.Get(name)
		if err != nil || t.Format() != tiff.StringVal {
			continue
		}
		s, err := t.StringVal()
		if err != nil {
			continue
		}
		s = strings.TrimRight(strings.TrimSpace(s), "\x00")
		if when, err := time.ParseInLocation("2006:01:02 15:04:05", s, time.UTC); err == nil {
			m.taken = &when
			return
		}
	}
}

// exifDPI reads XResolution with ResolutionUnit (2 = inch, the default;
// 3 = centimetre).
func exifDPI(x *exif.Exif) (float64, bool) {
	t, err := x.Get(exif.XResolution)
	if err != nil {
		return 0, false
	}
	num, den, err := t.Rat2(0)
	if err != nil || den == 0 || num <= 0 {
		return 0, false
	}
	v := float64(num) / float64(den)
	unit := 2
	if u, err := x.Get(exif.ResolutionUnit); err == nil {
		if n, err := u.Int(0); err == nil {
			unit = n
		}
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
		n := int(binary.BigEndian.Uint16(data[i+2:]))
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
