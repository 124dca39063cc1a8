package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// TestFraming sends requests whose body length is ambiguous (RFC 9112
// section 6.3: Content-Length with Transfer-Encoding, two Content-Lengths
// that disagree): each is refused 400 and its connection closed, before
// a handler sees it, so that no body is read as the next request.
func TestFraming(t *testing.T) {
	s := newTestServer(t, Config{})
	addr := liveServer(t, s)
	tests := []struct{ name, head, body string }{
		{"length and chunked", "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"chunked and length", "Transfer-Encoding: chunked\r\nContent-Length: 40\r\n", "0\r\n\r\n"},
		{"two lengths", "Content-Length: 4\r\nContent-Length: 40\r\n", "abcd"},
		{"two lengths in one field", "Content-Length: 4, 40\r\n", "abcd"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dialFrom(t, "127.0.0.13", addr)
			defer c.Close()
			fmt.Fprintf(c, "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n%s\r\n%s", tc.head, tc.body)
			r, closed := readAnswer(t, c)
			if r.status != http.StatusBadRequest || !closed {
				t.Errorf("%s, closed %v; want 400 and the connection closed", r, closed)
			}
			if r.header.Get("Cache-Control") != "no-store" || r.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers %v: want no-store and nosniff", r.header)
			}
		})
	}
}

// TestNotStored: every answer of the API, and every error, tells caches
// not to keep it and browsers not to guess its type; the page's assets
// stay cacheable.
func TestNotStored(t *testing.T) {
	s := newTestServer(t, Config{})
	photo := fixture.JPEG(fixture.Gradient(600, 771), 90, nil, nil)
	reqs := map[string]*http.Request{
		"check":        rawRequest("/v1/check", "image/jpeg", photo),
		"annotate":     rawRequest("/v1/annotate", "image/jpeg", photo),
		"fix":          rawRequest("/v1/fix", "image/jpeg", photo),
		"print":        rawRequest("/v1/print", "image/jpeg", photo),
		"email":        rawRequest("/v1/check/email", "message/rfc822", []byte("Subject: x\r\n\r\nno photo\r\n")),
		"not an image": rawRequest("/v1/check", "image/jpeg", []byte("x")),
		"page":         httptest.NewRequest(http.MethodGet, "/", nil),
		"health":       httptest.NewRequest(http.MethodGet, "/healthz", nil),
		"openapi":      httptest.NewRequest(http.MethodGet, "/openapi.json", nil),
		"not found":    httptest.NewRequest(http.MethodGet, "/nowhere", nil),
		"wrong method": httptest.NewRequest(http.MethodDelete, "/v1/check", nil),
	}
	for name, req := range reqs {
		r := do(t, s, req)
		if got := r.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s (%d): Cache-Control %q, want no-store", name, r.status, got)
		}
		if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s (%d): X-Content-Type-Options %q, want nosniff", name, r.status, got)
		}
	}
	r := do(t, s, httptest.NewRequest(http.MethodGet, "/static/style.css", nil))
	if got := r.header.Get("Cache-Control"); r.status != http.StatusOK || got == "no-store" {
		t.Errorf("the style: %d, Cache-Control %q: want it cacheable", r.status, got)
	}
}
