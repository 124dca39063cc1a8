// Package api serves tessera over HTTP: the JSON API that checks a photo or
// every photo of an email, an annotated picture of the photo, health and
// Prometheus metrics, an OpenAPI document, and the citizens' web page that
// works with and without JavaScript.
//
// Photos live only in memory for the length of a request: they are never
// written to disk or logged. A bounded number of photos are analysed at
// once; requests beyond that wait briefly in a bounded queue, then get 429
// or 503.
package api

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tessera-cie/tessera/catalog"
	"github.com/tessera-cie/tessera/office"
	"github.com/tessera-cie/tessera/validate"
)

// Defaults of Config.
const (
	DefaultBodyLimit       = 15 << 20 // a 12-megapixel phone JPEG is 3-8 MB; an email with a few of them fits
	DefaultQueueTimeout    = 15 * time.Second
	DefaultRequestTimeout  = 30 * time.Second // a 12 MP photo takes about a second; 30 s is a stuck request
	DefaultAnnotateSize    = 1000             // long side of the annotated picture: plenty for a screen
	DefaultShutdownTimeout = 20 * time.Second
	// DefaultClientRequests: a citizen's page sends one photo at a
	// time; 4 let an office's few clerks behind one address work at
	// once (their bodies within the client's share, clientShare).
	DefaultClientRequests = 4
	// DefaultClientRate and DefaultClientBurst: one check a second
	// sustained, 20 at once, is more than a person retrying a photo
	// needs and a tenth of what the server checks on 2 cores.
	DefaultClientRate  = 1.0
	DefaultClientBurst = 20
	minWaiting         = 64 // the queue holds at least this many requests (bodies only, a few MB)
)

// Config tunes a Server; zero fields take the defaults.
type Config struct {
	BodyLimit       int           // largest request body in bytes
	MaxConcurrent   int           // photos analysed at once; default runtime.NumCPU()
	MaxWaiting      int           // requests waiting for a slot before 429; default max(64, 16 x MaxConcurrent)
	QueueTimeout    time.Duration // longest wait for a slot before 503
	RequestTimeout  time.Duration // longest analysis of one request before 503
	AnnotateSize    int           // long side of annotated pictures in pixels
	ShutdownTimeout time.Duration // how long Serve waits for requests in flight on shutdown
	// DrainDelay is how long a ready Serve goes on taking connections
	// once its context is done, /readyz answering 503 draining, before it
	// stops: the time a load balancer takes to see the replica go and
	// send no more (Kubernetes removes a stopping pod from its Service's
	// endpoints while the pod already has SIGTERM). 0 stops at once.
	DrainDelay time.Duration
	Logger     *slog.Logger // request log (method, path, status, time; never the photo); nil: none
	// BodyBudget is the memory, in bytes, the request bodies being
	// received and analysed may take together (DefaultBodyBudget).
	BodyBudget int64
	// MaxConns is how many connections may be open at once
	// (DefaultMaxConns); MaxConnsPerClient how many of them one client
	// address may have (DefaultMaxConnsPerClient; a trusted proxy is
	// not limited by it).
	MaxConns, MaxConnsPerClient int
	// ClientRequests is how many requests with a body one client may
	// have in progress at once, being received, waiting or analysed
	// (DefaultClientRequests).
	ClientRequests int
	// ClientRate is how many such requests one client may start per
	// second, sustained, and ClientBurst how many at once after a
	// pause (DefaultClientRate, DefaultClientBurst); a negative rate
	// sets no limit.
	ClientRate  float64
	ClientBurst int
	// TrustedProxies are the proxies in front of the server whose
	// X-Forwarded-For names the client: behind them the per-client
	// limits count the address they forward for.
	TrustedProxies []netip.Prefix
	// Office is the registry office the page is branded for (its name,
	// logo, address and notices) and which sites may embed the page; nil
	// keeps the page neutral and unembeddable.
	Office *office.Site
}

