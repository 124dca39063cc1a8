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

. scripts/serve.sh

go build -o "$work/attack" ./scripts/attack
start_server attack
"$work/attack" -url "$URL" -pid "$pid" -photo "$SRC"
