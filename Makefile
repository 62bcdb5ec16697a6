# Trawl — build, test, demo and benchmark on a fresh Debian machine.
#
#   make demo    simulate a small labelled world, analyse it, print the top cases
#   make test    build and run every test, plus the format lint
#   make bench   release build; full analyze pass vs DuckDB on a ~1 GB log, and
#                trawl capture vs tshark on a ~1 GB capture; BENCH_STAGES=tail runs trawl tail
#                on a log written at TAIL_RATE lines/s for TAIL_SECONDS (alert delay, memory);
#                BENCH_STAGES=link links BENCH_LINK_ACCOUNTS synthetic accounts (time, peak memory)
#   make fuzz    libFuzzer (with AddressSanitizer) over the capture parsers for FUZZ_SECONDS
#
# System libraries are installed with apt-get when missing (as root).

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
BENCH_STAGES ?= logs,capture
# The tail stage (BENCH_STAGES=tail): lines/s written, for how long, and how much faster
# event time runs than the clock (1: as in production).
TAIL_SECONDS ?= 600
TAIL_RATE    ?= 50000
TAIL_SPEED   ?= 1
# Accounts the link stage (BENCH_STAGES=link, not run by default) links.
BENCH_LINK_ACCOUNTS ?= 1000000
# Best of this many runs of each measurement (the 2-core VM varies by ±15% run to run).
BENCH_RUNS   ?= 2
FUZZ_SECONDS ?= 60

.PHONY: all deps build test lint demo bench fuzz clean

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

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

test: deps lint
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
	  --tail-seconds $(TAIL_SECONDS) --tail-rate $(TAIL_RATE) --tail-speed $(TAIL_SPEED)

# The TrawlCaptureFuzz target, built into its own folder with -sanitize=fuzzer,address and
# -DFUZZING (only it and what it depends on); its normal build writes the seed corpus, the
# frames of the JA4 reference captures. A crash leaves its input as crash-* here.
fuzz: deps
	$(SWIFT) build --product TrawlCaptureFuzz
	.build/debug/TrawlCaptureFuzz --seed-corpus fixtures/ja4 .build-fuzz/corpus
	$(SWIFT) build --scratch-path .build-fuzz --product TrawlCaptureFuzz \
	  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING
	.build-fuzz/debug/TrawlCaptureFuzz -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 .build-fuzz/corpus

clean:
	rm -rf .build demo bench-data
