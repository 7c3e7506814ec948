//! The typed checks of a row against the destination's columns (docs/checks.md): a row that
//! `COPY ... FORMAT JSON 'auto' TIMEFORMAT 'auto' DATEFORMAT 'auto'` would refuse, or would load
//! differently from what it says, is refused when it is packed.
//!
//! The check assumes the row passed [`crate::row::check`]. It walks the row's top level once,
//! without building values: keys are borrowed from the row unless they hold escapes, values are
//! looked at in place, and nested objects and arrays are skipped without recursion.

use std::borrow::Cow;

use crate::destination::{Column, ColumnType};

/// How much of a refused value a [`Refusal`] quotes.
const QUOTED_VALUE_BYTES: usize = 64;
/// Redshift's `varchar(256)`, the `text` type.
const TEXT_BYTES: usize = 256;
/// Redshift's `varchar(65535)`, the `longtext` type.
const LONGTEXT_BYTES: usize = 65535;
/// A string of only digits this long, or a JSON number this long, reads as epoch time.
const EPOCH_DIGITS: usize = 9;

/// Why a row was refused: the column at fault, the start of the value as written and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The column's name; for a key that matches no column, the key.
    pub column: String,
    /// The first 64 bytes of the value's JSON text, cut on a character boundary; empty when the
    /// key is missing.
    pub value: String,
    pub reason: String,
}

/// The typed checks for one destination's columns. Build it once; `check` does not allocate
/// unless a key or value holds escapes, a row is refused, or there are over 128 columns.
#[derive(Debug, Clone)]
pub struct TypedCheck {
    columns: Vec<Column>,
    /// Column indexes by name length: a key is compared only with names as long as it.
    by_len: Vec<Vec<usize>>,
    /// The NOT NULL columns, in table order.
    not_null: Vec<usize>,
    refuse_unknown_keys: bool,
}

impl TypedCheck {
    /// `refuse_unknown_keys`: refuse a key that matches no column, which `COPY` would ignore.
    pub fn new(columns: &[Column], refuse_unknown_keys: bool) -> TypedCheck {
        let longest = columns.iter().map(|c| c.name.len()).max().unwrap_or(0);
        let mut by_len = vec![Vec::new(); longest + 1];
        for (index, column) in columns.iter().enumerate() {
            by_len[column.name.len()].push(index);
        }
        let not_null = (0..columns.len())
            .filter(|&i| columns[i].not_null)
            .collect();
        TypedCheck {
            columns: columns.to_vec(),
            by_len,
            not_null,
            refuse_unknown_keys,
        }
    }

    /// Checks, in order, and reports the first failure: each value, key by key in the row's
    /// order (and, with `refuse_unknown_keys`, each key that matches no column, at its place);
    /// then keys that differ from a column name only in case; then NOT NULL columns whose key
    /// is missing.
    pub fn check(&self, row: &[u8]) -> Result<(), Refusal> {
        let Ok(text) = std::str::from_utf8(row) else {
            return Err(not_an_object(&String::from_utf8_lossy(row)));
        };
        let mut scanner = Scanner::new(text);
        let mut seen = Seen::new(self.columns.len());
        // The first key that differs from a column only in case: (column, key, value).
        let mut case_variant: Option<(usize, Cow<'_, str>, &str)> = None;
        scanner.skip_ws();
        if !scanner.eat(b'{') {
            return Err(not_an_object(text));
        }
        scanner.skip_ws();
        if !scanner.eat(b'}') {
            loop {
                let Some(key) = scanner.key() else {
                    return Err(not_an_object(text));
                };
                scanner.skip_ws();
                if !scanner.eat(b':') {
                    return Err(not_an_object(text));
                }
                scanner.skip_ws();
                let start = scanner.pos;
                let Some(kind) = scanner.value() else {
                    return Err(not_an_object(text));
                };
                let raw = &text[start..scanner.pos];
                if let Some(index) = self.find(&key) {
                    seen.insert(index);
                    check_value(&self.columns[index], kind, raw)?;
                } else if let Some(index) = self.find_ignoring_case(&key) {
                    if case_variant.is_none() {
                        case_variant = Some((index, key, raw));
                    }
                } else if self.refuse_unknown_keys {
                    return Err(Refusal {
                        column: key.to_string(),
                        value: quote(raw),
                        reason: format!(
                            "key {key:?} matches no column: COPY JSON 'auto' would ignore it"
                        ),
                    });
                }
                scanner.skip_ws();
                if scanner.eat(b',') {
                    scanner.skip_ws();
                    continue;
                }
                if scanner.eat(b'}') {
                    break;
                }
                return Err(not_an_object(text));
            }
        }
        if let Some((index, key, raw)) = case_variant {
            let name = &self.columns[index].name;
            let outcome = if seen.contains(index) {
                "would ignore it"
            } else {
                "would load NULL"
            };
            return Err(Refusal {
                column: name.clone(),
                value: quote(raw),
                reason: format!(
                    "key {key:?} differs from column {name:?} only in case: COPY JSON 'auto' {outcome}"
                ),
            });
        }
        for &index in &self.not_null {
            if !seen.contains(index) {
                let column = &self.columns[index];
                let reason = match &column.default_val {
                    None => "key missing for a NOT NULL column: COPY JSON 'auto' would load NULL and fail".to_string(),
                    Some(default) => format!(
                        "key missing for a NOT NULL column: COPY JSON 'auto' without a column list loads NULL, not the default {default}, and would fail"
                    ),
                };
                return Err(Refusal {
                    column: column.name.clone(),
                    value: String::new(),
                    reason,
                });
            }
        }
        Ok(())
    }

    fn find(&self, key: &str) -> Option<usize> {
        self.by_len
            .get(key.len())?
            .iter()
            .copied()
            .find(|&i| same_bytes(self.columns[i].name.as_bytes(), key.as_bytes()))
    }

    fn find_ignoring_case(&self, key: &str) -> Option<usize> {
        self.by_len
            .get(key.len())?
            .iter()
            .copied()
            .find(|&i| self.columns[i].name.eq_ignore_ascii_case(key))
    }
}

/// Whether two byte strings of the same length are equal, eight bytes at a time: names are short,
/// and a call to `memcmp` would cost more than comparing them.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let mut a = a.chunks_exact(8);
    let mut b = b.chunks_exact(8);
    for (x, y) in (&mut a).zip(&mut b) {
        if x != y {
            return false;
        }
    }
    a.remainder().iter().zip(b.remainder()).all(|(x, y)| x == y)
}

fn not_an_object(text: &str) -> Refusal {
    Refusal {
        column: String::new(),
        value: quote(text),
        reason: "not one JSON object: the typed check takes rows that passed the shape check"
            .into(),
    }
}

/// The SQL type a column type loads into (docs/columns.md, "Column types").
fn sql_type(column_type: ColumnType) -> &'static str {
    match column_type {
        ColumnType::Boolean => "boolean",
        ColumnType::Float => "double precision",
        ColumnType::Int => "integer",
        ColumnType::Bigint => "bigint",
        ColumnType::Date => "date",
        ColumnType::Timestamp => "timestamp",
        ColumnType::Text => "varchar(256)",
        ColumnType::Longtext => "varchar(65535)",
    }
}

/// The first 64 bytes of `raw`, cut on a character boundary.
fn quote(raw: &str) -> String {
    let mut end = raw.len().min(QUOTED_VALUE_BYTES);
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    raw[..end].to_string()
}

// ----------------------------------------------------------------------------------------------
// Values

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    String { escaped: bool },
    Number,
    Bool,
    Null,
    Object,
    Array,
}

