//! The pipe's state machine (docs/pipe.md): rows in, bounded gzip files out, manifests and
//! jobs on demand.

use crate::address::{check_key, parse_http_url};
use crate::gzip::GzipWriter;
use crate::io::Io;
use crate::job;
use crate::manifest::{self, FileEntry};
use crate::naming::{Naming, Run};
use crate::rejects::RejectsBuffer;
use crate::row::{self, RowChecks};
use crate::s3::S3;
use crate::{table_config, BatchError, Credentials, Error, Options, Rejects};

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
    pub rejected_rows: u64,
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
    checks: RowChecks,
    state: PipeState,
    run: Run,
    /// Rows offered to this run so far, accepted or kept aside: a refused row's ordinal.
    run_rows: u64,
    files: Vec<FileEntry>,
    rejects: RejectsBuffer,
    rejects_files: Vec<FileEntry>,
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
            rejected_rows: 0,
        };
        Ok(Pipe {
            naming: Naming::new(&options),
            checks: RowChecks::new(&options.destination.columns, options.refuse_unknown_keys),
            writer: GzipWriter::new(options.compression_level()),
            io,
            options,
            s3,
            job_endpoint,
            state: PipeState::Open,
            run,
            run_rows: 0,
            files: Vec::new(),
            rejects: RejectsBuffer::default(),
            rejects_files: Vec::new(),
            writer_rows: 0,
            unsent: None,
            stats,
        })
    }

    pub fn pack(&mut self, row: &[u8]) -> Result<(), Error> {
        self.check_open()?;
        self.take(row).map(drop)
    }

    /// Packs each line that is not blank; stops at the first bad line, keeping the rows before it.
    /// Returns how many rows were accepted (rows kept aside as rejects are not among them). An
    /// error about the pipe rather than a line has line number 0.
    pub fn pack_lines(&mut self, rows: &[u8]) -> Result<u64, BatchError> {
        let mut accepted = 0;
        self.check_open().map_err(|error| BatchError {
            accepted: 0,
            line: 0,
            offset: 0,
            error,
        })?;
        for (line, offset, row) in row::lines(rows) {
            match self.take(row) {
                Ok(Taken::Accepted) => accepted += 1,
                Ok(Taken::KeptAside) => {}
                Err(error) => {
                    return Err(BatchError {
                        accepted,
                        line,
                        offset,
                        error,
                    })
                }
            }
        }
        Ok(accepted)
    }

    pub fn seal(&mut self) -> Result<(), Error> {
        if self.state == PipeState::Closed {
            return Err(Error::PipeClosed);
        }
        self.finish_file();
        self.upload_unsent()?;
        self.upload_rejects()?;
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

    /// Seals, validates, writes the manifest and the table config, posts the job, starts a new run;
    /// returns the manifest's key, or None when the run had no rows to send. A failure after
    /// sealing leaves the pipe sealed with its files, ready for another `send`.
    pub fn send(&mut self) -> Result<Option<String>, Error> {
        if self.state == PipeState::Closed {
            return Err(Error::PipeClosed);
        }
        let Some(job_endpoint) = self.job_endpoint.clone() else {
            return Err(Error::NoJobEndpoint);
        };
        if self.files.is_empty() && self.writer_rows == 0 && self.unsent.is_none() {
            return Ok(None);
        }
        self.options.destination.validate()?;
        self.seal()?;
        let manifest = self.create_and_upload_manifest()?;
        let config_key = self.naming.table_config(&self.run);
        self.put(
            &config_key,
            table_config::render(&self.options.destination),
            "application/x-yaml",
        )?;
        let data_date = self.run.data_date.to_string();
        job::post(&mut self.io, &self.options, &job_endpoint, &data_date)?;
        self.start_run();
        Ok(Some(manifest))
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

    /// Signs every later request with `credentials` (fresh temporary ones, say); buffered rows
    /// and files are untouched.
    pub fn set_credentials(&mut self, credentials: Credentials) -> Result<(), Error> {
        if self.state == PipeState::Closed {
            return Err(Error::PipeClosed);
        }
        let options = Options {
            credentials,
            ..self.options.clone()
        };
        options.validate()?;
        self.s3.set_credentials(options.credentials.clone());
        self.options = options;
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

    /// The rejects objects of the current run that S3 has accepted, in upload order.
    pub fn rejects(&self) -> &[FileEntry] {
        &self.rejects_files
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

    /// Checks a row, then accepts it, or keeps it aside when the options say so.
    fn take(&mut self, row: &[u8]) -> Result<Taken, Error> {
        match self.checks.check(row) {
            Ok(()) => self.accept(row).map(|()| Taken::Accepted),
            Err(error) if self.options.rejects == Rejects::Keep && error.is_about_the_row() => {
                self.keep_aside(row, &error).map(|()| Taken::KeptAside)
            }
            Err(error) => Err(error),
        }
    }

    /// Adds a refused row to the run's rejects. A rejects object that would grow past the
    /// buffer size is uploaded first; if that fails, the row is not taken.
    fn keep_aside(&mut self, row: &[u8], error: &Error) -> Result<(), Error> {
        let column_type = match error {
            Error::InvalidRow(refusal) => self.checks.column_type(&refusal.column),
            _ => "",
        };
        let line = RejectsBuffer::line(self.run_rows + 1, row, error, column_type);
        if self
            .rejects
            .would_overflow(&line, self.options.buffer_size())
        {
            self.upload_rejects()?;
        }
        self.rejects.push(line);
        self.run_rows += 1;
        self.stats.rejected_rows += 1;
        Ok(())
    }

    fn upload_rejects(&mut self) -> Result<(), Error> {
        if self.rejects.is_empty() {
            return Ok(());
        }
        let key = self
            .naming
            .rejects_file(&self.run, self.rejects_files.len() as u64);
        let body = self.rejects.bytes().to_vec();
        let entry = FileEntry {
            url: self.s3.address().s3_url(&key),
            key,
            rows: self.rejects.rows(),
            raw_bytes: body.len() as u64,
            content_length: body.len() as u64,
        };
        self.put(&entry.key, body, "application/x-ndjson")?;
        self.rejects_files.push(entry);
        self.rejects.clear();
        Ok(())
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
        self.run_rows += 1;
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

    fn drop_buffers(&mut self) {
        self.finish_file();
        self.unsent = None;
        self.rejects.clear();
    }

    fn start_run(&mut self) {
        self.drop_buffers();
        self.files.clear();
        self.rejects_files.clear();
        self.run_rows = 0;
        self.run = Run::start(self.io.now(), self.io.random_u64());
        self.stats.run_id = self.run.id.clone();
        self.stats.data_date = self.run.data_date.to_string();
        self.state = PipeState::Open;
    }
}

/// What became of a row the pipe took.
enum Taken {
    Accepted,
    /// Refused, and kept in the run's rejects.
    KeptAside,
}

#[cfg(test)]
mod tests;
