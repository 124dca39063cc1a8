package validate

import (
	"encoding/csv"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/internal/faceset"
)

// handTopFile holds the visible top of the head of every photo of
// ../shared/faces/neutral and canada, marked by eye on zoomed crops with a
// pixel ruler, never with tessera's code: the truth TestCrownAccuracy and
// TestGoodPhotosPerGroup measure the crown against. The .tem templates
// cannot serve: on most neutral/ photos their head outline runs through the
// hair, under its visible top (see tracedEdge).
const handTopFile = "testdata/visible_top.csv"

// handTop is one photo's hand-marked visible top of the head.
type handTop struct {
	y, x float64 // pixels of the original photo
	note string  // close, volume, wisps, cut or covered
}

// loadHandTops reads handTopFile, keyed by folder/name.
func loadHandTops(t *testing.T) map[string]handTop {
	t.Helper()
	f, err := os.Open(handTopFile)
	if err != nil {
		t.Fatalf("hand-marked tops of the head: %v", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	r.FieldsPerRecord = 5
	out := map[string]handTop{}
	header := true
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", handTopFile, err)
		}
		if header {
			header = false
			continue
		}
		y, err := strconv.ParseFloat(strings.TrimSpace(rec[2]), 64)
		if err != nil {
			t.Fatalf("%s: %s/%s: top_y: %v", handTopFile, rec[0], rec[1], err)
		}
		x, _ := strconv.ParseFloat(strings.TrimSpace(rec[3]), 64)
		out[rec[0]+"/"+rec[1]] = handTop{y: y, x: x, note: strings.TrimSpace(rec[4])}
	}
	return out
}

// handTopOf returns the hand-marked top of p; ok is false when the photo
// has none.
func handTopOf(tops map[string]handTop, p faceset.Photo) (handTop, bool) {
	h, ok := tops[p.Label+"/"+p.Name]
	return h, ok
}

// studioPhotos loads the photos of neutral/ and canada/ of ../shared/faces,
// the studio portraits with templates and hand-marked tops, skipping the
// test when the folder is missing.
func studioPhotos(t *testing.T) []faceset.Photo {
	t.Helper()
	photos, err := faceset.Load(faceset.Require(t), "neutral", "canada")
	if err != nil {
		t.Fatal(err)
	}
	return photos
}