fn check_value(column: &Column, kind: Kind, raw: &str) -> Result<(), Refusal> {
    let column_type = column.column_type;
    let refuse = |reason: String| {
        Err(Refusal {
            column: column.name.clone(),
            value: quote(raw),
            reason,
        })
    };
    let text_limit = match column_type {
        ColumnType::Text => Some(TEXT_BYTES),
        ColumnType::Longtext => Some(LONGTEXT_BYTES),
        _ => None,
    };
    match kind {
        Kind::Null => {
            if column.not_null {
                return refuse(match &column.default_val {
                    None => "null in a NOT NULL column: COPY would fail".into(),
                    Some(default) => format!(
                        "null in a NOT NULL column: COPY would load NULL, not the default {default}, and fail"
                    ),
                });
            }
            Ok(())
        }
        Kind::Object | Kind::Array => {
            let what = if kind == Kind::Object {
                "JSON object"
            } else {
                "JSON array"
            };
            match text_limit {
                Some(limit) => {
                    let bytes = shortest_text_len(raw);
                    if bytes > limit {
                        return refuse(format!(
                            "{what} is at least {bytes} bytes as text, over {}'s {limit}",
                            sql_type(column_type)
                        ));
                    }
                    Ok(())
                }
                None => refuse(format!(
                    "a {what} cannot load into {}: COPY loads nested JSON as its text",
                    sql_type(column_type)
                )),
            }
        }
        Kind::Bool => match column_type {
            ColumnType::Boolean | ColumnType::Text | ColumnType::Longtext => Ok(()),
            other => refuse(format!(
                "a JSON boolean cannot load into {}",
                sql_type(other)
            )),
        },
        Kind::Number => match column_type {
            ColumnType::Int => check_integer(raw, IntRange::INTEGER).or_else(refuse),
            ColumnType::Bigint => check_integer(raw, IntRange::BIGINT).or_else(refuse),
            ColumnType::Float => check_double(raw).or_else(refuse),
            ColumnType::Boolean => {
                if raw == "0" || raw == "1" {
                    Ok(())
                } else {
                    refuse(NOT_A_BOOLEAN.into())
                }
            }
            ColumnType::Date | ColumnType::Timestamp => {
                check_number_as_datetime(raw, column_type).or_else(refuse)
            }
            ColumnType::Text | ColumnType::Longtext => Ok(()),
        },
        Kind::String { escaped } => {
            let content = &raw[1..raw.len() - 1];
            if let Some(limit) = text_limit {
                let bytes = if escaped {
                    unescaped_len(content)
                } else {
                    content.len()
                };
                if bytes > limit {
                    return refuse(format!(
                        "text value is {bytes} bytes, over {}'s {limit}",
                        sql_type(column_type)
                    ));
                }
                return Ok(());
            }
            let content: Cow<'_, str> = if escaped {
                Cow::Owned(unescape(content))
            } else {
                Cow::Borrowed(content)
            };
            let trimmed = content.trim_matches(is_blank);
            if trimmed.is_empty() {
                if column.not_null {
                    let what = if content.is_empty() { "empty" } else { "blank" };
                    return refuse(format!(
                        "{what} string in a NOT NULL {} column: COPY loads it as NULL and would fail",
                        sql_type(column_type)
                    ));
                }
                return Ok(());
            }
            match column_type {
                ColumnType::Int => check_integer(trimmed, IntRange::INTEGER),
                ColumnType::Bigint => check_integer(trimmed, IntRange::BIGINT),
                ColumnType::Float => check_double_string(trimmed),
                ColumnType::Boolean => check_boolean_string(trimmed),
                ColumnType::Date | ColumnType::Timestamp => {
                    check_datetime_string(trimmed, column_type)
                }
                ColumnType::Text | ColumnType::Longtext => Ok(()),
            }
            .or_else(refuse)
        }
    }
}

/// What COPY counts as blank: white space only.
fn is_blank(c: char) -> bool {
    c.is_ascii_whitespace()
}

// ----------------------------------------------------------------------------------------------
// Numbers

#[derive(Clone, Copy)]
struct IntRange {
    name: &'static str,
    min: i128,
    max: i128,
}

impl IntRange {
    const INTEGER: IntRange = IntRange {
        name: "integer",
        min: i32::MIN as i128,
        max: i32::MAX as i128,
    };
    const BIGINT: IntRange = IntRange {
        name: "bigint",
        min: i64::MIN as i128,
        max: i64::MAX as i128,
    };

    fn out_of_range(self) -> String {
        format!("out of {}'s range {} to {}", self.name, self.min, self.max)
    }
}

/// A number as written: `[+|-] digits [. digits] [e|E [+|-] digits]`, with a digit before or
/// after the point.
struct Decimal<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
    exp: i64,
}

impl Decimal<'_> {
    fn parse(s: &str) -> Option<Decimal<'_>> {
        let b = s.as_bytes();
        let mut i = 0;
        let negative = match b.first() {
            Some(b'-') => {
                i = 1;
                true
            }
            Some(b'+') => {
                i = 1;
                false
            }
            _ => false,
        };
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let int = &b[start..i];
        let mut frac: &[u8] = &[];
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            frac = &b[start..i];
        }
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let mut exp: i64 = 0;
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            let exp_negative = match b.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let start = i;
            while let Some(d) = b.get(i).filter(|d| d.is_ascii_digit()) {
                exp = exp.saturating_mul(10).saturating_add(i64::from(d - b'0'));
                i += 1;
            }
            if i == start {
                return None;
            }
            if exp_negative {
                exp = -exp;
            }
        }
        (i == b.len()).then_some(Decimal {
            negative,
            int,
            frac,
            exp,
        })
    }

    fn digit(&self, index: usize) -> u8 {
        let d = if index < self.int.len() {
            self.int[index]
        } else {
            self.frac[index - self.int.len()]
        };
        d - b'0'
    }

    /// The power of ten of the first digit that is not 0; `None` for zero.
    fn magnitude(&self) -> Option<i64> {
        let count = self.int.len() + self.frac.len();
        let first = (0..count).find(|&i| self.digit(i) != 0)?;
        Some((self.int.len() as i64 - 1 - first as i64).saturating_add(self.exp))
    }

    fn is_zero(&self) -> bool {
        self.int.iter().chain(self.frac).all(|&d| d == b'0')
    }

    /// The value when it is a whole number.
    fn whole(&self) -> Whole {
        let count = self.int.len() + self.frac.len();
        let Some(first) = (0..count).find(|&i| self.digit(i) != 0) else {
            return Whole::Value(0);
        };
        let last = (0..count)
            .rev()
            .find(|&i| self.digit(i) != 0)
            .unwrap_or(first);
        // Digits before `point` are the integer part.
        let point = (self.int.len() as i64).saturating_add(self.exp);
        if last as i64 >= point {
            return Whole::Fraction;
        }
        // 20 digits or more, the first not 0, is past any i64.
        if point - first as i64 > 19 {
            return Whole::TooLarge;
        }
        let mut value: i128 = 0;
        for i in first..point as usize {
            let d = if i < count { self.digit(i) } else { 0 };
            value = value * 10 + i128::from(d);
        }
        Whole::Value(if self.negative { -value } else { value })
    }
}

enum Whole {
    Value(i128),
    TooLarge,
    Fraction,
}

fn check_integer(number: &str, range: IntRange) -> Result<(), String> {
    let Some(decimal) = Decimal::parse(number) else {
        return Err(not_a_number(range.name));
    };
    match decimal.whole() {
        Whole::Value(v) if (range.min..=range.max).contains(&v) => Ok(()),
        Whole::Value(_) | Whole::TooLarge => Err(range.out_of_range()),
        Whole::Fraction => Err(format!(
            "not a whole number: {} takes whole numbers only",
            range.name
        )),
    }
}

fn not_a_number(sql: &str) -> String {
    format!("not a number: {sql} takes a JSON number or a string holding one")
}

const DOUBLE_RANGE: &str = "double precision's range of about 1E-307 to 1E+308";

fn check_double(number: &str) -> Result<(), String> {
    let Some(decimal) = Decimal::parse(number) else {
        return Err(not_a_number("double precision"));
    };
    if let Some(magnitude) = decimal.magnitude() {
        // Between 1E-300 and 1E+300 a double neither overflows nor underflows.
        if (-300..=300).contains(&magnitude) {
            return Ok(());
        }
    }
    let value: f64 = number
        .parse()
        .map_err(|_| not_a_number("double precision"))?;
    if value.is_infinite() {
        return Err(format!("out of {DOUBLE_RANGE}"));
    }
    if value == 0.0 && !decimal.is_zero() {
        return Err(format!(
            "too close to 0 for {DOUBLE_RANGE}: it would not load as written"
        ));
    }
    Ok(())
}

