package api

import (
	"context"
	"sync"
	"time"
)

// slots share the analysis slots among clients: a request takes a free
// slot at once; when none is free it waits in a bounded queue, and a slot
// given back goes to a waiting request of the client that holds the
// fewest slots and, among those, was given one longest ago (its oldest
// request). Clients with requests waiting are thus served in turn: one
// that floods the server waits behind its own requests, and another
// client's photo gets the next slot.
type slots struct {
	size     int // slots
	maxWait  int // requests that may wait
	mu       sync.Mutex
	busy     int
	held     map[client]int
	turn     uint64            // slots given so far
	lastTurn map[client]uint64 // the turn each client with slots or waiting requests was last given a slot
	queue    []*waiter         // oldest first
	fullFrom time.Time         // since when every slot is taken; zero when one is free
}

// waiter is a request waiting for a slot; ready is closed when it has one.
type waiter struct {
	cl    client
	ready chan struct{}
}

func newSlots(size, maxWait int) *slots {
	return &slots{size: size, maxWait: maxWait, held: map[client]int{}, lastTurn: map[client]uint64{}}
}

// acquire takes a slot for cl, waiting up to wait. It answers
// errQueueFull when the queue is full, errBusy when the wait ran out and
// errTimeout when ctx ended first; else the caller must call release.
func (q *slots) acquire(ctx context.Context, cl client, wait time.Duration, waiting func(delta int)) (release func(), e *apiError) {
	q.mu.Lock()
	if q.busy < q.size {
		q.take(cl)
		q.mu.Unlock()
		return q.releaser(cl), nil
	}
	if len(q.queue) >= q.maxWait {
		q.mu.Unlock()
		return nil, errQueueFull
	}
	w := &waiter{cl: cl, ready: make(chan struct{})}
	q.queue = append(q.queue, w)
	q.mu.Unlock()
	waiting(1)
	defer waiting(-1)

	t := time.NewTimer(wait)
	defer t.Stop()
	var e2 *apiError
	select {
	case <-w.ready:
		return q.releaser(cl), nil
	case <-t.C:
		e2 = errBusy
	case <-ctx.Done():
		e2 = errTimeout
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	select {
	case <-w.ready: // given a slot as the wait ended: give it on
		q.give(cl)
	default:
		q.remove(w)
		q.forget(cl)
	}
	return nil, e2
}

// take gives cl a free slot; q.mu is held.
func (q *slots) take(cl client) {
	q.busy++
	q.held[cl]++
	q.turn++
	q.lastTurn[cl] = q.turn
	if q.busy == q.size && q.fullFrom.IsZero() {
		q.fullFrom = time.Now()
	}
}

// releaser is the release of a slot held by cl, safe to call once.
func (q *slots) releaser(cl client) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			q.mu.Lock()
			defer q.mu.Unlock()
			q.give(cl)
		})
	}
}

// give takes cl's slot back and hands it to the next waiter, if any;
// q.mu is held.
func (q *slots) give(cl client) {
	if q.held[cl]--; q.held[cl] <= 0 {
		delete(q.held, cl)
	}
	q.forget(cl)
	q.fullFrom = time.Time{}
	next := -1
	for i, w := range q.queue {
		if next < 0 || q.before(w.cl, q.queue[next].cl) {
			next = i
		}
	}
	if next < 0 {
		q.busy--
		return
	}
	w := q.queue[next]
	q.queue = append(q.queue[:next], q.queue[next+1:]...)
	q.busy--
	q.take(w.cl)
	close(w.ready)
}

// before reports whether client a's turn comes before b's: it holds fewer
// slots, or as many and was given one longer ago; q.mu is held.
func (q *slots) before(a, b client) bool {
	if q.held[a] != q.held[b] {
		return q.held[a] < q.held[b]
	}
	return q.lastTurn[a] < q.lastTurn[b]
}

// forget drops cl's last turn once it holds no slot and waits for none,
// so that the table holds only clients in the queue or served; q.mu is
// held.
func (q *slots) forget(cl client) {
	if q.held[cl] > 0 {
		return
	}
	for _, w := range q.queue {
		if w.cl == cl {
			return
		}
	}
	delete(q.lastTurn, cl)
}

// remove takes w out of the queue; q.mu is held.
func (q *slots) remove(w *waiter) {
	for i, x := range q.queue {
		if x == w {
			q.queue = append(q.queue[:i], q.queue[i+1:]...)
			return
		}
	}
}

// stats are how many slots are taken, how many requests wait, and since
// when every slot has been taken without one given back (zero when one is
// free).
func (q *slots) stats() (busy, waiting int, fullFrom time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.busy, len(q.queue), q.fullFrom
}
