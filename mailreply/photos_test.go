package mailreply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/mailphoto"
	"github.com/tessera-cie/tessera/validate"
)

// TestCheckPhotos: the photos of a message are checked in its order, at
// most mailphoto.MaxImages of them and at most parallel at once; a broken
// attachment is reported without being checked; the answer's text names
// the corrected copies only when there are some; check's error stops the
// whole.
func TestCheckPhotos(t *testing.T) {
	images := func(n int) []mailphoto.Image {
		var out []mailphoto.Image
		for i := range n {
			out = append(out, mailphoto.Image{Name: fmt.Sprintf("foto%d.jpg", i+1), Data: []byte{byte(i)}})
		}
		return out
	}
	broken := mailphoto.Image{Name: "rotta.jpg", Broken: errors.New("illegal base64 data at input byte 4")}
	rules, _ := validate.LookupProfile("")
	for _, tc := range []struct {
		name     string
		images   []mailphoto.Image
		parallel int
		fixEvery int   // check corrects every fixEvery-th photo; 0 none
		fail     error // check's error on the second photo
		want     []string
		skipped  int
		pass     bool
	}{
		{"one good photo", images(1), 1, 0, nil, []string{"foto1.jpg"}, 0, true},
		{"in order, side by side", images(4), 3, 0, nil, []string{"foto1.jpg", "foto2.jpg", "foto3.jpg", "foto4.jpg"}, 0, true},
		{"over the cap", images(mailphoto.MaxImages + 3), 2, 0, nil, nil, 3, true},
		{"a broken attachment", append(images(1), broken), 2, 0, nil, []string{"foto1.jpg", "rotta.jpg"}, 0, false},
		{"corrected copies", images(3), 2, 2, nil, []string{"foto1.jpg", "foto2.jpg", "foto3.jpg"}, 0, false},
		{"check fails", images(3), 1, 0, errors.New("busy"), nil, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var running, most atomic.Int32
			check := func(ctx context.Context, im mailphoto.Image) (*validate.Report, *Attachment, error) {
				n := running.Add(1)
				defer running.Add(-1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(5 * time.Millisecond) // long enough for the others to start
				i := int(im.Data[0])
				if tc.fail != nil && i == 1 {
					return nil, nil, tc.fail
				}
				rep := &validate.Report{File: im.Name, Pass: tc.fixEvery == 0}
				if tc.fixEvery > 0 && i%tc.fixEvery == 0 {
					return rep, &Attachment{Name: "fixed-" + im.Name, Type: "image/jpeg"}, nil
				}
				return rep, nil, nil
			}
			got, err := CheckPhotos(context.Background(), tc.images, validate.Options{Lang: "it"}, tc.parallel, check)
			if tc.fail != nil {
				if !errors.Is(err, tc.fail) {
					t.Fatalf("error %v, want check's", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if int(most.Load()) > tc.parallel {
				t.Errorf("%d checks at once, want at most %d", most.Load(), tc.parallel)
			}
			if len(got.Reports) != min(len(tc.images), mailphoto.MaxImages) || got.Skipped != tc.skipped {
				t.Errorf("%d reports, %d skipped; want %d, %d", len(got.Reports), got.Skipped, min(len(tc.images), mailphoto.MaxImages), tc.skipped)
			}
			for i, name := range tc.want {
				if got.Reports[i].File != name {
					t.Errorf("report %d is %s's, want %s's", i, got.Reports[i].File, name)
				}
			}
			if got.Pass() != tc.pass {
				t.Errorf("pass %v, want %v", got.Pass(), tc.pass)
			}
			text := got.Text("it", rules)
			if fixed := strings.Contains(text, "fixed-"); fixed != (tc.fixEvery > 0) {
				t.Errorf("the text names corrected copies: %v, want %v:\n%s", fixed, tc.fixEvery > 0, text)
			}
			if tc.fixEvery > 0 && strings.Join(got.FixedNames(), " ") != "fixed-foto1.jpg fixed-foto3.jpg" {
				t.Errorf("corrected copies %v, want the first and the third photo's, in order", got.FixedNames())
			}
		})
	}
	if _, err := CheckPhotos(context.Background(), images(1), validate.Options{Profile: "nope"}, 1, nil); !errors.Is(err, validate.ErrUnknownProfile) {
		t.Errorf("unknown profile: %v", err)
	}
}
