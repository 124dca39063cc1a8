# serve.sh is sourced by the bench scripts (loadbench.sh, soak.sh,
# attack.sh): a scratch folder $work and a `tessera serve` on loopback at
# $PORT ($URL), both removed when the script exits.

work=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" && wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# The server's metrics are on a listener of their own, the next port.
METRICS_URL="http://127.0.0.1:$((PORT + 1))"

# bench_limits are the flags of a server whose clients all come from
# 127.0.0.1, one address playing many citizens: the per-client limits are
# lifted (attack.sh measures them).
bench_limits=(--client-rate 0 --client-requests 100000 --max-conns-per-client 100000)

# start_server NAME [FLAGS...] serves tessera with FLAGS on $PORT (its log,
# a line per request, in $work/serve.log), its metrics on the next port,
# and waits until it is ready; it sets pid, and exits naming NAME when the
# server does not start. The binary is built from this tree into $work,
# or is $TESSERA_BIN (an older one, to compare).
start_server() {
	local name=$1 bin=${TESSERA_BIN:-}
	shift
	if [ -z "$bin" ]; then
		go build -o "$work/tessera" ./cmd/tessera
		bin=$work/tessera
	fi
	TESSERA_METRICS_ADDR="127.0.0.1:$((PORT + 1))" "$bin" serve --addr "127.0.0.1:$PORT" "$@" 2>"$work/serve.log" &
	pid=$!
	for _ in $(seq 1 300); do
		curl -fs "$URL/readyz" >/dev/null 2>&1 && return
		kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
		sleep 0.1
	done
	echo "$name: server not ready" >&2
	exit 1
}
