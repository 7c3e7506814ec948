//! What the component may touch: no files, no environment, no sockets of its own, and HTTP to
//! the authorities on its allow-list only, within the time and memory limits.

use std::future::Future;
use std::sync::{Arc, Mutex};

use http::Uri;
use wasmtime::component::ResourceTable;
use wasmtime::ResourceLimiter;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{
    Error as HttpError, RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks,
    WasiHttpView,
};

use crate::options::{Limits, Options};
use crate::sender::{Connection, Sender, Timeouts};
use crate::{with_guest, Error};

/// The authorities (`host:port`) the component may send requests to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowList {
    authorities: Vec<String>,
}

impl AllowList {
    /// Exactly these authorities, as `host:port`.
    pub fn new(authorities: impl IntoIterator<Item = impl Into<String>>) -> Self {
        AllowList {
            authorities: authorities
                .into_iter()
                .map(|a| a.into().to_ascii_lowercase())
                .collect(),
        }
    }

    /// Exactly what a pipe with these options sends requests to, as the component itself says:
    /// the S3 endpoint (the bucket's own host for virtual-hosted addressing) and the job endpoint.
    pub fn for_options(options: &Options) -> Result<Self, Error> {
        let options = options.to_wit();
        let authorities = with_guest(|guest, store| guest.call_authorities(store, &options))?;
        Ok(AllowList::new(authorities))
    }

    pub fn permits(&self, uri: &Uri) -> bool {
        authority_of(&uri.to_string())
            .is_some_and(|authority| self.authorities.contains(&authority))
    }
}

impl std::fmt::Display for AllowList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.authorities.join(", "))
    }
}

/// `host:port`, lowercase, with the scheme's default port made explicit.
fn authority_of(url: &str) -> Option<String> {
    let uri: Uri = url.parse().ok()?;
    let default_port = if uri.scheme_str() == Some("https") {
        443
    } else {
        80
    };
    let authority = uri.authority()?;
    Some(format!(
        "{}:{}",
        authority.host().to_ascii_lowercase(),
        authority.port_u16().unwrap_or(default_port)
    ))
}

/// The wasi:http hooks: refuse what is not on the list, bound the time of what is, and send
/// it with the host's own sender.
struct Gate {
    allow: AllowList,
    limits: Limits,
    /// The last authority refused, for the error message.
    refused: Arc<Mutex<Option<String>>>,
    sender: Sender,
}

type Outgoing =
    Box<dyn Future<Output = Result<(http::Response<WasiBody>, Connection), HttpError>> + Send>;

impl WasiHttpHooks for Gate {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        _options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Outgoing {
        if !self.allow.permits(request.uri()) {
            *self.refused.lock().unwrap_or_else(|e| e.into_inner()) =
                request.uri().authority().map(|a| a.to_string());
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        // The host's limits, whatever the guest asked for.
        let timeouts = Timeouts {
            connect: self.limits.connect_timeout,
            first_byte: self.limits.response_timeout,
            between_bytes: self.limits.idle_timeout,
        };
        Box::new(self.sender.send(request, timeouts))
    }
}

/// The state of one component instance's store.
pub(crate) struct Sandbox {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    gate: Gate,
    pub(crate) memory: MemoryLimiter,
}

/// Bounds the component's linear memory and remembers the most it held.
pub(crate) struct MemoryLimiter {
    limit: usize,
    peak: usize,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit {
            // An error traps the component with this message instead of a bare allocation failure.
            return Err(wasmtime::format_err!(
                "the component needs more than its memory limit of {} MiB (Limits::memory_bytes)",
                self.limit >> 20
            ));
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

impl Sandbox {
    pub(crate) fn new(allow: AllowList, limits: Limits, sender: Sender) -> Self {
        // A bare context: no preopened directories, no environment, no arguments, no sockets.
        let wasi = WasiCtx::builder()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        Sandbox {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            memory: MemoryLimiter {
                limit: limits.memory_bytes,
                peak: 0,
            },
            gate: Gate {
                allow,
                limits,
                refused: Arc::default(),
                sender,
            },
        }
    }

    /// Names what the host refused: the component itself only learns that the sandbox refused
    /// a request, or that a certificate was not trusted. Both are forgotten once read.
    pub(crate) fn explain(&mut self, mut error: Error) -> Error {
        let refused = self
            .gate
            .refused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let certificate = self.gate.sender.take_refused_certificate();
        if let Some(authority) = refused {
            let why = format!(
                "{authority} is not on the sandbox's allow-list ({})",
                self.gate.allow
            );
            match &mut error {
                Error::S3(failure) => failure.message = why,
                Error::JobUnreachable(message) => *message = why,
                _ => {}
            }
        } else if let Some(why) = certificate {
            const CODE: &str = "TlsCertificateError";
            match &mut error {
                Error::S3(failure) if failure.code == CODE => failure.message = why,
                Error::JobUnreachable(message) if message.ends_with(&format!("({CODE})")) => {
                    *message = format!("{why} ({CODE})")
                }
                _ => {}
            }
        }
        error
    }

    pub(crate) fn peak_memory(&self) -> usize {
        self.memory.peak
    }
}

impl WasiView for Sandbox {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Sandbox {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.gate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities_compare_with_default_ports_and_any_case() {
        let allow = AllowList::new(["s3.us-east-1.amazonaws.com:443", "127.0.0.1:9000"]);
        assert!(allow.permits(
            &"https://S3.us-east-1.amazonaws.com/bucket/key"
                .parse()
                .unwrap()
        ));
        assert!(allow.permits(&"http://127.0.0.1:9000/bucket/key".parse().unwrap()));
        assert!(!allow.permits(&"http://127.0.0.1:9001/bucket/key".parse().unwrap()));
        assert!(!allow.permits(
            &"http://s3.us-east-1.amazonaws.com/bucket/key"
                .parse()
                .unwrap()
        ));
        assert!(!allow.permits(&"https://evil.example/".parse().unwrap()));
    }

    #[test]
    fn derived_from_the_options() {
        let destination = crate::DestinationConfig {
            schema: "s".into(),
            table: "t".into(),
            columns: vec![],
            data_timestamp_column: None,
        };
        let mut options = Options::new(destination, "bucket");
        options.endpoint = Some("http://localhost:9000".into());
        options.job_endpoint = Some("https://worker.internal/jobs".into());
        assert_eq!(
            AllowList::for_options(&options).unwrap(),
            AllowList::new(["localhost:9000", "worker.internal:443"])
        );
        options.addressing = crate::Addressing::VirtualHosted;
        options.job_endpoint = None;
        assert_eq!(
            AllowList::for_options(&options).unwrap(),
            AllowList::new(["bucket.localhost:9000"])
        );
    }
}
