//! rio's HTTP ingest endpoint: a `wasi:http/proxy` component that takes `POST /{schema}/{table}`
//! with a newline-delimited JSON body (plain or gzip), streams it through the rio pipe in
//! batches, seals, writes the run's manifest (or sends the load to the worker when one is
//! configured) and answers with a JSON summary. `wac plug` joins it with the pipe component
//! into one component that any WASI HTTP runtime serves (README, "An HTTP ingest endpoint").

mod answer;
mod config;
mod lines;

use std::io::{BufReader, Read};

use serde_json::{json, Value};
use wasip2::http::types::{IncomingBody, IncomingRequest, Method, ResponseOutparam};

use answer::{error_kind, error_text, pipe_failure, Answer};
use bindings::rio::redshift_io::pipe::RedshiftIo;
use bindings::rio::redshift_io::types::{BatchError, Error};
use config::{Config, Misconfigured};
use lines::Stop;

mod bindings {
    wit_bindgen::generate!({
        path: ["../wit", "wit"],
        world: "rio:ingest/ingest",
        generate_all,
    });
}

/// Redshift's limit for one JSON record, the pipe's own limit for a row.
const MAX_LINE: usize = 4 * 1024 * 1024;
/// Whole lines handed to `pack-lines` at a time.
const BATCH_BYTES: usize = 1024 * 1024;
/// What one read of the body asks for.
const READ_BYTES: usize = 256 * 1024;
/// How much of a refused body is read (and dropped) before answering; past it, the runtime
/// drops the connection.
const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;

struct Ingest;

wasip2::http::proxy::export!(Ingest);

impl wasip2::exports::http::incoming_handler::Guest for Ingest {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let mut body = request.consume().ok();
        let env = wasip2::cli::environment::get_environment();
        let config = Config::from_env(&env);
        let secrets = match &config {
            Ok(config) => config.secrets.clone(),
            // Blank the secrets even when the configuration is refused.
            Err(_) => env
                .iter()
                .filter(|(k, _)| k == "AWS_SECRET_ACCESS_KEY" || k == "AWS_SESSION_TOKEN")
                .map(|(_, v)| v.clone())
                .collect(),
        };
        drop(env);
        let answer = match config {
            Ok(config) => ingest(&config, &request, &mut body),
            Err(Misconfigured(message)) => Answer::error(500, "misconfigured", message),
        };
        // A body nobody read (a refused request) is read to its end first, so that the
        // client's connection stays usable.
        if let Some(body) = body {
            if let Ok(mut stream) = body.stream() {
                drain(&mut stream);
            }
        }
        answer.send(out, &secrets);
    }
}

