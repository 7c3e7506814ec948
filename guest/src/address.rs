//! Where requests go: endpoint URLs, bucket names, object keys, and the URL of an object under
//! either addressing style (docs/s3.md, "Endpoint and region" and "Addressing").

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::{Addressing, Error, Options};

/// S3 signs each path segment URI-encoded once: everything but RFC 3986's unreserved characters.
const KEY_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The bucket and how requests name it.
#[derive(Debug, Clone)]
pub struct BucketAddress {
    scheme: http::uri::Scheme,
    /// `host[:port]` of the endpoint; the bucket is prepended for virtual-hosted addressing.
    authority: String,
    bucket: String,
    /// Path or virtual-hosted, never `Auto`: resolved once, here.
    addressing: Addressing,
}

impl BucketAddress {
    pub fn new(options: &Options) -> Result<BucketAddress, Error> {
        let (scheme, authority) = parse_endpoint(&options.endpoint())?;
        let addressing = match options.addressing {
            Addressing::Auto if is_aws(&authority) && !options.bucket.contains('.') => {
                Addressing::VirtualHosted
            }
            Addressing::Auto => Addressing::Path,
            chosen => chosen,
        };
        Ok(BucketAddress {
            scheme,
            authority,
            bucket: options.bucket.clone(),
            addressing,
        })
    }

    /// The `host[:port]` every request for this bucket goes to.
    pub fn authority(&self) -> String {
        match self.addressing {
            Addressing::VirtualHosted => format!("{}.{}", self.bucket, self.authority),
            Addressing::Path | Addressing::Auto => self.authority.clone(),
        }
    }

    /// [`authority`](Self::authority) with its port always given, as allow-lists compare it.
    pub fn authority_with_port(&self) -> String {
        let uri = http::Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority())
            .path_and_query("/")
            .build()
            .expect("the endpoint and the bucket name were checked");
        authority_with_port(&uri).expect("the URI has an authority")
    }

    /// The URL a request for `key` goes to, each key segment percent-encoded once.
    pub fn object_url(&self, key: &str) -> String {
        let encoded_key = key
            .split('/')
            .map(|segment| utf8_percent_encode(segment, KEY_SEGMENT).to_string())
            .collect::<Vec<_>>()
            .join("/");
        let authority = self.authority();
        match self.addressing {
            Addressing::VirtualHosted => format!("{}://{authority}/{encoded_key}", self.scheme),
            Addressing::Path | Addressing::Auto => format!(
                "{}://{authority}/{}/{encoded_key}",
                self.scheme, self.bucket
            ),
        }
    }

    /// The object's address as a COPY manifest gives it.
    pub fn s3_url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }
}

/// AWS's own S3 endpoints, where buckets have names of their own (`bucket.s3.region.amazonaws.com`).
fn is_aws(authority: &str) -> bool {
    let host = authority
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")
}

/// `host:port` of a URL, the host lowercase, the scheme's default port made explicit.
pub fn authority_with_port(uri: &http::Uri) -> Option<String> {
    let authority = uri.authority()?;
    let default_port = if uri.scheme() == Some(&http::uri::Scheme::HTTPS) {
        443
    } else {
        80
    };
    Some(format!(
        "{}:{}",
        authority.host().to_ascii_lowercase(),
        authority.port_u16().unwrap_or(default_port)
    ))
}

/// The endpoint's scheme and `host[:port]`, with the scheme's default port dropped as the Host
/// header will carry it. An S3 endpoint has no path: the bucket and key make it.
fn parse_endpoint(url: &str) -> Result<(http::uri::Scheme, String), Error> {
    let uri = parse_http_url("endpoint", url)?;
    if !matches!(uri.path_and_query().map(|p| p.as_str()), None | Some("/")) {
        return Err(Error::invalid_options(format!(
            "endpoint {url:?}: must not have a path or query"
        )));
    }
    let scheme = uri.scheme().cloned().expect("checked by parse_http_url");
    let authority = uri.authority().expect("checked by parse_http_url");
    let default_port = if scheme == http::uri::Scheme::HTTPS {
        443
    } else {
        80
    };
    let authority = match authority.port_u16() {
        Some(port) if port == default_port => authority.host().to_string(),
        _ => authority.to_string(),
    };
    Ok((scheme, authority))
}

