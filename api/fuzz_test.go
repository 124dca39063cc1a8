package api

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// FuzzReadMultipart reads arbitrary bytes as the multipart form of an
// upload: it must not panic, and the photo is at most the body.
func FuzzReadMultipart(f *testing.F) {
	small := fixture.JPEG(fixture.Gradient(20, 26), 80, nil, nil)
	form := func(parts ...string) []byte { return []byte(strings.Join(parts, "\r\n")) }
	f.Add(form("--b", `Content-Disposition: form-data; name="photo"; filename="a.jpg"`, "Content-Type: image/jpeg", "", string(small), "--b", `Content-Disposition: form-data; name="lang"`, "", "en", "--b--", ""), "b")
	f.Add(form("--b", `Content-Disposition: form-data; name="picture"; filename="../../etc/passwd"`, "", "x", "--b--", ""), "b")
	f.Add(form("--b", `Content-Disposition: form-data; name="photo"`, "", "cut short"), "b")
	f.Add([]byte("no boundary at all"), "")
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		up, e := readMultipart(body, boundary)
		if e == nil && (up == nil || len(up.data) > len(body)) {
			t.Fatalf("upload %+v from %d bytes", up, len(body))
		}
		if e == nil && strings.Contains(up.name, "/") && up.name != "/" {
			t.Fatalf("file name %q keeps a path", up.name)
		}
	})
}

// FuzzForwardedFor reads arbitrary X-Forwarded-For fields from a trusted
// proxy: it must not panic, the client is always an address (a proxy's
// at worst), never a trusted proxy when an untrusted address comes before
// (read from the right) the first entry that cannot be read, and an
// untrusted peer is its own client whatever it writes.
func FuzzForwardedFor(f *testing.F) {
	f.Add("203.0.113.5")
	f.Add("198.51.100.1, 10.0.0.7")
	f.Add("2001:db8::1, ::ffff:10.0.0.8")
	f.Add("evil, 203.0.113.5")
	f.Add("")
	proxy := netip.MustParseAddr("10.0.0.7")
	trusted := proxies{netip.MustParsePrefix("10.0.0.0/24")}
	f.Fuzz(func(t *testing.T, xff string) {
		cl := forwardedFor(proxy, [][]byte{[]byte(xff)}, trusted)
		if !cl.IsValid() {
			t.Fatalf("%q: no client", xff)
		}
		if trusted.trusts(cl.Addr()) {
			fields := strings.Split(xff, ",")
			for i := len(fields) - 1; i >= 0; i-- {
				a, err := netip.ParseAddr(strings.TrimSpace(fields[i]))
				if err != nil {
					break
				}
				if !trusted.trusts(a.Unmap()) {
					t.Fatalf("%q: client %v is a trusted proxy", xff, cl)
				}
			}
		}
		stranger := netip.MustParseAddr("192.0.2.9")
		if got := forwardedFor(stranger, [][]byte{[]byte(xff)}, trusted); got != clientOfAddr(stranger) {
			t.Fatalf("%q from an untrusted peer: client %v", xff, got)
		}
	})
}
