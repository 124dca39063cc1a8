package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/tessera-cie/tessera/heif"
	"github.com/tessera-cie/tessera/internal/browsertest"
	"github.com/tessera-cie/tessera/internal/testengine"
	"github.com/tessera-cie/tessera/validate"
)

// TestMain lets the test binary serve as the child process HEIF files are
// decoded in (heif.ServeChild), and stops the browser the tests shared
// (browsertest.Stop).
func TestMain(m *testing.M) {
	heif.ServeChild()
	serveWithFewFiles()
	code := m.Run()
	browsertest.Stop()
	os.Exit(code)
}

// realValidator is a validator on the real engine, shared by the tests.
func realValidator(t testing.TB) *validate.Validator {
	t.Helper()
	return validate.New(testengine.Engine(t))
}

// newTestServer is a server on the real engine with cfg.
func newTestServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	return New(cfg, realValidator(t))
}

// response is an answer read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string {
	b := r.body
	if len(b) > 400 {
		b = b[:400]
	}
	return fmt.Sprintf("%d %s", r.status, b)
}

// errorOf decodes a JSON error answer.
func (r response) errorOf(t testing.TB) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error answer is not JSON: %v: %s", err, r)
	}
	if e.Error == "" || e.Message == "" {
		t.Fatalf("error answer lacks code or message: %s", r)
	}
	return e
}

// metricsOf is what s's metrics handler serves.
func metricsOf(t testing.TB, s *Server) string {
	t.Helper()
	w := httptest.NewRecorder()
	s.MetricsHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("metrics: %d", w.Code)
	}
	return w.Body.String()
}

// waitingOn is how many requests wait for an analysis slot of s.
func waitingOn(s *Server) int {
	_, n, _ := s.slots.stats()
	return n
}

// do sends a request through the app in memory.
func do(t testing.TB, s *Server, req *http.Request) response {
	t.Helper()
	resp, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// rawRequest posts data as the body with content type ct ("" for none).
func rawRequest(target, ct string, data []byte) *http.Request {
	req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(data))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	return req
}

// formRequest posts a multipart form with the photo under field (when
// data is not nil) and the given text fields.
func formRequest(t testing.TB, target, field, filename string, data []byte, fields map[string]string) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if data != nil {
		fw, err := mw.CreateFormFile(field, filename)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, target, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

// liveServer serves s on a loopback port until the test ends and returns
// its address.
func liveServer(t testing.TB, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// doLive sends a request made with httptest.NewRequest over the network to
// addr, as a browser or curl would.
func doLive(t testing.TB, addr string, req *http.Request) response {
	t.Helper()
	req.RequestURI = ""
	req.URL.Scheme, req.URL.Host = "http", addr
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// doHeadersOnly sends only the request line and headers of req (with its
// Content-Length) and the body's first byte, as a client does that sends a
// body after its header, and reads the answer: a server must refuse an
// oversize body from the declared length alone, and a client that stops
// there reads the answer without racing the connection's reset.
func doHeadersOnly(t testing.TB, addr string, req *http.Request) response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var first [1]byte
	_, _ = io.ReadFull(req.Body, first[:])
	n, _ := io.Copy(io.Discard, req.Body)
	n++
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", req.Method, req.URL.RequestURI(), addr, n)
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(conn, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprint(conn, "\r\n")
	conn.Write(first[:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}
