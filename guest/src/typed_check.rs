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
pub const TEXT_BYTES: usize = 256;
/// Redshift's `varchar(65535)`, the `longtext` type.
pub const LONGTEXT_BYTES: usize = 65535;
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

    /// A walk through one row's entries, for the parser that reads the row (`row::RowChecks`):
    /// it hands each top-level key and the JSON text of its value to [`RowWalk::entry`], then
    /// calls [`RowWalk::finish`] for the verdict.
    pub fn walk<'r>(&self) -> RowWalk<'_, 'r> {
        RowWalk {
            check: self,
            seen: Seen::new(self.columns.len()),
            case_variant: None,
            refusal: None,
        }
    }

    /// The type of the column named `name`, as table configs write it; "" for no such column.
    pub fn column_type(&self, name: &str) -> &'static str {
        self.find(name)
            .map_or("", |index| self.columns[index].column_type.name())
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

/// One row's entries going through the typed checks; see [`TypedCheck::walk`].
pub struct RowWalk<'c, 'r> {
    check: &'c TypedCheck,
    seen: Seen,
    /// The first key that differs from a column only in case: (column, key, value).
    case_variant: Option<(usize, Cow<'r, str>, &'r str)>,
    /// The first refusal of a value (or of an unknown key), in the row's order.
    refusal: Option<Refusal>,
}

impl<'r> RowWalk<'_, 'r> {
    /// One top-level key and the JSON text of its value. After a refusal, later entries are not
    /// looked at: the first refusal is the row's.
    pub fn entry(&mut self, key: Cow<'r, str>, raw: &'r str) {
        if self.refusal.is_some() {
            return;
        }
        let check = self.check;
        if let Some(index) = check.find(&key) {
            self.seen.insert(index);
            if let Err(refusal) = check_value(&check.columns[index], Kind::of(raw), raw) {
                self.refusal = Some(refusal);
            }
        } else if let Some(index) = check.find_ignoring_case(&key) {
            if self.case_variant.is_none() {
                self.case_variant = Some((index, key, raw));
            }
        } else if check.refuse_unknown_keys {
            self.refusal = Some(Refusal {
                column: key.to_string(),
                value: quote(raw),
                reason: format!("key {key:?} matches no column: COPY JSON 'auto' would ignore it"),
            });
        }
    }

    /// The verdict on the row: the first refused value, else a key that differs from a column
    /// only in case, else a NOT NULL column whose key is missing.
    pub fn finish(self) -> Result<(), Refusal> {
        if let Some(refusal) = self.refusal {
            return Err(refusal);
        }
        let columns = &self.check.columns;
        if let Some((index, key, raw)) = self.case_variant {
            let name = &columns[index].name;
            let outcome = if self.seen.contains(index) {
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
        for &index in &self.check.not_null {
            if !self.seen.contains(index) {
                let column = &columns[index];
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

impl Kind {
    /// The kind of a JSON value from its text, which a parser has already checked.
    fn of(raw: &str) -> Kind {
        match raw.as_bytes().first() {
            Some(b'"') => Kind::String {
                escaped: raw.contains('\\'),
            },
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'n') => Kind::Null,
            _ => Kind::Number,
        }
    }
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
    min: i64,
    max: i64,
}

impl IntRange {
    const INTEGER: IntRange = IntRange {
        name: "integer",
        min: i32::MIN as i64,
        max: i32::MAX as i64,
    };
    const BIGINT: IntRange = IntRange {
        name: "bigint",
        min: i64::MIN,
        max: i64::MAX,
    };

    /// Whether a whole number, given as its sign and magnitude, is in range. Magnitudes keep
    /// the arithmetic in 64 bits, which wasm does natively (i128 is a library call there).
    fn contains(self, negative: bool, magnitude: u64) -> bool {
        match negative {
            true => magnitude <= self.min.unsigned_abs(),
            false => magnitude <= self.max as u64,
        }
    }

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
            return Whole::Value {
                negative: false,
                magnitude: 0,
            };
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
        // At most 19 digits: below 10^19, within u64.
        let mut magnitude: u64 = 0;
        for i in first..point as usize {
            let d = if i < count { self.digit(i) } else { 0 };
            magnitude = magnitude * 10 + u64::from(d);
        }
        Whole::Value {
            negative: self.negative,
            magnitude,
        }
    }
}

enum Whole {
    Value { negative: bool, magnitude: u64 },
    TooLarge,
    Fraction,
}

fn check_integer(number: &str, range: IntRange) -> Result<(), String> {
    let Some(decimal) = Decimal::parse(number) else {
        return Err(not_a_number(range.name));
    };
    match decimal.whole() {
        Whole::Value {
            negative,
            magnitude,
        } if range.contains(negative, magnitude) => Ok(()),
        Whole::Value { .. } | Whole::TooLarge => Err(range.out_of_range()),
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

#[cfg(test)]
mod tests;
