//! Replays the checked-in fuzzing corpus (`guest/fuzz/corpus/`), so every input a fuzzer ever
//! found interesting stays a regression test in `make test`; `make fuzz` grows the corpus.

use std::path::Path;

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .collect();
    assert!(!inputs.is_empty(), "no corpus in {}", dir.display());
    inputs
}

#[test]
fn rows() {
    for input in corpus("rows") {
        for line in input.split(|&b| b == b'\n') {
            let _ = rio_guest::row::check(line);
        }
    }
}

#[test]
fn table_configs() {
    for input in corpus("table_config") {
        if let Ok(config) = rio_guest::table_config::parse(&String::from_utf8_lossy(&input)) {
            let _ = config.validate();
            let rendered = rio_guest::table_config::render(&config);
            assert_eq!(
                rio_guest::table_config::parse(std::str::from_utf8(&rendered).unwrap()).unwrap(),
                config
            );
        }
    }
}

#[test]
fn s3_errors() {
    for input in corpus("s3_error") {
        let document = String::from_utf8_lossy(&input);
        for name in ["Code", "Message", "RequestId"] {
            let _ = rio_guest::s3::xml_element(&document, name);
        }
    }
}

#[test]
fn typed_checks() {
    for input in corpus("typed_check") {
        rio_guest::fuzzing::typed_check(&input);
    }
}
