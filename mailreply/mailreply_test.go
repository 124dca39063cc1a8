package mailreply

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/mail"

	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/mailphoto"
	"github.com/tessera-cie/tessera/office"
	"github.com/tessera-cie/tessera/validate"
)

func TestText(t *testing.T) {
	good := &validate.Report{File: "a.jpg", Pass: true, Checks: []validate.Check{{ID: "dpi", Status: validate.Pass}}}
	bad := &validate.Report{File: "b.jpg", Checks: []validate.Check{
		{ID: "dpi", Status: validate.Fail, Message: "72 DPI", Fix: "salvate a 400 DPI"},
		{ID: "background_white", Status: validate.Fail, Message: "sfondo grigio", Fix: "sfondo bianco"},
		{ID: "sharpness", Status: validate.Pass, Message: "nitida"},
	}}
	broken := &validate.Report{File: "c.heic", Error: "formato HEIC", Checks: []validate.Check{{ID: "format", Status: validate.Fail, Fix: "salvate in JPG"}}}
	tests := []struct {
		name    string
		lang    string
		reports []*validate.Report
		skipped int
		has     []string
		hasNot  []string
	}{
		{"one good photo", "it", []*validate.Report{good}, 0,
			[]string{"Buongiorno", "a.jpg: va bene", "rispettano le regole"}, []string{"nuova foto"}},
		{"a photo to fix, every fix named", "it", []*validate.Report{good, bad}, 0,
			[]string{"b.jpg: da correggere", "72 DPI", "-> salvate a 400 DPI", "sfondo grigio", "-> sfondo bianco", "nuova foto"}, []string{"nitida", "rispettano"}},
		{"an unreadable file", "it", []*validate.Report{broken}, 0,
			[]string{"c.heic: non è una foto leggibile (formato HEIC)", "-> salvate in JPG"}, nil},
		{"in English, images skipped", "en", []*validate.Report{good}, 3,
			[]string{"Hello", "a.jpg: fine", "3 more images were not checked", "meet the rules"}, []string{"Buongiorno"}},
		{"in English, one image skipped", "en", []*validate.Report{good}, 1,
			[]string{"1 more image was not checked"}, []string{"images were"}},
		{"in German, a photo to fix", "de", []*validate.Report{good, bad}, 2,
			[]string{"Guten Tag", "a.jpg", "b.jpg", "72 DPI", "-> salvate a 400 DPI"}, []string{"Buongiorno", "Hello"}},
		{"nothing checked is not a pass", "it", nil, 0,
			[]string{"nuova foto"}, []string{"rispettano"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Text(tc.lang, tc.reports, tc.skipped)
			for _, s := range tc.has {
				if !strings.Contains(got, s) {
					t.Errorf("text lacks %q:\n%s", s, got)
				}
			}
			for _, s := range tc.hasNot {
				if strings.Contains(got, s) {
					t.Errorf("text has %q:\n%s", s, got)
				}
			}
		})
	}
}