fn check_double_string(s: &str) -> Result<(), String> {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    if ["nan", "inf", "infinity"]
        .iter()
        .any(|word| unsigned.eq_ignore_ascii_case(word))
    {
        return Ok(());
    }
    check_double(s)
}

// ----------------------------------------------------------------------------------------------
// Booleans

const NOT_A_BOOLEAN: &str = "not a boolean: boolean takes true, false, or one of the strings \
     \"t\", \"true\", \"y\", \"yes\", \"1\", \"f\", \"false\", \"n\", \"no\", \"0\"";

fn check_boolean_string(s: &str) -> Result<(), String> {
    const WORDS: [&str; 10] = ["t", "true", "y", "yes", "1", "f", "false", "n", "no", "0"];
    if WORDS.iter().any(|word| s.eq_ignore_ascii_case(word)) {
        Ok(())
    } else {
        Err(NOT_A_BOOLEAN.into())
    }
}

// ----------------------------------------------------------------------------------------------
// Dates and timestamps

fn datetime_words(column_type: ColumnType) -> (&'static str, &'static str, &'static str) {
    if column_type == ColumnType::Date {
        ("date", "DATEFORMAT", "2026-11-25")
    } else {
        ("timestamp", "TIMEFORMAT", "2026-11-25T17:00:00")
    }
}

fn epoch_refusal(column_type: ColumnType) -> String {
    let (_, format, example) = datetime_words(column_type);
    format!(
        "epoch seconds or milliseconds are not recognised by {format} 'auto': write an ISO 8601 string such as \"{example}\""
    )
}

/// Digits only, at least [`EPOCH_DIGITS`] of them, with an optional sign and fraction.
fn looks_like_epoch(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    int.len() >= EPOCH_DIGITS
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

fn check_number_as_datetime(number: &str, column_type: ColumnType) -> Result<(), String> {
    let b = number.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    // The compact dates of the literals page: YYYYMMDD, YYMMDD, YYYY.DDD.
    let compact = (matches!(b.len(), 6 | 8) && digits(0..b.len()))
        || (b.len() == 8 && digits(0..4) && b[4] == b'.' && digits(5..8));
    if compact {
        return Ok(());
    }
    if looks_like_epoch(number) {
        return Err(epoch_refusal(column_type));
    }
    let (what, _, example) = datetime_words(column_type);
    Err(format!(
        "a JSON number is not a {what}: write an ISO 8601 string such as \"{example}\""
    ))
}

/// The special values of the literals page, and PostgreSQL's, which hold no digit.
const DATETIME_WORDS: [&str; 8] = [
    "now",
    "today",
    "tomorrow",
    "yesterday",
    "epoch",
    "infinity",
    "-infinity",
    "allballs",
];

fn check_datetime_string(s: &str, column_type: ColumnType) -> Result<(), String> {
    if let Some(iso) = Iso::parse(s) {
        return iso.check(column_type);
    }
    if looks_like_epoch(s) {
        return Err(epoch_refusal(column_type));
    }
    if !s.bytes().any(|b| b.is_ascii_digit())
        && !DATETIME_WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
    {
        let (what, _, _) = datetime_words(column_type);
        return Err(format!(
            "not a {what}: it holds no digit and is none of now, today, tomorrow, yesterday"
        ));
    }
    // Another format DATEFORMAT and TIMEFORMAT 'auto' may recognise: not checked.
    Ok(())
}

/// A string that starts with an ISO 8601 calendar date, `YYYY-MM-DD`, and what follows it as far
/// as it reads as `(T| )HH:MI[:SS[.fraction]]` and a zone (`Z`, `UTC`, `GMT`, `±HH[[:]MI]`).
struct Iso<'a> {
    date: &'a str,
    year: i64,
    month: u32,
    day: u32,
    time: Option<IsoTime<'a>>,
}

struct IsoTime<'a> {
    hour: u32,
    minute: u32,
    second: u32,
    /// The fraction as written, with its point; empty when there is none.
    fraction: &'a str,
    /// The zone's offset in minutes east of UTC, and how it is written.
    offset: Option<(i64, &'a str)>,
}

fn two_digits(b: &[u8], at: usize) -> Option<u32> {
    match b.get(at..at + 2)? {
        [x @ b'0'..=b'9', y @ b'0'..=b'9'] => Some(u32::from(x - b'0') * 10 + u32::from(y - b'0')),
        _ => None,
    }
}

