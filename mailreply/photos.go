package mailreply

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/tessera-cie/tessera/mailphoto"
	"github.com/tessera-cie/tessera/validate"
)

// Photos is what the check of an email's photos found: what its answer
// says (Text) and carries (Fixed).
type Photos struct {
	// Reports are the photos checked, in the message's order.
	Reports []*validate.Report
	// Skipped counts the images past mailphoto.MaxImages, not checked.
	Skipped int
	// Fixed are the corrected copies of the photos, in their order.
	Fixed []Attachment
}

// CheckFunc checks one photo of a message: its report and, when a crop, a
// scale or a new JPEG make it pass, the corrected copy to attach (nil
// when none is made). An error stops the check of the whole message.
type CheckFunc func(ctx context.Context, im mailphoto.Image) (*validate.Report, *Attachment, error)

// CheckPhotos checks the images of a message, as the inbox answers it and
// /v1/check/email reports on it: the first mailphoto.MaxImages, up to
// parallel at once (check may wait for its own turn besides), each with
// check; an image that could not be taken out of the message (Broken) is
// reported so (validate.Unextracted) without check. The error is check's,
// or an unknown profile in opts.
func CheckPhotos(ctx context.Context, images []mailphoto.Image, opts validate.Options, parallel int, check CheckFunc) (*Photos, error) {
	if _, ok := validate.LookupProfile(opts.Profile); !ok {
		return nil, fmt.Errorf("mailreply: %w %q", validate.ErrUnknownProfile, opts.Profile)
	}
	p := &Photos{}
	if len(images) > mailphoto.MaxImages {
		p.Skipped = len(images) - mailphoto.MaxImages
		images = images[:mailphoto.MaxImages]
	}
	p.Reports = make([]*validate.Report, len(images))
	fixed := make([]*Attachment, len(images))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, parallel))
	for i, im := range images {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err // an earlier photo's check failed: the rest are not checked
			}
			var err error
			if im.Broken != nil {
				p.Reports[i], err = validate.Unextracted(im.Name, im.Broken, opts)
				return err
			}
			p.Reports[i], fixed[i], err = check(gctx, im)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, f := range fixed {
		if f != nil {
			p.Fixed = append(p.Fixed, *f)
		}
	}
	return p, nil
}

// Pass reports whether every photo checked passes.
func (p *Photos) Pass() bool {
	for _, r := range p.Reports {
		if !r.Pass {
			return false
		}
	}
	return true
}

// FixedNames are the file names of the corrected copies, in their order.
func (p *Photos) FixedNames() []string {
	names := make([]string, len(p.Fixed))
	for i, a := range p.Fixed {
		names[i] = a.Name
	}
	return names
}

// Text is the answer's text in lang: each photo's verdict and what to fix
// (see Text), and, when copies were corrected, the paragraph that
// presents them, made to rules (see FixedText).
func (p *Photos) Text(lang string, rules validate.Profile) string {
	text := Text(lang, p.Reports, p.Skipped)
	if len(p.Fixed) > 0 {
		text += FixedText(lang, p.FixedNames(), rules)
	}
	return text
}
