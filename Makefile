# rio: `make demo` runs a load end to end on an embedded S3; `make test` runs every test.

CARGO ?= cargo

.PHONY: setup component test demo lint soak fuzz bench test-ceph
.PHONY: wac ingest ingest-test serve-test-wasmtime

# The component is built for WASI 0.2.
setup:
	rustup target add wasm32-wasip2

# The pipe component alone: target/component/wasm32-wasip2/component/rio_guest.wasm
component: setup
	$(CARGO) build --profile component --package rio-guest --target wasm32-wasip2 --target-dir target/component

# The Node.js package's dependencies, installed again only when its lockfile changes.
NPM ?= npm
node/node_modules/.package-lock.json: node/package.json node/package-lock.json
	cd node && $(NPM) ci --no-audit --no-fund

# Rust tests (unit, integration, CLI), then the same component in Node.js through jco; the Node
# tests use the `rio` binary that `cargo test` builds for the CLI tests.
test: setup node/node_modules/.package-lock.json
	$(CARGO) test --workspace
	$(MAKE) ingest-test
	cd node && $(NPM) test

# The integration suite against a production S3 server, a single-node Ceph RADOS gateway from
# Debian's packages (installed here when missing), started for the run and stopped after it.
test-ceph: setup
	command -v radosgw >/dev/null || (apt-get update && apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd)
	tests/ceph-rgw.sh $(CARGO) test --workspace --test it

# One million generated event rows, loaded into the embedded S3 under ./rio-data/.
DEMO_ROWS ?= 1000000
RIO = $(CARGO) run --release --quiet --package rio-cli --bin rio --

demo: setup
	$(RIO) sample --rows $(DEMO_ROWS) --output target/demo/events.ndjson
	$(RIO) load target/demo/events.ndjson --table-config cli/examples/events.yml
	@echo "written to rio-data/rio:" && ls -l rio-data/rio | tail -n 6

# Formatting, clippy on the host crates and on the wasm32 components (the pipe and the ingest
# endpoint), and rustdoc, all warnings errors.
lint: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy --package rio-guest --target wasm32-wasip2 -- -D warnings
	$(CARGO) fmt --manifest-path ingest/Cargo.toml -- --check
	$(CARGO) clippy --locked --manifest-path ingest/Cargo.toml --target wasm32-wasip2 --target-dir $(RIO_TARGET)/ingest -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps

# The fault soak at full size: a million rows through S3 failing 10 % of requests.
SOAK_ROWS ?= 1000000
soak: setup
	RIO_SOAK_ROWS=$(SOAK_ROWS) $(CARGO) test --package rio-tests --test it -- faults::soak --exact --nocapture

# Each fuzz target for FUZZ_SECONDS (nightly and cargo-fuzz); new finds land in guest/fuzz/corpus.
FUZZ_SECONDS ?= 60
fuzz:
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	cd guest && for target in rows table_config s3_error typed_check; do \
		cargo +nightly fuzz run $$target -- -max_total_time=$(FUZZ_SECONDS) || exit 1; \
	done

# Throughput, memory and start-up: the component against the same core natively and a Python
# loader (boto3), in one run; BENCH_MB of rows per case. Table on stdout, JSON in target/bench.json.
# Then the Node.js row: the same component under jco against `rio load`, on the same rows.
BENCH_MB ?= 100
bench: setup node/node_modules/.package-lock.json
	python3 -c "import boto3" 2>/dev/null || pip install --quiet boto3
	$(CARGO) run --release --package rio-bench -- --mb $(BENCH_MB)
	cd node && $(NPM) run bench

# The HTTP ingest endpoint (ingest/): the ingest component plugged with the pipe component by
# `wac plug` into one wasi:http proxy component, $(RIO_TARGET)/ingest/rio_ingest.wasm. The pipe
# is built as the host's build script builds it, in the same target dir (a no-op when fresh).
RIO_TARGET = $(or $(CARGO_TARGET_DIR),target)
PIPE_WASM = $(RIO_TARGET)/component/wasm32-wasip2/component/rio_guest.wasm
INGEST_WASM = $(RIO_TARGET)/ingest/rio_ingest.wasm
WAC_VERSION ?= 0.12.0
WAC ?= $(shell command -v wac 2>/dev/null || echo $(HOME)/.cargo/bin/wac)

# wac, the component composition tool; installed from crates.io unless one is on PATH.
wac:
	@command -v wac >/dev/null 2>&1 || test -x $(HOME)/.cargo/bin/wac || $(CARGO) install wac-cli@$(WAC_VERSION) --locked

ingest: setup wac
	$(CARGO) build --profile component --package rio-guest --target wasm32-wasip2 --target-dir $(RIO_TARGET)/component
	$(CARGO) build --locked --release --target wasm32-wasip2 --manifest-path ingest/Cargo.toml --target-dir $(RIO_TARGET)/ingest
	$(WAC) plug $(RIO_TARGET)/ingest/wasm32-wasip2/release/rio_ingest.wasm --plug $(PIPE_WASM) -o $(INGEST_WASM)
	@ls -l $(INGEST_WASM)

# The ingest component's unit tests (natively) and the composed component, for `make test`, whose
# Node tests then serve it under jco (node/test/ingest.test.js).
ingest-test: ingest
	$(CARGO) test --locked --manifest-path ingest/Cargo.toml --target-dir $(RIO_TARGET)/ingest

# The ingest endpoint's tests (node/test/ingest.test.js, which `make test` runs under jco serve)
# under `wasmtime serve -S cli`, with the wasmtime CLI at the host's wasmtime version.
WASMTIME_VERSION ?= 48.0.8
serve-test-wasmtime: ingest node/node_modules/.package-lock.json
	@test "$$(PATH="$(HOME)/.cargo/bin:$$PATH" wasmtime --version 2>/dev/null | cut -d' ' -f2)" = "$(WASMTIME_VERSION)" || $(CARGO) install wasmtime-cli@$(WASMTIME_VERSION) --locked
	$(CARGO) test --workspace --no-run
	cd node && PATH="$(HOME)/.cargo/bin:$$PATH" RIO_INGEST_RUNTIME=wasmtime node --test test/ingest.test.js
