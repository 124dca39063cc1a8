# tessera: `make run` and `make test` are all a new user needs.
SHELL := /bin/bash
GO ?= go
# The Go toolchain everything is built and tested with: go1.27.3, which
# fixes the standard library's advisories `make vulncheck` finds in this
# machine's go1.26.8 (net/http, net/textproto, html/template, crypto/tls,
# crypto/x509). The go command fetches it once from the module proxy
# (76 MB); go.mod still allows 1.26.8.
export GOTOOLCHAIN := go1.27.3
# -trimpath keeps the folder of the checkout out of what is built, and so
# out of the keys of Go's build cache: a fresh clone reuses the packages
# (and dlib's C++ shim) any earlier checkout on this machine compiled, where
# without it every clone compiled and vetted them again (78 s of CPU for
# vet alone, issue 27). The binaries name their sources by import path.
# GOFLAGS given in the environment or on make's command line are kept, after it.
override GOFLAGS := -trimpath $(GOFLAGS)
export GOFLAGS
BIN := bin/tessera
# Debian packages the build and the tests need; `make deps` installs the missing ones.
DEB_BUILD := libdlib-dev libdlib-data libopencv-dnn-dev libopenblas-dev liblapack-dev libjpeg-dev libturbojpeg0-dev libheif-dev libpng-dev pkg-config g++
DEB_TEST := chromium wrk dovecot-imapd poppler-utils libjpeg-turbo-progs libheif-examples
DEB_PKGS := $(DEB_BUILD) $(DEB_TEST)
# axe-core for the accessibility tests, at the version package-lock.json
# pins (npm ci checks its integrity), installed again when the lock file
# is newer than the copy npm ci made of it; npm comes with Node.js, or
# from Debian's npm package where it is missing.
AXE_DIR := internal/browsertest/axe

.PHONY: all deps build test vet vulncheck run bench eval fuzz inbox-demo image image-test clean

all: build

deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@if [ ! -f $(AXE_DIR)/node_modules/.package-lock.json ] || [ $(AXE_DIR)/package-lock.json -nt $(AXE_DIR)/node_modules/.package-lock.json ]; then \
		command -v npm >/dev/null || { SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends npm; }; \
		echo "installing axe-core for the accessibility tests"; \
		npm ci --prefix $(AXE_DIR) --no-audit --no-fund --loglevel=error; \
	fi

build: deps
	$(GO) build -o $(BIN) ./cmd/tessera

# deploy/ is a module of its own (the Helm chart's tests bring Helm's and
# Kubernetes's modules, which the tessera binary must not carry).
DEPLOY_MODULE := deploy

vet: deps
	$(GO) vet ./...
	cd $(DEPLOY_MODULE) && $(GO) vet ./...

# The face tests of validate take the longest: listed first, they start
# first. Four test binaries at a time on two cores: the inbox's and the
# servers' tests spend much of their time waiting on Dovecot, a browser or
# a clock, and the face tests use those seconds.
TEST_PACKAGES = ./validate ./facedetect ./evaluate ./...
test: deps vet
	$(GO) test -p 4 -count=1 -timeout 30m $(TEST_PACKAGES)
	cd $(DEPLOY_MODULE) && $(GO) test -count=1 ./...

# vulncheck runs govulncheck over every package against a pinned snapshot
# of the Go vulnerability database (golang/vulndb, through the Go module
# proxy) and prints the snapshot's date; VULNDB_VERSION=... takes another.
vulncheck: deps
	GO=$(GO) ./scripts/vulncheck.sh

# CONFIG names the office's tessera.toml: make run CONFIG=examples/esempio/tessera.toml
CONFIG ?=
run: build
	./$(BIN) serve $(if $(CONFIG),--config $(CONFIG))

# The parallel and inbox benchmarks run at GOGC=400, the pace tessera's
# commands set for themselves (cmd/tessera/gc.go); a test binary would
# otherwise run at Go's default of 100.
bench: build
	set -o pipefail; $(GO) test -run '^$$' -bench . -benchmem -cpu 1 ./validate ./facedetect | ./scripts/benchratio.sh
	GOGC=400 $(GO) test -run '^$$' -bench Parallel -benchtime 300x -cpu 1,2 ./validate ./facedetect
	GOGC=400 $(GO) test -run '^$$' -bench InboxPass -benchtime 1x ./inbox
	GOGC=400 $(GO) test -run '^$$' -bench InboxLatency -benchtime 20x ./inbox
	./scripts/loadbench.sh
	./scripts/attack.sh
	./scripts/batchbench.sh
	./scripts/soak.sh

# Each fuzz target runs for FUZZTIME (go test -fuzz takes one target at a
# time); a finding is written under the package's testdata/fuzz and then
# replayed by every `make test`. The memory cap stops a target that
# over-allocates as a finding instead of taking the machine down.
FUZZTIME ?= 60s
# Minimising each new input for Go's default 60 s stalls the search on the
# email walker; a few seconds keep it exploring.
FUZZMINIMIZE ?= 5s
FUZZ_TARGETS := ./validate:FuzzReadMeta ./validate:FuzzRead ./mailphoto:FuzzRead ./api:FuzzReadMultipart ./api:FuzzForwardedFor ./inbox:FuzzDecide ./inbox:FuzzParseResults
fuzz: deps
	@set -e; ulimit -v 8000000; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzzing $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) $$pkg; \
	done

# inbox-demo starts a local Dovecot and SMTP server, delivers three sample
# emails, runs one pass of the inbox and prints the answers the citizens
# would read (inbox.TestDemo).
inbox-demo: deps
	$(GO) test -count=1 -run '^TestDemo$$' -v ./inbox

# eval also re-saves every photo as a JPEG (--resaved), which make test's
# evaluation leaves out: the figure is printed, not held to its aim yet.
eval: build
	./$(BIN) eval -v --resaved $${TESSERA_FACES:-../shared/faces}

# The container image (Dockerfile): with a Docker engine, docker build;
# without one, buildah, the base images made from Debian's packages
# (scripts/image.sh). image-test runs tessera check, serve and inbox
# inside it and prints its size.
image:
	./scripts/image.sh

image-test:
	./scripts/image-test.sh

clean:
	rm -rf bin
