package inbox

import (
	"bytes"
	"fmt"
	"mime"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// victim is the third party the attacks below try to make the office
// write to.
const victim = "vittima@example.org"

// phish is the text an attacker wants the office to send in its name.
const phish = "Gentile cittadino, la sua CIE è sospesa. Per riattivarla paghi 29,90 euro su https://pay.example.net/cie"

// TestRelay: each way a stranger tried to make the office's inbox write
// to someone else, or say their words, against the real Dovecot and SMTP
// server: the third party receives nothing, nothing of the attacker's
// text is sent, what was forged waits for a clerk unanswered, and the
// citizen writing in the same hour gets the usual answer.
func TestRelay(t *testing.T) {
	_, valid := photos(t)
	r := newRig(t)
	f := DefaultFolders()
	ar := func(results string) string { return "Authentication-Results: " + mx + "; " + results + "\n" }
	// A file name carrying paragraphs of text, encoded as mail programs
	// encode names (RFC 2231 and RFC 2047), and a subject to be repeated.
	name := "foto.jpg\r\n\r\n" + strings.ReplaceAll(phish, "/", " ") + "\r\n\r\nfoto"
	phishing := fixture.CRLF(ar("dmarc=pass header.from=evil.example.net") +
		"From: a@evil.example.net\nSubject: Re: " + phish + "\nMessage-ID: <phish@evil.example.net>\n" +
		"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n" + phish + "\n" +
		"--b\nContent-Type: image/jpeg; name=\"" + mime.BEncoding.Encode("utf-8", name+".jpg") + "\"\n" +
		"Content-Disposition: attachment; filename*=utf-8''" + strings.ReplaceAll(url.PathEscape(name), ".", "%2E") + ".jpg\n" +
		"Content-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(valid) + "\n--b--\n")
	// The phishing text as the sender's display name, and as the transfer
	// encoding of a part cut short (which an answer once named).
	displayName := email(ar("dmarc=pass header.from=evil.example.net")+
		"From: \"URGENTE: CIE sospesa, paghi 29,90 euro su pay.example.net/cie\" <d@evil.example.net>\nSubject: foto\nMessage-ID: <dn@evil.example.net>\n", valid)
	encoding := fixture.CRLF(ar("dmarc=pass header.from=evil.example.net") +
		"From: e@evil.example.net\nSubject: foto\nMessage-ID: <cte@evil.example.net>\n" +
		"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n" +
		"--b\nContent-Type: image/jpeg; name=foto.jpg\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(valid) + "\n" +
		"--b\nContent-Type: image/jpeg; name=altra.jpg\nContent-Transfer-Encoding: x-paga 29,90 euro su pay.example.net/cie\n\n" + fixture.Base64Lines(valid))
	// A PEC envelope from a provider nobody trusts, vouching for the victim.
	forgedPEC := bytes.ReplaceAll(fixture.PEC(email("From: "+victim+"\nSubject: foto\nMessage-ID: <forged-pec@example.org>\n", valid)),
		[]byte("pec.example.it"), []byte("pec.evil.example.net"))
	forgedPEC = bytes.ReplaceAll(forgedPEC, []byte("mario.rossi@pec.evil.example.net"), []byte(victim))

	attacks := []struct {
		name string
		id   string // Message-ID in the mailbox
		msg  []byte
		// answeredTo is who is answered ("": nobody); folder where the
		// message is filed.
		answeredTo, folder string
	}{
		{"Reply-To a third party, unauthenticated", "rt1@evil.example.net",
			email("From: a@evil.example.net\nReply-To: "+victim+"\nSubject: foto\nMessage-ID: <rt1@evil.example.net>\n", valid), "", f.Verify},
		{"Reply-To a third party, from a domain that passes", "rt2@evil.example.net",
			email(ar("dmarc=pass header.from=evil.example.net")+"From: a@evil.example.net\nReply-To: "+victim+"\nSubject: foto\nMessage-ID: <rt2@evil.example.net>\n", valid), "a@evil.example.net", f.Valid},
		{"Reply-To another mailbox of the sender's own (shared) domain", "rt3@evil.example.net",
			email(ar("dmarc=pass header.from=evil.example.net")+"From: b@evil.example.net\nReply-To: altro@evil.example.net\nSubject: foto\nMessage-ID: <rt3@evil.example.net>\n", valid), "b@evil.example.net", f.Valid},
		{"From the victim, results injected through a quoted semicolon", "ar3@example.org",
			email(ar(`spf=fail smtp.mailfrom="x; dkim=pass header.d=example.org x"@evil.example.net`)+"From: "+victim+"\nSubject: foto\nMessage-ID: <ar3@example.org>\n", valid), "", f.Verify},
		{"From the victim, a result written into the server's field through a quoted envelope address", "ar4@example.org",
			email(ar(`dkim=none; dmarc=none; spf=pass smtp.mailfrom="x smtp.mailfrom=example.org y@evil.example.net"`)+"From: "+victim+"\nSubject: foto\nMessage-ID: <ar4@example.org>\n", valid), "", f.Verify},
		{"From the victim, results under another server's name", "ar1@example.org",
			email("Authentication-Results: mx.evil.example.net; dmarc=pass header.from=example.org\nFrom: "+victim+"\nSubject: foto\nMessage-ID: <ar1@example.org>\n", valid), "", f.Verify},
		{"From the victim, a forged pass below the server's fail", "ar2@example.org",
			email(ar("dmarc=fail header.from=example.org")+"From: "+victim+"\nSubject: foto\nMessage-ID: <ar2@example.org>\n"+ar("dmarc=pass header.from=example.org"), valid), "", f.Verify},
		{"a PEC envelope from a provider not trusted", "opec-0001@pec.evil.example.net", forgedPEC, "", f.Verify},
		{"words for the office to repeat", "phish@evil.example.net", phishing, "a@evil.example.net", f.Valid},
		{"words as the sender's display name", "dn@evil.example.net", displayName, "d@evil.example.net", f.Valid},
		{"words as a part's transfer encoding", "cte@evil.example.net", encoding, "e@evil.example.net", f.ToFix},
	}
	for _, a := range attacks {
		r.imap.Deliver(t, a.msg)
	}
	// A citizen writing in the same hour.
	r.deliver(t, email("From: Mario Rossi <mario@example.it>\nSubject: foto CIE\nMessage-ID: <citizen@example.it>\n", valid))
	r.once(t, r.config())

	sent := r.smtp.Messages()
	for _, m := range sent {
		if slices.ContainsFunc(m.To, func(to string) bool { return strings.EqualFold(to, victim) }) || bytes.Contains(bytes.ToLower(m.Data), []byte(victim)) {
			t.Errorf("the third party was written to: envelope %v:\n%s", m.To, m.Data)
		}
	}
	got := answers(t, r.smtp)
	boxes := r.folders(t)
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			if !slices.Contains(boxes[a.folder], a.id) {
				t.Errorf("not in %s: %v", a.folder, boxes)
			}
			replies := got[a.id]
			if a.id == "opec-0001@pec.evil.example.net" {
				replies = got["forged-pec@example.org"]
			}
			if a.answeredTo == "" {
				if len(replies) != 0 {
					t.Errorf("%d answers, want none", len(replies))
				}
				return
			}
			if len(replies) != 1 {
				t.Fatalf("%d answers, want 1 to %s", len(replies), a.answeredTo)
			}
			if to, _ := replies[0].Header.AddressList("To"); len(to) != 1 || to[0].Address != a.answeredTo {
				t.Errorf("answered to %v, want %s", to, a.answeredTo)
			}
		})
	}
	// Nothing the attacker wrote is in any answer: not the subject, not
	// the file name's paragraphs, not the domain.
	texts := map[string]string{}
	for id, rs := range got {
		for _, a := range rs {
			subject, _ := a.Header.Subject()
			text, files := parts(t, a)
			texts[id] = text
			// Addressed by the address alone: a display name is the
			// sender's text.
			if to, _ := a.Header.AddressList("To"); len(to) != 1 || to[0].Name != "" || a.Header.Get("To") != "<"+to[0].Address+">" {
				t.Errorf("the answer to %s is addressed to %q, want the address alone", id, a.Header.Get("To"))
			}
			all := subject + "\n" + text + "\n" + strings.Join(files, "\n")
			for _, bad := range []string{"sospesa", "29,90", "pay.example.net", "evil.example.net", "Gentile cittadino"} {
				if strings.Contains(all, bad) {
					t.Errorf("the answer to %s repeats %q:\n%s", id, bad, all)
				}
			}
			if subject != "Re: foto per la carta d'identità" {
				t.Errorf("the answer to %s has the subject %q, not tessera's own", id, subject)
			}
		}
	}
	if len(got["citizen@example.it"]) != 1 || !slices.Contains(boxes[f.Valid], "citizen@example.it") {
		t.Errorf("the citizen: %d answers, folders %v; want the usual answer", len(got["citizen@example.it"]), boxes)
	} else if !strings.Contains(texts["citizen@example.it"], "foto1.jpg: va bene") {
		t.Errorf("the citizen's answer:\n%s", texts["citizen@example.it"])
	}
	if n := len(sent); n != 6 {
		t.Errorf("%d answers sent, want 6 (five to the attacker's own addresses, one to the citizen)", n)
	}
	for _, m := range sent {
		if slices.ContainsFunc(m.To, func(to string) bool { return strings.EqualFold(to, "altro@evil.example.net") }) {
			t.Error("a Reply-To naming another mailbox of the sender's domain was written to")
		}
	}
}

