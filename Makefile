# Usual targets. `make test` is what CI runs first (see .ci/run).
GO       ?= go
BINARY   ?= ehpc_serverless_exporter
PKG      := github.com/prometheus/common/version
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BRANCH   ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -s -w -X $(PKG).Version=$(VERSION) -X $(PKG).Revision=$(REVISION) -X $(PKG).Branch=$(BRANCH) -X $(PKG).BuildUser=make

.PHONY: all build test vet fmt staticcheck lint fuzz e2e bench demo clean

all: lint test build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BINARY) .

test:
	$(GO) test -race ./...

vet:
	$(GO) vet ./...

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

lint: fmt vet staticcheck

fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzDecodeDescribe -fuzztime=30s ./client/
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=30s ./config/

e2e:
	$(GO) test -tags e2e -count=1 -v ./e2e/...

bench:
	$(GO) run ./bench -jobs 10000

demo:
	$(GO) run . --demo

clean:
	rm -f $(BINARY)
