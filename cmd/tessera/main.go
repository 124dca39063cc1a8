// Command tessera checks ID photos for the Italian electronic identity card
// (CIE) against the Ministry's and ICAO rules.
//
// Usage:
//
//	tessera serve [--addr HOST:PORT]        web page and JSON API
//	tessera check [flags] FILE|DIR|GLOB...  check photos, print a report
//	tessera fix [flags] IN [OUT]            crop to 35x45 around the face, 400 DPI, under 500 KB
//	tessera eval DIR                        measure the checks on a labelled folder
//	tessera inbox --imap URL --smtp URL ... answer the photos emailed to the office
//	tessera health [--url URL]              exit 0 when a running server is ready
//
// Run "tessera COMMAND -h" for the flags of a command.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/tessera-cie/tessera/heif"
	"github.com/tessera-cie/tessera/internal/engine"
	"github.com/tessera-cie/tessera/validate"
)

// exitUsage is the exit status of a usage error.
const exitUsage = 2

// command is one subcommand: it gets its arguments and returns the exit status.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"serve", "serve the citizens' web page and the JSON API", runServe},
		{"check", "check photos and print a report", runCheck},
		{"fix", "crop, scale and save a photo so the mechanical checks pass", runFix},
		{"eval", "measure the checks on a labelled folder of photos", runEval},
		{"inbox", "answer the photos sent to the registry office's mailbox (IMAP in, SMTP out)", runInbox},
		{"health", "ask a running server whether it is ready (the container's health check)", runHealth},
	}
}

func main() {
	// This program started again to decode a HEIF file (validate decodes
	// them in a child process, bounded in CPU time) does that and exits.
	heif.ServeChild()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal asks the command to finish what it has in hand (a
	// server drains, the inbox ends its message, check writes its report);
	// then the signals are let go, so a second one stops the program at
	// once, as an operator's second Ctrl-C is meant to.
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "tessera: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: tessera COMMAND [flags] [args]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-7s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'tessera COMMAND -h' for a command's flags.")
}

// newValidator returns a validator on a freshly loaded face engine; close
// frees the engine.
func newValidator() (v *validate.Validator, close func(), err error) {
	eng, err := engine.Open(0)
	if err != nil {
		return nil, nil, err
	}
	return validatorOn(eng, validate.DefaultMemoryBudget, 0), func() { eng.Close() }, nil
}
