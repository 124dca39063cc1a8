#!/usr/bin/env bash
# attack: issue 29's attacks on `tessera serve` with its default limits, on
# loopback (scripts/attack/main.go says what each does and measures).
#
# Usage: scripts/attack.sh [FACE_PHOTO]   (default ../shared/faces/neutral/001_03.jpg)
# Env: PORT (18092), TESSERA_FACES, TESSERA_BIN (a tessera binary to attack
# instead of one built from this tree, e.g. an older one, for comparison).
set -euo pipefail
cd "$(dirname "$0")/.."

FACES=${TESSERA_FACES:-../shared/faces}
SRC=${1:-$FACES/neutral/001_03.jpg}
PORT=${PORT:-18092}
URL="http://127.0.0.1:$PORT"
[ -f "$SRC" ] || { echo "attack: no photo at $SRC (set TESSERA_FACES or pass a photo)" >&2; exit 1; }

work=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" && wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

bin=${TESSERA_BIN:-}
if [ -z "$bin" ]; then
	go build -o "$work/tessera" ./cmd/tessera
	bin=$work/tessera
fi
go build -o "$work/attack" ./scripts/attack
# No metrics listener: the attack is on the public one.
TESSERA_METRICS_ADDR= "$bin" serve --addr "127.0.0.1:$PORT" 2>"$work/serve.log" &
pid=$!
for _ in $(seq 1 300); do
	curl -fs "$URL/readyz" >/dev/null 2>&1 && break
	kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
	sleep 0.1
done
"$work/attack" -url "$URL" -pid "$pid" -photo "$SRC"
