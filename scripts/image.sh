#!/usr/bin/env bash
# make image: builds the Dockerfile into the image IMAGE (default
# localhost/tessera:VERSION).
#
# With a Docker engine: docker build, its base images from the registry.
# Without one (a build host with no registry, these machines): buildah,
# with --isolation chroot, and the Dockerfile's two base images made here:
#   BASE_IMAGE  Debian bookworm from Debian's packages (mmdebstrap), as
#               debian:bookworm-slim is;
#   GO_IMAGE    that, with this machine's Go toolchain in /usr/local/go, as
#               golang:1.26-bookworm is (the build fetches the toolchain of
#               the Makefile, GOTOOLCHAIN, from the Go module proxy), and
#               this machine's own certificate authorities
#               (/usr/local/share/ca-certificates) for the build's HTTPS.
# Both are made once and kept (buildah images); REBASE=1 makes them again
# (Debian's security updates). DEBIAN_MIRROR names another Debian mirror.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=${VERSION:-$(git describe --always --dirty 2>/dev/null || echo dev)}
REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)
IMAGE=${IMAGE:-localhost/tessera:$VERSION}
BASE=localhost/tessera-base:bookworm
GOBASE=localhost/tessera-go:bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

if docker info >/dev/null 2>&1; then
	docker build --build-arg VERSION="$VERSION" --build-arg REVISION="$REVISION" -t "$IMAGE" .
	echo "$IMAGE"
	exit 0
fi

need=()
command -v buildah >/dev/null || need+=(buildah)
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
if ((${#need[@]})); then
	echo "installing ${need[*]}" >&2
	SUDO=
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

has() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# A working container left by a step that failed is removed.
ctr=
tmp=
cleanup() {
	[ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1
	[ -n "$tmp" ] && rm -rf "$tmp"
	return 0
}
trap cleanup EXIT

if [ -n "${REBASE:-}" ] || ! has "$BASE"; then
	echo "making $BASE from Debian's packages ($MIRROR)" >&2
	tmp=$(mktemp -d)
	# usr-is-merged, not usrmerge (which brings perl): the tree is merged
	# already, as debian:bookworm-slim's is.
	mmdebstrap --quiet --variant=minbase --include=ca-certificates,usr-is-merged \
		--aptopt='Acquire::Languages "none"' \
		--customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
		bookworm "$tmp/rootfs.tar" \
		"deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" "deb $SECURITY bookworm-security main"
	ctr=$(buildah from scratch)
	buildah add --quiet "$ctr" "$tmp/rootfs.tar" /
	buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd /bin/bash "$ctr"
	buildah commit --quiet --rm "$ctr" "$BASE" >/dev/null
	ctr=
	REBASE=1 # the Go image is made on this base
fi

if [ -n "${REBASE:-}" ] || ! has "$GOBASE"; then
	goroot=$(go env GOROOT)
	echo "making $GOBASE from $BASE and $goroot ($(go env GOVERSION))" >&2
	ctr=$(buildah from --pull=never "$BASE")
	buildah copy --quiet "$ctr" "$goroot" /usr/local/go
	# The build host's own certificate authorities (a TLS-inspecting
	# proxy's, say), which the go command needs to reach the module
	# proxy through it: trusted by this build image only, never by the
	# image tessera runs in.
	if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
		buildah copy --quiet "$ctr" /usr/local/share/ca-certificates /usr/local/share/ca-certificates
		buildah run --isolation chroot "$ctr" -- update-ca-certificates >/dev/null
	fi
	buildah config --env GOPATH=/go \
		--env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
	buildah commit --quiet --rm "$ctr" "$GOBASE" >/dev/null
	ctr=
fi

# --format docker keeps the HEALTHCHECK (OCI images have none); the go
# command's module settings reach the build's RUN steps.
buildah bud --isolation chroot --pull=never --format docker --layers \
	--build-arg GO_IMAGE="$GOBASE" --build-arg BASE_IMAGE="$BASE" \
	--build-arg VERSION="$VERSION" --build-arg REVISION="$REVISION" \
	--build-arg GOPROXY="$(go env GOPROXY)" --build-arg GOSUMDB="$(go env GOSUMDB)" \
	--build-arg GONOSUMDB="$(go env GONOSUMDB)" --build-arg GOPRIVATE="$(go env GOPRIVATE)" \
	-t "$IMAGE" .
echo "$IMAGE"
