package api

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tessera-cie/tessera/mailphoto"
	"github.com/tessera-cie/tessera/validate"
)

// EmailResult is the answer of POST /v1/check/email.
type EmailResult struct {
	Subject string             `json:"subject"`
	Images  int                `json:"images"`  // images found and checked
	Skipped int                `json:"skipped"` // images found beyond the limit, not checked
	Pass    bool               `json:"pass"`    // every checked image passes
	Reports []*validate.Report `json:"reports"`
	// Reply is a plain-text answer to the sender in the request's language:
	// per photo, whether it is fine and, if not, what to fix.
	Reply string `json:"reply"`
}

// reply writes the answer to the citizen who sent the photos.
func reply(lang string, out *EmailResult) string {
	say := func(it, en string, a ...any) string {
		if lang == "en" {
			return fmt.Sprintf(en, a...)
		}
		return fmt.Sprintf(it, a...)
	}
	var b strings.Builder
	b.WriteString(say("Buongiorno,\n\nabbiamo controllato le foto ricevute.\n", "Hello,\n\nwe have checked the photos we received.\n"))
	for _, r := range out.Reports {
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
	if out.Skipped > 0 {
		b.WriteString(say("\nAltre %d immagini non sono state controllate: inviate una foto per messaggio.\n",
			"\n%d more images were not checked: send one photo per message.\n", out.Skipped))
	}
	if out.Pass {
		b.WriteString(say("\nLe foto rispettano le regole per la carta d'identità elettronica.\n", "\nThe photos meet the rules for the electronic identity card.\n"))
	} else {
		b.WriteString(say("\nVi preghiamo di inviare una nuova foto corretta rispondendo a questo messaggio.\n", "\nPlease send a corrected photo in reply to this message.\n"))
	}
	return b.String()
}

// apiEmail is POST /v1/check/email: a report for every image in a raw
// RFC 822 message.
func (s *Server) apiEmail(c *fiber.Ctx) error {
	if ce := strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)); ce != "" && !strings.EqualFold(ce, "identity") {
		return s.fail(c, errEncoding, nil)
	}
	profile, lang := requestOptions(c, &upload{})
	if _, ok := validate.LookupProfile(profile); !ok {
		return s.fail(c, errProfile, nil)
	}
	msg, err := mailphoto.Read(bytes.NewReader(c.Request().Body()))
	if err != nil {
		return s.fail(c, errEmail, nil)
	}
	imgs := msg.Images
	if len(imgs) == 0 {
		return s.fail(c, errNoImages, nil)
	}
	out := EmailResult{Subject: msg.Subject, Reports: []*validate.Report{}, Pass: true}
	if len(imgs) > mailphoto.MaxImages {
		out.Skipped = len(imgs) - mailphoto.MaxImages
		imgs = imgs[:mailphoto.MaxImages]
	}
	j, e := s.start(c, profile, lang)
	if e != nil {
		return s.fail(c, e, nil)
	}
	defer j.done()
	for _, im := range imgs {
		var rep *validate.Report
		if im.Broken != nil {
			r, err := validate.Unextracted(im.Name, im.Broken, j.opts)
			if err != nil {
				return s.fail(c, errProfile, nil)
			}
			rep = r
		} else {
			res, e := j.analyze(im.Name, im.Data)
			if e != nil {
				return s.fail(c, e, nil)
			}
			rep = res.Report
		}
		out.Reports = append(out.Reports, rep)
		out.Pass = out.Pass && rep.Pass
	}
	out.Images = len(out.Reports)
	out.Reply = reply(lang, &out)
	return c.JSON(out)
}
