//! What the fuzz targets (guest/fuzz) and the replay of their corpus (guest/tests) reach: the
//! properties they hold the pipe's checks to.

use crate::row::RowChecks;
use crate::typed_check::{LONGTEXT_BYTES, TEXT_BYTES};
use crate::Column;

/// For the fuzz target and the replay of its corpus: checks `row` against one column of each
/// type and, when it is accepted, that every value it gives loads as its column's type.
pub fn typed_check(row: &[u8]) {
    use crate::ColumnType::*;
    let types = [Boolean, Float, Int, Bigint, Date, Timestamp, Text, Longtext];
    let columns: Vec<Column> = types
        .iter()
        .map(|&column_type| Column::new(column_type.name(), column_type))
        .collect();
    if RowChecks::new(&columns, false).check(row).is_err() {
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
