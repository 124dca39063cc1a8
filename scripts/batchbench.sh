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
# Issue 9: two jobs on 2 cores give at least 1.8x one job.
AIM_SCALING=1.8
[ -d "$FACES/neutral" ] || { echo "batchbench: no photos in $FACES (set TESSERA_FACES)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/tessera" ./cmd/tessera
go run ./scripts/benchphoto -n "$N" -dir "$work/photos" "$FACES"/neutral/*.jpg "$FACES"/smiling/*.jpg "$FACES"/canada/*.jpg
echo "== $N photos of 560x720, $(nproc) cores"
go build -o "$work/batchbench" ./scripts/batchbench
"$work/batchbench" "$work/tessera" "$work/photos" | tee "$work/jobs-n.txt"
"$work/batchbench" "$work/tessera" "$work/photos" --jobs 1 | tee "$work/jobs-1.txt"
steady() { awk '$1 == "steady" { print $2 }' "$1"; }
awk -v n="$(steady "$work/jobs-n.txt")" -v one="$(steady "$work/jobs-1.txt")" -v cores="$(nproc)" -v aim="$AIM_SCALING" 'BEGIN {
	x = n / one
	printf "  scaling: %d jobs give %.2fx one job after the model loads (aim >= %.1fx on 2 cores: %s)\n", cores, x, aim, (x >= aim ? "meets the aim" : "MISSES the aim") }'
"$work/batchbench" "$work/tessera" "$work/photos" --format html --out "$work/report.html"
echo "  HTML report: $(( $(stat -c %s "$work/report.html") / 1024 )) KB"
