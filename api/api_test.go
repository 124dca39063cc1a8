package api

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/validate"
)

// samplePhotos picks photos of every kind from the face folder: faces
// framed in several ways, and photos without a face.
func samplePhotos(t *testing.T) []faceset.Photo {
	t.Helper()
	dir := faceset.Require(t)
	var out []faceset.Photo
	for label, n := range map[string]int{"neutral": 3, "canada": 2, "lisa": 1, "smiling": 1, "nonface": 2} {
		ps, err := faceset.Load(dir, label)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) < n {
			t.Fatalf("%s: %d photos, want at least %d", label, len(ps), n)
		}
		out = append(out, ps[:n]...)
	}
	return out
}

// TestCheckRealPhotos posts real photos raw and as a form and compares the
// answer with what the validator itself says.
func TestCheckRealPhotos(t *testing.T) {
	s := newTestServer(t, Config{})
	v := realValidator(t)
	for _, p := range samplePhotos(t) {
		data, err := os.ReadFile(p.Path)
		if err != nil {
			t.Fatal(err)
		}
		want, err := v.Check(context.Background(), filepath.Base(p.Path), data, validate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		reqs := map[string]*http.Request{
			"raw":       rawRequest("/v1/check?name="+filepath.Base(p.Path), "image/jpeg", data),
			"multipart": formRequest(t, "/v1/check", "photo", filepath.Base(p.Path), data, nil),
		}
		for how, req := range reqs {
			t.Run(p.Label+"/"+p.Name+"/"+how, func(t *testing.T) {
				r := do(t, s, req)
				if r.status != http.StatusOK {
					t.Fatalf("status %s", r)
				}
				var got validate.Report
				if err := json.Unmarshal(r.body, &got); err != nil {
					t.Fatal(err)
				}
				if got.File != filepath.Base(p.Path) || got.Profile != "cie" || got.Pass != want.Pass || len(got.Checks) != len(want.Checks) {
					t.Fatalf("report %+v, want file %s pass %v and %d checks", got, filepath.Base(p.Path), want.Pass, len(want.Checks))
				}
				for i, c := range got.Checks {
					if w := want.Checks[i]; c.ID != w.ID || c.Status != w.Status || c.Message != w.Message {
						t.Errorf("check %d = %s %s %q, validator says %s %s %q", i, c.ID, c.Status, c.Message, w.ID, w.Status, w.Message)
					}
				}
				fc, _ := got.Find("face_count")
				switch p.Label {
				case "nonface":
					if fc.Status == validate.Pass || got.Pass {
						t.Errorf("a photo without a face: face_count %s, pass %v", fc.Status, got.Pass)
					}
				default:
					if fc.Status != validate.Pass || got.Face == nil {
						t.Errorf("a face photo: face_count %s, face %v", fc.Status, got.Face)
					}
				}
			})
		}
	}
}

// TestCheckLanguageAndProfile: ?lang= and Accept-Language pick the
// language, ?profile= the rules.
func TestCheckLanguageAndProfile(t *testing.T) {
	dir := faceset.Require(t)
	data, err := os.ReadFile(filepath.Join(dir, "lisa", "lisa1.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, Config{})
	tests := []struct {
		name, target, accept string
		wantMsg, wantProfile string // the face_count message; the profile
	}{
		{"default Italian", "/v1/check", "", "Un volto", "cie"},
		{"query English", "/v1/check?lang=en", "", "One face", "cie"},
		{"Accept-Language English", "/v1/check", "en-GB,en;q=0.9,it;q=0.5", "One face", "cie"},
		{"query beats header", "/v1/check?lang=it", "en", "Un volto", "cie"},
		{"icao profile", "/v1/check?profile=icao&lang=en", "", "One face", "icao"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := rawRequest(tc.target, "image/jpeg", data)
			if tc.accept != "" {
				req.Header.Set("Accept-Language", tc.accept)
			}
			r := do(t, s, req)
			var rep validate.Report
			if err := json.Unmarshal(r.body, &rep); err != nil || r.status != 200 {
				t.Fatalf("%s (%v)", r, err)
			}
			if c, _ := rep.Find("face_count"); c.Message != tc.wantMsg || rep.Profile != tc.wantProfile {
				t.Errorf("face_count message %q profile %s, want %q %s", c.Message, rep.Profile, tc.wantMsg, tc.wantProfile)
			}
		})
	}
}

// TestBadInput: every kind of bad input gets its status and a JSON error
// in the user's language, never a 500.
func TestBadInput(t *testing.T) {
	// One client sends every case: no rate limit on it.
	s := newTestServer(t, Config{BodyLimit: 1 << 20, ClientRate: -1})
	good := fixture.JPEG(fixture.Gradient(600, 771), 90, &fixture.JFIF{Units: 1, XDen: 400, YDen: 400}, nil)
	tests := []struct {
		name     string
		req      func() *http.Request
		status   int
		code     string
		itPrefix string // start of the Italian message, when checked
	}{
		{"empty body", func() *http.Request { return rawRequest("/v1/check", "image/jpeg", nil) }, 422, "unreadable_image", "Non riesco a leggere"},
		{"empty body, no content type", func() *http.Request { return rawRequest("/v1/check", "", nil) }, 422, "unreadable_image", ""},
		{"truncated JPEG", func() *http.Request { return rawRequest("/v1/check", "image/jpeg", good[:len(good)/3]) }, 422, "unreadable_image", ""},
		{"JPEG header only", func() *http.Request { return rawRequest("/v1/check", "image/jpeg", good[:200]) }, 422, "unreadable_image", ""},
		{"60000x60000 PNG header", func() *http.Request {
			return rawRequest("/v1/check", "image/png", fixture.PNGHeader(60000, 60000))
		}, 422, "too_many_pixels", "L'immagine ha troppi pixel"},
		{"text bytes as an image", func() *http.Request {
			return rawRequest("/v1/check", "image/jpeg", []byte("this is not a photo at all, just words"))
		}, 415, "not_an_image", "Il file non è un'immagine"},
		{"random bytes as a form file", func() *http.Request {
			return formRequest(t, "/v1/check", "photo", "x.jpg", bytes.Repeat([]byte{0x13, 0x37}, 500), nil)
		}, 415, "not_an_image", ""},
		{"oversize body", func() *http.Request {
			return rawRequest("/v1/check", "image/jpeg", append(append([]byte{}, good...), make([]byte, 2<<20)...))
		}, 413, "body_too_large", "Il file è troppo grande: il limite è 1 MB"},
		{"oversize form", func() *http.Request {
			return formRequest(t, "/v1/check", "photo", "big.jpg", make([]byte, 3<<20), nil)
		}, 413, "body_too_large", ""},
		{"bad profile", func() *http.Request { return rawRequest("/v1/check?profile=passport", "image/jpeg", good) }, 400, "unknown_profile", "Profilo sconosciuto"},
		{"bad profile in the form", func() *http.Request {
			return formRequest(t, "/v1/check", "photo", "a.jpg", good, map[string]string{"profile": "xx"})
		}, 400, "unknown_profile", ""},
		{"text content type", func() *http.Request { return rawRequest("/v1/check", "text/plain", good) }, 415, "unsupported_media_type", ""},
		{"JSON content type", func() *http.Request { return rawRequest("/v1/check", "application/json", []byte(`{"photo":1}`)) }, 415, "unsupported_media_type", ""},
		{"broken content type", func() *http.Request { return rawRequest("/v1/check", "image/jpeg; ===", good) }, 415, "unsupported_media_type", ""},
		{"gzip body", func() *http.Request {
			r := rawRequest("/v1/check", "image/jpeg", good)
			r.Header.Set("Content-Encoding", "gzip")
			return r
		}, 415, "unsupported_encoding", ""},
		{"form without the photo", func() *http.Request {
			return formRequest(t, "/v1/check", "picture", "a.jpg", good, nil)
		}, 400, "missing_photo", "Nessuna foto ricevuta"},
		{"form without a boundary", func() *http.Request { return rawRequest("/v1/check", "multipart/form-data", good) }, 400, "malformed_form", ""},
		{"form cut short", func() *http.Request {
			r := formRequest(t, "/v1/check", "photo", "a.jpg", good, nil)
			b := new(bytes.Buffer)
			b.ReadFrom(r.Body)
			cut := httptest.NewRequest(http.MethodPost, "/v1/check", bytes.NewReader(b.Bytes()[:b.Len()/2]))
			cut.Header.Set("Content-Type", r.Header.Get("Content-Type"))
			return cut
		}, 400, "malformed_form", ""},
		{"annotate: bad size", func() *http.Request { return rawRequest("/v1/annotate?size=9", "image/jpeg", good) }, 400, "bad_size", ""},
		{"annotate: not an image", func() *http.Request { return rawRequest("/v1/annotate", "image/png", []byte("GIF89a....")) }, 415, "unsupported_format", ""},
		{"unknown path", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/v2/nothing", nil) }, 404, "not_found", ""},
		{"wrong method", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/v1/check", nil) }, 405, "method_not_allowed", ""},
	}
	for name, magic := range fixture.Magic() {
		status, code, says := 415, "unsupported_format", "Formato non accettato"
		if name == "heic" { // read, so these first bytes are a broken HEIC
			status, code, says = 422, "unreadable_image", "Non riesco a leggere"
		}
		tests = append(tests, struct {
			name     string
			req      func() *http.Request
			status   int
			code     string
			itPrefix string
		}{"format " + name, func() *http.Request { return rawRequest("/v1/check", "image/"+name, magic) }, status, code, says})
	}
	addr := liveServer(t, s) // over the network, as a client
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			send := doLive
			if tc.status == http.StatusRequestEntityTooLarge {
				send = doHeadersOnly
			}
			r := send(t, addr, tc.req())
			if r.status != tc.status {
				t.Fatalf("status %s, want %d", r, tc.status)
			}
			e := r.errorOf(t)
			if e.Error != tc.code {
				t.Errorf("code %q, want %q", e.Error, tc.code)
			}
			if tc.itPrefix != "" && !strings.HasPrefix(e.Message, tc.itPrefix) {
				t.Errorf("message %q, want it to start %q", e.Message, tc.itPrefix)
			}
			// The same request in English says it in English.
			req := tc.req()
			q := req.URL.Query()
			q.Set("lang", "en")
			req.URL.RawQuery = q.Encode()
			en := send(t, addr, req).errorOf(t)
			if en.Error != e.Error || en.Message == e.Message {
				t.Errorf("English answer %+v, Italian %+v", en, e)
			}
		})
	}
}

// TestUnsupportedFormatCarriesReport: a WebP upload, and a HEIC one that
// cannot be read, say how to get a JPG.
func TestUnsupportedFormatCarriesReport(t *testing.T) {
	s := newTestServer(t, Config{})
	for _, tc := range []struct {
		format string
		status int
		fix    string
	}{{"webp", 415, "JPG"}, {"heic", 422, "iPhone"}} {
		r := do(t, s, rawRequest("/v1/check?lang=en", "image/"+tc.format, fixture.Magic()[tc.format]))
		e := r.errorOf(t)
		if r.status != tc.status || e.Report == nil {
			t.Fatalf("%s: %s", tc.format, r)
		}
		if c, ok := e.Report.Find("format"); !ok || c.Status != validate.Fail || !strings.Contains(c.Fix, tc.fix) {
			t.Errorf("%s: format check %+v, want a fail with a fix saying %q", tc.format, c, tc.fix)
		}
	}
}

// TestUnsupportedJPEG: a 12-bit JPEG is refused as a JPEG this server
// cannot read, in the asker's language and naming why, not as a format
// other than JPG; a JPEG libjpeg refuses is unreadable.
func TestUnsupportedJPEG(t *testing.T) {
	s := newTestServer(t, Config{})
	good := fixture.JPEG(fixture.Gradient(300, 400), 90, nil, nil)
	for _, tc := range []struct {
		lang, says string
	}{{"en", "12-bit samples"}, {"it", "campioni a 12 bit"}, {"de", "12-Bit-Abtastwerte"}} {
		r := do(t, s, rawRequest("/v1/check?lang="+tc.lang, "image/jpeg", fixture.WithFrame(good, 0xc1, 12)))
		e := r.errorOf(t)
		if r.status != 415 || e.Error != "unsupported_jpeg" || !strings.Contains(e.Message, tc.says) || e.Report == nil {
			t.Errorf("%s: %s", tc.lang, r)
		}
	}
	r := do(t, s, rawRequest("/v1/check?lang=en", "image/jpeg", fixture.WithoutQuantTables(good)))
	if e := r.errorOf(t); r.status != 422 || e.Error != "unreadable_image" {
		t.Errorf("no quantisation tables: %s", r)
	}
	// The code is one /openapi.json names.
	if r := do(t, s, httptest.NewRequest(http.MethodGet, "/openapi.json", nil)); !strings.Contains(string(r.body), `"unsupported_jpeg"`) {
		t.Error("openapi.json does not name unsupported_jpeg")
	}
}

// TestAnnotate returns a PNG of the photo scaled to the asked size, with
// the verdict in a header.
func TestAnnotate(t *testing.T) {
	dir := faceset.Require(t)
	s := newTestServer(t, Config{})
	for _, name := range []string{"canada/003f.jpg", "neutral/002_03.jpg"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, size := range []int{0, 500} {
			target := "/v1/annotate"
			if size > 0 {
				target += "?size=500"
			}
			r := do(t, s, rawRequest(target, "image/jpeg", data))
			if r.status != 200 || r.header.Get("Content-Type") != "image/png" {
				t.Fatalf("%s: %s", name, r)
			}
			if p := r.header.Get("X-Tessera-Pass"); p != "true" && p != "false" {
				t.Errorf("X-Tessera-Pass %q", p)
			}
			img, err := png.Decode(bytes.NewReader(r.body))
			if err != nil {
				t.Fatal(err)
			}
			want := DefaultAnnotateSize
			if size > 0 {
				want = size
			}
			if b := img.Bounds(); max(b.Dx(), b.Dy()) != want {
				t.Errorf("%s size %d: picture %v", name, size, b)
			}
		}
	}
}

// TestHealthReadyMetrics: liveness always, readiness once the model is
// there, and metrics per server.
func TestHealthReadyMetrics(t *testing.T) {
	s := New(Config{}, nil)
	get := func(path string) response { return do(t, s, httptest.NewRequest(http.MethodGet, path, nil)) }
	if r := get("/healthz"); r.status != 200 {
		t.Errorf("healthz %s", r)
	}
	if r := get("/readyz"); r.status != 503 || r.errorOf(t).Error != "not_ready" {
		t.Errorf("readyz before the model %s", r)
	}
	good := fixture.JPEG(fixture.Gradient(600, 771), 90, nil, nil)
	if r := do(t, s, rawRequest("/v1/check", "image/jpeg", good)); r.status != 503 || r.errorOf(t).Error != "not_ready" {
		t.Errorf("check before the model %s", r)
	}
	s.SetValidator(realValidator(t))
	if r := get("/readyz"); r.status != 200 {
		t.Errorf("readyz after the model %s", r)
	}
	if r := do(t, s, rawRequest("/v1/check", "image/jpeg", good)); r.status != 200 {
		t.Fatalf("check %s", r)
	}
	do(t, s, rawRequest("/v1/check", "image/jpeg", nil))
	m := metricsOf(t, s)
	for _, want := range []string{
		`tessera_http_requests_total{code="200",method="POST",route="/v1/check"} 1`,
		`tessera_http_requests_total{code="503",method="POST",route="/v1/check"} 1`,
		`tessera_http_requests_total{code="422",method="POST",route="/v1/check"} 1`,
		`tessera_http_request_duration_seconds_count{route="/v1/check"} 3`,
		`tessera_check_outcomes_total{check="dpi",status="fail"} 1`,
		`tessera_check_outcomes_total{check="face_count",status="fail"} 1`,
		`tessera_photos_total{result="fail"} 1`,
		`tessera_photos_total{result="error"} 1`,
		`tessera_photos_in_flight 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// A second server counts on its own.
	other := New(Config{}, realValidator(t))
	om := metricsOf(t, other)
	if strings.Contains(om, `route="/v1/check"`) {
		t.Error("a new server's metrics show the other server's requests")
	}
	// Not on the server's own routes.
	if r := get("/metrics"); r.status != http.StatusNotFound {
		t.Errorf("/metrics on the public listener: %s, want 404", r)
	}
	// Random paths do not grow the label set.
	get("/random/a")
	get("/random/b")
	m = metricsOf(t, s)
	if strings.Contains(m, "/random") || !strings.Contains(m, `tessera_http_requests_total{code="404",method="GET",route="other"} 3`) {
		t.Error("unmatched paths are not counted as route=other")
	}
}

// TestSaturation: with every slot busy, requests wait in the queue; a full
// queue answers 429, a wait past the queue timeout 503, an analysis past
// the request timeout 503.
func TestSaturation(t *testing.T) {
	det := fixture.NewBlockingDetector()
	s := New(Config{MaxConcurrent: 1, MaxWaiting: 1, QueueTimeout: 200 * time.Millisecond, RequestTimeout: time.Hour}, validate.New(det))
	photo := fixture.JPEG(fixture.Gradient(64, 80), 90, nil, nil)
	first := make(chan response, 1)
	go func() { first <- do(t, s, rawRequest("/v1/check", "image/jpeg", photo)) }()
	<-det.Entered // the only slot is taken

	second := make(chan response, 1)
	go func() { second <- do(t, s, rawRequest("/v1/check?lang=en", "image/jpeg", photo)) }()
	for waitingOn(s) == 0 {
		time.Sleep(time.Millisecond)
	}
	// The queue (one place) is full: the third is turned away at once.
	r := do(t, s, rawRequest("/v1/check", "image/jpeg", photo))
	if r.status != 429 || r.errorOf(t).Error != "too_many_requests" || r.header.Get("Retry-After") == "" {
		t.Errorf("third request %s, want 429 with Retry-After", r)
	}
	// The second waits past the queue timeout.
	if r := <-second; r.status != 503 || r.errorOf(t).Error != "busy" {
		t.Errorf("second request %s, want 503 busy", r)
	}
	close(det.Release)
	if r := <-first; r.status != 200 {
		t.Errorf("first request %s", r)
	}

	// An analysis that outlives the request timeout.
	det2 := fixture.NewBlockingDetector()
	s2 := New(Config{MaxConcurrent: 1, RequestTimeout: 50 * time.Millisecond}, validate.New(det2))
	if r := do(t, s2, rawRequest("/v1/check", "image/jpeg", photo)); r.status != 503 || r.errorOf(t).Error != "timeout" {
		t.Errorf("stuck analysis %s, want 503 timeout", r)
	}
	if n, _, _ := s2.slots.stats(); n != 0 {
		t.Errorf("%d slots still taken after the timeout", n)
	}
}

// TestGracefulShutdown: cancelling Serve's context lets the request in
// flight finish, then Serve returns.
func TestGracefulShutdown(t *testing.T) {
	det := fixture.NewBlockingDetector()
	s := New(Config{MaxConcurrent: 1}, validate.New(det))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	photo := fixture.JPEG(fixture.Gradient(64, 80), 90, nil, nil)
	got := make(chan int, 1)
	go func() {
		resp, err := http.Post("http://"+ln.Addr().String()+"/v1/check", "image/jpeg", bytes.NewReader(photo))
		if err != nil {
			t.Error(err)
			got <- 0
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	<-det.Entered
	cancel() // SIGTERM
	select {
	case err := <-served:
		t.Fatalf("Serve returned with a request in flight: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(det.Release)
	if code := <-got; code != 200 {
		t.Errorf("request in flight got %d", code)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("server still answers after shutdown")
	}
}

// TestOpenAPIMatchesRoutes keeps /openapi.json true to the routes: every
// route is documented and every documented path is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := New(Config{}, nil)
	r := do(t, s, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil || r.status != 200 {
		t.Fatalf("openapi.json: %v %s", err, r)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi version %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	served := map[string]bool{}
	for _, rt := range s.App().GetRoutes(true) {
		if rt.Method == http.MethodHead { // Fiber adds HEAD to every GET
			continue
		}
		p := rt.Path
		parts := strings.Split(p, "/")
		for i, seg := range parts {
			if strings.HasPrefix(seg, ":") {
				parts[i] = "{" + strings.TrimPrefix(seg, ":") + "}"
			}
		}
		served[rt.Method+" "+strings.Join(parts, "/")] = true
	}
	for k := range served {
		if !documented[k] {
			t.Errorf("route %s is not in openapi.json", k)
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("openapi.json documents %s, which is not served", k)
		}
	}
	if len(served) < 10 {
		t.Errorf("only %d routes found: %v", len(served), served)
	}
}

// TestStaticAssets are embedded and typed.
func TestStaticAssets(t *testing.T) {
	s := New(Config{}, nil)
	for path, ct := range map[string]string{"/static/style.css": "text/css", "/static/app.js": "javascript"} {
		r := do(t, s, httptest.NewRequest(http.MethodGet, path, nil))
		if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), ct) || len(r.body) < 100 {
			t.Errorf("%s: %d %s", path, r.status, r.header.Get("Content-Type"))
		}
	}
	if r := do(t, s, httptest.NewRequest(http.MethodGet, "/static/..%2fpage.html", nil)); r.status != 404 {
		t.Errorf("path escape: %d", r.status)
	}
}