func (c Config) withDefaults() Config {
	if c.BodyLimit <= 0 {
		c.BodyLimit = DefaultBodyLimit
	}
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = runtime.NumCPU()
	}
	if c.MaxWaiting <= 0 {
		c.MaxWaiting = max(minWaiting, 16*c.MaxConcurrent)
	}
	if c.QueueTimeout <= 0 {
		c.QueueTimeout = DefaultQueueTimeout
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.AnnotateSize <= 0 {
		c.AnnotateSize = DefaultAnnotateSize
	}
	if c.BodyBudget <= 0 {
		c.BodyBudget = DefaultBodyBudget
	}
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxConnsPerClient <= 0 {
		c.MaxConnsPerClient = DefaultMaxConnsPerClient
	}
	if c.ClientRequests <= 0 {
		c.ClientRequests = DefaultClientRequests
	}
	if c.ClientRate == 0 {
		c.ClientRate = DefaultClientRate
	}
	if c.ClientBurst <= 0 {
		c.ClientBurst = DefaultClientBurst
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}

// Server is the HTTP service. Create it with New.
type Server struct {
	cfg       Config
	val       atomic.Pointer[validate.Validator]
	slots     *slots                      // the analysis slots, shared fairly among clients
	clients   *clientTable                // what each client has in progress, and its rate
	bodies    *byteBudget                 // the memory of the bodies being received and analysed
	conns     atomic.Pointer[connLimiter] // the listener's limits, once serving
	lingering *tally                      // refused connections read until their client stops
	app       *fiber.App
	metrics   *metrics
	pages     *template.Template
	paths     map[string]bool // route paths, the metrics' route labels
	logoFile  *asset          // the office's logo, nil without one
	draining  atomic.Bool     // Serve's context is done: /readyz says so while the drain lasts
}

// New returns a Server that checks photos with v. v may be nil: the server
// then answers 503 not_ready to checks (and /readyz) until SetValidator.
func New(cfg Config, v *validate.Validator) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:       cfg,
		slots:     newSlots(cfg.MaxConcurrent, cfg.MaxWaiting),
		clients:   newClientTable(cfg.ClientRequests, max(cfg.ClientRate, 0), cfg.ClientBurst),
		bodies:    newByteBudget(cfg.BodyBudget, clientShare(cfg)),
		lingering: newTally(maxLingering, maxLingeringPerClient),
		metrics:   newMetrics(),
		pages:     parsePages(),
	}
	if v != nil {
		s.val.Store(v)
	}
	if cfg.Office != nil && cfg.Office.LogoData != nil {
		a := newAsset(cfg.Office.LogoData, cfg.Office.LogoType)
		s.logoFile = &a
	}
	s.app = fiber.New(fiber.Config{
		AppName:                      "tessera",
		BodyLimit:                    bodyPrefetch,  // admit enforces cfg.BodyLimit
		ReadTimeout:                  headerTimeout, // the header and the body's first byte; admit reads the rest
		StreamRequestBody:            true,          // no body is buffered before admit takes its memory
		WriteTimeout:                 time.Minute,   // an annotated PNG of 1-2 MB to the same phone
		IdleTimeout:                  60 * time.Second,
		DisableStartupMessage:        true,
		Immutable:                    true, // strings from the request outlive it (metric labels, reports)
		DisablePreParseMultipartForm: true, // parsed in memory by readUpload, never spooled to disk
		ErrorHandler:                 s.errorHandler,
	})
	s.routes()
	return s
}

// SetValidator makes the server ready, checking photos with v.
func (s *Server) SetValidator(v *validate.Validator) { s.val.Store(v) }

// App returns the Fiber application, for tests and for mounting.
func (s *Server) App() *fiber.App { return s.app }