/// An http or https URL with a host and no user info.
pub(crate) fn parse_http_url(what: &str, url: &str) -> Result<http::Uri, Error> {
    let refuse = |problem: &str| Error::invalid_options(format!("{what} {url:?}: {problem}"));
    let uri: http::Uri = url.parse().map_err(|_| refuse("is not a URL"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(refuse("needs http:// or https://"));
    }
    match uri.authority() {
        Some(authority) if authority.as_str().contains('@') => {
            Err(refuse("must not carry user info"))
        }
        Some(authority) if !authority.host().is_empty() => Ok(uri),
        _ => Err(refuse("has no host")),
    }
}

/// S3's bucket naming rules.
pub(crate) fn check_bucket(bucket: &str) -> Result<(), Error> {
    let problem = if !(3..=63).contains(&bucket.len()) {
        "must be 3 to 63 characters long"
    } else if !bucket
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        "may hold only lowercase letters, digits, '.' and '-'"
    } else if !bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !bucket.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        "must start and end with a letter or digit"
    } else if bucket.contains("..") {
        "must not hold two adjacent periods"
    } else if bucket.parse::<std::net::Ipv4Addr>().is_ok() {
        "must not be formatted as an IP address"
    } else {
        return Ok(());
    };
    Err(Error::invalid_options(format!(
        "bucket {bucket:?} {problem}"
    )))
}

/// An object key (or key prefix, which may be empty) that names the same object everywhere.
pub(crate) fn check_key(what: &str, key: &str, may_be_empty: bool) -> Result<(), Error> {
    let problem = if key.is_empty() {
        if may_be_empty {
            return Ok(());
        }
        "must not be empty"
    } else if key.starts_with('/') {
        "must not start with '/' (it is relative to the bucket)"
    } else if key.starts_with("s3://") {
        "must be a key, not an s3:// URL: the bucket comes from the options"
    } else if key
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        "must not hold '.' or '..' segments"
    } else if key.trim_end_matches('/').contains("//") {
        "must not hold empty segments ('//')"
    } else if key.len() > 1024 {
        "is longer than S3's 1024 bytes"
    } else {
        return Ok(());
    };
    Err(Error::invalid_options(format!("{what} {key:?} {problem}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Credentials, DestinationConfig};

    fn address(endpoint: Option<&str>, addressing: Addressing) -> BucketAddress {
        let options = Options {
            endpoint: endpoint.map(Into::into),
            addressing,
            ..Options::new(
                DestinationConfig::default(),
                "my-bucket",
                Credentials::new("AK", "SK", None, None, "test"),
            )
        };
        BucketAddress::new(&options).unwrap()
    }

    #[test]
    fn path_style_urls_encode_each_segment_once() {
        let path = address(Some("http://127.0.0.1:9000"), Addressing::Path);
        assert_eq!(
            path.object_url("dir/a b:c+d=é.json.gz"),
            "http://127.0.0.1:9000/my-bucket/dir/a%20b%3Ac%2Bd%3D%C3%A9.json.gz"
        );
        assert_eq!(path.authority_with_port(), "127.0.0.1:9000");
        assert_eq!(path.s3_url("dir/k"), "s3://my-bucket/dir/k");
    }

    #[test]
    fn auto_addressing_is_virtual_hosted_on_aws_only_and_for_dotless_names() {
        let aws = address(None, Addressing::Auto);
        assert_eq!(
            aws.object_url("k"),
            "https://my-bucket.s3.us-east-1.amazonaws.com/k"
        );
        let named = address(Some("https://s3.eu-west-1.amazonaws.com"), Addressing::Auto);
        assert_eq!(named.authority(), "my-bucket.s3.eu-west-1.amazonaws.com");
        let minio = address(Some("http://127.0.0.1:9000"), Addressing::Auto);
        assert_eq!(minio.object_url("k"), "http://127.0.0.1:9000/my-bucket/k");
        let options = Options {
            addressing: Addressing::Auto,
            ..Options::new(
                DestinationConfig::default(),
                "my.dotted.bucket",
                Credentials::new("AK", "SK", None, None, "test"),
            )
        };
        let dotted = BucketAddress::new(&options).unwrap();
        assert_eq!(
            dotted.object_url("k"),
            "https://s3.us-east-1.amazonaws.com/my.dotted.bucket/k"
        );
        let forced = address(None, Addressing::Path);
        assert_eq!(
            forced.object_url("k"),
            "https://s3.us-east-1.amazonaws.com/my-bucket/k"
        );
    }

    #[test]
    fn virtual_hosted_urls_put_the_bucket_in_the_host() {
        let hosted = address(None, Addressing::VirtualHosted);
        assert_eq!(
            hosted.object_url("k"),
            "https://my-bucket.s3.us-east-1.amazonaws.com/k"
        );
        assert_eq!(
            hosted.authority_with_port(),
            "my-bucket.s3.us-east-1.amazonaws.com:443"
        );
    }

    #[test]
    fn endpoints_have_no_path_and_lose_their_default_port() {
        assert_eq!(
            address(Some("https://S3.example:443/"), Addressing::Path).object_url("k"),
            "https://S3.example/my-bucket/k"
        );
        let options = Options {
            endpoint: Some("http://127.0.0.1:9000/base".into()),
            ..Options::new(
                DestinationConfig::default(),
                "my-bucket",
                Credentials::new("AK", "SK", None, None, "test"),
            )
        };
        assert!(
            matches!(BucketAddress::new(&options), Err(Error::InvalidOptions(m)) if m.contains("must not have a path"))
        );
    }
}
