package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"image/jpeg"
	"mime"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/tessera-cie/tessera/annotate"
	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/office"
	"github.com/tessera-cie/tessera/photofix"
	"github.com/tessera-cie/tessera/printsheet"
	"github.com/tessera-cie/tessera/validate"
)

//go:embed web/page.html web/static
var webFS embed.FS

// pageImageSize is the long side of the annotated photo on the result page:
// sharp on a phone, and a JPEG of it is about 100 KB inline.
const pageImageSize = 720

func parsePages() *template.Template {
	return template.Must(template.New("pages").Funcs(template.FuncMap{"asset": assetURL}).ParseFS(webFS, "web/page.html"))
}

// asset is one of the page's static files, read once from the binary.
type asset struct {
	data, gz []byte // gz: gzipped, when that is smaller (text)
	typ, tag string // media type; content hash, the URL's ?v=
}

// staticAssets are the files of web/static by name.
var staticAssets = sync.OnceValue(func() map[string]asset {
	entries, err := webFS.ReadDir("web/static")
	if err != nil {
		panic(err) // embedded: cannot fail
	}
	out := make(map[string]asset, len(entries))
	for _, e := range entries {
		data, err := webFS.ReadFile("web/static/" + e.Name())
		if err != nil {
			panic(err)
		}
		typ := mime.TypeByExtension(path.Ext(e.Name()))
		if typ == "" {
			typ = "application/octet-stream"
		}
		out[e.Name()] = newAsset(data, typ)
	}
	return out
})

// newAsset returns data of media type typ as an asset: its content hash,
// and its gzipped copy when that saves a tenth or more (text does).
func newAsset(data []byte, typ string) asset {
	sum := sha256.Sum256(data)
	a := asset{data: data, typ: typ, tag: hex.EncodeToString(sum[:6])}
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression) // a valid level: no error
	w.Write(data)                                         // to memory: no error
	w.Close()
	if b.Len() < len(data)*9/10 {
		a.gz = b.Bytes()
	}
	return a
}

