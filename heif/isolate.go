package heif

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// Decoding in a child process. libheif's memory is bounded by the sizes a
// file claims (Config.Bound), its time is not: a grid may list one tile
// many times, or code tiles that claim a few pixels at the full bound, and
// a 150 KB file kept libheif decoding for 102 s. A C call cannot be
// stopped, so DecodeChild runs it in a child process (this program,
// started again) with a CPU-time limit, killed when the caller's context
// ends; a crash in libheif or libde265 (their assertions abort) ends the
// child, not the caller.

// childEnv makes a process a decoding child; its value is the CPU seconds
// the child may use.
const childEnv = "TESSERA_HEIF_CHILD_CPU"

// The child's exit statuses, beside 0 (the pixels written).
const (
	exitFormat      = 3 // a FormatError, its text on standard error
	exitUnsupported = 4 // an UnsupportedError
	exitInternal    = 5 // the child itself failed: not the file's fault
	exitCPU         = 6 // SIGXCPU: the soft RLIMIT_CPU was reached
)

// The child's CPU limits. At the soft one the kernel sends SIGXCPU and
// the child exits with exitCPU, saying itself that the file took too long;
// at the hard one, graceSecs later, the kernel kills it (the backstop).
//
// The child tells, rather than the parent reading its CPU time once it is
// killed, because the two counts differ: the kernel holds RLIMIT_CPU to
// user and system time sampled at each scheduler tick (a 4 ms tick charged
// whole to whichever thread runs), while wait4 reports those times
// rescaled to the scheduler's exact run time. With many short runs the
// sampling strays either way: under load a child the kernel killed at
// its 2 s limit reported under 1.9 s once in a `make test` run
// (TestDecodeChild), and its file was taken for the child's failure, not
// the file's; at SIGXCPU, exact times of 1.96-2.62 s were read for a 2 s
// tick count.
func graceSecs(secs uint64) uint64 { return max(2, secs/2) }

// serves records that this program called ServeChild, so that a child
// started from it decodes rather than running the program's main again.
var serves atomic.Bool

// ErrNoChild is returned by DecodeChild in a program that does not call
// ServeChild.
var ErrNoChild = errors.New("heif: this program does not call heif.ServeChild, so it cannot decode in a child")

// maxChildError bounds the error text read from a child.
const maxChildError = 1 << 10

// CPU time a child may use: childBaseCPU, and childCPUPerMegapixel per
// megapixel of the bound's square, rounded up to whole seconds. A
// 12-megapixel iPhone-like grid decodes in 0.7-1.0 s here (1.3-1.4 s in a
// child, its start and the pixels' copy included); its bound, 4160, allows
// 1.7 + 0.1 * 17.3 = 3.4 s, so 4.
const (
	childBaseCPU         = 1700 * time.Millisecond
	childCPUPerMegapixel = 100 * time.Millisecond
)

// ServeChild makes this process decode one HEIF file and exit, when
// DecodeChild started it to; otherwise it returns at once. A program
// that decodes in a child calls it first thing in main, and a test binary
// in TestMain. The child reads the file from standard input and writes
// the RGBA pixels to standard output.
func ServeChild() {
	v := os.Getenv(childEnv)
	if v == "" {
		serves.Store(true)
		return
	}
	// A terminal's Ctrl-C or a service manager's stop is the parent's to
	// handle: the child finishes or is killed with its request.
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM)
	secs, err := strconv.ParseUint(v, 10, 64)
	if err != nil || secs == 0 {
		fmt.Fprintf(os.Stderr, "heif child: bad %s=%q", childEnv, v)
		os.Exit(exitInternal)
	}
	// SIGXCPU is asked for before the limit is set: on a Go thread an
	// unrequested SIGXCPU is ignored, but it may land on one of libheif's
	// threads, where its default action ends the process with a core dump.
	xcpu := make(chan os.Signal, 1)
	signal.Notify(xcpu, syscall.SIGXCPU)
	go func() {
		<-xcpu
		os.Exit(exitCPU)
	}()
	// A hard limit this process inherited cannot be raised: the limits
	// stay under it (the kernel then kills at it, the backstop).
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CPU, &old); err != nil {
		fmt.Fprintf(os.Stderr, "heif child: CPU limit: %v", err)
		os.Exit(exitInternal)
	}
	limit := syscall.Rlimit{Cur: min(secs, old.Max), Max: min(secs+graceSecs(secs), old.Max)}
	if err := syscall.Setrlimit(syscall.RLIMIT_CPU, &limit); err != nil {
		fmt.Fprintf(os.Stderr, "heif child: CPU limit: %v", err)
		os.Exit(exitInternal)
	}
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "heif child: read: %v", err)
		os.Exit(exitInternal)
	}
	img, err := Decode(data)
	var u UnsupportedError
	var f FormatError
	switch {
	case errors.As(err, &u):
		fmt.Fprint(os.Stderr, string(u))
		os.Exit(exitUnsupported)
	case errors.As(err, &f):
		fmt.Fprint(os.Stderr, string(f))
		os.Exit(exitFormat)
	case err != nil:
		fmt.Fprint(os.Stderr, err)
		os.Exit(exitFormat)
	}
	if _, err := os.Stdout.Write(img.Pix); err != nil {
		os.Exit(exitInternal)
	}
	os.Exit(0)
}

