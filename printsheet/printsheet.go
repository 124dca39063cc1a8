// Package printsheet lays a valid ID photo out on a sheet to print: the
// 10x15 cm size that photo labs, kiosks and home photo printers take, with
// the photo repeated at its true size (35x45 mm for the CIE) and cut marks
// at its corners, as a JPEG at 300 DPI (1181x1772 pixels, portrait) or as a
// PDF of that page size.
//
// The photo must already pass its profile's checks (photofix.MakeValid gives
// it); the sheet only places it.
package printsheet

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"path/filepath"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/disintegration/imaging"

	"github.com/tessera-cie/tessera/photofix"
)

// The sheet: 10x15 cm, the smallest standard photo print ("4x6 inch" is
// 101.6x152.4 mm, which takes it with a border), portrait.
const (
	SheetWidthMM  = 100.0
	SheetHeightMM = 150.0
)

// DPI is the sheet's resolution: photo labs and kiosks print at 300 DPI.
const DPI = 300

// mmPerInch converts between DPI and millimetres.
const mmPerInch = 25.4

// The layout, in millimetres: margin is the least white left at the
// sheet's edges (home printers do not print the last 3 mm), gap the least
// between two copies, room for the cut marks of both.
const (
	margin = 3.0
	gap    = 4.0
)

// The cut marks: short lines that continue each edge of a copy outwards
// from its corners, markOffset away from the photo (so that a slightly
// crooked cut leaves no line on it) and markLength long, markWidth thick.
const (
	markOffset = 0.5
	markLength = 1.5
	markWidth  = 0.15
)

// photoQuality is the JPEG quality of the photo in the sheet: a print
// shows what lower qualities leave on skin.
const photoQuality = 92

// ErrTooLarge: not one copy of the photo fits on the sheet.
var ErrTooLarge = errors.New("printsheet: the photo does not fit on the sheet")

// Rect is a copy's place on the sheet, in millimetres from its top left.
type Rect struct{ X, Y, W, H float64 }

// Layout returns where the copies of a w x h mm photo go on the sheet: as
// many as fit in rows and columns with at least margin at the edges and gap
// between them, the block centred.
func Layout(w, h float64) ([]Rect, error) {
	if !(w > 0 && h > 0) {
		return nil, fmt.Errorf("%w: %gx%g mm", ErrTooLarge, w, h)
	}
	cols := int((SheetWidthMM - 2*margin + gap) / (w + gap))
	rows := int((SheetHeightMM - 2*margin + gap) / (h + gap))
	if cols < 1 || rows < 1 {
		return nil, fmt.Errorf("%w: %gx%g mm on %gx%g mm", ErrTooLarge, w, h, SheetWidthMM, SheetHeightMM)
	}
	// The space left is shared alike between the copies and at the
	// edges, but never leaves less than gap between two copies.
	gx, ex := spread(SheetWidthMM, w, cols)
	gy, ey := spread(SheetHeightMM, h, rows)
	var out []Rect
	for r := range rows {
		for c := range cols {
			out = append(out, Rect{X: ex + float64(c)*(w+gx), Y: ey + float64(r)*(h+gy), W: w, H: h})
		}
	}
	return out, nil
}

// spread places n copies of length l along a side of length side: the
// space between two copies and at each edge.
func spread(side, l float64, n int) (between, edge float64) {
	between = (side - float64(n)*l) / float64(n+1)
	if between < gap {
		between = gap
	}
	return between, (side - float64(n)*l - float64(n-1)*between) / 2
}

// marks returns the cut marks of a copy as line segments (x1, y1, x2, y2)
// in millimetres: two at each corner, continuing its edges outwards.
func marks(r Rect) [][4]float64 {
	x0, y0, x1, y1 := r.X, r.Y, r.X+r.W, r.Y+r.H
	a, b := markOffset, markOffset+markLength
	return [][4]float64{
		// continuing the top and bottom edges to the left and right
		{x0 - b, y0, x0 - a, y0}, {x1 + a, y0, x1 + b, y0},
		{x0 - b, y1, x0 - a, y1}, {x1 + a, y1, x1 + b, y1},
		// continuing the left and right edges up and down
		{x0, y0 - b, x0, y0 - a}, {x1, y0 - b, x1, y0 - a},
		{x0, y1 + a, x0, y1 + b}, {x1, y1 + a, x1, y1 + b},
	}
}