// send answers GET for a: cached for good when asked for by its hashed URL
// (?v=), for a few minutes else; 304 when the browser has it; gzipped when
// the browser takes it.
func (a asset) send(c *fiber.Ctx) error {
	body, etag := a.data, `"`+a.tag+`"`
	gz := a.gz != nil && acceptsGzip(c.Get(fiber.HeaderAcceptEncoding))
	if gz {
		// Each encoding is its own representation, with its own tag
		// (RFC 9110 section 8.8.3).
		body, etag = a.gz, `"`+a.tag+`-gz"`
	}
	c.Set(fiber.HeaderContentType, a.typ)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	if c.Query("v") == a.tag {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	}
	if noneMatch(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	if gz {
		c.Set(fiber.HeaderContentEncoding, "gzip")
	}
	return c.Send(body)
}

// noneMatch reports whether If-None-Match (header) names etag, by weak
// comparison (a proxy that recompresses marks tags weak, W/"..."), or is
// "*" (RFC 9110 section 13.1.2): the browser has it, 304.
func noneMatch(header, etag string) bool {
	header = strings.TrimSpace(header)
	if header == "*" {
		return true
	}
	for _, t := range strings.Split(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == etag {
			return true
		}
	}
	return false
}

// assetURL is the URL of a static file with its content hash: a browser
// keeps it for good, and a new build changes the URL.
func assetURL(name string) (string, error) {
	a, ok := staticAssets()[name]
	if !ok {
		return "", fmt.Errorf("api: no static file %q", name)
	}
	return "/static/" + name + "?v=" + a.tag, nil
}

// pageTexts are the words of the page: the template's .T.name is message
// "page.name".
var pageTexts = []string{
	"page.title", "page.description", "page.skip", "page.contact", "page.accessibility",
	"page.privacynotice", "page.legal", "page.next", "page.langs", "page.lead", "page.choose",
	"page.hint", "page.profile", "page.icao", "page.submit", "page.privacy", "page.busy",
	"page.errtitle", "page.file", "page.imgalt", "page.legend", "page.lframe", "page.leyeband",
	"page.lcrownband", "page.lbox", "page.lok", "page.lbad", "page.lwarn", "page.tofix",
	"page.tocheck", "page.allchecks", "page.passed", "page.skipped", "page.pass", "page.fixdl",
	"page.fixno", "page.sheetdl", "page.footer",
}

// pageData feeds the page template.
type pageData struct {
	Lang     string
	Langs    []langLink // every language the page is in, for its menu
	T        map[string]string
	Profile  string
	Error    string
	Limit    int    // body limit in bytes, for the script's check before upload
	TooLarge string // what to say when the file is over it
	Result   *resultView
	Office   *officeView // nil: a neutral page
	// Title is the page's title: the verdict or the error first, when
	// there is one, and the office's name last (pageTitle).
	Title string
}

// pageTitle is p's title; the result's heading carries it too, for the
// page's script to set when it shows a result in place.
func pageTitle(p pageData) string {
	parts := []string{p.T["title"]}
	switch {
	case p.Result != nil:
		parts = append([]string{p.Result.Title}, parts...)
	case p.Error != "":
		parts = append([]string{p.T["errtitle"]}, parts...)
	}
	if p.Office != nil && p.Office.Name != "" {
		parts = append(parts, p.Office.Name)
	}
	return strings.Join(parts, " — ")
}

// officeView is what the page says of the registry office: its
// configuration, and the logo's URL.
type officeView struct {
	office.Office
	LogoURL string // "" without a logo
}

type resultView struct {
	File    string
	Pass    bool
	Verdict string
	// Title is the verdict in the page's title, read first by a screen
	// reader and shown on the browser's tab; Alt the annotated photo's
	// text alternative (what is drawn, the verdict, the measures).
	Title, Alt string
	// Face is set when a face was found: the box, the crown band and the
	// measured marks are drawn and listed in the legend.
	Face                        bool
	Image                       template.URL // data: URI of the annotated JPEG
	Width, Height               int
	Fails, Warns, Passes, Skips []checkView
	// Fixed is the photo cropped, scaled and saved by photofix, as a data:
	// URI to download, when a check it can fix failed; FixNote says what
	// was done, or FixError why it could not be.
	Fixed             template.URL
	FixedName         string
	FixNote, FixError string
	// Sheet is the 10x15 cm PDF to print (printsheet), as a data: URI to
	// download, when the photo or its fixed copy passes; SheetNote says
	// how to print it.
	Sheet                template.URL
	SheetName, SheetNote string
	// Next says what to do with the photo that passes (or its fixed
	// copy): send it to the office's address, Mailto.
	Next   string
	Mailto template.URL
}

// langLink is one entry of the page's language menu.
type langLink struct {
	Code, Name string
	Current    bool
}

type checkView struct {
	ID                 validate.CheckID
	Name, Message, Fix string
}

func (s *Server) newPage(lang string) pageData {
	say := catalog.For(lang).Say
	t := make(map[string]string, len(pageTexts))
	for _, id := range pageTexts {
		t[strings.TrimPrefix(id, "page.")] = say(id)
	}
	// The CIE's file rules, as its profile holds them.
	cie, _ := validate.LookupProfile("cie")
	t["cie"] = say("page.cie", cie.MinDPI, cie.MaxBytes/1024)
	var langs []langLink
	for _, l := range catalog.Languages() {
		langs = append(langs, langLink{Code: l, Name: catalog.Name(l), Current: l == lang})
	}
	p := pageData{Lang: lang, Langs: langs, T: t, Limit: s.cfg.BodyLimit,
		TooLarge: errTooLarge.message(lang, s.cfg.BodyLimit>>20)}
	if site := s.cfg.Office; site.Configured() {
		p.Office = &officeView{Office: site.Office}
		if s.logoFile != nil {
			p.Office.LogoURL = "/office/logo?v=" + s.logoFile.tag
		}
	}
	return p
}

// altText is the annotated photo's text alternative: what is drawn, the
// verdict, and the measures drawn (the eyes' height, the face's), so a
// reader who cannot see the picture learns what it shows.
func altText(rep *validate.Report, drawn, verdict, lang string) string {
	parts := []string{drawn, verdict + "."}
	for _, id := range validate.Measured() {
		if ch, ok := rep.Find(id); ok && ch.Message != "" && ch.Status != validate.Skip {
			parts = append(parts, ch.Message+".")
		}
	}
	if len(rep.Failed()) > 0 {
		parts = append(parts, catalog.Say(lang, "page.altfixes"))
	}
	return strings.Join(parts, " ")
}

// mailto is the link that writes to the office, with the subject in lang.
func mailto(addr, lang string) template.URL {
	subject := strings.ReplaceAll(url.QueryEscape(catalog.Say(lang, "page.mailsubject")), "+", "%20")
	return template.URL("mailto:" + addr + "?subject=" + subject)
}

// index is GET /: the page with the form.
func (s *Server) index(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, s.newPage(langOf(c)))
}

