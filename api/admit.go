package api

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// A request body is received by the handler, not by the HTTP server: the
// server reads the header and the body's first byte (fasthttp's
// StreamRequestBody reads up to its body limit, bodyPrefetch, before it
// calls the handler), and admit then reads the rest as it arrives,
// taking its memory from a budget before it is allocated, and cutting a
// body that arrives too slowly. A declared length is never allocated on
// trust: a client that declares 15 MB and sends 100 bytes holds 64 KB.
const (
	// DefaultBodyBudget is the memory the bodies being received and
	// analysed at once may take together: with DefaultMemoryBudget's
	// 768 MB for decoding and the program's 150 MB, it fits the 2 GB
	// container the budget was sized for; 8 bodies of the largest size,
	// 40 phone photos of 3 MB.
	DefaultBodyBudget = 128 << 20
	// bodyStep is the memory a body is first given, and the least it
	// grows by (it doubles): a 500 KB photo takes four steps.
	bodyStep = 64 << 10
	// bodyPrefetch is what the HTTP server reads of a body before the
	// handler: one byte, so that admit decides on the declared length as
	// soon as the body starts.
	bodyPrefetch = 1
	// headerTimeout is the longest a client may take to send its header
	// (and its body's first byte), from its first byte: a slow-header
	// client holds a connection this long at most.
	headerTimeout = 20 * time.Second
	// minBodyRate is the slowest a body may arrive over any rateWindow:
	// 8 KB/s is 64 kbit/s, slower than a phone's uplink on 2G (EDGE gives
	// 100-200 kbit/s). A body trickled slower is cut within rateWindow
	// plus bodyStall, however fast it began.
	minBodyRate = 8 << 10
	rateWindow  = 10 * time.Second
	// bodyStall is the longest a body may pause: a client that stops
	// sending is cut after it.
	bodyStall = 10 * time.Second
	// bodyTimeout is the longest a body may take whatever its rate: 15 MB
	// at 1 Mbit/s, the server's read timeout before bodies were streamed.
	bodyTimeout = 2 * time.Minute
)

// bodyKey holds, in the request's locals, the body admit received.
const bodyKey = "tessera.body"

// bodyOf is the body admit received for the request; valid until the
// handler returns.
func bodyOf(c *fiber.Ctx) []byte {
	b, _ := c.Locals(bodyKey).([]byte)
	return b
}

// admit runs before every handler that reads a body. It refuses a body
// declared over the limit (413), a client with too many requests in
// progress or started (429), a body the memory budget cannot hold now
// (503), and a body that arrives too slowly (408); a refused body is not
// read, and its connection is closed after the answer. Each refusal says
// when to retry. The body it receives is bodyOf(c) in the handlers.
func (s *Server) admit(c *fiber.Ctx) error {
	declared := c.Request().Header.ContentLength() // -1: chunked
	if declared > s.cfg.BodyLimit {
		return s.refuse(c, errTooLarge, "body_too_large")
	}
	cl := s.clientOf(c)
	end, e := s.clients.begin(cl, time.Now())
	if e != nil {
		if len(e.args) > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(e.args[0].(int)))
		}
		return s.refuse(c, e, e.code())
	}
	defer end()
	body, release, e := s.receive(c, cl, declared, copiedBody(c))
	defer release()
	if e == errBusy {
		return s.refuse(c, e, "body_budget")
	}
	if e != nil {
		return s.refuse(c, e, e.code())
	}
	c.Locals(bodyKey, body)
	return c.Next()
}

// refuse answers e to a request whose body is left unread, closing the
// connection after the answer: what follows on it is the rest of a body,
// not a request. The client may be sending that body still (browsers send
// it whole before they read), and a socket closed with bytes unread
// resets the connection, which can lose the answer the client has not read
// yet: so the connection lingers, dropping what comes, until the client
// closes it or lingerTime has passed (within maxLingering and
// maxLingeringPerClient).
func (s *Server) refuse(c *fiber.Ctx, e *apiError, reason string) error {
	s.metrics.rejected.WithLabelValues(reason).Inc()
	if err := s.fail(c, e, nil); err != nil {
		return err
	}
	c.Response().SetConnectionClose()
	if !addrOf(c.Context().RemoteAddr()).IsValid() {
		return nil // the in-memory test connection: nothing to reset
	}
	var answer bytes.Buffer
	if _, err := c.Response().WriteTo(&answer); err != nil {
		return nil // answered and closed as any other
	}
	done, over := s.lingering.add(s.clientOf(c))
	if over != "" {
		return nil // answered and closed at once: see maxLingering
	}
	// fasthttp skips the hijack handler when the connection breaks
	// first (an earlier pipelined answer that cannot be flushed): the
	// slot is given back after the longest the handler would take.
	backstop := time.AfterFunc(refuseWrite+lingerTime+time.Second, done)
	c.Context().HijackSetNoResponse(true)
	c.Context().Hijack(func(conn net.Conn) {
		defer backstop.Stop()
		defer done()
		_ = conn.SetWriteDeadline(time.Now().Add(refuseWrite))
		if _, err := conn.Write(answer.Bytes()); err == nil {
			linger(conn)
		}
	})
	return nil
}

