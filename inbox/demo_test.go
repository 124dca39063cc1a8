package inbox

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// TestDemo is `make inbox-demo`: a local Dovecot gets three sample
// emails, one pass answers them, and with -v the answers are printed as
// the citizens would read them. It asserts what it shows.
func TestDemo(t *testing.T) {
	studio, valid := photos(t)
	r := newRig(t)
	samples := []struct {
		what, id string
		msg      []byte
	}{
		{"a valid photo", "demo1@example.it", email("From: Mario Rossi <mario.rossi@example.it>\nTo: anagrafe@comune.example.it\nSubject: Foto per la carta d'identità\nMessage-ID: <demo1@example.it>\n", valid)},
		{"a studio photo, not cropped, at 72 DPI", "demo2@example.it", email("From: Anna Bianchi <anna.bianchi@example.it>\nTo: anagrafe@comune.example.it\nSubject: fototessera\nMessage-ID: <demo2@example.it>\n", studio)},
		{"no photo at all", "demo3@example.it", fixture.CRLF("From: Luca Verdi <luca.verdi@example.it>\nTo: anagrafe@comune.example.it\nSubject: foto CIE\nMessage-ID: <demo3@example.it>\nContent-Type: text/plain; charset=utf-8\n\nBuongiorno, la foto ve la mando domani.\n")},
	}
	for _, s := range samples {
		r.deliver(t, s.msg)
	}
	r.once(t, r.config())
	got := answers(t, r.smtp)
	boxes := r.folders(t)
	for _, s := range samples {
		folder := ""
		for name, ids := range boxes {
			if slices.Contains(ids, s.id) {
				folder = name
			}
		}
		if len(got[s.id]) != 1 || folder == "" || folder == "INBOX" {
			t.Fatalf("%s: %d answers, filed in %q", s.what, len(got[s.id]), folder)
		}
		a := got[s.id][0]
		subject, _ := a.Header.Subject()
		to, _ := a.Header.AddressList("To")
		text, files := parts(t, a)
		var b strings.Builder
		fmt.Fprintf(&b, "\n=== %s: filed in %q\nTo: %s\nSubject: %s\n", s.what, folder, to[0].Address, subject)
		if len(files) > 0 {
			fmt.Fprintf(&b, "Attached: %s\n", strings.Join(files, ", "))
		}
		b.WriteString("\n" + strings.ReplaceAll(text, "\r\n", "\n"))
		t.Log(b.String())
	}
}