// webCheck is POST /check: the form's target. It renders the whole result
// page, or only the result when the page's script asks (X-Requested-With).
func (s *Server) webCheck(c *fiber.Ctx) error {
	up, e := readUpload(c)
	if up == nil {
		up = &upload{}
	}
	profile, lang := requestOptions(c, up)
	if e != nil {
		return s.renderError(c, e.status, lang, e.message(lang))
	}
	j, e := s.start(c, profile, lang)
	if e != nil {
		return s.renderError(c, e.status, lang, e.message(lang))
	}
	defer j.done()
	res, e := j.analyze(up.name, up.data)
	if e != nil {
		return s.renderError(c, e.status, lang, e.message(lang))
	}
	rep := res.Report
	if rep.Err != nil {
		// Say why, with the format check's fix (HEIC: how to get a JPG).
		msg := reportError(rep.Err).message(lang)
		if ch, ok := rep.Find(validate.Format); ok && ch.Status == validate.Fail && ch.Fix != "" {
			msg += " " + ch.Fix
		}
		return s.renderError(c, reportError(rep.Err).status, lang, msg)
	}
	img := annotate.DrawScaled(res, pageImageSize)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		return s.fail(c, errInternal, nil)
	}
	p := s.newPage(lang)
	p.Profile = rep.Profile
	v := &resultView{
		File:   rep.File,
		Pass:   rep.Pass,
		Image:  template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())),
		Width:  img.Bounds().Dx(),
		Height: img.Bounds().Dy(),
	}
	views := func(s validate.Status) []checkView {
		var out []checkView
		for _, ch := range rep.WithStatus(s) {
			out = append(out, checkView{ID: ch.ID, Name: validate.CheckName(ch.ID, lang), Message: ch.Message, Fix: ch.Fix})
		}
		return out
	}
	v.Fails, v.Warns, v.Passes, v.Skips = views(validate.Fail), views(validate.Warn), views(validate.Pass), views(validate.Skip)
	if n := len(v.Fails); n == 0 {
		v.Verdict, v.Title = p.T["pass"], catalog.Say(lang, "page.titlepass")
	} else {
		v.Verdict, v.Title = catalog.Say(lang, "page.fail", n), catalog.Say(lang, "page.titlefail", n)
	}
	v.Face = rep.Face != nil
	v.Alt = altText(rep, p.T["imgalt"], v.Title, lang)
	valid, err := photofix.MakeValid(j.ctx, j.v, res, j.opts)
	prof := res.Profile
	switch out := valid.Fixed; {
	case out != nil:
		v.Fixed = template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(out.JPEG))
		v.FixedName = photofix.FileName(rep.File)
		v.FixNote = catalog.Say(lang, "page.fixnote", prof.Size(), catalog.Dims(out.Width, out.Height), out.DPI, (len(out.JPEG)+1023)/1024)
	case fixRefused(err):
		v.FixError = fixReason(err, lang)
	}
	// What to do next, when the photo or its fixed copy passes and the
	// office has said where photos go.
	if valid.Image != nil && p.Office != nil && p.Office.Email != "" {
		v.Mailto = mailto(p.Office.Email, lang)
		if valid.Fixed != nil {
			v.Next = catalog.Say(lang, "page.sendfixed")
		} else {
			v.Next = catalog.Say(lang, "page.sendphoto")
		}
	}
	// The sheet to print, when the photo or its fixed copy passes.
	if valid.Image != nil {
		if sheet, err := printsheet.PDF(valid.Image, prof.WidthMM, prof.HeightMM); err == nil {
			places, _ := printsheet.Layout(prof.WidthMM, prof.HeightMM)
			v.Sheet = template.URL("data:application/pdf;base64," + base64.StdEncoding.EncodeToString(sheet))
			v.SheetName = printsheet.FileName(rep.File, "pdf")
			v.SheetNote = catalog.Say(lang, "print.note", len(places), prof.Size())
		} else {
			s.cfg.Logger.Error("print sheet", "err", err)
		}
	}
	p.Result = v
	return s.render(c, fiber.StatusOK, p)
}

// renderError shows msg on the page (or alone, for the page's script).
func (s *Server) renderError(c *fiber.Ctx, status int, lang, msg string) error {
	if status == fiber.StatusTooManyRequests || status == fiber.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, "2")
	}
	p := s.newPage(lang)
	p.Error = msg
	return s.render(c, status, p)
}

// render writes the page, or only its result part for the page's script.
func (s *Server) render(c *fiber.Ctx, status int, p pageData) error {
	name := "page"
	if c.Get("X-Requested-With") == "fetch" {
		name = "result"
		if p.Error != "" {
			name = "error"
		}
	}
	p.Title = pageTitle(p)
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, p); err != nil {
		s.cfg.Logger.Error("template", "err", err)
		c.Status(fiber.StatusInternalServerError)
		return c.SendString("internal error")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	// Everything the page needs is served from here; the photo is inline.
	c.Set(fiber.HeaderContentLanguage, p.Lang)
	c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors "+s.cfg.Office.FrameAncestors())
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Status(status)
	return c.Send(buf.Bytes())
}

// static is GET /static/:name: the page's embedded style, script and
// icon, gzipped when the browser takes it, cached for good under the URL
// the page links (assetURL) and for a few minutes under another.
func (s *Server) static(c *fiber.Ctx) error {
	a, ok := staticAssets()[path.Base(c.Params("name"))]
	if !ok {
		return s.fail(c, errNotFound, nil)
	}
	return a.send(c)
}

// acceptsGzip reads Accept-Encoding: gzip listed without q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q, ok := strings.CutPrefix(strings.ReplaceAll(strings.TrimSpace(params), " ", ""), "q=")
		if !ok {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err != nil || v > 0
	}
	return false
}

// logo is GET /office/logo: the office's logo, sent as the static files
// are (its URL on the page carries its content hash).
func (s *Server) logo(c *fiber.Ctx) error {
	if s.logoFile == nil {
		return s.fail(c, errNotFound, nil)
	}
	// An SVG opened on its own is a document: it may run nothing.
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	return s.logoFile.send(c)
}
