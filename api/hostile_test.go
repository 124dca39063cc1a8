package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/validate"
)

// TestHostileFiles sends the crafted files of issue 9 to /v1/check and in
// one email, over the network: the photos whose pixels are fine are checked
// with their broken EXIF ignored, the broken one is refused with 422, the
// email answers for each photo, and a good photo is checked afterwards.
func TestHostileFiles(t *testing.T) {
	s := newTestServer(t, Config{})
	addr := liveServer(t, s)
	good := fixture.JPEG(fixture.Gradient(300, 400), 90, nil, nil)
	files := []struct {
		name   string
		data   []byte
		status int
	}{
		{"d1-exif-loop.jpg", fixture.HostileEXIFLoop(good), http.StatusOK},
		{"d2-exif-count.jpg", fixture.HostileEXIFCount(good), http.StatusOK},
		{"d3-segment-length.jpg", fixture.HostileSegmentLength(), http.StatusUnprocessableEntity},
	}
	for _, f := range files {
		r := doLive(t, addr, rawRequest("/v1/check", "image/jpeg", f.data))
		if r.status != f.status {
			t.Errorf("%s: %s, want %d", f.name, r, f.status)
		}
	}

	var msg strings.Builder
	msg.WriteString("From: a@b.it\nSubject: foto\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n")
	for _, f := range append(files, struct {
		name   string
		data   []byte
		status int
	}{"good.jpg", good, http.StatusOK}) {
		msg.WriteString("--b\nContent-Type: image/jpeg; name=" + f.name + "\nContent-Disposition: attachment; filename=" + f.name + "\nContent-Transfer-Encoding: base64\n\n" + b64(f.data) + "\n")
	}
	msg.WriteString("--b--\n")
	r := doLive(t, addr, rawRequest("/v1/check/email?lang=en", "message/rfc822", crlf(msg.String())))
	if r.status != http.StatusOK {
		t.Fatalf("email: %s", r)
	}
	var out EmailResult
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Reports) != 4 {
		t.Fatalf("email: %d reports, want 4", len(out.Reports))
	}
	for _, rep := range out.Reports {
		unreadable := rep.File == "d3-segment-length.jpg"
		if (rep.Error != "") != unreadable {
			t.Errorf("email: %s: error %q", rep.File, rep.Error)
		}
		if c, _ := rep.Find("face_count"); !unreadable && c.Status == validate.Skip {
			t.Errorf("email: %s was not checked", rep.File)
		}
	}
	if r := doLive(t, addr, rawRequest("/v1/check", "image/jpeg", good)); r.status != http.StatusOK {
		t.Errorf("a good photo afterwards: %s", r)
	}
}
