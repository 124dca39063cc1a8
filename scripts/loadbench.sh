#!/usr/bin/env bash
# loadbench: load test of `tessera serve` on loopback with Debian's wrk.
#
#  0. scaling: requests/s with 2 connections against 1 (aim: 1.8x on 2 cores);
#  1. latency and throughput: a 560x720 JPEG posted as the raw body to
#     POST /v1/check by 4 connections for $DURATION: p50, p99, requests/s
#     (aim: p50 <= 40 ms on 2 cores);
#  2. memory: 64 concurrent uploads for $DURATION, first of the same photo,
#     then of the full-size original, while the server's resident memory is
#     sampled; peak RSS is the kernel's high-water mark VmHWM (aim <= 400 MB).
#
# Usage: scripts/loadbench.sh [FACE_PHOTO]   (default ../shared/faces/neutral/001_03.jpg)
# Env: DURATION (10s), PORT (18089), TESSERA_FACES.
set -euo pipefail
cd "$(dirname "$0")/.."

FACES=${TESSERA_FACES:-../shared/faces}
SRC=${1:-$FACES/neutral/001_03.jpg}
DURATION=${DURATION:-10s}
PORT=${PORT:-18089}
URL="http://127.0.0.1:$PORT"
AIM_P50_MS=40
AIM_RSS_MB=400
AIM_SCALING=1.8 # issue 9: two requests at once on 2 cores, 1.8x one

for tool in wrk curl go; do
	command -v "$tool" >/dev/null || { echo "loadbench: $tool not found (make deps installs wrk)" >&2; exit 1; }
done
[ -f "$SRC" ] || { echo "loadbench: no photo at $SRC (set TESSERA_FACES or pass a photo)" >&2; exit 1; }

. scripts/serve.sh

echo "== build"
go run ./scripts/benchphoto "$SRC" "$work/photo.jpg"
cp "$SRC" "$work/original.jpg"
start_server loadbench "${bench_limits[@]}"
echo "server pid $pid on $URL, $(nproc) cores; photo $(stat -c %s "$work/photo.jpg") bytes 560x720 from $SRC"
verdict=$(curl -fs -H 'Content-Type: image/jpeg' --data-binary @"$work/photo.jpg" "$URL/v1/check" | head -c 200)
echo "sample answer: $verdict..."

post_lua() { # $1: photo path
	cat <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "image/jpeg"
local f = assert(io.open("$1", "rb"))
wrk.body = f:read("*all")
f:close()
EOF
}
post_lua "$work/photo.jpg" >"$work/photo.lua"
post_lua "$work/original.jpg" >"$work/original.lua"

# ms converts a wrk duration (850.00us, 12.34ms, 1.02s, 1.5m) to milliseconds.
ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.1f", n }'
}
field() { # $1: wrk output file, $2: percentile label (50%, 99%)
	awk -v p="$2" '$1 == p { print $2; exit }' "$1"
}

# drain waits until requests that wrk abandoned at the end of a run (the
# server still answers them) have left the queue, so runs do not overlap.
drain() {
	for _ in $(seq 1 600); do
		curl -fs "$METRICS_URL/metrics" | awk '/^tessera_requests_waiting / { w = $2 } /^tessera_photos_in_flight / { f = $2 } END { exit !(w == 0 && f == 0) }' && return
		sleep 0.1
	done
}
# codes prints the answers of POST /v1/check so far, by status code.
codes() {
	curl -fs "$METRICS_URL/metrics" | awk -F'[{}]' '/^tessera_http_requests_total/ && /route="\/v1\/check"/ { split($2, l, ","); sub(/code=/, "", l[1]); gsub(/"/, "", l[1]); printf "%s %s  ", l[1], $3 } END { print "" }'
}

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$pid/status"; }

# Scaling: one connection keeps one core checking, two keep two; wrk runs
# on the same cores, so the figure is a little under what the server alone
# would reach.
echo
echo "== 0. scaling: 1 then 2 connections for $DURATION each (560x720 JPEG)"
wrk -t1 -c1 -d"$DURATION" -s "$work/photo.lua" "$URL/v1/check" >"$work/c1.txt"
drain
wrk -t2 -c2 -d"$DURATION" -s "$work/photo.lua" "$URL/v1/check" >"$work/c2.txt"
drain
rps1=$(awk '/^Requests\/sec/ { print $2 }' "$work/c1.txt")
rps2=$(awk '/^Requests\/sec/ { print $2 }' "$work/c2.txt")
scaling=$(awk -v a="$rps2" -v b="$rps1" 'BEGIN { printf "%.2f", a / b }')
echo "1 connection ${rps1} requests/s, 2 connections ${rps2} requests/s: ${scaling}x"

