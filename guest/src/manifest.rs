//! The Redshift COPY manifest: every data file of a run, once, in upload order
//! (docs/objects.md, "Manifests").

use serde::Serialize;

/// A data file of the current run that S3 has accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub key: String,
    pub url: String,
    pub rows: u64,
    pub raw_bytes: u64,
    /// Size of the gzip object, as the manifest gives it.
    pub content_length: u64,
}

#[derive(Serialize)]
struct Manifest<'a> {
    entries: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    url: &'a str,
    mandatory: bool,
    meta: Meta,
}

#[derive(Serialize)]
struct Meta {
    content_length: u64,
}

/// The manifest's bytes: compact JSON, never gzipped (COPY refuses a compressed manifest).
pub fn render(files: &[FileEntry]) -> Vec<u8> {
    let entries = files
        .iter()
        .map(|file| Entry {
            url: &file.url,
            mandatory: true,
            meta: Meta {
                content_length: file.content_length,
            },
        })
        .collect();
    serde_json::to_vec(&Manifest { entries }).expect("a manifest always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(key: &str, content_length: u64) -> FileEntry {
        FileEntry {
            key: key.into(),
            url: format!("s3://bucket/{key}"),
            rows: 1,
            raw_bytes: 10,
            content_length,
        }
    }

    #[test]
    fn exact_bytes() {
        let files = [
            file("a_0.json.gz", 12345),
            file("dir/a b:c+d=é_1.json.gz", 7),
        ];
        assert_eq!(
            String::from_utf8(render(&files)).unwrap(),
            concat!(
                r#"{"entries":[{"url":"s3://bucket/a_0.json.gz","mandatory":true,"meta":{"content_length":12345}},"#,
                r#"{"url":"s3://bucket/dir/a b:c+d=é_1.json.gz","mandatory":true,"meta":{"content_length":7}}]}"#
            )
        );
    }

    #[test]
    fn an_empty_run_has_an_empty_manifest() {
        assert_eq!(render(&[]), br#"{"entries":[]}"#);
    }
}
