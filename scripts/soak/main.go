// Command soak runs a bounded soak of `tessera serve` (issue 9): for a set
// time, workers post a mix of good, bad and hostile photos to /v1/check,
// some of them abandoning their request half-way, while the server's
// resident memory is sampled from /proc. It prints the answers by status
// and the memory over time, and exits 1 on any 5xx other than 503 (busy,
// documented) or when memory in the last tenth of the run is more than
// maxGrowth over the first.
//
// Usage:
//
//	go run ./scripts/soak -url http://127.0.0.1:18090 -pid PID -photo good.jpg -original big.jpg [-d 10m] [-c 16]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tessera-cie/tessera/internal/fixture"
)

// maxGrowth is how much more resident memory the server may hold at the
// end of the run than early on (median of the last tenth of the samples
// over the median of the second tenth, after warm-up): a server that
// leaks grows without bound, one that does not stays within GC noise.
const maxGrowth = 1.25

type payload struct {
	name, ctype string
	data        []byte
}

func main() {
	base := flag.String("url", "http://127.0.0.1:18090", "server address")
	pid := flag.Int("pid", 0, "server process id, for its memory")
	photo := flag.String("photo", "", "a good 560x720 photo")
	original := flag.String("original", "", "a full-size studio photo")
	dur := flag.Duration("d", 10*time.Minute, "how long to run")
	conc := flag.Int("c", 16, "concurrent clients")
	flag.Parse()
	if *pid == 0 || *photo == "" || *original == "" {
		flag.Usage()
		os.Exit(2)
	}
	good, err := os.ReadFile(*photo)
	check(err)
	orig, err := os.ReadFile(*original)
	check(err)
	mix := payloads(good, orig)

	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	var (
		mu      sync.Mutex
		byCode  = map[string]int{}
		total   atomic.Int64
		samples []int64 // VmRSS, KB
	)
	count := func(name string, code int) {
		mu.Lock()
		byCode[fmt.Sprintf("%d %s", code, name)]++
		mu.Unlock()
		total.Add(1)
	}
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 60 * time.Second}
	for w := range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 9))
			for ctx.Err() == nil {
				p := mix[r.IntN(len(mix))]
				if r.IntN(10) == 0 {
					abandon(*base, p)
					count("abandoned "+p.name, 0)
					continue
				}
				resp, err := client.Post(*base+"/v1/check?lang=en", p.ctype, bytes.NewReader(p.data))
				if err != nil {
					count(p.name+" ("+err.Error()+")", -1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				count(p.name, resp.StatusCode)
			}
		}()
	}
	start := time.Now()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
			kb := rss(*pid)
			samples = append(samples, kb)
			fmt.Printf("%6.0fs  %7d requests  VmRSS %5d MB\n", time.Since(start).Seconds(), total.Load(), kb/1024)
		}
	}
	wg.Wait()

	fmt.Printf("\n%d requests in %v by %d clients; answers by status and payload:\n", total.Load(), dur.Round(time.Second), *conc)
	keys := make([]string, 0, len(byCode))
	for k := range byCode {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	bad := 0
	for _, k := range keys {
		fmt.Printf("  %6d  %s\n", byCode[k], k)
		code, _ := strconv.Atoi(strings.Fields(k)[0])
		if code >= 500 && code != http.StatusServiceUnavailable || code == -1 {
			bad += byCode[k]
		}
	}
	ok := true
	if bad > 0 {
		fmt.Printf("FAIL: %d answers were 5xx other than 503, or no answer\n", bad)
		ok = false
	}
	if n := len(samples); n >= 20 {
		early, late := median(samples[n/10:n/5]), median(samples[n-n/10:])
		fmt.Printf("VmRSS: early median %d MB, late median %d MB (x%.2f, limit x%.2f), peak %d MB\n",
			early/1024, late/1024, float64(late)/float64(early), maxGrowth, maxOf(samples)/1024)
		if float64(late) > maxGrowth*float64(early) {
			fmt.Println("FAIL: resident memory grew")
			ok = false
		}
	}
	if !ok {
		os.Exit(1)
	}
}

// payloads is the mix the clients send: good photos, bad ones and the
// crafted ones of issue 9.
func payloads(good, orig []byte) []payload {
	png16 := pngHeader16(7071, 7071)
	return []payload{
		{"good 560x720", "image/jpeg", good},
		{"good 560x720", "image/jpeg", good},
		{"good 560x720", "image/jpeg", good},
		{"studio original", "image/jpeg", orig},
		{"truncated", "image/jpeg", good[:len(good)/2]},
		{"not an image", "image/jpeg", []byte("Buongiorno, allego la foto.")},
		{"d1 exif loop", "image/jpeg", fixture.HostileEXIFLoop(good)},
		{"d2 exif count", "image/jpeg", fixture.HostileEXIFCount(good)},
		{"d3 segment length", "image/jpeg", fixture.HostileSegmentLength()},
		{"png header 7071x7071 16-bit", "image/png", png16},
		{"png bomb 60000x60000", "image/png", fixture.PNGHeader(60000, 60000)},
	}
}

// abandon sends a request and closes the connection without reading the
// answer, as a client that gives up does.
func abandon(base string, p payload) {
	u, err := url.Parse(base)
	check(err)
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return
	}
	defer conn.Close()
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "POST /v1/check HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", u.Host, p.ctype, len(p.data))
	w.Write(p.data)
	w.Flush()
}

// pngHeader16 is a PNG signature and IHDR of a w x h 16-bit RGBA image, no
// pixel data.
func pngHeader16(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 16, 6, 0, 0, 0)
	chunk := func(typ string, d []byte) []byte {
		c := binary.BigEndian.AppendUint32(nil, uint32(len(d)))
		c = append(c, typ...)
		c = append(c, d...)
		return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(append([]byte(typ), d...)))
	}
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	return append(out, chunk("IEND", nil)...)
}

// rss is the resident memory of process pid in KB, 0 when unknown.
func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

func median(v []int64) int64 {
	s := append([]int64(nil), v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func maxOf(v []int64) int64 {
	m := v[0]
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}
