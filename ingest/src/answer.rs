//! The endpoint's answers: a status and a JSON body, written from the pipe's error fields and
//! never holding a secret.

use serde_json::{json, Map, Value};
use wasip2::http::types::{Fields, OutgoingBody, OutgoingResponse, ResponseOutparam};

use crate::bindings::rio::redshift_io::types::{Error, S3Failure};

pub struct Answer {
    pub status: u16,
    pub body: Value,
    /// Extra headers, e.g. `allow` for a 405.
    pub headers: Vec<(&'static str, String)>,
}

impl Answer {
    pub fn new(status: u16, body: Value) -> Answer {
        Answer {
            status,
            body,
            headers: Vec::new(),
        }
    }

    /// An error answer: `{"error": kind, "message": message}`.
    pub fn error(status: u16, kind: &str, message: impl Into<String>) -> Answer {
        Answer::new(status, json!({ "error": kind, "message": message.into() }))
    }

    /// Adds fields to a JSON object body.
    pub fn with(mut self, fields: Value) -> Answer {
        if let (Value::Object(body), Value::Object(fields)) = (&mut self.body, fields) {
            body.extend(fields);
        }
        self
    }

    /// Sends the answer. Any of `secrets` found in the body (there should be none) is blanked.
    pub fn send(self, out: ResponseOutparam, secrets: &[String]) {
        let mut text = self.body.to_string();
        for secret in secrets.iter().filter(|s| s.len() >= 4) {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "[redacted]");
            }
        }
        text.push('\n');
        let headers = Fields::new();
        let mut entries = vec![
            ("content-type", "application/json".to_string()),
            ("content-length", text.len().to_string()),
        ];
        entries.extend(self.headers);
        for (name, value) in entries {
            let _ = headers.append(name, value.as_bytes());
        }
        let response = OutgoingResponse::new(headers);
        let _ = response.set_status_code(self.status);
        let Ok(body) = response.body() else {
            return;
        };
        ResponseOutparam::set(out, Ok(response));
        if let Ok(stream) = body.write() {
            for piece in text.as_bytes().chunks(4096) {
                if stream.blocking_write_and_flush(piece).is_err() {
                    break;
                }
            }
            drop(stream);
        }
        let _ = OutgoingBody::finish(body, None);
    }
}

/// The error's kind, as the WIT names its case.
pub fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::InvalidOptions(_) => "invalid-options",
        Error::InvalidConfig(_) => "invalid-config",
        Error::InvalidJson(_) => "invalid-json",
        Error::InvalidRow(_) => "invalid-row",
        Error::RowTooLarge(_) => "row-too-large",
        Error::PipeSealed => "pipe-sealed",
        Error::PipeClosed => "pipe-closed",
        Error::NotSealed => "not-sealed",
        Error::NoJobEndpoint => "no-job-endpoint",
        Error::S3(_) => "s3",
        Error::JobUnreachable(_) => "job-unreachable",
        Error::JobRejected(_) => "job-rejected",
    }
}

/// The error's message, as docs/errors.md gives it.
pub fn error_text(error: &Error) -> String {
    match error {
        Error::InvalidOptions(m) => format!("invalid options: {m}"),
        Error::InvalidConfig(m) => format!("invalid table config: {m}"),
        Error::InvalidJson(f) => format!(
            "not a JSON object: {} (at byte {} of the row)",
            f.message, f.offset
        ),
        Error::InvalidRow(r) if r.value.is_empty() => format!("column {}: {}", r.column, r.reason),
        Error::InvalidRow(r) => format!("column {}: {} (value {})", r.column, r.reason, r.value),
        Error::RowTooLarge(size) => {
            format!("row of {size} bytes is over Redshift's 4 MiB limit for a JSON record")
        }
        Error::PipeSealed => "the pipe is sealed: unseal it to pack more rows".into(),
        Error::PipeClosed => "the pipe is closed".into(),
        Error::NotSealed => "the pipe is not sealed: seal it before writing a manifest".into(),
        Error::NoJobEndpoint => {
            "no job endpoint is configured: send needs an s3-to-redshift worker".into()
        }
        Error::S3(f) => s3_text(f),
        Error::JobUnreachable(m) => format!("job endpoint unreachable: {m}"),
        Error::JobRejected(f) => format!("job endpoint answered {}: {}", f.status, f.body),
    }
}

fn s3_text(f: &S3Failure) -> String {
    let attempts = match f.attempts {
        1 => "1 attempt".to_string(),
        n => format!("{n} attempts"),
    };
    if f.status == 0 {
        return format!(
            "S3 PUT {} got no answer after {attempts}: {}: {}",
            f.key, f.code, f.message
        );
    }
    let mut text = format!(
        "S3 PUT {} failed after {attempts}: {} {}",
        f.key, f.status, f.code
    );
    if !f.message.is_empty() {
        text.push_str(": ");
        text.push_str(&f.message);
    }
    if !f.request_id.is_empty() {
        text.push_str(&format!(" (request id {})", f.request_id));
    }
    text
}

/// The answer to a pipe error that is not the rows' fault: S3 and the worker answer 502 (504
/// when the worker could not be reached), the rest are the endpoint's own failures (500).
pub fn pipe_failure(error: &Error) -> Answer {
    let mut fields = Map::new();
    let status = match error {
        Error::S3(f) => {
            fields.insert("s3_status".into(), json!(f.status));
            fields.insert("code".into(), json!(f.code));
            fields.insert("key".into(), json!(f.key));
            fields.insert("request_id".into(), json!(f.request_id));
            fields.insert("attempts".into(), json!(f.attempts));
            502
        }
        Error::JobRejected(f) => {
            fields.insert("job_status".into(), json!(f.status));
            502
        }
        Error::JobUnreachable(_) => 504,
        Error::RowTooLarge(_) => 413,
        Error::InvalidJson(_) | Error::InvalidRow(_) => 400,
        _ => 500,
    };
    Answer::error(status, error_kind(error), error_text(error)).with(Value::Object(fields))
}
