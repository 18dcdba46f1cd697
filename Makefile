# Switchboard build and test entry points. `make test` is what CI runs
# (.ci/run); it needs Go, Node.js 20+ with npm, and access to the Go module
# proxy and the npm registry.

GO      ?= go
BIN     := bin
# Pure Go everywhere except the desktop (Wails) build, so the binary and the
# tests run on any machine without a C toolchain or GUI libraries.
export CGO_ENABLED := 0

# The control panel's build inputs; see the ui targets below.
NPM      ?= npm
HAVE_NPM := $(shell command -v $(NPM) 2>/dev/null)
UI_DIST  := frontend/dist/index.html
UI_DEPS  := frontend/node_modules/.installed
UI_SRC   := $(shell find frontend/src frontend/public -type f 2>/dev/null) frontend/index.html \
	frontend/vite.config.ts frontend/tsconfig.json frontend/package.json

.DEFAULT_GOAL := build
.PHONY: build run test-deps test vet fuzz conformance bench clean distclean

# The control panel is built first when npm is there (it is embedded from
# frontend/dist); without npm the binary carries a page that says how.
build: $(if $(HAVE_NPM),$(UI_DIST),ui-missing)
	$(GO) build -o $(BIN)/switchboard .
	$(GO) build -o $(BIN)/switchboard-testserver ./cmd/switchboard-testserver

# The control panel (frontend/): npm ci, then the type check and vite build
# into frontend/dist.
.PHONY: ui ui-missing test-ui
ui:
	cd frontend && $(NPM) ci --no-audit --no-fund
	@touch $(UI_DEPS)
	cd frontend && $(NPM) run build

$(UI_DEPS): frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund
	@touch $@

$(UI_DIST): $(UI_DEPS) $(UI_SRC)
	cd frontend && $(NPM) run build

ui-missing:
	@echo "npm not found: building without the control panel (/ui/ will say how to build it)"

# The panel's unit tests (vitest), then its browser tests: Debian's chromium
# against bin/switchboard (built with the panel) and our test server.
test-ui: build
	cd frontend && $(NPM) test
	cd frontend && $(NPM) run test:browser

# The desktop app (Wails window and tray; docs/desktop.md): cgo, GTK 3 and
# WebKitGTK 4.1, which scripts/install-desktop-deps.sh installs with apt-get
# when they are missing and it can. CGO_ENABLED=1 for this build only.
DESKTOP_TAGS := desktop,production,webkit2_41
.PHONY: desktop test-desktop
desktop: $(if $(HAVE_NPM),$(UI_DIST),ui-missing)
	scripts/install-desktop-deps.sh build
	CGO_ENABLED=1 $(GO) build -tags $(DESKTOP_TAGS) -o $(BIN)/switchboard-desktop .

# The desktop tests: the real tray over DBus and the window on Xvfb (see
# scripts/test-desktop.sh); skipped, saying why, where the packages are
# missing and cannot be installed.
test-desktop:
	scripts/test-desktop.sh

# The desktop app where it can be built (it serves headless by itself when
# there is no display); otherwise the headless binary's serve.
# Extra arguments: make run ARGS="--listen 127.0.0.1:7411"
run:
	@if $(MAKE) --no-print-directory desktop; then $(BIN)/switchboard-desktop $(ARGS); \
	else echo "run: no desktop build here (see above); serving headless"; \
		$(MAKE) --no-print-directory build && $(BIN)/switchboard serve $(ARGS); fi

# npm programs the tests run for real; see scripts/install-test-deps.sh.
# Installs into $SWITCHBOARD_TESTDEPS or .testdeps/; does nothing when current.
test-deps:
	scripts/install-test-deps.sh

vet:
	$(GO) vet ./...

# Everything CI checks: vet, then every Go test, which include end-to-end
# runs against the npm reference servers and the MCP conformance suite
# through the gateway (backend/gateway TestConformance), then the control
# panel's tests (the panel is built first, so the Go tests see it embedded),
# then the desktop app's tests (tray over DBus, window on Xvfb).
test: test-deps ui
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...
	$(MAKE) fuzz FUZZTIME=20000x
	$(MAKE) test-ui
	$(MAKE) test-desktop

# A short run of each fuzz target (go test -fuzz takes one target at a time);
# longer: make fuzz FUZZTIME=5m. make test gives a count of inputs (20000x)
# rather than a time: Go 1.26's fuzzer can report a spurious "context
# deadline exceeded" failure when a time budget ends on a busy machine
# (golang/go#75804, fixed in Go 1.27); a count has no deadline to race.
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
	find frontend/dist -mindepth 1 ! -name placeholder.html -exec rm -rf {} +
	rm -rf frontend/test-artifacts test-artifacts

# Also drops the installed test deps (a fresh `make test` reinstalls them).
distclean: clean
	rm -rf .testdeps frontend/node_modules

# The load tool (cmd/switchboard-load): Switchboard over HTTP and over its
# stdio bridge, and our test server called directly over stdio (one copy
# shared, and one per session), at 1, 8, 32 and 128 sessions; the figures go
# to docs/load/ (see docs/benchmarks.md).
# Other runs: make load LOAD_ARGS="--upstream everything-stdio --json /tmp/everything.json --plot /tmp/everything.png"
.PHONY: load
load: build
	$(GO) build -o $(BIN)/switchboard-load ./cmd/switchboard-load
	@mkdir -p docs/load
	$(BIN)/switchboard-load --switchboard $(BIN)/switchboard --testserver $(BIN)/switchboard-testserver \
		--sessions 1,8,32,128 --duration 3s --json docs/load/latest.json --plot docs/load/latency.png $(LOAD_ARGS)

# The long fault and soak tests: backend/faults with SB_SOAK=1 (1,000
# sessions over 100 upstreams making 100,000 calls; longer crash loops,
# stderr floods and bursts; 10,000 abandoned sessions), then the scale run
# of the load tool (1,000 sessions at 1 call/s each over 100 upstreams).
# `make test` runs the short versions of the same tests. See
# docs/benchmarks.md, "Scale, faults and soak".
.PHONY: soak
# The scale run goes ahead even when a test failed; the target fails if
# either did.
soak: build
	@status=0; \
	SB_SOAK=1 $(GO) test -count=1 -v -timeout 60m ./backend/faults/ || status=1; \
	mkdir -p docs/load; \
	$(GO) build -o $(BIN)/switchboard-load ./cmd/switchboard-load && \
	$(BIN)/switchboard-load --switchboard $(BIN)/switchboard --testserver $(BIN)/switchboard-testserver \
		--modes gateway-http --sessions 1000 --rate 1 --upstreams 100 --duration 60s --warmup 1000 \
		--json docs/load/scale.json $(SOAK_ARGS) || status=1; \
	exit $$status
