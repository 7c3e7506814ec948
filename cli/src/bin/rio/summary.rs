//! What a load did, for a person (a table and the COPY to run) or a program (`--json`).

use std::time::Duration;

use serde::Serialize;

#[derive(Serialize)]
pub struct Summary {
    pub rows: u64,
    /// Rows refused and kept in rejects objects (`--rejects keep`).
    pub rejected_rows: u64,
    /// The rejects objects, as s3:// URLs.
    pub rejects: Vec<String>,
    pub files: u64,
    pub raw_bytes: u64,
    pub gzip_bytes: u64,
    pub retries: u64,
    pub elapsed_seconds: f64,
    pub mb_per_second: f64,
    pub rows_per_second: f64,
    /// The manifest written, as an s3:// URL.
    pub manifest: Option<String>,
    /// Set when the load was sent to an s3-to-redshift worker.
    pub job_endpoint: Option<String>,
    pub copy: Option<String>,
    /// Where the embedded S3 stored the objects, when it was used.
    pub local_dir: Option<String>,
}

impl Summary {
    pub fn timing(&mut self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64().max(1e-9);
        self.elapsed_seconds = seconds;
        self.mb_per_second = self.raw_bytes as f64 / 1e6 / seconds;
        self.rows_per_second = self.rows as f64 / seconds;
    }

    pub fn print(&self) {
        println!(
            "loaded {} rows in {:.2} s: {:.1} MB/s, {:.0} rows/s",
            self.rows, self.elapsed_seconds, self.mb_per_second, self.rows_per_second
        );
        if self.rejected_rows > 0 {
            println!(
                "  rejects   {} rows refused, kept in {}",
                self.rejected_rows,
                self.rejects.join(" ")
            );
        }
        let ratio = self.raw_bytes as f64 / self.gzip_bytes.max(1) as f64;
        println!(
            "  files     {} gzip files: {:.1} MB raw -> {:.1} MB gzip ({ratio:.1}x)",
            self.files,
            self.raw_bytes as f64 / 1e6,
            self.gzip_bytes as f64 / 1e6
        );
        if self.retries > 0 {
            println!("  retries   {}", self.retries);
        }
        if let Some(manifest) = &self.manifest {
            println!("  manifest  {manifest}");
        }
        if let Some(dir) = &self.local_dir {
            println!("  stored in {dir} (embedded S3)");
        }
        if let Some(endpoint) = &self.job_endpoint {
            println!("  job       sent to {endpoint}");
        }
        if let Some(copy) = &self.copy {
            println!("to load it into Redshift:\n  {copy}");
        }
    }
}

/// The statement that loads a manifest's files; the IAM role is the user's to fill in.
pub fn copy_statement(schema: &str, table: &str, manifest: &str) -> String {
    format!(
        "COPY {schema}.{table} FROM '{manifest}' IAM_ROLE '<your-redshift-iam-role-arn>' MANIFEST GZIP JSON 'auto' TIMEFORMAT 'auto' DATEFORMAT 'auto';"
    )
}
