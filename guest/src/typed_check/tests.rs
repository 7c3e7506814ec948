//! Every rule, accepted and refused, with the exact refusal; rows at each boundary.

use super::*;

/// The verdict the pipe gives on a row: the shape walk of `row::RowChecks`, carrying this
/// typed walk. A row refused for its shape comes back with the shape error as its reason.
trait Verdict {
    fn check(&self, row: &[u8]) -> Result<(), Refusal>;
}

impl Verdict for TypedCheck {
    fn check(&self, row: &[u8]) -> Result<(), Refusal> {
        let mut walk = self.walk();
        match crate::row::walk_object(row, Some(&mut walk)) {
            Ok(()) => walk.finish(),
            Err(shape) => Err(Refusal {
                column: String::new(),
                value: String::new(),
                reason: format!("shape: {shape:?}"),
            }),
        }
    }
}

fn column(name: &str, column_type: ColumnType) -> Column {
    Column::new(name, column_type)
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
                &format!(
                    "empty string in a NOT NULL {sql} column: COPY loads it as NULL and would fail"
                )
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
        assert!(r.reason.starts_with("shape: "), "{}", r.reason);
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
