# Trawl — build, test, demo and benchmark on a fresh Debian machine.
#
#   make demo    simulate a small labelled world, analyse it, print the top cases
#   make test    build and run every test, plus the format lint
#   make bench   release build; full analyze pass vs DuckDB on a ~1 GB log, trawl capture
#                vs tshark on a ~1 GB capture, and exporting 1,000 cases; BENCH_STAGES=tail runs
#                trawl tail on a log written at TAIL_RATE lines/s for TAIL_SECONDS (alert delay,
#                memory); BENCH_STAGES=link links BENCH_LINK_ACCOUNTS synthetic accounts
#   make fuzz    libFuzzer (with AddressSanitizer) over the capture parsers for FUZZ_SECONDS
#   make screenshots   PNGs of a sample case report (demo world) in demo/screenshots/
#
# System libraries are installed with apt-get when missing (as root); so is Debian's
# chromium, which the report tests and `make screenshots` open case reports in.

SWIFT        ?= swift
BUILD_FLAGS  ?=
APT_PACKAGES := libsqlite3-dev libpcap-dev libmaxminddb-dev zlib1g-dev libzstd-dev libisal-dev pkg-config gzip zstd tzdata mmdb-bin
# mmdb-bin: mmdblookup, MaxMind's reader, checks the databases `trawl intel build` writes.
# tzdata: client_timezone and GeoIP time zones are compared through the system's zone files.
# tshark is not in this list: only `make bench` needs it (it times tshark's JA3 over the same
# capture as `trawl capture`), so the bench installs it, or skips that comparison when not root.
# Debian puts maxminddb.h in the multiarch folder (/usr/include/x86_64-linux-gnu/).
MAXMINDDB_H  := $(or $(firstword $(wildcard /usr/include/maxminddb.h /usr/include/*/maxminddb.h)),/usr/include/maxminddb.h)
HEADERS      := /usr/include/sqlite3.h /usr/include/pcap.h $(MAXMINDDB_H) /usr/include/zlib.h \
                /usr/include/zstd.h /usr/include/isa-l/igzip_lib.h /usr/share/zoneinfo/zone1970.tab
BIN          := .build/debug/trawl
BENCH_BYTES  ?= 1000000000
# Size of the generated capture for the capture stage; BENCH_STAGES=capture runs only it.
BENCH_CAPTURE_BYTES ?= 1000000000
BENCH_STAGES ?= logs,capture,export
# The tail stage (BENCH_STAGES=tail): lines/s written, for how long, and how much faster
# event time runs than the clock (1: as in production).
TAIL_SECONDS ?= 600
TAIL_RATE    ?= 50000
TAIL_SPEED   ?= 1
# tail's --window for the tail stage (empty: its default, 1h,24h); e.g. TAIL_WINDOW=5m,1h
# with TAIL_SPEED=12 fills the 1 h window in 5 minutes and turns it over for the rest.
TAIL_WINDOW  ?=
# History written before the tail stage's stream so that its windows start full (every
# account in every bucket): a span such as 24h, 0 for none, empty for the longest window.
TAIL_HISTORY ?=
# Accounts the link stage (BENCH_STAGES=link, not run by default) links.
BENCH_LINK_ACCOUNTS ?= 1000000
# Best of this many runs of each measurement (the 2-core VM varies by ±15% run to run).
BENCH_RUNS   ?= 2
FUZZ_SECONDS ?= 60

# Headless Chromium: the report test opens exported case reports in it (and skips, saying
# so, only when it is missing and this user cannot install it); `make screenshots` uses it.
CHROMIUM     ?= $(or $(firstword $(wildcard /usr/bin/chromium /usr/bin/chromium-browser)),chromium)
CHROMIUM_FLAGS := --headless --disable-gpu --hide-scrollbars --no-first-run $(if $(filter 0,$(shell id -u)),--no-sandbox,)

.PHONY: all deps test-deps build test lint demo bench fuzz screenshots clean

all: build

deps:
	@missing=""; for h in $(HEADERS); do [ -e $$h ] || missing="$$missing $$h"; done; \
	for t in gzip zstd mmdblookup; do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  echo "missing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES); \
	  else \
	    echo "run as root, or: sudo apt-get install -y $(APT_PACKAGES)"; exit 1; \
	  fi; \
	fi

test-deps:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "chromium missing (not root): the report test skips; sudo apt-get install -y chromium"; \
	  fi; }

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

test: deps test-deps lint
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)

demo: build
	$(BIN) demo

bench: deps
	$(SWIFT) build -c release --product trawl
	$(SWIFT) build -c release --product TrawlBench
	@case "$(BENCH_STAGES)" in *logs*) python3 -c "import duckdb" 2>/dev/null || pip install -q duckdb;; esac
	@case "$(BENCH_STAGES)" in *capture*) command -v tshark >/dev/null || { if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tshark; \
	  else echo "tshark missing (not root): the capture bench skips the tshark comparison"; fi; };; esac
	.build/release/TrawlBench --bytes $(BENCH_BYTES) --trawl .build/release/trawl --runs $(BENCH_RUNS) \
	  --capture-bytes $(BENCH_CAPTURE_BYTES) --stages $(BENCH_STAGES) --link-accounts $(BENCH_LINK_ACCOUNTS) \
	  --tail-seconds $(TAIL_SECONDS) --tail-rate $(TAIL_RATE) --tail-speed $(TAIL_SPEED) \
	  --tail-window "$(TAIL_WINDOW)" --tail-history "$(TAIL_HISTORY)"

# The TrawlCaptureFuzz target, built into its own folder with -sanitize=fuzzer,address and
# -DFUZZING (only it and what it depends on); its normal build writes the seed corpus, the
# frames of the JA4 reference captures. A crash leaves its input as crash-* here.
fuzz: deps
	$(SWIFT) build --product TrawlCaptureFuzz
	.build/debug/TrawlCaptureFuzz --seed-corpus fixtures/ja4 .build-fuzz/corpus
	$(SWIFT) build --scratch-path .build-fuzz --product TrawlCaptureFuzz \
	  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING
	.build-fuzz/debug/TrawlCaptureFuzz -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 .build-fuzz/corpus

# A demo world, its highest-scoring case exported, and its report rendered by headless
# Chromium: the top of the page and the whole page. Build output, not committed.
screenshots: build test-deps
	$(BIN) demo --dir demo --top 1 >/dev/null
	rm -rf demo/case-files demo/screenshots && mkdir -p demo/screenshots
	$(BIN) cases export $$($(BIN) cases list --db demo/trawl.sqlite --limit 1 --json | sed 's/.*"id":\([0-9]*\).*/\1/') \
	  --db demo/trawl.sqlite --out demo/case-files > demo/case-files.jsonl
	$(BIN) cases verify demo/case-files >/dev/null
	cd demo && for f in case-files/case-*/report.html; do \
	  $(CHROMIUM) $(CHROMIUM_FLAGS) --window-size=1280,1600 --screenshot=screenshots/report-top.png "file://$$PWD/$$f" 2>/dev/null; \
	  $(CHROMIUM) $(CHROMIUM_FLAGS) --window-size=1280,7000 --screenshot=screenshots/report-full.png "file://$$PWD/$$f" 2>/dev/null; \
	done
	@ls -l demo/screenshots

clean:
	rm -rf .build demo bench-data
