package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime"
	"time"

	"github.com/tessera-cie/tessera/api"
	"github.com/tessera-cie/tessera/config"
	"github.com/tessera-cie/tessera/internal/engine"
	"github.com/tessera-cie/tessera/office"
	"github.com/tessera-cie/tessera/validate"
)

// defaultMetricsAddr is where serve's metrics are, by default: on
// loopback, for a scraper on the same host or in the same pod, at the port
// Prometheus' registry of exporters gives tessera's kind.
const defaultMetricsAddr = "127.0.0.1:9464"

// serveSettings are tessera serve's settings, read and checked.
type serveSettings struct {
	addr, metricsAddr string
	// workers is how many photos are analysed at once: the API's slots
	// and the face engine's detectors.
	workers                     int
	bodyMB, memMB, bodyBudgetMB int
	maxConns, maxConnsPerClient int
	clientRequests, clientBurst int
	clientRate                  float64 // requests a second; -1: no limit (api.Config)
	drainDelay                  time.Duration
	trusted                     string
	proxies                     []netip.Prefix
	site                        *office.Site
}

// serveFlags defines tessera serve's flags, bound to s; keys are its
// settings and the office's.
func serveFlags(s *serveSettings, stderr io.Writer) (fs *flag.FlagSet, f *office.File, keys []config.Key) {
	fs = newFlags("serve", "usage: tessera serve [--config tessera.toml] [--addr HOST:PORT] [--workers N] [--body-limit-mb N] [--memory-budget-mb N] [--body-budget-mb N] [--trusted-proxy LIST] [--client-rate N ...] [--office-name NAME ...]", stderr)
	fs.StringVar(&s.addr, "addr", ":8080", "listen address HOST:PORT")
	fs.IntVar(&s.workers, "workers", runtime.GOMAXPROCS(0), "photos analysed at once, each by a face detector of its own (default: the CPUs the process may use, its container's quota included)")
	fs.IntVar(&s.bodyMB, "body-limit-mb", api.DefaultBodyLimit>>20, "largest request body in MB")
	fs.IntVar(&s.memMB, "memory-budget-mb", validate.DefaultMemoryBudget>>20, "memory the photos being checked at once may need together, in MB (estimated from each header; a photo waits for room)")
	fs.IntVar(&s.bodyBudgetMB, "body-budget-mb", api.DefaultBodyBudget>>20, "memory the request bodies being received and checked at once may take together, in MB, at least twice --body-limit-mb (a body that finds it spent: 503; one client may hold a quarter, or two bodies of the limit)")
	fs.IntVar(&s.maxConns, "max-conns", api.DefaultMaxConns, "connections open at once")
	fs.IntVar(&s.maxConnsPerClient, "max-conns-per-client", api.DefaultMaxConnsPerClient, "connections one client address may have open (a trusted proxy: only --max-conns)")
	fs.IntVar(&s.clientRequests, "client-requests", api.DefaultClientRequests, "requests with a photo one client may have in progress at once")
	fs.Float64Var(&s.clientRate, "client-rate", api.DefaultClientRate, "requests with a photo one client may start per second, sustained (0: no limit)")
	fs.IntVar(&s.clientBurst, "client-burst", api.DefaultClientBurst, "requests with a photo one client may start at once after a pause")
	fs.DurationVar(&s.drainDelay, "drain-delay", 0, "on SIGTERM, go on answering this long with /readyz saying 503 draining, so a load balancer stops sending before the server stops (Kubernetes: a few seconds)")
	fs.StringVar(&s.metricsAddr, "metrics-addr", defaultMetricsAddr, "serve Prometheus metrics at http://ADDR/metrics, on a listener of their own; \"\": none")
	fs.StringVar(&s.trusted, "trusted-proxy", "", "addresses or networks of the proxies in front, comma-separated, whose X-Forwarded-For names the client")
	f, keys = bindSettings(fs, serveKeys)
	return fs, f, keys
}

// parseServe reads tessera serve's settings: args, then the variables
// lookup finds, then tessera.toml.
func parseServe(args []string, lookup func(string) (string, bool), stderr io.Writer) (*serveSettings, *flag.FlagSet, error) {
	s := &serveSettings{}
	fs, f, keys := serveFlags(s, stderr)
	site, _, err := loadSettings(fs, keys, f, args, lookup)
	if err != nil {
		return nil, fs, err
	}
	if s.workers < 1 || s.bodyMB < 1 || s.memMB < 64 || s.bodyBudgetMB < 2*s.bodyMB ||
		s.maxConns < 1 || s.maxConnsPerClient < 1 || s.clientRequests < 1 || s.clientRate < 0 || s.clientBurst < 1 || s.drainDelay < 0 {
		return nil, fs, &usageError{usage: true}
	}
	if s.proxies, err = api.ParseProxies(s.trusted); err != nil {
		return nil, fs, usageErrorf("--trusted-proxy: %w", err)
	}
	if s.clientRate == 0 {
		s.clientRate = -1 // api.Config: no limit
	}
	s.site = site
	return s, fs, nil
}

// runServe serves the web page and the JSON API until ctx is done (SIGINT
// or SIGTERM), then drains requests in flight. It listens at once and loads
// the face model in the background: /readyz answers 503 until it is loaded.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	s, fs, err := parseServe(args, os.LookupEnv, stderr)
	if err != nil {
		return settingsExit("serve", err, fs, stderr)
	}
	site := s.site
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv := api.New(api.Config{
		MaxConcurrent: s.workers, BodyLimit: s.bodyMB << 20, BodyBudget: int64(s.bodyBudgetMB) << 20,
		MaxConns: s.maxConns, MaxConnsPerClient: s.maxConnsPerClient,
		ClientRequests: s.clientRequests, ClientRate: s.clientRate, ClientBurst: s.clientBurst, TrustedProxies: s.proxies,
		DrainDelay: s.drainDelay,
		Logger:     log, Office: site,
	}, nil)

	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		fmt.Fprintf(stderr, "tessera serve: %v\n", err)
		return 1
	}
	log.Info("listening", "addr", ln.Addr().String(), "workers", s.workers, "office", site.Office.Name)
	if s.metricsAddr != "" {
		stop, err := serveMetrics(s.metricsAddr, srv.MetricsHandler(), log)
		if err != nil {
			ln.Close()
			fmt.Fprintf(stderr, "tessera serve: %v\n", err)
			return 1
		}
		defer stop()
	}

	loadErr := make(chan error, 1)
	var closeEngine func()
	go func() {
		eng, err := engine.Open(s.workers)
		if err != nil {
			loadErr <- err
			return
		}
		closeEngine = func() { eng.Close() }
		srv.SetValidator(validatorOn(eng, int64(s.memMB)<<20, int64(s.bodyBudgetMB)<<20))
		log.Info("face model loaded; ready")
		loadErr <- nil
	}()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ctx, ln) }()

	code := 0
	select {
	case err := <-loadErr:
		if err != nil {
			fmt.Fprintf(stderr, "tessera serve: face model: %v\n", err)
			cancel()
			<-serveErr
			return 1
		}
		err = <-serveErr
		if err != nil {
			fmt.Fprintf(stderr, "tessera serve: %v\n", err)
			code = 1
		}
	case err := <-serveErr:
		// Stopped before the model loaded; wait for the loader so the
		// engine is not leaked.
		if e := <-loadErr; e == nil {
			closeEngine()
		}
		if err != nil {
			fmt.Fprintf(stderr, "tessera serve: %v\n", err)
			return 1
		}
		return 0
	}
	closeEngine()
	log.Info("stopped")
	return code
}
