//! S3 PUT requests: SigV4 signing, integrity headers, the retry loop and error decoding
//! (docs/s3.md).

use std::time::SystemTime;

use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use base64::Engine as _;
use md5::Md5;
use sha2::{Digest, Sha256};

use crate::address::BucketAddress;
use crate::io::{Io, Request, Response};
use crate::retry::{is_retryable_answer, is_retryable_transport};
use crate::{Error, Options, RetryPolicy, S3Failure};

/// Where and as whom the pipe writes.
pub struct S3 {
    address: BucketAddress,
    region: String,
    identity: Identity,
    retry: RetryPolicy,
}

impl S3 {
    pub fn new(options: &Options) -> Result<S3, Error> {
        Ok(S3 {
            address: BucketAddress::new(options)?,
            identity: options.credentials.clone().into(),
            region: options.region().to_string(),
            retry: options.retry(),
        })
    }

    pub fn address(&self) -> &BucketAddress {
        &self.address
    }

    /// PUTs `body` at `key`, retrying what docs/s3.md says to retry; `retries` counts the extra
    /// attempts.
    pub fn put(
        &self,
        io: &mut impl Io,
        key: &str,
        body: &[Vec<u8>],
        content_type: &str,
        retries: &mut u64,
    ) -> Result<(), Error> {
        let (mut md5, mut sha256) = (Md5::new(), Sha256::new());
        for piece in body {
            md5.update(piece);
            sha256.update(piece);
        }
        let content_md5 = base64::engine::general_purpose::STANDARD.encode(md5.finalize());
        let payload_sha256 = hex::encode(sha256.finalize());
        let mut attempt = 1;
        loop {
            let request = self.signed_put(
                key,
                body,
                content_type,
                &content_md5,
                &payload_sha256,
                io.now(),
            )?;
            let (failure, retryable) = match io.send(&request) {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) => s3_failure(&response, key, attempt),
                Err(e) => {
                    let retryable = is_retryable_transport(&e);
                    let failure = S3Failure {
                        status: 0,
                        code: e.code,
                        message: e.message,
                        request_id: String::new(),
                        key: key.to_string(),
                        attempts: attempt,
                    };
                    (failure, retryable)
                }
            };
            if !retryable || attempt >= self.retry.max_attempts {
                return Err(Error::S3(Box::new(failure)));
            }
            let pause = self.retry.backoff(attempt, io.random_u64());
            io.sleep(pause);
            attempt += 1;
            *retries += 1;
        }
    }

    fn signed_put<'a>(
        &self,
        key: &str,
        body: &'a [Vec<u8>],
        content_type: &str,
        content_md5: &str,
        payload_sha256: &str,
        now: SystemTime,
    ) -> Result<Request<'a>, Error> {
        let uri = self.address.object_url(key);
        let mut request = http::Request::put(&uri)
            .header("content-type", content_type)
            .header("content-length", body.iter().map(Vec::len).sum::<usize>())
            .header("content-md5", content_md5)
            .body(body)
            .map_err(|e| {
                Error::invalid_options(format!("key {key:?}: cannot form a request URL: {e}"))
            })?;
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let params = v4::SigningParams::builder()
            .identity(&self.identity)
            .region(&self.region)
            .name("s3")
            .time(now)
            .settings(settings)
            .build()
            .expect("every signing parameter is set")
            .into();
        let headers = request.headers().iter().map(|(name, value)| {
            (
                name.as_str(),
                value.to_str().expect("rio sets only ASCII header values"),
            )
        });
        let signable = SignableRequest::new(
            "PUT",
            &uri,
            headers,
            SignableBody::Precomputed(payload_sha256.into()),
        )
        .map_err(|e| Error::invalid_options(format!("key {key:?}: cannot be signed: {e}")))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| Error::invalid_options(format!("key {key:?}: cannot be signed: {e}")))?
            .into_parts();
        instructions.apply_to_request_http1x(&mut request);
        Ok(request)
    }
}

/// Decodes an S3 error answer and says whether it is worth another try.
fn s3_failure(response: &Response, key: &str, attempt: u32) -> (S3Failure, bool) {
    let body = String::from_utf8_lossy(response.body());
    let status = response.status().as_u16();
    let code = xml_element(&body, "Code").unwrap_or_else(|| {
        response
            .status()
            .canonical_reason()
            .unwrap_or("UnknownError")
            .replace(' ', "")
    });
    let request_id = xml_element(&body, "RequestId")
        .or_else(|| {
            response
                .headers()
                .get("x-amz-request-id")
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        })
        .unwrap_or_default();
    let retryable = is_retryable_answer(status, &code);
    let failure = S3Failure {
        status,
        message: xml_element(&body, "Message").unwrap_or_default(),
        code,
        request_id,
        key: key.to_string(),
        attempts: attempt,
    };
    (failure, retryable)
}

/// The text of the first `<name>…</name>` in an S3 error document, unescaped.
pub fn xml_element(document: &str, name: &str) -> Option<String> {
    let start = document.find(&format!("<{name}>"))? + name.len() + 2;
    let length = document[start..].find(&format!("</{name}>"))?;
    let text = &document[start..start + length];
    Some(
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}
