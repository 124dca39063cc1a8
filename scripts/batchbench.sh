#!/usr/bin/env bash
# batchbench: the clerks' batch on 200 photos of 560x720 (made from
# ../shared/faces), timed by scripts/batchbench: first result and photos/s,
# with the default --jobs (the number of cores), one job, and the HTML
# report (annotated thumbnails).
#
# Usage: scripts/batchbench.sh   Env: TESSERA_FACES, N (200).
set -euo pipefail
cd "$(dirname "$0")/.."
FACES=${TESSERA_FACES:-../shared/faces}
N=${N:-200}
[ -d "$FACES/neutral" ] || { echo "batchbench: no photos in $FACES (set TESSERA_FACES)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/tessera" ./cmd/tessera
go run ./scripts/benchphoto -n "$N" -dir "$work/photos" "$FACES"/neutral/*.jpg "$FACES"/smiling/*.jpg "$FACES"/canada/*.jpg
echo "== $N photos of 560x720, $(nproc) cores"
go build -o "$work/batchbench" ./scripts/batchbench
"$work/batchbench" "$work/tessera" "$work/photos"
"$work/batchbench" "$work/tessera" "$work/photos" --jobs 1
"$work/batchbench" "$work/tessera" "$work/photos" --format html --out "$work/report.html"
echo "  HTML report: $(( $(stat -c %s "$work/report.html") / 1024 )) KB"
