package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/catalog"

	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/internal/fixture"
	"github.com/tessera-cie/tessera/validate"
)

func TestIndexPage(t *testing.T) {
	s := New(Config{}, nil)
	tests := []struct {
		name, target, accept string
		want                 []string
	}{
		{"Italian by default", "/", "", []string{`<html lang="it">`, `action="/check?lang=it#result"`, "Controlla la foto", `href="/?lang=en"`, "400 DPI, max 500 KB"}},
		{"English by query", "/?lang=en", "", []string{`<html lang="en">`, `action="/check?lang=en#result"`, "Check the photo", `href="/?lang=it"`, "400 DPI, at most 500 KB"}},
		{"English by Accept-Language", "/", "en-US,en;q=0.8", []string{`<html lang="en">`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.target, nil)
			if tc.accept != "" {
				req.Header.Set("Accept-Language", tc.accept)
			}
			r := do(t, s, req)
			page := string(r.body)
			if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Fatalf("%d %s", r.status, r.header.Get("Content-Type"))
			}
			want := append([]string{
				`enctype="multipart/form-data"`, `method="post"`,
				`<label class="drop" id="drop" for="photo">`,
				`<input type="file" id="photo" name="photo" accept="image/*" required`, // the camera stays on offer
				`<meta name="viewport" content="width=device-width, initial-scale=1">`,
				`aria-live="polite"`,
			}, tc.want...)
			for _, w := range want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %s", w)
				}
			}
			if strings.Contains(page, "capture") {
				t.Error("the file input forces the camera: a phone must offer the gallery too")
			}
			if regexp.MustCompile(`(src|href)="(https?:)?//`).MatchString(page) {
				t.Error("the page loads something from another site")
			}
			if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("CSP %q", csp)
			}
		})
	}
}

// TestFormPostWithoutJavaScript posts the page's form as a browser without
// JavaScript does, over the network, and reads the result page.
func TestFormPostWithoutJavaScript(t *testing.T) {
	dir := faceset.Require(t)
	s := newTestServer(t, Config{BodyLimit: 2 << 20})
	addr := liveServer(t, s)
	v := realValidator(t)
	for _, name := range []string{"canada/003f.jpg", "lisa/lisa2.jpg", "nonface/flower-2071522_640.jpg"} {
		for _, lang := range catalog.Languages() {
			t.Run(name+"/"+lang, func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				rep, err := v.Check(context.Background(), filepath.Base(name), data, validate.Options{Lang: lang})
				if err != nil {
					t.Fatal(err)
				}
				req := formRequest(t, "/check?lang="+lang, "photo", filepath.Base(name), data, map[string]string{"profile": "cie", "lang": lang})
				r := doLive(t, addr, req)
				page := string(r.body)
				if r.status != 200 || !strings.Contains(page, `<html lang="`+lang+`">`) {
					t.Fatalf("%s", r)
				}
				if got := r.header.Get("Content-Language"); got != lang {
					t.Errorf("Content-Language %q", got)
				}
				verdict := catalog.Say(lang, "page.pass")
				if !rep.Pass {
					verdict = strings.SplitN(catalog.Say(lang, "page.fail", 2), ":", 2)[0]
				}
				if !strings.Contains(page, html.EscapeString(verdict)) {
					t.Errorf("page lacks the verdict %q", verdict)
				}
				// The verdict is the title's first words (what a screen
				// reader says first, what the tab shows) and a status message.
				title := catalog.Say(lang, "page.titlepass")
				if n := len(rep.Failed()); n > 0 {
					title = catalog.Say(lang, "page.titlefail", n)
				}
				if !strings.Contains(page, "<title>"+html.EscapeString(title)+" — ") {
					t.Errorf("title does not start with %q", title)
				}
				if !strings.Contains(page, `<div id="status" class="vh" role="status">`+html.EscapeString(title)+`</div>`) {
					t.Error("the verdict is not the page's status message")
				}
				// The photo's text alternative has the verdict and the
				// measures drawn on it.
				alt := regexp.MustCompile(`<img id="annotated" [^>]*alt="([^"]*)"`).FindStringSubmatch(page)
				if alt == nil || !strings.Contains(html.UnescapeString(alt[1]), title) {
					t.Errorf("alt text %q lacks the verdict", alt)
				}
				for _, id := range []validate.CheckID{validate.EyeHeight, validate.FaceHeight} {
					if c, ok := rep.Find(id); ok && c.Status != validate.Skip && alt != nil && !strings.Contains(html.UnescapeString(alt[1]), c.Message) {
						t.Errorf("alt text lacks the %s measure %q", id, c.Message)
					}
				}
				// The legend lists only what is drawn: no face, no crown
				// band nor marks.
				if hasBand := strings.Contains(page, "sw-crown"); hasBand != (rep.Face != nil) {
					t.Errorf("crown band in the legend: %v, face found: %v", hasBand, rep.Face != nil)
				}
				for _, c := range rep.Failed() {
					if !strings.Contains(page, html.EscapeString(c.Fix)) || !strings.Contains(page, html.EscapeString(validate.CheckName(c.ID, lang))) {
						t.Errorf("page lacks the failed check %s or its fix %q", c.ID, c.Fix)
					}
				}
				m := regexp.MustCompile(`<img id="annotated" src="data:image/jpeg;base64,([^"]+)" width="(\d+)" height="(\d+)"`).FindStringSubmatch(page)
				if m == nil {
					t.Fatal("no inline annotated photo")
				}
				raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
				if err != nil {
					t.Fatal(err)
				}
				img, err := jpeg.Decode(bytes.NewReader(raw))
				if err != nil {
					t.Fatal(err)
				}
				if b := img.Bounds(); max(b.Dx(), b.Dy()) != min(pageImageSize, max(rep.Image.Width, rep.Image.Height)) {
					t.Errorf("annotated photo %v", b)
				}
			})
		}
	}
}

