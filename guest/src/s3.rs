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
use crate::{Credentials, Error, Options, RetryPolicy, S3Failure};

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

    /// Signs the requests from now on with `credentials`.
    pub fn set_credentials(&mut self, credentials: Credentials) {
        self.identity = credentials.into();
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
        self.sign(&mut request, payload_sha256, now)
            .map_err(|e| Error::invalid_options(format!("key {key:?}: cannot be signed: {e}")))?;
        Ok(request)
    }

    /// Signs `request` the way S3 checks it: SigV4 for service `s3`, each path segment encoded
    /// once and never normalised, the payload's SHA-256 as given (`x-amz-content-sha256`).
    fn sign<B>(
        &self,
        request: &mut http::Request<B>,
        payload_sha256: &str,
        now: SystemTime,
    ) -> Result<(), String> {
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
        let uri = request.uri().to_string();
        let headers = request.headers().iter().map(|(name, value)| {
            (
                name.as_str(),
                value.to_str().expect("rio sets only ASCII header values"),
            )
        });
        let signable = SignableRequest::new(
            request.method().as_str(),
            &uri,
            headers,
            SignableBody::Precomputed(payload_sha256.into()),
        )
        .map_err(|e| e.to_string())?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| e.to_string())?
            .into_parts();
        instructions.apply_to_request_http1x(request);
        Ok(())
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::{Addressing, Credentials, DestinationConfig};

    /// The AWS documentation's example (Signature Version 4, "Example: PUT Object"): its
    /// credentials, bucket, time and headers.
    fn signed_example(addressing: Addressing) -> String {
        let credentials = Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            None,
            None,
            "example",
        );
        let options = Options {
            endpoint: Some("https://s3.amazonaws.com".into()),
            addressing,
            ..Options::new(DestinationConfig::default(), "examplebucket", credentials)
        };
        let s3 = S3::new(&options).unwrap();
        let mut request = http::Request::put(s3.address().object_url("test$file.text"))
            .header("date", "Fri, 24 May 2013 00:00:00 GMT")
            .header("x-amz-storage-class", "REDUCED_REDUNDANCY")
            .body(())
            .unwrap();
        // 2013-05-24T00:00:00Z; the payload is "Welcome to Amazon S3."
        let now = UNIX_EPOCH + Duration::from_secs(1_369_353_600);
        let payload = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
        s3.sign(&mut request, payload, now).unwrap();
        request.headers()["authorization"]
            .to_str()
            .unwrap()
            .to_string()
    }

    const SCOPE: &str = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=";

    #[test]
    fn virtual_hosted_requests_sign_as_the_aws_documentation_shows() {
        // https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
        assert_eq!(
            signed_example(Addressing::Auto),
            format!("{SCOPE}98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
        );
    }

    #[test]
    fn path_style_requests_sign_the_bucket_in_the_path() {
        // The same request path-style; the signature as botocore's S3SigV4Auth computes it.
        assert_eq!(
            signed_example(Addressing::Path),
            format!("{SCOPE}d2dd2e48b10d2cb89c271a6464d0748686c158b5fde44e8d83936fd9b30b5c4c")
        );
    }
}
