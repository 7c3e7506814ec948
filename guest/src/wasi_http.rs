//! [`Io`] over the imported `wasi:http/outgoing-handler`, wasi clocks and wasi random.

use std::time::{Duration, SystemTime};

use wasi::http::outgoing_handler;
use wasi::http::types::{
    ErrorCode, Fields, IncomingResponse, Method, OutgoingBody, OutgoingRequest, Scheme,
};
use wasi::io::streams::{OutputStream, StreamError};

use crate::io::{Io, Request, Response, TransportError, TransportErrorKind};

/// Error answers are short; a job endpoint's page could be long: read no more than this of it.
const MAX_RESPONSE_BODY: usize = 64 * 1024;

pub struct WasiHttp;

impl Io for WasiHttp {
    fn send(&mut self, request: &Request<'_>) -> Result<Response, TransportError> {
        let outgoing = outgoing_request(request)?;
        let body = outgoing
            .body()
            .map_err(|()| internal("the request body was already taken"))?;
        // Hand the request over before writing the body: the host buffers only so much of it.
        let future = outgoing_handler::handle(outgoing, None).map_err(transport_error)?;
        let stream = body
            .write()
            .map_err(|()| internal("the body stream was already taken"))?;
        // A failed write means the server already answered (or hung up): the outcome is in the response.
        let _ = request
            .body()
            .iter()
            .try_for_each(|piece| write_all(&stream, piece))
            .and_then(|()| stream.blocking_flush());
        drop(stream);
        let _ = OutgoingBody::finish(body, None);
        let incoming = loop {
            match future.get() {
                Some(outcome) => break outcome,
                None => future.subscribe().block(),
            }
        };
        let incoming = incoming
            .map_err(|()| internal("the response was already taken"))?
            .map_err(transport_error)?;
        read_response(&incoming)
    }

    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&mut self, duration: Duration) {
        std::thread::sleep(duration);
    }

    fn random_u64(&mut self) -> u64 {
        wasi::random::random::get_random_u64()
    }
}

fn outgoing_request(request: &Request<'_>) -> Result<OutgoingRequest, TransportError> {
    let headers = Fields::new();
    for (name, value) in request.headers() {
        headers
            .append(name.as_str(), value.as_bytes())
            .map_err(|e| internal(&format!("header {name}: {e:?}")))?;
    }
    let outgoing = OutgoingRequest::new(headers);
    let method = match request.method().as_str() {
        "PUT" => Method::Put,
        "POST" => Method::Post,
        "GET" => Method::Get,
        other => Method::Other(other.to_string()),
    };
    let uri = request.uri();
    let scheme = match uri.scheme_str() {
        Some("http") => Scheme::Http,
        _ => Scheme::Https,
    };
    let accepted = outgoing.set_method(&method).is_ok()
        && outgoing.set_scheme(Some(&scheme)).is_ok()
        && outgoing
            .set_authority(uri.authority().map(|a| a.as_str()))
            .is_ok()
        && outgoing
            .set_path_with_query(uri.path_and_query().map(|p| p.as_str()))
            .is_ok();
    if !accepted {
        return Err(internal(&format!(
            "the host refused the request line for {uri}"
        )));
    }
    Ok(outgoing)
}

fn write_all(stream: &OutputStream, mut bytes: &[u8]) -> Result<(), StreamError> {
    while !bytes.is_empty() {
        let permitted = stream.check_write()? as usize;
        if permitted == 0 {
            stream.subscribe().block();
            continue;
        }
        let (chunk, rest) = bytes.split_at(permitted.min(bytes.len()));
        stream.write(chunk)?;
        bytes = rest;
    }
    Ok(())
}

