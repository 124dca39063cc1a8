package api

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/catalog"

	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/validate"
)

// TestHostileFiles sends the crafted files of issue 9 to /v1/check and in
// one email, over the network: the photos whose pixels are fine are checked
// with their broken EXIF ignored, the broken one is refused with 422, the
// email answers for each photo, and a good photo is checked afterwards.
func TestHostileFiles(t *testing.T) {
	s := newTestServer(t, Config{})
	addr := liveServer(t, s)
	good := fixture.JPEG(fixture.Gradient(300, 400), 90, nil, nil)
	files := []struct {
		name   string
		data   []byte
		status int
	}{
		{"d1-exif-loop.jpg", fixture.HostileEXIFLoop(good), http.StatusOK},
		{"d2-exif-count.jpg", fixture.HostileEXIFCount(good), http.StatusOK},
		{"d3-segment-length.jpg", fixture.HostileSegmentLength(), http.StatusUnprocessableEntity},
	}
	for _, f := range files {
		r := doLive(t, addr, rawRequest("/v1/check", "image/jpeg", f.data))
		if r.status != f.status {
			t.Errorf("%s: %s, want %d", f.name, r, f.status)
		}
	}

	var msg strings.Builder
	msg.WriteString("From: a@b.it\nSubject: foto\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n")
	for _, f := range append(files, struct {
		name   string
		data   []byte
		status int
	}{"good.jpg", good, http.StatusOK}) {
		msg.WriteString("--b\nContent-Type: image/jpeg; name=" + f.name + "\nContent-Disposition: attachment; filename=" + f.name + "\nContent-Transfer-Encoding: base64\n\n" + fixture.Base64Lines(f.data) + "\n")
	}
	msg.WriteString("--b--\n")
	r := doLive(t, addr, rawRequest("/v1/check/email?lang=en", "message/rfc822", fixture.CRLF(msg.String())))
	if r.status != http.StatusOK {
		t.Fatalf("email: %s", r)
	}
	var out EmailResult
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Reports) != 4 {
		t.Fatalf("email: %d reports, want 4", len(out.Reports))
	}
	for _, rep := range out.Reports {
		unreadable := rep.File == "d3-segment-length.jpg"
		if (rep.Error != "") != unreadable {
			t.Errorf("email: %s: error %q", rep.File, rep.Error)
		}
		if c, _ := rep.Find("face_count"); !unreadable && c.Status == validate.Skip {
			t.Errorf("email: %s was not checked", rep.File)
		}
	}
	if r := doLive(t, addr, rawRequest("/v1/check", "image/jpeg", good)); r.status != http.StatusOK {
		t.Errorf("a good photo afterwards: %s", r)
	}
}

// TestUnreadableRequestIsJSON sends a request line and a header too long
// for the server to read: neither path nor language can be known, and the
// answer is the JSON error, on the API's paths as elsewhere.
func TestUnreadableRequestIsJSON(t *testing.T) {
	s := newTestServer(t, Config{})
	addr := liveServer(t, s)
	longURL := httptest.NewRequest(http.MethodPost, "/v1/check?x="+strings.Repeat("a", 9000), nil)
	longHeader := httptest.NewRequest(http.MethodPost, "/v1/check", nil)
	longHeader.Header.Set("X-Long", strings.Repeat("b", 9000))
	for name, req := range map[string]*http.Request{"long URL": longURL, "long header": longHeader} {
		r := doLive(t, addr, req)
		if r.status != http.StatusRequestHeaderFieldsTooLarge || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: %s (%s), want 431 as JSON", name, r, r.header.Get("Content-Type"))
			continue
		}
		if e := r.errorOf(t); e.Error != "header_too_large" || e.Message == "" {
			t.Errorf("%s: error %+v", name, e)
		}
	}
	// A request the server reads still gets the page's HTML error.
	r := doLive(t, addr, httptest.NewRequest(http.MethodGet, "/static/nothing.css", nil))
	if r.status != http.StatusNotFound || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("web 404: %s (%s), want the HTML page", r, r.header.Get("Content-Type"))
	}
}

// TestFormLanguageInErrors sends forms with the field lang=en that fail:
// the error is in English, as the report would be.
func TestFormLanguageInErrors(t *testing.T) {
	s := newTestServer(t, Config{})
	en := map[string]string{"lang": "en"}
	tests := []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"not an image", formRequest(t, "/v1/check", "photo", "x.jpg", []byte("just some words, not a photo"), en), http.StatusUnsupportedMediaType},
		{"no photo field", formRequest(t, "/v1/check", "picture", "x.jpg", []byte("x"), en), http.StatusBadRequest},
		{"unknown profile", formRequest(t, "/v1/check", "photo", "x.jpg", fixture.HostileSegmentLength(), map[string]string{"lang": "en", "profile": "xx"}), http.StatusBadRequest},
		{"unreadable", formRequest(t, "/v1/check", "photo", "x.jpg", fixture.HostileSegmentLength(), en), http.StatusUnprocessableEntity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, tc.req)
			if r.status != tc.status {
				t.Fatalf("%s, want %d", r, tc.status)
			}
			e := r.errorOf(t)
			// The Italian messages all carry one of these words.
			for _, it := range []string{" non ", "Nessuna", "Profilo", "riesco"} {
				if strings.Contains(e.Message, it) {
					t.Errorf("message %q is Italian, the form asked for English", e.Message)
				}
			}
		})
	}
}

