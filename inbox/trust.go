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
		if id = strings.TrimSpace(id); id == "" || strings.ContainsAny(id, "=;\"() \t") {
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
			if id == "" || !slices.ContainsFunc(a.AuthServIDs, func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), id) }) {
				continue
			}
			ours = true
			if !ok {
				return false
			}
			for _, r := range results {
				switch r.method {
				case "dmarc":
					dmarc.add(r.value, normalDomain(r.props["header.from"]) == domain, true)
				case "spf":
					from := r.props["smtp.mailfrom"]
					spf.add(r.value, aligned(domainOf(from), domain), from != "")
				case "dkim":
					d := r.props["header.d"]
					if d == "" { // only the signer's identity (header.i=@domain)
						d = r.props["header.i"]
					}
					dkim.add(r.value, aligned(domainOf(d), domain), d != "")
				}
			}
		}
	}
	if dmarc.seen() {
		return dmarc.agreed()
	}
	// A message may carry several DKIM signatures, one broken on the way
	// (a footer added): one that passes is enough (RFC 7489 section 4.2),
	// unless the server also said it found none it could tie to a domain.
	// SPF is evaluated once per message: its results must agree.
	return spf.agreed() || dkim.pass && !dkim.unknown
}

// verdict gathers the results of one method for one domain.
type verdict struct {
	pass, other bool
	// none: "none" for the domain (DMARC: it publishes no policy),
	// which alone is no verdict, but beside a pass is a disagreement.
	none bool
	// unknown: a result that names no domain ("dkim=none": no
	// signature), which no pass for the domain can stand beside.
	unknown bool
}

// add counts a result of value: for the domain when forDomain, for no
// domain at all when !named.
func (v *verdict) add(value string, forDomain, named bool) {
	switch {
	case !named:
		v.unknown = true
	case !forDomain:
	case value == "pass":
		v.pass = true
	case value == "none":
		v.none = true
	default:
		v.other = true
	}
}

// seen reports whether a verdict for the domain was given.
func (v verdict) seen() bool { return v.pass || v.other }

// agreed reports whether the results passed the domain, none saying
// otherwise.
func (v verdict) agreed() bool { return v.pass && !v.other && !v.none && !v.unknown }

// pecProvider reports whether the PEC envelope h comes from one of the
// configured providers (its domain or a subdomain of it), authenticated
// as such.
func (a SenderAuth) pecProvider(h mail.Header) bool {
	from := single(h, "From")
	if from == nil {
		return false
	}
	local, _, _ := strings.Cut(from.Address, "@")
	if !strings.EqualFold(local, pecProviderLocal) {
		return false
	}
	d := domainOf(from.Address)
	ok := slices.ContainsFunc(a.PECDomains, func(p string) bool {
		p = normalDomain(p)
		return d == p || strings.HasSuffix(d, "."+p)
	})
	return ok && (a.FromOnly || a.authentic(h, d))
}

// pecProviderLocal is the local part of the address a PEC provider
// sends its envelopes from (the technical rules of PEC, DM 2 November
// 2005: posta-certificata@ the provider's domain).
const pecProviderLocal = "posta-certificata"

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

// plainAddress reports whether addr is local@domain with an ASCII local
// part of letters, digits, dots and the signs of RFC 5322's dot-atom, and
// a domain of at least two labels (an internationalised one is sent in
// its ASCII form, asciiAddress). A quoted local part ("x@y"@example.it)
// and the old relay signs % and ! are refused: a mail server could read
// them as someone else's address. A local part in other scripts would
// need SMTPUTF8, which the office's server may not offer.
func plainAddress(addr string) bool {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || strings.Contains(domain, "@") || !strings.Contains(domain, ".") ||
		strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	for _, r := range local {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".#$&'*+-/=?^_`{|}~", r)) {
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

// asciiAddress is addr with its domain in ASCII (normalDomain), as an
// SMTP server without SMTPUTF8 takes it, and without its display name:
// the name is the sender's own text ("URGENTE: paga la multa su ..."),
// which a reply from the office's address must not carry.
func asciiAddress(addr *mail.Address) *mail.Address {
	local, domain, _ := strings.Cut(addr.Address, "@")
	return &mail.Address{Address: local + "@" + normalDomain(domain)}
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
