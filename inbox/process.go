package inbox

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// This file: the steps of one message, received -> checked -> sending ->
// replied -> filed (store.go), each recorded in the store before the next
// is taken, each returning the entry the store wrote.

// maxSendAttempts is how many passes try to hand an answer to an SMTP
// server that is away or says "try later" (a pass a minute apart at
// most: an hour and more) before the message is filed for a clerk.
const maxSendAttempts = 60

// process takes message m as far as it can go from the step it is at.
// It runs to the end of the step it is in even when ctx ends: the inbox
// stops between messages, not within one.
func (in *Inbox) process(ctx context.Context, c conn, m *prepared) error {
	if m.err != nil {
		return m.err
	}
	s := &steps{in: in, c: c, m: m, work: context.WithoutCancel(ctx),
		log: in.cfg.Log.With("msg", m.k.String(), "sender", m.r.sender)}
	for e := m.e; e.State != Filed; {
		next, err := s.take(e)
		if err != nil {
			return err
		}
		if next.State == Filed {
			in.cfg.Metrics.filed(in.outcome(next))
		}
		// A step forward is announced; a message sent back to checked,
		// with a reason not to answer it, goes on to be filed.
		if next.State.rank() > e.State.rank() {
			in.after(m.k, next.State)
		}
		e = next
	}
	return nil
}

// steps takes one message through its steps.
type steps struct {
	in   *Inbox
	c    conn
	m    *prepared
	work context.Context // not cancelled: a step, once begun, ends
	log  *slog.Logger
}

// take takes the step after e.
func (s *steps) take(e Entry) (Entry, error) {
	switch {
	case e.State == Received:
		return s.check()
	case e.State == Checked && e.Reason == "":
		return s.answer()
	case e.State == Checked, e.State == Replied:
		return s.file(e.Folder)
	case e.State == Sending:
		return s.unconfirmed()
	}
	return e, nil // Filed: nothing is left
}

// check records the message's folder, and whether it is answered.
func (s *steps) check() (Entry, error) {
	p, err := s.m.plan(s.work, s.in)
	if err != nil {
		return Entry{}, err
	}
	e, err := s.in.store.Checked(s.work, s.m.k, p.folder, p.reason)
	if err != nil {
		return Entry{}, err
	}
	s.log.Info("inbox: checked", "folder", p.folder, "reason", string(p.reason), "what", p.note)
	return e, nil
}

// answer sends the message's answer, when the limits allow one, and
// records how it went.
func (s *steps) answer() (Entry, error) {
	in, k := s.in, s.m.k
	p, err := s.m.plan(s.work, in)
	if err != nil {
		return Entry{}, err
	}
	if p.reply == nil {
		// Checked to be answered before a restart, but now not to be
		// (the rules or --own changed): filed as now told.
		return in.store.Discard(s.work, k, in.cfg.Folders.Discarded, p.reason)
	}
	lim := Limits{PerSender: in.cfg.PerHour, PerDomain: in.cfg.PerDomainHour, Total: in.cfg.TotalHour}
	e, err := in.store.Sending(s.work, k, lim, in.now().Add(-time.Hour))
	if reason := limitReason(err); reason != "" {
		folder := in.cfg.Folders.unanswered(reason)
		e, err := in.store.Discard(s.work, k, folder, reason)
		if err == nil {
			s.log.Info("inbox: not answered", "reason", string(reason), "folder", folder)
		}
		return e, err
	}
	if err != nil {
		return Entry{}, err
	}
	in.after(k, Sending)
	err = in.send(p)
	switch {
	case err == nil:
		in.cfg.Metrics.replied(s.m.start)
		e, err := in.store.Replied(s.work, k)
		if err == nil {
			s.log.Info("inbox: answered", "folder", e.Folder)
		}
		return e, err
	case errors.Is(err, errRefused):
		e, rerr := in.store.Refused(s.work, k, in.cfg.Folders.Discarded)
		if rerr == nil {
			s.log.Warn("inbox: the answer was refused; filed unanswered", "err", err)
		}
		return e, rerr
	case errors.Is(err, errNotSent):
		return s.notSent(err)
	}
	// It may have left: as after a stop while sending.
	s.log.Warn("inbox: sending failed half-way", "err", err)
	return e, nil
}

// limitReason is the reason not to answer that store.Sending's error
// gives; "" for none.
func limitReason(err error) Reason {
	switch {
	case errors.Is(err, ErrDuplicate):
		return Duplicate
	case errors.Is(err, ErrRateLimited):
		return RateLimited
	case errors.Is(err, ErrDomainLimit):
		return DomainLimited
	case errors.Is(err, ErrHourlyCap):
		return HourlyCap
	}
	return ""
}

// notSent records an answer that surely did not leave (err): checked
// again, to be tried on a later pass (the error returned leaves the
// message for it), up to maxSendAttempts; then filed for a clerk.
func (s *steps) notSent(err error) (Entry, error) {
	in, k := s.in, s.m.k
	in.cfg.Metrics.failed("smtp")
	n, uerr := in.store.Unsend(s.work, k, err.Error())
	if uerr != nil {
		return Entry{}, errors.Join(err, uerr)
	}
	if n < maxSendAttempts {
		return Entry{}, err
	}
	e, derr := in.store.Discard(s.work, k, in.cfg.Folders.Discarded, NotSent)
	if derr == nil {
		s.log.Warn("inbox: the answer could not be sent; filed for a clerk", "attempts", n, "err", err)
	}
	return e, derr
}

// unconfirmed records a message the process stopped while handing its
// answer over: it may have left. Filed for a clerk, never sent twice.
func (s *steps) unconfirmed() (Entry, error) {
	folder := s.in.cfg.Folders.Discarded
	e, err := s.in.store.Unconfirmed(s.work, s.m.k, folder)
	if err == nil {
		s.log.Warn("inbox: the answer may not have been sent; filed for a clerk", "folder", folder)
	}
	return e, err
}

// file moves the message to folder and records it.
func (s *steps) file(folder string) (Entry, error) {
	if err := s.c.move(s.m.k.UID, folder); err != nil {
		return Entry{}, err
	}
	s.in.after(s.m.k, moved)
	return s.in.store.Filed(s.work, s.m.k)
}

// moved is the moment a message has left the mailbox and its state does
// not say so yet: not a state the store keeps, only a point where
// AfterStep is called (a restart finds such a message gone and records it
// filed).
const moved State = "moved"

// rank is the state's place in received -> checked -> sending -> replied
// -> filed.
func (s State) rank() int {
	switch s {
	case Received:
		return 0
	case Checked:
		return 1
	case Sending:
		return 2
	case Replied:
		return 3
	case Filed:
		return 4
	}
	return -1
}

// unanswered is the folder of a message not answered for reason: mail a
// clerk must answer by hand goes to Verify, the rest to Discarded.
func (f Folders) unanswered(reason Reason) string {
	switch reason {
	case Unauthenticated, DomainLimited, HourlyCap:
		return f.Verify
	}
	return f.Discarded
}

// outcome names how message e ended, for the metrics: the reason it was
// not answered, or the folder it was answered into.
func (in *Inbox) outcome(e Entry) string {
	if e.Reason != "" {
		return string(e.Reason)
	}
	switch f := in.cfg.Folders; e.Folder {
	case f.Valid:
		return "valid"
	case f.ToFix:
		return "to_fix"
	case f.NoPhoto:
		return "no_photo"
	}
	return "other"
}

// after calls the AfterStep hook.
func (in *Inbox) after(k Key, s State) {
	if in.cfg.AfterStep != nil {
		in.cfg.AfterStep(k, s)
	}
}
