package mailphoto

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
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
		// The part cut short is lost, not the message (TestPartsFailAlone).
		{"multipart cut short", fixture.CRLF("From: a@b.it\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n/9j/4AAQ"), "", "a@b.it", []img{
			{"image-1.jpg", "", true},
		}, false},
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
			sameNames(t, m.Images, tc.want, func(w img) string { return w.name })
			for i, w := range tc.want {
				im := m.Images[i]
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

// TestPartsFailAlone: a part that cannot be read loses that part only.
// Every photo beside it is found, and what could not be read is reported
// as a Broken image saying why: the encoding that broke, named as the part
// names it, or none when the part itself could not be read. An attached
// message with what mailbox files add to a header (an mbox "From " line, a
// line without a colon) is read without those lines.
func TestPartsFailAlone(t *testing.T) {
	photo := fixture.JPEG(fixture.Gradient(70, 90), 85, nil, nil)
	b64 := fixture.Base64Lines(photo)
	jpegPart := func(name string) string {
		return "Content-Type: image/jpeg; name=" + name + "\nContent-Disposition: attachment; filename=" + name + "\nContent-Transfer-Encoding: base64\n\n" + b64 + "\n"
	}
	attached := func(inner string) []byte {
		return fixture.CRLF("From: a@b.it\nSubject: due foto\nContent-Type: multipart/mixed; boundary=out\n\n--out\n" + jpegPart("beside.jpg") +
			"--out\nContent-Type: message/rfc822; name=inoltro.eml\nContent-Disposition: attachment; filename=inoltro.eml\n\n" + inner + "\n--out--\n")
	}
	innerMsg := func(header string) string {
		return header + "Subject: foto\nContent-Type: image/jpeg; name=inside.jpg\nContent-Transfer-Encoding: base64\n\n" + b64
	}
	type img struct {
		name     string
		read     bool   // the photo's bytes read
		encoding string // the PartError's, when not read
	}
	for _, tc := range []struct {
		name string
		msg  []byte
		want []img
	}{
		{"an attached message after an mbox From line", attached(innerMsg("From mario@example.it Mon Dec  7 10:00:00 2026\nFrom: mario@example.it\n")),
			[]img{{"beside.jpg", true, ""}, {"inside.jpg", true, ""}}},
		{"an attached message with a header line without a colon", attached(innerMsg("From: mario@example.it\nthis line is no field\nTo: anagrafe@example.it\n")),
			[]img{{"beside.jpg", true, ""}, {"inside.jpg", true, ""}}},
		{"an attached message that is no message", attached("\x00\x01 just bytes, no header\n\nand more"),
			[]img{{"beside.jpg", true, ""}, {"inoltro.eml", false, ""}}},
		// Raw bytes in a body said to be quoted-printable: Go's decoder
		// refuses control bytes (and lets a bad escape through as text).
		{"broken quoted-printable", fixture.CRLF("From: a@b.it\nContent-Type: multipart/mixed; boundary=b\n\n--b\n" + jpegPart("ok.jpg") +
			"--b\nContent-Type: image/jpeg; name=qp.jpg\nContent-Transfer-Encoding: Quoted-Printable\n\n=FF=D8=FF\x00\x10JFIF\n--b--\n"),
			[]img{{"ok.jpg", true, ""}, {"qp.jpg", false, "quoted-printable"}}},
		{"broken base64", fixture.CRLF("From: a@b.it\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: image/jpeg; name=b.jpg\nContent-Transfer-Encoding: base64\n\n!!!! ****\n--b\n" + jpegPart("ok.jpg") + "--b--\n"),
			[]img{{"b.jpg", false, "base64"}, {"ok.jpg", true, ""}}},
		{"no closing boundary", fixture.CRLF("From: a@b.it\nContent-Type: multipart/mixed; boundary=b\n\n--b\n" + jpegPart("first.jpg") + "--b\n" + jpegPart("last.jpg")),
			[]img{{"first.jpg", true, ""}, {"last.jpg", false, "base64"}}},
		// go-message cannot go past a part whose header is no header:
		// what follows is reported unread, not lost without a word.
		{"a part whose header is no header", fixture.CRLF("From: a@b.it\nContent-Type: multipart/mixed; boundary=b\n\n--b\n" + jpegPart("first.jpg") + "--b\nthis line is no field\n\nxx\n--b\n" + jpegPart("third.jpg") + "--b--\n"),
			[]img{{"first.jpg", true, ""}, {"part-1", false, ""}}},
		{"a nested multipart without a boundary", attached("From: x@y.it\nContent-Type: multipart/mixed\n\n--z\n" + jpegPart("inside.jpg") + "--z--\n"),
			[]img{{"beside.jpg", true, ""}, {"part-1", false, ""}}},
		{"two attached messages that are none", fixture.CRLF("From: a@b.it\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\n\x00 no header\n\nx\n--b\nContent-Type: message/rfc822\n\n\x00 no header\n\ny\n--b--\n"),
			[]img{{"message-1.eml", false, ""}, {"message-2.eml", false, ""}}},
		{"an attached message in LF lines, folded fields, an mbox line", attached(strings.ReplaceAll(innerMsg("From x Mon Dec  7 10:00:00 2026\nFrom: mario@example.it\nX-Long: one\n two\n"), "\r", "")),
			[]img{{"beside.jpg", true, ""}, {"inside.jpg", true, ""}}},
		{"a nested multipart whose boundary never comes", attached("From: x@y.it\nContent-Type: multipart/mixed; boundary=never\n\n" + jpegPart("inside.jpg")),
			[]img{{"beside.jpg", true, ""}, {"part-1", false, ""}}},
		{"an attached message that is all header, after an mbox line", attached("From x Mon Dec  7 10:00:00 2026\nFrom: mario@example.it\nSubject: vuoto"),
			[]img{{"beside.jpg", true, ""}}},
		{"an attached message with no header at all", attached("\n" + "body only\n"),
			[]img{{"beside.jpg", true, ""}}},
		// An encoding mail does not define, cut short: the header is the
		// sender's text and goes nowhere (the answer says the part could
		// not be read).
		{"an unknown encoding carrying the sender's words", fixture.CRLF("From: a@b.it\nContent-Type: multipart/mixed; boundary=b\n\n--b\n" + jpegPart("first.jpg") +
			"--b\nContent-Type: image/jpeg; name=photo.jpg\nContent-Transfer-Encoding: x-PAGA SUBITO la multa su www.evil-example.com/pay\n\n" + b64),
			[]img{{"first.jpg", true, ""}, {"photo.jpg", false, ""}}},
		{"base64 that ends within a group", fixture.CRLF("From: a@b.it\nContent-Type: image/jpeg; name=g.jpg\nContent-Transfer-Encoding: base64\n\n/9j/4AAQx\n"),
			[]img{{"g.jpg", false, "base64"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Read(bytes.NewReader(tc.msg))
			if err != nil {
				t.Fatal(err)
			}
			sameNames(t, m.Images, tc.want, func(w img) string { return w.name })
			for i, w := range tc.want {
				im := m.Images[i]
				if w.read {
					if im.Broken != nil || !bytes.Equal(im.Data, photo) {
						t.Errorf("%s: broken %v, %d bytes; want the photo", w.name, im.Broken, len(im.Data))
					}
					continue
				}
				var pe *PartError
				if !errors.As(im.Broken, &pe) || pe.TransferEncoding() != w.encoding || im.Data != nil {
					t.Errorf("%s: broken %v, want a PartError with encoding %q", w.name, im.Broken, w.encoding)
				}
			}
		})
	}
}

// sameNames fails t unless imgs are as many as want and named as name
// names them, in that order.
func sameNames[W any](t *testing.T, imgs []Image, want []W, name func(W) string) {
	t.Helper()
	if len(imgs) != len(want) {
		t.Fatalf("%d images, want %d: %+v", len(imgs), len(want), imgs)
	}
	for i, im := range imgs {
		if n := name(want[i]); im.Name != n {
			t.Errorf("image %d named %q, want %q", i, im.Name, n)
		}
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

// TestNestedMemory: attached messages nested MaxDepth deep, a photo of a
// few megabytes at the bottom, are read without a copy per level: the
// bytes allocated stay under a small multiple of the message's (the
// decoded photo, go-message's buffers). Copying each attached message
// whole to mend its header made it 20 times the message.
func TestNestedMemory(t *testing.T) {
	big := make([]byte, 3<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	msg := "From: a@b.it\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(big) + "\n"
	for range MaxDepth {
		msg = "From: a@b.it\nContent-Type: message/rfc822\n\n" + msg
	}
	data := fixture.CRLF(msg)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := Read(bytes.NewReader(data))
	runtime.ReadMemStats(&after)
	if err != nil || len(m.Images) != 1 || len(m.Images[0].Data) != len(big) {
		t.Fatalf("%v, %+v", err, m)
	}
	// The decoded photo grows as io.ReadAll doubles its buffer (up to
	// twice its size, 0.75 of the message's) and each level's reader
	// buffers are small: 3 times the message is room enough.
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("read %d bytes with %d allocated (%.1fx)", len(data), alloc, float64(alloc)/float64(len(data)))
	if alloc > 3*uint64(len(data)) {
		t.Errorf("allocated %d bytes for a message of %d", alloc, len(data))
	}
}

// TestHeaderFieldsBounded: a message is read with at most MaxHeaderFields
// lines shaped as fields, wherever they are, before the parser spends
// memory on more: a part's header of millions of tiny fields is refused
// as malformed at a few megabytes, not read into gigabytes; a message
// under the bound, fields and colons in its text included, is read.
func TestHeaderFieldsBounded(t *testing.T) {
	photo := fixture.JPEG(fixture.Gradient(70, 90), 85, nil, nil)
	withPart := func(partFields int, text string) []byte {
		return fixture.CRLF("From: a@b.it\nSubject: foto\nContent-Type: multipart/mixed; boundary=b\n\n" +
			"--b\nContent-Type: text/plain\n\n" + text + "\n" +
			"--b\n" + strings.Repeat("X:\n", partFields) + "Content-Type: image/jpeg; name=f.jpg\nContent-Transfer-Encoding: base64\n\n" +
			fixture.Base64Lines(photo) + "\n--b--\n")
	}
	withSpaced := func(partFields int, blank string) []byte {
		return fixture.CRLF("From: a@b.it\nSubject: foto\nContent-Type: multipart/mixed; boundary=b\n\n" +
			"--b\n" + strings.Repeat("X"+blank+":\n", partFields) + "Content-Type: image/jpeg; name=f.jpg\nContent-Transfer-Encoding: base64\n\n" +
			fixture.Base64Lines(photo) + "\n--b--\n")
	}
	attachedB64 := func(innerFields string) []byte {
		inner := fixture.CRLF("From: c@d.it\nContent-Type: multipart/mixed; boundary=c\n\n--c\n" + innerFields +
			"Content-Type: image/jpeg; name=f.jpg\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(photo) + "\n--c--\n")
		return fixture.CRLF("From: a@b.it\nSubject: foto\nContent-Type: multipart/mixed; boundary=b\n\n" +
			"--b\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(inner) + "\n--b--\n")
	}
	for _, tc := range []struct {
		name  string
		msg   []byte
		ok    bool
		alloc uint64 // bytes the read may allocate, at most
	}{
		{"a part with fields up to the bound", withPart(MaxHeaderFields-20, "Buongiorno"), true, 64 << 20},
		{"a text of colons up to the bound", withPart(0, strings.Repeat("Nota: vedi foto\n", MaxHeaderFields-20)), true, 64 << 20},
		{"a part with one field too many", withPart(MaxHeaderFields, "Buongiorno"), false, 64 << 20},
		{"a 15 MB part header of tiny fields", withPart(15<<20/4, "Buongiorno"), false, 64 << 20},
		{"a text of colons past the bound", withPart(0, strings.Repeat("Nota: vedi foto\n", MaxHeaderFields+1)), false, 64 << 20},
		// go-message trims the blanks before the colon: "X :" is a field.
		{"a 15 MB part header of fields with a blank before the colon", withSpaced(15<<20/5, " "), false, 64 << 20},
		{"a 15 MB part header of fields with a tab before the colon", withSpaced(15<<20/5, "\t"), false, 64 << 20},
		// An attached message in base64: its fields are counted decoded.
		{"an attached message in base64 of 2.9 million fields", attachedB64(strings.Repeat("X:\n", 2_900_000)), false, 64 << 20},
		{"an attached message in base64", attachedB64("Subject: inoltro\n"), true, 64 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			m, err := Read(bytes.NewReader(tc.msg))
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > tc.alloc {
				t.Errorf("allocated %d MB reading %d MB, want at most %d MB", alloc>>20, len(tc.msg)>>20, tc.alloc>>20)
			}
			if !tc.ok {
				if !errors.Is(err, ErrMalformed) {
					t.Errorf("read with %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil || len(m.Images) != 1 || !bytes.Equal(m.Images[0].Data, photo) {
				t.Fatalf("read %+v, %v; want the photo", m, err)
			}
		})
	}
	// A header read alone (a message too large to fetch whole) has the
	// same bound on its fields, and MaxHeaderBytes on its size.
	for _, tc := range []struct {
		name string
		hdr  string
		ok   bool
	}{
		{"a header", "From: a@b.it\nSubject: foto\n\n", true},
		{"fields past the bound", "From: a@b.it\n" + strings.Repeat("X:\n", MaxHeaderFields) + "\n", false},
		{"a header past MaxHeaderBytes", "From: a@b.it\nX-Long: " + strings.Repeat("a", MaxHeaderBytes) + "\n\n", false},
	} {
		t.Run("header only/"+tc.name, func(t *testing.T) {
			m, err := ReadHeader(bytes.NewReader(fixture.CRLF(tc.hdr)))
			if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, ErrMalformed)) {
				t.Fatalf("ReadHeader: %v, %v; want ok %v", m, err, tc.ok)
			}
		})
	}
}

// TestFieldLimitCounts counts the lines go-message may read as fields
// (no blank first, a colon: the blanks before it too) however the reads
// split them.
func TestFieldLimitCounts(t *testing.T) {
	text := "From: a@b.it\r\nX-A:1\r\n\tfolded: no\r\nX :blank before\r\nX\t:tab before\r\n: empty name\r\nno colon\r\nY:\n\nbody: yes\n"
	const want = 7 // From, X-A, X :, X\t:, : empty name, Y, body: all but the folded line and "no colon"
	for _, chunk := range []int{1, 2, 3, 7, len(text)} {
		c := &fieldCount{left: 100}
		var out bytes.Buffer
		if _, err := out.ReadFrom(c.limit(&chunked{b: []byte(text), n: chunk})); err != nil || out.String() != text {
			t.Fatalf("chunks of %d: read %q, %v", chunk, out.String(), err)
		}
		if got := 100 - c.left; got != want {
			t.Errorf("chunks of %d: %d fields, want %d", chunk, got, want)
		}
		c = &fieldCount{left: want - 1}
		if _, err := out.ReadFrom(c.limit(&chunked{b: []byte(text), n: chunk})); err == nil || !c.over {
			t.Errorf("chunks of %d, a bound of %d: %v, over %v", chunk, want-1, err, c.over)
		}
	}
}

// chunked reads b n bytes at a time.
type chunked struct {
	b []byte
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[k:]
	return k, nil
}
