package inbox

import (
	"slices"
	"strings"
	"testing"
)

// TestEndpoint reads server URLs once: the default port of each scheme,
// and a server without TLS only on a loopback address, dialled at the
// addresses its name had when read.
func TestEndpoint(t *testing.T) {
	for _, tc := range []struct {
		url      string
		addr     string
		t        transport
		loopback []string // for a plain server
		err      string
	}{
		{"imaps://mail.example.it", "mail.example.it:993", implicitTLS, nil, ""},
		{"imap://mail.example.it/INBOX", "mail.example.it:143", startTLS, nil, ""},
		{"smtps://mail.example.it", "mail.example.it:465", implicitTLS, nil, ""},
		{"smtp://mail.example.it:2525", "mail.example.it:2525", startTLS, nil, ""},
		{"imap+plain://127.0.0.1:1143", "127.0.0.1:1143", plain, []string{"127.0.0.1:1143"}, ""},
		{"smtp+plain://[::1]:2525", "[::1]:2525", plain, []string{"[::1]:2525"}, ""},
		{"imap+plain://127.0.0.1", "", 0, nil, "a port is needed"},
		{"imap+plain://192.0.2.1:143", "", 0, nil, "only on a loopback address"},
		{"pop3://mail.example.it", "", 0, nil, "unknown scheme"},
		{"mail.example.it", "", 0, nil, "want a URL"},
	} {
		s, err := endpoint(tc.url)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want %q", tc.url, err, tc.err)
			}
			continue
		}
		if err != nil || s.addr != tc.addr || s.t != tc.t || !slices.Equal(s.loopback, tc.loopback) {
			t.Errorf("%s: %+v %v, want %s %d %v", tc.url, s, err, tc.addr, tc.t, tc.loopback)
		}
	}
}
