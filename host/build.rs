//! Builds the pipe component (the `rio-guest` crate for wasm32-wasip2) so that a plain
//! `cargo build` or `cargo test` of the host just works.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir.parent().unwrap();
    // Everything the component is built from: its sources and interface (cargo scans folders
    // whole), its manifest, the workspace manifest (where its `component` profile lives) and
    // the lock file. Relative to this package, so that another checkout sharing the target dir
    // (cargo names workspace members' build outputs without their path) is checked on its own
    // files.
    for watched in [
        "../guest/src",
        "../guest/Cargo.toml",
        "../wit",
        "../Cargo.toml",
        "../Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={watched}");
    }
    // Its own target dir: the outer build holds a lock on the outer one.
    let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace.join("target"),
    }
    .join("component");

    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo.current_dir(workspace).args([
        "build",
        "--profile",
        "component",
        "--package",
        "rio-guest",
        "--target",
        "wasm32-wasip2",
    ]);
    cargo.arg("--target-dir").arg(&target_dir);
    // The outer build's settings (profile, flags, target) are not the component's.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if (name.starts_with("CARGO_") && name != "CARGO_HOME") || name == "RUSTFLAGS" {
            cargo.env_remove(name.as_ref());
        }
    }
    let status = cargo.status().expect("cargo runs");
    assert!(
        status.success(),
        "building the component failed; is the target installed? (rustup target add wasm32-wasip2)"
    );
    let wasm = target_dir.join("wasm32-wasip2/component/rio_guest.wasm");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("rio_guest.wasm");
    std::fs::copy(&wasm, &out).unwrap_or_else(|e| panic!("copying {}: {e}", wasm.display()));
}
