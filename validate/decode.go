package validate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/bits"

	"github.com/disintegration/imaging"
	"github.com/tessera-cie/tessera/heif"
	"github.com/tessera-cie/tessera/jpegturbo"
)

// DefaultMaxPixels is the largest image, in pixels, that is decoded: 50
// megapixels. The header is read first, so a larger one costs no memory.
// A HEIF file counts as the square of its longest claimed side
// (heif.Config.Bound): what libheif may allocate for it.
const DefaultMaxPixels = 50_000_000

// Sniff names the format of data from its magic bytes: "jpeg" and "png" are
// what the office asks for; "heic" and "avif" (HEIF files) are read too;
// the others are named so the citizen can be told what they sent.
// It returns "" for bytes that are no image format it knows.
func Sniff(data []byte) string {
	has := func(off int, magic string) bool {
		return len(data) >= off+len(magic) && string(data[off:off+len(magic)]) == magic
	}
	switch {
	case has(0, "\xff\xd8\xff"):
		return "jpeg"
	case has(0, "\x89PNG\r\n\x1a\n"):
		return "png"
	case has(0, "GIF87a"), has(0, "GIF89a"):
		return "gif"
	case has(0, "RIFF") && has(8, "WEBP"):
		return "webp"
	case has(0, "II*\x00"), has(0, "MM\x00*"):
		return "tiff"
	case has(0, "BM"):
		return "bmp"
	case has(0, "%PDF-"):
		return "pdf"
	case has(0, "\x00\x00\x00\x0cjP  "), has(0, "\xff\x4f\xff\x51"):
		return "jpeg2000"
	case has(0, "\xff\x0a"), has(0, "\x00\x00\x00\x0cJXL "):
		return "jxl"
	case has(4, "ftyp"):
		if len(data) >= 12 {
			switch string(data[8:12]) {
			case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1":
				return "heic"
			case "avif", "avis":
				return "avif"
			}
		}
	}
	return ""
}

// Memory a check needs, estimated from the header before any pixel is
// decoded (Cost). Measured as the bytes allocated by one check per pixel
// on 3-megapixel images (Go's TotalAlloc, an upper bound of what is live):
// JPEG 4:2:0 2.2, grayscale 1.7, either turned by its EXIF orientation
// 6.7-7.2 (a 4-byte NRGBA copy); PNG 8-bit RGBA 9.7, 16-bit 17.7,
// grayscale 1.7. Twice the decoded pixel plus the turned copy and the luma
// covers each of those.
//
// A JPEG is counted by the samples a pixel really has (1.5 for 4:2:0, 3
// for 4:4:4), each decoded to a byte. A progressive one costs more:
// image/jpeg holds its coefficients, one per sample, as 32-bit values (its
// block type, [64]int32) until the last scan. libjpeg's check of every
// JPEG (jpegturbo.Verify) holds them too, as 16-bit values in C memory, but
// frees them before image/jpeg decodes, and they are fewer than what
// follows: not counted on top.
//
// A HEIF file is decoded by libheif in a child process (heif.DecodeChild),
// in C memory (the coded picture or the grid's canvas, a turned copy, the
// RGB conversion), into an RGBA image the child sends to the checker. Its
// sizes are claims (heif.Config.Bound): the C part is counted on the
// square of its longest claimed side, per pixel costHEIF8 for 8-bit
// samples, costHEIFDeep for 10 and 12 bits; the child's program is
// costChild; the two RGBA images and the luma are counted on the pixels
// displayed.
// TestHEIFMemory holds the estimate to the peak resident memory a check
// of a 12-megapixel phone photo takes.
const (
	costTurned = 4 // bytes per pixel of the NRGBA copy a turned photo needs
	costLuma   = 2 // the luma plane and what is measured on it
	// costProgressive is what image/jpeg holds per sample of a
	// progressive JPEG: an int32.
	costProgressive = 4
	// costFixed is what a check needs whatever the photo: the face
	// detector's scaled copy (at most 1200 pixels a side), the landmarks,
	// the backdrop grid.
	costFixed = 16 << 20
	// costHEIF8 and costHEIFDeep are libheif's bytes per pixel of a
	// Bound x Bound image. Measured with a C program over this package's
	// shim (the C memory a decode adds, per pixel of the bound's square,
	// a fresh process): 7.1 for an 8-bit picture of 4096x4096 pixels,
	// turned or not, single or a grid; 8.2 with alpha; 14.1-14.3 for
	// 10-bit ones, with alpha or cropped by 'clap' to 64x48 (where no
	// Go-side pixels make up for it).
	costHEIF8    = 9
	costHEIFDeep = 15
	// costRGBA is the RGBA image a HEIF file decodes to, held twice: by
	// the child process that decodes it (heif.DecodeChild) and by the
	// checker.
	costRGBA = 4
	// costChild is the decoding child's own program, resident before it
	// decodes: 45 MB measured for tessera (its peak decoding an empty
	// file).
	costChild = 48 << 20
)