// TestReplyMessage builds answers and reads them back as a mail client
// and as tessera's own inbox would.
func TestReplyMessage(t *testing.T) {
	photo := fixture.JPEG(fixture.Gradient(35, 45), 90, nil, nil)
	original := func(head string) mail.Header {
		m, err := mailphoto.Read(bytes.NewReader(fixture.CRLF(head + "Content-Type: text/plain\n\nfoto\n")))
		if err != nil {
			t.Fatal(err)
		}
		return mail.Header{Header: m.Header}
	}
	tests := []struct {
		name     string
		original mail.Header
		lang     string
		attach   []Attachment
		subject  string
		refs     []string
	}{
		{"a first message", original("From: mario@example.it\nSubject: Foto CIE\nMessage-ID: <m1@example.it>\n"), "it", nil,
			"Re: foto per la carta d'identità", []string{"m1@example.it"}},
		{"already a reply, in a thread", original("From: mario@example.it\nSubject: RE: Foto CIE\nMessage-ID: <m3@example.it>\nReferences: <m1@example.it> <r1@comune.example.it>\n"), "it", nil,
			"Re: foto per la carta d'identità", []string{"m1@example.it", "r1@comune.example.it", "m3@example.it"}},
		{"a subject written to be repeated, and a thread of 30", original("From: mario@example.it\nSubject: Re: La sua CIE è sospesa, paghi su www.example.com\nMessage-ID: <m4@example.it>\nReferences:" + refs(30) + "\n"), "it", nil,
			"Re: foto per la carta d'identità", append(append([]string{"t0@example.it"}, strings.Fields(strings.NewReplacer("<", "", ">", "").Replace(refs(30)))[21:]...), "m4@example.it")},
		{"no subject, English, a corrected photo attached", original("From: ann@example.com\nMessage-ID: <e1@example.com>\n"), "en",
			[]Attachment{{Name: "foto-corretta.jpg", Type: "image/jpeg", Data: photo}},
			"Re: photo for the identity card", []string{"e1@example.com"}},
		{"a Message-ID too long to repeat, and odd ones in the thread", original("From: mario@example.it\nSubject: x\nMessage-ID: <" + strings.Repeat("a", 3000) + "@example.it>\nReferences: <ok@example.it> <" + strings.Repeat("b", 300) + "@x>\n"), "it", nil, "Re: foto per la carta d'identità", nil},
		{"odd Message-IDs in the thread left out", original("From: mario@example.it\nSubject: x\nMessage-ID: <m5@example.it>\nReferences: <ok@example.it> <" + strings.Repeat("b", 300) + "@x> <città@x>\n"), "it", nil, "Re: foto per la carta d'identità", []string{"ok@example.it", "m5@example.it"}},
		{"no Message-ID to refer to", original("From: mario@example.it\nSubject: x\n"), "it", nil, "Re: foto per la carta d'identità", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Reply{
				From:        &mail.Address{Name: "Anagrafe", Address: "anagrafe@comune.example.it"},
				To:          &mail.Address{Address: "mario@example.it"},
				Original:    tc.original,
				Lang:        tc.lang,
				Text:        "Buongiorno,\nla foto va bene: città.\n",
				Attachments: tc.attach,
				Date:        time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
			}
			data, err := r.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			mr, err := mail.CreateReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			h := mr.Header
			if s, _ := h.Subject(); s != tc.subject {
				t.Errorf("subject %q, want %q", s, tc.subject)
			}
			irt, _ := h.MsgIDList("In-Reply-To")
			refs, _ := h.MsgIDList("References")
			if strings.Join(refs, " ") != strings.Join(tc.refs, " ") {
				t.Errorf("References %v, want %v", refs, tc.refs)
			}
			if len(tc.refs) > 0 && (len(irt) != 1 || irt[0] != tc.refs[len(tc.refs)-1]) {
				t.Errorf("In-Reply-To %v, want the citizen's message", irt)
			}
			if id, _ := h.MessageID(); !strings.HasSuffix(id, "@comune.example.it") {
				t.Errorf("Message-ID %q not of the office's domain", id)
			}
			if mt, params, _ := h.ContentType(); len(tc.attach) == 0 && (mt != "text/plain" || params["charset"] != "utf-8") {
				t.Errorf("Content-Type %q %v, want text/plain in utf-8", mt, params)
			}
			if h.Get("Auto-Submitted") != "auto-replied" || h.Get("Content-Language") != tc.lang {
				t.Errorf("Auto-Submitted %q, Content-Language %q", h.Get("Auto-Submitted"), h.Get("Content-Language"))
			}
			var text string
			var files []string
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(p.Body)
				switch ph := p.Header.(type) {
				case *mail.InlineHeader:
					text += string(body)
				case *mail.AttachmentHeader:
					name, _ := ph.Filename()
					files = append(files, name)
					if !bytes.Equal(body, photo) {
						t.Errorf("%s: %d bytes, not the photo's %d", name, len(body), len(photo))
					}
				}
			}
			// Lines end in CRLF on the wire (RFC 5322 section 2.1).
			if text != strings.ReplaceAll(r.Text, "\n", "\r\n") {
				t.Errorf("text %q, want %q", text, r.Text)
			}
			if len(files) != len(tc.attach) {
				t.Errorf("attachments %v, want %d", files, len(tc.attach))
			}
			// The photos attached are found where a mail reader looks
			// (inbox.TestDecide checks such an answer is never answered).
			m, err := mailphoto.Read(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Images) != len(tc.attach) {
				t.Errorf("the inbox would find %d photos, want %d", len(m.Images), len(tc.attach))
			}
		})
	}
	if _, err := (&Reply{From: &mail.Address{Address: "a@b.it"}}).Bytes(); err != ErrAddress {
		t.Errorf("no To: %v, want ErrAddress", err)
	}
}

