# Switchboard: two set-up commands for a fresh machine, `make run` and `make test`.
# Go (/usr/local/go) is on every machine of this project's kind; everything
# else a target needs it installs itself.

SHELL       := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
export CGO_ENABLED ?= 0

MODULE  := github.com/switchboard/switchboard
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X $(MODULE)/app.Version=$(VERSION)
BIN     := bin/switchboard

# The desktop window (Wails over WebKitGTK 4.1): cgo and the GTK/WebKit
# development packages; see README.md "Desktop window".
DESKTOP_BIN  := bin/switchboard-desktop
DESKTOP_TAGS := desktop,production,webkit2_41
DESKTOP_PKGS := build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev

DATA ?= ./data
HTTP ?= 127.0.0.1:8080
SIP  ?= 127.0.0.1:5060

FUZZTIME ?= 30s

.PHONY: all run run-desktop run-headless build desktop desktop-deps desktop-test desktop-test-deps frontend frontend-test ui-deps ui-test test deps test-deps sdk-deps voice-deps sms-deps stream-deps run-deps vet fmt-check tidy-check unit load-test bench bench-voice bench-ui fuzz clean

all: build

## run: start Switchboard with its store and the demo flow: in the desktop
## window when a display is there (DISPLAY or WAYLAND_DISPLAY set), else the
## headless appliance, which prints the URL to open
ifneq ($(strip $(DISPLAY)$(WAYLAND_DISPLAY)),)
run: run-desktop
else
run: run-headless
endif

run-headless: run-deps
	@echo "no display (DISPLAY and WAYLAND_DISPLAY are empty): building the headless appliance; open the URL it prints"
	@$(MAKE) --no-print-directory build
	@echo "starting Switchboard on http://$(HTTP) (health: http://$(HTTP)/healthz); data in $(DATA); Ctrl-C stops it."
	./$(BIN) serve --headless --data $(DATA) --http $(HTTP) --sip $(SIP)

run-desktop: run-deps
	@echo "display $(or $(DISPLAY),$(WAYLAND_DISPLAY)) found: building the desktop window (make desktop)"
	@$(MAKE) --no-print-directory desktop
	@echo "starting Switchboard in its window; the REST API and webhooks on http://$(HTTP); data in $(DATA); closing the window or Ctrl-C stops it."
	./$(DESKTOP_BIN) serve --data $(DATA) --http $(HTTP) --sip $(SIP)

## build: the headless binary with the editor embedded (no webkit needed)
build: deps frontend
	@echo "building the appliance ($(BIN))"
	go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

## desktop: the desktop binary ($(DESKTOP_BIN)): the same appliance, and the
## editor in a window (installs the GTK/WebKit development packages when missing)
desktop: deps desktop-deps frontend
	@echo "building the desktop window (cgo, first build ~2 minutes): $(DESKTOP_BIN)"
	CGO_ENABLED=1 go build -trimpath -tags $(DESKTOP_TAGS) -ldflags '$(LDFLAGS)' -o $(DESKTOP_BIN) .

## desktop-deps: a C compiler and GTK 3 / WebKitGTK 4.1 headers (apt, when missing)
desktop-deps:
	@if ! command -v gcc >/dev/null || ! pkg-config --exists webkit2gtk-4.1 gtk+-3.0 2>/dev/null; then \
	  echo "installing GTK/WebKit development packages (apt, once, ~2 minutes): $(DESKTOP_PKGS)"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(DESKTOP_PKGS); \
	fi

# npm ci runs when the lockfile changed since the last install.
frontend/node_modules/.package-lock.json: frontend/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or later" >&2; exit 1; }
	@echo "installing the editor's npm packages (frontend/package-lock.json)"
	npm ci --prefix frontend --no-audit --no-fund

## frontend: the editor, type-checked and built by Vite into frontend/dist
frontend: frontend/node_modules/.package-lock.json
	@echo "building the editor (frontend/dist)"
	npm run --prefix frontend --silent build

## frontend-test: the editor's type check and its model's unit tests (Vitest)
frontend-test: frontend/node_modules/.package-lock.json
	npm run --prefix frontend --silent typecheck
	npm run --prefix frontend --silent test -- --passWithNoTests

## deps: what building needs (Go modules through the module proxy)
deps:
	@command -v go >/dev/null || { echo "Go is missing: install Go 1.26 into /usr/local/go" >&2; exit 1; }
	go mod download

