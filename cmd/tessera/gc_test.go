package main

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

// TestPaceGC sets the collector's pace and soft limit only where the
// environment leaves them to tessera.
func TestPaceGC(t *testing.T) {
	const budget, held = 768 << 20, 128 << 20
	prevPercent := debug.SetGCPercent(100)
	prevLimit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() {
		debug.SetGCPercent(prevPercent)
		debug.SetMemoryLimit(prevLimit)
	})
	tests := []struct {
		name      string
		env       map[string]string // set; others unset
		percent   int               // as the runtime read it from GOGC at start
		limit     int64             // as the runtime read it from GOMEMLIMIT at start
		wantPct   int
		wantLimit int64
	}{
		{"nothing set", nil, 100, math.MaxInt64, gcPercent, 2*budget + held},
		{"GOGC set", map[string]string{"GOGC": "150"}, 150, math.MaxInt64, 150, 2*budget + held},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "300MiB"}, 100, 300 << 20, gcPercent, 300 << 20},
		{"both set", map[string]string{"GOGC": "off", "GOMEMLIMIT": "1GiB"}, -1, 1 << 30, -1, 1 << 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
				t.Setenv(k, "") // restored after the test
				if v, ok := tt.env[k]; ok {
					os.Setenv(k, v)
				} else {
					os.Unsetenv(k)
				}
			}
			debug.SetGCPercent(tt.percent)
			debug.SetMemoryLimit(tt.limit)
			paceGC(budget, held)
			if got := debug.SetGCPercent(tt.percent); got != tt.wantPct {
				t.Errorf("GC percent %d, want %d", got, tt.wantPct)
			}
			if got := debug.SetMemoryLimit(-1); got != tt.wantLimit {
				t.Errorf("memory limit %d, want %d", got, tt.wantLimit)
			}
		})
	}
}
