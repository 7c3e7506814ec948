//! The tests' mock job endpoint as a process of its own, for test suites in other languages:
//! `rio-job-endpoint [ANSWER…]` answers requests with each ANSWER in turn (`200`, `503:busy`,
//! `hang`; the last repeats, default `200`), prints `{"url":…}` once it listens, then one JSON
//! line per request received, and stops when its standard input closes.

use std::io::{BufRead, Write};
use std::time::Duration;

use rio_tests::{Answer, JobEndpoint};

fn main() {
    let answers = std::env::args()
        .skip(1)
        .map(|a| a.parse::<Answer>())
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{e}"));
    let endpoint = if answers.is_empty() {
        JobEndpoint::start()
    } else {
        JobEndpoint::answering(answers)
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", serde_json::json!({ "url": endpoint.url })).unwrap();
    out.flush().unwrap();
    drop(out);
    // Requests are printed as they come, until the parent closes standard input.
    let (closed_tx, closed) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for _ in std::io::stdin().lock().lines() {}
        let _ = closed_tx.send(());
    });
    let mut printed = 0;
    loop {
        let stop = closed.recv_timeout(Duration::from_millis(10)).is_ok();
        let requests = endpoint.requests();
        let mut out = std::io::stdout().lock();
        for request in &requests[printed..] {
            let line = serde_json::json!({
                "method": request.method,
                "url": request.path,
                "contentType": request.content_type,
                "body": request.body,
            });
            writeln!(out, "{line}").unwrap();
        }
        out.flush().unwrap();
        printed = requests.len();
        if stop {
            return;
        }
    }
}
