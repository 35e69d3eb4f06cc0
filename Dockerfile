# Multi-stage build: a static binary on a minimal, non-root base image.
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg REVISION=$(git rev-parse HEAD) -t ehpc_serverless_exporter .
# The Go version is the one go.mod names (a test in deploy/ keeps them equal).
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=unknown
ARG BRANCH=unknown
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/prometheus/common/version.Version=${VERSION} -X github.com/prometheus/common/version.Revision=${REVISION} -X github.com/prometheus/common/version.Branch=${BRANCH} -X github.com/prometheus/common/version.BuildUser=docker" \
      -o /out/ehpc_serverless_exporter . && \
    mkdir -m 0700 /out/state

# distroless static: no shell, no package manager, CA certificates for HTTPS,
# and the unprivileged user 65532.
FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.title="ehpc_serverless_exporter" \
      org.opencontainers.image.description="Prometheus exporter for Alibaba Cloud E-HPC serverless jobs" \
      org.opencontainers.image.source="https://github.com/ehpc-serverless-exporter/ehpc_serverless_exporter"
COPY --from=build /out/ehpc_serverless_exporter /bin/ehpc_serverless_exporter
# The example configuration documents every key; mount your own over it
# (the Kubernetes manifests mount a ConfigMap on this directory).
COPY config.example.yml /etc/ehpc_serverless_exporter/config.yml
# The state file (--storage.path) makes a restart cheap: finished jobs are
# served at once and only active ones described again. The directory belongs
# to the exporter's user, so a named volume mounted on it starts out writable
# (docker run -v ehpc-state:/var/lib/ehpc_serverless_exporter ...); without
# one, the anonymous volume still survives docker restart. If the directory
# is not writable the exporter warns and runs without state, and every
# restart describes every job once more.
COPY --from=build --chown=65532:65532 /out/state /var/lib/ehpc_serverless_exporter
VOLUME /var/lib/ehpc_serverless_exporter
USER 65532:65532
EXPOSE 9947
ENTRYPOINT ["/bin/ehpc_serverless_exporter", "--config.file=/etc/ehpc_serverless_exporter/config.yml"]
# Default arguments: arguments given to docker run (or a pod's args) replace
# them, so add --storage.path=/var/lib/ehpc_serverless_exporter to your own.
CMD ["--storage.path=/var/lib/ehpc_serverless_exporter"]
