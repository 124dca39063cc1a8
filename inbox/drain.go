package inbox

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
)

// This file: the message pipeline. Every message of the mailbox is read,
// looked up in the store and, while still to be answered, planned (its
// photos checked) ahead; then taken through its steps (process.go), one
// message after the other.

// drain answers every message in the selected mailbox, oldest first.
//
// Messages are answered, recorded and filed one after the other, on the
// one IMAP connection, but read and checked ahead: while one message is
// answered and filed, the photos of the next few are checked on the other
// cores (see ahead and prepare).
func (in *Inbox) drain(ctx context.Context, c conn, uidValidity uint32) error {
	uids, err := c.waiting()
	if err != nil {
		return err
	}
	if err := in.forgetMoved(ctx, uidValidity, uids); err != nil {
		return err
	}
	// Checks started ahead run to their end (they are not cancelled with
	// ctx: the message being answered needs its own); drain waits for
	// them before it returns, so none outlives the pass.
	var checking sync.WaitGroup
	defer checking.Wait()
	ahead := aheadPerCore * runtime.GOMAXPROCS(0)
	queue := make([]*prepared, 0, ahead+1)
	next := 0
	var left []error
	for range uids {
		if err := ctx.Err(); err != nil {
			return nil
		}
		for ; next < len(uids) && len(queue) <= ahead; next++ {
			k := Key{in.cfg.Mailbox, uidValidity, uint32(uids[next])}
			queue = append(queue, in.prepare(ctx, c, k, &checking))
		}
		m := queue[0]
		queue = queue[1:]
		err := in.process(ctx, c, m)
		if err == nil {
			continue
		}
		select {
		case <-c.closed():
			return fmt.Errorf("inbox: message %s: %w", m.k, err)
		default:
		}
		// One message that cannot be finished now (the SMTP server
		// is away) does not hold up the others; it stays in the
		// mailbox and is tried again.
		in.cfg.Log.Warn("inbox: message left for later", "msg", m.k.String(), "err", err)
		left = append(left, fmt.Errorf("message %s: %w", m.k, err))
	}
	if len(left) > 0 {
		return &leftError{errors.Join(left...)}
	}
	return nil
}

// aheadPerCore is how many messages per core drain reads and checks
// beyond the one it is answering. Two keep every core checking photos
// while one message waits on the SMTP server, the store's disk writes or
// a MOVE; more would only hold more messages in memory (each up to
// MaxBytes).
const aheadPerCore = 2

// prepared is a message read from the mailbox, with the store's record of
// it and, when it is still to be answered, its plan being made.
type prepared struct {
	k     Key
	start time.Time // when it was read, for the reply latency
	r     reading
	e     Entry
	err   error // reading it or asking the store failed

	done    chan struct{} // closed when p is made; nil when not started
	p       *plan
	planErr error // making p failed
}

// prepare reads message k and, when the store says it still needs a
// plan, starts making it in the background (checking its photos).
func (in *Inbox) prepare(ctx context.Context, c conn, k Key, checking *sync.WaitGroup) *prepared {
	m := &prepared{k: k, start: time.Now()}
	raw, size, err := c.fetch(k.UID, in.cfg.MaxBytes)
	if err != nil {
		in.cfg.Metrics.failed("imap")
		m.err = err
		return m
	}
	work := context.WithoutCancel(ctx)
	// A message being read when the process stopped is read and checked
	// alone, the checks started ahead finished first and none started
	// while it is: should the process stop again, the stop is its own,
	// not that of the messages it was checked beside. Its count is asked
	// before the wait and raised after it, so that a stop while the others
	// finish is not counted as its own.
	before, err := in.store.Tries(work, k)
	if err != nil {
		m.err = err
		return m
	}
	alone := before > 0
	if alone {
		checking.Wait()
	}
	// Recorded before a byte of it is parsed: a message that stopped the
	// process maxReadTries times as it was read and checked is not read
	// again but filed for a clerk, so that it cannot stop the inbox for
	// ever (a restart takes the oldest message first).
	tries, err := in.store.Reading(work, k)
	if err != nil {
		m.err = err
		return m
	}
	in.after(k, parsing)
	// What the store keys on is read from the headers; the photos are
	// checked only when an answer is still to be made, read from the
	// mailbox again after a restart (tessera never stores a photo).
	if tries > maxReadTries {
		m.r = in.unread(raw, size, tries-1)
	} else {
		m.r = in.read(raw, size)
	}
	m.e, _, m.err = in.store.Begin(work, k, m.r.msgID, m.r.keys)
	if m.err != nil || !(m.e.State == Received || m.e.State == Checked && m.e.Reason == "") {
		m.err = errors.Join(m.err, in.store.Read(work, k))
		return m
	}
	m.done = make(chan struct{})
	check := func() {
		defer close(m.done)
		m.p, m.planErr = in.plan(work, m.r)
		m.planErr = errors.Join(m.planErr, in.store.Read(work, k))
	}
	if alone {
		check()
		return m
	}
	checking.Add(1)
	go func() {
		defer checking.Done()
		check()
	}()
	return m
}

// maxReadTries is how many times a message may be being read and checked
// when the process stops: the first time it may have been another's stop
// (messages are checked side by side), the next two are its own (it is
// then checked alone), and it is then filed for a clerk unread
// (Inbox.unread).
const maxReadTries = 3

// parsing is the moment a message's reading is recorded (Store.Reading)
// and its parsing begins: not a state the store keeps, only a point where
// AfterStep is called (a process stopped there finds the count on
// restart).
const parsing State = "parsing"

// plan returns the message's plan, waiting for it when it is being made
// and making it now when it was not started.
func (m *prepared) plan(ctx context.Context, in *Inbox) (*plan, error) {
	if m.done == nil {
		m.done = make(chan struct{})
		m.p, m.planErr = in.plan(ctx, m.r)
		close(m.done)
	}
	<-m.done
	return m.p, m.planErr
}

// leftError reports messages left in the mailbox for a later pass, the
// connection being fine.
type leftError struct{ err error }

func (e *leftError) Error() string { return "inbox: messages left for later: " + e.err.Error() }
func (e *leftError) Unwrap() error { return e.err }

// retryAfter is how soon messages left for later are tried again.
const retryAfter = time.Minute

// forgetMoved records as filed the messages the store has not finished
// that are no longer in the mailbox: the process stopped after moving
// them and before recording it.
func (in *Inbox) forgetMoved(ctx context.Context, uidValidity uint32, present []imap.UID) error {
	open, err := in.store.Unfinished(ctx, in.cfg.Mailbox)
	if err != nil {
		return err
	}
	for _, e := range open {
		if e.UIDValidity != uidValidity || slices.Contains(present, imap.UID(e.UID)) {
			continue
		}
		if e.State == Checked || e.State == Replied {
			if _, err := in.store.Filed(ctx, e.Key); err != nil {
				return err
			}
			in.cfg.Log.Info("inbox: found filed", "msg", e.Key.String(), "folder", e.Folder)
		}
	}
	return nil
}
