//! Realistic generated event rows (about 240 bytes of mixed types each), for trying rio out and
//! for benchmarks: the same seed gives the same rows.

use std::io::{self, Write};

/// Writes `rows` NDJSON event rows.
pub fn write_events(out: &mut impl Write, rows: u64, seed: u64) -> io::Result<()> {
    let mut random = fastrand::Rng::with_seed(seed);
    for i in 0..rows {
        write_event(out, i, &mut random)?;
    }
    Ok(())
}

const KINDS: [&str; 5] = ["page_view", "click", "add_to_cart", "purchase", "search"];
const COUNTRIES: [&str; 8] = ["DE", "US", "FR", "JP", "BR", "IN", "GB", "ES"];
const AGENTS: [&str; 3] = [
    "Firefox/131.0 (Linux)",
    "Safari/605.1 (macOS 14)",
    "Chrome/130.0 (Windows 11)",
];

fn write_event(out: &mut impl Write, i: u64, random: &mut fastrand::Rng) -> io::Result<()> {
    let seconds = i * 86_400 / 1_000_000 % 86_400;
    let kind = KINDS[random.usize(..KINDS.len())];
    writeln!(
        out,
        r#"{{"time":"2026-11-25T{:02}:{:02}:{:02}","event_id":"evt-{i:010}","user_id":{},"session_id":"{:016x}","kind":"{kind}","page":"/products/{}","amount":{}.{:02},"quantity":{},"premium":{},"country":"{}","agent":"{}"}}"#,
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        random.u64(..5_000_000),
        random.u64(..),
        random.u64(..20_000),
        random.u64(..500),
        random.u64(..100),
        random.u64(1..=5),
        random.u8(..4) == 0,
        COUNTRIES[random.usize(..COUNTRIES.len())],
        AGENTS[random.usize(..AGENTS.len())],
    )
}
