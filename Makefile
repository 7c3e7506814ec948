# rio: `make demo` runs a load end to end on an embedded S3; `make test` runs every test.

CARGO ?= cargo

.PHONY: setup component test demo lint soak fuzz bench

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
	cd node && $(NPM) test

# One million generated event rows, loaded into the embedded S3 under ./rio-data/.
DEMO_ROWS ?= 1000000
RIO = $(CARGO) run --release --quiet --package rio-cli --bin rio --

demo: setup
	$(RIO) sample --rows $(DEMO_ROWS) --output target/demo/events.ndjson
	$(RIO) load target/demo/events.ndjson --table-config cli/examples/events.yml
	@echo "written to rio-data/rio:" && ls -l rio-data/rio | tail -n 6

# Formatting, clippy on the host crates and on the wasm32 guest, and rustdoc, all warnings errors.
lint: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy --package rio-guest --target wasm32-wasip2 -- -D warnings
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
