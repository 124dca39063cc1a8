// Package inbox is the registry office's mailbox processor: it reads the
// office's mailbox over IMAP, checks every photo a citizen sends, answers
// by SMTP and files each message in a folder the clerks look at. State is
// kept in SQLite so that no message is lost and none is answered twice.
//
// This file decides, from a message's headers alone, whether it may be
// answered at all: automatic mail, lists, bounces, the mailbox's own mail
// and PEC receipts never are, so two responders cannot loop (RFC 3834).
package inbox

import (
	"strings"

	"github.com/emersion/go-message/mail"

	"github.com/tessera-cie/tessera/mailphoto"
)

// Reason says why a message is filed without an answer.
type Reason string

// The reasons a message is not answered. They are stored and logged, so
// their text does not change.
const (
	// AutoSubmitted: Auto-Submitted other than "no" (RFC 3834 section 2).
	AutoSubmitted Reason = "auto-submitted"
	// BulkPrecedence: Precedence bulk, list or junk (RFC 3834 section 2).
	BulkPrecedence Reason = "precedence"
	// MailingList: a List-Id field (RFC 2919).
	MailingList Reason = "mailing-list"
	// NullSender: an empty Return-Path, the mark of a bounce (RFC 5321
	// section 4.5.5).
	NullSender Reason = "null-sender"
	// Daemon: a sender that no person reads (MAILER-DAEMON, postmaster,
	// noreply and the like; RFC 3834 section 2).
	Daemon Reason = "daemon"
	// OwnAddress: the answer would go to the mailbox itself.
	OwnAddress Reason = "own-address"
	// Report: a delivery or read report (multipart/report, RFC 6522).
	Report Reason = "report"
	// NoSender: not one address in From to answer.
	NoSender Reason = "no-sender"
	// Unauthenticated: the office's mail server did not find the mail
	// authentic for its From's domain, or a PEC envelope came from a
	// provider not trusted: anyone may have written it in the name of
	// whoever it names. Filed for a clerk, never answered.
	Unauthenticated Reason = "unauthenticated"
	// PECReceipt: a PEC provider's receipt (X-Ricevuta): acceptance,
	// delivery, errors.
	PECReceipt Reason = "pec-receipt"
	// PECAnomaly: a PEC envelope the provider marked as an error, or one
	// without the citizen's message (postacert.eml) inside.
	PECAnomaly Reason = "pec-anomaly"
	// RateLimited: the sender had as many answers this hour as allowed.
	RateLimited Reason = "rate-limited"

	// The reasons found as the message is taken through its steps
	// (process.go); Unconfirmed is the store's (store.go).

	// Duplicate: the same message (by Message-ID) was answered already.
	Duplicate Reason = "duplicate"
	// Malformed: the message cannot be read as an email.
	Malformed Reason = "malformed"
	// Undeliverable: the SMTP server refused the answer for good (the
	// citizen's address does not exist, or the answer was rejected).
	Undeliverable Reason = "undeliverable"
	// NotSent: the SMTP server was away or said "try later" on every
	// attempt (maxSendAttempts).
	NotSent Reason = "not-sent"
	// DomainLimited: the sender's domain had Config.PerDomainHour
	// answers in the last hour.
	DomainLimited Reason = "domain-limited"
	// HourlyCap: the inbox sent Config.TotalHour answers in the last
	// hour.
	HourlyCap Reason = "hourly-cap"
)

// Decision is what the headers of a message say about answering it.
type Decision struct {
	// Reason is why the message is not answered; "" when it is.
	Reason Reason
	// Sender is the authenticated sender: the message's one From (for
	// PEC, that of the message inside the envelope). The limits on
	// answers count against it. Nil when there is none.
	Sender *mail.Address
	// To is who gets the answer: Sender, or its Reply-To when that names
	// the same mailbox (another display name or +tag). Nil when the
	// message is not answered.
	To *mail.Address
	// Header is the citizen's message header: the message itself, or for
	// PEC the postacert.eml inside the envelope. Its Message-ID and
	// References thread the answer.
	Header mail.Header
	// PEC is set when the message came as a PEC envelope.
	PEC bool
}

// pecEnvelope is the file name of the citizen's message in a PEC envelope
// (DPR 68/2005 and its technical rules, DM 2 November 2005).
const pecEnvelope = "postacert.eml"

// Decide reads the headers of m and says whether, and to whom, it may be
// answered. own holds the mailbox's own addresses (any case); auth says
// how senders are authenticated.
func Decide(m *mailphoto.Message, own []string, auth SenderAuth) Decision {
	outer := mail.Header{Header: m.Header}
	if outer.Get("X-Ricevuta") != "" {
		return Decision{Reason: PECReceipt, Header: outer}
	}
	d := Decision{Header: outer}
	switch t := strings.ToLower(strings.TrimSpace(outer.Get("X-Trasporto"))); {
	case t == "":
	case t == "posta-certificata":
		d.PEC = true
		inner, ok := attached(m, pecEnvelope)
		switch {
		case ok:
			d.Header = inner
		case m.HeaderOnly:
			// Too large to be read whole: the citizen is still told so,
			// from what the envelope says of the message inside.
			d.Header = pecInner(outer)
		default:
			return Decision{Reason: PECAnomaly, Header: outer, PEC: true}
		}
	default: // "errore": the provider could not certify the message
		return Decision{Reason: PECAnomaly, Header: outer, PEC: true}
	}
	// The envelope's Return-Path is the provider's; a bounce inside one
	// is told by the inner message's own fields below.
	if !d.PEC && nullSender(outer.Get("Return-Path")) {
		d.Reason = NullSender
		return d
	}
	if r := automatic(d.Header); r != "" {
		d.Reason = r
		return d
	}
	d.Sender = single(d.Header, "From")
	if d.Sender == nil {
		d.Reason = NoSender
		return d
	}
	if !authenticated(outer, d, auth) {
		d.Reason = Unauthenticated
		return d
	}
	// Only the sender was authenticated: a Reply-To elsewhere, even in
	// the same domain (gmail.com), could be anyone's.
	d.To = d.Sender
	if rt := single(d.Header, "Reply-To"); rt != nil && normalAddress(rt.Address) == normalAddress(d.Sender.Address) {
		d.To = rt
	}
	switch {
	case daemon(d.Sender.Address) || daemon(d.To.Address):
		d.Reason = Daemon
	case isOwn(d.Sender.Address, own) || isOwn(d.To.Address, own) || loopsBack(d.Header, own):
		d.Reason = OwnAddress
	}
	if d.Reason != "" {
		d.To = nil
		return d
	}
	d.To = asciiAddress(d.To)
	return d
}

