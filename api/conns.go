package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/tessera-cie/tessera/catalog"
)

// Defaults of the connection limits (Config.MaxConns,
// Config.MaxConnsPerClient).
const (
	// DefaultMaxConns bounds the connections open at once: each costs
	// its buffers and goroutine, about connCost, so 4096 hold about
	// 100 MB at most whatever they send.
	DefaultMaxConns = 4096
	// DefaultMaxConnsPerClient is what one address may open: a browser
	// opens at most 6 to a server, an office behind one address a few
	// browsers' worth. A trusted proxy is not limited by it.
	DefaultMaxConnsPerClient = 32
	// connCost is what an open connection holds in memory: fasthttp's
	// read and write buffers (4 KB each), its request context and a
	// goroutine's stack: TestConnCost measures 11 KB idle or in the
	// middle of a header, before the write buffer an answer takes.
	connCost = 24 << 10
	// refuseWrite is the longest the answer to a refused connection may
	// take to write: it fits in the socket's buffer, so it never waits
	// unless the client has stopped reading.
	refuseWrite = time.Second
	// maxLingering bounds the refused connections waited on at once
	// (Server.lingering), maxLingeringPerClient those of one client, as many as
	// it may have requests in progress (DefaultClientRequests): past them
	// a refused connection is answered and closed at once. A citizen
	// refused has one or two; a client refused on many connections at
	// once is flooding, and reading what it still sends would spend the
	// server's time on it (scripts/attack.sh: with 40 flooding
	// connections another citizen's photo took a median 101 ms with 2,
	// 130 ms with 4, 165 ms with 8 and 230 ms without a limit).
	maxLingering          = 256
	maxLingeringPerClient = 4
	// refuseWait is the longest a refused connection is waited on for
	// its request's head, and maxHead the most read of it: fasthttp's
	// header buffer is 4 KB.
	refuseWait = 2 * time.Second
	maxHead    = 8 << 10
)

// connLimiter is a listener that refuses a connection over the limits at
// once, before reading from it: over the total (answered 503), or over
// one client's share (429) unless it comes from a trusted proxy. The
// answer says when to retry, and the connection is closed.
type connLimiter struct {
	net.Listener
	open      *tally // the connections open
	trusted   proxies
	refused   func(reason string)
	answers   map[string][]byte // the HTTP answer to a refused connection, by reason
	lingering *tally            // the refused connections waited on (refuse)
}

func (s *Server) limitConns(ln net.Listener) *connLimiter {
	return &connLimiter{
		Listener:  ln,
		open:      newTally(s.cfg.MaxConns, s.cfg.MaxConnsPerClient),
		trusted:   proxies(s.cfg.TrustedProxies),
		refused:   func(reason string) { s.metrics.rejected.WithLabelValues(reason).Inc() },
		lingering: s.lingering,
		answers: map[string][]byte{
			"connections":        refusal(503, "Service Unavailable"),
			"client_connections": refusal(429, "Too Many Requests"),
		},
	}
}

// refusal is the answer to a refused connection. Nothing of its request
// has been read, not its language: it is in the default one.
func refusal(status int, text string) []byte {
	lang := catalog.Default
	body, _ := json.Marshal(errorBody{Error: errConnections.code(), Message: errConnections.message(lang)})
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Language: %s\r\n"+
		"Retry-After: 2\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", status, text, lang, len(body), body)
}

