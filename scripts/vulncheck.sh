#!/usr/bin/env bash
# make vulncheck: govulncheck over every package of tessera, against a
# pinned snapshot of the Go vulnerability database (github.com/golang/vulndb,
# its OSV entries as the Go module proxy serves them: the download is
# checked against the checksum database like any module). No network
# beyond the module proxy is needed, and the same snapshot gives the same
# answer on every machine. Update VULNDB_VERSION to a newer pseudo-version
# (go list -m -versions golang.org/x/vulndb; or @latest) to see newer
# advisories.
#
# Exit status: 0 when no vulnerable code is reachable from tessera's
# packages, else govulncheck's (3 when some is).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
VULNDB_VERSION=${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}
GOVULNCHECK=${GOVULNCHECK:-golang.org/x/vuln/cmd/govulncheck@v1.9.0}

# Downloaded outside this module, so its go.mod is left alone.
info=$(cd "$(mktemp -d)" && "$GO" mod download -json "golang.org/x/vulndb@$VULNDB_VERSION")
field() { sed -n "s/^[[:space:]]*\"$1\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" <<<"$info" | head -1; }
dir=$(field Dir)
db="$dir/data/osv"
if [ ! -d "$db" ]; then
	echo "vulncheck: no OSV entries in golang.org/x/vulndb@$VULNDB_VERSION ($(field Error))" >&2
	exit 2
fi
when=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$(field Info)")
echo "vulnerability database: golang/vulndb as of $when (golang.org/x/vulndb@$VULNDB_VERSION), $(ls "$db" | wc -l) entries"
echo "go: $("$GO" env GOVERSION); scanner: $GOVULNCHECK"
exec "$GO" run "$GOVULNCHECK" -db "file://$db" ./...
