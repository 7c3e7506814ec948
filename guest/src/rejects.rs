//! Rows the pipe refused, kept aside with their reasons when the options say `rejects: keep`
//! (docs/checks.md, "Rejects"): one JSON line per row, in objects cut like data files, never
//! listed in a manifest.

use serde::Serialize;

use crate::row::MAX_ROW_BYTES;
use crate::Error;

/// One line of a rejects object. The names are those of Redshift's `SYS_LOAD_ERROR_DETAIL`
/// view, so that refusals before and at COPY time read alike.
#[derive(Serialize)]
struct Reject<'a> {
    /// The row's place among the rows offered to this run, from 1.
    line_number: u64,
    column_name: &'a str,
    column_type: &'a str,
    raw_field_value: &'a str,
    error_message: String,
    raw_line: &'a str,
}

/// The rejects of the run not yet in S3.
#[derive(Default)]
pub struct RejectsBuffer {
    bytes: Vec<u8>,
    rows: u64,
}

impl RejectsBuffer {
    /// The line a refused row adds; `column_type` names the column's type, if the refusal has a
    /// column.
    pub fn line(ordinal: u64, row: &[u8], error: &Error, column_type: &str) -> Vec<u8> {
        let raw_line = String::from_utf8_lossy(row);
        let (column_name, raw_field_value, error_message) = match error {
            Error::InvalidRow(refusal) => (
                refusal.column.as_str(),
                refusal.value.as_str(),
                refusal.reason.clone(),
            ),
            Error::InvalidJson { message, offset } => (
                "",
                "",
                format!("not a JSON object: {message} at byte {offset}"),
            ),
            Error::RowTooLarge(size) => (
                "",
                "",
                format!("{size} bytes: over the {MAX_ROW_BYTES} bytes of a JSON record"),
            ),
            other => unreachable!("only refusals of a row are kept aside, not {other:?}"),
        };
        let reject = Reject {
            line_number: ordinal,
            column_name,
            column_type: if column_name.is_empty() {
                ""
            } else {
                column_type
            },
            raw_field_value,
            error_message,
            raw_line: &raw_line,
        };
        let mut line = serde_json::to_vec(&reject).expect("a reject always serializes");
        line.push(b'\n');
        line
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Whether adding `line` would take a non-empty buffer past `limit` bytes.
    pub fn would_overflow(&self, line: &[u8], limit: u64) -> bool {
        !self.is_empty() && (self.bytes.len() + line.len()) as u64 > limit
    }

    pub fn push(&mut self, line: Vec<u8>) {
        self.bytes.extend_from_slice(&line);
        self.rows += 1;
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn clear(&mut self) {
        self.bytes.clear();
        self.rows = 0;
    }
}