// DecodeChild decodes data, whose header is cfg (File.Config), as
// File.Decode does, in a child process: this program started again, which
// must call ServeChild first (else ErrNoChild). The child may use CPU time
// in proportion to cfg.Bound squared and is killed when ctx ends, whose
// error is then returned. A child that runs out of CPU time or crashes
// (an abort, a fault) is a FormatError; one killed from outside, or
// failing itself, another error.
func DecodeChild(ctx context.Context, data []byte, cfg Config) (*image.RGBA, error) {
	if !serves.Load() {
		return nil, ErrNoChild
	}
	// The running program's own file, even when an upgrade has replaced
	// the one at its path.
	exe := "/proc/self/exe"
	if _, err := os.Stat(exe); err != nil {
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("heif: find this program to decode in a child: %w", err)
		}
	}
	mp := float64(cfg.Bound) * float64(cfg.Bound) / 1e6
	cpu := childBaseCPU + time.Duration(mp*float64(childCPUPerMegapixel))
	secs := int64((cpu + time.Second - 1) / time.Second)
	// A test binary without ServeChild runs no test with this flag, and
	// writes no pixels: an error, never a test run again.
	cmd := exec.CommandContext(ctx, exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strconv.FormatInt(secs, 10))
	// Its own process group, so a terminal's Ctrl-C reaches the parent
	// only; killed if the parent dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, n: maxChildError}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("heif: child: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("heif: start a child: %w", err)
	}
	tooLong := FormatError(fmt.Sprintf("decoding took over %d s of CPU time", secs))
	m := image.NewRGBA(image.Rect(0, 0, cfg.Width, cfg.Height))
	n, rerr := io.ReadFull(out, m.Pix)
	extra, _ := io.Copy(io.Discard, out)
	werr := cmd.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var exit *exec.ExitError
	switch {
	case errors.As(werr, &exit) && exit.ExitCode() == exitUnsupported:
		return nil, UnsupportedError(stderr.String())
	case errors.As(werr, &exit) && exit.ExitCode() == exitFormat:
		return nil, FormatError(stderr.String())
	case errors.As(werr, &exit) && exit.ExitCode() == exitInternal:
		return nil, fmt.Errorf("heif: child: %s", stderr.String())
	case errors.As(werr, &exit) && exit.ExitCode() == exitCPU:
		return nil, tooLong
	case errors.As(werr, &exit):
		ws, ok := exit.Sys().(syscall.WaitStatus)
		if !ok || !ws.Signaled() {
			return nil, fmt.Errorf("heif: child: %v", werr)
		}
		// The hard limit: a child that did not exit at the soft one, past
		// it by graceSecs by the kernel's count, and past the soft one by
		// the exact one.
		if used := exit.UserTime() + exit.SystemTime(); ws.Signal() == syscall.SIGKILL && used >= time.Duration(secs)*time.Second {
			return nil, tooLong
		}
		if ws.Signal() == syscall.SIGABRT || ws.Signal() == syscall.SIGSEGV || ws.Signal() == syscall.SIGBUS {
			return nil, FormatError(fmt.Sprintf("the decoder crashed on the file (%v)", ws.Signal()))
		}
		// Killed from outside (out of memory, a stop): not the file's
		// fault.
		return nil, fmt.Errorf("heif: child stopped by %v", ws.Signal())
	case werr != nil:
		return nil, fmt.Errorf("heif: child: %w", werr)
	case rerr != nil || extra != 0:
		return nil, FormatError(fmt.Sprintf("the decoder gave %d bytes, %d expected", int64(n)+extra, len(m.Pix)))
	}
	return m, nil
}

// limitedWriter keeps the first n bytes written to it and drops the rest.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.n -= k
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}