// lingerTime is the longest the connection of a refused request stays
// open to drop what its client still sends (nginx's lingering_time is
// 30 s, with 5 s between reads): long enough for a photo on a fast line to
// finish, short enough that lingering holds a connection no longer than a
// stalled body does (bodyStall).
const lingerTime = 5 * time.Second

// linger reads and drops what the client sends on conn until it closes,
// or for lingerTime: the caller then closes conn with nothing unread, so
// the client reads the answer written before.
func linger(conn net.Conn) {
	_ = conn.SetReadDeadline(time.Now().Add(lingerTime))
	_, _ = io.Copy(io.Discard, conn)
}

// ambiguousLength reports whether a request's raw header has both
// Content-Length and Transfer-Encoding: RFC 9112 (section 6.3) lets the
// server refuse it, and a proxy in front that reads the length where the
// server reads the chunks would take the rest of the body for another
// request. (fasthttp refuses two Content-Lengths itself.)
func ambiguousLength(raw []byte) bool {
	var length, encoding bool
	for line := range bytes.Lines(raw) {
		name, _, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		switch {
		case bytes.EqualFold(name, []byte(fiber.HeaderContentLength)):
			length = true
		case bytes.EqualFold(name, []byte(fiber.HeaderTransferEncoding)):
			encoding = true
		}
	}
	return length && encoding
}

// emailRoute is the route whose handler reads any body as an email.
const emailRoute = "/v1/check/email"

