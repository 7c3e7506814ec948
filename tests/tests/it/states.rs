//! Every cell of the state × call matrix (docs/pipe.md, "Calls by state"), through the real
//! component: each call in each state, what it answers and the state it leaves.

use std::sync::Arc;
use std::time::Duration;

use redshift_io::{Error, PipeState, RedshiftIo};
use rio_tests::{Answer, JobEndpoint, S3Space};

const ROW: &[u8] = br#"{"time":"2026-11-25T17:00:00","id":"a"}"#;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    Sealed,
    Sending,
    Closed,
}

const STATES: [State; 4] = [State::Open, State::Sealed, State::Sending, State::Closed];

/// What a call answers: Ok and the state it leaves, or an error and the state unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    Ok(PipeState),
    Err(Error),
}

type Call = fn(&RedshiftIo) -> Result<(), Error>;

/// A `pack_lines` refused as a whole says so with line 0.
fn pack_lines(pipe: &RedshiftIo) -> Result<(), Error> {
    match pipe.pack_lines(&[ROW, b"\n", ROW].concat()) {
        Ok(_) => Ok(()),
        Err(e) => {
            assert_eq!((e.line, e.accepted), (0, 0), "a refusal of the whole batch");
            Err(e.error)
        }
    }
}

const CALLS: [(&str, Call); 13] = [
    ("pack", |p| p.pack(ROW)),
    ("pack_lines", pack_lines),
    ("seal", RedshiftIo::seal),
    ("unseal", RedshiftIo::unseal),
    ("create_and_upload_custom_manifest", |p| {
        p.create_and_upload_custom_manifest("states.manifest")
    }),
    ("create_and_upload_manifest", |p| {
        p.create_and_upload_manifest().map(drop)
    }),
    ("send", |p| p.send().map(drop)),
    ("close", RedshiftIo::close),
    ("close_without_sending", RedshiftIo::close_without_sending),
    ("reset", RedshiftIo::reset),
    ("files", |p| p.files().map(drop)),
    ("rejects", |p| p.rejects().map(drop)),
    ("stats", |p| p.stats().map(drop)),
];

/// The matrix: for each call, what it does in the open, sealed, sending and closed states.
fn expected(call: &str, state: State) -> Expect {
    use Expect::Ok as Leaves;
    use PipeState::{Closed, Open, Sealed};
    let refused = |error| Expect::Err(error);
    let cells = match call {
        "pack" | "pack_lines" => [
            Leaves(Open),
            refused(Error::PipeSealed),
            refused(Error::SendingInProgress),
            refused(Error::PipeClosed),
        ],
        "seal" => [
            Leaves(Sealed),
            Leaves(Sealed),
            refused(Error::SendingInProgress),
            refused(Error::PipeClosed),
        ],
        "unseal" | "send" | "reset" => [
            Leaves(Open),
            Leaves(Open),
            refused(Error::SendingInProgress),
            refused(Error::PipeClosed),
        ],
        "create_and_upload_custom_manifest" | "create_and_upload_manifest" => [
            refused(Error::NotSealed),
            Leaves(Sealed),
            refused(Error::SendingInProgress),
            refused(Error::PipeClosed),
        ],
        "close" | "close_without_sending" => [
            Leaves(Closed),
            Leaves(Closed),
            refused(Error::SendingInProgress),
            Leaves(Closed),
        ],
        "files" | "rejects" | "stats" => [
            Leaves(Open),
            Leaves(Sealed),
            refused(Error::SendingInProgress),
            Leaves(Closed),
        ],
        other => panic!("no row for {other}"),
    };
    let column = STATES.iter().position(|s| *s == state).unwrap();
    cells[column].clone()
}

fn pipe_state(pipe: &RedshiftIo) -> PipeState {
    pipe.stats().unwrap().state
}

/// A pipe holding one row, in `state` (not `Sending`, which needs a thread of its own).
fn pipe_in(s3: &S3Space, job: &JobEndpoint, state: State) -> RedshiftIo {
    let mut options = s3.options();
    options.job_endpoint = Some(job.url.clone());
    let pipe = RedshiftIo::new(options).unwrap();
    pipe.pack(ROW).unwrap();
    match state {
        State::Open => {}
        State::Sealed => pipe.seal().unwrap(),
        State::Closed => pipe.close_without_sending().unwrap(),
        State::Sending => unreachable!("see the_sending_column"),
    }
    pipe
}

#[test]
fn every_call_in_the_open_sealed_and_closed_states() {
    let s3 = S3Space::new();
    let job = JobEndpoint::start();
    for state in [State::Open, State::Sealed, State::Closed] {
        for (name, call) in CALLS {
            let pipe = pipe_in(&s3, &job, state);
            let before = pipe_state(&pipe);
            let outcome = match call(&pipe) {
                Ok(()) => Expect::Ok(pipe_state(&pipe)),
                Err(error) => {
                    assert_eq!(
                        pipe_state(&pipe),
                        before,
                        "{name} in {state:?} changed the state"
                    );
                    Expect::Err(error)
                }
            };
            assert_eq!(outcome, expected(name, state), "{name} in {state:?}");
        }
    }
}

#[test]
fn the_sending_column() {
    let s3 = S3Space::new();
    let job = JobEndpoint::start();
    job.answer(Answer::Hang);
    let mut options = s3.options();
    options.job_endpoint = Some(job.url.clone());
    options.limits.response_timeout = Duration::from_secs(3);
    let pipe = Arc::new(RedshiftIo::new(options).unwrap());
    pipe.pack(ROW).unwrap();
    let sender = {
        let pipe = pipe.clone();
        std::thread::spawn(move || pipe.send())
    };
    while job.requests().is_empty() {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(pipe.sending_in_progress());
    for (name, call) in CALLS {
        let outcome = match call(&pipe) {
            Ok(()) => Expect::Ok(pipe_state(&pipe)),
            Err(error) => Expect::Err(error),
        };
        assert_eq!(
            outcome,
            expected(name, State::Sending),
            "{name} while sending"
        );
    }
    assert!(matches!(
        sender.join().unwrap(),
        Err(Error::JobUnreachable(_))
    ));
    assert!(!pipe.sending_in_progress());
    assert_eq!(
        pipe_state(&pipe),
        PipeState::Sealed,
        "a failed send leaves the pipe sealed"
    );
    job.answer(Answer::Status(200));
    pipe.send().unwrap();
}