// TestMemoryBudget sends, to a server whose validator has a small memory
// budget, a PNG that alone needs more: it is refused with 422 too_heavy
// before a pixel is decoded, in the user's language, and a small photo is
// still checked.
func TestMemoryBudget(t *testing.T) {
	small := fixture.JPEG(fixture.Gradient(300, 400), 90, nil, nil)
	big := fixture.PNG(fixture.Gradient(2000, 2600), 0)
	budget := validate.Cost(small) * 2
	if validate.Cost(big) <= budget {
		t.Fatalf("the big photo costs %d, within the budget %d", validate.Cost(big), budget)
	}
	s := New(Config{}, realValidator(t).WithMemoryBudget(budget))
	for _, lang := range catalog.Languages() {
		r := do(t, s, rawRequest("/v1/check?lang="+lang, "image/png", big))
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %s, want 422", lang, r)
		}
		if e := r.errorOf(t); e.Error != "too_heavy" || (lang == "en") != strings.Contains(e.Message, "memory") {
			t.Errorf("%s: error %+v", lang, e)
		}
	}
	if r := do(t, s, rawRequest("/v1/check", "image/jpeg", small)); r.status != http.StatusOK {
		t.Errorf("a small photo: %s", r)
	}
}

// TestReadyWhenStuck takes the one analysis slot of a server idle for a
// while with a check that ignores its deadline: /readyz stays ready while
// the check is young, turns 503 stuck once the slot has been held for twice
// the request timeout, and ready again when the check ends.
func TestReadyWhenStuck(t *testing.T) {
	const timeout = 100 * time.Millisecond
	det := fixture.NewBlockingDetector()
	det.Deaf = true
	s := New(Config{MaxConcurrent: 1, RequestTimeout: timeout, QueueTimeout: timeout}, validate.New(det))
	addr := liveServer(t, s)
	ready := func() int {
		return doLive(t, addr, httptest.NewRequest(http.MethodGet, "/readyz", nil)).status
	}
	if got := ready(); got != http.StatusOK {
		t.Fatalf("readyz before: %d", got)
	}
	// An idle server whose one slot is then taken is busy, not stuck.
	time.Sleep(2*timeout + 50*time.Millisecond)
	done := make(chan response, 1)
	go func() {
		done <- doLive(t, addr, rawRequest("/v1/check", "image/jpeg", fixture.JPEG(fixture.Gradient(300, 400), 90, nil, nil)))
	}()
	<-det.Entered
	if got := ready(); got != http.StatusOK {
		t.Errorf("readyz with the slot just taken: %d, want 200", got)
	}
	time.Sleep(2*timeout + 50*time.Millisecond)
	r := doLive(t, addr, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if r.status != http.StatusServiceUnavailable || r.errorOf(t).Error != "stuck" {
		t.Errorf("readyz with the slot stuck: %s, want 503 stuck", r)
	}
	close(det.Release)
	<-done
	if got := ready(); got != http.StatusOK {
		t.Errorf("readyz after: %d, want 200", got)
	}
}

// TestAbandonedRequests queues five requests behind a photo being
// analysed and closes their connections: none of them is analysed once a
// slot frees, and the next client's photo is.
func TestAbandonedRequests(t *testing.T) {
	det := fixture.NewBlockingDetector()
	s := New(Config{MaxConcurrent: 1, ClientRequests: 10}, validate.New(det)) // one client sends all six
	addr := liveServer(t, s)
	photo := fixture.JPEG(fixture.Gradient(300, 400), 90, nil, nil)
	first := make(chan response, 1)
	go func() { first <- doLive(t, addr, rawRequest("/v1/check", "image/jpeg", photo)) }()
	<-det.Entered

	const abandoned = 5
	for range abandoned {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", len(photo))
		conn.Write(photo)
		conn.Close()
	}
	// Let the server read them all and queue them for the slot.
	deadline := time.Now().Add(5 * time.Second)
	for waitingOn(s) < abandoned && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := waitingOn(s); got != abandoned {
		t.Fatalf("%d requests waiting for the slot, want %d", got, abandoned)
	}
	close(det.Release)
	if r := <-first; r.status != http.StatusOK {
		t.Fatalf("first: %s", r)
	}
	if r := doLive(t, addr, rawRequest("/v1/check", "image/jpeg", photo)); r.status != http.StatusOK {
		t.Fatalf("next client: %s", r)
	}
	if got := len(det.Entered); got != 1 {
		t.Errorf("%d more photos reached the detector after the first, want 1 (the next client's): the abandoned ones were analysed", got)
	}
}
