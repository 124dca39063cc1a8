package api

import (
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// FuzzReadMultipart reads arbitrary bytes as the multipart form of an
// upload: it must not panic, and the photo is at most the body.
func FuzzReadMultipart(f *testing.F) {
	small := fixture.JPEG(fixture.Gradient(20, 26), 80, nil, nil)
	form := func(parts ...string) []byte { return []byte(strings.Join(parts, "\r\n")) }
	f.Add(form("--b", `Content-Disposition: form-data; name="photo"; filename="a.jpg"`, "Content-Type: image/jpeg", "", string(small), "--b", `Content-Disposition: form-data; name="lang"`, "", "en", "--b--", ""), "b")
	f.Add(form("--b", `Content-Disposition: form-data; name="picture"; filename="../../etc/passwd"`, "", "x", "--b--", ""), "b")
	f.Add(form("--b", `Content-Disposition: form-data; name="photo"`, "", "cut short"), "b")
	f.Add([]byte("no boundary at all"), "")
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		up, e := readMultipart(body, boundary)
		if e == nil && (up == nil || len(up.data) > len(body)) {
			t.Fatalf("upload %+v from %d bytes", up, len(body))
		}
		if e == nil && strings.Contains(up.name, "/") && up.name != "/" {
			t.Fatalf("file name %q keeps a path", up.name)
		}
	})
}