// Serve answers requests on ln until ctx is done, then, if it was ready,
// goes on for Config.DrainDelay with /readyz answering 503, then stops
// accepting connections and waits up to Config.ShutdownTimeout for
// requests in flight.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	cl := s.limitConns(ln)
	s.conns.Store(cl)
	go func() { errc <- s.app.Listener(cl) }()
	select {
	case err := <-errc:
		return fmt.Errorf("api: serve: %w", err)
	case <-ctx.Done():
	}
	// A server that never became ready (its face model still loading, or
	// failed) was sent no traffic: it has none to drain.
	if s.cfg.DrainDelay > 0 && s.val.Load() != nil {
		s.draining.Store(true)
		s.cfg.Logger.Info("stopping: draining", "for", s.cfg.DrainDelay)
		t := time.NewTimer(s.cfg.DrainDelay)
		select {
		case err := <-errc:
			t.Stop()
			return fmt.Errorf("api: serve: %w", err)
		case <-t.C:
		}
	}
	err := s.app.ShutdownWithTimeout(s.cfg.ShutdownTimeout)
	// Told to stop as it starts, fasthttp's Shutdown finds no server yet
	// and returns, and the server then starts serving for ever
	// (TestServeStopsAtOnce): the closed listener ends it. After a
	// shutdown that found it, the listener is closed already.
	cl.Close()
	<-errc
	if err != nil {
		return fmt.Errorf("api: shutdown: %w", err)
	}
	return nil
}

// route is one endpoint; routes() registers them and the OpenAPI test
// compares them with the document.
type route struct {
	method, path string
	handler      fiber.Handler
}

func (s *Server) routeTable() []route {
	return []route{
		{fiber.MethodGet, "/", s.index},
		{fiber.MethodPost, "/check", s.webCheck},
		{fiber.MethodGet, "/static/:name", s.static},
		{fiber.MethodGet, "/office/logo", s.logo},
		{fiber.MethodGet, "/healthz", s.healthz},
		{fiber.MethodGet, "/readyz", s.readyz},
		{fiber.MethodGet, "/openapi.json", s.openapi},
		{fiber.MethodPost, "/v1/check", s.apiCheck},
		{fiber.MethodPost, "/v1/annotate", s.apiAnnotate},
		{fiber.MethodPost, "/v1/fix", s.apiFix},
		{fiber.MethodPost, "/v1/print", s.apiPrint},
		{fiber.MethodPost, emailRoute, s.apiEmail},
	}
}

func (s *Server) routes() {
	s.app.Use(s.observe)
	s.paths = map[string]bool{}
	for _, r := range s.routeTable() {
		switch r.method {
		case fiber.MethodPost:
			s.app.Post(r.path, s.admit, r.handler)
		case fiber.MethodGet:
			// Fiber's Get answers HEAD too, as GET without the body, as
			// link checkers and caches ask.
			s.app.Get(r.path, r.handler)
		default:
			s.app.Add(r.method, r.path, r.handler)
		}
		s.paths[r.path] = true
	}
}

// observe logs and measures every request, turns handler errors into
// answers, and turns a panic into a 500 rather than a dropped connection.
func (s *Server) observe(c *fiber.Ctx) (err error) {
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			s.cfg.Logger.Error("panic", "method", c.Method(), "path", c.Path(), "panic", fmt.Sprint(p))
			err = s.fail(c, errInternal, nil)
		}
		status := c.Response().StatusCode()
		d := time.Since(start)
		s.metrics.request(s.routeLabel(c), c.Method(), status, d)
		s.cfg.Logger.Info("request", "method", c.Method(), "path", c.Path(), "status", status, "ms", d.Milliseconds())
	}()
	private(c)
	if ambiguousLength(c.Request().Header.RawHeaders()) {
		return s.refuse(c, errBadRequest, "framing")
	}
	if err := c.Next(); err != nil {
		return s.errorHandler(c, err)
	}
	return nil
}

// routeLabel names the matched route for metrics; unmatched paths are
// "other", so a scan of random URLs cannot grow the label set.
func (s *Server) routeLabel(c *fiber.Ctx) string {
	switch c.Response().StatusCode() {
	case fiber.StatusNotFound, fiber.StatusMethodNotAllowed:
		return "other" // Route() is then the middleware's, not a real route
	}
	if p := c.Route().Path; s.paths[p] {
		return p
	}
	return "other"
}