// DefaultMemoryBudget is the memory the photos being checked at once may
// need together (WithMemoryBudget): 768 MB, for a 2 GB container, which
// also holds the program and the face model (about 150 MB) and the Go
// collector's headroom (the heap may grow to twice what is live).
const DefaultMemoryBudget = 768 << 20

// Cost is an estimate, in bytes, of the memory checking data needs, read
// from its header without decoding a pixel: what a server admits against
// its memory budget (WithMemoryBudget). Bytes that are no JPEG, PNG or
// HEIF file, or whose header cannot be read, cost what they weigh.
func Cost(data []byte) int64 {
	src := probe(data)
	defer src.close()
	return costOf(src)
}

// costOf is Cost of a file whose header was read.
func costOf(src *source) int64 {
	data, cfg := src.data, src.cfg
	if src.err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return int64(len(data))
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if src.heif != nil {
		c := src.heif.Config()
		perC := int64(costHEIF8)
		if c.Bits > 8 {
			perC = costHEIFDeep
		}
		return costFixed + costChild + src.pixels()*perC + pixels*(2*costRGBA+costLuma)
	}
	if src.format != "jpeg" {
		return costFixed + pixels*(2*decodedBytes(cfg.ColorModel)+costTurned+costLuma)
	}
	// Per pixel, in halves of a byte: a 4:2:0 JPEG has 1.5 samples a
	// pixel, each decoded to a byte. Only where both decoders read the
	// JPEG as YCbCr: an RGB one without a JFIF segment is YCbCr 4:2:0 to
	// TurboJPEG and RGBA to image/jpeg.
	half := 2 * decodedBytes(cfg.ColorModel)
	if c, err := jpegturbo.DecodeConfig(data); err == nil && c.ColorModel == color.YCbCrModel && cfg.ColorModel == color.YCbCrModel {
		half = samplesHalves(c.Ratio)
	}
	perHalf := int64(2) // the decoded sample, twice
	if jpegturbo.Progressive(data) {
		perHalf += costProgressive
	}
	return costFixed + pixels*(costTurned+costLuma) + pixels*half*perHalf/2
}

// samplesHalves is the samples a pixel of a YCbCr image subsampled by r
// has, in halves: 6 for 4:4:4, 3 for 4:2:0.
func samplesHalves(r image.YCbCrSubsampleRatio) int64 {
	switch r {
	case image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio440:
		return 4
	case image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio411:
		return 3
	case image.YCbCrSubsampleRatio410:
		return 3 // 1.25, rounded up to a half
	}
	return 6
}

// decodedBytes is the bytes per pixel of an image decoded in color model m.
func decodedBytes(m color.Model) int64 {
	switch m {
	case color.GrayModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.YCbCrModel:
		return 3 // 4:4:4; subsampled chroma needs less
	case color.CMYKModel, color.RGBAModel, color.NRGBAModel:
		return 4
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8 // any other model: the widest
}

// source is a file as read once for its limits, its memory estimate and
// its decoding: its format and header and, for a HEIF file, libheif's
// reading of it, which close frees.
type source struct {
	data   []byte
	format string // Sniff's
	cfg    image.Config
	err    error // reading the header
	heif   *heif.File
}

// probe names the format of data and reads its header. A HEIF file's is
// libheif's, of the photo as displayed, which decodes to RGBA. A parser
// that panics on the header makes the file unreadable.
func probe(data []byte) (src *source) {
	src = &source{data: data, format: Sniff(data)}
	defer func() {
		if r := recover(); r != nil {
			src.close()
			src.heif, src.cfg = nil, image.Config{}
			src.err = fmt.Errorf("%w: a parser failed on the file's header: %v", ErrUnreadable, r)
		}
	}()
	switch src.format {
	case "heic", "avif":
		f, err := heif.Open(data)
		if err != nil {
			src.err = heifError(err)
			return src
		}
		src.heif = f
		c := f.Config()
		src.cfg = image.Config{Width: c.Width, Height: c.Height, ColorModel: color.RGBAModel}
	default:
		src.cfg, src.err = header(src.format, data)
	}
	return src
}

// close frees what probe holds.
func (src *source) close() {
	if src.heif != nil {
		src.heif.Close()
	}
}

// pixels is the most pixels an image decoding src allocates: a HEIF
// file's longest claimed side squared (heif.Config.Bound), another file's
// width by height.
func (src *source) pixels() int64 {
	if src.heif != nil {
		b := int64(src.heif.Config().Bound)
		return b * b
	}
	return int64(src.cfg.Width) * int64(src.cfg.Height)
}

// header reads the dimensions of a JPEG or PNG without decoding pixels. A
// JPEG's is image/jpeg's; where image/jpeg cannot read it, libjpeg's
// (arithmetic coding), and a JPEG that uses a feature neither can decode
// (12-bit samples, lossless coding) is ErrUnsupported.
func header(format string, data []byte) (image.Config, error) {
	switch format {
	case "jpeg":
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(data)); err == nil {
			return cfg, nil
		}
		cfg, err := jpegturbo.DecodeConfig(data)
		if err != nil {
			return image.Config{}, jpegError(err)
		}
		return image.Config{Width: cfg.Width, Height: cfg.Height, ColorModel: cfg.ColorModel}, nil
	case "png":
		return png.DecodeConfig(bytes.NewReader(data))
	}
	return image.Config{}, fmt.Errorf("%w: %s", ErrUnsupported, format)
}

