//! Any bytes as a row for the typed checks: no panic, and every value of an accepted row loads
//! as its column's type.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|row: &[u8]| rio_guest::fuzzing::typed_check(row));
