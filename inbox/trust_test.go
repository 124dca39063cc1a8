package inbox

import (
	"bufio"
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/mailphoto"
)

// mx is the name the office's mail server records its results under in
// the tests.
const mx = "mx.comune.example.it"

// testAuth trusts mx's results and PEC envelopes from pec.example.it.
var testAuth = SenderAuth{AuthServIDs: []string{mx}, PECDomains: []string{"pec.example.it"}}

// arrived is msg as the office's mail server delivers it when the domain
// of its From passed SPF, DKIM and DMARC: with the server's
// Authentication-Results on top. A message without one From is returned
// as it is.
func arrived(msg []byte) []byte {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(msg)))
	if err != nil {
		return msg
	}
	l, err := (&mail.Header{Header: message.Header{Header: h}}).AddressList("From")
	if err != nil || len(l) != 1 {
		return msg
	}
	d := domainOf(l[0].Address)
	return append([]byte("Authentication-Results: "+mx+"; spf=pass smtp.mailfrom="+l[0].Address+
		"; dkim=pass header.d="+d+"; dmarc=pass header.from="+d+"\r\n"), msg...)
}

// TestDecideTrust: only a sender the office's mail server authenticated
// is answered, at the From address or a Reply-To in its own domain; a PEC
// envelope only from a trusted provider. Everything forged is filed
// unanswered (Unauthenticated), whatever it claims.
func TestDecideTrust(t *testing.T) {
	own := []string{"anagrafe@comune.example.it"}
	msg := func(head string) []byte {
		return fixture.CRLF(head + "Subject: foto\nMessage-ID: <m1@example.it>\nContent-Type: text/plain\n\nla foto\n")
	}
	ar := func(results string) string { return "Authentication-Results: " + mx + "; " + results + "\n" }
	pec := func(inner string) []byte { return fixture.PEC(msg(inner)) }
	fromOnly := SenderAuth{FromOnly: true, PECDomains: testAuth.PECDomains}
	tests := []struct {
		name   string
		auth   SenderAuth
		msg    []byte
		reason Reason
		to     string
	}{
		{"DMARC passes", testAuth, msg(ar("dmarc=pass header.from=example.it") + "From: mario@example.it\n"), "", "mario@example.it"},
		{"the server's name in another case", testAuth, msg("Authentication-Results: MX.Comune.Example.IT; dmarc=pass header.from=example.it\nFrom: mario@example.it\n"), "", "mario@example.it"},
		{"results with comments and quotes (Gmail's form)", testAuth, msg("Authentication-Results: " + mx + ";\n       dkim=pass header.i=@example.it header.s=20230601 header.b=abc;\n       spf=pass (" + mx + ": domain of mario@example.it designates 192.0.2.1 as permitted sender) smtp.mailfrom=mario@example.it;\n       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=\"example.it\"\nFrom: mario@example.it\n"), "", "mario@example.it"},
		{"no DMARC: aligned SPF", testAuth, msg(ar("spf=pass smtp.mailfrom=bounce@mail.example.it") + "From: mario@example.it\n"), "", "mario@example.it"},
		{"no DMARC: aligned DKIM, beside a broken signature", testAuth, msg(ar("dkim=fail header.d=example.it; dkim=pass header.d=news.example.it") + "From: mario@example.it\n"), "", "mario@example.it"},
		{"Reply-To elsewhere in the From's domain: From is answered", testAuth, msg(ar("dmarc=pass header.from=gmail.example") + "From: att@gmail.example\nReply-To: victim@gmail.example\n"), "", "att@gmail.example"},
		{"Reply-To the same mailbox, another case and +tag", testAuth, msg(ar("dmarc=pass header.from=example.it") + "From: anna@example.it\nReply-To: Anna+CIE@Example.it\n"), "", "Anna+CIE@example.it"},
		{"DMARC none (no policy): aligned SPF", testAuth, msg(ar("spf=pass smtp.mailfrom=example.it; dkim=pass header.d=example.it; dmarc=none header.from=example.it") + "From: mario@example.it\n"), "", "mario@example.it"},
		{"DKIM naming only the signer's identity", testAuth, msg(ar("dkim=pass header.i=@example.it header.s=s1") + "From: mario@example.it\n"), "", "mario@example.it"},
		{"an internationalised domain, either form", testAuth, msg(ar("dmarc=pass header.from=xn--citt-3na.it") + "From: mario@città.it\n"), "", "mario@xn--citt-3na.it"},
		{"the server's group below our MX's Received", testAuth, msg("Received: from mx.comune.example.it by imap\nReceived: from mx.example.it by mx.comune.example.it\n" + ar("dmarc=pass header.from=example.it") + "Received: from sender by mx.example.it\nFrom: mario@example.it\n"), "", "mario@example.it"},
		{"Reply-To elsewhere: From is answered", testAuth, msg(ar("dmarc=pass header.from=evil.example.net") + "From: a@evil.example.net\nReply-To: victim@example.org\n"), "", "a@evil.example.net"},
		{"Reply-To in a subdomain: From is answered", testAuth, msg(ar("dmarc=pass header.from=example.it") + "From: a@example.it\nReply-To: b@other.example.it\n"), "", "a@example.it"},

		{"no results", testAuth, msg("From: mario@example.it\n"), Unauthenticated, ""},
		{"results under another server's name", testAuth, msg("Authentication-Results: mx.evil.example.net; dmarc=pass header.from=example.it\nFrom: mario@example.it\n"), Unauthenticated, ""},
		{"DMARC fails", testAuth, msg(ar("dmarc=fail header.from=example.it") + "From: victim@example.it\n"), Unauthenticated, ""},
		{"DMARC passes for another domain", testAuth, msg(ar("dmarc=pass header.from=evil.example.net") + "From: victim@example.it\n"), Unauthenticated, ""},
		{"DMARC fails, SPF passes: DMARC decides", testAuth, msg(ar("spf=pass smtp.mailfrom=example.it; dmarc=fail header.from=example.it") + "From: victim@example.it\n"), Unauthenticated, ""},
		{"SPF passes for an unaligned domain", testAuth, msg(ar("spf=pass smtp.mailfrom=a@evil.example.net; dkim=pass header.d=evil.example.net") + "From: victim@example.it\n"), Unauthenticated, ""},
		{"SPF soft fail", testAuth, msg(ar("spf=softfail smtp.mailfrom=example.it") + "From: victim@example.it\n"), Unauthenticated, ""},
		{"a forged pass beside the server's fail", testAuth, msg(ar("dmarc=fail header.from=example.it") + ar("dmarc=pass header.from=example.it") + "From: victim@example.it\n"), Unauthenticated, ""},
		{"a pass inside a comment", testAuth, msg(ar("dmarc=fail (header.from=example.it; dmarc=pass) header.from=example.it") + "From: victim@example.it\n"), Unauthenticated, ""},
		{"the server's field unreadable", testAuth, msg("Authentication-Results: " + mx + " 2; dmarc=pass header.from=example.it\nFrom: victim@example.it\n"), Unauthenticated, ""},
		{"a forged pass below the server's group", testAuth, msg(ar("spf=pass smtp.mailfrom=a@evil.example.net") + "Received: from evil.example.net by mx.comune.example.it\n" + ar("dkim=pass header.d=example.org") + "From: " + "victim@example.org\n"), Unauthenticated, ""},
		{"a semicolon in a quoted value", testAuth, msg(ar(`spf=fail smtp.mailfrom="x; dkim=pass header.d=example.org x"@evil.example.net`) + "From: victim@example.org\n"), Unauthenticated, ""},
		{"a result written into the server's field through a quoted envelope address", testAuth, msg(ar(`dkim=none; dmarc=none; spf=pass smtp.mailfrom="x smtp.mailfrom=victim.example.org y@evil.example.net"`) + "From: " + victim + "\n"), Unauthenticated, ""},
		{"DMARC none beside a forged pass", testAuth, msg(ar("dmarc=none header.from=example.org") + ar("dmarc=pass header.from=example.org") + "From: " + victim + "\n"), Unauthenticated, ""},
		{"no DKIM signature beside a forged DKIM pass", testAuth, msg(ar("dkim=none; dmarc=none header.from=example.org") + ar("dkim=pass header.d=example.org") + "From: " + victim + "\n"), Unauthenticated, ""},
		{"a local part outside ASCII", testAuth, msg(ar("dmarc=pass header.from=example.it") + "From: josé@example.it\n"), NoSender, ""},
		{"PEC from the provider's domain but not its envelope address", testAuth, arrived(bytes.ReplaceAll(pec("From: mario.rossi@pec.example.it\n"), []byte("<posta-certificata@pec.example.it>"), []byte("<someone@pec.example.it>"))), Unauthenticated, ""},
		{"results under no name", testAuth, msg("Authentication-Results: ; dmarc=pass header.from=example.org\nFrom: victim@example.org\n"), Unauthenticated, ""},
		{"DMARC temperror", testAuth, msg(ar("dmarc=temperror header.from=example.it; spf=pass smtp.mailfrom=example.it") + "From: mario@example.it\n"), Unauthenticated, ""},
		{"a quoted local part naming another address", testAuth, msg(ar("dmarc=pass header.from=example.it") + "From: \"victim@example.org\"@example.it\n"), NoSender, ""},
		{"a relay sign in the local part", testAuth, msg(ar("dmarc=pass header.from=example.it") + "From: victim%example.org@example.it\n"), NoSender, ""},
		{"two From fields", testAuth, msg(ar("dmarc=pass header.from=example.it") + "From: a@example.it\nFrom: victim@example.org\n"), NoSender, ""},
		{"two From addresses", testAuth, msg(ar("dmarc=pass header.from=example.it") + "From: a@example.it, victim@example.org\n"), NoSender, ""},
		{"an automatic message is discarded, not verified", testAuth, msg("From: a@example.it\nPrecedence: bulk\n"), BulkPrecedence, ""},

		{"From only: From is answered", fromOnly, msg("From: mario@example.it\n"), "", "mario@example.it"},
		{"From only: never Reply-To", fromOnly, msg("From: mario@example.it\nReply-To: anna@example.it\n"), "", "mario@example.it"},

		{"PEC from a trusted provider", testAuth, arrived(pec("From: mario.rossi@pec.example.it\n")), "", "mario.rossi@pec.example.it"},
		{"PEC from a trusted provider, From only", fromOnly, pec("From: mario.rossi@pec.example.it\n"), "", "mario.rossi@pec.example.it"},
		{"PEC whose provider fails authentication", testAuth, pec("From: mario.rossi@pec.example.it\n"), Unauthenticated, ""},
		{"PEC from a provider not trusted", testAuth, arrived(bytes.ReplaceAll(pec("From: mario.rossi@pec.example.it\n"), []byte("posta-certificata@pec.example.it"), []byte("posta-certificata@pec.evil.example.net"))), Unauthenticated, ""},
		{"PEC whose inside names someone the provider did not certify", testAuth, arrived(pec("From: victim@example.org\n")), Unauthenticated, ""},
		{"PEC whose inside has a Reply-To elsewhere", testAuth, arrived(pec("From: mario.rossi@pec.example.it\nReply-To: victim@example.org\n")), "", "mario.rossi@pec.example.it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := mailphoto.Read(bytes.NewReader(tc.msg))
			if err != nil {
				t.Fatal(err)
			}
			d := Decide(m, own, tc.auth)
			if d.Reason != tc.reason {
				t.Fatalf("reason %q, want %q", d.Reason, tc.reason)
			}
			switch {
			case tc.reason != "" && d.To != nil:
				t.Errorf("not answered, yet To is %v", d.To)
			case tc.reason == "" && (d.To == nil || d.To.Address != tc.to):
				t.Errorf("answer to %v, want %s", d.To, tc.to)
			}
		})
	}
}

