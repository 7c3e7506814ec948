//! The pipe's state machine (docs/pipe.md): rows in, bounded gzip files out, manifests and
//! jobs on demand.

use crate::address::{check_key, parse_http_url};
use crate::gzip::GzipWriter;
use crate::io::Io;
use crate::job::{self, Job};
use crate::manifest::{self, FileEntry};
use crate::naming::{Naming, Run};
use crate::s3::S3;
use crate::{row, table_config, BatchError, Error, Options};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipeState {
    Open,
    Sealed,
    Closed,
}

/// Totals since the pipe opened, plus what is buffered now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub state: PipeState,
    pub run_id: String,
    pub data_date: String,
    pub rows: u64,
    pub raw_bytes: u64,
    pub gzip_bytes: u64,
    pub files_uploaded: u64,
    pub retries: u64,
    pub buffered_rows: u64,
    pub buffered_raw_bytes: u64,
}

/// A finished data file that S3 has not accepted yet: its rows live only here.
struct Unsent {
    key: String,
    /// The gzip member, in pieces.
    bytes: Vec<Vec<u8>>,
    rows: u64,
    raw_bytes: u64,
}

pub struct Pipe<I: Io> {
    io: I,
    options: Options,
    s3: S3,
    job_endpoint: Option<http::Uri>,
    naming: Naming,
    state: PipeState,
    run: Run,
    files: Vec<FileEntry>,
    /// The file being filled.
    writer: GzipWriter,
    writer_rows: u64,
    unsent: Option<Unsent>,
    stats: Stats,
}

impl<I: Io> Pipe<I> {
    pub fn open(options: Options, mut io: I) -> Result<Self, Error> {
        options.validate()?;
        let s3 = S3::new(&options)?;
        let job_endpoint = options
            .job_endpoint
            .as_deref()
            .map(|url| parse_http_url("job endpoint", url))
            .transpose()?;
        let run = Run::start(io.now(), io.random_u64());
        let stats = Stats {
            state: PipeState::Open,
            run_id: run.id.clone(),
            data_date: run.data_date.to_string(),
            rows: 0,
            raw_bytes: 0,
            gzip_bytes: 0,
            files_uploaded: 0,
            retries: 0,
            buffered_rows: 0,
            buffered_raw_bytes: 0,
        };
        Ok(Pipe {
            naming: Naming::new(&options),
            writer: GzipWriter::new(options.compression_level()),
            io,
            options,
            s3,
            job_endpoint,
            state: PipeState::Open,
            run,
            files: Vec::new(),
            writer_rows: 0,
            unsent: None,
            stats,
        })
    }

    pub fn pack(&mut self, row: &[u8]) -> Result<(), Error> {
        self.check_open()?;
        row::check(row)?;
        self.accept(row)
    }

    /// Packs each line that is not blank; stops at the first bad line, keeping the rows before it.
    /// An error about the pipe rather than a line has line number 0.
    pub fn pack_lines(&mut self, rows: &[u8]) -> Result<u64, BatchError> {
        let mut accepted = 0;
        let fail = |accepted, line, error| BatchError {
            accepted,
            line,
            error,
        };
        self.check_open().map_err(|error| fail(0, 0, error))?;
        for (index, line) in rows.split(|&b| b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let line_number = index as u64 + 1;
            row::check(line).map_err(|error| fail(accepted, line_number, error))?;
            self.accept(line)
                .map_err(|error| fail(accepted, line_number, error))?;
            accepted += 1;
        }
        Ok(accepted)
    }

    pub fn seal(&mut self) -> Result<(), Error> {
        if self.state == PipeState::Closed {
            return Err(Error::PipeClosed);
        }
        self.finish_file();
        self.upload_unsent()?;
        self.state = PipeState::Sealed;
        Ok(())
    }

    pub fn unseal(&mut self) -> Result<(), Error> {
        if self.state == PipeState::Closed {
            return Err(Error::PipeClosed);
        }
        self.state = PipeState::Open;
        Ok(())
    }

    pub fn create_and_upload_custom_manifest(&mut self, key: &str) -> Result<(), Error> {
        self.check_sealed()?;
        check_key("manifest key", key, false)?;
        let key = self.naming.custom(key);
        self.put(&key, manifest::render(&self.files), "application/json")
    }

    /// Writes the run's manifest where `send` puts it (docs/objects.md, "Keys") and returns its key.
    pub fn create_and_upload_manifest(&mut self) -> Result<String, Error> {
        self.check_sealed()?;
        let key = self.naming.manifest(&self.run);
        self.put(&key, manifest::render(&self.files), "application/json")?;
        Ok(key)
    }

    /// Seals, validates, writes the manifest and the table config, posts the job, starts a new run.
    /// A failure after sealing leaves the pipe sealed with its files, ready for another `send`.
    pub fn send(&mut self) -> Result<(), Error> {
        if self.state == PipeState::Closed {
            return Err(Error::PipeClosed);
        }
        let Some(job_endpoint) = self.job_endpoint.clone() else {
            return Err(Error::NoJobEndpoint);
        };
        if self.files.is_empty() && self.writer_rows == 0 && self.unsent.is_none() {
            return Ok(());
        }
        self.options.destination.validate()?;
        self.seal()?;
        self.create_and_upload_manifest()?;
        let config_key = self.naming.table_config(&self.run);
        self.put(
            &config_key,
            table_config::render(&self.options.destination),
            "application/x-yaml",
        )?;
        self.post_job(&job_endpoint)?;
        self.start_run();
        Ok(())
    }

