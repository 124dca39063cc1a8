package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"

	"github.com/tessera-cie/tessera/api"
	"github.com/tessera-cie/tessera/office"
	"github.com/tessera-cie/tessera/validate"
)

// addrEnv overrides the default listen address of tessera serve;
// trustedEnv the default of --trusted-proxy.
const (
	addrEnv    = "TESSERA_ADDR"
	trustedEnv = "TESSERA_TRUSTED_PROXIES"
	// defaultMetricsAddr is where serve's metrics are, by default: on
	// loopback, for a scraper on the same host or in the same pod, at
	// the port Prometheus' registry of exporters gives tessera's kind.
	defaultMetricsAddr = "127.0.0.1:9464"
)

// envOr is the value of the variable key, else def.
func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// runServe serves the web page and the JSON API until ctx is done (SIGINT
// or SIGTERM), then drains requests in flight. It listens at once and loads
// the face model in the background: /readyz answers 503 until it is loaded.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("serve", "usage: tessera serve [--config tessera.toml] [--addr HOST:PORT] [--workers N] [--body-limit-mb N] [--memory-budget-mb N] [--body-budget-mb N] [--trusted-proxy LIST] [--client-rate N ...] [--office-name NAME ...]", stderr)
	defAddr := os.Getenv(addrEnv)
	if defAddr == "" {
		defAddr = ":8080"
	}
	addr := fs.String("addr", defAddr, "listen address HOST:PORT (env "+addrEnv+")")
	workers := fs.Int("workers", runtime.NumCPU(), "photos analysed at once")
	bodyMB := fs.Int("body-limit-mb", api.DefaultBodyLimit>>20, "largest request body in MB")
	memMB := fs.Int("memory-budget-mb", validate.DefaultMemoryBudget>>20, "memory the photos being checked at once may need together, in MB (estimated from each header; a photo waits for room)")
	bodyBudgetMB := fs.Int("body-budget-mb", api.DefaultBodyBudget>>20, "memory the request bodies being received and checked at once may take together, in MB, at least twice --body-limit-mb (a body that finds it spent: 503; one client may hold a quarter, or two bodies of the limit)")
	maxConns := fs.Int("max-conns", api.DefaultMaxConns, "connections open at once")
	maxConnsPerClient := fs.Int("max-conns-per-client", api.DefaultMaxConnsPerClient, "connections one client address may have open (a trusted proxy: only --max-conns)")
	clientRequests := fs.Int("client-requests", api.DefaultClientRequests, "requests with a photo one client may have in progress at once")
	clientRate := fs.Float64("client-rate", api.DefaultClientRate, "requests with a photo one client may start per second, sustained (0: no limit)")
	clientBurst := fs.Int("client-burst", api.DefaultClientBurst, "requests with a photo one client may start at once after a pause")
	metricsAddr := fs.String("metrics-addr", envOr(metricsEnv, defaultMetricsAddr), "serve Prometheus metrics at http://ADDR/metrics, on a listener of their own; \"\": none (env "+metricsEnv+")")
	trusted := fs.String("trusted-proxy", os.Getenv(trustedEnv), "addresses or networks of the proxies in front, comma-separated, whose X-Forwarded-For names the client (env "+trustedEnv+")")
	officeFlags := office.Bind(fs)
	if code, stop := stopped(fs.Parse(args)); stop {
		return code
	}
	if fs.NArg() > 0 || *workers < 1 || *bodyMB < 1 || *memMB < 64 || *bodyBudgetMB < 2**bodyMB ||
		*maxConns < 1 || *maxConnsPerClient < 1 || *clientRequests < 1 || *clientRate < 0 || *clientBurst < 1 {
		fs.Usage()
		return exitUsage
	}
	proxies, err := api.ParseProxies(*trusted)
	if err != nil {
		fmt.Fprintf(stderr, "tessera serve: --trusted-proxy: %v\n", err)
		return exitUsage
	}
	rate := *clientRate
	if rate == 0 {
		rate = -1 // api.Config: no limit
	}
	site, err := officeFlags.Load(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(stderr, "tessera serve: %v\n", err)
		return exitUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv := api.New(api.Config{
		MaxConcurrent: *workers, BodyLimit: *bodyMB << 20, BodyBudget: int64(*bodyBudgetMB) << 20,
		MaxConns: *maxConns, MaxConnsPerClient: *maxConnsPerClient,
		ClientRequests: *clientRequests, ClientRate: rate, ClientBurst: *clientBurst, TrustedProxies: proxies,
		Logger: log, Office: site,
	}, nil)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "tessera serve: %v\n", err)
		return 1
	}
	log.Info("listening", "addr", ln.Addr().String(), "workers", *workers, "office", site.Office.Name)
	if *metricsAddr != "" {
		stop, err := serveMetrics(*metricsAddr, srv.MetricsHandler(), log)
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
		eng, err := openEngine(0)
		if err != nil {
			loadErr <- err
			return
		}
		closeEngine = func() { eng.Close() }
		srv.SetValidator(validatorOn(eng, int64(*memMB)<<20, int64(*bodyBudgetMB)<<20))
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
