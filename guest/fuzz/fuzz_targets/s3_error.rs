//! Any text as an S3 error document: the fields are read without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|document: &str| {
    for name in ["Code", "Message", "RequestId"] {
        let _ = rio_guest::s3::xml_element(document, name);
    }
});
