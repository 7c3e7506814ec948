//! What a row must be: one JSON object of at most 4 MiB, with no key twice at its top level.
//! The check walks the row without building values, which is several times cheaper than
//! parsing into a tree.

use std::borrow::Cow;
use std::fmt;

use serde::de::{
    Deserialize, DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, Visitor,
};
use serde_json::value::RawValue;

use crate::typed_check::{RowWalk, TypedCheck};
use crate::{Column, Error};

/// Redshift refuses JSON records over 4 MiB.
pub const MAX_ROW_BYTES: usize = 4 * 1024 * 1024;

/// Accepts `row` if it is exactly one JSON object, with optional whitespace around it.
pub fn check(row: &[u8]) -> Result<(), Error> {
    walk_object(row, None)
}

/// The shape checks, and, given a typed walk, the typed checks in the same pass over the row. A
/// row that fails both is refused for its shape.
pub(crate) fn walk_object<'r>(
    row: &'r [u8],
    walk: Option<&mut RowWalk<'_, 'r>>,
) -> Result<(), Error> {
    if row.len() > MAX_ROW_BYTES {
        return Err(Error::RowTooLarge(row.len() as u64));
    }
    // serde_json skips over string contents without checking their UTF-8; Redshift needs it.
    let text = std::str::from_utf8(row).map_err(|e| Error::InvalidJson {
        message: "invalid UTF-8".into(),
        offset: e.valid_up_to() as u64,
    })?;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    ObjectSeed { walk }
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end())
        .map_err(|e| invalid_json(row, &e))
}

/// The checks a packed row passes: its shape, then, when the destination has columns, the typed
/// checks of docs/checks.md.
pub struct RowChecks {
    typed: Option<TypedCheck>,
}

impl RowChecks {
    pub fn new(columns: &[Column], refuse_unknown_keys: bool) -> RowChecks {
        RowChecks {
            typed: (!columns.is_empty()).then(|| TypedCheck::new(columns, refuse_unknown_keys)),
        }
    }

    pub fn check(&self, row: &[u8]) -> Result<(), Error> {
        let Some(typed) = &self.typed else {
            return check(row);
        };
        let mut walk = typed.walk();
        walk_object(row, Some(&mut walk))?;
        walk.finish().map_err(|r| Error::InvalidRow(Box::new(r)))
    }

    /// The type of the column named `name`, as table configs write it; "" for no such column.
    pub fn column_type(&self, name: &str) -> &'static str {
        self.typed
            .as_ref()
            .map_or("", |typed| typed.column_type(name))
    }
}

/// The lines of a batch that are not blank: 1-based line number, byte offset, line.
pub fn lines(rows: &[u8]) -> impl Iterator<Item = (u64, u64, &[u8])> {
    let mut offset = 0;
    rows.split(|&b| b == b'\n')
        .enumerate()
        .map(move |(index, line)| {
            let start = offset;
            offset += line.len() as u64 + 1;
            (index as u64 + 1, start, line)
        })
        .filter(|(_, _, line)| !line.iter().all(u8::is_ascii_whitespace))
}

/// A line that the checks refused: line number, byte offset, why.
pub type RefusedLine = (u64, u64, Error);

/// Every line of `rows` that a pipe to a destination with `columns` would refuse.
pub fn refused_lines(
    columns: &[Column],
    refuse_unknown_keys: bool,
    rows: &[u8],
) -> Vec<RefusedLine> {
    let checks = RowChecks::new(columns, refuse_unknown_keys);
    lines(rows)
        .filter_map(|(line, offset, row)| checks.check(row).err().map(|e| (line, offset, e)))
        .collect()
}

fn invalid_json(row: &[u8], error: &serde_json::Error) -> Error {
    // serde_json reports a 1-based line and a byte column; turn them into a byte offset.
    let line_start: usize = row
        .split_inclusive(|&b| b == b'\n')
        .take(error.line().saturating_sub(1))
        .map(<[u8]>::len)
        .sum();
    // Column 0 is the newline that ended the line before.
    let offset = (line_start + error.column())
        .saturating_sub(1)
        .min(row.len());
    let message = error.to_string();
    // Drop serde_json's " at line L column C": the offset says where, for the whole row.
    let message = match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message,
    };
    Error::InvalidJson {
        message,
        offset: offset as u64,
    }
}

