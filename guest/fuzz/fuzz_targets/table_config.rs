//! Any text as a table config: parsing and validation answer with an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(config) = rio_guest::table_config::parse(text) {
        let _ = config.validate();
        // What parses renders, and renders back to the same config.
        let rendered = rio_guest::table_config::render(&config);
        assert_eq!(rio_guest::table_config::parse(std::str::from_utf8(&rendered).unwrap()).unwrap(), config);
    }
});
