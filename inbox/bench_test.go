package inbox

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchMessages is how many messages BenchmarkInboxPass answers in one
// pass (issue 8: 200 messages of 1-3 photos each).
const benchMessages = 200

// BenchmarkInboxPass delivers benchMessages messages of 1 to 3 photos
// each (alternately valid and to be fixed) to a local Dovecot and answers
// them in one pass, as a morning's mail: messages per second (aim: at
// least 20 on 2 cores) and the process's peak memory. Run it with
// -benchtime 1x: one pass takes seconds.
func BenchmarkInboxPass(b *testing.B) {
	studio, valid := photos(b)
	var cpu time.Duration // of this process, while answering
	for b.Loop() {
		b.StopTimer()
		r := newRig(b)
		for i := range benchMessages {
			var ps [][]byte
			for j := range i%3 + 1 {
				ps = append(ps, [][]byte{valid, studio}[(i+j)%2])
			}
			r.deliver(b, email(fmt.Sprintf("From: cittadino%d@example.it\nSubject: foto\nMessage-ID: <bench%d@example.it>\n", i, i), ps...))
		}
		b.StartTimer()
		before := cpuTime(b)
		r.once(b, r.config())
		cpu += cpuTime(b) - before
		b.StopTimer()
		if n := len(r.smtp.Messages()); n != benchMessages {
			b.Fatalf("%d answers, want %d", n, benchMessages)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(benchMessages*b.N)/b.Elapsed().Seconds(), "messages/s")
	// CPU time per message against wall time per message per core: how
	// busy the cores were, and what the answers cost.
	b.ReportMetric(float64(cpu.Milliseconds())/float64(benchMessages*b.N), "cpu-ms/message")
	b.ReportMetric(cpu.Seconds()/b.Elapsed().Seconds()/float64(runtime.GOMAXPROCS(0)), "core-use")
	b.ReportMetric(peakRSSMB(b), "peak-RSS-MB")
}

// BenchmarkInboxLatency measures, with the inbox idling (IMAP IDLE), the
// time from a message's delivery to its answer reaching the SMTP server:
// the median over the messages (aim: at most 1 s).
func BenchmarkInboxLatency(b *testing.B) {
	_, valid := photos(b)
	r := newRig(b)
	r.run(b, r.config())
	var took []time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		r.deliver(b, email(fmt.Sprintf("From: cittadino%d@example.it\nSubject: foto\nMessage-ID: <lat%d@example.it>\n", i, i), valid))
		waitAnswers(b, r.smtp, i+1, 30*time.Second)
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Milliseconds()), "ms-p50")
	b.ReportMetric(float64(took[len(took)-1].Milliseconds()), "ms-max")
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSSMB is the process's peak resident memory (VmHWM) in MB.
func peakRSSMB(b *testing.B) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				b.Fatal(err)
			}
			return float64(kb) / 1024
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
