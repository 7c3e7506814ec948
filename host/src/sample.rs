//! Realistic generated event rows (about 240 bytes of mixed types each), for trying rio out and
//! for benchmarks: the same seed gives the same rows.

use std::io::{self, Write};

/// Writes `rows` NDJSON event rows.
pub fn write_events(out: &mut impl Write, rows: u64, seed: u64) -> io::Result<()> {
    let mut random = SplitMix(seed);
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

fn write_event(out: &mut impl Write, i: u64, random: &mut SplitMix) -> io::Result<()> {
    let seconds = i * 86_400 / 1_000_000 % 86_400;
    let kind = KINDS[random.below(KINDS.len() as u64) as usize];
    writeln!(
        out,
        r#"{{"time":"2026-11-25T{:02}:{:02}:{:02}","event_id":"evt-{i:010}","user_id":{},"session_id":"{:016x}","kind":"{kind}","page":"/products/{}","amount":{}.{:02},"quantity":{},"premium":{},"country":"{}","agent":"{}"}}"#,
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        random.below(5_000_000),
        random.next(),
        random.below(20_000),
        random.below(500),
        random.below(100),
        1 + random.below(5),
        random.below(4) == 0,
        COUNTRIES[random.below(COUNTRIES.len() as u64) as usize],
        AGENTS[random.below(AGENTS.len() as u64) as usize],
    )
}

/// SplitMix64: tiny, fast and good enough for sample data.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}
