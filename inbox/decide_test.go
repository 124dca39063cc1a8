package inbox

import (
	"bytes"
	"testing"

	"github.com/emersion/go-message/mail"

	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/mailphoto"
	"github.com/tessera-cie/tessera/mailreply"
)

func TestDecide(t *testing.T) {
	own := []string{"Anagrafe@Comune.Example.it", "anagrafe@pec.comune.example.it"}
	citizen := func(head string) []byte {
		return fixture.CRLF(head + "Subject: foto\nMessage-ID: <m1@example.it>\nContent-Type: text/plain\n\nla foto\n")
	}
	tests := []struct {
		name   string
		msg    []byte
		reason Reason
		to     string // the answer's address, when answered
		pec    bool
	}{
		{"a citizen", citizen("From: Mario Rossi <mario@example.it>\n"), "", "mario@example.it", false},
		{"a display name that reads as the office's text", citizen("From: \"URGENTE: multa non pagata, paga su http://evil.example/pay\" <victim@example.it>\n"), "", "victim@example.it", false},
		{"Reply-To naming another mailbox: From is answered", citizen("From: Ufficio <ufficio@example.it>\nReply-To: Anna <anna@example.it>\n"), "", "ufficio@example.it", false},
		{"Reply-To naming the same mailbox with a +tag", citizen("From: Anna <anna@example.it>\nReply-To: Anna <Anna+cie@example.it>\n"), "", "Anna+cie@example.it", false},
		{"Auto-Submitted: no is a person", citizen("From: mario@example.it\nAuto-Submitted: no\n"), "", "mario@example.it", false},
		{"delivered, with a Return-Path", citizen("Return-Path: <mario@example.it>\nFrom: mario@example.it\n"), "", "mario@example.it", false},
		{"an out-of-office reply", citizen("From: mario@example.it\nAuto-Submitted: auto-replied\n"), AutoSubmitted, "", false},
		{"Auto-Submitted with parameters", citizen("From: mario@example.it\nAuto-Submitted: Auto-Generated; owner-email=\"x@y.it\"\n"), AutoSubmitted, "", false},
		{"Precedence: bulk", citizen("From: news@example.it\nPrecedence: bulk\n"), BulkPrecedence, "", false},
		{"Precedence: junk", citizen("From: news@example.it\nPrecedence: JUNK\n"), BulkPrecedence, "", false},
		{"Precedence: list", citizen("From: a@example.it\nPrecedence: list\n"), BulkPrecedence, "", false},
		{"X-Autoreply", citizen("From: mario@example.it\nX-Autoreply: yes\n"), AutoSubmitted, "", false},
		{"X-Auto-Response-Suppress: All", citizen("From: sistema@example.it\nX-Auto-Response-Suppress: DR, All\n"), AutoSubmitted, "", false},
		{"X-Auto-Response-Suppress: DR only is a person's", citizen("From: mario@example.it\nX-Auto-Response-Suppress: DR\n"), "", "mario@example.it", false},
		{"Precedence: auto_reply", citizen("From: a@example.it\nPrecedence: auto_reply\n"), BulkPrecedence, "", false},
		{"a delivery report", fixture.CRLF("From: postino@mx.example.it\nSubject: Undelivered Mail\nMessage-ID: <m1@example.it>\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\n\n--r\nContent-Type: text/plain\n\nnot delivered\n--r--\n"), Report, "", false},
		{"X-Loop naming the office", citizen("From: mario@example.it\nX-Loop: anagrafe@comune.example.it\n"), OwnAddress, "", false},
		{"a mailing list", citizen("From: a@example.it\nList-Id: <comuni.lists.example.it>\n"), MailingList, "", false},
		{"a bounce: null Return-Path", citizen("Return-Path: <>\nFrom: Mail Delivery System <mailer@example.it>\n"), NullSender, "", false},
		{"MAILER-DAEMON", citizen("From: MAILER-DAEMON@mx.example.it\n"), Daemon, "", false},
		{"noreply", citizen("From: Servizi <noreply@example.it>\n"), Daemon, "", false},
		{"no-reply in Reply-To: From is answered", citizen("From: a@example.it\nReply-To: no-reply@example.it\n"), "", "a@example.it", false},
		{"a list's owner", citizen("From: owner-comuni@lists.example.it\n"), Daemon, "", false},
		{"a list's request address", citizen("From: comuni-request@lists.example.it\n"), Daemon, "", false},
		{"the mailbox itself, any case", citizen("From: ANAGRAFE@comune.example.it\n"), OwnAddress, "", false},
		{"no sender", citizen(""), NoSender, "", false},
		{"a sender without an address", citizen("From: undisclosed-recipients:;\n"), NoSender, "", false},
		{"PEC: the citizen inside the envelope", fixture.PEC(citizen("From: Mario Rossi <mario.rossi@pec.example.it>\n")), "", "mario.rossi@pec.example.it", true},
		{"PEC: an automatic message inside", fixture.PEC(citizen("From: a@pec.example.it\nAuto-Submitted: auto-generated\n")), AutoSubmitted, "", true},
		{"PEC: accettazione", fixture.PECReceipt("accettazione"), PECReceipt, "", false},
		{"PEC: avvenuta-consegna", fixture.PECReceipt("avvenuta-consegna"), PECReceipt, "", false},
		{"PEC: errore-consegna", fixture.PECReceipt("errore-consegna"), PECReceipt, "", false},
		{"PEC: envelope without postacert.eml", fixture.CRLF("X-Trasporto: posta-certificata\nFrom: posta-certificata@pec.example.it\nReply-To: mario@pec.example.it\nSubject: POSTA CERTIFICATA: x\nContent-Type: text/plain\n\nx\n"), PECAnomaly, "", true},
		{"PEC: anomaly", fixture.CRLF("X-Trasporto: errore\nFrom: posta-certificata@pec.example.it\nSubject: ANOMALIA MESSAGGIO: x\nContent-Type: text/plain\n\nx\n"), PECAnomaly, "", true},
	}
	// tessera's own answer, should it come back (a citizen's forward, a
	// second office's inbox): never answered, so two responders cannot
	// loop.
	answer, err := (&mailreply.Reply{
		From:     &mail.Address{Address: "anagrafe@altro-comune.example.it"},
		To:       &mail.Address{Address: "anagrafe@comune.example.it"},
		Original: mail.HeaderFromMap(map[string][]string{"Message-Id": {"<m1@example.it>"}, "Subject": {"foto"}}),
		Text:     "Buongiorno",
	}).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	tests = append(tests, struct {
		name   string
		msg    []byte
		reason Reason
		to     string
		pec    bool
	}{"tessera's own answer", answer, AutoSubmitted, "", false})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := mailphoto.Read(bytes.NewReader(arrived(tc.msg)))
			if err != nil {
				t.Fatal(err)
			}
			d := Decide(m, own, testAuth)
			if d.Reason != tc.reason || d.PEC != tc.pec {
				t.Fatalf("reason %q, pec %v; want %q, %v", d.Reason, d.PEC, tc.reason, tc.pec)
			}
			if tc.reason == "" {
				if d.To == nil || d.To.Address != tc.to {
					t.Fatalf("answer to %v, want %s", d.To, tc.to)
				}
				if d.To.Name != "" {
					t.Errorf("the answer's To carries the sender's display name %q", d.To.Name)
				}
				if id, _ := d.Header.MessageID(); id != "m1@example.it" {
					t.Errorf("the answer refers to %q, not the citizen's message", id)
				}
			}
		})
	}
}

