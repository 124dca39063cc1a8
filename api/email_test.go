package api

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/validate"
)

func TestEmail(t *testing.T) {
	dir := faceset.Require(t)
	photo, err := os.ReadFile(filepath.Join(dir, "canada", "003f.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, Config{})
	type want struct {
		name   string
		format string          // image.format
		status validate.Status // of face_count ("" when unread)
		err    bool            // report.error set
		says   string          // in report.error, when set
	}
	tests := []struct {
		name    string
		msg     []byte
		subject string
		reports []want
	}{
		{"attachments, inline, octet-stream, attached message", fixture.Email(photo), "Foto per la carta d'identità", []want{
			{"image-1.png", "png", validate.Fail, false, ""},
			{"foto.jpg", "jpeg", validate.Pass, false, ""},
			{"IMG_0001.JPG", "jpeg", validate.Fail, false, ""},
			{"IMG_0002.HEIC", "heic", "", true, ""},
		}},
		{"the whole message is an image", fixture.CRLF("From: a@b.it\nSubject: foto\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(photo) + "\n"), "foto", []want{
			{"image-1.jpg", "jpeg", validate.Pass, false, ""},
		}},
		{"broken base64 in an image part", fixture.CRLF("From: a@b.it\nSubject: x\nContent-Type: image/jpeg; name=rotta.jpg\nContent-Transfer-Encoding: base64\n\n!!!! not base64 ****\n"), "x", []want{
			{"rotta.jpg", "", "", true, "base64"},
		}},
		{"broken base64 in an octet-stream photo", fixture.CRLF("From: a@b.it\nSubject: y\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nfoto\n--b\nContent-Type: application/octet-stream; name=IMG_0003.JPG\nContent-Disposition: attachment; filename=IMG_0003.JPG\nContent-Transfer-Encoding: base64\n\n/9j/4AAQ!!!! ****\n--b\nContent-Type: application/octet-stream; name=notes.bin\nContent-Transfer-Encoding: base64\n\n!!!! ****\n--b--\n"), "y", []want{
			{"IMG_0003.JPG", "", "", true, "base64"},
		}},
		// Issue 27: a part that cannot be read loses that part only.
		{"an attached message with an mbox From line, a photo beside it", fixture.CRLF("From: a@b.it\nSubject: z\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: image/jpeg; name=beside.jpg\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(photo) +
			"\n--b\nContent-Type: message/rfc822\n\nFrom mario@example.it Mon Dec  7 10:00:00 2026\nFrom: mario@example.it\nContent-Type: image/jpeg; name=inside.jpg\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(photo) + "\n--b--\n"), "z", []want{
			{"beside.jpg", "jpeg", validate.Pass, false, ""},
			{"inside.jpg", "jpeg", validate.Pass, false, ""},
		}},
		{"an attached message that is none, a photo beside it", fixture.CRLF("From: a@b.it\nSubject: w\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: image/jpeg; name=beside.jpg\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(photo) +
			"\n--b\nContent-Type: message/rfc822; name=inoltro.eml\n\n\x00\x01 no header\n\nbody\n--b--\n"), "w", []want{
			{"beside.jpg", "jpeg", validate.Pass, false, ""},
			{"inoltro.eml", "", "", true, "cannot be read"},
		}},
		{"broken quoted-printable in an image part", fixture.CRLF("From: a@b.it\nSubject: q\nContent-Type: image/jpeg; name=qp.jpg\nContent-Transfer-Encoding: quoted-printable\n\n=FF=D8=FF\x00\x10JFIF\n"), "q", []want{
			{"qp.jpg", "", "", true, "(quoted-printable)"},
		}},
		{"multipart cut short", fixture.CRLF("From: a@b.it\nSubject: c\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n/9j/4AAQ"), "c", []want{
			{"image-1.jpg", "", "", true, "cut short"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, rawRequest("/v1/check/email?lang=en", "message/rfc822", tc.msg))
			if r.status != http.StatusOK {
				t.Fatalf("%s", r)
			}
			var got EmailResult
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatal(err)
			}
			if got.Subject != tc.subject || got.Images != len(tc.reports) || len(got.Reports) != len(tc.reports) {
				t.Fatalf("subject %q, %d images, %d reports; want %q and %d", got.Subject, got.Images, len(got.Reports), tc.subject, len(tc.reports))
			}
			allPass := true
			for i, w := range tc.reports {
				rep := got.Reports[i]
				allPass = allPass && rep.Pass
				if rep.File != w.name {
					t.Errorf("report %d names %q, want %q", i, rep.File, w.name)
				}
				if w.format != "" && (rep.Image == nil || rep.Image.Format != w.format) {
					t.Errorf("%s: image %+v, want format %s", w.name, rep.Image, w.format)
				}
				if (rep.Error != "") != w.err {
					t.Errorf("%s: error %q, want error %v", w.name, rep.Error, w.err)
				}
				if w.says != "" && !strings.Contains(rep.Error, w.says) {
					t.Errorf("%s: error %q does not say %q", w.name, rep.Error, w.says)
				}
				if w.status != "" {
					if c, _ := rep.Find("face_count"); c.Status != w.status {
						t.Errorf("%s: face_count %s, want %s", w.name, c.Status, w.status)
					}
				}
				if c, ok := rep.Find("format"); ok && c.Status == validate.Fail && !strings.Contains(c.Message+c.Fix, "JPG") && !strings.Contains(c.Message+c.Fix, "JPEG") {
					t.Errorf("%s: format fail without a JPG fix: %+v", w.name, c)
				}
			}
			if got.Pass != allPass {
				t.Errorf("pass %v, reports say %v", got.Pass, allPass)
			}
			// The reply names every photo and gives every fix, in English.
			if !strings.HasPrefix(got.Reply, "Hello") {
				t.Errorf("reply not in English: %.80q", got.Reply)
			}
			for _, rep := range got.Reports {
				if !strings.Contains(got.Reply, rep.File) {
					t.Errorf("reply does not name %s", rep.File)
				}
				for _, c := range rep.Failed() {
					if c.Fix != "" && !strings.Contains(got.Reply, c.Fix) {
						t.Errorf("reply lacks the fix for %s of %s", c.ID, rep.File)
					}
				}
			}
		})
	}
}

func TestEmailBad(t *testing.T) {
	s := newTestServer(t, Config{})
	tests := []struct {
		name   string
		target string
		msg    []byte
		status int
		code   string
	}{
		{"text only", "/v1/check/email", fixture.CRLF("From: a@b.it\nSubject: ciao\nContent-Type: text/plain\n\nVi mando la foto domani.\n"), 422, "no_images"},
		{"only a PDF attached", "/v1/check/email", fixture.CRLF("From: a@b.it\nSubject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nallegato\n--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=a.pdf\n\n%PDF-1.7\n--b--\n"), 422, "no_images"},
		{"empty", "/v1/check/email", nil, 400, "malformed_email"},
		{"no header, just words", "/v1/check/email", []byte("this is not an email at all"), 400, "malformed_email"},
		{"binary garbage", "/v1/check/email", fixture.JPEG(fixture.Gradient(20, 20), 80, nil, nil), 400, "malformed_email"},
		{"multipart without a boundary", "/v1/check/email", fixture.CRLF("From: a@b.it\nContent-Type: multipart/mixed\n\n--b\nContent-Type: image/jpeg\n\nxx\n--b--\n"), 400, "malformed_email"},
		{"bad profile", "/v1/check/email?profile=nope", fixture.Email(fixture.JPEG(fixture.Gradient(20, 20), 80, nil, nil)), 400, "unknown_profile"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, rawRequest(tc.target, "message/rfc822", tc.msg))
			if r.status != tc.status {
				t.Fatalf("%s, want %d", r, tc.status)
			}
			if e := r.errorOf(t); e.Error != tc.code {
				t.Errorf("code %q, want %q", e.Error, tc.code)
			}
		})
	}
}
