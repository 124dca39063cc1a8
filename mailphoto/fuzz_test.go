package mailphoto

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// fuzzHang is how long walking one fuzzed message may take before it
// counts as a hang: a real message of a few megabytes is walked in
// milliseconds.
const fuzzHang = 5 * time.Second

// FuzzRead reads arbitrary bytes as an email, as /v1/check/email and the
// inbox do: it must not panic or hang, and what it finds is bounded by the
// input (an image part decodes to at most the bytes that carry it).
func FuzzRead(f *testing.F) {
	small := fixture.JPEG(fixture.Gradient(20, 26), 80, nil, nil)
	f.Add(fixture.Email(small))
	f.Add(fixture.CRLF("From: a@b.it\nSubject: x\nContent-Type: image/jpeg; name=rotta.jpg\nContent-Transfer-Encoding: base64\n\n!!!! not base64 ****\n"))
	f.Add(fixture.CRLF("From: a@b.it\nSubject: foto\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(small) + "\n"))
	f.Add(fixture.CRLF("From: a@b.it\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nFrom: c@d.it\nContent-Type: multipart/mixed; boundary=c\n\n--c\nContent-Type: image/png\nContent-Transfer-Encoding: quoted-printable\n\n=89PNG=0D=0A\n--c--\n--b--\n"))
	f.Add([]byte("Subject: =?UTF-8?B?!!?=\r\nContent-Type: multipart/mixed; boundary=\"\"\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		type found struct {
			msg *Message
			err error
		}
		done := make(chan found, 1)
		go func() {
			// The header alone, as for a message over the size limit.
			if h, err := ReadHeader(bytes.NewReader(data)); (err == nil) != (h != nil) || (h != nil && len(h.Images) > 0) {
				panic(fmt.Sprintf("ReadHeader: %v, %v", h, err))
			}
			msg, err := Read(bytes.NewReader(data))
			done <- found{msg, err}
		}()
		var imgs []Image
		var err error
		select {
		case r := <-done:
			err = r.err
			if r.msg != nil {
				imgs = r.msg.Images
			}
			if (err == nil) != (r.msg != nil) {
				t.Fatalf("message %v with error %v", r.msg, err)
			}
		case <-time.After(fuzzHang):
			t.Fatalf("walking %d bytes has not ended after %v", len(data), fuzzHang)
		}
		if err != nil && len(imgs) > 0 {
			t.Fatalf("error %v with %d images", err, len(imgs))
		}
		if len(imgs) > MaxParts {
			t.Fatalf("%d images from at most %d parts", len(imgs), MaxParts)
		}
		for _, im := range imgs {
			if len(im.Data) > len(data) {
				t.Fatalf("image %q of %d bytes from a message of %d", im.Name, len(im.Data), len(data))
			}
			if strings.Contains(im.Name, "/") && im.Name != "/" {
				t.Fatalf("image name %q keeps a path", im.Name)
			}
		}
	})
}
