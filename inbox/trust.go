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
	"unicode"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-msgauth/authres"
	"golang.org/x/net/idna"
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
	for _, id := range a.AuthServIDs {
		if id = strings.TrimSpace(id); id == "" || strings.ContainsAny(id, "; \t") {
			return fmt.Errorf("inbox: authserv-id %q: want a name such as mx.comune.example.it", id)
		}
	}
	for _, d := range a.PECDomains {
		d = normalDomain(d)
		if suffix, _ := publicsuffix.PublicSuffix(d); d == "" || strings.ContainsAny(d, "@ /") || suffix == d {
			return fmt.Errorf("inbox: PEC provider domain %q: want a provider's own domain, such as pec.aruba.it", d)
		}
	}
	return nil
}

// authentic reports whether the office's mail server found h's mail from
// domain authentic: DMARC passed for it; or, where the server recorded no
// DMARC verdict for it (none: the domain publishes no policy), SPF or
// DKIM passed for a domain aligned with it (the same organisational
// domain, DMARC's relaxed alignment, RFC 7489 section 3.1).
//
// Only the server's own fields are read: those under one of
// AuthServIDs, and of those only the group at the top of the header,
// down to the Received field below them. The server adds its fields above
// everything the message arrived with (RFC 8601 section 5), so a field a
// sender wrote under the server's name sits lower and is not read. Two
// of the server's results that disagree authenticate nothing, nor does a
// field under its name that cannot be read.
func (a SenderAuth) authentic(h mail.Header, domain string) bool {
	var dmarc, spf, dkim verdict
	ours := false
	fields := h.Header.Fields()
scan:
	for fields.Next() {
		switch strings.ToLower(fields.Key()) {
		case "received":
			if ours {
				break scan
			}
		case "authentication-results":
			id, results, ok := parseResults(fields.Value())
			if !slices.ContainsFunc(a.AuthServIDs, func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), id) }) {
				continue
			}
			ours = true
			if !ok {
				return false
			}
			for _, r := range results {
				switch r := r.(type) {
				case *authres.DMARCResult:
					if !strings.EqualFold(string(r.Value), string(authres.ResultNone)) && normalDomain(unquote(r.From)) == domain {
						dmarc.add(r.Value)
					}
				case *authres.SPFResult:
					if aligned(domainOf(unquote(r.From)), domain) {
						spf.add(r.Value)
					}
				case *authres.DKIMResult:
					d := unquote(r.Domain)
					if d == "" { // only the signer's identity (header.i=@domain)
						d = unquote(r.Identifier)
					}
					if aligned(domainOf(d), domain) {
						dkim.add(r.Value)
					}
				}
			}
		}
	}
	if dmarc.seen() {
		return dmarc.agreed()
	}
	// A message may carry several DKIM signatures, one broken on the way
	// (a footer added): one that passes is enough (RFC 7489 section 4.2).
	// SPF is evaluated once per message: its results must agree.
	return spf.agreed() || dkim.pass
}

// parseResults reads an Authentication-Results field: the name of the
// server that wrote it, and its results; ok is false when the field
// cannot be read as one (RFC 8601 section 2.2), or holds a quoted string
// with a semicolon, which authres.Parse would split.
func parseResults(v string) (id string, results []authres.Result, ok bool) {
	v = uncomment(v)
	head, _, _ := strings.Cut(v, ";")
	if f := strings.Fields(head); len(f) > 0 {
		id = f[0]
	}
	quoted := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == ';' && quoted:
			return id, nil, false
		}
	}
	_, results, err := authres.Parse(v)
	return id, results, err == nil && !quoted
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
// configured providers (its domain or a subdomain of it), authenticated
// as such.
func (a SenderAuth) pecProvider(h mail.Header) bool {
	from := single(h, "From")
	if from == nil {
		return false
	}
	d := domainOf(from.Address)
	ok := slices.ContainsFunc(a.PECDomains, func(p string) bool {
		p = normalDomain(p)
		return d == p || strings.HasSuffix(d, "."+p)
	})
	return ok && (a.FromOnly || a.authentic(h, d))
}

// pecCertified is the sender a PEC envelope's provider certified: the
// address its From names as "Per conto di: ADDRESS" (the technical rules
// of PEC, DM 2 November 2005: the provider writes it; the envelope's
// Reply-To may be the sender's own choice). Nil when it names none.
func pecCertified(outer mail.Header) *mail.Address {
	from := single(outer, "From")
	if from == nil {
		return nil
	}
	name := strings.TrimSpace(from.Name)
	if len(name) < len(pecOnBehalf) || !strings.EqualFold(name[:len(pecOnBehalf)], pecOnBehalf) {
		return nil
	}
	addr, err := mail.ParseAddress(strings.TrimSpace(name[len(pecOnBehalf):]))
	if err != nil || !plainAddress(addr.Address) {
		return nil
	}
	return addr
}

// pecOnBehalf starts the display name of a PEC envelope's From.
const pecOnBehalf = "Per conto di:"

// single is the one address of the one field key of h; nil when there is
// no such field or more than one, when it holds more than one address
// (RFC 5322 allows several From mailboxes, which DMARC cannot
// authenticate), or an address plainAddress refuses.
func single(h mail.Header, key string) *mail.Address {
	if len(h.Values(key)) != 1 {
		return nil
	}
	l, err := h.AddressList(key)
	if err != nil || len(l) != 1 || !plainAddress(l[0].Address) {
		return nil
	}
	return l[0]
}

// plainAddress reports whether addr is local@domain with a local part of
// letters, digits, dots and the signs of RFC 5322's dot-atom, and a
// domain of at least two labels. A quoted local part ("x@y"@example.it)
// and the old relay signs % and ! are refused: a mail server could read
// them as someone else's address.
func plainAddress(addr string) bool {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || strings.Contains(domain, "@") || !strings.Contains(domain, ".") ||
		strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	for _, r := range local {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(".#$&'*+-/=?^_`{|}~", r)) {
			return false
		}
	}
	for _, label := range strings.Split(strings.TrimSuffix(domain, "."), ".") {
		if label == "" || strings.IndexFunc(label, func(r rune) bool { return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-') }) >= 0 {
			return false
		}
	}
	return true
}

// domainOf is the normalised domain of addr (after its last @), or of
// addr itself when it has none (SPF's smtp.mailfrom may be a bare
// domain).
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		addr = addr[i+1:]
	}
	return normalDomain(addr)
}

// normalDomain is domain as one name, however written: in lower case,
// without a final dot, and in its ASCII form (IDNA: città.it and
// xn--citt-3na.it, full-width letters too, are one domain).
func normalDomain(domain string) string {
	domain = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(domain), "."))
	if a, err := idna.Lookup.ToASCII(domain); err == nil {
		return a
	}
	return domain
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
