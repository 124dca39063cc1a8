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

// addrEnv overrides the default listen address of tessera serve.
const addrEnv = "TESSERA_ADDR"

// runServe serves the web page and the JSON API until ctx is done (SIGINT
// or SIGTERM), then drains requests in flight. It listens at once and loads
// the face model in the background: /readyz answers 503 until it is loaded.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("serve", "usage: tessera serve [--config tessera.toml] [--addr HOST:PORT] [--workers N] [--body-limit-mb N] [--memory-budget-mb N] [--office-name NAME ...]", stderr)
	defAddr := os.Getenv(addrEnv)
	if defAddr == "" {
		defAddr = ":8080"
	}
	addr := fs.String("addr", defAddr, "listen address HOST:PORT (env "+addrEnv+")")
	workers := fs.Int("workers", runtime.NumCPU(), "photos analysed at once")
	bodyMB := fs.Int("body-limit-mb", api.DefaultBodyLimit>>20, "largest request body in MB")
	memMB := fs.Int("memory-budget-mb", validate.DefaultMemoryBudget>>20, "memory the photos being checked at once may need together, in MB (estimated from each header; a photo waits for room)")
	officeFlags := office.Bind(fs)
	if code, stop := stopped(fs.Parse(args)); stop {
		return code
	}
	if fs.NArg() > 0 || *workers < 1 || *bodyMB < 1 || *memMB < 64 {
		fs.Usage()
		return exitUsage
	}
	site, err := officeFlags.Load(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(stderr, "tessera serve: %v\n", err)
		return exitUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv := api.New(api.Config{MaxConcurrent: *workers, BodyLimit: *bodyMB << 20, Logger: log, Office: site}, nil)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "tessera serve: %v\n", err)
		return 1
	}
	log.Info("listening", "addr", ln.Addr().String(), "workers", *workers, "office", site.Office.Name)

	loadErr := make(chan error, 1)
	var closeEngine func()
	go func() {
		eng, err := openEngine(0)
		if err != nil {
			loadErr <- err
			return
		}
		closeEngine = func() { eng.Close() }
		srv.SetValidator(validatorOn(eng, int64(*memMB)<<20))
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
