//! The names a run gives its objects (docs/objects.md, "Runs" and "Keys").

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;

use crate::{Layout, Options};

/// One run of a pipe: from construction or `reset` to the next successful `send`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// `{unix seconds}-{8 lowercase hex}`: unique even for pipes started in the same second.
    pub id: String,
    pub data_date: DataDate,
}

impl Run {
    pub fn start(now: SystemTime, random: u64) -> Run {
        let seconds = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Run {
            id: format!("{seconds}-{:08x}", random as u32),
            data_date: DataDate::from(now),
        }
    }
}

/// The run's start in UTC, truncated to the hour; shown as RFC 3339 (`2026-11-25T17:00:00Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataDate {
    year: i32,
    month: u8,
    day: u8,
    hour: u8,
}

impl From<SystemTime> for DataDate {
    fn from(time: SystemTime) -> Self {
        let utc = OffsetDateTime::from(time);
        DataDate {
            year: utc.year(),
            month: utc.month().into(),
            day: utc.day(),
            hour: utc.hour(),
        }
    }
}

impl DataDate {
    /// A data date as [`Display`](fmt::Display) writes it, and only that.
    pub fn parse(text: &str) -> Option<DataDate> {
        let b = text.as_bytes();
        let shape = b.len() == 20
            && text.ends_with(":00:00Z")
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T';
        if !shape {
            return None;
        }
        let number = |range: std::ops::Range<usize>| {
            let digits = text.get(range)?;
            digits.bytes().all(|b| b.is_ascii_digit()).then_some(())?;
            digits.parse::<u16>().ok()
        };
        let month = time::Month::try_from(number(5..7)? as u8).ok()?;
        let date =
            time::Date::from_calendar_date(number(0..4)?.into(), month, number(8..10)? as u8)
                .ok()?;
        let hour = number(11..13)?;
        (hour < 24).then(|| DataDate {
            year: date.year(),
            month: month.into(),
            day: date.day(),
            hour: hour as u8,
        })
    }
}

impl fmt::Display for DataDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:00:00Z",
            self.year, self.month, self.day, self.hour
        )
    }
}

/// Turns a run and a file number into object keys.
#[derive(Debug, Clone)]
pub struct Naming {
    /// The key prefix followed by `/`, or empty.
    prefix: String,
    layout: Layout,
    schema: String,
    table: String,
}

impl Naming {
    pub fn new(options: &Options) -> Naming {
        let prefix = match options.key_prefix() {
            "" => String::new(),
            prefix => format!("{prefix}/"),
        };
        Naming {
            prefix,
            layout: options.layout,
            schema: options.destination.schema.clone(),
            table: options.destination.table.clone(),
        }
    }

    pub fn data_file(&self, run: &Run, n: u64) -> String {
        format!(
            "{}{}_{}_{}_{n}.json.gz",
            self.folder(run),
            self.schema,
            self.table,
            run.id
        )
    }

    /// Rows the pipe refused, kept aside; never listed in a manifest.
    pub fn rejects_file(&self, run: &Run, n: u64) -> String {
        format!(
            "{}{}_{}_{}_rejects_{n}.ndjson",
            self.folder(run),
            self.schema,
            self.table,
            run.id
        )
    }

    pub fn manifest(&self, run: &Run) -> String {
        format!(
            "{}{}_{}_{}.manifest",
            self.folder(run),
            self.schema,
            self.table,
            run.data_date
        )
    }

    pub fn table_config(&self, run: &Run) -> String {
        format!(
            "{}config_{}_{}_{}.yml",
            self.folder(run),
            self.schema,
            self.table,
            run.data_date
        )
    }

    /// A key the user chose: under the key prefix, never moved by the layout.
    pub fn custom(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn folder(&self, run: &Run) -> String {
        match self.layout {
            Layout::Flat => self.prefix.clone(),
            Layout::Partitioned => {
                let DataDate {
                    year, month, day, ..
                } = run.data_date;
                format!(
                    "{}{}/{}/_data_timestamp_year={year:04}/_data_timestamp_month={month:02}/_data_timestamp_day={day:02}/",
                    self.prefix, self.schema, self.table
                )
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{Credentials, DestinationConfig};
    use std::time::Duration;

    /// 2026-11-25T17:42:05Z
    pub(crate) const START: u64 = 1_795_628_525;

    pub(crate) fn start_time() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(START)
    }

    fn options(prefix: Option<&str>, layout: Layout) -> Options {
        let destination = DestinationConfig {
            schema: "analytics".into(),
            table: "events".into(),
            ..Default::default()
        };
        let credentials = Credentials::new("AK", "SK", None, None, "test");
        Options {
            key_prefix: prefix.map(Into::into),
            layout,
            ..Options::new(destination, "bucket", credentials)
        }
    }

    #[test]
    fn run_ids_and_data_dates() {
        let run = Run::start(
            start_time() + Duration::from_millis(999),
            0x1234_5678_9abc_def0,
        );
        assert_eq!(run.id, format!("{START}-9abcdef0"));
        assert_eq!(run.data_date.to_string(), "2026-11-25T17:00:00Z");
        assert_eq!(Run::start(start_time(), 7).id, format!("{START}-00000007"));
        assert_eq!(
            DataDate::from(UNIX_EPOCH).to_string(),
            "1970-01-01T00:00:00Z"
        );
    }

    #[test]
    fn data_dates_parse_as_they_are_written() {
        let date = DataDate::from(start_time());
        assert_eq!(DataDate::parse(&date.to_string()), Some(date));
        for bad in [
            "2026-11-25T17:30:00Z",
            "2026-11-25 17:00:00Z",
            "2026-02-30T17:00:00Z",
            "2026-11-25T24:00:00Z",
            "2026-11-25T17:00:00",
            "+026-11-25T17:00:00Z",
        ] {
            assert_eq!(DataDate::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn flat_keys() {
        let run = Run::start(start_time(), 0xabcdef01);
        let naming = Naming::new(&options(None, Layout::Flat));
        assert_eq!(
            naming.data_file(&run, 0),
            format!("analytics_events_{START}-abcdef01_0.json.gz")
        );
        assert_eq!(
            naming.rejects_file(&run, 2),
            format!("analytics_events_{START}-abcdef01_rejects_2.ndjson")
        );
        assert_eq!(
            naming.manifest(&run),
            "analytics_events_2026-11-25T17:00:00Z.manifest"
        );
        assert_eq!(
            naming.table_config(&run),
            "config_analytics_events_2026-11-25T17:00:00Z.yml"
        );
        assert_eq!(
            naming.custom("loads/today.manifest"),
            "loads/today.manifest"
        );
    }

    #[test]
    fn prefixed_and_partitioned_keys() {
        let run = Run::start(start_time(), 1);
        let naming = Naming::new(&options(Some("etl/rio/"), Layout::Partitioned));
        let folder = "etl/rio/analytics/events/_data_timestamp_year=2026/_data_timestamp_month=11/_data_timestamp_day=25/";
        assert_eq!(
            naming.data_file(&run, 3),
            format!("{folder}analytics_events_{START}-00000001_3.json.gz")
        );
        assert_eq!(
            naming.manifest(&run),
            format!("{folder}analytics_events_2026-11-25T17:00:00Z.manifest")
        );
        assert_eq!(
            naming.table_config(&run),
            format!("{folder}config_analytics_events_2026-11-25T17:00:00Z.yml")
        );
        assert_eq!(naming.custom("mine.manifest"), "etl/rio/mine.manifest");
    }
}
