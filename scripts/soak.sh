#!/usr/bin/env bash
# soak: a bounded soak of `tessera serve` on loopback (issue 9): $SOAK of
# mixed good, bad and hostile uploads by $CLIENTS clients, a tenth of them
# abandoned half-way, with the server's memory sampled. Fails on a 5xx other
# than 503 or on resident memory that grows (see scripts/soak/main.go).
#
# Usage: scripts/soak.sh [FACE_PHOTO]   (default ../shared/faces/neutral/001_03.jpg)
# Env: SOAK (10m), CLIENTS (16), PORT (18090), TESSERA_FACES.
set -euo pipefail
cd "$(dirname "$0")/.."

FACES=${TESSERA_FACES:-../shared/faces}
SRC=${1:-$FACES/neutral/001_03.jpg}
SOAK=${SOAK:-10m}
CLIENTS=${CLIENTS:-16}
PORT=${PORT:-18090}
URL="http://127.0.0.1:$PORT"
[ -f "$SRC" ] || { echo "soak: no photo at $SRC (set TESSERA_FACES or pass a photo)" >&2; exit 1; }

. scripts/serve.sh

go build -o "$work/soak" ./scripts/soak
go run ./scripts/benchphoto "$SRC" "$work/photo.jpg"
start_server soak "${bench_limits[@]}"
echo "== soak: $SOAK, $CLIENTS clients, server pid $pid on $URL, $(nproc) cores"
"$work/soak" -url "$URL" -pid "$pid" -photo "$work/photo.jpg" -original "$SRC" -d "$SOAK" -c "$CLIENTS"
curl -fs "$URL/readyz" >/dev/null && echo "readyz: ready after the soak"
good=$(curl -fs -o /dev/null -w '%{http_code}' -H 'Content-Type: image/jpeg' --data-binary @"$work/photo.jpg" "$URL/v1/check")
echo "a good photo after the soak: $good"
[ "$good" = 200 ]
