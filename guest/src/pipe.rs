//! The pipe's state machine (SPEC §4): rows in, bounded gzip files out, manifests and jobs on demand.

use crate::config::{check_key, invalid_options, parse_http_url, Options};
use crate::gzip::GzipWriter;
use crate::io::Io;
use crate::job::Job;
use crate::naming::{Naming, Run};
use crate::s3::S3;
use crate::{manifest, row, table_config, BatchError, Error, JobFailure};

/// The most of a rejected job's answer that an error carries.
const JOB_BODY_EXCERPT: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipeState {
    Open,
    Sealed,
    Closed,
}

/// A data file of the current run that S3 has accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub key: String,
    pub url: String,
    pub rows: u64,
    pub raw_bytes: u64,
    /// Size of the gzip object.
    pub content_length: u64,
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
        check_key("manifest key", key, false).map_err(Error::InvalidOptions)?;
        let key = self.naming.custom(key);
        self.put(&key, manifest::render(&self.files), "application/json")
    }

    /// Writes the run's manifest where `send` puts it (SPEC §1) and returns its key.
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
            url: self.s3.url(&unsent.key),
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
        let (body, content_type) = job.render(self.options.job_format);
        let request = http::Request::post(endpoint)
            .header("content-type", content_type)
            .header("content-length", body.len())
            .body(std::slice::from_ref(&body))
            .map_err(|e| invalid_options(format!("job endpoint: {e}")))?;
        let response = self
            .io
            .send(&request)
            .map_err(|e| Error::Http(format!("{} ({})", e.message, e.code)))?;
        if response.status().is_success() {
            return Ok(());
        }
        let excerpt = &response.body()[..response.body().len().min(JOB_BODY_EXCERPT)];
        Err(Error::JobRejected(JobFailure {
            status: response.status().as_u16(),
            body: String::from_utf8_lossy(excerpt).into_owned(),
        }))
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
mod tests {
    use super::*;
    use crate::config::{Column, ColumnType, Credentials, DestinationConfig, JobFormat};
    use crate::fake_io::{FakeIo, Fault};
    use crate::naming::tests::START;
    use crate::RetryPolicy;
    use miniz_oxide::inflate::decompress_to_vec;

    const RUN_ID: &str = "1795628525-89abcdef";
    const DATE: &str = "2026-11-25T17:00:00Z";

    fn destination() -> DestinationConfig {
        let column = |name: &str, column_type, sort_ord| Column {
            name: name.into(),
            column_type,
            sort_ord,
            dist_key: false,
            default_val: None,
            not_null: false,
            primary_key: false,
        };
        DestinationConfig {
            schema: "analytics".into(),
            table: "events".into(),
            columns: vec![
                column("time", ColumnType::Timestamp, 1),
                column("id", ColumnType::Text, 0),
            ],
            data_timestamp_column: Some("time".into()),
        }
    }

    fn options() -> Options {
        let credentials = Credentials {
            access_key_id: "AK".into(),
            secret_access_key: "SK".into(),
            session_token: None,
        };
        Options {
            endpoint: Some("http://127.0.0.1:9000".into()),
            job_endpoint: Some("http://127.0.0.1:8080/jobs".into()),
            ..Options::new(destination(), "bucket", credentials)
        }
    }

    fn open_with(options: Options) -> (Pipe<FakeIo>, FakeIo) {
        let io = FakeIo::default();
        (Pipe::open(options, io.clone()).unwrap(), io)
    }

    fn open() -> (Pipe<FakeIo>, FakeIo) {
        open_with(options())
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        // The fake stores each object whole.
        decompress_to_vec(&bytes[10..bytes.len() - 8]).unwrap()
    }