// TestDecideHeaderOnly: a message too large to be read whole is decided
// on its header. A PEC envelope is then answered to the citizen its
// provider names in Reply-To, referring to the citizen's own Message-ID
// and Subject; without a Reply-To there is no one to answer.
func TestDecideHeaderOnly(t *testing.T) {
	own := []string{"anagrafe@pec.comune.example.it"}
	inner := fixture.CRLF("From: Mario Rossi <mario.rossi@pec.example.it>\nSubject: Foto per la CIE\nMessage-ID: <orig-1@pec.example.it>\nContent-Type: text/plain\n\nla foto\n")
	noCertified := bytes.Replace(fixture.PEC(inner), []byte(`"Per conto di: mario.rossi@pec.example.it" `), nil, 1)
	for _, tc := range []struct {
		name            string
		msg             []byte
		reason          Reason
		to, id, subject string
	}{
		{"a citizen", fixture.CRLF("From: Anna <anna@example.it>\nSubject: foto\nMessage-ID: <a1@example.it>\n\n"), "", "anna@example.it", "a1@example.it", "foto"},
		{"PEC", fixture.PEC(inner), "", "mario.rossi@pec.example.it", "orig-1@pec.example.it", "Foto per la CIE"},
		{"PEC naming no certified sender", noCertified, NoSender, "", "", ""},
		{"PEC receipt", fixture.PECReceipt("accettazione"), PECReceipt, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := mailphoto.ReadHeader(bytes.NewReader(arrived(tc.msg)))
			if err != nil {
				t.Fatal(err)
			}
			d := Decide(m, own, testAuth)
			if d.Reason != tc.reason {
				t.Fatalf("reason %q, want %q", d.Reason, tc.reason)
			}
			if tc.reason != "" {
				return
			}
			if d.To == nil || d.To.Address != tc.to {
				t.Errorf("answer to %v, want %s", d.To, tc.to)
			}
			if id, _ := d.Header.MessageID(); id != tc.id {
				t.Errorf("refers to %q, want %q", id, tc.id)
			}
			if s, _ := d.Header.Subject(); s != tc.subject {
				t.Errorf("subject %q, want %q", s, tc.subject)
			}
		})
	}
}
