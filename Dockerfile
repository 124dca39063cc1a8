# tessera in a container: the web page and API on :8080.
#   docker build -t tessera . && docker run -p 8080:8080 tessera
# Build stage: Go, dlib's and OpenCV's DNN headers; run stage: their shared
# libraries and the landmark model from Debian (see models/README.md for
# the models' licences; the face detector's is built into the binary).
FROM golang:1.26-bookworm AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libdlib-dev libopencv-dnn-dev libopenblas-dev liblapack-dev libjpeg-dev libturbojpeg0-dev libheif-dev libpng-dev pkg-config g++ \
    && rm -rf /var/lib/apt/lists/*
# The toolchain of the Makefile (see GOTOOLCHAIN there), fetched by the
# go command from the module proxy.
ENV GOTOOLCHAIN=go1.27.3
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -o /out/tessera ./cmd/tessera

FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libdlib19.1 libdlib-data libopencv-dnn406 libopencv-core406 libopenblas0 liblapack3 libturbojpeg0 libheif1 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/tessera /usr/local/bin/tessera
USER nobody
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/tessera"]
CMD ["serve"]
