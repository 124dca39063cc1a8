#!/usr/bin/env bash
# make image-test: builds the image (scripts/image.sh) and runs, inside it,
# what proves its install steps: `tessera check` on a photo of
# ../shared/faces (a JSON report, exit 0 or 1), `tessera serve` answering
# /readyz and a POST /v1/check, the image's own health check, and
# `tessera inbox --help`. Prints the image's size last.
#
# With a Docker engine the image runs there; without one (podman run is
# refused by this sandbox), in `buildah run`, which starts the image's
# programs in its root filesystem on the host's network.
set -euo pipefail
cd "$(dirname "$0")/.."

FACES=${TESSERA_FACES:-../shared/faces}
PHOTO=$FACES/neutral/001_03.jpg
PORT=${PORT:-18080}
[ -f "$PHOTO" ] || { echo "image-test: no photo at $PHOTO (set TESSERA_FACES)" >&2; exit 1; }

IMAGE=$(./scripts/image.sh | tail -n 1)
echo "image-test: $IMAGE" >&2
tmp=$(mktemp -d)
cleanup() {
	[ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
	[ -n "${ctr:-}" ] && buildah rm "$ctr" >/dev/null 2>&1 || true
	[ -n "${dctr:-}" ] && docker rm -f "$dctr" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

docker_engine=
docker info >/dev/null 2>&1 && docker_engine=1

# inside runs a command of the image (its entrypoint, tessera) with the
# photo at /photos/photo.jpg.
if [ -n "$docker_engine" ]; then
	inside() { docker run --rm --network host -v "$(realpath "$PHOTO"):/photos/photo.jpg:ro" "$IMAGE" "$@"; }
else
	ctr=$(buildah from --pull=never "$IMAGE")
	buildah copy --quiet --chown 65534:65534 "$ctr" "$PHOTO" /photos/photo.jpg
	inside() { buildah run --isolation chroot --network host "$ctr" -- /usr/local/bin/tessera "$@"; }
fi

fail() { echo "image-test: FAIL: $*" >&2; exit 1; }

if [ -z "$docker_engine" ]; then
	echo "== every library the binary links is in the image"
	buildah run --isolation chroot "$ctr" -- /usr/bin/ldd /usr/local/bin/tessera >"$tmp/ldd.txt" || fail "ldd: $(cat "$tmp/ldd.txt")"
	! grep -q "not found" "$tmp/ldd.txt" || fail "missing libraries: $(grep "not found" "$tmp/ldd.txt")"
	echo "  $(wc -l <"$tmp/ldd.txt") libraries"
fi

echo "== tessera check --format json (a photo of $FACES)"
set +e
inside check --profile icao --lang en --format json /photos/photo.jpg >"$tmp/check.json"
code=$?
set -e
[ "$code" = 0 ] || [ "$code" = 1 ] || fail "tessera check exited $code"
python3 - "$tmp/check.json" <<'EOF' || fail "tessera check's report"
import json, sys
reports = json.load(open(sys.argv[1]))
r = reports[0] if isinstance(reports, list) else reports
assert r.get("checks"), "no checks in the report"
assert r.get("face"), "no face found"
print(f"  {r['file']}: pass={r['pass']}, {len(r['checks'])} checks, face box {r['face']['box']}")
EOF
echo "  exit $code"

echo "== tessera serve on 127.0.0.1:$PORT"
if [ -n "$docker_engine" ]; then
	dctr=$(docker run -d --network host "$IMAGE" serve --addr "127.0.0.1:$PORT")
else
	buildah run --isolation chroot --network host "$ctr" -- /usr/local/bin/tessera serve --addr "127.0.0.1:$PORT" >"$tmp/serve.log" 2>&1 &
	server=$!
fi
for i in $(seq 1 120); do
	curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
	[ "$i" = 120 ] && { cat "$tmp/serve.log" >&2 || true; fail "/readyz did not answer 200 within 60 s"; }
	sleep 0.5
done
echo "  /readyz: $(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")"
status=$(curl -sS -o "$tmp/post.json" -w '%{http_code}' --data-binary "@$PHOTO" -H 'Content-Type: image/jpeg' \
	"http://127.0.0.1:$PORT/v1/check?lang=it&profile=icao")
[ "$status" = 200 ] || fail "POST /v1/check answered $status: $(head -c 300 "$tmp/post.json")"
python3 - "$tmp/post.json" <<'EOF' || fail "POST /v1/check's report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r.get("checks") and r.get("face"), "no checks or no face"
print(f"  POST /v1/check: 200, pass={r['pass']}, {len(r['checks'])} checks")
EOF

echo "== the image's HEALTHCHECK, as stored in it"
if [ -n "$docker_engine" ]; then
	hc=$(docker image inspect "$IMAGE" --format '{{json .Config.Healthcheck.Test}}')
else
	hc=$(buildah inspect --type image "$IMAGE" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["Docker"]["config"]["Healthcheck"]["Test"]))')
fi
mapfile -t hcargs < <(python3 -c 'import json,sys; t=json.loads(sys.argv[1]); assert t[0]=="CMD", t; print("\n".join(t[1:]))' "$hc")
echo "  ${hcargs[*]}"
[ "${hcargs[0]}" = /usr/local/bin/tessera ] || fail "the HEALTHCHECK runs ${hcargs[0]}"
# The server here listens on $PORT: the check finds it through TESSERA_ADDR.
if [ -n "$docker_engine" ]; then
	docker run --rm --network host -e TESSERA_ADDR="127.0.0.1:$PORT" --entrypoint "${hcargs[0]}" "$IMAGE" "${hcargs[@]:1}" | sed 's/^/  /'
else
	buildah run --isolation chroot --network host --env TESSERA_ADDR="127.0.0.1:$PORT" "$ctr" -- "${hcargs[@]}" | sed 's/^/  /'
fi

echo "== tessera inbox --help"
inside inbox --help >"$tmp/inbox.txt" 2>&1 || fail "tessera inbox --help: $(head -c 300 "$tmp/inbox.txt")"
grep -q -- "--imap" "$tmp/inbox.txt" || fail "tessera inbox --help names no --imap"
echo "  $(wc -l <"$tmp/inbox.txt") lines of help"

echo "== the image"
if [ -n "$docker_engine" ]; then
	docker image inspect "$IMAGE" --format '  user {{.Config.User}}, healthcheck {{.Config.Healthcheck.Test}}'
	echo "image-test: ok: $IMAGE, $(docker image inspect "$IMAGE" --format '{{.Size}}' | numfmt --to=iec) "
else
	buildah inspect --type image --format '  user {{.Docker.Config.User}}, healthcheck {{.Docker.Config.Healthcheck.Test}}' "$IMAGE"
	echo
	echo "image-test: ok: $IMAGE, $(buildah images --format '{{.Size}}' "$IMAGE" | head -n 1)"
fi
