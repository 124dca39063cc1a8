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
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/tessera-cie/tessera/validate"
)

// Text is the answer's text in lang ("en", else Italian) for the reports
// of the photos checked; skipped counts the images found but not checked
// (over mailphoto.MaxImages).
func Text(lang string, reports []*validate.Report, skipped int) string {
	say := sayer(lang)
	pass := true
	var b strings.Builder
	b.WriteString(say("Buongiorno,\n\nabbiamo controllato le foto ricevute.\n", "Hello,\n\nwe have checked the photos we received.\n"))
	for _, r := range reports {
		pass = pass && r.Pass
		b.WriteString("\n")
		switch {
		case r.Error != "":
			b.WriteString(say("- %s: non è una foto leggibile (%s).\n", "- %s: not a readable photo (%s).\n", r.File, r.Error))
			if c, ok := r.Find("format"); ok && c.Fix != "" {
				b.WriteString("  -> " + c.Fix + "\n")
			}
		case r.Pass:
			b.WriteString(say("- %s: va bene.\n", "- %s: fine.\n", r.File))
		default:
			b.WriteString(say("- %s: da correggere:\n", "- %s: to fix:\n", r.File))
			for _, c := range r.Failed() {
				b.WriteString("  * " + c.Message + "\n")
				if c.Fix != "" {
					b.WriteString("    -> " + c.Fix + "\n")
				}
			}
		}
	}
	if skipped > 0 {
		b.WriteString(say("\nAltre %d immagini non sono state controllate: inviate una foto per messaggio.\n",
			"\n%d more images were not checked: send one photo per message.\n", skipped))
	}
	if pass && len(reports) > 0 {
		b.WriteString(say("\nLe foto rispettano le regole per la carta d'identità elettronica.\n", "\nThe photos meet the rules for the electronic identity card.\n"))
	} else {
		b.WriteString(say("\nVi preghiamo di inviare una nuova foto corretta rispondendo a questo messaggio.\n", "\nPlease send a corrected photo in reply to this message.\n"))
	}
	return b.String()
}

// sayer returns a printf that picks the Italian or English text for lang.
func sayer(lang string) func(it, en string, a ...any) string {
	return func(it, en string, a ...any) string {
		if lang == "en" {
			return fmt.Sprintf(en, a...)
		}
		return fmt.Sprintf(it, a...)
	}
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
	// envelope, for PEC): the answer's subject and threading come from it.
	Original mail.Header
	// Lang is the answer's language ("it" or "en"), for Content-Language
	// and the subject when the citizen's has none.
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
	if id, err := r.Original.MessageID(); err == nil && id != "" {
		refs, _ := r.Original.MsgIDList("References")
		if len(refs) == 0 {
			refs, _ = r.Original.MsgIDList("In-Reply-To")
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

// subject is "Re: " and the citizen's subject, once.
func (r *Reply) subject() string {
	s, err := r.Original.Subject()
	if err != nil || strings.TrimSpace(s) == "" {
		return sayer(r.Lang)("Re: foto per la carta d'identità", "Re: photo for the identity card")
	}
	s = strings.TrimSpace(s)
	if len(s) >= 3 && strings.EqualFold(s[:3], "re:") {
		return s
	}
	return "Re: " + s
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
	say := sayer(lang)
	return say("Buongiorno,\n\nnel messaggio non abbiamo trovato nessuna foto.\n\nAllegate la foto al messaggio come file JPG o PNG (non incollata nel testo, non dentro un PDF o un documento) e rispondete a questo messaggio.\n",
		"Hello,\n\nwe found no photo in your message.\n\nPlease attach the photo as a JPG or PNG file (not pasted into the text, not inside a PDF or a document) and reply to this message.\n")
}

// TooLargeText is the answer to a message of size bytes, over the limit
// of max bytes: it was not checked.
func TooLargeText(lang string, size, max int64) string {
	say := sayer(lang)
	mb := func(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }
	return say("Buongiorno,\n\nil messaggio è di %s, oltre il limite di %s, e non è stato controllato.\n\nInviate una sola foto per messaggio, come file JPG, rispondendo a questo messaggio.\n",
		"Hello,\n\nyour message is %s, over the limit of %s, and was not checked.\n\nPlease send one photo per message, as a JPG file, in reply to this message.\n",
		mb(size), mb(max))
}

// FixedText tells the citizen that the corrected copies of their photos,
// named names, are attached to the answer, made to the rules of p (its
// size and resolution), and what to do with them.
func FixedText(lang string, names []string, p validate.Profile) string {
	say := sayer(lang)
	list := strings.Join(names, ", ")
	return say("\nIn allegato trovate la foto corretta (%s): ritagliata in formato %s con il viso nella posizione richiesta e salvata a %.0f DPI. Controllatela: se vi va bene, inviatela rispondendo a questo messaggio.\n",
		"\nAttached is the corrected photo (%s): cropped to %s with the face where it must be, saved at %.0f DPI. Look at it: if you are happy with it, send it in reply to this message.\n",
		list, p.Size(), math.Ceil(p.MinDPI))
}
