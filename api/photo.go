package api

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tessera-cie/tessera/annotate"
	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/validate"
)

// upload is a photo received in a request, with the form's fields.
type upload struct {
	name    string
	data    []byte // valid only during the request
	profile string // form field "profile" (web form); "" when absent
	lang    string // form field "lang"
}

// maxFormField bounds the text fields of a form: profile and lang are short.
const maxFormField = 64

// readUpload takes the photo from a multipart form (field "photo") or from
// the raw body with an image content type. Nothing is written to disk. On
// error the upload may still carry the form's fields.
func readUpload(c *fiber.Ctx) (*upload, *apiError) {
	if ce := strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)); ce != "" && !strings.EqualFold(ce, "identity") {
		return nil, errEncoding
	}
	body := bodyOf(c) // raw, as admit received it: c.Body() would inflate a compressed body without a limit
	ct := c.Get(fiber.HeaderContentType)
	if ct == "" {
		return &upload{name: rawName(c), data: body}, nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, errMediaType
	}
	switch {
	case mt == "multipart/form-data":
		return readMultipart(body, params["boundary"])
	case strings.HasPrefix(mt, "image/"), mt == "application/octet-stream":
		return &upload{name: rawName(c), data: body}, nil
	default:
		return nil, errMediaType
	}
}

// rawName names a raw-body upload: ?name=, else the Content-Disposition
// file name, else "photo".
func rawName(c *fiber.Ctx) string {
	if n := c.Query("name"); n != "" {
		return path.Base(n)
	}
	if _, p, err := mime.ParseMediaType(c.Get(fiber.HeaderContentDisposition)); err == nil && p["filename"] != "" {
		return path.Base(p["filename"])
	}
	return "photo"
}

func readMultipart(body []byte, boundary string) (*upload, *apiError) {
	if boundary == "" {
		return nil, errMultipart
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	up := &upload{}
	found := false
	for i := 0; ; i++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || i > 32 {
			return nil, errMultipart
		}
		switch p.FormName() {
		case "photo":
			if found {
				continue // the first photo counts
			}
			// The body is already under the limit, so this stays bounded.
			data, err := io.ReadAll(p)
			if err != nil {
				return nil, errMultipart
			}
			up.data, up.name, found = data, path.Base(p.FileName()), true
			if p.FileName() == "" {
				up.name = "photo"
			}
		case "profile", "lang":
			v, err := io.ReadAll(io.LimitReader(p, maxFormField))
			if err != nil {
				return nil, errMultipart
			}
			if p.FormName() == "profile" {
				up.profile = strings.TrimSpace(string(v))
			} else {
				up.lang = strings.TrimSpace(string(v))
			}
		}
	}
	if !found {
		return up, errNoPhoto // with the form's lang, to answer in it
	}
	return up, nil
}

// acquire takes an analysis slot for the request's client, waiting in
// the bounded queue up to Config.QueueTimeout (slots.acquire). The caller
// must call release.
func (s *Server) acquire(ctx context.Context, cl client) (release func(), e *apiError) {
	rel, e := s.slots.acquire(ctx, cl, s.cfg.QueueTimeout, func(delta int) { s.metrics.waiting.Add(float64(delta)) })
	switch e {
	case nil:
		s.metrics.inFlight.Inc()
		return func() {
			rel()
			s.metrics.inFlight.Dec()
		}, nil
	case errQueueFull:
		s.metrics.rejected.WithLabelValues("queue_full").Inc()
	case errBusy:
		s.metrics.rejected.WithLabelValues("busy").Inc()
	default:
		s.metrics.rejected.WithLabelValues("timeout").Inc()
	}
	return nil, e
}

// job is the analysis of one request: the validator, its deadline and an
// analysis slot.
type job struct {
	s       *Server
	v       *validate.Validator
	ctx     context.Context
	cancel  context.CancelFunc
	release func()
	opts    validate.Options
	gone    atomic.Bool // the client went during the analysis
}

// start checks the profile, then takes a slot for the request's analyses.
// The caller must call done.
func (s *Server) start(c *fiber.Ctx, profile, lang string) (*job, *apiError) {
	v := s.val.Load()
	if v == nil {
		return nil, errNotReady
	}
	if _, ok := validate.LookupProfile(profile); !ok {
		return nil, errProfile
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.RequestTimeout)
	release, e := s.acquire(ctx, s.clientOf(c))
	if e != nil {
		cancel()
		return nil, e
	}
	// A client that gave up while its request waited for a slot: its
	// photo is not analysed, and the slot goes to the next one.
	conn := c.Context().Conn()
	if clientGone(conn) {
		release()
		cancel()
		s.metrics.rejected.WithLabelValues("client_gone").Inc()
		return nil, errClientGone
	}
	// One that gives up during the analysis cancels it: the pipeline
	// stops at its next stage.
	j := &job{s: s, v: v, ctx: ctx, cancel: cancel, release: release,
		opts: validate.Options{Profile: profile, Lang: lang}}
	go j.watchClient(conn)
	return j, nil
}

