// Package mailreply writes tessera's answer to a citizen who sent photos
// by email: the text (per photo the verdict and each fix), and for the
// registry office's inbox the whole message, marked as an automatic reply
// (RFC 3834) and threaded under the citizen's (RFC 5322 section 3.6.4),
// with the corrected photos attached.
package mailreply

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/emersion/go-message/mail"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/mailphoto"
	"github.com/tessera-cie/tessera/office"
	"github.com/tessera-cie/tessera/validate"
)

// Text is the answer's text in lang (one of catalog.Languages) for the reports
// of the photos checked; skipped counts the images found but not checked
// (over mailphoto.MaxImages).
func Text(lang string, reports []*validate.Report, skipped int) string {
	say := catalog.For(lang).Say
	pass := true
	var b strings.Builder
	b.WriteString(say("mail.text.hello_we_have_checked"))
	for _, r := range reports {
		pass = pass && r.Pass
		b.WriteString("\n")
		switch {
		case r.Error != "":
			b.WriteString(say("mail.text.not_readable_photo", r.File, r.Error))
			if c, ok := r.Find(validate.Format); ok && c.Fix != "" {
				b.WriteString("  -> " + c.Fix + "\n")
			}
		case r.Pass:
			b.WriteString(say("mail.text.fine", r.File))
		default:
			b.WriteString(say("mail.text.fix", r.File))
			for _, c := range r.Failed() {
				b.WriteString("  * " + c.Message + "\n")
				if c.Fix != "" {
					b.WriteString("    -> " + c.Fix + "\n")
				}
			}
		}
	}
	if skipped > 0 {
		b.WriteString(say("mail.text.more_images_were_not", skipped))
	}
	if pass && len(reports) > 0 {
		b.WriteString(say("mail.text.photos_meet_rules_for"))
	} else {
		b.WriteString(say("mail.text.please_send_corrected_photo"))
	}
	return b.String()
}

// Attachment is a file attached to an answer: a corrected photo.
type Attachment struct {
	Name string // file name, without a directory
	Type string // media type, e.g. image/jpeg
	Data []byte
}

// Reply is an answer to a citizen's message.
type Reply struct {
	// From is the office's address; To the citizen's.
	From, To *mail.Address
	// Original is the header of the citizen's message (the one inside the
	// envelope, for PEC): the answer is threaded under it. Nothing else
	// of it, its subject included, is repeated (see Write).
	Original mail.Header
	// Lang is the answer's language (one of catalog.Languages), for
	// Content-Language and the subject.
	Lang string
	// Text is the body (Text's result, or another).
	Text string
	// Attachments are sent after the text.
	Attachments []Attachment
	// Date is the answer's date; MessageID its Message-ID without angle
	// brackets, generated from From's domain when empty.
	Date      time.Time
	MessageID string
}

// ErrAddress is returned for a reply without a From or To address.
var ErrAddress = errors.New("mailreply: an answer needs a From and a To address")

