package validate

import (
	"image"
	"math"

	"github.com/tessera-cie/tessera/facedetect"
)

// This file: how far the camera stood from the face, from what the file
// says of its lens (judged with the pitch, in judge_features.go).
//
// A phone held at arm's length draws a face in strong perspective: the
// nose, nearer the lens than the cheeks and the ears, is drawn larger
// than they are, and the forehead and the chin, further, smaller. At
// 30 cm the base of the nose is drawn about 30 % wider than from 1.5 m
// (Ward et al., "Nasal distortion in short-distance photographs: the
// selfie effect", JAMA Facial Plastic Surgery 20(4), 2018). The 68
// landmarks are laid out as a face seen from afar, and the pose read
// from them takes that distortion for a tilt: on wild/compreface/005_A,
// a phone photo taken close up, "head bowed 23°".
//
// A camera that writes its lens down lets the distance be worked out by
// similar triangles: the two eyes, an adult's mean span apart, span a
// known part of the frame, and the frame a known angle. The angle is
// EXIF's focal length in 35 mm film terms (FocalLengthIn35mmFormat, which
// phones write), which by convention frames the 43.27 mm diagonal of 35 mm
// film across the photo's diagonal.
//
// A photo cropped since it was taken shows less than that angle, and
// would read as taken from closer than it was. So the distance is only
// worked out on the frame as the camera saved it: of the size the EXIF
// gives (ExifImageWidth and ExifImageHeight, either way round, as the
// pixels read), of a camera's proportions (4:3, 3:2 or 16:9), not
// digitally zoomed (DigitalZoomRatio) and not modified since it was taken
// (ModifyDate, which an editor sets, the same as DateTimeOriginal). A
// photo scaled by a program that brought the EXIF size up to date reads
// the same distance; one that did not, none. On ../shared/faces every
// photo whose EXIF gives a 35 mm focal length was cropped after it was
// taken, and none is given a distance (TestCameraDistanceOnFaces).
//
// Where the phone gives the focal length of its 4:3 sensor for a 16:9
// photo cut from it, the distance reads 8 % short (the photo's longer
// side spans 34.6 mm of film, not the 37.7 of a 16:9 diagonal); a
// wide-set pair of eyes (70 mm) reads 10 % short. Both are within the
// margin of the limit (MinCameraDistance): a face from arm's length reads
// half of it.

const (
	// eyeSpanMM is the mean distance between the pupils of an adult,
	// millimetres: about 63, nearly every adult between 50 and 75 (N. A.
	// Dodgson, "Variation and extrema of human interpupillary distance",
	// Proc. SPIE 5291, 2004). A child's eyes are closer: a child reads as
	// further from the camera than it was, never as closer.
	eyeSpanMM = 63
	// filmDiagonalMM is the diagonal of the 36x24 mm frame of 35 mm film,
	// against which a 35 mm equivalent focal length is given.
	filmDiagonalMM = 43.27
	// aspectTolerance is how far, as a share, the photo's proportions
	// may stray from a camera's and still be the camera's whole frame:
	// sensors' pixel counts round the ratio (4032x3024, 4160x2336 for
	// 16:9).
	aspectTolerance = 0.01
)

// cameraAspects are the proportions, longer side over shorter, of the
// frames cameras write: phones' 4:3 and 16:9, and the 3:2 of 35 mm film
// that most other cameras keep.
var cameraAspects = [...]float64{4.0 / 3, 3.0 / 2, 16.0 / 9}

// cameraDistance returns how far, in metres, the camera stood from the
// face whose pupils are left and right, in a photo of bounds b as
// displayed, from what md says of the lens and frame; 0 when it cannot
// be told (no focal length, a photo not as the camera framed it).
func cameraDistance(md meta, b image.Rectangle, left, right facedetect.Point) float64 {
	w, h := b.Dx(), b.Dy()
	if md.focal35 <= 0 || md.edited || w <= 0 || h <= 0 {
		return 0
	}
	if !(md.exifWidth == w && md.exifHeight == h) && !(md.exifWidth == h && md.exifHeight == w) {
		return 0
	}
	long, short := float64(max(w, h)), float64(min(w, h))
	framed := false
	for _, a := range cameraAspects {
		if math.Abs(long/short/a-1) <= aspectTolerance {
			framed = true
			break
		}
	}
	span := facedetect.Dist(left, right)
	if !framed || !(span > 0) || math.IsInf(span, 0) {
		return 0
	}
	// The eyes span span/diagonal of the frame, that share of the film's
	// diagonal; the face is as much further than the focal length as its
	// eyes are wider than that.
	d := md.focal35 * eyeSpanMM / (span / math.Hypot(long, short) * filmDiagonalMM) / 1000
	if math.IsInf(d, 0) || math.IsNaN(d) {
		return 0
	}
	return d
}
