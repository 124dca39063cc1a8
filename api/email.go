package api

import (
	"bytes"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tessera-cie/tessera/mailphoto"
	"github.com/tessera-cie/tessera/mailreply"
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
	msg, err := mailphoto.Read(bytes.NewReader(bodyOf(c)))
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
	out.Reply = mailreply.Text(lang, out.Reports, out.Skipped)
	return c.JSON(out)
}