// authenticated reports whether d's sender wrote the message whose header
// is outer. A PEC envelope must come from a trusted provider, and the
// sender inside must be the one the provider certified (pecCertified);
// other mail must pass the office's server's checks for the From's
// domain, unless auth takes From as it is.
func authenticated(outer mail.Header, d Decision, auth SenderAuth) bool {
	if d.PEC {
		certified := pecCertified(outer)
		return auth.pecProvider(outer) && certified != nil && normalAddress(certified.Address) == normalAddress(d.Sender.Address)
	}
	return auth.FromOnly || auth.authentic(outer, domainOf(d.Sender.Address))
}

// pecInner is what a PEC envelope's own header says of the message inside
// it, for when only that header was read: the provider names the
// citizen it certified in its From ("Per conto di: ..."
// <posta-certificata@...>, pecCertified), copies the citizen's
// Message-ID into X-Riferimento-Message-ID, and the Subject after "POSTA
// CERTIFICATA: " (the technical rules of PEC, DM 2 November 2005). The
// certified citizen stands for the From of the message inside; without
// one the message has no sender to answer.
func pecInner(outer mail.Header) mail.Header {
	h := mail.Header{Header: outer.Header.Copy()}
	h.Del("From")
	h.Del("Reply-To")
	if c := pecCertified(outer); c != nil {
		h.SetAddressList("From", []*mail.Address{c})
	}
	h.Del("Message-Id")
	if id := outer.Get("X-Riferimento-Message-ID"); id != "" {
		h.Set("Message-Id", id)
	}
	if s := outer.Get("Subject"); len(s) >= len(pecSubject) && strings.EqualFold(s[:len(pecSubject)], pecSubject) {
		h.Set("Subject", strings.TrimSpace(s[len(pecSubject):]))
	}
	return h
}

// pecSubject starts the Subject of a PEC envelope.
const pecSubject = "POSTA CERTIFICATA:"

// attached returns the header of the attached message named name.
func attached(m *mailphoto.Message, name string) (mail.Header, bool) {
	for _, a := range m.Attached {
		if strings.EqualFold(a.Name, name) {
			return mail.Header{Header: a.Header}, true
		}
	}
	return mail.Header{}, false
}

// automatic returns why h marks its message as sent by a program, or "".
func automatic(h mail.Header) Reason {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" {
		// The keyword may carry parameters: "auto-replied; owner-email=...".
		if kw, _, _ := strings.Cut(v, ";"); strings.TrimSpace(kw) != "no" {
			return AutoSubmitted
		}
	}
	// Older marks of automatic answers, still sent by some programs.
	if h.Has("X-Autoreply") || h.Has("X-Autorespond") {
		return AutoSubmitted
	}
	// Microsoft's request that no automatic answer be sent to a message.
	for _, v := range strings.Split(h.Get("X-Auto-Response-Suppress"), ",") {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "all", "autoreply", "oof":
			return AutoSubmitted
		}
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "list", "junk", "auto_reply":
		return BulkPrecedence
	}
	if h.Has("List-Id") {
		return MailingList
	}
	// Delivery and read reports (RFC 6522): a bounce or a receipt.
	if mt, _, _ := h.ContentType(); strings.EqualFold(mt, "multipart/report") {
		return Report
	}
	return ""
}

// nullSender reports whether a Return-Path field is the null path "<>".
func nullSender(rp string) bool {
	rp = strings.TrimSpace(rp)
	return rp != "" && strings.Trim(rp, "<> \t") == ""
}

// daemonLocal are local parts (before the @) of senders no person reads.
var daemonLocal = map[string]bool{
	"mailer-daemon": true, "postmaster": true, "noreply": true, "no-reply": true,
	"donotreply": true, "do-not-reply": true, "bounce": true, "bounces": true,
}

// daemon reports whether addr is a program's: the names of daemonLocal,
// and list owners and request addresses (owner-x, x-request, x-bounces:
// RFC 3834 section 2).
func daemon(addr string) bool {
	local, _, _ := strings.Cut(strings.ToLower(addr), "@")
	return daemonLocal[local] || strings.HasPrefix(local, "owner-") ||
		strings.HasSuffix(local, "-request") || strings.HasSuffix(local, "-bounces")
}

// loopsBack reports whether an X-Loop field of h names one of own: the
// message has been through this mailbox before.
func loopsBack(h mail.Header, own []string) bool {
	for _, v := range h.Values("X-Loop") {
		for _, o := range own {
			if o = strings.TrimSpace(o); o != "" && strings.Contains(strings.ToLower(v), strings.ToLower(o)) {
				return true
			}
		}
	}
	return false
}

// isOwn reports whether addr is one of own.
func isOwn(addr string, own []string) bool {
	for _, o := range own {
		if strings.EqualFold(strings.TrimSpace(o), addr) {
			return true
		}
	}
	return false
}