// decode decodes a JPEG, PNG or HEIF file whose header was already
// read and checked. A HEIF file comes turned as it says (heif.DecodeChild).
//
// A JPEG is read by libjpeg first (jpegturbo.Verify: every coefficient,
// no pixel), so that what the reference decoder refuses is refused (a
// file without quantisation tables, which image/jpeg decodes as a grey
// picture) and a feature it cannot decode is named. Its pixels are
// image/jpeg's where image/jpeg reads the file, which refuses damage as
// before; libjpeg's where only libjpeg does (arithmetic coding), stopping
// at its first warning rather than filling what it cannot read with grey.
// Not libjpeg's for all: the two IDCTs round apart by one level on about
// 1 % of the pixels, and on ../shared/faces that moved 25 verdicts on 16
// of 156 JPEGs (yaw 9.5° to 11.8° on wild/openface/clapton-2), past what
// the tests hold the eyes and glasses checks to. The measures are tuned
// on image/jpeg's pixels; they move to libjpeg's with decoding at a
// reduced scale (issue 27), once they stand such rounding (issue 25).
func decode(ctx context.Context, src *source) (image.Image, error) {
	data := src.data
	switch src.format {
	case "jpeg":
		if err := jpegturbo.Verify(data); err != nil {
			return nil, jpegError(err)
		}
		img, gerr := jpeg.Decode(bytes.NewReader(data))
		if gerr == nil {
			return img, nil
		}
		img, err := jpegturbo.Decode(data)
		if err != nil {
			return nil, jpegError(err)
		}
		return img, nil
	case "png":
		return png.Decode(bytes.NewReader(data))
	case "heic", "avif":
		// In a child process, bounded in CPU time and killed with ctx
		// (heif.DecodeChild): a crafted grid can keep libheif busy for
		// minutes.
		img, err := heif.DecodeChild(ctx, src.data, src.heif.Config())
		if err != nil {
			return nil, heifError(err)
		}
		return img, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupported, src.format)
}

// heifError sorts an error of package heif: a file coded in a way libheif
// cannot decode wraps ErrUnsupported; one libheif refuses, and a context
// that ended, are returned as they are (readInto makes the first
// ErrUnreadable); any other is the decoding child failing, not the file
// (killed from outside, out of memory, unable to start), and wraps
// ErrInternal.
func heifError(err error) error {
	var u heif.UnsupportedError
	var f heif.FormatError
	switch {
	case errors.As(err, &u):
		return fmt.Errorf("%w: %w", ErrUnsupported, err)
	case errors.As(err, &f), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("%w: %w", ErrInternal, err)
}

// jpegError wraps ErrUnsupported round a JPEG the decoder cannot read for
// a feature it uses (the file is not damaged), and returns other errors as
// they are (readInto makes them ErrUnreadable).
func jpegError(err error) error {
	var u *jpegturbo.UnsupportedError
	if errors.As(err, &u) {
		return fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return err
}

// orient turns img as EXIF orientation o (1-8) says it should be displayed.
func orient(img image.Image, o int) image.Image {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img)
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	}
	return img
}