## test-deps: what the tests need on top of deps
test-deps: deps sdk-deps voice-deps sms-deps stream-deps

# Debian packages: the voice peers the tests start on loopback (sipp,
# baresip, kamailio) and the offline TTS engines prompts are made with.
VOICE_PKGS := sip-tester baresip-core kamailio espeak-ng flite sox
VOICE_CMDS := sipp baresip kamailio espeak-ng flite sox
RUN_PKGS   := espeak-ng flite
# gammu: a modem client not written by us, pointed at the fake modem
# (app/sms/at/fakemodem) to prove the fake speaks the real AT dialect.
SMS_PKGS   := gammu libnet-smpp-perl kannel kannel-extras
# Net::SMPP has no command of its own: the check asks perl for the module
SMS_CMDS   := gammu /usr/sbin/bearerbox /usr/sbin/smsbox /usr/lib/kannel/test/fakesmsc
RUN_CMDS   := espeak-ng flite

# apt installs $(1) unless every command in $(2) is already there.
define apt_install
	@missing=""; for c in $(2); do command -v $$c >/dev/null || missing="$$missing $$c"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing $(1) (missing:$$missing)"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(1); \
	fi
endef

## voice-deps: sipp, baresip, kamailio (with its TLS module, for TLS trunks)
## and the TTS engines (apt, when missing)
voice-deps:
	$(call apt_install,$(VOICE_PKGS),$(VOICE_CMDS))
	@ls /usr/lib/*/kamailio/modules/tls.so >/dev/null 2>&1 || { echo "installing kamailio-tls-modules (kamailio has no tls module)"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends kamailio-tls-modules; }

## sms-deps: the SMS peers the gateway tests run against (apt, when missing):
## gammu (modem), Net::SMPP (a scripted SMSC), Kannel with fakesmsc (HTTP)
sms-deps:
	$(call apt_install,$(SMS_PKGS),$(SMS_CMDS))
	@perl -MNet::SMPP -e1 2>/dev/null || { echo "installing libnet-smpp-perl (perl has no Net::SMPP)"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends libnet-smpp-perl; }

## run-deps: the TTS engines the appliance speaks with (apt, when missing)
run-deps:
	$(call apt_install,$(RUN_PKGS),$(RUN_CMDS))

## sdk-deps: the official twilio npm package, as locked, for the REST API's
## acceptance test (app/api/sdktest; node and npm are on the machine)
sdk-deps:
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or later" >&2; exit 1; }
	npm ci --prefix app/api/sdktest --no-audit --no-fund

## stream-deps: the npm ws server fork-stream's tests stream to
## (app/voice/stream/testpeer, as locked)
stream-deps:
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or later" >&2; exit 1; }
	npm ci --prefix app/voice/stream/testpeer --no-audit --no-fund

## ui-deps: Debian's Chromium for the browser tests (never a downloaded browser)
ui-deps:
	$(call apt_install,chromium,chromium)

## ui-test: the editor in Chromium against the real headless binary
## (frontend/e2e, node's test runner; screenshots in frontend/e2e/artifacts)
ui-test: build ui-deps
	cd frontend && node --test --test-concurrency=1 e2e/

## desktop-test-deps: Xvfb and ImageMagick for the desktop smoke test (apt, when missing)
desktop-test-deps: desktop-deps
	$(call apt_install,xvfb imagemagick,Xvfb import identify)

## desktop-test: the desktop binary under Xvfb must show the editor, signed
## in, listing flows (build/desktop-smoke.sh; screenshot in
## frontend/e2e/artifacts/desktop.png)
desktop-test: desktop-test-deps desktop
	@echo "desktop smoke test: the window under Xvfb (bounded waits, ~10 s)"
	build/desktop-smoke.sh $(DESKTOP_BIN)

## test: every check and every test
test: test-deps fmt-check vet tidy-check frontend-test unit load-test ui-test desktop-test windows-test

## windows
# The Windows build, cross-compiled from Linux without cgo: the appliance
# (switchboard.exe) and the desktop window (Wails over WebView2, which on
# Windows needs no cgo; `wails build` runs this same go build with the
# tags desktop,production plus its WebView2 strategy tag, and the default
# strategy is the one it picks, wv2runtime.download). Tested under Debian's
# wine in a throwaway prefix (build/winsmoke).
WIN_BIN         := bin/switchboard.exe
WIN_DESKTOP_BIN := bin/switchboard-desktop.exe
WIN_ENV         := GOOS=windows GOARCH=amd64 CGO_ENABLED=0
# wine runs the exe; mingw-w64 binutils link the test's bcryptprimitives.dll
# forwarder (Wine 8.0 has none; see build/winsmoke/wine_test.go).
WIN_PKGS := wine wine64 binutils-mingw-w64-x86-64
WIN_CMDS := wine wineserver x86_64-w64-mingw32-dlltool x86_64-w64-mingw32-ld

.PHONY: windows windows-vet windows-deps windows-test

## windows: switchboard.exe and switchboard-desktop.exe (GOOS=windows, no cgo)
windows: deps frontend
	@echo "building for Windows: $(WIN_BIN), $(WIN_DESKTOP_BIN)"
	$(WIN_ENV) go build -trimpath -ldflags '$(LDFLAGS)' -o $(WIN_BIN) .
	$(WIN_ENV) go build -trimpath -tags desktop,production -ldflags '$(LDFLAGS) -H windowsgui' -o $(WIN_DESKTOP_BIN) .

## windows-vet: go vet of every package as Windows builds it
windows-vet:
	$(WIN_ENV) go vet ./...
	$(WIN_ENV) go vet -tags desktop,production ./app/desktop/

## windows-deps: wine and mingw-w64 binutils (apt, when missing)
windows-deps:
	$(call apt_install,$(WIN_PKGS),$(WIN_CMDS))

## windows-test: the Windows exe under wine (version, flow validate, config
## check, serve) and the desktop exe's PE header (~40 s)
windows-test: windows-deps windows windows-vet
	SWITCHBOARD_REQUIRE_WINE=1 SWITCHBOARD_WINDOWS_EXE=$(CURDIR)/$(WIN_BIN) SWITCHBOARD_WINDOWS_DESKTOP_EXE=$(CURDIR)/$(WIN_DESKTOP_BIN) \
	  go test -count=1 -v -run 'TestUnderWine|TestDesktopExe' ./build/winsmoke/

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	go vet ./...

# go mod tidy must leave go.mod and go.sum as committed.
tidy-check:
	@tmp=$$(mktemp -d); cp go.mod go.sum $$tmp/; \
	go mod tidy >/dev/null 2>&1 || { cp $$tmp/go.mod $$tmp/go.sum .; rm -rf $$tmp; echo "go mod tidy failed" >&2; exit 1; }; \
	if ! diff -q $$tmp/go.mod go.mod >/dev/null || ! diff -q $$tmp/go.sum go.sum >/dev/null; then \
		diff -u $$tmp/go.mod go.mod; cp $$tmp/go.mod $$tmp/go.sum .; rm -rf $$tmp; \
		echo "go mod tidy changes go.mod/go.sum: run it and commit" >&2; exit 1; fi; \
	rm -rf $$tmp; echo "go mod tidy: go.mod and go.sum unchanged"

# The SDK acceptance test (app/api/sdk_test.go) skips without its
# node_modules when run by hand; here it must run.
# Tests run under the race detector (it needs cgo; gcc is on every machine
# of this kind): the voice and commit paths are concurrent by design.
unit: export SWITCHBOARD_REQUIRE_SDK = 1
unit: export SWITCHBOARD_REQUIRE_VOICE = 1
unit: export SWITCHBOARD_REQUIRE_SMS = 1
unit: export CGO_ENABLED = 1
unit:
	go test -race -count=1 ./...

## load-test: the admission flood test (100 calls in progress keep pacing
## p99 ≤ 3 ms and every digit while INVITEs flood in) alone on the box and
## without -race, after the parallel unit tests: its bar is timing (~30 s)
load-test: export SWITCHBOARD_REQUIRE_VOICE = 1
load-test: voice-deps
	go test -count=1 -run '^TestAdmissionFlood$$' -v ./app/voice/

## bench: Go benchmarks, printed as a table
bench: deps
	set -o pipefail; { go test -run '^$$' -bench . -benchmem ./schema/... ./engine/... ./app/runner/ ./app/api/ ./app/sms/pdu/ -skip 'Conversation|CreateExecution' && \
	  go test -run '^$$' -bench 'Conversation$$' -benchtime 20000x -count 3 -benchmem ./app/runner/ && \
	  go test -run '^$$' -bench ConversationVsRaw -benchtime 20000x ./app/runner/ && \
	  go test -run '^$$' -bench CreateExecution -benchtime 10000x -count 3 -benchmem ./app/api/ && \
	  go test -run '^$$' -bench 'SendFakeModem|Submit$$|SendGeneric' -count 3 ./app/sms/modem/ ./app/sms/smpp/ ./app/sms/httpgw/ && \
	  go test -run '^$$' -bench Outbox -benchtime 500x -count 3 ./app/sms/queue/; } | awk -f build/bench-table.awk

## bench-voice: sipp load against the voice stack (say + gather + split), each row run 3 times (min/median/max), with the appliance's load guard:
## concurrent calls held 60 s, send-interval deviation, digits lost, CPS and
## memory per call (2,000 calls at the most), printed as a Markdown table (about 22 minutes); then
## bridged calls (sipp caller → flow → connect-call-to → sipp far end) at
## BRIDGE_CALLS: relay p50/p99, CPU and memory per bridge (about 5 minutes);
## then the media bridge alone at BRIDGE_LOAD bridges. Not part of `make
## test`. Knobs: SWITCHBOARD_BENCH_CALLS, _HOLD, _CPS, _CPS_FOR,
## SWITCHBOARD_BENCH_RUNS, _GUARD=0, SWITCHBOARD_BENCH_BRIDGE_HOLD, _CPS, _RUNS, _PHASE, BRIDGE_CALLS, BRIDGE_LOAD.
bench-voice: deps voice-deps
	SWITCHBOARD_BENCH_VOICE=1 go test -count=1 -run '^TestBenchVoice$$' -v -timeout 40m ./app/voice/
	SWITCHBOARD_BENCH_BRIDGE=1 SWITCHBOARD_BENCH_BRIDGE_CALLS=$(BRIDGE_CALLS) go test -count=1 -run '^TestBenchBridgedCalls$$' -v -timeout 30m ./app/voice/
	BRIDGE_LOAD=$(BRIDGE_LOAD) go test -count=1 -run '^TestBridgeLoad$$' -v -timeout 20m ./media/

## BRIDGE_CALLS: bridged calls (caller → flow → connect-call-to → sipp far
## end) bench-voice holds; BRIDGE_LOAD: bridges of the media-only run
BRIDGE_CALLS ?= 50,200,500
BRIDGE_LOAD ?= 50,200,500

## bench-ui: the editor in Chromium against the headless binary: click to a
## drawn canvas (demo flow, largest corpus flow, a generated 1,000-widget IVR)
## and frame times while dragging a node, printed as a table. Not part of
## `make test`. Knobs: BENCH_UI_RUNS (3), BENCH_UI_WIDGETS (1000).
BENCH_UI_RUNS ?= 3
BENCH_UI_WIDGETS ?= 1000
bench-ui: build ui-deps
	cd frontend && node e2e/bench.mjs --runs $(BENCH_UI_RUNS) --widgets $(BENCH_UI_WIDGETS)

## fuzz: run each fuzz target for FUZZTIME
fuzz: deps
	go test ./schema -run '^$$' -fuzz FuzzParseValidate -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./engine/conditions -run '^$$' -fuzz FuzzEvaluate -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./schema/liquid -run '^$$' -fuzz FuzzRender -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./app/api -run '^$$' -fuzz FuzzPaging -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./app/api -run '^$$' -fuzz FuzzTextProblem -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./engine -run '^$$' -fuzz FuzzUnmarshalCommand -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./media -run '^$$' -fuzz FuzzDecode4733 -fuzztime $(FUZZTIME) -fuzzminimizetime 50x
	go test ./media -run '^$$' -fuzz FuzzReceive -fuzztime $(FUZZTIME) -fuzzminimizetime 50x
	go test ./media/dtmf -run '^$$' -fuzz FuzzDetector -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./media/audio -run '^$$' -fuzz FuzzDecodeWAV -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./sip -run '^$$' -fuzz FuzzAnswer -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./sip -run '^$$' -fuzz FuzzSanitizeHeaderValue -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./sip -run '^$$' -fuzz FuzzSanitizeText -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./sip -run '^$$' -fuzz FuzzParseDTMFInfo -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./app/twiliosig -run '^$$' -fuzz FuzzValidate -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./app/twiml -run '^$$' -fuzz FuzzMessage -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./app/sms/at -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./app/sms/pdu -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./app/sms/pdu -run '^$$' -fuzz FuzzReassemble -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./app/sms/smpp -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./app/sms/modem -run '^$$' -fuzz FuzzReceive -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./app/sms/modem -run '^$$' -fuzz FuzzParseCMGL -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./app/sms/httpgw -run '^$$' -fuzz FuzzAndroidWebhook -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	go test ./app/sms/httpgw -run '^$$' -fuzz FuzzCallback -fuzztime $(FUZZTIME) -fuzzminimizetime 5s

clean:
	rm -rf bin

## package: the Debian packages into $(PKG_DIR): switchboard (the headless
## appliance as a systemd service) for each of $(PKG_ARCHES), and
## switchboard-desktop (the window; GTK/WebKit) for this machine's
## architecture. nfpm is pinned as a Go tool in build/tools/go.mod, so the
## main go.mod stays as it is. build/package/README.md tells what is inside.
.PHONY: package deb deb-desktop package-test package-test-deps
PKG_ARCHES  ?= amd64 arm64
PKG_DIR     ?= bin/packages
# A Debian version that grows with every commit (0~gitN.gHASH sorts below
# any release 0.x); set PKG_VERSION to package a release.
PKG_VERSION ?= $(shell echo "0~git$$(git rev-list --count HEAD 2>/dev/null || echo 0).g$$(git rev-parse --short HEAD 2>/dev/null || echo 0)")
HOST_ARCH   := $(shell dpkg --print-architecture 2>/dev/null || go env GOARCH)
NFPM        := go tool -modfile=build/tools/go.mod nfpm

package: deps frontend
	@for a in $(PKG_ARCHES); do $(MAKE) --no-print-directory deb PKG_ARCH=$$a || exit 1; done
	@$(MAKE) --no-print-directory deb-desktop
	@ls -l $(PKG_DIR)/*.deb

# deb: one headless package for PKG_ARCH (frontend/dist already built):
# a static cross-build (no cgo), staged where nfpm.yaml takes it (nfpm
# expands variables in the version and arch, not in file sources), then nfpm.
deb:
	@test -n "$(PKG_ARCH)" || { echo "deb: set PKG_ARCH (amd64, arm64)" >&2; exit 1; }
	@echo "building switchboard $(PKG_VERSION) for linux/$(PKG_ARCH)"
	GOOS=linux GOARCH=$(PKG_ARCH) CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o bin/linux-$(PKG_ARCH)/switchboard .
	@mkdir -p $(PKG_DIR) bin/package-stage
	cp bin/linux-$(PKG_ARCH)/switchboard bin/package-stage/switchboard
	PKG_ARCH=$(PKG_ARCH) PKG_VERSION=$(PKG_VERSION) $(NFPM) package -f build/package/nfpm.yaml -p deb -t $(PKG_DIR)/

# deb-desktop: the desktop package, for this machine's architecture only
# (cgo against GTK/WebKit; build/package/README.md says what arm64 needs).
deb-desktop: desktop
	@mkdir -p $(PKG_DIR)
	PKG_ARCH=$(HOST_ARCH) PKG_VERSION=$(PKG_VERSION) $(NFPM) package -f build/package/nfpm-desktop.yaml -p deb -t $(PKG_DIR)/

## package-test-deps: systemd-analyze and useradd (apt, when missing); dpkg is on every Debian
package-test-deps:
	$(call apt_install,systemd passwd,systemd-analyze useradd dpkg-deb)

## package-test: the headless package built twice (an older version, then
## this tree), installed, upgraded, removed and purged in a throwaway root
## with dpkg --root (build/package/package_test.go, ~1 minute)
PKG_TEST_DIR := bin/pkgtest
package-test: deps frontend package-test-deps
	@rm -rf $(PKG_TEST_DIR)
	@$(MAKE) --no-print-directory deb PKG_ARCH=$(HOST_ARCH) PKG_VERSION=0~git0.old VERSION=0.0.0-old PKG_DIR=$(PKG_TEST_DIR)/old
	@$(MAKE) --no-print-directory deb PKG_ARCH=$(HOST_ARCH) PKG_DIR=$(PKG_TEST_DIR)/new
	SWITCHBOARD_REQUIRE_PACKAGE=1 SWITCHBOARD_PACKAGE_OLD=$(CURDIR)/$(PKG_TEST_DIR)/old SWITCHBOARD_PACKAGE_NEW=$(CURDIR)/$(PKG_TEST_DIR)/new \
	  go test -count=1 -v -run '^TestPackage' ./build/package/

# make test runs the package test (after the targets on test's own line).
test: package-test