echo
echo "== 1. concurrency 4 for $DURATION (560x720 JPEG, raw body, POST /v1/check)"
wrk -t2 -c4 -d"$DURATION" --latency -s "$work/photo.lua" "$URL/v1/check" | tee "$work/c4.txt"
p50=$(ms "$(field "$work/c4.txt" 50%)")
p99=$(ms "$(field "$work/c4.txt" 99%)")
rps=$(awk '/^Requests\/sec/ { print $2 }' "$work/c4.txt")
non2xx=$(awk '/Non-2xx/ { print $NF }' "$work/c4.txt")
hwm_c4=$(( $(hwm_kb) / 1024 ))
drain
echo "answers so far by status: $(codes)"

# run64 NAME LUA: 64 connections for $DURATION, sampling RSS.
run64() {
	local name=$1 lua=$2 peak=0 r
	wrk -t2 -c64 -d"$DURATION" --timeout 30s --latency -s "$lua" "$URL/v1/check" >"$work/$name.txt" &
	local wpid=$!
	while kill -0 "$wpid" 2>/dev/null; do
		r=$(rss_kb)
		[ "$r" -gt "$peak" ] && peak=$r
		sleep 0.1
	done
	wait "$wpid"
	cat "$work/$name.txt"
	echo "sampled peak VmRSS $((peak / 1024)) MB"
}

echo
echo "== 2a. 64 concurrent uploads for $DURATION (560x720 JPEG)"
run64 c64 "$work/photo.lua"
hwm_c64=$(( $(hwm_kb) / 1024 ))
drain
echo "answers so far by status: $(codes)"
p50_64=$(ms "$(field "$work/c64.txt" 50%)")
rps64=$(awk '/^Requests\/sec/ { print $2 }' "$work/c64.txt")
non2xx64=$(awk '/Non-2xx/ { print $NF }' "$work/c64.txt")

echo
echo "== 2b. 64 concurrent uploads for $DURATION (the original, $(stat -c %s "$work/original.jpg") bytes)"
run64 big "$work/original.lua"
hwm_big=$(( $(hwm_kb) / 1024 ))
drain
echo "answers so far by status: $(codes)"
p50_big=$(ms "$(field "$work/big.txt" 50%)")
rps_big=$(awk '/^Requests\/sec/ { print $2 }' "$work/big.txt")
non2xx_big=$(awk '/Non-2xx/ { print $NF }' "$work/big.txt")

verdict() { awk -v v="$1" -v aim="$2" 'BEGIN { print (v + 0 <= aim + 0) ? "meets the aim" : "MISSES the aim" }'; }
echo
echo "== summary ($(nproc) cores)"
echo "scaling:         2 connections give ${scaling}x one (${rps1} -> ${rps2} requests/s)  (aim >= ${AIM_SCALING}x on 2 cores: $(awk -v v="$scaling" -v aim="$AIM_SCALING" 'BEGIN { print (v + 0 >= aim + 0) ? "meets the aim" : "MISSES the aim" }'))"
echo "concurrency 4:   p50 ${p50} ms, p99 ${p99} ms, ${rps} requests/s, non-2xx ${non2xx:-0}  (p50 aim <= ${AIM_P50_MS} ms: $(verdict "$p50" "$AIM_P50_MS")); peak RSS so far ${hwm_c4} MB"
echo "64 concurrent:   p50 ${p50_64} ms, ${rps64} requests/s, non-2xx ${non2xx64:-0}; peak RSS (VmHWM) ${hwm_c64} MB  (aim <= ${AIM_RSS_MB} MB: $(verdict "$hwm_c64" "$AIM_RSS_MB"))"
echo "64 x original:   p50 ${p50_big} ms, ${rps_big} requests/s, non-2xx ${non2xx_big:-0}; peak RSS (VmHWM) ${hwm_big} MB  (aim <= ${AIM_RSS_MB} MB: $(verdict "$hwm_big" "$AIM_RSS_MB"))"