// copiedBody reports whether the handler copies the body once more: the
// attachments decoded out of an email (whatever its declared type), a
// photo taken out of a multipart form. Either copy is at most the body's
// size.
func copiedBody(c *fiber.Ctx) bool {
	mt, _, _ := strings.Cut(c.Get(fiber.HeaderContentType), ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return c.Route().Path == emailRoute || mt == "multipart/form-data"
}

// receive reads the request's body, declared bytes long (-1: chunked,
// up to the body limit), as it arrives, for client cl. Its memory is
// taken from the body budget, and from cl's share of it, before it is
// allocated: a declared length whose need (bodyNeed) the budget cannot
// hold now, or cl's share cannot beside what cl's other bodies need, is
// refused before a byte is read (errBusy), and so is a body whose next
// step finds the budget spent; with copied, the copy the handler will
// make is taken too. The body must keep coming: a pause of bodyStall, less than
// minBodyRate over any rateWindow, or more than bodyTimeout in all is
// errTooSlow. release gives the memory back; the caller calls it once the
// body is no longer used, also on error.
func (s *Server) receive(c *fiber.Ctx, cl client, declared int, copied bool) (body []byte, release func(), e *apiError) {
	var held, promised int64
	release = func() {
		s.bodies.give(cl, held)
		s.bodies.unpromise(cl, promised)
		held, promised = 0, 0
	}
	take := func(n int) bool {
		if !s.bodies.take(cl, int64(n)) {
			return false
		}
		held += int64(n)
		return true
	}
	if declared == 0 {
		return nil, release, nil
	}
	limit := s.cfg.BodyLimit
	if declared > 0 {
		need := bodyNeed(declared, copied)
		if !s.bodies.promise(cl, need) {
			return nil, release, errBusy
		}
		promised = need
		limit = declared
	}
	r := c.Request().BodyStream()
	if r == nil { // no stream: the body was read with the header
		b := c.Request().Body()
		if len(b) > s.cfg.BodyLimit {
			return nil, release, errTooLarge
		}
		return b, release, nil
	}
	// A declared body is read up to its length; a chunked one up to one
	// byte past the limit, which tells it is over.
	want := limit + 1
	if declared > 0 {
		want = declared
	}
	if !take(min(want, bodyStep)) {
		return nil, release, errBusy
	}
	buf := make([]byte, 0, min(want, bodyStep))
	start := time.Now()
	mark, marked := start, 0 // the start of the rate's window, and the bytes by then
	for {
		if len(buf) == cap(buf) {
			bigger := min(2*cap(buf), want)
			if !take(bigger) {
				return nil, release, errBusy
			}
			nb := make([]byte, len(buf), bigger)
			copy(nb, buf)
			s.bodies.give(cl, int64(cap(buf)))
			held -= int64(cap(buf))
			buf = nb
		}
		deadline := time.Now().Add(bodyStall)
		if end := start.Add(bodyTimeout); end.Before(deadline) {
			deadline = end
		}
		_ = c.Context().SetReadDeadline(deadline) // the in-memory test connection has none
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		done := len(buf) == declared || (errors.Is(err, io.EOF) && declared < 0)
		switch {
		case len(buf) > s.cfg.BodyLimit:
			return nil, release, errTooLarge
		case done && copied && !take(len(buf)):
			return nil, release, errBusy
		case done:
			return buf, release, nil
		case errors.Is(err, os.ErrDeadlineExceeded):
			return nil, release, errTooSlow
		case err != nil: // a body cut short, or a malformed chunk
			return nil, release, errBadRequest
		}
		if now := time.Now(); now.Sub(mark) >= rateWindow {
			if float64(len(buf)-marked) < minBodyRate*now.Sub(mark).Seconds() {
				return nil, release, errTooSlow
			}
			mark, marked = now, len(buf)
		}
	}
}

// bodyNeed is the most a body of declared bytes takes from the budget:
// itself and, as it grows by doubling, the half-size buffer it is copied
// from; or, when the handler copies it (copied), itself twice.
func bodyNeed(declared int, copied bool) int64 {
	if copied {
		return 2 * int64(declared)
	}
	return int64(declared) + int64(declared)/2
}

// byteBudget is memory shared by the bodies being received and held:
// taken before it is allocated, given back when the body is done with.
// One client may hold at most its share of it, and the bodies it has
// declared may need at most that share together (promise), so that a
// body admitted is not refused half-way for the client's other bodies.
type byteBudget struct {
	share    int64 // what one client may hold
	mu       sync.Mutex
	free     int64
	held     map[client]int64
	promised map[client]int64
}

// clientShare is what one client may hold of the body budget: a quarter,
// so that it takes four clients sending at once to spend it, but at least
// a body of the largest size and the handler's copy of it, so that any
// client can send one.
func clientShare(cfg Config) int64 {
	return min(cfg.BodyBudget, max(cfg.BodyBudget/4, 2*int64(cfg.BodyLimit)))
}

// newByteBudget is a budget of n bytes of which one client may hold share.
func newByteBudget(n, share int64) *byteBudget {
	return &byteBudget{free: n, share: share, held: map[client]int64{}, promised: map[client]int64{}}
}

// take takes n bytes for cl when they are free now and within cl's
// share; it never waits.
func (b *byteBudget) take(cl client, n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.free || (cl.IsValid() && b.held[cl]+n > b.share) {
		return false
	}
	b.free -= n
	if cl.IsValid() {
		b.held[cl] += n
	}
	return true
}

// give gives n bytes of cl back.
func (b *byteBudget) give(cl client, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.free += n
	if cl.IsValid() {
		if b.held[cl] -= n; b.held[cl] <= 0 {
			delete(b.held, cl)
		}
	}
}

// freeNow is the memory free now.
func (b *byteBudget) freeNow() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.free
}

// promise admits a body of cl that will need n bytes: they are free now
// and, with what cl's other bodies were promised, within cl's share.
// Nothing is taken; unpromise forgets it.
func (b *byteBudget) promise(cl client, n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.free || (cl.IsValid() && b.promised[cl]+n > b.share) {
		return false
	}
	if cl.IsValid() {
		b.promised[cl] += n
	}
	return true
}

// unpromise forgets n bytes promised to cl.
func (b *byteBudget) unpromise(cl client, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if cl.IsValid() {
		if b.promised[cl] -= n; b.promised[cl] <= 0 {
			delete(b.promised, cl)
		}
	}
}