impl<'a> Iso<'a> {
    fn parse(s: &'a str) -> Option<Iso<'a>> {
        let b = s.as_bytes();
        let year = two_digits(b, 0)? * 100 + two_digits(b, 2)?;
        if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let month = two_digits(b, 5)?;
        let day = two_digits(b, 8)?;
        Some(Iso {
            date: &s[..10],
            year: i64::from(year),
            month,
            day,
            time: IsoTime::parse(&s[10..]),
        })
    }

    fn check(&self, column_type: ColumnType) -> Result<(), String> {
        if !(1..=12).contains(&self.month) {
            return Err(format!(
                "not a calendar date: there is no month {:02}",
                self.month
            ));
        }
        let days = days_in_month(self.year, self.month);
        if self.day == 0 {
            return Err("not a calendar date: there is no day 00".into());
        }
        if self.day > days {
            return Err(format!(
                "not a calendar date: {} {} has {days} days",
                MONTHS[self.month as usize - 1],
                self.year
            ));
        }
        let Some(time) = &self.time else {
            return Ok(());
        };
        // 24:00:00 and a leap second 60 are let through (docs/checks.md, "Unverified cases").
        let end_of_day = time.hour == 24
            && time.minute == 0
            && time.second == 0
            && time.fraction.bytes().all(|b| b == b'.' || b == b'0');
        if time.hour > 23 && !end_of_day {
            return Err("not a time of day: hours run from 00 to 23".into());
        }
        if time.minute > 59 {
            return Err("not a time of day: minutes run from 00 to 59".into());
        }
        if time.second > 60 {
            return Err("not a time of day: seconds run from 00 to 59".into());
        }
        match time.offset {
            Some((minutes, written)) if minutes != 0 && column_type == ColumnType::Timestamp => {
                let local = format!(
                    "{} {:02}:{:02}:{:02}{}",
                    self.date, time.hour, time.minute, time.second, time.fraction
                );
                let utc = self.utc(time, minutes);
                Err(format!(
                    "UTC offset {written} would be dropped: timestamp without time zone ignores zones in input, so this would load as {local}, not as {utc} UTC"
                ))
            }
            _ => Ok(()),
        }
    }

    /// The time in UTC of this local time at `offset` minutes east of UTC.
    fn utc(&self, time: &IsoTime<'_>, offset: i64) -> String {
        let seconds =
            i64::from(time.hour) * 3600 + i64::from(time.minute) * 60 + i64::from(time.second)
                - offset * 60;
        let days = days_from_civil(self.year, self.month, self.day) + seconds.div_euclid(86_400);
        let seconds = seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        format!(
            "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}{}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60,
            time.fraction
        )
    }
}

impl<'a> IsoTime<'a> {
    /// Reads what follows the date; `None` unless it starts with a time.
    fn parse(rest: &'a str) -> Option<IsoTime<'a>> {
        let b = rest.as_bytes();
        let mut i = match b.first()? {
            b'T' | b't' => 1,
            b' ' => b.iter().take_while(|&&c| c == b' ').count(),
            _ => return None,
        };
        let hour = two_digits(b, i)?;
        if b.get(i + 2) != Some(&b':') {
            return None;
        }
        let minute = two_digits(b, i + 3)?;
        i += 5;
        let mut second = 0;
        let mut fraction = "";
        if b.get(i) == Some(&b':') {
            if let Some(s) = two_digits(b, i + 1) {
                second = s;
                i += 3;
                if b.get(i) == Some(&b'.') {
                    let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    if digits > 0 {
                        fraction = &rest[i..i + 1 + digits];
                        i += 1 + digits;
                    }
                }
            }
        }
        let zone = rest[i..].trim_start_matches(' ');
        Some(IsoTime {
            hour,
            minute,
            second,
            fraction,
            offset: parse_offset(zone),
        })
    }
}

/// A zone at the start of `zone`: `Z`, `UTC`, `GMT` or `±HH[[:]MI]`, followed by nothing that
/// extends it (a digit or letter).
fn parse_offset(zone: &str) -> Option<(i64, &str)> {
    let b = zone.as_bytes();
    let ends_at = |n: usize| !b.get(n).is_some_and(u8::is_ascii_alphanumeric);
    if matches!(b.first(), Some(b'Z' | b'z')) && ends_at(1) {
        return Some((0, &zone[..1]));
    }
    for name in ["UTC", "GMT"] {
        if b.get(..3)
            .is_some_and(|z| z.eq_ignore_ascii_case(name.as_bytes()))
            && ends_at(3)
        {
            return Some((0, &zone[..3]));
        }
    }
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hours = i64::from(two_digits(b, 1)?);
    let (minutes, len) = if b.get(3) == Some(&b':') {
        (i64::from(two_digits(b, 4)?), 6)
    } else if let Some(m) = two_digits(b, 3) {
        (i64::from(m), 5)
    } else {
        (0, 3)
    };
    if b.get(len).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some((sign * (hours * 60 + minutes), &zone[..len]))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 in the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

// ----------------------------------------------------------------------------------------------
// Strings

/// The four hex digits at `at`.
fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let digits = b.get(at..at + 4)?;
    let mut value = 0;
    for &d in digits {
        value = value * 16 + char::from(d).to_digit(16)?;
    }
    Some(value)
}

/// The character of a `\u` escape whose hex digits start at `at`, and how many bytes from `at`
/// it takes (a surrogate pair takes two escapes). A lone surrogate stands for U+FFFD.
fn unicode_escape(b: &[u8], at: usize) -> (char, usize) {
    let Some(high) = hex4(b, at) else {
        return (char::REPLACEMENT_CHARACTER, 0);
    };
    if (0xD800..0xDC00).contains(&high) && b.get(at + 4..at + 6) == Some(b"\\u") {
        if let Some(low) = hex4(b, at + 6).filter(|low| (0xDC00..0xE000).contains(low)) {
            let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
            return (char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER), 10);
        }
    }
    (
        char::from_u32(high).unwrap_or(char::REPLACEMENT_CHARACTER),
        4,
    )
}

/// Calls `out` with each piece of a JSON string's content once unescaped: runs of plain text
/// and single characters.
fn for_each_unescaped(content: &str, mut out: impl FnMut(Piece<'_>)) {
    let b = content.as_bytes();
    let mut plain = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        out(Piece::Text(&content[plain..i]));
        let Some(&escape) = b.get(i + 1) else {
            return;
        };
        i += 2;
        let c = match escape {
            b'n' => '\n',
            b't' => '\t',
            b'r' => '\r',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'u' => {
                let (c, used) = unicode_escape(b, i);
                i += used;
                c
            }
            other => char::from(other),
        };
        out(Piece::Char(c));
        plain = i;
    }
    out(Piece::Text(&content[plain..]));
}

enum Piece<'a> {
    Text(&'a str),
    Char(char),
}

fn unescape(content: &str) -> String {
    let mut s = String::with_capacity(content.len());
    for_each_unescaped(content, |piece| match piece {
        Piece::Text(text) => s.push_str(text),
        Piece::Char(c) => s.push(c),
    });
    s
}

/// The UTF-8 length of a JSON string's content once unescaped: the bytes COPY loads.
fn unescaped_len(content: &str) -> usize {
    let mut len = 0;
    for_each_unescaped(content, |piece| {
        len += match piece {
            Piece::Text(text) => text.len(),
            Piece::Char(c) => c.len_utf8(),
        }
    });
    len
}

/// The fewest bytes nested JSON can take as text: without white space between tokens and with
/// strings unescaped.
fn shortest_text_len(raw: &str) -> usize {
    let b = raw.as_bytes();
    let mut len = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let end = string_end(b, i + 1).map_or(b.len(), |(end, _)| end);
                len += 2 + unescaped_len(&raw[i + 1..end.min(b.len())]);
                i = end + 1;
            }
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            _ => {
                len += 1;
                i += 1;
            }
        }
    }
    len
}

// ----------------------------------------------------------------------------------------------
// Scanning

/// The index of the `"` that ends a string whose content starts at `from`, and whether the
/// string holds an escape.
fn string_end(b: &[u8], mut from: usize) -> Option<(usize, bool)> {
    let mut escaped = false;
    loop {
        from += find_quote_or_backslash(&b[from.min(b.len())..])?;
        if b[from] == b'"' {
            return Some((from, escaped));
        }
        escaped = true;
        from += 2;
    }
}

/// The first `"` or `\`, eight bytes at a time.
fn find_quote_or_backslash(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        // A zero byte in either marks a match; the lowest marked byte is always a true one.
        let found =
            (quote.wrapping_sub(ONES) & !quote | backslash.wrapping_sub(ONES) & !backslash) & HIGHS;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\')
        .map(|p| i + p)
}

struct Scanner<'r> {
    text: &'r str,
    b: &'r [u8],
    pos: usize,
}