fn read_response(incoming: &IncomingResponse) -> Result<Response, TransportError> {
    let mut response = http::Response::builder().status(incoming.status());
    for (name, value) in incoming.headers().entries() {
        response = response.header(name, value);
    }
    let body = incoming
        .consume()
        .map_err(|()| internal("the response body was already taken"))?;
    let stream = body
        .stream()
        .map_err(|()| internal("the response stream was already taken"))?;
    let mut bytes = Vec::new();
    while bytes.len() < MAX_RESPONSE_BODY {
        match stream.blocking_read((MAX_RESPONSE_BODY - bytes.len()) as u64) {
            Ok(chunk) => bytes.extend_from_slice(&chunk),
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(TransportError {
                    kind: TransportErrorKind::Interrupted,
                    code: "HttpResponseIncomplete".into(),
                    message: e.to_debug_string(),
                })
            }
        }
    }
    response
        .body(bytes)
        .map_err(|e| internal(&format!("the response could not be read: {e}")))
}

/// What a wasi:http error means for the pipe: its kind (which `retry` decides on), a short
/// code and a message.
fn transport_error(error: ErrorCode) -> TransportError {
    use TransportErrorKind::*;
    let (kind, code, message) = match &error {
        ErrorCode::ConnectionRefused => (Connect, "ConnectionRefused", "connection refused"),
        ErrorCode::DnsError(_) => (Connect, "DnsError", "the host name could not be resolved"),
        ErrorCode::DnsTimeout => (Connect, "DnsTimeout", "the host name could not be resolved"),
        ErrorCode::DestinationUnavailable => (
            Connect,
            "DestinationUnavailable",
            "the destination is unavailable",
        ),
        ErrorCode::DestinationNotFound => (
            Connect,
            "DestinationNotFound",
            "the destination was not found",
        ),
        ErrorCode::ConnectionTimeout => (
            Timeout,
            "ConnectionTimeout",
            "no connection within the host's connect timeout",
        ),
        ErrorCode::ConnectionReadTimeout => (
            Timeout,
            "ConnectionReadTimeout",
            "no answer within the host's response timeout",
        ),
        ErrorCode::HttpResponseTimeout => (
            Timeout,
            "HttpResponseTimeout",
            "no answer within the host's response timeout",
        ),
        ErrorCode::ConnectionTerminated => (
            Interrupted,
            "ConnectionTerminated",
            "the connection was closed before the answer came",
        ),
        ErrorCode::ConnectionWriteTimeout => (
            Timeout,
            "ConnectionWriteTimeout",
            "the request could not be written in time",
        ),
        ErrorCode::HttpResponseIncomplete => (
            Interrupted,
            "HttpResponseIncomplete",
            "the answer broke off",
        ),
        ErrorCode::HttpProtocolError => (
            Interrupted,
            "HttpProtocolError",
            "the answer broke the HTTP protocol",
        ),
        ErrorCode::HttpRequestDenied => {
            (Denied, "HttpRequestDenied", "refused by the host's sandbox")
        }
        ErrorCode::DestinationIpProhibited => (
            Denied,
            "DestinationIpProhibited",
            "refused by the host's sandbox",
        ),
        ErrorCode::HttpRequestUriInvalid => (
            Refused,
            "HttpRequestUriInvalid",
            "the request URI is invalid",
        ),
        ErrorCode::HttpRequestUriTooLong => (
            Refused,
            "HttpRequestUriTooLong",
            "the request URI is too long",
        ),
        ErrorCode::HttpRequestMethodInvalid => (
            Refused,
            "HttpRequestMethodInvalid",
            "the request method is invalid",
        ),
        ErrorCode::TlsCertificateError => (
            Refused,
            "TlsCertificateError",
            "the server's certificate is not trusted",
        ),
        // Anything else went wrong on the way, and may not the next time.
        other => {
            return TransportError {
                kind: Interrupted,
                code: "HttpError".into(),
                message: format!("{other:?}"),
            };
        }
    };
    TransportError {
        kind,
        code: code.into(),
        message: message.into(),
    }
}

fn internal(message: &str) -> TransportError {
    TransportError {
        kind: TransportErrorKind::Refused,
        code: "InternalError".into(),
        message: message.into(),
    }
}
