//! One pipe shared by many threads.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use redshift_io::{Error, RedshiftIo};
use rio_tests::{gunzip, S3Space};

#[test]
fn eight_threads_of_ten_thousand_rows_land_exactly_once() {
    let s3 = S3Space::new();
    let mut options = s3.options();
    options.buffer_size = Some(200_000);
    let pipe = Arc::new(RedshiftIo::new(options).unwrap());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let pipe = pipe.clone();
            std::thread::spawn(move || {
                for i in 0..10_000 {
                    let row = format!(r#"{{"time":"2026-11-25T17:00:00","id":"t{t}-{i}"}}"#);
                    pipe.pack(row.as_bytes()).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    pipe.seal().unwrap();
    let mut seen = HashSet::new();
    let mut last_per_thread = [-1i64; 8];
    for file in pipe.files().unwrap() {
        for line in gunzip(&s3.get(&file.key))
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
        {
            let line = std::str::from_utf8(line).unwrap();
            assert!(seen.insert(line.to_string()), "{line} landed twice");
            let id = line
                .split("\"id\":\"t")
                .nth(1)
                .unwrap()
                .trim_end_matches("\"}");
            let (t, i) = id.split_once('-').unwrap();
            let (t, i): (usize, i64) = (t.parse().unwrap(), i.parse().unwrap());
            assert!(i > last_per_thread[t], "thread {t}'s rows are out of order");
            last_per_thread[t] = i;
        }
    }
    assert_eq!(seen.len(), 80_000);
}

/// Packs `row`, waiting out the moments when another thread has the pipe sealed or sending.
fn pack_patiently(pipe: &RedshiftIo, row: &[u8]) {
    loop {
        match pipe.pack(row) {
            Ok(()) => return,
            Err(Error::PipeSealed | Error::SendingInProgress) => std::thread::yield_now(),
            Err(other) => panic!("pack failed: {other}"),
        }
    }
}

#[test]
fn packing_threads_with_seals_and_stats_in_between_lose_and_double_nothing() {
    let rows_per_thread = 50_000;
    let s3 = S3Space::new();
    let mut options = s3.options();
    options.buffer_size = Some(500_000);
    let pipe = Arc::new(RedshiftIo::new(options).unwrap());
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sealer = {
        let (pipe, done) = (pipe.clone(), done.clone());
        std::thread::spawn(move || {
            let mut seals = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                pipe.seal().unwrap();
                pipe.stats().unwrap();
                pipe.unseal().unwrap();
                seals += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
            seals
        })
    };
    let packers: Vec<_> = (0..8)
        .map(|t| {
            let pipe = pipe.clone();
            std::thread::spawn(move || {
                for i in 0..rows_per_thread {
                    pack_patiently(&pipe, format!(r#"{{"id":"t{t}-{i}"}}"#).as_bytes());
                }
            })
        })
        .collect();
    for packer in packers {
        packer.join().unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seals = sealer.join().unwrap();
    assert!(seals > 1);
    pipe.seal().unwrap();
    let mut seen = HashSet::new();
    for file in pipe.files().unwrap() {
        for line in gunzip(&s3.get(&file.key))
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
        {
            assert!(
                seen.insert(line.to_vec()),
                "{} landed twice",
                String::from_utf8_lossy(line)
            );
        }
    }
    assert_eq!(seen.len(), 8 * rows_per_thread);
    assert_eq!(pipe.stats().unwrap().rows, 8 * rows_per_thread as u64);
}
