package api

import (
	"bytes"
	"fmt"
	"math"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/time/rate"
)

// A client is who the per-client limits count: the address a connection
// comes from, or, behind a proxy the office trusts, the address that
// proxy says it forwards. IPv6 addresses are counted by their /56, the
// block a home is usually given: counting each address would let a single
// subscriber be millions of clients, and counting each /64 (one network of
// that home) let it be 256, enough to hold every connection and the whole
// body budget at a few kilobytes a second (found by a reviewer). Phones
// given a /64 each by their carrier may share a /56 with other phones, as
// homes behind one IPv4 address share it.
type client = netip.Prefix

// ipv6ClientBits is the prefix an IPv6 client is counted by: RFC 6177
// has a home site given a /56 or a /48 (a /64 at least), and a /56 is what
// providers commonly give a household.
const ipv6ClientBits = 56

// clientOfAddr is the client an address belongs to; the zero client for
// an address that cannot be read.
func clientOfAddr(a netip.Addr) client {
	a = a.Unmap()
	if !a.IsValid() {
		return client{}
	}
	bits := 32
	if a.Is6() {
		bits = ipv6ClientBits
	}
	p, _ := a.Prefix(bits)
	return p
}

// addrOf is the IP address of a network address; the zero Addr for one
// that is not an IP address (the in-memory test connection's).
func addrOf(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(ta.IP)
		return ip.Unmap()
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// proxies is the set of proxies whose X-Forwarded-For is believed.
type proxies []netip.Prefix

// ParseProxies reads a comma-separated list of proxy addresses and
// networks ("10.0.0.5, 192.168.10.0/24, 2001:db8::/48"), the proxies in
// front of the server whose X-Forwarded-For it believes.
func ParseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("api: trusted proxy %q is neither an address nor a network", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// trusts reports whether a is one of the trusted proxies.
func (ps proxies) trusts(a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientKey holds, in the request's locals, its client once read.
const clientKey = "tessera.client"

// clientOf is the client of a request (forwardedFor), read once and kept
// on the request: admit, a refusal and the analysis slot all ask.
func (s *Server) clientOf(c *fiber.Ctx) client {
	if cl, ok := c.Locals(clientKey).(client); ok {
		return cl
	}
	cl := forwardedFor(addrOf(c.Context().RemoteAddr()), c.Request().Header.PeekAll(fiber.HeaderXForwardedFor), s.cfg.TrustedProxies)
	c.Locals(clientKey, cl)
	return cl
}

// forwardedFor is the client of a request from peer with the given
// X-Forwarded-For fields: the peer's address, or when the peer is a
// trusted proxy, the last address of X-Forwarded-For that is not itself
// a trusted proxy (each proxy appends the address it was reached from, so
// the addresses before it are whatever the client wrote). An entry that
// cannot be read leaves the address of the trusted proxy that wrote it:
// better one client too many than a forged one.
func forwardedFor(peer netip.Addr, xff [][]byte, trusted proxies) client {
	if !trusted.trusts(peer) {
		return clientOfAddr(peer)
	}
	var fields [][]byte
	for _, v := range xff {
		fields = append(fields, bytes.Split(v, []byte{','})...)
	}
	for i := len(fields) - 1; i >= 0; i-- {
		a, err := parseForwarded(string(bytes.TrimSpace(fields[i])))
		if err != nil {
			return clientOfAddr(peer)
		}
		a = a.Unmap()
		if !trusted.trusts(a) {
			return clientOfAddr(a)
		}
		peer = a
	}
	return clientOfAddr(peer)
}

// parseForwarded reads one X-Forwarded-For entry: an address, or an
// address with a port as some load balancers write it ("192.0.2.1:4711",
// "[2001:db8::1]:443").
func parseForwarded(f string) (netip.Addr, error) {
	a, err := netip.ParseAddr(f)
	if err == nil {
		return a, nil
	}
	ap, err2 := netip.ParseAddrPort(f)
	if err2 != nil {
		return netip.Addr{}, err
	}
	return ap.Addr(), nil
}

// clientTable holds, per client, the requests it has in progress and its
// rate: what lets one client's flood cost that client 429s while the
// others are served.
type clientTable struct {
	maxActive int        // requests one client may have in progress
	rate      rate.Limit // requests per second one client may start, sustained; 0: no limit
	burst     int        // ... and at once after a pause
	mu        sync.Mutex
	m         map[client]*clientState
}

// clientState is one client's entry.
type clientState struct {
	active  int
	limiter *rate.Limiter
}

// maxClients bounds the table. When it is full, the clients with nothing
// in progress and a full allowance are forgotten (they lose nothing);
// when none are, every idle client is, which gives their allowances back
// early. Clients in progress are at most the server's connections.
const maxClients = 1 << 16

func newClientTable(maxActive int, perSecond float64, burst int) *clientTable {
	return &clientTable{maxActive: maxActive, rate: rate.Limit(perSecond), burst: burst, m: map[client]*clientState{}}
}

// begin counts a request of cl that is starting. It answers
// errClientBusy when cl already has maxActive requests in progress and
// errClientRate when cl has started more than its rate allows; else the
// caller must call the end it returns when the request is over.
//
// A connection with no IP address (a Unix socket, the in-memory test
// connection) is not a network client: it has no limits.
func (t *clientTable) begin(cl client, now time.Time) (end func(), e *apiError) {
	if !cl.IsValid() {
		return func() {}, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.m[cl]
	if st == nil {
		if len(t.m) >= maxClients {
			t.sweep(now)
		}
		st = &clientState{}
		if t.rate > 0 {
			st.limiter = rate.NewLimiter(t.rate, t.burst)
		}
		t.m[cl] = st
	}
	if st.active >= t.maxActive {
		return nil, errClientBusy
	}
	if st.limiter != nil && !st.limiter.AllowN(now, 1) {
		e := *errClientRate
		wait := (1 - st.limiter.TokensAt(now)) / float64(t.rate)
		e.args = []any{max(1, int(math.Ceil(wait)))}
		return nil, &e
	}
	st.active++
	var once sync.Once
	return func() {
		once.Do(func() {
			t.mu.Lock()
			st.active--
			t.mu.Unlock()
		})
	}, nil
}

// sweep forgets idle clients; t.mu is held.
func (t *clientTable) sweep(now time.Time) {
	n := len(t.m)
	for cl, st := range t.m {
		if st.active == 0 && (st.limiter == nil || st.limiter.TokensAt(now) >= float64(t.burst)) {
			delete(t.m, cl)
		}
	}
	if len(t.m) < n {
		return
	}
	for cl, st := range t.m {
		if st.active == 0 {
			delete(t.m, cl)
		}
	}
}

// activeTotal is the number of requests in progress of every client.
func (t *clientTable) activeTotal() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, st := range t.m {
		n += st.active
	}
	return n
}
