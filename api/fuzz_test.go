package api

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// fuzzHang is how long walking one fuzzed message may take before it
// counts as a hang: a real message of a few megabytes is walked in
// milliseconds.
const fuzzHang = 5 * time.Second

// FuzzFindImages walks arbitrary bytes as an email, as /v1/check/email
// does: it must not panic, and what it finds is bounded by the input (an
// image part decodes to at most the bytes that carry it).
func FuzzFindImages(f *testing.F) {
	small := fixture.JPEG(fixture.Gradient(20, 26), 80, nil, nil)
	f.Add(fullEmail(small))
	f.Add(crlf("From: a@b.it\nSubject: x\nContent-Type: image/jpeg; name=rotta.jpg\nContent-Transfer-Encoding: base64\n\n!!!! not base64 ****\n"))
	f.Add(crlf("From: a@b.it\nSubject: foto\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n" + b64(small) + "\n"))
	f.Add(crlf("From: a@b.it\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nFrom: c@d.it\nContent-Type: multipart/mixed; boundary=c\n\n--c\nContent-Type: image/png\nContent-Transfer-Encoding: quoted-printable\n\n=89PNG=0D=0A\n--c--\n--b--\n"))
	f.Add([]byte("Subject: =?UTF-8?B?!!?=\r\nContent-Type: multipart/mixed; boundary=\"\"\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		type found struct {
			imgs []emailImage
			err  error
		}
		done := make(chan found, 1)
		go func() {
			_, imgs, err := findImages(bytes.NewReader(data))
			done <- found{imgs, err}
		}()
		var imgs []emailImage
		var err error
		select {
		case r := <-done:
			imgs, err = r.imgs, r.err
		case <-time.After(fuzzHang):
			t.Fatalf("walking %d bytes has not ended after %v", len(data), fuzzHang)
		}
		if err != nil && len(imgs) > 0 {
			t.Fatalf("error %v with %d images", err, len(imgs))
		}
		if len(imgs) > maxEmailParts {
			t.Fatalf("%d images from at most %d parts", len(imgs), maxEmailParts)
		}
		for _, im := range imgs {
			if len(im.data) > len(data) {
				t.Fatalf("image %q of %d bytes from a message of %d", im.name, len(im.data), len(data))
			}
			if strings.Contains(im.name, "/") && im.name != "/" {
				t.Fatalf("image name %q keeps a path", im.name)
			}
		}
	})
}

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