// TestFixedText: the note names the attached photos and says the size
// and resolution of the profile they were made to.
func TestFixedText(t *testing.T) {
	cie, _ := validate.LookupProfile("cie")
	other := cie
	other.WidthMM, other.HeightMM, other.MinDPI = 40, 50, 300
	for _, tc := range []struct {
		lang string
		p    validate.Profile
		want []string
	}{
		{"it", cie, []string{"In allegato trovate la foto corretta (a-tessera.jpg, b-tessera.jpg)", "formato 35x45", "a 400 DPI"}},
		{"en", cie, []string{"Attached is the corrected photo (a-tessera.jpg, b-tessera.jpg)", "cropped to 35x45", "at 400 DPI"}},
		{"it", other, []string{"formato 40x50", "a 300 DPI"}},
	} {
		got := FixedText(tc.lang, []string{"a-tessera.jpg", "b-tessera.jpg"}, tc.p)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tc.lang, got, w)
			}
		}
	}
}

func TestSignature(t *testing.T) {
	esempio := office.Office{Name: "Comune di Esempio", ContactURL: "https://www.comune.esempio.it/anagrafe", PrivacyURL: "https://www.comune.esempio.it/privacy"}
	for _, tc := range []struct {
		name string
		lang string
		o    office.Office
		want []string // in the signature; none: no signature
	}{
		{"no office", "it", office.Office{}, nil},
		{"only a logo and notices the page links", "it", office.Office{Logo: "x.svg", LegalURL: "https://x.example"}, nil},
		{"Italian", "it", esempio, []string{"\n-- \nComune di Esempio\n", "Contatti e orari: https://www.comune.esempio.it/anagrafe\n", "informativa privacy): https://www.comune.esempio.it/privacy\n"}},
		{"German", "de", esempio, []string{"Kontakt und Öffnungszeiten: https://www.comune.esempio.it/anagrafe", "(Datenschutzerklärung): https://www.comune.esempio.it/privacy"}},
		{"only the name", "en", office.Office{Name: "Comune di Esempio"}, []string{"\n-- \nComune di Esempio\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Signature(tc.lang, tc.o)
			if len(tc.want) == 0 && got != "" {
				t.Errorf("signature %q, want none", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("signature %q has no %q", got, w)
				}
			}
		})
	}
}

// refs is a References field's value of n Message-IDs.
func refs(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " <t%d@example.it>", i)
	}
	return b.String()
}

// TestSafeName: a file name repeated in an answer keeps what a phone or a
// camera puts in it and loses anything that could read as a sentence, a
// domain or a link.
func TestSafeName(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"IMG_20261125_101112.jpg", "IMG_20261125_101112.jpg"},
		{"PXL_20261125_101112345.JPG", "PXL_20261125_101112345.jpg"},
		{"foto città.png", "foto_citta.png"},
		{"httpsːᐟᐟevilꓸcom.jpg", "https_evil_com.jpg"}, // letters that look like ':', '/' and '.'
		{"ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ.jpg", "www_example_com.jpg"}, // full-width letters
		{"C:\\Users\\mario\\foto.jpeg", "foto.jpeg"},
		{"La sua CIE è sospesa. Paghi 29,90 euro su www.example.com.jpg", "La_sua_CIE_e_sospesa_Pag.jpg"},
		{"https://www.example.com/pay.jpg", "pay.jpg"},
		{"pay-at-www.example.com.jpg", "pay-at-www_example_com.jpg"},
		{"riga uno\r\nriga due\n\nGentile cittadino.jpg", "riga_uno_riga_due_Gentil.jpg"},
		{"\u202egpj.exe", "gpj_exe"},
		{"foto.jpg\x00.exe", "foto_jpg_exe"},
		{"...", "image-3"},
		{"", "image-3"},
		{"foto.j p g", "foto_j_p_g"},
	} {
		got := SafeName(tc.name, 3)
		if got != tc.want {
			t.Errorf("SafeName(%q) = %q, want %q", tc.name, got, tc.want)
		}
		if strings.IndexFunc(got, func(r rune) bool {
			return r > 0x7e || !(r == '.' || r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r))
		}) >= 0 ||
			strings.Count(got, ".") > 1 || utf8.RuneCountInString(got) > maxNameRunes+6 {
			t.Errorf("SafeName(%q) = %q: not a short name of safe characters", tc.name, got)
		}
	}
}
