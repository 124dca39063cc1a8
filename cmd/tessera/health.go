package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// healthTimeout bounds the whole probe: a container's HEALTHCHECK (the
// Dockerfile's) gives it 5 s.
const healthTimeout = 3 * time.Second

// runHealth asks a running `tessera serve` whether it is ready (GET
// /readyz) and exits 0 when it answers 200, 1 otherwise: the image's
// HEALTHCHECK, which needs no shell or curl to ask with. By default it
// asks the port the server listens on in the same container
// (TESSERA_ADDR, as serve reads it; :8080 without it).
func runHealth(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("health", "usage: tessera health [--url URL]", stderr)
	url := fs.String("url", readyURL(os.Getenv("TESSERA_ADDR")), "the address to ask; 200 is healthy (default from TESSERA_ADDR)")
	if code, stop := stopped(fs.Parse(args)); stop {
		return code
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "tessera health: %v\n", err)
		return exitUsage
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "tessera health: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "tessera health: %s answered %s\n", *url, resp.Status)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %s\n", *url, resp.Status)
	return 0
}

// readyURL is the /readyz address of a server listening on addr
// (HOST:PORT, the host empty for every interface): on the loopback
// interface when the host is empty or unspecified.
func readyURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if addr == "" || err != nil {
		host, port = "", "8080"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz"
}
