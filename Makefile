# rio: `make demo` runs a load end to end on an embedded S3; `make test` runs every test.

CARGO ?= cargo

.PHONY: setup component test demo lint

# The component is built for WASI 0.2.
setup:
	rustup target add wasm32-wasip2

# The pipe component alone: target/component/wasm32-wasip2/component/rio_guest.wasm
component: setup
	$(CARGO) build --profile component --package rio-guest --target wasm32-wasip2 --target-dir target/component

test: setup
	$(CARGO) test --workspace

demo: setup
	$(CARGO) run --release --package rio --example without_worker

lint: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy --package rio-guest --target wasm32-wasip2 -- -D warnings
