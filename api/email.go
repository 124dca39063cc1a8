package api

import (
	"bytes"
	"context"
	"errors"
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
	if len(msg.Images) == 0 {
		return s.fail(c, errNoImages, nil)
	}
	j, e := s.start(c, profile, lang)
	if e != nil {
		return s.fail(c, e, nil)
	}
	defer j.done()
	// One photo at a time, as the request's one analysis slot allows.
	photos, err := mailreply.CheckPhotos(c.UserContext(), msg.Images, j.opts, 1, func(_ context.Context, im mailphoto.Image) (*validate.Report, *mailreply.Attachment, error) {
		res, e := j.analyze(im.Name, im.Data)
		if e != nil {
			return nil, nil, e
		}
		return res.Report, nil, nil
	})
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return s.fail(c, ae, nil)
	case err != nil:
		return s.fail(c, errProfile, nil)
	}
	rules, _ := validate.LookupProfile(profile)
	out := EmailResult{
		Subject: msg.Subject,
		Images:  len(photos.Reports),
		Skipped: photos.Skipped,
		Pass:    photos.Pass(),
		Reports: photos.Reports,
		Reply:   photos.Text(lang, rules),
	}
	return c.JSON(out)
}