/// Answers the request; takes `body` when it reads it.
fn ingest(config: &Config, request: &IncomingRequest, body: &mut Option<IncomingBody>) -> Answer {
    let path = request.path_with_query().unwrap_or_default();
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let [schema, table] = segments[..] else {
        return Answer::error(404, "not-found", "rows go to POST /{schema}/{table}");
    };
    let Some(destination) = config.tables.get(&(schema.to_string(), table.to_string())) else {
        return Answer::error(
            404,
            "not-found",
            format!("no table config for {schema}.{table}"),
        );
    };
    if !matches!(request.method(), Method::Post) {
        let mut answer = Answer::error(
            405,
            "method-not-allowed",
            format!("only POST takes rows for {schema}.{table}"),
        );
        answer.headers.push(("allow", "POST".into()));
        return answer;
    }
    let gzip = match content_encoding(request) {
        Ok(gzip) => gzip,
        Err(encoding) => {
            return Answer::error(
                415,
                "unsupported-encoding",
                format!("Content-Encoding {encoding:?} is not taken: send plain or gzip NDJSON"),
            )
        }
    };
    if config.options.job_endpoint.is_some() {
        if let Err(e) = config::validate(destination) {
            return pipe_failure(&e);
        }
    }
    let pipe = match RedshiftIo::open(&config.options_for(destination)) {
        Ok(pipe) => pipe,
        Err(e) => return pipe_failure(&e),
    };
    let Some(body) = body.take() else {
        return Answer::error(500, "internal", "the request body was already taken");
    };
    let Ok(mut stream) = body.stream() else {
        return Answer::error(500, "internal", "the request body stream was already taken");
    };

    let mut accepted = 0u64;
    let pack = |lines: &[u8], lines_before: u64| -> Result<(), BatchError> {
        match pipe.pack_lines(lines) {
            Ok(n) => {
                accepted += n;
                Ok(())
            }
            Err(mut e) => {
                accepted += e.accepted;
                if e.line > 0 {
                    e.line += lines_before;
                }
                Err(e)
            }
        }
    };
    let outcome = if gzip {
        let mut reader = BufReader::with_capacity(READ_BYTES, &mut stream);
        let mut gunzip = flate2::bufread::MultiGzDecoder::new(&mut reader);
        let outcome = lines::cut(&mut gunzip, BATCH_BYTES, READ_BYTES, MAX_LINE, pack);
        if outcome.is_err() {
            drop(gunzip);
            drain(&mut reader);
        }
        outcome
    } else {
        let outcome = lines::cut(&mut stream, BATCH_BYTES, READ_BYTES, MAX_LINE, pack);
        if outcome.is_err() {
            drain(&mut stream);
        }
        outcome
    };
    drop(stream);
    drop(body);

    let refusal = match outcome.err() {
        None => None,
        Some(Stop::Batch(e)) => match e.error {
            Error::InvalidJson(_) | Error::InvalidRow(_) | Error::RowTooLarge(_) if e.line > 0 => {
                let status = if matches!(e.error, Error::RowTooLarge(_)) {
                    413
                } else {
                    400
                };
                let mut answer = Answer::error(
                    status,
                    error_kind(&e.error),
                    format!("line {}: {}", e.line, error_text(&e.error)),
                )
                .with(json!({ "line": e.line, "reason": error_text(&e.error) }));
                if let Error::InvalidRow(r) = &e.error {
                    answer = answer.with(json!({ "column": r.column }));
                }
                Some(answer)
            }
            // S3 refused a file (the row that would have gone into the next one is not taken),
            // or the pipe refused the batch: no seal, no manifest.
            error => return pipe_failure(&error).with(json!({ "accepted": accepted })),
        },
        Some(Stop::LineTooLong { line, seen }) => Some(
            Answer::error(
                413,
                "row-too-large",
                format!(
                    "line {line}: over Redshift's 4 MiB limit for a JSON record \
                     (refused after {seen} bytes of it)"
                ),
            )
            .with(
                json!({ "line": line, "reason": "over Redshift's 4 MiB limit for a JSON record" }),
            ),
        ),
        Some(Stop::Read(e)) => Some(Answer::error(
            400,
            "unreadable-body",
            if gzip {
                format!("the gzip body could not be read: {e}")
            } else {
                format!("the body could not be read: {e}")
            },
        )),
    };

    // The rows accepted before a refused line are kept: seal them, write no manifest.
    if let Err(e) = pipe.seal() {
        return pipe_failure(&e).with(json!({ "accepted": accepted }));
    }
    if let Some(answer) = refusal {
        let files = pipe.files();
        return answer.with(json!({
            "accepted": accepted,
            "files": files.len(),
            "keys": files.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(),
            "manifest": Value::Null,
        }));
    }
    // The run's own manifest. Not at the default key (`create-and-upload-manifest`): that key
    // holds only the hour, so concurrent requests for one table would overwrite each other's.
    let stats = pipe.stats();
    let manifest_name = format!("{schema}_{table}_{}.manifest", stats.run_id);
    if let Err(e) = pipe.create_and_upload_custom_manifest(&manifest_name) {
        return pipe_failure(&e).with(json!({ "accepted": accepted }));
    }
    let manifest = match &config.options.key_prefix {
        Some(prefix) if !prefix.is_empty() => format!("{prefix}/{manifest_name}"),
        _ => manifest_name,
    };
    // Summaries before `send`, which starts a new run.
    let files = pipe.files();
    let rejects = pipe.rejects();
    let sent = config.options.job_endpoint.is_some();
    // `send` writes the manifest again at the default key, the one the worker reads.
    let mut job_manifest = None;
    if sent {
        match pipe.send() {
            Ok(key) => job_manifest = key,
            Err(e) => {
                return pipe_failure(&e).with(json!({ "accepted": accepted, "manifest": manifest }))
            }
        }
    }
    Answer::new(
        200,
        json!({
            "schema": schema,
            "table": table,
            "bucket": config.options.s3_bucket,
            "rows": stats.rows,
            "files": files.len(),
            "raw_bytes": stats.raw_bytes,
            "gzip_bytes": stats.gzip_bytes,
            "manifest": manifest,
            "run_id": stats.run_id,
            "data_date": stats.data_date,
            "rejected_rows": stats.rejected_rows,
            "rejects": rejects.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(),
            "keys": files.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(),
            "sent": sent,
            "job_manifest": job_manifest,
        }),
    )
}

/// Reads what is left of a body that was refused, up to [`DRAIN_LIMIT`], and drops it.
fn drain(body: &mut impl Read) {
    let _ = std::io::copy(&mut body.take(DRAIN_LIMIT), &mut std::io::sink());
}

/// Whether the body is gzip (`Content-Encoding: gzip`); the encoding when it is neither gzip nor
/// identity.
fn content_encoding(request: &IncomingRequest) -> Result<bool, String> {
    let values = request.headers().get("content-encoding");
    let mut gzip = false;
    for value in values {
        for coding in String::from_utf8_lossy(&value).split(',') {
            match coding.trim().to_ascii_lowercase().as_str() {
                "" | "identity" => {}
                "gzip" | "x-gzip" if !gzip => gzip = true,
                other => return Err(other.to_string()),
            }
        }
    }
    Ok(gzip)
}
