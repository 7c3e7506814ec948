//! The sandbox: the component reaches only its allow-list, within its memory limit.

use redshift_io::{AllowList, Error, RedshiftIo};
use rio_tests::S3Space;

#[test]
fn a_host_outside_the_allow_list_is_refused() {
    let s3 = S3Space::new();
    let options = s3.options();
    let pipe = RedshiftIo::with_allow_list(options, AllowList::new(["127.0.0.1:1"])).unwrap();
    pipe.pack(br#"{"id":"a"}"#).unwrap();
    let error = pipe.seal().unwrap_err();
    let Error::S3(failure) = &error else {
        panic!("expected a refused PUT, got {error:?}")
    };
    assert_eq!(
        (failure.status, failure.code.as_str(), failure.attempts),
        (0, "HttpRequestDenied", 1)
    );
    let endpoint = s3.options().endpoint.unwrap();
    let authority = endpoint.trim_start_matches("http://");
    assert_eq!(
        failure.message,
        format!("{authority} is not on the sandbox's allow-list (127.0.0.1:1)")
    );
    assert_eq!(pipe.stats().unwrap().buffered_rows, 1);
}

#[test]
fn the_memory_limit_stops_the_component_with_a_clear_error() {
    let s3 = S3Space::new();
    let mut options = s3.options();
    options.limits.memory_bytes = 8 << 20;
    options.buffer_size = Some(64 << 20);
    let pipe = RedshiftIo::new(options).unwrap();
    // Rows that compress poorly, in batches small enough to pass: the gzip file outgrows 8 MiB.
    let mut state = 1u64;
    let mut outcome = Ok(0);
    for _ in 0..100 {
        let batch: String = (0..10_000)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                format!(
                    "{{\"pad\":\"{state:016x}{:016x}\"}}\n",
                    state.rotate_left(17)
                )
            })
            .collect();
        outcome = pipe.pack_lines(batch.as_bytes());
        if outcome.is_err() {
            break;
        }
    }
    let error = outcome.unwrap_err().error;
    assert!(
        matches!(&error, Error::Runtime(m) if m.contains("memory limit of 8 MiB")),
        "{error:?}"
    );
    assert!(
        matches!(pipe.stats(), Err(Error::Runtime(_))),
        "a trapped sandbox refuses further calls"
    );
}

#[test]
fn the_component_imports_http_and_nothing_that_reaches_out_on_its_own() {
    let mut imports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(redshift_io::COMPONENT) {
        if let wasmparser::Payload::ComponentImportSection(section) = payload.unwrap() {
            let names = section
                .into_iter()
                .map(|import| import.unwrap().name.name.to_string());
            // Interfaces have a package name; the rest are the nested wrapper's own type imports.
            imports.extend(names.filter(|name| name.starts_with("wasi:")));
        }
    }
    eprintln!("component imports: {imports:?}");
    assert!(
        imports.contains(&"wasi:http/outgoing-handler@0.2.12".to_string()),
        "{imports:?}"
    );
    // No files and no sockets of its own; what environment it asks for, the host gives empty.
    assert!(
        !imports
            .iter()
            .any(|i| i.starts_with("wasi:filesystem") || i.starts_with("wasi:sockets")),
        "{imports:?}"
    );
}
