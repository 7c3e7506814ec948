//! A gzip member (RFC 1952) written as rows arrive, so memory holds compressed bytes, not raw rows.

use miniz_oxide::deflate::core::{
    compress, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus,
};

/// Fixed header: deflate, no name, no mtime (so equal input gives equal bytes), unknown OS.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// The least free room in the output before each call into the compressor.
const MIN_SPARE: usize = 64 * 1024;

pub struct GzipWriter {
    compressor: Box<CompressorOxide>,
    /// Zero-filled ahead of `written` so the compressor can write in place; grown by doubling.
    output: Vec<u8>,
    written: usize,
    crc: crc32fast::Hasher,
    raw_len: u64,
}

impl GzipWriter {
    pub fn new(level: u8) -> Self {
        // Negative window bits: a raw deflate stream, the gzip framing is ours.
        let flags = create_comp_flags_from_zip_params(level.into(), -15, 0);
        GzipWriter {
            compressor: Box::new(CompressorOxide::new(flags)),
            output: HEADER.to_vec(),
            written: HEADER.len(),
            crc: crc32fast::Hasher::new(),
            raw_len: 0,
        }
    }

    /// Uncompressed bytes written so far.
    pub fn raw_len(&self) -> u64 {
        self.raw_len
    }

    /// Compressed bytes produced so far (the header included, the pending trailer not).
    pub fn compressed_len(&self) -> usize {
        self.written
    }

    pub fn write(&mut self, data: &[u8]) {
        self.crc.update(data);
        self.raw_len += data.len() as u64;
        self.deflate(data, TDEFLFlush::None);
    }

    /// Ends the member and returns its bytes; the writer starts a new member with the same level,
    /// reusing its buffers.
    pub fn finish(&mut self) -> Vec<u8> {
        self.deflate(&[], TDEFLFlush::Finish);
        let crc = std::mem::take(&mut self.crc).finalize();
        let mut member = std::mem::replace(&mut self.output, HEADER.to_vec());
        member.truncate(self.written);
        member.extend_from_slice(&crc.to_le_bytes());
        // ISIZE is the input length modulo 2^32.
        member.extend_from_slice(&(self.raw_len as u32).to_le_bytes());
        self.written = HEADER.len();
        self.compressor.reset();
        self.raw_len = 0;
        member
    }

    fn deflate(&mut self, mut input: &[u8], flush: TDEFLFlush) {
        loop {
            if self.output.len() - self.written < MIN_SPARE {
                let grown = (self.output.len() * 2).max(self.written + MIN_SPARE);
                self.output.resize(grown, 0);
            }
            let (status, consumed, produced) = compress(
                &mut self.compressor,
                input,
                &mut self.output[self.written..],
                flush,
            );
            self.written += produced;
            input = &input[consumed..];
            let output_full = self.written == self.output.len();
            match status {
                TDEFLStatus::Done => return,
                TDEFLStatus::Okay
                    if input.is_empty() && !output_full && flush == TDEFLFlush::None =>
                {
                    return
                }
                TDEFLStatus::Okay => {}
                // Only reachable through misuse of the compressor's API, which this type prevents.
                TDEFLStatus::BadParam | TDEFLStatus::PutBufFailed => {
                    unreachable!("deflate refused its input: {status:?}")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniz_oxide::inflate::decompress_to_vec;

    /// Unwraps a gzip member with an independent decoder and checks its trailer.
    pub(crate) fn gunzip(member: &[u8]) -> Vec<u8> {
        assert_eq!(&member[..10], &HEADER);
        let body = &member[10..member.len() - 8];
        let raw = decompress_to_vec(body).expect("valid deflate stream");
        let trailer = &member[member.len() - 8..];
        assert_eq!(
            u32::from_le_bytes(trailer[..4].try_into().unwrap()),
            crc32fast::hash(&raw)
        );
        assert_eq!(
            u32::from_le_bytes(trailer[4..].try_into().unwrap()),
            raw.len() as u32
        );
        raw
    }

    #[test]
    fn round_trip_at_every_level() {
        let mut input = Vec::new();
        for i in 0..20_000 {
            input.extend_from_slice(
                format!("{{\"id\":{i},\"name\":\"row {}\"}}\n", i * 7919 % 1000).as_bytes(),
            );
        }
        for level in 0..=9 {
            let mut writer = GzipWriter::new(level);
            for chunk in input.chunks(977) {
                writer.write(chunk);
            }
            assert_eq!(writer.raw_len(), input.len() as u64);
            assert_eq!(gunzip(&writer.finish()), input, "level {level}");
        }
    }

    #[test]
    fn a_writer_is_reusable_after_finish() {
        let mut writer = GzipWriter::new(6);
        writer.write(b"first\n");
        let first = writer.finish();
        writer.write(b"second\n");
        let second = writer.finish();
        assert_eq!(gunzip(&first), b"first\n");
        assert_eq!(gunzip(&second), b"second\n");
        assert_eq!(writer.raw_len(), 0);
    }

    #[test]
    fn empty_member_is_valid() {
        assert_eq!(gunzip(&GzipWriter::new(1).finish()), b"");
    }

    #[test]
    fn the_same_rows_give_the_same_bytes() {
        let mut a = GzipWriter::new(6);
        let mut b = GzipWriter::new(6);
        a.write(b"{\"a\":1}\n");
        b.write(b"{\"a\":1}\n");
        assert_eq!(a.finish(), b.finish());
    }
}
