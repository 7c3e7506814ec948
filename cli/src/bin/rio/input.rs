//! Newline-delimited input read in batches that end on a line boundary, so that each batch is
//! one `pack_lines` call and a line number is never lost.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

/// About how much one batch holds: large enough to make calls into the component cheap.
const BATCH_BYTES: usize = 1 << 20;
/// A line longer than this is handed over whole or not: the pipe refuses rows over 4 MiB anyway.
const MAX_CARRY: usize = 5 << 20;

/// `-` is standard input; a name ending in `.gz` is gunzipped.
pub fn open(name: &str) -> io::Result<Box<dyn Read>> {
    if name == "-" {
        return Ok(Box::new(io::stdin().lock()));
    }
    let file = BufReader::new(File::open(Path::new(name))?);
    Ok(match name.ends_with(".gz") {
        true => Box::new(MultiGzDecoder::new(file)),
        false => Box::new(file),
    })
}

pub struct LineBatches<R> {
    reader: R,
    buffer: Vec<u8>,
    /// Bytes of `buffer` already handed out; what follows them starts the next batch.
    handed_out: usize,
    /// The 1-based line number the next batch starts at.
    next_line: u64,
    /// Bytes read so far.
    pub bytes_read: u64,
}

impl<R: Read> LineBatches<R> {
    pub fn new(reader: R) -> Self {
        LineBatches {
            reader,
            buffer: Vec::with_capacity(BATCH_BYTES * 2),
            handed_out: 0,
            next_line: 1,
            bytes_read: 0,
        }
    }

    /// The next batch of whole lines and the line number it starts at; `None` at the end.
    pub fn next_batch(&mut self) -> io::Result<Option<(u64, &[u8])>> {
        self.buffer.drain(..self.handed_out);
        let mut end_of_input = false;
        while self.buffer.len() < BATCH_BYTES
            || (!self.buffer.contains(&b'\n') && self.buffer.len() < MAX_CARRY)
        {
            let filled = self.buffer.len();
            self.buffer.resize(filled + BATCH_BYTES, 0);
            let read = self.reader.read(&mut self.buffer[filled..]);
            let read = match read {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
                Err(e) => {
                    self.buffer.truncate(filled);
                    return Err(e);
                }
            };
            self.buffer.truncate(filled + read);
            self.bytes_read += read as u64;
            if read == 0 {
                end_of_input = true;
                break;
            }
        }
        if self.buffer.is_empty() {
            return Ok(None);
        }
        let end = match self.buffer.iter().rposition(|&b| b == b'\n') {
            Some(newline) if !end_of_input => newline + 1,
            _ => self.buffer.len(),
        };
        self.handed_out = end;
        let first_line = self.next_line;
        let batch = &self.buffer[..end];
        self.next_line += batch.iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(Some((first_line, batch)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batches(input: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let mut reader = LineBatches::new(input);
        let mut out = Vec::new();
        while let Some((line, batch)) = reader.next_batch().unwrap() {
            out.push((line, batch.to_vec()));
        }
        out
    }

    #[test]
    fn small_input_is_one_batch() {
        assert_eq!(batches(b"{}\n{}\n{}"), vec![(1, b"{}\n{}\n{}".to_vec())]);
        assert!(batches(b"").is_empty());
    }

    #[test]
    fn batches_end_on_line_boundaries_and_count_lines() {
        let line = format!("{{\"pad\":\"{}\"}}\n", "x".repeat(1000));
        let input = line.repeat(3000);
        let all = batches(input.as_bytes());
        assert!(all.len() >= 2);
        let mut expected_line = 1;
        for (first_line, batch) in &all {
            assert_eq!(*first_line, expected_line);
            assert!(batch.ends_with(b"\n"));
            expected_line += batch.iter().filter(|&&b| b == b'\n').count() as u64;
        }
        assert_eq!(
            all.iter().flat_map(|(_, b)| b.clone()).collect::<Vec<_>>(),
            input.as_bytes()
        );
    }
}
