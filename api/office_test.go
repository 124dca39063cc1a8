package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tessera-cie/tessera/internal/faceset"
	"github.com/tessera-cie/tessera/office"
)

// esempio is the sample office of examples/esempio/tessera.toml, as
// tessera serve --config reads it (cmd/tessera's TestSampleConfig reads
// the file itself).
func esempio(t *testing.T) *office.Site {
	t.Helper()
	site, err := office.Open(office.File{
		Office: office.Office{
			Name:             "Comune di Esempio - Servizi demografici",
			Logo:             "../examples/esempio/esempio-logo.svg",
			Email:            "anagrafe@comune.esempio.it",
			ContactURL:       "https://www.comune.esempio.it/anagrafe",
			AccessibilityURL: "https://form.agid.gov.it/view/00000000-0000-0000-0000-000000000000",
			PrivacyURL:       "https://www.comune.esempio.it/privacy",
			LegalURL:         "https://www.comune.esempio.it/note-legali",
		},
		Web: office.Web{FrameAncestors: []string{"https://www.comune.esempio.it"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return site
}

// TestOfficePage: with the office's configuration the page carries its
// name, logo and notices, and may be embedded by the office's site; without
// one it stays neutral and unembeddable. Both have the skip link, the
// favicon and the description.
func TestOfficePage(t *testing.T) {
	for _, tc := range []struct {
		name      string
		site      *office.Site
		want      []string
		wantNot   []string
		ancestors string
	}{
		{"office", esempio(t), []string{
			`<title>Controllo della foto per la Carta d&#39;Identità Elettronica — Comune di Esempio - Servizi demografici</title>`,
			`<p class="office-name">Comune di Esempio - Servizi demografici</p>`,
			`<img src="/office/logo?v=`,
			`<a href="https://www.comune.esempio.it/anagrafe">Contatti</a>`,
			`<a href="https://form.agid.gov.it/view/00000000-0000-0000-0000-000000000000">Dichiarazione di accessibilità</a>`,
			`<a href="https://www.comune.esempio.it/privacy">Informativa sulla privacy</a>`,
			`<a href="https://www.comune.esempio.it/note-legali">Note legali</a>`,
		}, nil, "frame-ancestors https://www.comune.esempio.it"},
		{"neutral", nil, nil, []string{`class="office`, `/office/logo`, `class="notices"`}, "frame-ancestors 'none'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{Office: tc.site}, nil)
			r := do(t, s, httptest.NewRequest(http.MethodGet, "/", nil))
			page := string(r.body)
			want := append([]string{
				`<a class="skip" id="skip" href="#main">Vai al contenuto</a>`, `<main id="main"`,
				`<link rel="icon" href="/static/favicon.svg?v=`,
				`<meta name="description" content="Controlla gratis`,
			}, tc.want...)
			for _, w := range want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %s", w)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(page, w) {
					t.Errorf("page has %s", w)
				}
			}
			if csp := r.header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, tc.ancestors) {
				t.Errorf("CSP %q, want it to end with %q", csp, tc.ancestors)
			}
			if r := do(t, s, httptest.NewRequest(http.MethodGet, "/static/favicon.svg", nil)); r.status != 200 || r.header.Get("Content-Type") != "image/svg+xml" {
				t.Errorf("favicon: %s", r)
			}
		})
	}
}