// gray returns the luma of img's colours as 8-bit RGB, whatever its
// layout: the same pixels in any format read the same.
func gray(img image.Image) *image.Gray {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.Gray:
		return m
	case *image.YCbCr:
		return ycbcrLuma(m)
	case *image.RGBA:
		return rgbaLuma(m.Pix, m.Stride, b)
	case *image.NRGBA:
		// As RGBA: an opaque NRGBA image and the RGBA image a PNG of it
		// decodes to read the same.
		return rgbaLuma(m.Pix, m.Stride, b)
	}
	g := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g.Pix[g.PixOffset(x, y)] = colorGray(img.At(x, y))
		}
	}
	return g
}

// ycbcrLuma is the luma of the 8-bit RGB colours of m, as color.YCbCrToRGB
// converts them and a PNG of them holds them, not m's Y plane: the two
// differ by a level here and there, and the landmarks move with a level,
// so a JPEG, a PNG of its pixels and its mirror image would read apart.
// The conversion is color.YCbCrToRGB's, with each chroma sample's share
// worked out once for the pixels that share it (TestYCbCrLuma holds the
// two equal on every colour).
func ycbcrLuma(m *image.YCbCr) *image.Gray {
	b := m.Rect
	g := image.NewGray(b)
	if b.Empty() {
		return g
	}
	// Pixels a chroma sample spans across, counted as COffset counts them.
	cw := 1
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420:
		cw = 2
	case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
		cw = 4
	}
	shift := bits.TrailingZeros(uint(cw))
	c0 := b.Min.X / cw
	n := (b.Max.X-1)/cw - c0 + 1
	dr, dg, db := make([]int32, n), make([]int32, n), make([]int32, n)
	row := -1
	for y := b.Min.Y; y < b.Max.Y; y++ {
		if ci := m.COffset(b.Min.X, y); ci != row {
			row = ci
			for i := range n {
				cb1, cr1 := int32(m.Cb[ci+i])-128, int32(m.Cr[ci+i])-128
				dr[i], dg[i], db[i] = 91881*cr1, -22554*cb1-46802*cr1, 116130*cb1
			}
		}
		w := b.Dx()
		dst := g.Pix[g.PixOffset(b.Min.X, y):][:w]
		src := m.Y[m.YOffset(b.Min.X, y):][:w]
		for i, yv := range src {
			k := (b.Min.X+i)>>shift - c0 // x/cw - c0, x being >= 0
			if b.Min.X < 0 {
				k = (b.Min.X+i)/cw - c0
			}
			yy1 := int32(yv) * 0x10101
			dst[i] = luma8(clamp8(yy1+dr[k]), clamp8(yy1+dg[k]), clamp8(yy1+db[k]))
		}
	}
	return g
}

// rgbaLuma is the luma of the 4-byte pixels pix (RGBA or NRGBA, stride
// bytes a row) of the image with bounds b, as colorGray computes it on
// 16-bit samples: a PNG of the same pixels (image/png's RGBA) and a HEIF
// file get the same luma.
func rgbaLuma(pix []uint8, stride int, b image.Rectangle) *image.Gray {
	g := image.NewGray(b)
	for y := range b.Dy() {
		src := pix[y*stride : y*stride+4*b.Dx()]
		dst := g.Pix[y*g.Stride : y*g.Stride+b.Dx()]
		for x := range dst {
			dst[x] = luma8(src[4*x], src[4*x+1], src[4*x+2])
		}
	}
	return g
}

// luma8 is the luma of an 8-bit colour, as gray sums it on the 16-bit
// samples a PNG's 8-bit ones decode to (colorGray).
func luma8(r, g, b uint8) uint8 {
	return uint8((lumaR[r] + lumaG[g] + lumaB[b] + 1<<15) >> 24)
}

// clamp8 is color.YCbCrToRGB's rounding of v, a channel times 1<<16, to
// 8 bits.
func clamp8(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	return uint8(^(v >> 31))
}

// lumaR, lumaG and lumaB are each 8-bit channel's share of the luma
// (luma8).
var lumaR, lumaG, lumaB = func() (r, g, b [256]uint32) {
	for v := range uint32(256) {
		r[v], g[v], b[v] = 19595*v*0x101, 38470*v*0x101, 7471*v*0x101
	}
	return r, g, b
}()

func colorGray(c interface{ RGBA() (r, g, b, a uint32) }) uint8 {
	r, g, b, _ := c.RGBA()
	return uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 24)
}
