# Switchboard build and test entry points. `make test` is what CI runs
# (.ci/run); it needs Go, Node.js 20+ with npm, and access to the Go module
# proxy and the npm registry.

GO      ?= go
BIN     := bin
# Pure Go everywhere except the desktop (Wails) build, so the binary and the
# tests run on any machine without a C toolchain or GUI libraries.
export CGO_ENABLED := 0

.DEFAULT_GOAL := build
.PHONY: build run test-deps test vet fuzz conformance bench clean distclean

build:
	$(GO) build -o $(BIN)/switchboard .
	$(GO) build -o $(BIN)/switchboard-testserver ./cmd/switchboard-testserver

# Extra arguments: make run ARGS="--listen 127.0.0.1:7411"
run: build
	$(BIN)/switchboard serve $(ARGS)

# npm programs the tests run for real; see scripts/install-test-deps.sh.
# Installs into $SWITCHBOARD_TESTDEPS or .testdeps/; does nothing when current.
test-deps:
	scripts/install-test-deps.sh

vet:
	$(GO) vet ./...

# Everything CI checks: vet, then every Go test, which include end-to-end
# runs against the npm reference servers and the MCP conformance suite
# through the gateway (backend/gateway TestConformance).
test: test-deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...
	$(MAKE) fuzz FUZZTIME=5s

# A short run of each fuzz target (go test -fuzz takes one target at a time);
# longer: make fuzz FUZZTIME=5m
FUZZTIME ?= 30s
FUZZ_TARGETS := FuzzDecodeServerBody:./backend/api FuzzMergePatch:./backend/api \
	FuzzValidateConfigBody:./backend/api FuzzParseValidate:./backend/config
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t%%:*} for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t%%:*}$$" -fuzztime $(FUZZTIME) $${t#*:}; \
	done

# Only the conformance suite through the gateway.
conformance: test-deps
	$(GO) test -count=1 -v -run TestConformance ./backend/gateway/

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3s ./backend/...

clean:
	rm -rf $(BIN) coverage.out coverage.html *.coverprofile

# Also drops the installed test deps (a fresh `make test` reinstalls them).
distclean: clean
	rm -rf .testdeps

# The load tool (cmd/switchboard-load): Switchboard over HTTP and over its
# stdio bridge, and our test server called directly over stdio, at 1, 8 and
# 32 sessions; the figures go to docs/load/ (see docs/benchmarks.md).
# Other runs: make load LOAD_ARGS="--sessions 1,8,32,128 --upstream everything-stdio"
.PHONY: load
load: build
	$(GO) build -o $(BIN)/switchboard-load ./cmd/switchboard-load
	@mkdir -p docs/load
	$(BIN)/switchboard-load --switchboard $(BIN)/switchboard --testserver $(BIN)/switchboard-testserver \
		--sessions 1,8,32 --duration 3s --json docs/load/latest.json --plot docs/load/latency.png $(LOAD_ARGS)