// TestOfficeLogo: the logo is served as its type, cached for good under the
// page's URL, and answered 304 when the browser has it.
func TestOfficeLogo(t *testing.T) {
	site := esempio(t)
	s := New(Config{Office: site}, nil)
	page := string(do(t, s, httptest.NewRequest(http.MethodGet, "/", nil)).body)
	m := regexp.MustCompile(`src="(/office/logo\?v=[0-9a-f]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no logo on the page")
	}
	r := do(t, s, httptest.NewRequest(http.MethodGet, m[1], nil))
	if r.status != 200 || r.header.Get("Content-Type") != "image/svg+xml" || string(r.body) != string(site.LogoData) ||
		!strings.Contains(r.header.Get("Cache-Control"), "immutable") || r.header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(r.header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("logo: %s %v", r, r.header)
	}
	req := httptest.NewRequest(http.MethodGet, "/office/logo", nil)
	req.Header.Set("If-None-Match", r.header.Get("ETag"))
	if r := do(t, s, req); r.status != http.StatusNotModified {
		t.Errorf("If-None-Match: %s", r)
	}
	if r := do(t, New(Config{}, nil), httptest.NewRequest(http.MethodGet, "/office/logo", nil)); r.status != 404 {
		t.Errorf("no office, logo: %s", r)
	}
}

// TestOfficeNextStep: a passing photo, or one whose fixed copy passes, is
// told where to send it (a mailto: link to the office's address, with the
// subject in the page's language); a photo no fix makes valid is not.
func TestOfficeNextStep(t *testing.T) {
	s := newTestServer(t, Config{Office: esempio(t)})
	valid, noDPI := framedPhotos(t, s, "neutral/002_03.jpg")
	grey, err := os.ReadFile(filepath.Join(faceset.Require(t), "neutral/002_03.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	mailto := `<a id="mailto" href="mailto:anagrafe@comune.esempio.it?subject=`
	for _, tc := range []struct {
		name  string
		photo []byte
		lang  string
		want  string // "" for no next step
	}{
		{"valid", valid, "it", "Invia questa foto, così com&#39;è, per email a " + mailto + "Foto%20per%20la%20Carta%20d%27Identit%C3%A0%20Elettronica\">anagrafe@comune.esempio.it</a>"},
		{"valid, in German", valid, "de", "per E-Mail an " + mailto + "Foto%20f%C3%BCr%20den%20elektronischen%20Personalausweis\">"},
		{"fixed copy valid", noDPI, "en", "Download the corrected photo and send it (not the original) by email to " + mailto},
		{"no fix makes it valid", grey, "it", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, formRequest(t, "/check", "photo", "foto.jpg", tc.photo, map[string]string{"lang": tc.lang}))
			page := string(r.body)
			if r.status != 200 {
				t.Fatalf("%s", r)
			}
			if tc.want == "" {
				if strings.Contains(page, `id="mailto"`) {
					t.Error("told to send a photo that does not pass")
				}
				return
			}
			if !strings.Contains(page, tc.want) {
				i := strings.Index(page, `class="next"`)
				t.Errorf("page lacks %s; has %.400s", tc.want, page[max(i, 0):])
			}
		})
	}
}

// TestHead: every page, file and status the browser or a link checker may
// ask for answers HEAD as it answers GET, without the body.
func TestHead(t *testing.T) {
	s := New(Config{Office: esempio(t)}, nil)
	for _, path := range []string{"/", "/?lang=de", "/static/style.css", "/static/app.js", "/static/favicon.svg", "/office/logo", "/healthz", "/openapi.json"} {
		t.Run(path, func(t *testing.T) {
			get := do(t, s, httptest.NewRequest(http.MethodGet, path, nil))
			head := do(t, s, httptest.NewRequest(http.MethodHead, path, nil))
			// (The test client reads no body for HEAD: its length is
			// what HEAD says, as GET sends it.)
			if head.status != get.status || head.status != 200 ||
				head.header.Get("Content-Type") != get.header.Get("Content-Type") ||
				head.header.Get("Content-Length") != strconv.Itoa(len(get.body)) {
				t.Errorf("HEAD %d %q, Content-Length %s; GET %d %q, %d bytes", head.status, head.header.Get("Content-Type"), head.header.Get("Content-Length"), get.status, get.header.Get("Content-Type"), len(get.body))
			}
		})
	}
}