func TestFormPostErrors(t *testing.T) {
	s := newTestServer(t, Config{BodyLimit: 1 << 20})
	addr := liveServer(t, s)
	good := fixture.JPEG(fixture.Gradient(300, 386), 90, nil, nil)
	tests := []struct {
		name    string
		req     *http.Request
		status  int
		want    string
		headers bool // send headers only (oversize)
	}{
		{"GIF", formRequest(t, "/check", "photo", "a.gif", fixture.Magic()["gif"], nil), 415, "Formato non accettato", false},
		{"HEIC that cannot be read, English, with the JPG fix", formRequest(t, "/check?lang=en", "photo", "a.heic", fixture.Magic()["heic"], nil), 422, "JPG", false},
		{"no file chosen", formRequest(t, "/check", "photo", "", nil, map[string]string{"lang": "en"}), 400, "No photo received", false},
		{"empty file", formRequest(t, "/check", "photo", "vuota.jpg", []byte{}, nil), 422, "Non riesco a leggere", false},
		{"bad profile", formRequest(t, "/check", "photo", "a.jpg", good, map[string]string{"profile": "x"}), 400, "Profilo sconosciuto", false},
		{"too large", formRequest(t, "/check", "photo", "big.jpg", make([]byte, 2<<20), nil), 413, "il limite è 1 MB", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r response
			if tc.headers {
				r = doHeadersOnly(t, addr, tc.req)
			} else {
				r = doLive(t, addr, tc.req)
			}
			page := string(r.body)
			if r.status != tc.status || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Fatalf("%d %s: %.300s", r.status, r.header.Get("Content-Type"), page)
			}
			if !strings.Contains(page, `role="alert"`) || !strings.Contains(page, html.EscapeString(tc.want)) || !strings.Contains(page, `id="checkform"`) {
				t.Errorf("page lacks the alert %q or the form: %.600s", tc.want, page)
			}
		})
	}
	// The page's script asks for the result alone.
	req := formRequest(t, "/check", "photo", "a.gif", fixture.Magic()["gif"], nil)
	req.Header.Set("X-Requested-With", "fetch")
	r := doLive(t, addr, req)
	if page := string(r.body); strings.Contains(page, "<html") || !strings.Contains(page, `role="alert"`) {
		t.Errorf("fragment: %s", page)
	}
}

// TestLanguages: the page and the API speak every language of the
// catalogue, picked by ?lang=, the form's field or Accept-Language; a
// language tessera does not speak falls back (to Accept-Language, else
// Italian) and Content-Language says which one the answer is in.
func TestLanguages(t *testing.T) {
	s := newTestServer(t, Config{})
	addr := liveServer(t, s)
	get := func(path, accept string) *http.Request {
		req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		return req
	}
	gif := func(path, accept string) *http.Request {
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+path, bytes.NewReader(fixture.Magic()["gif"]))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "image/gif")
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		return req
	}
	tests := []struct {
		name string
		req  *http.Request
		want string // the language of the answer
		page bool   // an HTML page, else a JSON error
	}{
		{"page ?lang=de", get("/?lang=de", ""), "de", true},
		{"page ?lang=de-AT", get("/?lang=de-AT", ""), "de", true},
		{"page Accept-Language de-CH", get("/", "de-CH,de;q=0.9"), "de", true},
		{"page Accept-Language fr then en", get("/", "fr-FR,fr;q=0.9,en;q=0.5"), "en", true},
		{"page ?lang=fr, Accept-Language en", get("/?lang=fr", "en-GB"), "en", true},
		{"page ?lang=fr", get("/?lang=fr", ""), "it", true},
		{"page ?lang= beats Accept-Language", get("/?lang=it", "de"), "it", true},
		{"API error ?lang=de", gif("/v1/check?lang=de", ""), "de", false},
		{"API error Accept-Language de", gif("/v1/check", "de-DE"), "de", false},
		{"API error ?lang=xx", gif("/v1/check?lang=xx", ""), "it", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := doLive(t, addr, tc.req)
			if got := r.header.Get("Content-Language"); got != tc.want {
				t.Errorf("Content-Language %q, want %q", got, tc.want)
			}
			body := string(r.body)
			if tc.page {
				if r.status != 200 || !strings.Contains(body, `<html lang="`+tc.want+`">`) || !strings.Contains(body, html.EscapeString(catalog.Say(tc.want, "page.lead"))) {
					t.Fatalf("%d: %.400s", r.status, body)
				}
				// Every language is offered, each link in its own language,
				// the current one marked.
				for _, l := range catalog.Languages() {
					link := fmt.Sprintf(`href="/?lang=%s" lang="%s" hreflang="%s"`, l, l, l)
					if !strings.Contains(body, link) || !strings.Contains(body, ">"+catalog.Name(l)+"</a>") {
						t.Errorf("no link to %s", l)
					}
				}
				if !strings.Contains(body, `hreflang="`+tc.want+`" aria-current="page"`) {
					t.Errorf("the current language %s is not marked", tc.want)
				}
				return
			}
			var e errorBody
			if err := json.Unmarshal(r.body, &e); err != nil || r.status != 415 {
				t.Fatalf("%d %v: %s", r.status, err, body)
			}
			if want := catalog.Say(tc.want, "api.unsupported_format"); e.Message != want || e.Error != "unsupported_format" {
				t.Errorf("message %q (%s), want %q", e.Message, e.Error, want)
			}
		})
	}
}