func TestSenderAuthCheck(t *testing.T) {
	for _, tc := range []struct {
		auth SenderAuth
		ok   bool
	}{
		{SenderAuth{}, false},
		{SenderAuth{AuthServIDs: []string{mx}}, true},
		{SenderAuth{FromOnly: true}, true},
		{SenderAuth{AuthServIDs: []string{mx}, FromOnly: true}, false},
		{SenderAuth{FromOnly: true, PECDomains: []string{"pec.example.it"}}, true},
		{SenderAuth{FromOnly: true, PECDomains: []string{"posta-certificata@pec.example.it"}}, false},
		{SenderAuth{FromOnly: true, PECDomains: []string{"it"}}, false},
		{SenderAuth{FromOnly: true, PECDomains: []string{"gov.it"}}, false},
		{SenderAuth{AuthServIDs: []string{" "}}, false},
		{SenderAuth{AuthServIDs: []string{"spf=pass"}}, false},
	} {
		if err := tc.auth.Check(); (err == nil) != tc.ok {
			t.Errorf("%+v: %v, want ok %v", tc.auth, err, tc.ok)
		}
	}
}

// TestParseResults: fields as servers write them are read, quoted values
// and comments whole; a field that could smuggle a result of its own into
// the server's is not.
func TestParseResults(t *testing.T) {
	for _, tc := range []struct {
		name, field string
		ok          bool
		want        string // the results, as "method=value key=value;..."
	}{
		{"Gmail", "mx.google.com;\r\n       dkim=pass header.i=@example.it header.s=20230601 header.b=AbC;\r\n       spf=pass (google.com: domain of a@example.it designates 192.0.2.1 as permitted sender) smtp.mailfrom=a@example.it;\r\n       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.it",
			true, "dkim=pass header.b=AbC header.i=@example.it header.s=20230601;spf=pass smtp.mailfrom=a@example.it;dmarc=pass header.from=example.it"},
		{"rspamd, a quoted reason", `mx.example.it; dkim=pass header.d=example.it header.s=s1 header.b=x; spf=pass (mx.example.it: domain of a@example.it designates 192.0.2.1 as permitted sender) smtp.mailfrom=a@example.it; dmarc=none reason="No policy found"`,
			true, "dkim=pass header.b=x header.d=example.it header.s=s1;spf=pass smtp.mailfrom=a@example.it;dmarc=none reason=No policy found"},
		{"a version and a method's version", "mx 1; dkim/1=pass header.d=example.it", true, "dkim=pass header.d=example.it"},
		{"no result", "mx.example.it; none", true, ""},
		{"a quoted envelope address with spaces and a result in it", `mx; dkim=none; spf=pass smtp.mailfrom="x smtp.mailfrom=victim.it y@evil.example"`,
			true, "dkim=none;spf=pass smtp.mailfrom=x smtp.mailfrom=victim.it y@evil.example"},
		{"a semicolon in a quoted value", `mx; spf=fail smtp.mailfrom="x; dkim=pass header.d=victim.it x"@evil.example`, true, "spf=fail smtp.mailfrom=x; dkim=pass header.d=victim.it x@evil.example"},
		{"a result in a comment", "mx; dmarc=fail (header.from=victim.it; dmarc=pass) header.from=victim.it", true, "dmarc=fail header.from=victim.it"},
		{"a property given twice", "mx; dkim=pass header.d=evil.example header.d=victim.it", false, ""},
		{"a word that is no property", "mx; dkim=pass header.d=evil.example victim.it", false, ""},
		{"another version", "mx 2; dmarc=pass header.from=victim.it", false, ""},
		{"no authserv-id (Microsoft 365)", "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.it; dkim=pass (signature was verified) header.d=example.it;dmarc=pass action=none header.from=example.it;compauth=pass reason=100", false, ""},
		{"an unterminated quoted string", `mx; spf=pass smtp.mailfrom="a@example.it`, false, ""},
		{"an unterminated comment", "mx; spf=pass (a smtp.mailfrom=a@example.it", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, results, ok := parseResults(tc.field)
			if ok != tc.ok {
				t.Fatalf("ok %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			var got []string
			for _, r := range results {
				s := r.method + "=" + r.value
				keys := make([]string, 0, len(r.props))
				for k := range r.props {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				for _, k := range keys {
					s += " " + k + "=" + r.props[k]
				}
				got = append(got, s)
			}
			if g := strings.Join(got, ";"); g != tc.want {
				t.Errorf("results\n%s\nwant\n%s", g, tc.want)
			}
		})
	}
}

// FuzzParseResults: any field is read without a panic, and a field read
// has a method and a value in every result.
func FuzzParseResults(f *testing.F) {
	f.Add("mx.example.it; dkim=pass header.d=example.it; spf=pass (c) smtp.mailfrom=\"a b\"@example.it; dmarc=none")
	f.Add("spf=pass; (((\\\"")
	f.Fuzz(func(t *testing.T, field string) {
		_, results, ok := parseResults(field)
		for _, r := range results {
			if ok && (r.method == "" || r.value == "") {
				t.Fatalf("%q: a result without method or value: %+v", field, r)
			}
		}
	})
}
