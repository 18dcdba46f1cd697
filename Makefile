# Switchboard build and test entry points. `make test` is what CI runs
# (.ci/run); it needs Go, Node.js 20+ with npm, and access to the Go module
# proxy and the npm registry.

GO      ?= go
BIN     := bin
# Pure Go everywhere except the desktop (Wails) build, so the binary and the
# tests run on any machine without a C toolchain or GUI libraries.
export CGO_ENABLED := 0

.DEFAULT_GOAL := build
.PHONY: build run test-deps test vet conformance bench clean distclean

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

# Everything CI checks, in order. The last step is the place of the MCP
# conformance suite run against /mcp (scripts/conformance.sh, once it exists).
test: test-deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...
	@if [ -x scripts/conformance.sh ]; then \
		echo "scripts/conformance.sh"; scripts/conformance.sh; \
	else \
		echo "conformance: scripts/conformance.sh not present yet, skipped"; \
	fi

# ---- conformance ----
# Only the conformance test of the gateway. Skipped while backend/gateway has
# no Go code; passes with go's "no tests to run" while TestConformance is
# not written yet.
conformance: test-deps
	@if ls backend/gateway/*.go >/dev/null 2>&1; then \
		echo "$(GO) test -count=1 -timeout 20m -run TestConformance ./backend/gateway/..."; \
		$(GO) test -count=1 -timeout 20m -run TestConformance ./backend/gateway/...; \
	else \
		echo "conformance: backend/gateway has no Go code yet, skipped"; \
	fi

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3s ./backend/...

clean:
	rm -rf $(BIN) coverage.out coverage.html *.coverprofile

# Also drops the installed test deps (a fresh `make test` reinstalls them).
distclean: clean
	rm -rf .testdeps
