//! HTTPS: the S3 server and the job endpoint behind TLS with a certificate authority made here,
//! trusted through `Options::ca_bundle` (`AWS_CA_BUNDLE` is tested through the `rio` command,
//! in cli/tests/cli.rs, where setting it can't race with other tests). An unknown authority or
//! a certificate for another name is refused at once, naming the host.

use redshift_io::{post_job, Error, Options, PipeState, RedshiftIo};
use rio_tests::tls::{TestCa, TlsProxy};
use rio_tests::{gunzip, JobEndpoint, S3Space};

const ROWS: &[u8] = b"{\"time\":\"2026-11-25T17:00:00\",\"id\":\"a\"}\n\
{\"time\":\"2026-11-25T17:00:01\",\"id\":\"b\"}\n";

/// The S3 server of `s3` behind TLS with a certificate for `names` from `ca`.
fn s3_over_tls(s3: &S3Space, ca: &TestCa, names: &[&str]) -> TlsProxy {
    TlsProxy::start(&s3.options().endpoint.unwrap(), ca.server(names))
}

/// Options for `s3` through `proxy` as `https://localhost:PORT`, trusting `bundle`.
fn https_options(s3: &S3Space, proxy: &TlsProxy, bundle: &TestCa) -> Options {
    let mut options = s3.options();
    options.endpoint = Some(proxy.url("localhost"));
    options.ca_bundle = Some(bundle.bundle().to_path_buf());
    options
}

#[test]
fn a_load_and_its_job_go_over_https_trusting_the_ca_bundle() {
    let ca = TestCa::new("rio test CA");
    let s3 = S3Space::new();
    let s3_tls = s3_over_tls(&s3, &ca, &["localhost"]);
    let job = JobEndpoint::start();
    let job_tls = TlsProxy::start(&job.url, ca.server(&["localhost"]));
    let mut options = https_options(&s3, &s3_tls, &ca);
    options.job_endpoint = Some(job_tls.url("localhost"));

    let pipe = RedshiftIo::new(options.clone()).unwrap();
    let first = pipe.stats().unwrap();
    pipe.pack_lines(ROWS).unwrap();
    let manifest = pipe.send().unwrap().expect("a manifest");

    let date = &first.data_date;
    assert!(manifest.ends_with(&format!("analytics_events_{date}.manifest")));
    let data = format!("analytics_events_{}_0.json.gz", first.run_id);
    assert_eq!(gunzip(&s3.get(&s3.key(&data))), ROWS);
    assert!(s3.list().iter().any(|(key, _)| key.ends_with(".yml")));
    let requests = job.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/jobs");
    assert!(
        requests[0].body.contains(&format!("--date {date} --gzip")),
        "{}",
        requests[0].body
    );
    assert_eq!(pipe.stats().unwrap().retries, 0);

    // Posting the run's job again goes over HTTPS with the same bundle.
    post_job(&options, date).unwrap();
    assert_eq!(job.requests().len(), 2);
    assert_eq!(job.requests()[1].body, requests[0].body);
}

#[test]
fn an_unknown_certificate_authority_is_refused_naming_the_host_after_one_attempt() {
    let (ca, other) = (TestCa::new("rio test CA"), TestCa::new("another CA"));
    let s3 = S3Space::new();
    let s3_tls = s3_over_tls(&s3, &ca, &["localhost"]);
    let pipe = RedshiftIo::new(https_options(&s3, &s3_tls, &other)).unwrap();
    pipe.pack_lines(ROWS).unwrap();
    let error = pipe.seal().unwrap_err();
    let Error::S3(failure) = &error else {
        panic!("expected a refused certificate, got {error:?}")
    };
    assert_eq!(
        (failure.status, failure.code.as_str(), failure.attempts),
        (0, "TlsCertificateError", 1)
    );
    assert_eq!(
        failure.message,
        format!(
            "the certificate of localhost:{} is not trusted: it is issued by a certificate \
             authority rio does not trust (rio trusts the Mozilla roots, the system's store and {})",
            s3_tls.port(),
            other.bundle().display()
        )
    );
    assert!(
        error.to_string().starts_with(&format!(
            "S3 PUT {} got no answer after 1 attempt: TlsCertificateError: the certificate of localhost:",
            failure.key
        )),
        "{error}"
    );
    let stats = pipe.stats().unwrap();
    assert_eq!((stats.retries, stats.buffered_rows), (0, 2));
    assert!(s3.list().is_empty());
}

