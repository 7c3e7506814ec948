//! Integration tests: the real component in wasmtime, against a signing S3 server and a mock
//! job endpoint. One test binary, so the component is compiled once for all of them.

mod addressing;
mod bad_input;
mod checks;
mod concurrency;
mod credentials;
mod faults;
mod manifests;
mod roundtrip;
mod sandbox;
mod send;
mod states;
mod tls;