/// The row's object, walked without building values; with a typed walk, each value's text goes
/// to it.
struct ObjectSeed<'w, 'c, 'de> {
    walk: Option<&'w mut RowWalk<'c, 'de>>,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_, '_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_, '_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        // A column's value must not depend on which duplicate COPY happens to take.
        // Rows have a few dozen keys at most: one allocation, no regrowth.
        let mut keys: Vec<Key<'de>> = Vec::with_capacity(32);
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if keys.contains(&key) {
                return Err(A::Error::custom(format_args!("duplicate key {:?}", key.0)));
            }
            match self.walk.as_deref_mut() {
                Some(walk) => walk.entry(key.0.clone(), map.next_value::<&RawValue>()?.get()),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            keys.push(key);
        }
        Ok(())
    }
}

/// A top-level key, borrowed from the row unless it had escapes.
#[derive(PartialEq)]
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(key)))
    }

    fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(key.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(row: &[u8]) -> (String, u64) {
        match check(row) {
            Err(Error::InvalidJson { message, offset }) => (message, offset),
            other => panic!(
                "expected InvalidJson for {:?}, got {other:?}",
                String::from_utf8_lossy(row)
            ),
        }
    }

    #[test]
    fn objects_pass() {
        check(br#"{"a":1,"b":[1,2,{"c":null}],"d":"\u00e9"}"#).unwrap();
        check(b"  {}\t\r\n").unwrap();
        check("{\"name\":\"Zoë 🚀\"}".as_bytes()).unwrap();
    }

    #[test]
    fn other_values_are_refused_with_the_reason() {
        assert_eq!(
            refusal(b"[1,2]").0,
            "invalid type: sequence, expected a JSON object"
        );
        assert_eq!(
            refusal(br#""text""#).0,
            "invalid type: string \"text\", expected a JSON object"
        );
        assert_eq!(
            refusal(b"42").0,
            "invalid type: integer `42`, expected a JSON object"
        );
        assert_eq!(
            refusal(b"null").0,
            "invalid type: null, expected a JSON object"
        );
    }

    #[test]
    fn two_objects_are_refused_at_the_second() {
        assert_eq!(
            refusal(br#"{"a":1} {"b":2}"#),
            ("trailing characters".into(), 8)
        );
    }

    #[test]
    fn truncated_json_points_at_the_end() {
        let (message, offset) = refusal(br#"{"a":"#);
        assert_eq!(message, "EOF while parsing a value");
        assert_eq!(offset, 4);
    }

    #[test]
    fn offsets_count_across_lines() {
        let (_, offset) = refusal(b"{\n  \"a\": tru\n}");
        assert_eq!(offset, 12);
    }

    #[test]
    fn empty_and_blank_rows_are_refused() {
        assert_eq!(refusal(b"").0, "EOF while parsing a value");
        assert_eq!(refusal(b"   ").0, "EOF while parsing a value");
    }

    #[test]
    fn invalid_utf8_and_control_characters() {
        assert_eq!(refusal(b"{\"a\":\"\xff\"}"), ("invalid UTF-8".into(), 6));
        assert!(refusal(b"{\"a\":\"\0\"}")
            .0
            .starts_with("control character"));
        assert_eq!(refusal(b"\0{}").1, 0);
    }

    #[test]
    fn deep_nesting_is_walked_without_recursion() {
        let depth = 1_000_000;
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(depth), "]".repeat(depth));
        check(deep.as_bytes()).unwrap();
        let unbalanced = format!("{{\"a\":{}{}}}", "[".repeat(depth), "]".repeat(depth - 1));
        assert_eq!(refusal(unbalanced.as_bytes()).0, "expected `,` or `]`");
    }

    #[test]
    fn duplicate_top_level_keys_are_refused() {
        assert_eq!(
            refusal(br#"{"id":1,"name":"a","id":2}"#),
            ("duplicate key \"id\"".into(), 22)
        );
        assert_eq!(
            refusal(br#"{"\u0069d":1,"id":2}"#).0,
            "duplicate key \"id\""
        );
        check(br#"{"a":{"x":1},"b":{"x":2}}"#).unwrap();
    }

    #[test]
    fn rows_over_4_mib_are_too_large() {
        let big = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_ROW_BYTES));
        assert_eq!(
            check(big.as_bytes()),
            Err(Error::RowTooLarge(big.len() as u64))
        );
    }
}
