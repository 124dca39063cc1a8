package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestHealth asks servers that are ready, not ready and gone.
func TestHealth(t *testing.T) {
	ready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
		}
	}))
	defer ready.Close()
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"stuck"}`, http.StatusServiceUnavailable)
	}))
	defer stuck.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"ready", []string{"--url", ready.URL + "/readyz"}, 0},
		{"wrong path", []string{"--url", ready.URL + "/nothing"}, 1},
		{"not ready", []string{"--url", stuck.URL + "/readyz"}, 1},
		{"gone", []string{"--url", gone.URL + "/readyz"}, 1},
		{"bad URL", []string{"--url", "::"}, exitUsage},
		{"stray argument", []string{"x"}, exitUsage},
	}
	for _, tc := range tests {
		var out, errb bytes.Buffer
		if got := run(context.Background(), append([]string{"health"}, tc.args...), &out, &errb); got != tc.want {
			t.Errorf("%s: exit %d, want %d (stderr %q)", tc.name, got, tc.want, errb.String())
		}
	}
}

// TestReadyURL: where the health check asks, from the address serve
// listens on.
func TestReadyURL(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"", "http://127.0.0.1:8080/readyz"},
		{":8080", "http://127.0.0.1:8080/readyz"},
		{":9000", "http://127.0.0.1:9000/readyz"},
		{"0.0.0.0:9000", "http://127.0.0.1:9000/readyz"},
		{"[::]:9000", "http://127.0.0.1:9000/readyz"},
		{"127.0.0.1:18080", "http://127.0.0.1:18080/readyz"},
		{"[::1]:8080", "http://[::1]:8080/readyz"},
		{"garbage", "http://127.0.0.1:8080/readyz"},
	}
	for _, tc := range tests {
		if got := readyURL(tc.addr); got != tc.want {
			t.Errorf("readyURL(%q) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}