// clientPoll is how often a request being analysed looks whether its
// client is still there: a tenth of a second is a fraction of a check of a
// large photo and costs one system call.
const clientPoll = 100 * time.Millisecond

// watchClient cancels the job of a request whose client has gone, until
// the job ends.
func (j *job) watchClient(conn net.Conn) {
	t := time.NewTicker(clientPoll)
	defer t.Stop()
	for {
		select {
		case <-j.ctx.Done():
			return
		case <-t.C:
			if j.ctx.Err() == nil && clientGone(conn) {
				j.gone.Store(true)
				j.cancel()
				return
			}
		}
	}
}

func (j *job) done() {
	j.release()
	j.cancel()
}

// analyze judges one photo. A photo that cannot be read gives a result
// whose report has Err set, not an error.
func (j *job) analyze(name string, data []byte) (*validate.Result, *apiError) {
	res, err := j.v.Analyze(j.ctx, name, data, j.opts)
	switch {
	case err == nil:
		if errors.Is(res.Report.Err, validate.ErrInternal) {
			j.s.cfg.Logger.Error("check failed inside tessera", "err", res.Report.Err)
		}
		j.s.metrics.report(res.Report)
		return res, nil
	case errors.Is(err, validate.ErrUnknownProfile):
		return nil, errProfile
	case j.gone.Load():
		j.s.metrics.rejected.WithLabelValues("client_gone").Inc()
		return nil, errClientGone
	case j.ctx.Err() != nil:
		return nil, errTimeout
	default:
		j.s.cfg.Logger.Error("analysis failed", "err", err)
		return nil, errInternal
	}
}

// checkOne reads the upload and analyses it under a slot; lang and profile
// come from the query, else from the form.
func (s *Server) checkOne(c *fiber.Ctx, then func(*job, *validate.Result) error) error {
	up, e := readUpload(c)
	if e != nil {
		if up != nil {
			requestOptions(c, up) // answer in the form's language
		}
		return s.fail(c, e, nil)
	}
	profile, lang := requestOptions(c, up)
	j, e := s.start(c, profile, lang)
	if e != nil {
		return s.fail(c, e, nil)
	}
	defer j.done()
	res, e := j.analyze(up.name, up.data)
	if e != nil {
		return s.fail(c, e, nil)
	}
	return then(j, res)
}

// requestOptions picks profile and language: query first, then the form's
// fields, then Accept-Language for the language (catalog.Choose). The language is
// kept on the request (langOf), so that every answer to it, errors
// included, is in that language.
func requestOptions(c *fiber.Ctx, up *upload) (profile, lang string) {
	profile = c.Query("profile", up.profile)
	ask := c.Query("lang")
	if ask == "" {
		ask = up.lang
	}
	lang = catalog.Choose(ask, c.Get(fiber.HeaderAcceptLanguage))
	c.Locals(langKey, lang)
	c.Set(fiber.HeaderContentLanguage, lang)
	return profile, lang
}

// apiCheck is POST /v1/check: the report of one photo.
func (s *Server) apiCheck(c *fiber.Ctx) error {
	return s.checkOne(c, func(_ *job, res *validate.Result) error {
		if res.Report.Err != nil {
			return s.fail(c, reportError(res.Report.Err), res.Report)
		}
		return c.JSON(res.Report)
	})
}

// apiAnnotate is POST /v1/annotate: the photo with the measurements drawn
// on it, as PNG; ?size= sets the long side (64-4096).
func (s *Server) apiAnnotate(c *fiber.Ctx) error {
	size := s.cfg.AnnotateSize
	if q := c.Query("size"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 64 || n > 4096 {
			return s.fail(c, &apiError{fiber.StatusBadRequest, "api.bad_size", nil}, nil)
		}
		size = n
	}
	return s.checkOne(c, func(_ *job, res *validate.Result) error {
		if res.Report.Err != nil {
			return s.fail(c, reportError(res.Report.Err), res.Report)
		}
		img := annotate.DrawScaled(res, size)
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		if err := enc.Encode(&buf, img); err != nil {
			return s.fail(c, errInternal, nil)
		}
		c.Set("X-Tessera-Pass", strconv.FormatBool(res.Report.Pass))
		c.Set(fiber.HeaderContentType, "image/png")
		return c.Send(buf.Bytes())
	})
}
