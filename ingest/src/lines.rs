//! Cutting a request body into batches of whole lines, with bounded memory: a batch is handed
//! over once it holds `batch_bytes` of complete lines, and the partial line at its end is carried
//! over to the next one. A line longer than `max_line` stops the body as soon as the carried part
//! passes that size, so such a line is never held whole; the whole lines before it are handed
//! over first, as they are when reading the body fails.

use std::io::{self, Read};

/// Why the body stopped before its end.
#[derive(Debug)]
pub enum Stop<E> {
    /// Line `line` (1-based, counted over the whole body) has more than `max_line` bytes: `seen`
    /// of them were read when it was refused.
    LineTooLong { line: u64, seen: u64 },
    /// Reading (or decompressing) the body failed.
    Read(io::Error),
    /// The batch handler refused a batch.
    Batch(E),
}

/// How a body was cut.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Cut {
    pub batches: u64,
    pub lines: u64,
    pub bytes: u64,
}

/// Reads `body` to its end and calls `batch(lines, lines_before)` with runs of whole lines
/// (the last one possibly without its newline), where `lines_before` is the number of lines of
/// the body before the batch, so that line `n` of the batch is line `lines_before + n` of the body.
pub fn cut<R: Read, E>(
    mut body: R,
    batch_bytes: usize,
    read_bytes: usize,
    max_line: usize,
    mut batch: impl FnMut(&[u8], u64) -> Result<(), E>,
) -> Result<Cut, Stop<E>> {
    let mut buf: Vec<u8> = Vec::with_capacity(batch_bytes + read_bytes);
    // In `buf`: where the line being read starts, and how many complete lines come before it.
    let mut line_start = 0;
    let mut lines_in_buf = 0u64;
    let mut lines_before = 0u64;
    let mut cut = Cut::default();
    loop {
        let old_len = buf.len();
        buf.resize(old_len + read_bytes, 0);
        let n = loop {
            match body.read(&mut buf[old_len..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // The whole lines read so far go in; the line being read is cut short.
                    if line_start > 0 {
                        batch(&buf[..line_start], lines_before).map_err(Stop::Batch)?;
                    }
                    return Err(Stop::Read(e));
                }
            }
        };
        buf.truncate(old_len + n);
        cut.bytes += n as u64;
        if n == 0 {
            break;
        }
        let mut from = old_len;
        while let Some(at) = buf[from..].iter().position(|&b| b == b'\n') {
            let end = from + at;
            if end - line_start > max_line {
                if line_start > 0 {
                    batch(&buf[..line_start], lines_before).map_err(Stop::Batch)?;
                }
                return Err(Stop::LineTooLong {
                    line: lines_before + lines_in_buf + 1,
                    seen: (end - line_start) as u64,
                });
            }
            lines_in_buf += 1;
            line_start = end + 1;
            from = end + 1;
        }
        if buf.len() - line_start > max_line {
            if line_start > 0 {
                batch(&buf[..line_start], lines_before).map_err(Stop::Batch)?;
            }
            return Err(Stop::LineTooLong {
                line: lines_before + lines_in_buf + 1,
                seen: (buf.len() - line_start) as u64,
            });
        }
        if line_start >= batch_bytes {
            batch(&buf[..line_start], lines_before).map_err(Stop::Batch)?;
            cut.batches += 1;
            lines_before += lines_in_buf;
            buf.drain(..line_start);
            line_start = 0;
            lines_in_buf = 0;
        }
    }
    if !buf.is_empty() {
        batch(&buf, lines_before).map_err(Stop::Batch)?;
        cut.batches += 1;
        if line_start < buf.len() {
            lines_in_buf += 1;
        }
    }
    cut.lines = lines_before + lines_in_buf;
    Ok(cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes a call.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn batches(body: &[u8], step: usize, batch_bytes: usize) -> (Vec<(Vec<u8>, u64)>, Cut) {
        let mut seen = Vec::new();
        let cut = cut(Trickle(body, step), batch_bytes, 7, 20, |b, before| {
            seen.push((b.to_vec(), before));
            Ok::<_, ()>(())
        })
        .unwrap();
        (seen, cut)
    }

    #[test]
    fn batches_hold_whole_lines_and_count_the_lines_before_them() {
        let body = b"{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}\n{\"a\":4}";
        for step in 1..body.len() + 1 {
            let (seen, cut) = batches(body, step, 8);
            let joined: Vec<u8> = seen.iter().flat_map(|(b, _)| b.clone()).collect();
            assert_eq!(joined, body);
            let mut lines = 0;
            for (batch, before) in &seen {
                assert_eq!(*before, lines);
                assert!(batch.ends_with(b"\n") || batch.ends_with(b"}"));
                lines += batch.split(|&b| b == b'\n').count() as u64 - 1;
            }
            assert_eq!(cut.lines, 5);
        }
    }

    #[test]
    fn a_long_line_stops_the_body_before_it_is_held_whole() {
        let body = [&b"{}\n{}\n"[..], &[b'x'; 100][..], b"\n"].concat();
        let mut held = 0;
        let stop = cut(Trickle(&body, 3), 1, 3, 20, |b, _| {
            held += b.len();
            Ok::<_, ()>(())
        })
        .unwrap_err();
        let Stop::LineTooLong { line, seen } = stop else {
            panic!("{stop:?}")
        };
        assert_eq!(line, 3);
        assert!((21..=23).contains(&seen), "{seen}");
        assert_eq!(held, 6);
    }
}
