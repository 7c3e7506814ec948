//! The s3-to-redshift job that `send` posts, and what its answer means (docs/job.md).

use serde::Serialize;

use crate::address::parse_http_url;
use crate::io::{Io, Request, Response};
use crate::naming::DataDate;
use crate::{Error, JobFailure, JobFormat, Options};

/// The most of a rejected job's answer that an error carries.
const ANSWER_EXCERPT: usize = 1024;

/// What the worker is asked to load.
#[derive(Debug, Serialize)]
pub struct Job<'a> {
    pub bucket: &'a str,
    pub schema: &'a str,
    pub tables: &'a str,
    pub date: &'a str,
    pub gzip: bool,
    pub truncate: bool,
    pub force: bool,
}

impl Job<'_> {
    /// The request body and its content type.
    pub fn render(&self, format: JobFormat) -> (Vec<u8>, &'static str) {
        match format {
            JobFormat::Argv => (self.argv().into_bytes(), "text/plain"),
            JobFormat::Json => (
                serde_json::to_vec(self).expect("a job always serializes"),
                "application/json",
            ),
        }
    }

    /// The POST of this job to `endpoint`, its body in `body` (from [`render`](Self::render)).
    pub fn request<'a>(
        endpoint: &http::Uri,
        (body, content_type): &'a (Vec<u8>, &'static str),
    ) -> Result<Request<'a>, Error> {
        http::Request::post(endpoint)
            .header("content-type", *content_type)
            .header("content-length", body.len())
            .body(std::slice::from_ref(body))
            .map_err(|e| Error::invalid_options(format!("job endpoint: {e}")))
    }

    /// The worker splits this on spaces, as argv; no value holds a space.
    fn argv(&self) -> String {
        let mut argv = format!(
            "--bucket {} --schema {} --tables {} --date {}",
            self.bucket, self.schema, self.tables, self.date
        );
        for (flag, on) in [
            (" --gzip", self.gzip),
            (" --truncate", self.truncate),
            (" --force", self.force),
        ] {
            if on {
                argv.push_str(flag);
            }
        }
        argv
    }
}

/// Posts the job for the run dated `data_date` to `endpoint`: one POST, never retried, so that a
/// worker that did get a job never gets it twice.
pub fn post(
    io: &mut impl Io,
    options: &Options,
    endpoint: &http::Uri,
    data_date: &str,
) -> Result<(), Error> {
    let job = Job {
        bucket: &options.bucket,
        schema: &options.destination.schema,
        tables: &options.destination.table,
        date: data_date,
        gzip: true,
        truncate: options.truncate,
        force: options.force,
    };
    let body = job.render(options.job_format);
    let response = io
        .send(&Job::request(endpoint, &body)?)
        .map_err(|e| Error::JobUnreachable(format!("{} ({})", e.message, e.code)))?;
    check_answer(&response)
}

/// Posts the job of an earlier run whose objects are in S3 already, dated `data_date`: the last
/// step of `send`, again, for a send whose job failed.
pub fn post_again(io: &mut impl Io, options: &Options, data_date: &str) -> Result<(), Error> {
    options.destination.validate_names()?;
    if DataDate::parse(data_date).is_none() {
        return Err(Error::invalid_options(format!(
            "date {data_date:?}: expected a run's data date, such as 2026-11-25T17:00:00Z"
        )));
    }
    let Some(url) = &options.job_endpoint else {
        return Err(Error::NoJobEndpoint);
    };
    post(
        io,
        options,
        &parse_http_url("job endpoint", url)?,
        data_date,
    )
}

/// A 2xx answer is success; any other is an error carrying the status and the answer's start.
pub fn check_answer(response: &Response) -> Result<(), Error> {
    if response.status().is_success() {
        return Ok(());
    }
    let excerpt = &response.body()[..response.body().len().min(ANSWER_EXCERPT)];
    Err(Error::JobRejected(JobFailure {
        status: response.status().as_u16(),
        body: String::from_utf8_lossy(excerpt).into_owned(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(truncate: bool, force: bool) -> Job<'static> {
        Job {
            bucket: "my-bucket",
            schema: "analytics",
            tables: "events",
            date: "2026-11-25T17:00:00Z",
            gzip: true,
            truncate,
            force,
        }
    }

    #[test]
    fn argv_payload() {
        let (body, content_type) = job(false, false).render(JobFormat::Argv);
        assert_eq!(content_type, "text/plain");
        assert_eq!(body, b"--bucket my-bucket --schema analytics --tables events --date 2026-11-25T17:00:00Z --gzip");
        let (body, _) = job(true, true).render(JobFormat::Argv);
        assert!(body.ends_with(b" --gzip --truncate --force"));
        let (body, _) = job(false, true).render(JobFormat::Argv);
        assert!(body.ends_with(b" --gzip --force"));
    }

    #[test]
    fn json_payload() {
        let (body, content_type) = job(true, false).render(JobFormat::Json);
        assert_eq!(content_type, "application/json");
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"bucket":"my-bucket","schema":"analytics","tables":"events","date":"2026-11-25T17:00:00Z","gzip":true,"truncate":true,"force":false}"#
        );
    }
}
