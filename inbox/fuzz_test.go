package inbox

import (
	"bytes"
	"io"
	"testing"

	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/mailphoto"
)

// FuzzDecide reads arbitrary bytes as a message, whole and as a header
// only (a message over the size limit), and decides on it: no panic, and
// an answer always has an address that is neither a daemon's nor the
// mailbox's own, in the domain of an authenticated sender.
func FuzzDecide(f *testing.F) {
	f.Add(fixture.CRLF("From: Mario <mario@example.it>\nSubject: foto\nContent-Type: text/plain\n\nx\n"))
	f.Add(fixture.PEC(fixture.CRLF("From: a@pec.example.it\nReply-To: \"x\" <>\nContent-Type: text/plain\n\nx\n")))
	f.Add(fixture.PECReceipt("avvenuta-consegna"))
	f.Add(fixture.CRLF("From: =?utf-8?q?=C3=A0?= <a@b>\nReply-To: group: a@b.it, c@d.it;\nAuto-Submitted: no; x=y\nReturn-Path: < >\n\n"))
	f.Add(arrived(fixture.CRLF("From: a@example.it\nReply-To: b@example.it\nContent-Type: text/plain\n\nx\n")))
	f.Add(arrived(fixture.PEC(fixture.CRLF("From: mario.rossi@pec.example.it\nContent-Type: text/plain\n\nx\n"))))
	f.Add(fixture.CRLF("Authentication-Results: " + mx + " (c; d) ; dmarc=pass (p=none) header.from=\"example.it\"; spf=pass smtp.mailfrom=example.it\nFrom: a@example.it\n\n"))
	own := []string{"anagrafe@comune.example.it"}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, read := range []func(io.Reader) (*mailphoto.Message, error){mailphoto.Read, mailphoto.ReadHeader} {
			m, err := read(bytes.NewReader(data))
			if err != nil {
				continue
			}
			d := Decide(m, own, testAuth)
			if d.Reason == "" && (d.To == nil || d.Sender == nil || daemon(d.To.Address) || isOwn(d.To.Address, own) ||
				domainOf(d.To.Address) != domainOf(d.Sender.Address)) {
				t.Fatalf("answered to %v for %v (header only: %v)", d.To, d.Sender, m.HeaderOnly)
			}
		}
	})
}
