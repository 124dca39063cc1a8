# tessera in a container: the web page and API on :8080 (CMD), or any
# other command: `tessera inbox`, `tessera check`.
#
# With a registry: docker build -t tessera . && docker run -p 8080:8080 tessera
# Without one (an office's air-gapped build host, these machines): make
# image, which makes the two base images below from Debian's packages and
# the Go toolchain, and builds this same file with buildah.
#
# Build stage: Go, dlib's, OpenCV's DNN, libjpeg-turbo's and libheif's
# headers. Run stage: their shared libraries and the landmark model from
# Debian (see models/README.md for the models' licences; the face
# detector's is built into the binary), no compiler, no package lists.
ARG GO_IMAGE=golang:1.26-bookworm
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${GO_IMAGE} AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libdlib-dev libopencv-dnn-dev libopenblas-dev liblapack-dev libjpeg-dev libturbojpeg0-dev libheif-dev libpng-dev pkg-config g++ \
    && rm -rf /var/lib/apt/lists/*
# The toolchain of the Makefile (see GOTOOLCHAIN there), fetched by the
# go command from the module proxy.
ENV GOTOOLCHAIN=go1.27.3
# The build host's go command's module settings (make image passes them).
ARG GOPROXY=https://proxy.golang.org,direct
ARG GOSUMDB=sum.golang.org
ARG GONOSUMDB=
ARG GOPRIVATE=
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -o /out/tessera ./cmd/tessera

FROM ${BASE_IMAGE}
# The libraries the binary links (ldd bin/tessera) and dlib's landmark
# model; apt brings what they need in turn.
# OpenCV's core library links libGLX, whose package pulls in Mesa's GPU
# drivers and LLVM (about 190 MB); libGLX loads them only when a program
# draws with OpenGL, which tessera never does, so they are removed
# (make image-test checks that every library the binary links is there).
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libdlib19.1 libdlib-data libopencv-dnn406 libopencv-core406 libopenblas0 liblapack3 \
        libturbojpeg0 libjpeg62-turbo libheif1 libpng16-16 ca-certificates \
    && dpkg --purge --force-depends libgl1-mesa-dri libllvm15 libz3-4 libxml2 libicu72 \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log
COPY --from=build /out/tessera /usr/local/bin/tessera
# nobody: no home, no login shell, no file of its own; tessera writes
# nothing but the inbox's state (mount a volume at /var/lib/tessera for
# it) and the reports a clerk asks `tessera check` for.
USER 65534:65534
WORKDIR /
EXPOSE 8080
# Needing no shell or curl: tessera asks its own /readyz, on the port
# TESSERA_ADDR names (:8080 by default). A container of this image that
# runs `inbox` or `check` serves no /readyz: run it with --no-healthcheck.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/tessera", "health"]
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="tessera" \
      org.opencontainers.image.description="Checks ID photos for the Italian electronic identity card (CIE) against the Ministry's and ICAO's rules" \
      org.opencontainers.image.source="https://github.com/tessera-cie/tessera" \
      org.opencontainers.image.licenses="EUPL-1.2" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
ENTRYPOINT ["/usr/local/bin/tessera"]
CMD ["serve"]
