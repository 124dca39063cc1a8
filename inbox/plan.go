package inbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/mailphoto"
	"github.com/tessera-cie/tessera/mailreply"
	"github.com/tessera-cie/tessera/photofix"
	"github.com/tessera-cie/tessera/validate"
)

// This file: what the inbox does with a message, decided from what it
// holds: its folder, and whether and what to answer (its photos checked).

// reading is what the headers of a message say, read cheaply before the
// store is asked how far the message got.
type reading struct {
	msg      *mailphoto.Message // nil when unreadable
	decision Decision
	size     int64
	msgID    string
	keys     SenderKeys // the authenticated sender's, for the limits
	sender   string     // keys.Address, for the logs
	stopped  int        // times it stopped the process as it was read; not read when > 0
}

// read parses the message raw (only its header when size is over
// MaxBytes) and decides from its headers.
func (in *Inbox) read(raw []byte, size int64) reading {
	r := reading{size: size}
	parse := mailphoto.Read
	if size > in.cfg.MaxBytes {
		parse = mailphoto.ReadHeader // only the header was fetched
	}
	m, err := parse(bytes.NewReader(raw))
	if err == nil {
		r.msg = m
		r.decision = Decide(m, append([]string{in.cfg.From.Address}, in.cfg.Own...), in.cfg.Auth)
		r.msgID, _ = r.decision.Header.MessageID()
		if r.decision.Sender != nil && in.store != nil { // no store in a dry run
			r.keys = in.store.SenderKeys(r.decision.Sender.Address)
			r.sender = r.keys.Address
		}
	}
	if r.msgID == "" {
		sum := sha256.Sum256(raw)
		r.msgID = "sha256:" + hex.EncodeToString(sum[:16])
	}
	return r
}

// unread is the reading of a message not parsed because it stopped the
// process stopped times as it was read: unreadable, known by the hash of
// its bytes.
func (in *Inbox) unread(raw []byte, size int64, stopped int) reading {
	sum := sha256.Sum256(raw)
	return reading{size: size, msgID: "sha256:" + hex.EncodeToString(sum[:16]), stopped: stopped}
}

// plan is what the inbox does with one message.
type plan struct {
	folder string
	reason Reason
	reply  []byte   // the answer, when one is sent
	to     []string // its envelope recipients
	files  []string // the names of the photos attached to it
	note   string   // for the log: what the message held
}

// plan decides what to do with a message read: the folder, and whether
// and what to answer, checking its photos. Its error is one that may not
// happen again on a later pass.
func (in *Inbox) plan(ctx context.Context, r reading) (*plan, error) {
	f := in.cfg.Folders
	if r.msg == nil {
		note := "unreadable"
		if r.stopped > 0 {
			note = fmt.Sprintf("not read: it stopped tessera %d times as it was read", r.stopped)
		}
		return &plan{folder: f.Discarded, reason: Malformed, note: note}, nil
	}
	d := r.decision
	if d.Reason != "" {
		return &plan{folder: f.unanswered(d.Reason), reason: d.Reason, note: string(d.Reason)}, nil
	}
	subject, _ := d.Header.Subject()
	lang := catalog.ForEmail(d.Header.Get("Content-Language"), subject)
	answer := func(folder, text, note string, attach []mailreply.Attachment) *plan {
		text += mailreply.Signature(lang, in.cfg.Office)
		reply := mailreply.Reply{From: &in.cfg.From, To: d.To, Original: d.Header, Lang: lang, Text: text, Attachments: attach, Date: in.now()}
		data, err := reply.Bytes()
		if err != nil {
			return &plan{folder: f.Discarded, reason: NoSender, note: err.Error()}
		}
		return &plan{folder: folder, reply: data, to: append([]string{d.To.Address}, in.cfg.Bcc...), note: note}
	}
	if r.size > in.cfg.MaxBytes {
		return answer(f.Discarded, mailreply.TooLargeText(lang, r.size, in.cfg.MaxBytes), "too large", nil), nil
	}
	if len(r.msg.Images) == 0 {
		return answer(f.NoPhoto, mailreply.NoPhotoText(lang), "no photo", nil), nil
	}
	// The answer names each photo, and names are the sender's text.
	imgs := make([]mailphoto.Image, len(r.msg.Images))
	for i, im := range r.msg.Images {
		imgs[i] = im
		imgs[i].Name = mailreply.SafeName(im.Name, i+1)
	}
	opts := validate.Options{Profile: in.cfg.Profile, Lang: lang, Now: in.now()}
	// The photos of a message are checked side by side, and beside those
	// of the messages read ahead: in.cores keeps the checks to one a
	// core, first come first served, so the message being answered goes
	// first. The answer keeps their order.
	photos, err := mailreply.CheckPhotos(ctx, imgs, opts, mailphoto.MaxImages, in.checkPhoto(opts))
	if err != nil {
		return nil, fmt.Errorf("inbox: check the photos: %w", err)
	}
	folder := f.ToFix
	if photos.Pass() {
		folder = f.Valid
	}
	rules, _ := validate.LookupProfile(in.cfg.Profile)
	p := answer(folder, photos.Text(lang, rules), fmt.Sprintf("%d photos, %d fixed", len(photos.Reports), len(photos.Fixed)), photos.Fixed)
	if p.reply != nil {
		p.files = photos.FixedNames()
	}
	return p, nil
}

// checkPhoto checks one photo, a core at a time, judged by opts; the
// corrected copy goes with the answer when a crop, a scale or a new JPEG
// make it pass. A photo that cannot be checked is reported so: its
// message is still answered.
func (in *Inbox) checkPhoto(opts validate.Options) mailreply.CheckFunc {
	return func(ctx context.Context, im mailphoto.Image) (*validate.Report, *mailreply.Attachment, error) {
		in.cores <- struct{}{}
		defer func() { <-in.cores }()
		res, err := in.v.Analyze(ctx, im.Name, im.Data, opts)
		if err != nil {
			return &validate.Report{File: im.Name, Error: err.Error(), Err: err}, nil, nil
		}
		valid, err := photofix.MakeValid(ctx, in.v, res, opts)
		if err != nil || valid.Fixed == nil {
			return res.Report, nil, nil
		}
		return res.Report, &mailreply.Attachment{Name: photofix.FileName(im.Name), Type: "image/jpeg", Data: valid.Fixed.JPEG}, nil
	}
}