// Write writes the answer as an RFC 5322 message to w.
//
// The answer goes out in the office's name, so it says nothing a
// stranger wrote: its subject is tessera's own in the answer's language
// (the thread is kept by In-Reply-To and References, not by "Re: " and
// the citizen's subject), and its text is the caller's (see SafeName for
// the file names in it).
func (r *Reply) Write(w io.Writer) error {
	if r.From == nil || r.To == nil || r.From.Address == "" || r.To.Address == "" {
		return ErrAddress
	}
	var h mail.Header
	h.SetDate(r.Date)
	h.SetAddressList("From", []*mail.Address{r.From})
	h.SetAddressList("To", []*mail.Address{r.To})
	h.SetSubject(r.subject())
	if r.MessageID != "" {
		h.SetMessageID(r.MessageID)
	} else if err := h.GenerateMessageIDWithHostname(domain(r.From.Address)); err != nil {
		return fmt.Errorf("mailreply: message id: %w", err)
	}
	if id, err := r.Original.MessageID(); err == nil && plainID(id) {
		refs, _ := r.Original.MsgIDList("References")
		if len(refs) == 0 {
			refs, _ = r.Original.MsgIDList("In-Reply-To")
		}
		refs = slices.DeleteFunc(refs, func(id string) bool { return !plainID(id) })
		// The first and the latest messages of a thread are enough to
		// place the answer in it (RFC 5322 section 3.6.4); a sender's
		// list of thousands is not carried along.
		if len(refs) > maxReferences {
			refs = append(refs[:1:1], refs[len(refs)-maxReferences+1:]...)
		}
		h.SetMsgIDList("In-Reply-To", []string{id})
		h.SetMsgIDList("References", append(refs, id))
	}
	// RFC 3834 section 5: an automatic answer says so, so that the
	// citizen's own auto-responder does not answer it back; the second
	// field asks the same of Microsoft Exchange and Outlook.
	h.Set("Auto-Submitted", "auto-replied")
	h.Set("X-Auto-Response-Suppress", "All")
	if r.Lang != "" {
		h.Set("Content-Language", r.Lang)
	}

	var text mail.InlineHeader
	text.Set("Content-Type", "text/plain; charset=utf-8")
	if len(r.Attachments) == 0 {
		// Declared, or "è" arrives as two other letters.
		h.Set("Content-Type", "text/plain; charset=utf-8")
		mw, err := mail.CreateSingleInlineWriter(w, h)
		if err != nil {
			return fmt.Errorf("mailreply: %w", err)
		}
		if _, err := io.WriteString(mw, r.Text); err != nil {
			return fmt.Errorf("mailreply: %w", err)
		}
		return mw.Close()
	}
	mw, err := mail.CreateWriter(w, h)
	if err != nil {
		return fmt.Errorf("mailreply: %w", err)
	}
	tw, err := mw.CreateSingleInline(text)
	if err != nil {
		return fmt.Errorf("mailreply: %w", err)
	}
	if _, err := io.WriteString(tw, r.Text); err != nil {
		return fmt.Errorf("mailreply: %w", err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("mailreply: %w", err)
	}
	for _, a := range r.Attachments {
		var ah mail.AttachmentHeader
		ah.Set("Content-Type", mime.FormatMediaType(a.Type, map[string]string{"name": a.Name}))
		ah.SetFilename(a.Name)
		aw, err := mw.CreateAttachment(ah)
		if err != nil {
			return fmt.Errorf("mailreply: attach %s: %w", a.Name, err)
		}
		if _, err := aw.Write(a.Data); err != nil {
			return fmt.Errorf("mailreply: attach %s: %w", a.Name, err)
		}
		if err := aw.Close(); err != nil {
			return fmt.Errorf("mailreply: attach %s: %w", a.Name, err)
		}
	}
	return mw.Close()
}

// Bytes is the answer as written by Write.
func (r *Reply) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// maxReferences is how many Message-IDs of the citizen's thread an
// answer's References carry, besides the citizen's own.
const maxReferences = 10

// maxIDBytes is the longest Message-ID an answer repeats: real ones are
// under 100 bytes; a longer one would be folded in the middle (lines end
// at 998, RFC 5322 section 2.1.1) or carry text.
const maxIDBytes = 250

// plainID reports whether a Message-ID (without its angle brackets) may
// be repeated in an answer's header: short, and of printable ASCII
// without spaces (RFC 5322's msg-id).
func plainID(id string) bool {
	if id == "" || len(id) > maxIDBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

// subject is the answer's subject: tessera's own, in the answer's
// language.
func (r *Reply) subject() string {
	return catalog.Say(r.Lang, "mail.subject")
}

// maxNameRunes is how much of a file's name an answer repeats: enough for
// the names phones give (IMG_20261125_101112 and PXL_20261125_101112345
// are 19 and 22), little for a message.
const maxNameRunes = 24

// SafeName is how an answer names the nth photo of a message, sent as
// name: its ASCII letters and digits (in compatibility decomposition,
// accents dropped: "città" is "citta", full-width "ｆｏｔｏ" is "foto"),
// '-' and '_', anything else becoming one '_', at most
// maxNameRunes of them, and its extension when that is an image's
// (mailphoto.ImageExt). A
// stranger can put any text in a file name ("Your card is suspended, pay
// at www.example.com"): what is left holds no space, dot, slash or colon,
// nor a letter of another script that looks like one, so no domain or
// link, and at most a few words run together. A name left empty is
// "image-n".
func SafeName(name string, n int) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	ext := strings.ToLower(path.Ext(name))
	if !mailphoto.ImageExt(ext) {
		ext = ""
	}
	stem := strings.TrimSuffix(name, path.Ext(name))
	if ext == "" {
		stem = name
	}
	var b strings.Builder
	runes, under := 0, false
	for _, r := range norm.NFKD.String(stem) {
		if runes == maxNameRunes {
			break
		}
		if unicode.Is(unicode.Mn, r) { // an accent, apart from its letter
			continue
		}
		safe := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-'
		if !safe {
			// '_' and what it stands for: one, however many in a row.
			if under || runes == 0 {
				continue
			}
			r, under = '_', true
		} else {
			under = false
		}
		b.WriteRune(r)
		runes++
	}
	s := strings.TrimRight(b.String(), "_")
	if s == "" {
		s = fmt.Sprintf("image-%d", n)
	}
	return s + ext
}

// domain is the part of addr after the @.
func domain(addr string) string {
	if _, d, ok := strings.Cut(addr, "@"); ok && d != "" {
		return d
	}
	return "localhost"
}

// NoPhotoText is the answer to a message in which no image was found.
func NoPhotoText(lang string) string {
	say := catalog.For(lang).Say
	return say("mail.noPhotoText.hello_we_found_no")
}

// TooLargeText is the answer to a message of size bytes, over the limit
// of max bytes: it was not checked.
func TooLargeText(lang string, size, max int64) string {
	say := catalog.For(lang).Say
	mb := func(n int64) float64 { return float64(n) / (1 << 20) }
	return say("mail.tooLargeText.hello_your_message_over", mb(size), mb(max))
}

// FixedText tells the citizen that the corrected copies of their photos,
// named names, are attached to the answer, made to the rules of p (its
// size and resolution), and what to do with them.
func FixedText(lang string, names []string, p validate.Profile) string {
	say := catalog.For(lang).Say
	list := strings.Join(names, ", ")
	return say("mail.fixedText.attached_corrected_photo_cropped",
		list, p.Size(), math.Ceil(p.MinDPI))
}

// Signature closes an answer in lang with the office's name, its contacts
// and its privacy notice (GDPR art. 13: the citizen sent a photo of a
// face, which is personal data); "" when the office said none of them.
func Signature(lang string, o office.Office) string {
	if o.Name == "" && o.ContactURL == "" && o.PrivacyURL == "" {
		return ""
	}
	say := catalog.For(lang).Say
	// "-- " on a line of its own marks a signature (RFC 3676 section 4.3):
	// mail programs show it apart and leave it out of a quoted reply.
	b := strings.Builder{}
	b.WriteString("\n-- \n")
	if o.Name != "" {
		b.WriteString(o.Name + "\n")
	}
	if o.ContactURL != "" {
		b.WriteString(say("mail.signature.contact", o.ContactURL))
	}
	if o.PrivacyURL != "" {
		b.WriteString(say("mail.signature.privacy", o.PrivacyURL))
	}
	return b.String()
}