// px converts millimetres to pixels at DPI.
func px(mm float64) int { return int(math.Round(mm / mmPerInch * DPI)) }

// photoAt returns photo scaled (and, for the last per cent of aspect,
// cropped about its centre) to w x h mm at DPI.
func photoAt(photo image.Image, w, h float64) *image.NRGBA {
	return imaging.Fill(photo, px(w), px(h), imaging.Center, imaging.Lanczos)
}

// JPEG returns the sheet with copies of photo at w x h mm, as a JPEG that
// declares DPI, so that printed at its size each copy is w x h mm.
func JPEG(photo image.Image, w, h float64) ([]byte, error) {
	places, err := Layout(w, h)
	if err != nil {
		return nil, err
	}
	sheet := image.NewRGBA(image.Rect(0, 0, px(SheetWidthMM), px(SheetHeightMM)))
	draw.Draw(sheet, sheet.Bounds(), image.White, image.Point{}, draw.Src)
	one := photoAt(photo, w, h)
	for _, r := range places {
		at := image.Pt(px(r.X), px(r.Y))
		draw.Draw(sheet, one.Bounds().Add(at), one, image.Point{}, draw.Src)
	}
	ink := image.NewUniform(color.Gray{Y: 0})
	thick := max(1, px(markWidth))
	for _, r := range places {
		for _, m := range marks(r) {
			x0, y0, x1, y1 := px(m[0]), px(m[1]), px(m[2]), px(m[3])
			// A horizontal mark is thick downwards, a vertical one to the
			// right, from the edge's own pixel row or column.
			if y0 == y1 {
				y1 += thick
			} else {
				x1 += thick
			}
			draw.Draw(sheet, image.Rect(x0, y0, x1, y1), ink, image.Point{}, draw.Src)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, sheet, &jpeg.Options{Quality: photoQuality}); err != nil {
		return nil, fmt.Errorf("printsheet: encode: %w", err)
	}
	return photofix.DeclareDPI(buf.Bytes(), DPI), nil
}

// PDF returns the sheet with copies of photo at w x h mm as a one-page PDF
// of the sheet's size: the photo embedded once at DPI and placed at each
// copy, the cut marks drawn as lines. Printed at actual size (not "fit to
// page"), each copy is w x h mm.
func PDF(photo image.Image, w, h float64) ([]byte, error) {
	places, err := Layout(w, h)
	if err != nil {
		return nil, err
	}
	var img bytes.Buffer
	if err := jpeg.Encode(&img, photoAt(photo, w, h), &jpeg.Options{Quality: photoQuality}); err != nil {
		return nil, fmt.Errorf("printsheet: encode: %w", err)
	}
	pdf := fpdf.NewCustom(&fpdf.InitType{
		OrientationStr: "P",
		UnitStr:        "mm",
		Size:           fpdf.SizeType{Wd: SheetWidthMM, Ht: SheetHeightMM},
	})
	pdf.SetCreator("tessera", true)
	pdf.SetTitle(fmt.Sprintf("%gx%g mm", w, h), true)
	// A fixed date: the same photo gives the same file.
	pdf.SetCreationDate(time.Unix(0, 0).UTC())
	pdf.SetModificationDate(time.Unix(0, 0).UTC())
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	opt := fpdf.ImageOptions{ImageType: "JPG"}
	pdf.RegisterImageOptionsReader("photo", opt, &img)
	for _, r := range places {
		pdf.ImageOptions("photo", r.X, r.Y, r.W, r.H, false, opt, 0, "")
	}
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(markWidth)
	for _, r := range places {
		for _, m := range marks(r) {
			pdf.Line(m[0], m[1], m[2], m[3])
		}
	}
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("printsheet: pdf: %w", err)
	}
	return out.Bytes(), nil
}

// FileName is the name of the sheet made from the photo called name, with
// the extension of format ("jpeg" or "pdf"): "foto.png" gives
// "foto-stampa.pdf".
func FileName(name, format string) string {
	base := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	if base == "" || base == "." || base == "/" {
		base = "foto"
	}
	ext := ".jpg"
	if format == "pdf" {
		ext = ".pdf"
	}
	return base + "-stampa" + ext
}
