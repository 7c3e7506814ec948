//! A gzip member (RFC 1952) written as rows arrive, so memory holds compressed bytes, not raw rows.
//!
//! Two deflate engines, chosen by level as measured inside wasmtime: miniz_oxide for levels 0-3
//! (as fast as zlib-rs at level 1, with about 17 % smaller output), zlib-rs for 4-9 (about twice
//! miniz_oxide's speed at level 6, at the same ratio).

use flate2::{Compress, Compression, FlushCompress, Status};
use miniz_oxide::deflate::core::{
    compress, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus,
};

/// Fixed header: deflate, no name, no mtime (so equal input gives equal bytes), unknown OS.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// Compressed output is kept in pieces of this size: it never moves or reallocates as it grows,
/// and the last, partly filled piece wastes little, so memory stays close to the file's size.
const CHUNK: usize = 256 << 10;
/// The lowest level that zlib-rs compresses.
const ZLIB_RS_FROM_LEVEL: u8 = 4;

pub struct GzipWriter {
    deflater: Deflater,
    /// The member so far: full chunks, then the last one, zero-filled past `filled` so the
    /// compressor can write in place.
    chunks: Vec<Vec<u8>>,
    filled: usize,
    /// Chunks of members that S3 already has, ready for reuse.
    spare: Vec<Vec<u8>>,
    crc: crc32fast::Hasher,
    raw_len: u64,
}

enum Deflater {
    Miniz(Box<CompressorOxide>),
    ZlibRs(Box<Compress>),
}

impl Deflater {
    fn new(level: u8) -> Self {
        if level >= ZLIB_RS_FROM_LEVEL {
            // No zlib header: a raw deflate stream, the gzip framing is ours.
            return Deflater::ZlibRs(Box::new(Compress::new(
                Compression::new(level.into()),
                false,
            )));
        }
        // Negative window bits: a raw deflate stream.
        let flags = create_comp_flags_from_zip_params(level.into(), -15, 0);
        Deflater::Miniz(Box::new(CompressorOxide::new(flags)))
    }

    /// Compresses what it can of `input` into `output`: (bytes consumed, bytes produced, whether
    /// the stream is complete).
    fn step(&mut self, input: &[u8], output: &mut [u8], finish: bool) -> (usize, usize, bool) {
        match self {
            Deflater::Miniz(compressor) => {
                let flush = if finish {
                    TDEFLFlush::Finish
                } else {
                    TDEFLFlush::None
                };
                let (status, consumed, produced) = compress(compressor, input, output, flush);
                // BadParam and PutBufFailed only come of misusing the API, which this type prevents.
                assert!(
                    matches!(status, TDEFLStatus::Okay | TDEFLStatus::Done),
                    "deflate: {status:?}"
                );
                (consumed, produced, status == TDEFLStatus::Done)
            }
            Deflater::ZlibRs(compressor) => {
                let (before_in, before_out) = (compressor.total_in(), compressor.total_out());
                let flush = if finish {
                    FlushCompress::Finish
                } else {
                    FlushCompress::None
                };
                let status = compressor
                    .compress(input, output, flush)
                    .expect("deflate accepts any input");
                let consumed = (compressor.total_in() - before_in) as usize;
                let produced = (compressor.total_out() - before_out) as usize;
                (consumed, produced, status == Status::StreamEnd)
            }
        }
    }

    fn reset(&mut self) {
        match self {
            Deflater::Miniz(compressor) => compressor.reset(),
            Deflater::ZlibRs(compressor) => compressor.reset(),
        }
    }
}

impl GzipWriter {
    pub fn new(level: u8) -> Self {
        let mut writer = GzipWriter {
            deflater: Deflater::new(level),
            chunks: Vec::new(),
            filled: CHUNK,
            spare: Vec::new(),
            crc: crc32fast::Hasher::new(),
            raw_len: 0,
        };
        writer.start_member();
        writer
    }

    /// Uncompressed bytes written so far.
    pub fn raw_len(&self) -> u64 {
        self.raw_len
    }

    pub fn write(&mut self, data: &[u8]) {
        self.crc.update(data);
        self.raw_len += data.len() as u64;
        self.deflate(data, false);
    }

    /// Ends the member and returns its bytes, in pieces; the writer starts a new member.
    pub fn finish(&mut self) -> Vec<Vec<u8>> {
        self.deflate(&[], true);
        let crc = std::mem::take(&mut self.crc).finalize();
        let mut member = std::mem::take(&mut self.chunks);
        let last = member.last_mut().expect("a member has its header chunk");
        last.truncate(self.filled);
        last.extend_from_slice(&crc.to_le_bytes());
        // ISIZE is the input length modulo 2^32.
        last.extend_from_slice(&(self.raw_len as u32).to_le_bytes());
        self.deflater.reset();
        self.raw_len = 0;
        self.start_member();
        member
    }

    /// Takes back a finished member's pieces once S3 has them, for the next members to fill.
    pub fn recycle(&mut self, member: Vec<Vec<u8>>) {
        for mut chunk in member.into_iter().filter(|chunk| chunk.capacity() == CHUNK) {
            chunk.resize(CHUNK, 0);
            self.spare.push(chunk);
        }
    }

    fn start_member(&mut self) {
        self.next_chunk();
        self.chunks[0][..HEADER.len()].copy_from_slice(&HEADER);
        self.filled = HEADER.len();
    }

    fn next_chunk(&mut self) {
        let chunk = self.spare.pop().unwrap_or_else(|| vec![0; CHUNK]);
        self.chunks.push(chunk);
        self.filled = 0;
    }

    fn deflate(&mut self, mut input: &[u8], finish: bool) {
        loop {
            if self.filled == CHUNK {
                self.next_chunk();
            }
            let chunk = self.chunks.last_mut().expect("a member has a chunk");
            let (consumed, produced, done) =
                self.deflater.step(input, &mut chunk[self.filled..], finish);
            self.filled += produced;
            input = &input[consumed..];
            if done || (!finish && input.is_empty() && self.filled < CHUNK) {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniz_oxide::inflate::decompress_to_vec;

    /// Unwraps a gzip member with an independent decoder and checks its trailer.
    pub(crate) fn gunzip(member: &[Vec<u8>]) -> Vec<u8> {
        let member = member.concat();
        assert_eq!(member[..10], HEADER);
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
    fn members_larger_than_a_chunk_come_in_pieces_and_the_pieces_are_reused() {
        for level in [0, 6] {
            let mut writer = GzipWriter::new(level);
            let input: Vec<u8> = (0..400_000u32)
                .flat_map(|i| format!("{{\"n\":{}}}\n", i.wrapping_mul(2654435761)).into_bytes())
                .collect();
            writer.write(&input);
            let first = writer.finish();
            assert!(first.len() >= 2, "level {level}: {} pieces", first.len());
            assert_eq!(gunzip(&first), input);
            let pieces = first.len();
            writer.recycle(first);
            assert!(writer.spare.len() >= pieces - 2, "level {level}");
            writer.write(b"second\n");
            assert_eq!(gunzip(&writer.finish()), b"second\n");
        }
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
