# Multi-stage build: a static binary on a minimal, non-root base image.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=unknown
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/prometheus/common/version.Version=${VERSION} -X github.com/prometheus/common/version.Revision=${REVISION} -X github.com/prometheus/common/version.BuildUser=docker" \
      -o /out/ehpc_serverless_exporter .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ehpc_serverless_exporter /bin/ehpc_serverless_exporter
COPY config.example.yml /etc/ehpc_serverless_exporter/config.yml
USER 65532:65532
EXPOSE 9947
ENTRYPOINT ["/bin/ehpc_serverless_exporter"]
CMD ["--config.file=/etc/ehpc_serverless_exporter/config.yml"]