    fn row(i: usize) -> Vec<u8> {
        format!(r#"{{"time":"2026-11-25T17:{:02}:00","id":"r{i}"}}"#, i % 60).into_bytes()
    }

    fn data_file(n: u64) -> String {
        format!("analytics_events_{RUN_ID}_{n}.json.gz")
    }

    // --- pack ---

    #[test]
    fn pack_buffers_rows_without_uploading() {
        let (mut pipe, io) = open();
        pipe.pack(&row(1)).unwrap();
        pipe.pack(b"  {\"a\": 1}  ").unwrap();
        assert!(io.world().requests.is_empty());
        let stats = pipe.stats();
        assert_eq!((stats.buffered_rows, stats.rows), (2, 2));
        assert_eq!(stats.buffered_raw_bytes, row(1).len() as u64 + 1 + 12 + 1);
    }

    #[test]
    fn pack_on_sealed_and_closed_pipes() {
        let (mut pipe, _) = open();
        pipe.seal().unwrap();
        assert_eq!(pipe.pack(&row(1)), Err(Error::PipeSealed));
        pipe.close_without_sending().unwrap();
        assert_eq!(pipe.pack(&row(1)), Err(Error::PipeClosed));
    }

    #[test]
    fn a_bad_row_changes_nothing() {
        let (mut pipe, _) = open();
        pipe.pack(&row(1)).unwrap();
        let before = pipe.stats();
        assert!(matches!(pipe.pack(b"[1]"), Err(Error::InvalidJson { .. })));
        assert!(matches!(
            pipe.pack(b"{\"a\":1}{\"b\":2}"),
            Err(Error::InvalidJson { offset: 7, .. })
        ));
        assert_eq!(pipe.stats(), before);
    }

    #[test]
    fn files_are_cut_before_they_pass_the_buffer_size() {
        let row_size = row(0).len() as u64 + 1;
        let (mut pipe, io) = open_with(Options {
            buffer_size: Some(row_size * 3 + 5),
            ..options()
        });
        for i in 0..10 {
            pipe.pack(&row(i)).unwrap();
        }
        // Three rows fit in a file; the fourth starts the next one.
        assert_eq!(io.data_puts(), 3);
        pipe.seal().unwrap();
        let files = pipe.files().to_vec();
        assert_eq!(
            files.iter().map(|f| f.rows).collect::<Vec<_>>(),
            vec![3, 3, 3, 1]
        );
        let world = io.world();
        let mut all = Vec::new();
        for (n, file) in files.iter().enumerate() {
            assert_eq!(file.key, data_file(n as u64));
            assert_eq!(file.url, format!("s3://bucket/{}", file.key));
            let object = &world.objects[&file.key];
            assert_eq!(file.content_length, object.len() as u64);
            let raw = gunzip(object);
            assert!(raw.len() as u64 <= row_size * 3 + 5);
            assert_eq!(file.raw_bytes, raw.len() as u64);
            all.extend(raw);
        }
        let expected: Vec<u8> = (0..10)
            .flat_map(|i| [row(i), b"\n".to_vec()].concat())
            .collect();
        assert_eq!(all, expected);
    }

    #[test]
    fn a_row_larger_than_the_buffer_gets_a_file_of_its_own() {
        let (mut pipe, _) = open_with(Options {
            buffer_size: Some(10),
            ..options()
        });
        pipe.pack(&row(1)).unwrap();
        pipe.pack(&row(2)).unwrap();
        pipe.seal().unwrap();
        assert_eq!(
            pipe.files().iter().map(|f| f.rows).collect::<Vec<_>>(),
            vec![1, 1]
        );
    }

    #[test]
    fn a_failed_upload_refuses_the_row_and_a_retry_duplicates_nothing() {
        let row_size = row(0).len() as u64 + 1;
        let options = Options {
            buffer_size: Some(row_size * 2),
            retry: Some(RetryPolicy {
                max_attempts: 1,
                ..Default::default()
            }),
            ..options()
        };
        let (mut pipe, io) = open_with(options);
        pipe.pack(&row(0)).unwrap();
        pipe.pack(&row(1)).unwrap();
        io.fail_next([Fault::Status(503, "SlowDown")]);
        let error = pipe.pack(&row(2)).unwrap_err();
        assert!(
            matches!(&error, Error::S3(f) if f.code == "SlowDown" && f.status == 503 && f.key == data_file(0)),
            "{error:?}"
        );
        assert_eq!(pipe.stats().rows, 2);
        assert_eq!(pipe.stats().buffered_rows, 2);
        pipe.pack(&row(2)).unwrap();
        pipe.seal().unwrap();
        let world = io.world();
        assert_eq!(
            gunzip(&world.objects[&data_file(0)]),
            [row(0), b"\n".to_vec(), row(1), b"\n".to_vec()].concat()
        );
        assert_eq!(
            gunzip(&world.objects[&data_file(1)]),
            [row(2), b"\n".to_vec()].concat()
        );
        assert_eq!(world.objects.len(), 2);
    }

    // --- pack_lines ---

    #[test]
    fn pack_lines_packs_each_non_blank_line() {
        let (mut pipe, io) = open();
        let batch = [
            row(1),
            b"\n\n  \n".to_vec(),
            row(2),
            b"\r\n".to_vec(),
            row(3),
        ]
        .concat();
        assert_eq!(pipe.pack_lines(&batch), Ok(3));
        pipe.seal().unwrap();
        let stored = gunzip(&io.world().objects[&data_file(0)]);
        assert_eq!(
            stored,
            [
                row(1),
                b"\n".to_vec(),
                row(2),
                b"\r\n".to_vec(),
                row(3),
                b"\n".to_vec()
            ]
            .concat()
        );
    }

    #[test]
    fn pack_lines_stops_at_a_bad_line_and_keeps_what_came_before() {
        let (mut pipe, _) = open();
        let batch = [
            row(1),
            b"\n\n".to_vec(),
            row(2),
            b"\n{\"broken\": \n".to_vec(),
            row(3),
        ]
        .concat();
        let error = pipe.pack_lines(&batch).unwrap_err();
        assert_eq!((error.accepted, error.line), (2, 4));
        assert!(
            matches!(error.error, Error::InvalidJson { offset: 10, .. }),
            "{:?}",
            error.error
        );
        assert_eq!(pipe.stats().rows, 2);
    }

    #[test]
    fn pack_lines_on_a_sealed_pipe() {
        let (mut pipe, _) = open();
        pipe.seal().unwrap();
        assert_eq!(
            pipe.pack_lines(&row(1)).unwrap_err().error,
            Error::PipeSealed
        );
    }

    // --- seal / unseal ---

    #[test]
    fn seal_flushes_then_refuses_rows_until_unsealed() {
        let (mut pipe, io) = open();
        pipe.pack(&row(1)).unwrap();
        pipe.seal().unwrap();
        assert_eq!(io.data_puts(), 1);
        assert_eq!(pipe.stats().state, PipeState::Sealed);
        pipe.seal().unwrap();
        assert_eq!(io.data_puts(), 1, "sealing a sealed pipe uploads nothing");
        pipe.unseal().unwrap();
        pipe.unseal().unwrap();
        assert_eq!(pipe.stats().state, PipeState::Open);
        pipe.pack(&row(2)).unwrap();
        pipe.seal().unwrap();
        assert_eq!(pipe.files().len(), 2);
    }

    #[test]
    fn sealing_an_empty_pipe_uploads_nothing() {
        let (mut pipe, io) = open();
        pipe.seal().unwrap();
        assert!(io.world().requests.is_empty());
    }

    #[test]
    fn a_failed_seal_leaves_the_pipe_open_with_its_rows() {
        let (mut pipe, io) = open_with(Options {
            retry: Some(RetryPolicy {
                max_attempts: 2,
                ..Default::default()
            }),
            ..options()
        });
        pipe.pack(&row(1)).unwrap();
        io.fail_next([Fault::Status(500, "InternalError"), Fault::Transport(true)]);
        assert!(matches!(pipe.seal(), Err(Error::S3(f)) if f.attempts == 2 && f.status == 0));
        assert_eq!(pipe.stats().state, PipeState::Open);
        assert_eq!(pipe.stats().buffered_rows, 1);
        pipe.seal().unwrap();
        assert_eq!(pipe.files().len(), 1);
        assert_eq!(pipe.stats().retries, 1);
    }

    #[test]
    fn seal_unseal_on_a_closed_pipe() {
        let (mut pipe, _) = open();
        pipe.close_without_sending().unwrap();
        assert_eq!(pipe.seal(), Err(Error::PipeClosed));
        assert_eq!(pipe.unseal(), Err(Error::PipeClosed));
    }

    // --- retries ---

    #[test]
    fn retryable_failures_are_retried_with_backoff() {
        let (mut pipe, io) = open();
        pipe.pack(&row(1)).unwrap();
        io.fail_next([
            Fault::Status(503, "SlowDown"),
            Fault::Status(400, "RequestTimeout"),
            Fault::Status(429, "TooManyRequests"),
            Fault::Transport(true),
        ]);
        pipe.seal().unwrap();
        assert_eq!(pipe.stats().retries, 4);
        let world = io.world();
        assert_eq!(world.slept.len(), 4);
        let policy = RetryPolicy::default();
        for (retry, pause) in (1..).zip(&world.slept) {
            assert!(
                *pause <= policy.base_delay * 2u32.pow(retry - 1),
                "retry {retry} slept {pause:?}"
            );
        }
    }

    #[test]
    fn other_4xx_fail_at_once_naming_code_key_and_request() {
        let (mut pipe, io) = open();
        pipe.pack(&row(1)).unwrap();
        io.fail_next([Fault::Status(403, "SignatureDoesNotMatch")]);
        let Err(Error::S3(failure)) = pipe.seal() else {
            panic!("expected an S3 failure")
        };
        assert_eq!(failure.status, 403);
        assert_eq!(failure.code, "SignatureDoesNotMatch");
        assert_eq!(failure.message, "injected");
        assert_eq!(failure.request_id, "req-1");
        assert_eq!(failure.key, data_file(0));
        assert_eq!(failure.attempts, 1);
        assert!(io.world().slept.is_empty());
    }

    #[test]
    fn attempts_stop_at_the_policy_limit() {
        let (mut pipe, io) = open();
        pipe.pack(&row(1)).unwrap();
        io.fail_next(std::iter::repeat_n(Fault::Status(500, "InternalError"), 5));
        let Err(Error::S3(failure)) = pipe.seal() else {
            panic!("expected an S3 failure")
        };
        assert_eq!(failure.attempts, 5);
        assert_eq!(io.world().requests.len(), 5);
        pipe.seal().unwrap();
    }

    #[test]
    fn a_refusal_by_the_host_is_not_retried() {
        let (mut pipe, io) = open();
        pipe.pack(&row(1)).unwrap();
        io.fail_next([Fault::Transport(false)]);
        assert!(matches!(pipe.seal(), Err(Error::S3(f)) if f.attempts == 1));
    }

    // --- custom manifest ---

    #[test]
    fn custom_manifest_lists_every_file_of_the_run() {
        let (mut pipe, io) = open_with(Options {
            buffer_size: Some(60),
            key_prefix: Some("etl".into()),
            ..options()
        });
        assert_eq!(
            pipe.create_and_upload_custom_manifest("m.manifest"),
            Err(Error::NotSealed)
        );
        for i in 0..3 {
            pipe.pack(&row(i)).unwrap();
        }
        pipe.seal().unwrap();
        pipe.create_and_upload_custom_manifest("loads/today.manifest")
            .unwrap();
        let world = io.world();
        let manifest: serde_json::Value =
            serde_json::from_slice(&world.objects["etl/loads/today.manifest"]).unwrap();
        let entries = manifest["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 3);
        for (n, entry) in entries.iter().enumerate() {
            let key = format!("etl/{}", data_file(n as u64));
            assert_eq!(entry["url"], format!("s3://bucket/{key}"));
            assert_eq!(entry["mandatory"], true);
            assert_eq!(entry["meta"]["content_length"], world.objects[&key].len());
        }
    }

    #[test]
    fn the_default_manifest_goes_where_send_puts_it() {
        let (mut pipe, io) = open_with(Options {
            key_prefix: Some("etl".into()),
            ..options()
        });
        assert_eq!(pipe.create_and_upload_manifest(), Err(Error::NotSealed));
        pipe.pack(&row(1)).unwrap();
        pipe.seal().unwrap();
        let key = pipe.create_and_upload_manifest().unwrap();
        assert_eq!(key, format!("etl/analytics_events_{DATE}.manifest"));
        assert_eq!(io.world().objects[&key], manifest::render(pipe.files()));
        pipe.close_without_sending().unwrap();
        assert_eq!(pipe.create_and_upload_manifest(), Err(Error::PipeClosed));
    }

    #[test]
    fn custom_manifest_keys_are_checked() {
        let (mut pipe, _) = open();
        pipe.seal().unwrap();
        for key in ["", "/abs.manifest", "s3://bucket/m.manifest", "a/../b"] {
            assert!(
                matches!(
                    pipe.create_and_upload_custom_manifest(key),
                    Err(Error::InvalidOptions(_))
                ),
                "{key:?}"
            );
        }
        pipe.close_without_sending().unwrap();
        assert_eq!(
            pipe.create_and_upload_custom_manifest("m"),
            Err(Error::PipeClosed)
        );
    }

    // --- send ---

    #[test]
    fn send_writes_manifest_and_config_posts_the_job_and_starts_a_new_run() {
        let (mut pipe, io) = open();
        pipe.pack(&row(1)).unwrap();
        io.world().now =
            Some(crate::naming::tests::start_time() + std::time::Duration::from_secs(3600));
        pipe.send().unwrap();
        {
            let world = io.world();
            let keys: Vec<_> = world.objects.keys().cloned().collect();
            assert_eq!(
                keys,
                vec![
                    data_file(0),
                    format!("analytics_events_{DATE}.manifest"),
                    format!("config_analytics_events_{DATE}.yml"),
                ]
            );
            let manifest = String::from_utf8(world.objects[&keys[1]].clone()).unwrap();
            assert_eq!(
                manifest,
                format!(
                    r#"{{"entries":[{{"url":"s3://bucket/{}","mandatory":true,"meta":{{"content_length":{}}}}}]}}"#,
                    data_file(0),
                    world.objects[&data_file(0)].len()
                )
            );
            assert!(world.objects[&keys[2]].starts_with(b"events:\n  dest: events\n"));
            assert_eq!(world.jobs.len(), 1);
            assert_eq!(world.jobs[0].0, "text/plain");
            assert_eq!(
                String::from_utf8(world.jobs[0].1.clone()).unwrap(),
                format!("--bucket bucket --schema analytics --tables events --date {DATE} --gzip")
            );
            assert_eq!(world.requests.last().unwrap(), "POST /jobs");
        }
        let stats = pipe.stats();
        assert_eq!(stats.state, PipeState::Open);
        assert!(pipe.files().is_empty());
        assert_eq!(stats.run_id, format!("{}-89abcdef", START + 3600));
        assert_eq!(stats.data_date, "2026-11-25T18:00:00Z");
    }

    #[test]
    fn send_with_json_payload_and_flags() {
        let (mut pipe, io) = open_with(Options {
            job_format: JobFormat::Json,
            truncate: true,
            force: true,
            ..options()
        });
        pipe.pack(&row(1)).unwrap();
        pipe.send().unwrap();
        let world = io.world();
        assert_eq!(world.jobs[0].0, "application/json");
        let job: serde_json::Value = serde_json::from_slice(&world.jobs[0].1).unwrap();
        assert_eq!(
            job,
            serde_json::json!({"bucket":"bucket","schema":"analytics","tables":"events","date":DATE,"gzip":true,"truncate":true,"force":true})
        );
    }

    #[test]
    fn send_needs_a_job_endpoint() {
        let (mut pipe, _) = open_with(Options {
            job_endpoint: None,
            ..options()
        });
        pipe.pack(&row(1)).unwrap();
        assert_eq!(pipe.send(), Err(Error::NoJobEndpoint));
        assert_eq!(pipe.stats().buffered_rows, 1);
    }

    #[test]
    fn send_with_nothing_packed_does_nothing() {
        let (mut pipe, io) = open();
        pipe.send().unwrap();
        pipe.seal().unwrap();
        pipe.send().unwrap();
        assert!(io.world().requests.is_empty());
        assert_eq!(pipe.stats().state, PipeState::Sealed);
    }

    #[test]
    fn send_validates_before_uploading_anything() {
        let mut destination = destination();
        destination.columns[1].name = "Id".into();
        let (mut pipe, io) = open_with(Options {
            destination,
            ..options()
        });
        pipe.pack(&row(1)).unwrap();
        assert!(matches!(pipe.send(), Err(Error::InvalidConfig(m)) if m.contains("\"Id\"")));
        assert!(io.world().requests.is_empty());
        assert_eq!(pipe.stats().state, PipeState::Open);
    }

    #[test]
    fn a_rejected_job_leaves_the_pipe_sealed_and_a_resend_uploads_no_data_again() {
        let (mut pipe, io) = open();
        pipe.pack(&row(1)).unwrap();
        io.world().job_status = Some(500);
        let error = pipe.send().unwrap_err();
        assert_eq!(
            error,
            Error::JobRejected(JobFailure {
                status: 500,
                body: "worker says hi".into()
            })
        );
        assert_eq!(pipe.stats().state, PipeState::Sealed);
        assert_eq!(pipe.files().len(), 1);
        io.world().job_status = None;
        pipe.send().unwrap();
        assert_eq!(io.data_puts(), 1);
        assert_eq!(io.world().jobs.len(), 2);
        assert_eq!(pipe.stats().state, PipeState::Open);
    }

    #[test]
    fn an_unreachable_job_endpoint_is_an_http_error() {
        let (mut pipe, io) = open();
        pipe.pack(&row(1)).unwrap();
        pipe.seal().unwrap();
        io.fail_next([
            Fault::Status(200, "unused"),
            Fault::Status(200, "unused"),
            Fault::Transport(true),
        ]);
        assert_eq!(
            pipe.send(),
            Err(Error::Http("injected (ConnectionRefused)".into()))
        );
        assert_eq!(pipe.stats().state, PipeState::Sealed);
    }

    #[test]
    fn send_on_a_closed_pipe() {
        let (mut pipe, _) = open();
        pipe.close_without_sending().unwrap();
        assert_eq!(pipe.send(), Err(Error::PipeClosed));
    }

    // --- close ---

    #[test]
    fn close_sends_then_closes_for_good() {
        let (mut pipe, io) = open();
        pipe.pack(&row(1)).unwrap();
        pipe.close().unwrap();
        assert_eq!(io.world().jobs.len(), 1);
        assert_eq!(pipe.stats().state, PipeState::Closed);
        pipe.close().unwrap();
        assert_eq!(io.world().jobs.len(), 1);
    }

    #[test]
    fn a_failed_close_does_not_close() {
        let (mut pipe, io) = open();
        pipe.pack(&row(1)).unwrap();
        io.world().job_status = Some(503);
        assert!(pipe.close().is_err());
        assert_eq!(pipe.stats().state, PipeState::Sealed);
    }

    #[test]
    fn close_without_sending_drops_the_buffer() {
        let (mut pipe, io) = open();
        pipe.pack(&row(1)).unwrap();
        pipe.close_without_sending().unwrap();
        pipe.close_without_sending().unwrap();
        assert!(io.world().requests.is_empty());
        assert_eq!(pipe.stats().buffered_rows, 0);
        assert_eq!(pipe.stats().state, PipeState::Closed);
    }

    // --- reset ---

    #[test]
    fn reset_starts_a_new_empty_open_run() {
        let (mut pipe, io) = open();
        pipe.pack(&row(1)).unwrap();
        pipe.seal().unwrap();
        pipe.pack(&row(2)).unwrap_err();
        io.world().now =
            Some(crate::naming::tests::start_time() + std::time::Duration::from_secs(10));
        pipe.reset().unwrap();
        let stats = pipe.stats();
        assert_eq!((stats.state, stats.buffered_rows), (PipeState::Open, 0));
        assert_eq!(stats.run_id, format!("{}-89abcdef", START + 10));
        assert!(pipe.files().is_empty());
        pipe.close_without_sending().unwrap();
        assert_eq!(pipe.reset(), Err(Error::PipeClosed));
    }

    // --- keys ---

    #[test]
    fn keys_with_reserved_and_non_ascii_characters_round_trip() {
        let (mut pipe, io) = open_with(Options {
            key_prefix: Some("a b:c+d=é".into()),
            ..options()
        });
        pipe.pack(&row(1)).unwrap();
        pipe.seal().unwrap();
        pipe.create_and_upload_custom_manifest("x y+z=ü:1.manifest")
            .unwrap();
        let world = io.world();
        assert!(world.requests.contains(&format!(
            "PUT /bucket/a%20b%3Ac%2Bd%3D%C3%A9/analytics_events_{RUN_ID}_0.json.gz"
        )));
        assert!(world.requests.contains(
            &"PUT /bucket/a%20b%3Ac%2Bd%3D%C3%A9/x%20y%2Bz%3D%C3%BC%3A1.manifest".to_string()
        ));
        assert!(world.objects.contains_key("a b:c+d=é/x y+z=ü:1.manifest"));
    }

    #[test]
    fn open_refuses_bad_options() {
        for options in [
            Options {
                endpoint: Some("ftp://host".into()),
                ..options()
            },
            Options {
                endpoint: Some("not a url".into()),
                ..options()
            },
            Options {
                endpoint: Some("http://host:9000/base".into()),
                ..options()
            },
            Options {
                job_endpoint: Some("localhost:8080".into()),
                ..options()
            },
        ] {
            assert!(matches!(
                Pipe::open(options, FakeIo::default()),
                Err(Error::InvalidOptions(_))
            ));
        }
    }
}