// errorHandler answers errors raised by Fiber itself (404, 405, 413 from
// the body limit, read timeouts) and any unexpected handler error.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	var ae *apiError
	var fe *fiber.Error
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &fe):
		switch fe.Code {
		case fiber.StatusNotFound:
			ae = errNotFound
		case fiber.StatusMethodNotAllowed:
			ae = errMethod
		case fiber.StatusRequestEntityTooLarge:
			ae = errTooLarge
		case fiber.StatusRequestHeaderFieldsTooLarge:
			ae = errHeaderTooLarge
		case fiber.StatusRequestTimeout:
			ae = &apiError{fiber.StatusRequestTimeout, "api.request_timeout", nil}
		default:
			if fe.Code >= 500 {
				ae = errInternal
			} else {
				ae = &apiError{fe.Code, errBadRequest.id, nil}
			}
		}
	default:
		s.cfg.Logger.Error("handler error", "method", c.Method(), "path", c.Path(), "err", err)
		ae = errInternal
	}
	return s.fail(c, ae, nil)
}

// private marks an answer as the citizen's: answers carry a photo, a
// report or a sheet, so no cache keeps them (the page's assets say
// otherwise), and no browser takes them for another type than they
// declare. observe marks every answer, fail the errors fasthttp raises
// before observe runs (a malformed request).
func private(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
}

// fail writes an error answer: an HTML page for the web page's routes,
// else JSON {"error", "message"} with the report when there is one.
func (s *Server) fail(c *fiber.Ctx, e *apiError, rep *validate.Report) error {
	private(c)
	lang := langOf(c)
	c.Set(fiber.HeaderContentLanguage, lang)
	var args []any
	if e == errTooLarge {
		args = append(args, s.cfg.BodyLimit>>20)
	}
	msg := e.message(lang, args...)
	switch e.status {
	case fiber.StatusTooManyRequests, fiber.StatusServiceUnavailable:
		if len(c.Response().Header.Peek(fiber.HeaderRetryAfter)) == 0 {
			c.Set(fiber.HeaderRetryAfter, "2")
		}
	}
	if s.isWeb(c) && parsed(c) {
		return s.renderError(c, e.status, lang, msg)
	}
	c.Status(e.status)
	return c.JSON(errorBody{Error: e.code(), Message: msg, Report: rep})
}

// parsed reports whether the server could read the request's header: a
// request line or header too long (431) or malformed (400) leaves none,
// not even Host, and then neither its path nor its language is known. It
// is answered in JSON, which API clients parse and a browser shows.
func parsed(c *fiber.Ctx) bool { return len(c.Request().Header.RawHeaders()) > 0 }

// isWeb reports whether the request belongs to the web page rather than
// the API.
func (s *Server) isWeb(c *fiber.Ctx) bool {
	p := c.Path()
	return p == "/" || p == "/check" || strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/office/")
}

// langKey holds, in the request's locals, the language requestOptions
// chose from the query, the form and Accept-Language.
const langKey = "tessera.lang"

// langOf is the user's language: the one chosen for the request once its
// form is read (requestOptions), else from ?lang= and Accept-Language
// (catalog.Choose; a language tessera does not speak is not an error on
// the web: the answer's Content-Language says which one it got).
func langOf(c *fiber.Ctx) string {
	if l, ok := c.Locals(langKey).(string); ok && l != "" {
		return l
	}
	return catalog.Choose(c.Query("lang"), c.Get(fiber.HeaderAcceptLanguage))
}

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

func (s *Server) readyz(c *fiber.Ctx) error {
	if s.draining.Load() {
		return s.fail(c, errDraining, nil)
	}
	if s.val.Load() == nil {
		return s.fail(c, errNotReady, nil)
	}
	if s.stuck() {
		return s.fail(c, errStuck, nil)
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

// stuck reports whether every analysis slot is taken and none has been
// given back for twice the longest an analysis may take: the analyses
// ignore their deadline (a photo that defeats a decoder), and new photos
// can only wait. A load balancer should send them elsewhere.
func (s *Server) stuck() bool {
	_, _, since := s.slots.stats()
	return !since.IsZero() && time.Since(since) > 2*s.cfg.RequestTimeout
}