// Accept returns the next connection within the limits. An error the
// system may get over (out of file descriptors or memory, a connection
// reset before it was taken) is waited out, as net/http's Server waits
// it out, up to acceptBackoffMax between tries: fasthttp ends its server
// on any error but a timeout, and a flood of connections past the
// process's file limit would otherwise stop tessera serve.
func (l *connLimiter) Accept() (net.Conn, error) {
	var wait time.Duration
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if !passing(err) {
				return nil, err
			}
			l.refused("accept_error")
			wait = min(max(2*wait, acceptBackoffMin), acceptBackoffMax)
			time.Sleep(wait)
			continue
		}
		wait = 0
		peer := addrOf(c.RemoteAddr())
		cl := clientOfAddr(peer)
		if l.trusted.trusts(peer) {
			cl = client{} // a proxy's connections count only in the total
		}
		leave, over := l.open.add(cl)
		if over != "" {
			reason := "connections"
			if over == overClient {
				reason = "client_connections"
			}
			l.refused(reason)
			go l.refuse(c, cl, l.answers[reason])
			continue
		}
		return &limitedConn{Conn: c, leave: leave}, nil
	}
}

// The wait after an accept error that passes (passing), doubled on each
// error in a row: net/http's own (5 ms to 1 s).
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

// passing reports whether an accept error is one the system may get over:
// the process or the system out of file descriptors, buffers or memory, a
// connection aborted before it was taken, an interrupted call.
func passing(err error) bool {
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.EINTR, syscall.EAGAIN, syscall.EPROTO, syscall.EPERM} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// refuse answers a refused connection of cl and closes it. It first
// waits for the request's head (refuseWait at most): a client that reads
// an answer before it has asked drops it as unsolicited (Go's client
// does) and reports no answer at all. After the answer it lingers while
// the client may still be sending (linger). Past the lingerers' limits,
// it answers at once and closes.
func (l *connLimiter) refuse(c net.Conn, cl client, answer []byte) {
	defer c.Close()
	done, over := l.lingering.add(cl)
	if over != "" {
		// Answered at once, at the risk of the answer coming before the
		// request or being reset: better than no answer.
		_ = c.SetWriteDeadline(time.Now().Add(refuseWrite))
		_, _ = c.Write(answer)
		return
	}
	defer done()
	_ = c.SetReadDeadline(time.Now().Add(refuseWait))
	readHead(c)
	_ = c.SetWriteDeadline(time.Now().Add(refuseWrite))
	if _, err := c.Write(answer); err == nil {
		linger(c)
	}
}

// readHead reads from c until the end of a request's head (an empty
// line), maxHead bytes, or an error (the read deadline).
func readHead(c net.Conn) {
	var buf [maxHead]byte
	n := 0
	for n < len(buf) {
		k, err := c.Read(buf[n:])
		n += k
		if bytes.Contains(buf[max(0, n-k-3):n], []byte("\r\n\r\n")) || err != nil {
			return
		}
	}
}

// tally counts what is in progress (connections open, refused ones
// waited on), in all and per client, within limits: total in all and
// perClient of one client. The zero client (a trusted proxy, a connection
// without an address) is many people: only the total limits it.
type tally struct {
	total, perClient int
	mu               sync.Mutex
	n                int
	byClient         map[client]int
}

// What tally.add answers past a limit.
const (
	overTotal  = "total"
	overClient = "client"
)

func newTally(total, perClient int) *tally {
	return &tally{total: total, perClient: perClient, byClient: map[client]int{}}
}

// add counts one of cl, unless it would go past a limit: over then says
// which (overTotal, overClient). done uncounts it, once however often it
// is called.
func (t *tally) add(cl client) (done func(), over string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n >= t.total {
		return nil, overTotal
	}
	if cl.IsValid() && t.byClient[cl] >= t.perClient {
		return nil, overClient
	}
	t.n++
	if cl.IsValid() {
		t.byClient[cl]++
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			t.n--
			if cl.IsValid() {
				if t.byClient[cl]--; t.byClient[cl] <= 0 {
					delete(t.byClient, cl)
				}
			}
		})
	}, ""
}

// count is how many are counted now.
func (t *tally) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// limitedConn is an admitted connection; closing it makes room.
type limitedConn struct {
	net.Conn
	leave func() // the tally's done: once however often it is closed
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.leave()
	return err
}

// SyscallConn gives the socket underneath, for clientGone's peek.
func (c *limitedConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.New("api: not a socket")
}