impl<'r> Scanner<'r> {
    fn new(text: &'r str) -> Scanner<'r> {
        Scanner {
            text,
            b: text.as_bytes(),
            pos: 0,
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        let found = self.b.get(self.pos) == Some(&c);
        self.pos += usize::from(found);
        found
    }

    /// A string at `pos`: moves past it and says whether it holds an escape.
    fn string(&mut self) -> Option<bool> {
        if !self.eat(b'"') {
            return None;
        }
        let (end, escaped) = string_end(self.b, self.pos)?;
        self.pos = end + 1;
        Some(escaped)
    }

    fn key(&mut self) -> Option<Cow<'r, str>> {
        let start = self.pos + 1;
        let escaped = self.string()?;
        let content = &self.text[start..self.pos - 1];
        Some(if escaped {
            Cow::Owned(unescape(content))
        } else {
            Cow::Borrowed(content)
        })
    }

    fn value(&mut self) -> Option<Kind> {
        let literal = |s: &mut Self, word: &[u8], kind| {
            s.b[s.pos..].starts_with(word).then(|| {
                s.pos += word.len();
                kind
            })
        };
        match *self.b.get(self.pos)? {
            b'"' => self.string().map(|escaped| Kind::String { escaped }),
            b'{' => self.nested().then_some(Kind::Object),
            b'[' => self.nested().then_some(Kind::Array),
            b't' => literal(self, b"true", Kind::Bool),
            b'f' => literal(self, b"false", Kind::Bool),
            b'n' => literal(self, b"null", Kind::Null),
            _ => {
                let start = self.pos;
                while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') =
                    self.b.get(self.pos)
                {
                    self.pos += 1;
                }
                (self.pos > start).then_some(Kind::Number)
            }
        }
    }

    /// Skips the object or array at `pos`, counting depth rather than recursing.
    fn nested(&mut self) -> bool {
        let mut depth = 0usize;
        while let Some(&c) = self.b.get(self.pos) {
            match c {
                b'"' => {
                    if self.string().is_none() {
                        return false;
                    }
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        return true;
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        false
    }
}

/// Which columns have had their key.
struct Seen {
    small: u128,
    large: Vec<u64>,
}

impl Seen {
    fn new(columns: usize) -> Seen {
        Seen {
            small: 0,
            large: if columns > 128 {
                vec![0; columns.div_ceil(64)]
            } else {
                Vec::new()
            },
        }
    }

    fn insert(&mut self, index: usize) {
        if self.large.is_empty() {
            self.small |= 1 << index;
        } else {
            self.large[index / 64] |= 1 << (index % 64);
        }
    }

    fn contains(&self, index: usize) -> bool {
        if self.large.is_empty() {
            self.small & (1 << index) != 0
        } else {
            self.large[index / 64] & (1 << (index % 64)) != 0
        }
    }
}

/// For the fuzz target and the replay of its corpus: checks `row` against one column of each
/// type and, when it is accepted, that every value it gives loads as its column's type.
#[doc(hidden)]
pub fn fuzz_one(row: &[u8]) {
    use crate::ColumnType::*;
    let types = [Boolean, Float, Int, Bigint, Date, Timestamp, Text, Longtext];
    let columns: Vec<Column> = types
        .iter()
        .map(|&column_type| Column {
            name: column_type.name().into(),
            column_type,
            sort_ord: 0,
            dist_key: false,
            default_val: None,
            not_null: false,
            primary_key: false,
        })
        .collect();
    if crate::row::check(row).is_err() || TypedCheck::new(&columns, false).check(row).is_err() {
        return;
    }
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(row).expect("a row that passed is a JSON object");
    for column in &columns {
        let Some(value) = object.get(&column.name) else {
            continue;
        };
        let loads = match (column.column_type, value) {
            (_, serde_json::Value::Null) => true,
            (Int, serde_json::Value::Number(n)) => n.as_f64().is_some_and(|f| {
                f.fract() == 0.0 && f >= f64::from(i32::MIN) && f <= f64::from(i32::MAX)
            }),
            (Bigint, serde_json::Value::Number(n)) => n.as_f64().is_some_and(|f| f.fract() == 0.0),
            (Float, serde_json::Value::Number(n)) => n.as_f64().is_some_and(f64::is_finite),
            (Boolean | Date | Timestamp, v) => !v.is_object() && !v.is_array(),
            (Text, serde_json::Value::String(s)) => s.len() <= TEXT_BYTES,
            (Longtext, serde_json::Value::String(s)) => s.len() <= LONGTEXT_BYTES,
            _ => true,
        };
        assert!(
            loads,
            "accepted {value} for a {} column",
            column.column_type.name()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, column_type: ColumnType) -> Column {
        Column {
            name: name.into(),
            column_type,
            sort_ord: 0,
            dist_key: false,
            default_val: None,
            not_null: false,
            primary_key: false,
        }
    }

    fn not_null(name: &str, column_type: ColumnType) -> Column {
        Column {
            not_null: true,
            ..column(name, column_type)
        }
    }

    fn refusal(column: &str, value: &str, reason: &str) -> Refusal {
        Refusal {
            column: column.into(),
            value: value.into(),
            reason: reason.into(),
        }
    }

    /// Checks `{"c": value}` against one nullable column `c` of type `column_type`.
    fn one(column_type: ColumnType, value: &str) -> Result<(), Refusal> {
        TypedCheck::new(&[column("c", column_type)], false)
            .check(format!("{{\"c\":{value}}}").as_bytes())
    }

    /// The reason `value` is refused in a nullable column `c` of type `column_type`, after
    /// checking the refusal names `c` and quotes `value`.
    fn reason(column_type: ColumnType, value: &str) -> String {
        match one(column_type, value) {
            Err(r) => {
                assert_eq!(r.column, "c");
                assert_eq!(r.value, quote(value));
                r.reason
            }
            Ok(()) => panic!("{value} was accepted as {column_type:?}"),
        }
    }

    fn accepted(column_type: ColumnType, values: &[&str]) {
        for value in values {
            assert_eq!(
                one(column_type, value),
                Ok(()),
                "{value} as {column_type:?}"
            );
        }
    }

    fn events() -> TypedCheck {
        TypedCheck::new(
            &[
                not_null("time", ColumnType::Timestamp),
                not_null("event_id", ColumnType::Text),
                column("user_id", ColumnType::Bigint),
                column("amount", ColumnType::Float),
                column("premium", ColumnType::Boolean),
                column("country", ColumnType::Text),
                column("day", ColumnType::Date),
                column("count", ColumnType::Int),
                column("notes", ColumnType::Longtext),
            ],
            false,
        )
    }

    const EVENT: &str = r#"{"time":"2026-11-25T17:00:00","event_id":"evt-0000000001","user_id":123,"amount":12.34,"premium":true,"country":"DE"}"#;

    #[test]
    fn a_row_of_every_type_passes() {
        let check = events();
        check.check(EVENT.as_bytes()).unwrap();
        check
            .check(
                br#" { "time" : "2026-11-25 17:00:00.123456Z" , "event_id" : "e\u00e9" ,
                   "day": "2024-02-29", "count": -2147483648, "notes": {"a": [1, 2]},
                   "premium": "yes", "amount": "1e-3", "user_id": "9223372036854775807",
                   "other": [{"deep": [[[]]]}] } "#,
            )
            .unwrap();
    }

    // --- Keys ------------------------------------------------------------------------------

    #[test]
    fn a_key_differing_only_in_case_is_refused_naming_both() {
        let check = TypedCheck::new(&[column("userid", ColumnType::Int)], false);
        assert_eq!(
            check.check(br#"{"UserId":7}"#),
            Err(refusal(
                "userid",
                "7",
                "key \"UserId\" differs from column \"userid\" only in case: COPY JSON 'auto' would load NULL"
            ))
        );
        // With the exact key as well, COPY loads that one and drops the other.
        let both = Err(refusal(
            "userid",
            "\"x\"",
            "key \"USERID\" differs from column \"userid\" only in case: COPY JSON 'auto' would ignore it",
        ));
        assert_eq!(check.check(br#"{"userid":7,"USERID":"x"}"#), both);
        assert_eq!(check.check(br#"{"USERID":"x","userid":7}"#), both);
    }

    #[test]
    fn keys_matching_no_column_are_ignored_unless_refused() {
        let columns = [column("id", ColumnType::Int)];
        let row = br#"{"id":1,"extra":{"a":"b"},"ID2":3}"#;
        TypedCheck::new(&columns, false).check(row).unwrap();
        assert_eq!(
            TypedCheck::new(&columns, true).check(row),
            Err(refusal(
                "extra",
                r#"{"a":"b"}"#,
                "key \"extra\" matches no column: COPY JSON 'auto' would ignore it"
            ))
        );
        TypedCheck::new(&columns, true)
            .check(br#"{"id":1}"#)
            .unwrap();
    }

    #[test]
    fn keys_are_matched_after_unescaping() {
        let check = TypedCheck::new(&[not_null("id", ColumnType::Int)], true);
        check.check(br#"{"\u0069d":1}"#).unwrap();
        assert_eq!(
            check.check(br#"{"\u0069d":"x"}"#).unwrap_err().reason,
            "not a number: integer takes a JSON number or a string holding one"
        );
    }

    #[test]
    fn problems_are_reported_values_first_then_case_then_missing() {
        let check = TypedCheck::new(
            &[
                not_null("a", ColumnType::Int),
                not_null("b", ColumnType::Int),
                column("c", ColumnType::Int),
            ],
            false,
        );
        let row = br#"{"B":1,"c":1.5}"#;
        assert_eq!(check.check(row).unwrap_err().column, "c");
        let row = br#"{"B":1,"c":1}"#;
        assert_eq!(check.check(row).unwrap_err().column, "b");
        let row = br#"{"b":1,"c":1}"#;
        assert_eq!(check.check(row).unwrap_err().column, "a");
    }

    // --- NOT NULL ---------------------------------------------------------------------------

    #[test]
    fn not_null_columns_refuse_a_missing_key_or_null() {
        let check = TypedCheck::new(
            &[
                not_null("id", ColumnType::Int),
                column("n", ColumnType::Int),
            ],
            false,
        );
        assert_eq!(
            check.check(br#"{"n":1}"#),
            Err(refusal(
                "id",
                "",
                "key missing for a NOT NULL column: COPY JSON 'auto' would load NULL and fail"
            ))
        );
        assert_eq!(
            check.check(br#"{"id":null}"#),
            Err(refusal(
                "id",
                "null",
                "null in a NOT NULL column: COPY would fail"
            ))
        );
        check.check(br#"{"id":1,"n":null}"#).unwrap();
        check.check(br#"{"id":1}"#).unwrap();
    }

    #[test]
    fn a_default_does_not_stand_in_for_a_missing_key_or_null() {
        let with_default = Column {
            default_val: Some("0".into()),
            ..not_null("id", ColumnType::Int)
        };
        let check = TypedCheck::new(&[with_default], false);
        assert_eq!(
            check.check(b"{}"),
            Err(refusal(
                "id",
                "",
                "key missing for a NOT NULL column: COPY JSON 'auto' without a column list loads NULL, not the default 0, and would fail"
            ))
        );
        assert_eq!(
            check.check(br#"{"id":null}"#),
            Err(refusal(
                "id",
                "null",
                "null in a NOT NULL column: COPY would load NULL, not the default 0, and fail"
            ))
        );
        // A nullable column with a default takes a missing key or null.
        let nullable = Column {
            default_val: Some("0".into()),
            ..column("id", ColumnType::Int)
        };
        let check = TypedCheck::new(&[nullable], false);
        check.check(b"{}").unwrap();
        check.check(br#"{"id":null}"#).unwrap();
    }

    #[test]
    fn empty_and_blank_strings_load_null_in_non_text_columns() {
        for column_type in [
            ColumnType::Int,
            ColumnType::Bigint,
            ColumnType::Float,
            ColumnType::Boolean,
            ColumnType::Date,
            ColumnType::Timestamp,
        ] {
            accepted(column_type, &[r#""""#, r#"" \t ""#, r#""\n""#]);
            let check = TypedCheck::new(&[not_null("c", column_type)], false);
            let sql = sql_type(column_type);
            assert_eq!(
                check.check(br#"{"c":""}"#),
                Err(refusal(
                    "c",
                    r#""""#,
                    &format!("empty string in a NOT NULL {sql} column: COPY loads it as NULL and would fail")
                ))
            );
            assert_eq!(
                check.check(br#"{"c":"  "}"#).unwrap_err().reason,
                format!(
                    "blank string in a NOT NULL {sql} column: COPY loads it as NULL and would fail"
                )
            );
        }
        // Text loads them as they are.
        let check = TypedCheck::new(&[not_null("c", ColumnType::Text)], false);
        check.check(br#"{"c":""}"#).unwrap();
        check.check(br#"{"c":"  "}"#).unwrap();
    }

    // --- Integers --------------------------------------------------------------------------

    #[test]
    fn integer_range_boundaries() {
        accepted(ColumnType::Int, &["2147483647", "-2147483648", "0", "-0"]);
        let range = "out of integer's range -2147483648 to 2147483647";
        assert_eq!(reason(ColumnType::Int, "2147483648"), range);
        assert_eq!(reason(ColumnType::Int, "-2147483649"), range);
        assert_eq!(reason(ColumnType::Int, "1e10"), range);
        accepted(
            ColumnType::Bigint,
            &["9223372036854775807", "-9223372036854775808", "2147483648"],
        );
        let range = "out of bigint's range -9223372036854775808 to 9223372036854775807";
        assert_eq!(reason(ColumnType::Bigint, "9223372036854775808"), range);
        assert_eq!(reason(ColumnType::Bigint, "-9223372036854775809"), range);
        assert_eq!(
            reason(ColumnType::Bigint, "123456789012345678901234567890"),
            range
        );
        assert_eq!(reason(ColumnType::Bigint, "1e400"), range);
        assert_eq!(reason(ColumnType::Bigint, "1e999999999999999999999"), range);
    }

    #[test]
    fn integers_refuse_fractions() {
        let not_whole = "not a whole number: integer takes whole numbers only";
        for value in ["1.5", "-0.1", "1e-3", "1.25e1", "123456789.000001"] {
            assert_eq!(reason(ColumnType::Int, value), not_whole, "{value}");
        }
        assert_eq!(
            reason(ColumnType::Bigint, "0.5"),
            "not a whole number: bigint takes whole numbers only"
        );
        // Whole numbers with a point or an exponent are let through (unverified).
        accepted(
            ColumnType::Int,
            &["1.0", "1e3", "1.5e1", "100e-2", "0e-400", "2147483.647e3"],
        );
        assert_eq!(
            reason(ColumnType::Int, "2147483.648e3"),
            "out of integer's range -2147483648 to 2147483647"
        );
    }

    #[test]
    fn integers_take_numeric_strings() {
        accepted(
            ColumnType::Int,
            &[r#""42""#, r#""+17""#, r#""-555""#, r#"" 42 ""#, r#""007""#],
        );
        assert_eq!(
            reason(ColumnType::Int, r#""2147483648""#),
            "out of integer's range -2147483648 to 2147483647"
        );
        assert_eq!(
            reason(ColumnType::Int, r#""4.2""#),
            "not a whole number: integer takes whole numbers only"
        );
        let nan = "not a number: integer takes a JSON number or a string holding one";
        for value in [
            r#""abc""#,
            r#""4 2""#,
            r#""0x2A""#,
            r#""1,000""#,
            r#""NaN""#,
            r#""1e""#,
            r#""-""#,
        ] {
            assert_eq!(reason(ColumnType::Int, value), nan, "{value}");
        }
    }

    #[test]
    fn scalar_columns_refuse_nested_json_and_booleans() {
        for column_type in [
            ColumnType::Int,
            ColumnType::Bigint,
            ColumnType::Float,
            ColumnType::Boolean,
            ColumnType::Date,
            ColumnType::Timestamp,
        ] {
            let sql = sql_type(column_type);
            assert_eq!(
                reason(column_type, r#"{"a":1}"#),
                format!("a JSON object cannot load into {sql}: COPY loads nested JSON as its text")
            );
            assert_eq!(
                reason(column_type, "[1]"),
                format!("a JSON array cannot load into {sql}: COPY loads nested JSON as its text")
            );
            if column_type != ColumnType::Boolean {
                assert_eq!(
                    reason(column_type, "true"),
                    format!("a JSON boolean cannot load into {sql}")
                );
            }
        }
    }

    // --- Double precision ---------------------------------------------------------------------

    #[test]
    fn doubles() {
        accepted(
            ColumnType::Float,
            &[
                "12.34",
                "-0",
                "1e308",
                "-1.7976931348623157e308",
                "2.2250738585072014e-308",
                "1e-310",
                "0e-999",
                r#""12.34""#,
                r#""-37.""#,
                r#"".5""#,
                r#""NaN""#,
                r#""-Infinity""#,
                r#""inf""#,
                "123456789012345678901234567890",
            ],
        );
        let range = "out of double precision's range of about 1E-307 to 1E+308";
        assert_eq!(reason(ColumnType::Float, "1e309"), range);
        assert_eq!(reason(ColumnType::Float, "-1.8e308"), range);
        assert_eq!(reason(ColumnType::Float, r#""1e400""#), range);
        assert_eq!(
            reason(ColumnType::Float, "1e-400"),
            "too close to 0 for double precision's range of about 1E-307 to 1E+308: it would not load as written"
        );
        assert_eq!(
            reason(ColumnType::Float, r#""12,34""#),
            "not a number: double precision takes a JSON number or a string holding one"
        );
    }

    // --- Boolean ----------------------------------------------------------------------------

    #[test]
    fn booleans() {
        accepted(
            ColumnType::Boolean,
            &[
                "true",
                "false",
                "1",
                "0",
                r#""t""#,
                r#""true""#,
                r#""y""#,
                r#""yes""#,
                r#""1""#,
                r#""f""#,
                r#""false""#,
                r#""n""#,
                r#""no""#,
                r#""0""#,
                r#""TRUE""#,
                r#""No""#,
            ],
        );
        for value in [
            r#""maybe""#,
            r#""tr""#,
            r#""on""#,
            "2",
            "1.0",
            "-1",
            r#""2""#,
        ] {
            assert_eq!(reason(ColumnType::Boolean, value), NOT_A_BOOLEAN, "{value}");
        }
        assert_eq!(
            NOT_A_BOOLEAN,
            "not a boolean: boolean takes true, false, or one of the strings \"t\", \"true\", \"y\", \"yes\", \"1\", \"f\", \"false\", \"n\", \"no\", \"0\""
        );
    }

    // --- Text -------------------------------------------------------------------------------

    fn json_string(s: &str) -> String {
        format!("\"{s}\"")
    }

    #[test]
    fn text_counts_utf8_bytes() {
        let a = |n| "a".repeat(n);
        accepted(ColumnType::Text, &[&json_string(&a(256)), &json_string("")]);
        assert_eq!(
            reason(ColumnType::Text, &json_string(&a(257))),
            "text value is 257 bytes, over varchar(256)'s 256"
        );
        assert_eq!(
            reason(ColumnType::Text, &json_string(&a(300))),
            "text value is 300 bytes, over varchar(256)'s 256"
        );
        // A 2-byte character holding the 256th byte, then the 257th.
        accepted(ColumnType::Text, &[&json_string(&format!("{}é", a(254)))]);
        assert_eq!(
            reason(ColumnType::Text, &json_string(&format!("{}é", a(255)))),
            "text value is 257 bytes, over varchar(256)'s 256"
        );
        // A 4-byte character: 252 + 4 = 256 fits, 253 + 4 does not.
        accepted(ColumnType::Text, &[&json_string(&format!("{}🚀", a(252)))]);
        assert_eq!(
            reason(ColumnType::Text, &json_string(&format!("{}🚀", a(253)))),
            "text value is 257 bytes, over varchar(256)'s 256"
        );
        // 128 two-byte characters are 256 bytes, though only 128 characters.
        accepted(ColumnType::Text, &[&json_string(&"é".repeat(128))]);
        assert_eq!(
            reason(ColumnType::Text, &json_string(&"é".repeat(129))),
            "text value is 258 bytes, over varchar(256)'s 256"
        );
    }

    #[test]
    fn text_counts_bytes_after_unescaping() {
        let a = |n| "a".repeat(n);
        // \u00e9 is 6 bytes in the row and 2 once loaded; \n is 2 and 1.
        accepted(
            ColumnType::Text,
            &[&json_string(&format!("{}\\u00e9", a(254)))],
        );
        accepted(ColumnType::Text, &[&json_string(&format!("{}\\n", a(255)))]);
        assert_eq!(
            reason(ColumnType::Text, &json_string(&format!("{}\\n", a(256)))),
            "text value is 257 bytes, over varchar(256)'s 256"
        );
        // A surrogate pair is one 4-byte character.
        accepted(
            ColumnType::Text,
            &[&json_string(&format!("{}\\ud83d\\ude80", a(252)))],
        );
        assert_eq!(
            reason(
                ColumnType::Text,
                &json_string(&format!("{}\\ud83d\\ude80", a(253)))
            ),
            "text value is 257 bytes, over varchar(256)'s 256"
        );
        assert_eq!(unescaped_len(r#"\"\\\/\b\f\n\r\t"#), 8);
        assert_eq!(unescaped_len(r"\ud800x"), 4);
    }

    #[test]
    fn longtext_boundaries() {
        let a = |n| "a".repeat(n);
        accepted(ColumnType::Longtext, &[&json_string(&a(65535))]);
        assert_eq!(
            reason(ColumnType::Longtext, &json_string(&a(65536))),
            "text value is 65536 bytes, over varchar(65535)'s 65535"
        );
        accepted(
            ColumnType::Longtext,
            &[&json_string(&format!("{}€", a(65532)))],
        );
        assert_eq!(
            reason(
                ColumnType::Longtext,
                &json_string(&format!("{}€", a(65533)))
            ),
            "text value is 65536 bytes, over varchar(65535)'s 65535"
        );
    }

    #[test]
    fn text_takes_numbers_booleans_and_nested_json_as_text() {
        accepted(
            ColumnType::Text,
            &["12.34", "true", "false", r#"{"a":[1,2]}"#, "[]"],
        );
        // Nested JSON counts its shortest text: no white space, strings unescaped.
        let items = vec!["\"abcdefgh\""; 25].join(", "); // 25 * 10 + 24 commas + 2 = 276
        assert_eq!(
            reason(ColumnType::Text, &format!("[{items}]")),
            "JSON array is at least 276 bytes as text, over varchar(256)'s 256"
        );
        let spaced = format!("[ {} ]", vec!["1"; 128].join(" ,  ")); // 128 + 127 + 2 = 257
        assert_eq!(
            reason(ColumnType::Text, &spaced),
            "JSON array is at least 257 bytes as text, over varchar(256)'s 256"
        );
        let fits = format!("[ {} ]", vec!["1"; 127].join(" ,  ")); // 255
        accepted(ColumnType::Text, &[&fits]);
        let object = format!("{{\"k\": \"{}\\u00e9\"}}", "a".repeat(246)); // 2+3+1 + 248 + 2 = 256
        accepted(ColumnType::Text, &[&object]);
        let object = format!("{{\"k\": \"{}\\u00e9\"}}", "a".repeat(247));
        assert_eq!(
            reason(ColumnType::Text, &object),
            "JSON object is at least 257 bytes as text, over varchar(256)'s 256"
        );
    }

    #[test]
    fn quoted_values_are_cut_at_64_bytes_on_a_character_boundary() {
        // 63 bytes of 'a', then 'é' across bytes 64 and 65: the quote stops before it.
        let value = json_string(&format!("{}é{}", "a".repeat(62), "b".repeat(300)));
        let r = one(ColumnType::Text, &value).unwrap_err();
        assert_eq!(r.value, format!("\"{}", "a".repeat(62)));
        assert_eq!(r.value.len(), 63);
        let value = json_string(&"a".repeat(300));
        assert_eq!(one(ColumnType::Text, &value).unwrap_err().value.len(), 64);
    }

    // --- Dates ------------------------------------------------------------------------------

    #[test]
    fn dates_must_be_calendar_dates() {
        accepted(
            ColumnType::Date,
            &[
                r#""2026-11-25""#,
                r#""2024-02-29""#,
                r#""2000-02-29""#,
                r#""2026-12-31""#,
                r#""2026-04-30""#,
                r#""0001-01-01""#,
            ],
        );
        assert_eq!(
            reason(ColumnType::Date, r#""2025-02-29""#),
            "not a calendar date: February 2025 has 28 days"
        );
        assert_eq!(
            reason(ColumnType::Date, r#""2100-02-29""#),
            "not a calendar date: February 2100 has 28 days"
        );
        assert_eq!(
            reason(ColumnType::Date, r#""2026-04-31""#),
            "not a calendar date: April 2026 has 30 days"
        );
        assert_eq!(
            reason(ColumnType::Date, r#""2026-13-01""#),
            "not a calendar date: there is no month 13"
        );
        assert_eq!(
            reason(ColumnType::Date, r#""2026-00-10""#),
            "not a calendar date: there is no month 00"
        );
        assert_eq!(
            reason(ColumnType::Date, r#""2026-01-00""#),
            "not a calendar date: there is no day 00"
        );
    }

    #[test]
    fn dates_drop_a_time_and_its_zone() {
        accepted(
            ColumnType::Date,
            &[
                r#""2026-11-25T17:00:00""#,
                r#""2026-11-25 23:30:00-05:00""#,
                r#""2026-11-25T01:00:00+09:00""#,
            ],
        );
        assert_eq!(
            reason(ColumnType::Date, r#""2026-11-25T25:00:00""#),
            "not a time of day: hours run from 00 to 23"
        );
    }

    #[test]
    fn dates_in_other_formats_are_not_checked() {
        accepted(
            ColumnType::Date,
            &[
                r#""Jan-08-95 BC""#,
                r#""J2451187""#,
                r#""1996.008""#,
                r#""03/31/2003""#,
                r#""March 31, 2003""#,
                r#""20080215""#,
                r#""today""#,
                r#""YESTERDAY""#,
                r#""2026-11-25xyz""#,
                "20080215",
                "991231",
                "2008.366",
            ],
        );
        assert_eq!(
            reason(ColumnType::Date, r#""n/a""#),
            "not a date: it holds no digit and is none of now, today, tomorrow, yesterday"
        );
        assert_eq!(
            reason(ColumnType::Date, r#""null""#),
            "not a date: it holds no digit and is none of now, today, tomorrow, yesterday"
        );
    }

    #[test]
    fn epoch_numbers_are_refused_with_a_hint() {
        let hint = "epoch seconds or milliseconds are not recognised by TIMEFORMAT 'auto': write an ISO 8601 string such as \"2026-11-25T17:00:00\"";
        for value in [
            "1764090000",
            "1764090000123",
            "1764090000.5",
            r#""1764090000""#,
            r#""-176409000""#,
        ] {
            assert_eq!(reason(ColumnType::Timestamp, value), hint, "{value}");
        }
        assert_eq!(
            reason(ColumnType::Date, "1764090000"),
            "epoch seconds or milliseconds are not recognised by DATEFORMAT 'auto': write an ISO 8601 string such as \"2026-11-25\""
        );
        assert_eq!(
            reason(ColumnType::Timestamp, "42"),
            "a JSON number is not a timestamp: write an ISO 8601 string such as \"2026-11-25T17:00:00\""
        );
        assert_eq!(
            reason(ColumnType::Date, "1.76409e9"),
            "a JSON number is not a date: write an ISO 8601 string such as \"2026-11-25\""
        );
    }

    // --- Timestamps -------------------------------------------------------------------------

    #[test]
    fn timestamps_in_iso_8601() {
        accepted(
            ColumnType::Timestamp,
            &[
                r#""2026-11-25T17:00:00""#,
                r#""2026-11-25 17:00:00""#,
                r#""2026-11-25T17:00""#,
                r#""2026-11-25T17:00:00.123456""#,
                r#""2026-11-25T17:00:00.123456789""#,
                r#""2026-11-25""#,
                r#""2024-02-29T23:59:59.999""#,
                r#""2026-11-25T00:00:00""#,
            ],
        );
        assert_eq!(
            reason(ColumnType::Timestamp, r#""2025-02-29T12:00:00""#),
            "not a calendar date: February 2025 has 28 days"
        );
        assert_eq!(
            reason(ColumnType::Timestamp, r#""2026-11-25T24:00:01""#),
            "not a time of day: hours run from 00 to 23"
        );
        assert_eq!(
            reason(ColumnType::Timestamp, r#""2026-11-25T23:60:00""#),
            "not a time of day: minutes run from 00 to 59"
        );
        assert_eq!(
            reason(ColumnType::Timestamp, r#""2026-11-25T23:59:61""#),
            "not a time of day: seconds run from 00 to 59"
        );
        // The end of the day and a leap second are let through (unverified).
        accepted(
            ColumnType::Timestamp,
            &[
                r#""2026-11-25T24:00:00""#,
                r#""2026-11-25T24:00""#,
                r#""2026-12-31T23:59:60""#,
            ],
        );
    }

    #[test]
    fn timestamps_take_only_a_zero_utc_offset() {
        accepted(
            ColumnType::Timestamp,
            &[
                r#""2026-11-25T17:00:00Z""#,
                r#""2026-11-25T17:00:00z""#,
                r#""2026-11-25T17:00:00+00:00""#,
                r#""2026-11-25T17:00:00-00:00""#,
                r#""2026-11-25T17:00:00+0000""#,
                r#""2026-11-25T17:00:00+00""#,
                r#""2026-11-25 17:00:00 UTC""#,
                r#""2026-11-25T17:00:00.5Z""#,
            ],
        );
        assert_eq!(
            reason(ColumnType::Timestamp, r#""2026-11-25T17:00:00+02:00""#),
            "UTC offset +02:00 would be dropped: timestamp without time zone ignores zones in input, so this would load as 2026-11-25 17:00:00, not as 2026-11-25 15:00:00 UTC"
        );
        // Across midnight, the end of a month and a year.
        assert_eq!(
            reason(ColumnType::Timestamp, r#""2026-12-31T22:30:00.25-05:30""#),
            "UTC offset -05:30 would be dropped: timestamp without time zone ignores zones in input, so this would load as 2026-12-31 22:30:00.25, not as 2027-01-01 04:00:00.25 UTC"
        );
        assert_eq!(
            reason(ColumnType::Timestamp, r#""2024-03-01 01:00 +0900""#),
            "UTC offset +0900 would be dropped: timestamp without time zone ignores zones in input, so this would load as 2024-03-01 01:00:00, not as 2024-02-29 16:00:00 UTC"
        );
        assert_eq!(
            reason(ColumnType::Timestamp, r#""1997-12-17 07:37:16-08""#),
            "UTC offset -08 would be dropped: timestamp without time zone ignores zones in input, so this would load as 1997-12-17 07:37:16, not as 1997-12-17 15:37:16 UTC"
        );
        // A zone name after the time is not checked (unverified).
        accepted(
            ColumnType::Timestamp,
            &[r#""2026-11-25 17:00:00 PST""#, r#""2026-11-25 04:05 PM""#],
        );
    }

    #[test]
    fn civil_days_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for days in [-1_000_000, -719_468, -1, 0, 59, 11_016, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    // --- Rows that did not pass the shape check ---------------------------------------------

    #[test]
    fn rows_that_are_not_one_object_are_refused_without_panicking() {
        let check = events();
        for row in [
            &b""[..],
            b"[1]",
            b"{",
            b"{\"time\"",
            b"{\"time\":",
            b"{\"time\":\"2026",
            b"{\"a\":[1,{\"b\":\"}",
            b"{\"a\" 1}",
            b"{\"a\":1 \"b\":2}",
            b"{\"a\":tru}",
            b"{\"a\":\xff}",
            b"{\"a\":\"\\",
            b"{\"a\":}",
        ] {
            let r = check.check(row).unwrap_err();
            assert_eq!(r.column, "", "{:?}", String::from_utf8_lossy(row));
            assert_eq!(
                r.reason,
                "not one JSON object: the typed check takes rows that passed the shape check"
            );
        }
        // Every prefix of a good row, and every row with one byte changed, is handled.
        let row = br#"{"time":"2026-11-25T17:00:00+01:00","event_id":"e\"\u00e9","n":[{"x":"]"}],"amount":-1.5e3}"#;
        for end in 0..row.len() {
            let _ = check.check(&row[..end]);
        }
        for at in 0..row.len() {
            for byte in [b'"', b'\\', b'{', b'}', b'[', b']', b':', b',', b'0', b' '] {
                let mut changed = row.to_vec();
                changed[at] = byte;
                let _ = check.check(&changed);
            }
        }
    }

    #[test]
    fn deep_nesting_is_skipped_without_recursion() {
        let depth = 1_000_000;
        let row = format!(
            "{{\"a\":{}{},\"id\":1}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        TypedCheck::new(&[not_null("id", ColumnType::Int)], false)
            .check(row.as_bytes())
            .unwrap();
    }

    #[test]
    fn many_columns() {
        let columns: Vec<Column> = (0..300)
            .map(|i| not_null(&format!("c{i}"), ColumnType::Int))
            .collect();
        let check = TypedCheck::new(&columns, false);
        let mut row: Vec<String> = (0..300).map(|i| format!("\"c{i}\":{i}")).collect();
        check
            .check(format!("{{{}}}", row.join(",")).as_bytes())
            .unwrap();
        row.remove(200);
        assert_eq!(
            check
                .check(format!("{{{}}}", row.join(",")).as_bytes())
                .unwrap_err()
                .column,
            "c200"
        );
    }

    #[test]
    fn string_search_finds_the_first_quote_or_backslash() {
        for len in 0..40 {
            for at in 0..len {
                for c in [b'"', b'\\'] {
                    let mut b = vec![b'a'; len];
                    b[at] = c;
                    if at + 1 < len {
                        b[len - 1] = b'"';
                    }
                    assert_eq!(find_quote_or_backslash(&b), Some(at));
                }
            }
            assert_eq!(find_quote_or_backslash(&vec![b'a'; len]), None);
        }
        // Bytes one away from '"' (0x22) and '\' (0x5C) are not matches.
        let near = [0x21, 0x23, 0x5B, 0x5D, 0xA2, 0xDC, 0x00, 0xFF, 0x21, 0x22];
        assert_eq!(find_quote_or_backslash(&near), Some(9));
    }
}