    /// Sends, then closes for good; if the send fails the pipe stays open to another try.
    pub fn close(&mut self) -> Result<(), Error> {
        if self.state == PipeState::Closed {
            return Ok(());
        }
        self.send()?;
        self.close_without_sending()
    }

    pub fn close_without_sending(&mut self) -> Result<(), Error> {
        self.drop_buffers();
        self.state = PipeState::Closed;
        Ok(())
    }

    pub fn reset(&mut self) -> Result<(), Error> {
        if self.state == PipeState::Closed {
            return Err(Error::PipeClosed);
        }
        self.start_run();
        Ok(())
    }

    /// The data files of the current run that S3 has accepted, in upload order.
    pub fn files(&self) -> &[FileEntry] {
        &self.files
    }

    pub fn stats(&self) -> Stats {
        let unsent = self.unsent.as_ref();
        Stats {
            state: self.state,
            buffered_rows: self.writer_rows + unsent.map_or(0, |u| u.rows),
            buffered_raw_bytes: self.writer.raw_len() + unsent.map_or(0, |u| u.raw_bytes),
            ..self.stats.clone()
        }
    }

    fn check_sealed(&self) -> Result<(), Error> {
        match self.state {
            PipeState::Sealed => Ok(()),
            PipeState::Open => Err(Error::NotSealed),
            PipeState::Closed => Err(Error::PipeClosed),
        }
    }

    fn check_open(&self) -> Result<(), Error> {
        match self.state {
            PipeState::Open => Ok(()),
            PipeState::Sealed => Err(Error::PipeSealed),
            PipeState::Closed => Err(Error::PipeClosed),
        }
    }

    /// Adds a checked row. A row that would push a non-empty file past the buffer size first
    /// finishes that file and uploads it; if the upload fails, the row is not taken.
    fn accept(&mut self, row: &[u8]) -> Result<(), Error> {
        let size = row.len() as u64 + 1;
        if self.writer_rows > 0 && self.writer.raw_len() + size > self.options.buffer_size() {
            self.finish_file();
        }
        self.upload_unsent()?;
        self.writer.write(row);
        self.writer.write(b"\n");
        self.writer_rows += 1;
        self.stats.rows += 1;
        self.stats.raw_bytes += size;
        Ok(())
    }

    /// Ends the file being filled, if it holds rows, and queues it for upload.
    fn finish_file(&mut self) {
        if self.writer_rows == 0 {
            return;
        }
        debug_assert!(
            self.unsent.is_none(),
            "a file is finished only after the previous one is uploaded"
        );
        self.unsent = Some(Unsent {
            key: self.naming.data_file(&self.run, self.files.len() as u64),
            raw_bytes: self.writer.raw_len(),
            bytes: self.writer.finish(),
            rows: std::mem::take(&mut self.writer_rows),
        });
    }

    fn upload_unsent(&mut self) -> Result<(), Error> {
        let Some(unsent) = &self.unsent else {
            return Ok(());
        };
        self.s3.put(
            &mut self.io,
            &unsent.key,
            &unsent.bytes,
            "application/gzip",
            &mut self.stats.retries,
        )?;
        let unsent = self.unsent.take().expect("checked above");
        let content_length = unsent.bytes.iter().map(Vec::len).sum::<usize>() as u64;
        self.stats.files_uploaded += 1;
        self.stats.gzip_bytes += content_length;
        self.files.push(FileEntry {
            url: self.s3.address().s3_url(&unsent.key),
            key: unsent.key,
            rows: unsent.rows,
            raw_bytes: unsent.raw_bytes,
            content_length,
        });
        self.writer.recycle(unsent.bytes);
        Ok(())
    }

    fn put(&mut self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), Error> {
        self.s3.put(
            &mut self.io,
            key,
            &[body],
            content_type,
            &mut self.stats.retries,
        )
    }

    /// One POST, no retries: a worker that did get a job must not get it twice.
    fn post_job(&mut self, endpoint: &http::Uri) -> Result<(), Error> {
        let data_date = self.run.data_date.to_string();
        let job = Job {
            bucket: &self.options.bucket,
            schema: &self.options.destination.schema,
            tables: &self.options.destination.table,
            date: &data_date,
            gzip: true,
            truncate: self.options.truncate,
            force: self.options.force,
        };
        let body = job.render(self.options.job_format);
        let response = self
            .io
            .send(&Job::request(endpoint, &body)?)
            .map_err(|e| Error::JobUnreachable(format!("{} ({})", e.message, e.code)))?;
        job::check_answer(&response)
    }

    fn drop_buffers(&mut self) {
        self.finish_file();
        self.unsent = None;
    }

    fn start_run(&mut self) {
        self.drop_buffers();
        self.files.clear();
        self.run = Run::start(self.io.now(), self.io.random_u64());
        self.stats.run_id = self.run.id.clone();
        self.stats.data_date = self.run.data_date.to_string();
        self.state = PipeState::Open;
    }
}

#[cfg(test)]
mod tests;