// TestStatic: the page links its style, script and icon by content hash;
// under that URL they are cached for good, gzipped for a browser that
// takes it, and 304 when the browser has them.
func TestStatic(t *testing.T) {
	s := New(Config{}, nil)
	page := string(do(t, s, httptest.NewRequest(http.MethodGet, "/", nil)).body)
	for _, name := range []string{"style.css", "app.js", "favicon.svg"} {
		t.Run(name, func(t *testing.T) {
			m := regexp.MustCompile(`"(/static/` + regexp.QuoteMeta(name) + `\?v=[0-9a-f]{12})"`).FindStringSubmatch(page)
			if m == nil {
				t.Fatal("not linked by content hash")
			}
			plain := do(t, s, httptest.NewRequest(http.MethodGet, m[1], nil))
			if plain.status != 200 || plain.header.Get("Content-Encoding") != "" || !strings.Contains(plain.header.Get("Cache-Control"), "immutable") {
				t.Errorf("plain: %s %v", plain, plain.header)
			}
			for _, tc := range []struct {
				accept string
				gzip   bool
			}{{"gzip, deflate, br", true}, {"br;q=1.0, gzip;q=0.8", true}, {"gzip;q=0", false}, {"identity", false}} {
				req := httptest.NewRequest(http.MethodGet, m[1], nil)
				req.Header.Set("Accept-Encoding", tc.accept)
				r := do(t, s, req)
				if got := r.header.Get("Content-Encoding") == "gzip"; got != tc.gzip {
					t.Errorf("Accept-Encoding %q: gzipped %v", tc.accept, got)
					continue
				}
				body := r.body
				if tc.gzip {
					zr, err := gzip.NewReader(bytes.NewReader(r.body))
					if err != nil {
						t.Fatal(err)
					}
					if body, err = io.ReadAll(zr); err != nil {
						t.Fatal(err)
					}
					if len(r.body) >= len(plain.body) {
						t.Errorf("gzipped %d bytes, plain %d", len(r.body), len(plain.body))
					}
				}
				if !bytes.Equal(body, plain.body) || r.header.Get("Vary") != "Accept-Encoding" {
					t.Errorf("Accept-Encoding %q: %d bytes, Vary %q", tc.accept, len(body), r.header.Get("Vary"))
				}
			}
			// 304 for the browser's tag, weak or in a list, and for "*";
			// the gzipped copy has a tag of its own.
			tag := plain.header.Get("ETag")
			gzReq := httptest.NewRequest(http.MethodGet, m[1], nil)
			gzReq.Header.Set("Accept-Encoding", "gzip")
			gzTag := do(t, s, gzReq).header.Get("ETag")
			if gzTag == tag || gzTag == "" {
				t.Errorf("gzipped and plain share the tag %s", tag)
			}
			for _, tc := range []struct {
				ifNoneMatch, acceptEncoding string
				status                      int
			}{
				{tag, "", http.StatusNotModified},
				{"W/" + tag, "", http.StatusNotModified},
				{`"other", ` + tag, "", http.StatusNotModified},
				{"*", "", http.StatusNotModified},
				{gzTag, "gzip", http.StatusNotModified},
				{gzTag, "", http.StatusOK}, // has the gzipped copy, asks for the plain one
				{`"other"`, "", http.StatusOK},
			} {
				req := httptest.NewRequest(http.MethodGet, "/static/"+name, nil)
				req.Header.Set("If-None-Match", tc.ifNoneMatch)
				if tc.acceptEncoding != "" {
					req.Header.Set("Accept-Encoding", tc.acceptEncoding)
				}
				if r := do(t, s, req); r.status != tc.status {
					t.Errorf("If-None-Match %s, Accept-Encoding %q: %d, want %d", tc.ifNoneMatch, tc.acceptEncoding, r.status, tc.status)
				}
			}
			if r := do(t, s, httptest.NewRequest(http.MethodGet, "/static/"+name+"?v=old", nil)); strings.Contains(r.header.Get("Cache-Control"), "immutable") {
				t.Errorf("an old URL is cached for good: %s", r.header.Get("Cache-Control"))
			}
		})
	}
}
