// Command attack replays issue 29's attacks on a running `tessera serve`
// and prints what they cost it and another citizen:
//
//  1. slow bodies: N connections each declare a 15 MB photo and send 100
//     bytes of it, from one address and then from N addresses; the
//     server's resident memory is sampled (VmRSS of -pid), a citizen's
//     photo is checked from another address meanwhile, and the time until
//     the server cut the slow bodies is measured;
//  2. flood: F connections from one address post the photo in a loop while
//     a citizen at another address posts it every 2 s: the citizen's
//     latency, against the same without the flood, and the answers each
//     got by status (0: no answer, the connection refused or dropped).
//
// Clients are told apart by their loopback address (127.0.1.x and 127.0.2.x, 127.0.9.1,
// the citizen 127.0.0.1), as the server tells citizens apart.
//
// Usage: go run ./scripts/attack -url http://127.0.0.1:18092 -pid PID -photo foto.jpg
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:18092", "the server")
	pid := flag.Int("pid", 0, "the server's process, whose memory is sampled")
	photoPath := flag.String("photo", "", "a citizen's photo (JPEG)")
	slow := flag.Int("slow", 300, "slow-body connections")
	flood := flag.Int("flood", 40, "flooding connections")
	floodFor := flag.Duration("flood-for", 20*time.Second, "how long the flood lasts")
	every := flag.Duration("every", 2*time.Second, "how often the citizen sends a photo during the flood (a person, not a program)")
	flag.Parse()
	photo, err := os.ReadFile(*photoPath)
	if err != nil {
		log.Fatal(err)
	}
	host := strings.TrimPrefix(*url, "http://")
	citizen := clientAt("127.0.0.1")
	fmt.Printf("server %s, pid %d, VmRSS %d MB; photo %d bytes\n", *url, *pid, rssMB(*pid), len(photo))
	fmt.Printf("citizen's photo, idle server: %s\n", timed(citizen, *url, photo, 5))

	for _, addrs := range []int{1, *slow} {
		fmt.Printf("\n== slow bodies: %d connections from %d address(es), each declaring 15 MB and sending 100 bytes\n", *slow, addrs)
		slowBodies(host, *url, *pid, photo, citizen, *slow, addrs)
	}

	fmt.Printf("\n== flood: %d connections from 127.0.9.1 posting the photo for %v; the citizen posts it every %v\n", *flood, *floodFor, *every)
	ctx, cancel := context.WithTimeout(context.Background(), *floodFor)
	defer cancel()
	var mu sync.Mutex
	floodCodes := map[int]int{}
	log.SetOutput(io.Discard) // net/http's note of each connection refused before its request
	var wg sync.WaitGroup
	for range *flood {
		wg.Go(func() {
			hc := clientAt("127.0.9.1")
			for ctx.Err() == nil {
				code, _ := post(hc, *url, photo)
				mu.Lock()
				floodCodes[code]++
				mu.Unlock()
				if code != http.StatusOK {
					time.Sleep(10 * time.Millisecond) // a refusal is instant: do not spin
				}
			}
		})
	}
	time.Sleep(time.Second)
	var lat []time.Duration
	codes := map[int]int{}
	for tick := time.Tick(*every); ctx.Err() == nil; <-tick {
		t0 := time.Now()
		code, err := post(citizen, *url, photo)
		lat = append(lat, time.Since(t0))
		codes[code]++
		if err != nil {
			fmt.Printf("citizen: %v\n", err)
		}
	}
	wg.Wait()
	fmt.Printf("citizen: %d photos, %s, by status %v\n", len(lat), summary(lat), codes)
	fmt.Printf("flood: by status %v; server VmHWM %d MB\n", floodCodes, hwmMB(*pid))
}

// slowBodies opens n slow-body connections from addrs addresses, holds
// them while sampling memory and checking a citizen's photo, then waits
// for the server to cut them.
func slowBodies(host, url string, pid int, photo []byte, citizen *http.Client, n, addrs int) {
	before := rssMB(pid)
	start := time.Now()
	conns := make([]net.Conn, 0, n)
	refusedAtOnce := 0
	for i := range n {
		ip := fmt.Sprintf("127.0.%d.%d", 1+(i%addrs)/250, 1+(i%addrs)%250)
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", host)
		if err != nil {
			refusedAtOnce++
			continue
		}
		fmt.Fprintf(c, "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n%s", 15<<20, strings.Repeat("x", 100))
		conns = append(conns, c)
	}
	peak := before
	for range 30 { // 3 s
		peak = max(peak, rssMB(pid))
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Printf("VmRSS %d MB before, peak %d MB while held (3 s); the citizen's photo meanwhile: %s\n", before, peak, timed(citizen, url, photo, 3))
	// How the server ends each: its answer's status, or the connection
	// dropped ("closed"), or still open after 3 minutes.
	ends := map[string]int{}
	var last time.Duration
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(3 * time.Minute))
			b, err := io.ReadAll(io.LimitReader(c, 1<<16))
			end := "closed"
			if fields := strings.Fields(string(b)); len(fields) > 1 {
				end = fields[1]
			} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
				end = "open after 3 min"
			}
			mu.Lock()
			ends[end]++
			last = max(last, time.Since(start))
			mu.Unlock()
		})
	}
	wg.Wait()
	fmt.Printf("ended: %v (%d refused before connecting), the last after %v; VmRSS now %d MB\n", ends, refusedAtOnce, last.Round(100*time.Millisecond), rssMB(pid))
}

// clientAt is an HTTP client whose connections come from ip.
func clientAt(ip string) *http.Client {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 64}, Timeout: time.Minute}
}

// post sends the photo to /v1/check and returns the status (0: no answer).
func post(hc *http.Client, url string, photo []byte) (int, error) {
	resp, err := hc.Post(url+"/v1/check", "image/jpeg", bytes.NewReader(photo))
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// timed posts the photo n times and says the statuses and the latencies.
func timed(hc *http.Client, url string, photo []byte, n int) string {
	var lat []time.Duration
	var codes []string
	for range n {
		t0 := time.Now()
		code, err := post(hc, url, photo)
		lat = append(lat, time.Since(t0))
		if err != nil {
			codes = append(codes, err.Error())
		} else {
			codes = append(codes, strconv.Itoa(code))
		}
	}
	return fmt.Sprintf("%s, status %s", summary(lat), strings.Join(codes, " "))
}

// summary is the median and the worst of lat.
func summary(lat []time.Duration) string {
	if len(lat) == 0 {
		return "none"
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return fmt.Sprintf("median %v, worst %v", s[len(s)/2].Round(time.Millisecond), s[len(s)-1].Round(time.Millisecond))
}

// rssMB and hwmMB read the process's resident memory now and at its peak.
func rssMB(pid int) int { return statusMB(pid, "VmRSS:") }
func hwmMB(pid int) int { return statusMB(pid, "VmHWM:") }

func statusMB(pid int, key string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for l := range strings.Lines(string(b)) {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == key {
			kb, _ := strconv.Atoi(f[1])
			return kb / 1024
		}
	}
	return -1
}
