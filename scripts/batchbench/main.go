// Command batchbench times "tessera check" over a folder as a clerk runs
// it: the binary is started fresh (model load included), its CSV report is
// read as it streams, and the time to the first result and the photos per
// second of the whole run are printed beside the aims (first result within
// 1.5 s, at least 60 photos/s on 2 cores), then the steady rate after the
// first result (the model loaded), which scripts/batchbench.sh compares
// between --jobs 1 and the default to read how the batch scales on cores.
//
// Usage: go run ./scripts/batchbench TESSERA DIR [check flags...]
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"time"
)

const (
	aimFirst = 1500 * time.Millisecond
	aimRate  = 60.0
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: batchbench TESSERA DIR [check flags...]")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3:]); err != nil {
		fmt.Fprintln(os.Stderr, "batchbench:", err)
		os.Exit(1)
	}
}

func run(bin, dir string, flags []string) error {
	args := append([]string{"check", "--format", "csv"}, flags...)
	args = append(args, dir)
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	sc := bufio.NewScanner(out)
	var first time.Duration
	rows := -1 // the header
	for sc.Scan() {
		rows++
		if rows == 1 {
			first = time.Since(start)
		}
	}
	err = cmd.Wait()
	total := time.Since(start)
	if exit, ok := err.(*exec.ExitError); err != nil && (!ok || exit.ExitCode() > 1) {
		return fmt.Errorf("%s: %v: %s", bin, err, stderr.String())
	}
	if rows < 0 { // the report went to --out: count the photos from the summary
		if _, err := fmt.Sscanf(stderr.String(), "%d", &rows); err != nil {
			return fmt.Errorf("no summary in %q", stderr.String())
		}
		first = -1
	}
	rate := float64(rows) / total.Seconds()
	meets := func(ok bool) string {
		if ok {
			return "meets the aim"
		}
		return "MISSES the aim"
	}
	fmt.Printf("tessera check %v: %d photos in %.2f s\n", flags, rows, total.Seconds())
	if first >= 0 {
		fmt.Printf("  first result after %.0f ms (aim <= %.0f ms: %s)\n", float64(first.Milliseconds()), float64(aimFirst.Milliseconds()), meets(first <= aimFirst))
	}
	fmt.Printf("  %.1f photos/s (aim >= %.0f: %s)\n", rate, aimRate, meets(rate >= aimRate))
	if first >= 0 && rows > 1 {
		fmt.Printf("  steady %.1f photos/s after the first\n", float64(rows-1)/(total-first).Seconds())
	}
	fmt.Printf("  tessera said: %s", stderr.String())
	return nil
}
