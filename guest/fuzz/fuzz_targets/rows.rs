//! Any bytes as a `pack_lines` batch: no panic, and the count of packed rows matches what a
//! line-by-line check accepts.
#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use rio_guest::io::{Request, Response};
use rio_guest::{Credentials, DestinationConfig, Io, Options, Pipe, TransportError};

/// An S3 that takes everything.
struct Accepting;

impl Io for Accepting {
    fn send(&mut self, _: &Request<'_>) -> Result<Response, TransportError> {
        Ok(http::Response::new(Vec::new()))
    }
    fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH
    }
    fn sleep(&mut self, _: Duration) {}
    fn random_u64(&mut self) -> u64 {
        4
    }
}

fuzz_target!(|batch: &[u8]| {
    let destination = DestinationConfig { schema: "s".into(), table: "t".into(), ..Default::default() };
    let credentials = Credentials::new("a", "b", None, None, "fuzz");
    let options = Options { buffer_size: Some(4096), ..Options::new(destination, "bucket", credentials) };
    let mut pipe = Pipe::open(options, Accepting).unwrap();
    let expected = batch
        .split(|&b| b == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .take_while(|line| rio_guest::row::check(line).is_ok())
        .count() as u64;
    let packed = match pipe.pack_lines(batch) {
        Ok(packed) => packed,
        Err(stop) => stop.accepted,
    };
    assert_eq!(packed, expected);
    assert_eq!(pipe.stats().rows, packed);
    pipe.seal().unwrap();
});
