package inbox

// This file tells a sender's own mail from mail written in their name.
// Anyone can put any address in From, Reply-To or a forged PEC envelope;
// answering them unchecked would let a stranger make the office write to
// whomever they like. The office's own mail server checks SPF, DKIM and
// DMARC on arrival and records the results in Authentication-Results
// (RFC 8601); the inbox reads those, under the server's own name only.

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-msgauth/authres"
	"golang.org/x/net/publicsuffix"
)

// SenderAuth is how the inbox knows that a message comes from the address
// in its From.
type SenderAuth struct {
	// AuthServIDs are the names under which the office's mail server
	// records its results (the authserv-id of RFC 8601, often its host
	// name, such as mx.comune.example.it). Results under any other name
	// were written by someone else and are not read. The server must
	// remove fields claiming its name from arriving mail (RFC 8601
	// section 5), as rspamd, OpenDMARC and the large providers do.
	AuthServIDs []string
	// FromOnly is for a mail server that records no results: every From
	// is taken at its word and answered, but Reply-To never is, so a
	// stranger can at most make the office answer an address they typed
	// in From, with tessera's own text only.
	FromOnly bool
	// PECDomains are the domains of the PEC providers whose envelopes
	// are trusted (a PEC envelope's From is its provider's,
	// posta-certificata@pec.provider.it; subdomains count). A PEC
	// envelope from anywhere else, or one whose domain fails
	// authentication, is filed for a clerk unanswered.
	PECDomains []string
}

// ErrSenderAuth is returned by Config.Check when the inbox has not been
// told how to authenticate senders.
var ErrSenderAuth = errors.New("inbox: say whose Authentication-Results to trust (the office's mail server's authserv-id), or that the server records none (From only)")

// Check reports a SenderAuth the inbox cannot work with.
func (a SenderAuth) Check() error {
	switch {
	case len(a.AuthServIDs) == 0 && !a.FromOnly:
		return ErrSenderAuth
	case len(a.AuthServIDs) > 0 && a.FromOnly:
		return fmt.Errorf("inbox: the authserv-ids %q and From only both given: choose one", a.AuthServIDs)
	}
	for _, d := range a.PECDomains {
		if d = strings.TrimSpace(d); d == "" || strings.ContainsAny(d, "@ /") {
			return fmt.Errorf("inbox: PEC provider domain %q: want a domain such as pec.aruba.it", d)
		}
	}
	return nil
}

// authentic reports whether the office's mail server found h's mail from
// domain authentic: DMARC passed for it; or, where no DMARC result was
// recorded for it, SPF or DKIM passed for a domain aligned with it
// (the same organisational domain, DMARC's relaxed alignment, RFC 7489
// section 3.1). Two of the server's results that disagree (a forged field
// beside the real one) authenticate nothing, nor does a field under the
// server's name that cannot be read.
func (a SenderAuth) authentic(h mail.Header, domain string) bool {
	var dmarc, spf, dkim verdict
	for _, v := range h.Values("Authentication-Results") {
		id, results, err := authres.Parse(uncomment(v))
		if !slices.ContainsFunc(a.AuthServIDs, func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), id) }) {
			continue
		}
		if err != nil {
			return false
		}
		for _, r := range results {
			switch r := r.(type) {
			case *authres.DMARCResult:
				if strings.EqualFold(unquote(r.From), domain) {
					dmarc.add(r.Value)
				}
			case *authres.SPFResult:
				if aligned(domainOf(unquote(r.From)), domain) {
					spf.add(r.Value)
				}
			case *authres.DKIMResult:
				if aligned(unquote(r.Domain), domain) {
					dkim.add(r.Value)
				}
			}
		}
	}
	if dmarc.seen() {
		return dmarc.agreed()
	}
	// A message may carry several DKIM signatures, one broken on the way
	// (a footer added): one that passes is enough (RFC 7489 section 4.2).
	// SPF is evaluated once per message: results must agree.
	return spf.agreed() || dkim.pass
}

// verdict gathers the results of one method for one domain.
type verdict struct{ pass, other bool }

func (v *verdict) add(r authres.ResultValue) {
	if strings.EqualFold(string(r), authres.ResultPass) {
		v.pass = true
	} else {
		v.other = true
	}
}

func (v verdict) seen() bool   { return v.pass || v.other }
func (v verdict) agreed() bool { return v.pass && !v.other }

// pecProvider reports whether the PEC envelope h comes from one of the
// configured providers, authenticated as such.
func (a SenderAuth) pecProvider(h mail.Header) bool {
	from := single(h, "From")
	if from == nil {
		return false
	}
	d := domainOf(from.Address)
	ok := slices.ContainsFunc(a.PECDomains, func(p string) bool {
		p = strings.ToLower(strings.Trim(strings.TrimSpace(p), "."))
		return d == p || strings.HasSuffix(d, "."+p)
	})
	return ok && (a.FromOnly || a.authentic(h, d))
}

// single is the one address of field key of h; nil when there is none,
// more than one (RFC 5322 allows several From mailboxes, which DMARC
// cannot authenticate), or one that is not an email address.
func single(h mail.Header, key string) *mail.Address {
	l, err := h.AddressList(key)
	if err != nil || len(l) != 1 || !strings.Contains(l[0].Address, "@") {
		return nil
	}
	return l[0]
}

// domainOf is the lower-case domain of addr (after its last @), or addr
// itself when it has none (SPF's smtp.mailfrom may be a bare domain).
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		addr = addr[i+1:]
	}
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(addr), "."))
}

// aligned reports whether domains a and b are the same, or share their
// organisational domain (the one registered under a public suffix).
func aligned(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	oa, err := publicsuffix.EffectiveTLDPlusOne(a)
	if err != nil {
		return false
	}
	ob, err := publicsuffix.EffectiveTLDPlusOne(b)
	return err == nil && oa == ob
}

// unquote removes the double quotes around a value.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// uncomment removes the comments, in parentheses and possibly nested,
// from an Authentication-Results field (RFC 5322 section 3.2.2: a
// comment may hold any text, a semicolon or "header.from=x" too), keeping
// quoted strings whole; authres.Parse does not skip them.
func uncomment(v string) string {
	var b strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && (depth > 0 || quoted):
			if depth == 0 && i+1 < len(v) {
				b.WriteByte(c)
				b.WriteByte(v[i+1])
			}
			i++
			continue
		case quoted:
			quoted = c != '"'
		case c == '(':
			depth++
			continue
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
			continue
		case depth > 0:
			continue
		case c == '"':
			quoted = true
		}
		b.WriteByte(c)
	}
	return b.String()
}
