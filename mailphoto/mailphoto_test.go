package mailphoto

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/internal/fixture"
)

func TestRead(t *testing.T) {
	photo := fixture.JPEG(fixture.Gradient(70, 90), 85, nil, nil)
	nested := func(depth int) []byte { // an image inside depth attached messages
		msg := "From: a@b.it\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(photo) + "\n"
		for range depth {
			msg = "From: a@b.it\nContent-Type: message/rfc822\n\n" + msg
		}
		return fixture.CRLF(msg)
	}
	manyParts := func(n int) []byte {
		var b strings.Builder
		b.WriteString("From: a@b.it\nContent-Type: multipart/mixed; boundary=b\n\n")
		for range n {
			b.WriteString("--b\nContent-Type: text/plain\n\nx\n")
		}
		b.WriteString("--b--\n")
		return fixture.CRLF(b.String())
	}
	type img struct {
		name   string
		sniff  string // http.DetectContentType of the data, "" when broken
		broken bool
	}
	tests := []struct {
		name    string
		msg     []byte
		subject string
		from    string
		want    []img
		err     bool // ErrMalformed
	}{
		{"attachments, inline, octet-stream, attached message", fixture.Email(photo), "Foto per la carta d'identità", "Mario Rossi <mario@example.it>", []img{
			{"image-1.png", "image/png", false},
			{"foto.jpg", "image/jpeg", false},
			{"IMG_0001.JPG", "image/jpeg", false},
			{"IMG_0002.HEIC", "application/octet-stream", false}, // found by its name
		}, false},
		{"the whole message is an image", fixture.CRLF("From: a@b.it\nSubject: foto\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(photo) + "\n"), "foto", "a@b.it", []img{
			{"image-1.jpg", "image/jpeg", false},
		}, false},
		{"a path in the file name", fixture.CRLF("From: a@b.it\nContent-Type: image/jpeg; name=\"..\\\\..\\\\windows\\\\foto.jpg\"\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(photo) + "\n"), "", "a@b.it", []img{
			{"foto.jpg", "image/jpeg", false},
		}, false},
		{"an unnamed octet-stream known by its bytes", fixture.CRLF("From: a@b.it\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(photo) + "\n"), "", "a@b.it", []img{
			{"image-1.jpg", "image/jpeg", false},
		}, false},
		{"broken base64 in an image part", fixture.CRLF("From: a@b.it\nSubject: x\nContent-Type: image/jpeg; name=rotta.jpg\nContent-Transfer-Encoding: base64\n\n!!!! not base64 ****\n"), "x", "a@b.it", []img{
			{"rotta.jpg", "", true},
		}, false},
		{"broken base64: a photo by its name is reported, another file is not", fixture.CRLF("From: a@b.it\nSubject: y\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nfoto\n--b\nContent-Type: application/octet-stream; name=IMG_0003.JPG\nContent-Disposition: attachment; filename=IMG_0003.JPG\nContent-Transfer-Encoding: base64\n\n/9j/4AAQ!!!! ****\n--b\nContent-Type: application/octet-stream; name=notes.bin\nContent-Transfer-Encoding: base64\n\n!!!! ****\n--b--\n"), "y", "a@b.it", []img{
			{"IMG_0003.JPG", "", true},
		}, false},
		{"a subject in an unknown charset", fixture.CRLF("From: a@b.it\nSubject: =?x-unknown?Q?foto?=\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(photo) + "\n"), "=?x-unknown?Q?foto?=", "a@b.it", []img{ // kept as sent
			{"image-1.jpg", "image/jpeg", false},
		}, false},
		{"a PEC envelope: the photo inside postacert.eml", fixture.PEC(fixture.CRLF("From: Mario Rossi <mario.rossi@pec.example.it>\nSubject: Foto per la CIE\nMessage-ID: <orig-1@pec.example.it>\nContent-Type: multipart/mixed; boundary=in\n\n--in\nContent-Type: text/plain\n\nla mia foto\n--in\nContent-Type: image/jpeg; name=foto.jpg\nContent-Disposition: attachment; filename=foto.jpg\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(photo) + "\n--in--\n")), "POSTA CERTIFICATA: Foto per la CIE", `"Per conto di: mario.rossi@pec.example.it" <posta-certificata@pec.example.it>`, []img{
			{"foto.jpg", "image/jpeg", false},
		}, false},
		{"a PEC receipt", fixture.PECReceipt("accettazione"), "ACCETTAZIONE: Re: Foto per la CIE", "posta-certificata@pec.comune.example.it", nil, false},
		{"text only", fixture.CRLF("From: a@b.it\nSubject: ciao\nContent-Type: text/plain\n\nVi mando la foto domani.\n"), "ciao", "a@b.it", nil, false},
		{"only a PDF attached", fixture.CRLF("From: a@b.it\nSubject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nallegato\n--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=a.pdf\n\n%PDF-1.7\n--b--\n"), "x", "a@b.it", nil, false},
		{fmt.Sprintf("nested %d deep", MaxDepth), nested(MaxDepth), "", "a@b.it", []img{{"image-1.jpg", "image/jpeg", false}}, false},
		{fmt.Sprintf("nested %d deep", MaxDepth+1), nested(MaxDepth + 1), "", "", nil, true},
		{fmt.Sprintf("%d parts", MaxParts-1), manyParts(MaxParts - 1), "", "a@b.it", nil, false},
		{fmt.Sprintf("%d parts", MaxParts), manyParts(MaxParts), "", "", nil, true},
		{"empty", nil, "", "", nil, true},
		{"no header, just words", []byte("this is not an email at all"), "", "", nil, true},
		{"binary garbage", photo, "", "", nil, true},
		{"multipart cut short", fixture.CRLF("From: a@b.it\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n/9j/4AAQ"), "", "", nil, true},
		{"multipart without a boundary", fixture.CRLF("From: a@b.it\nContent-Type: multipart/mixed\n\n--b\nContent-Type: image/jpeg\n\nxx\n--b--\n"), "", "", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Read(bytes.NewReader(tc.msg))
			if tc.err {
				if !errors.Is(err, ErrMalformed) || m != nil {
					t.Fatalf("got %v, %v; want ErrMalformed", m, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tc.subject {
				t.Errorf("subject %q, want %q", m.Subject, tc.subject)
			}
			if from := m.Header.Get("From"); from != tc.from {
				t.Errorf("From %q, want %q", from, tc.from)
			}
			if strings.HasPrefix(tc.subject, "POSTA CERTIFICATA") {
				if len(m.Attached) != 1 || m.Attached[0].Name != "postacert.eml" || m.Attached[0].Header.Get("Message-Id") != "<orig-1@pec.example.it>" {
					t.Errorf("attached %+v, want postacert.eml with the citizen's Message-ID", m.Attached)
				}
			}
			if len(m.Images) != len(tc.want) {
				t.Fatalf("%d images, want %d: %+v", len(m.Images), len(tc.want), m.Images)
			}
			for i, w := range tc.want {
				im := m.Images[i]
				if im.Name != w.name {
					t.Errorf("image %d named %q, want %q", i, im.Name, w.name)
				}
				if (im.Broken != nil) != w.broken || (im.Broken != nil) != (im.Data == nil) {
					t.Errorf("%s: broken %v with %d bytes, want broken %v", w.name, im.Broken, len(im.Data), w.broken)
				}
				if w.sniff != "" && http.DetectContentType(im.Data) != w.sniff {
					t.Errorf("%s: data reads as %s, want %s", w.name, http.DetectContentType(im.Data), w.sniff)
				}
				if w.sniff == "image/jpeg" && !bytes.Equal(im.Data, photo) && w.name != "IMG_0001.JPG" {
					t.Errorf("%s: %d bytes, not the %d of the photo sent", w.name, len(im.Data), len(photo))
				}
			}
		})
	}
}

// TestReadHeader reads the header of a message whose body is not there.
func TestReadHeader(t *testing.T) {
	full := fixture.Email(fixture.JPEG(fixture.Gradient(20, 26), 80, nil, nil))
	head, _, _ := bytes.Cut(full, []byte("\r\n\r\n"))
	tests := []struct {
		name    string
		data    []byte
		subject string
		err     bool
	}{
		{"the header as IMAP sends it", append(head, "\r\n\r\n"...), "Foto per la carta d'identità", false},
		{"the whole message", full, "Foto per la carta d'identità", false},
		{"nothing", nil, "", true},
		{"no header", []byte("\r\n\r\nbody"), "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ReadHeader(bytes.NewReader(tc.data))
			if tc.err {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("%v, want ErrMalformed", err)
				}
				return
			}
			if err != nil || m.Subject != tc.subject || len(m.Images) != 0 || m.Header.Get("From") == "" {
				t.Fatalf("%+v, %v", m, err)
			}
		})
	}
}