// TestAnswerLimits: answers are bounded per sender, whatever the case or
// +tag of its address and however many Reply-Tos it gives; per domain;
// and in all. What a sender sends over its limit is filed unanswered;
// what a domain or the inbox sends over theirs waits for a clerk. The
// limits count the hour across passes.
func TestAnswerLimits(t *testing.T) {
	_, valid := photos(t)
	r := newRig(t)
	f := DefaultFolders()
	cfg := r.config()
	cfg.Bcc = nil
	cfg.PerHour, cfg.PerDomainHour, cfg.TotalHour = 2, 3, 5
	// One sender, seven Reply-Tos of its own domain, in three spellings.
	for i, from := range []string{"a@evil.example.net", "A@Evil.Example.NET", "a+1@evil.example.net", "a+2@evil.example.net", "a@evil.example.net", "a+x@evil.example.net", "a@EVIL.example.net"} {
		r.deliver(t, email(fmt.Sprintf("From: %s\nReply-To: r%d@evil.example.net\nSubject: foto\nMessage-ID: <s%d@evil.example.net>\n", from, i, i), valid))
	}
	r.once(t, cfg)
	if n := len(r.smtp.Messages()); n != cfg.PerHour {
		t.Errorf("one sender got %d answers, want %d", n, cfg.PerHour)
	}
	if n := len(r.folders(t)[f.Discarded]); n != 7-cfg.PerHour {
		t.Errorf("%d of the sender's messages discarded, want %d", n, 7-cfg.PerHour)
	}
	// Others of the same organisation: one more answer fills the
	// domain's three; the rest wait for a clerk.
	for i, from := range []string{"b@evil.example.net", "c@mail.evil.example.net", "d@evil.example.net"} {
		r.deliver(t, email(fmt.Sprintf("From: %s\nSubject: foto\nMessage-ID: <d%d@evil.example.net>\n", from, i), valid))
	}
	r.once(t, cfg)
	if n := len(r.smtp.Messages()); n != cfg.PerDomainHour {
		t.Errorf("one domain got %d answers, want %d", n, cfg.PerDomainHour)
	}
	if n := len(r.folders(t)[f.Verify]); n != 2 {
		t.Errorf("%d over the domain's limit wait for a clerk, want 2", n)
	}
	// Citizens of other domains: two more fill the inbox's five.
	for i := range 3 {
		r.deliver(t, email(fmt.Sprintf("From: cittadino%d@example%d.it\nSubject: foto\nMessage-ID: <c%d@example.it>\n", i, i, i), valid))
	}
	r.once(t, cfg)
	if n := len(r.smtp.Messages()); n != cfg.TotalHour {
		t.Errorf("%d answers in all, want %d", n, cfg.TotalHour)
	}
	b := r.folders(t)
	if !slices.Contains(b[f.Verify], "c2@example.it") || len(b[f.Verify]) != 3 {
		t.Errorf("over the hourly cap: %v; want c2@example.it waiting for a clerk", b[f.Verify])
	}
	if len(b["INBOX"]) != 0 {
		t.Errorf("left in INBOX: %v", b["INBOX"])
	}
}