#[test]
fn a_job_endpoint_with_an_unknown_certificate_authority_is_refused_naming_the_host() {
    let (ca, other) = (TestCa::new("rio test CA"), TestCa::new("another CA"));
    let s3 = S3Space::new();
    let job = JobEndpoint::start();
    let job_tls = TlsProxy::start(&job.url, ca.server(&["localhost"]));
    let mut options = s3.options(); // S3 over plain HTTP: only the job meets the certificate
    options.job_endpoint = Some(job_tls.url("localhost"));
    options.ca_bundle = Some(other.bundle().to_path_buf());
    let pipe = RedshiftIo::new(options).unwrap();
    pipe.pack_lines(ROWS).unwrap();
    let error = pipe.send().unwrap_err();
    let Error::JobUnreachable(message) = &error else {
        panic!("expected a refused certificate, got {error:?}")
    };
    let expected = format!(
        "the certificate of localhost:{} is not trusted: it is issued by a certificate authority rio does not trust",
        job_tls.port()
    );
    assert!(message.starts_with(&expected), "{message}");
    assert!(message.ends_with(" (TlsCertificateError)"), "{message}");
    assert!(job.requests().is_empty());
    assert_eq!(pipe.stats().unwrap().state, PipeState::Sealed);
}

#[test]
fn a_certificate_for_another_name_is_refused_naming_the_host() {
    let ca = TestCa::new("rio test CA");
    let s3 = S3Space::new();
    let s3_tls = s3_over_tls(&s3, &ca, &["s3.other.example"]);
    let pipe = RedshiftIo::new(https_options(&s3, &s3_tls, &ca)).unwrap();
    pipe.pack_lines(ROWS).unwrap();
    let error = pipe.seal().unwrap_err();
    let Error::S3(failure) = &error else {
        panic!("expected a refused certificate, got {error:?}")
    };
    assert_eq!(
        (failure.status, failure.code.as_str(), failure.attempts),
        (0, "TlsCertificateError", 1)
    );
    let expected = format!(
        "the certificate of localhost:{} is not trusted: certificate not valid for name \"localhost\"; \
         certificate is only valid for DnsName(\"s3.other.example\")",
        s3_tls.port()
    );
    assert_eq!(failure.message, expected);
    assert_eq!(pipe.stats().unwrap().retries, 0);
}

#[test]
fn resolve_overrides_reach_names_no_resolver_knows_and_certificates_may_name_addresses() {
    let ca = TestCa::new("rio test CA");
    let s3 = S3Space::new();
    let s3_tls = s3_over_tls(&s3, &ca, &["s3.rio.test"]);
    let job = JobEndpoint::start();
    let job_tls = TlsProxy::start(&job.url, ca.server(&["127.0.0.1"]));
    let mut options = s3.options();
    options.endpoint = Some(s3_tls.url("s3.rio.test"));
    options.resolve = vec![(format!("s3.rio.test:{}", s3_tls.port()), s3_tls.address())];
    options.job_endpoint = Some(job_tls.url("127.0.0.1"));
    options.ca_bundle = Some(ca.bundle().to_path_buf());
    let pipe = RedshiftIo::new(options).unwrap();
    let run = pipe.stats().unwrap().run_id;
    pipe.pack_lines(ROWS).unwrap();
    pipe.send().unwrap();
    let data = s3.key(&format!("analytics_events_{run}_0.json.gz"));
    assert_eq!(gunzip(&s3.get(&data)), ROWS);
    assert_eq!(job.requests().len(), 1);
}

#[test]
fn an_unreadable_ca_bundle_is_an_invalid_option_naming_the_file() {
    let s3 = S3Space::new();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let not_pem = dir.path().join("not-a-bundle.pem");
    std::fs::write(&not_pem, "not a certificate\n").unwrap();
    for (path, why) in [
        (
            &missing,
            "cannot be read: No such file or directory (os error 2)",
        ),
        (&not_pem, "holds no PEM certificate"),
    ] {
        let mut options = s3.options();
        options.ca_bundle = Some(path.clone());
        let expected = Error::InvalidOptions(format!(
            "ca_bundle: the CA bundle {}: {why}",
            path.display()
        ));
        assert_eq!(
            RedshiftIo::new(options.clone()).err(),
            Some(expected.clone())
        );
        assert_eq!(
            post_job(&options, "2026-11-25T17:00:00Z").err(),
            Some(expected)
        );
    }
}

#[test]
fn a_server_that_never_finishes_the_handshake_times_out_within_the_connect_timeout() {
    // The kernel accepts the connection; nothing ever answers the TLS hello.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let s3 = S3Space::new();
    let mut options = s3.options();
    options.endpoint = Some(format!(
        "https://localhost:{}",
        silent.local_addr().unwrap().port()
    ));
    options.limits.connect_timeout = std::time::Duration::from_millis(300);
    options.retry = Some(redshift_io::RetryPolicy {
        max_attempts: 1,
        base_delay: std::time::Duration::from_millis(1),
        max_delay: std::time::Duration::from_millis(1),
    });
    let pipe = RedshiftIo::new(options).unwrap();
    pipe.pack_lines(ROWS).unwrap();
    let started = std::time::Instant::now();
    let error = pipe.seal().unwrap_err();
    let Error::S3(failure) = &error else {
        panic!("expected a timeout, got {error:?}")
    };
    assert_eq!(
        (failure.code.as_str(), failure.message.as_str()),
        (
            "ConnectionTimeout",
            "no connection within the host's connect timeout"
        )
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
