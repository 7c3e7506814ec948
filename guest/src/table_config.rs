//! The table config the s3-to-redshift worker reads (docs/objects.md, "Table config"), written
//! by `send` and read by hosts from files (docs/columns.md, "Table config files"): YAML, or the
//! same structure as JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::{Column, ColumnType, DestinationConfig};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    dest: String,
    columns: Vec<ColumnSpec>,
    meta: Meta,
}

/// Field order and names are the worker's.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnSpec {
    dest: String,
    #[serde(rename = "type")]
    column_type: ColumnType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    defaultval: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    notnull: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    primarykey: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    distkey: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    sortord: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    datadatecolumn: Option<String>,
    #[serde(default)]
    schema: String,
}

fn is_false(value: &bool) -> bool {
    !value
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// The config's YAML bytes: one top-level key, the table name.
pub fn render(config: &DestinationConfig) -> Vec<u8> {
    let columns = config
        .columns
        .iter()
        .map(|c| ColumnSpec {
            dest: c.name.clone(),
            column_type: c.column_type,
            defaultval: c.default_val.clone(),
            notnull: c.not_null,
            primarykey: c.primary_key,
            distkey: c.dist_key,
            sortord: c.sort_ord,
        })
        .collect();
    let meta = Meta {
        datadatecolumn: config.data_timestamp_column.clone(),
        schema: config.schema.clone(),
    };
    let table = Table {
        dest: config.table.clone(),
        columns,
        meta,
    };
    let document = BTreeMap::from([(config.table.as_str(), table)]);
    serde_yaml_ng::to_string(&document)
        .expect("a table config always serializes")
        .into_bytes()
}

/// Reads a table config written as YAML or JSON. The result still needs `validate`.
pub fn parse(text: &str) -> Result<DestinationConfig, Error> {
    let document: BTreeMap<String, Table> = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| Error::InvalidConfig(e.to_string()))?
    } else {
        serde_yaml_ng::from_str(text).map_err(|e| Error::InvalidConfig(e.to_string()))?
    };
    let mut tables = document.into_iter();
    let (Some((name, table)), None) = (tables.next(), tables.next()) else {
        return Err(Error::InvalidConfig(
            "a table config holds exactly one table, as its only top-level key".into(),
        ));
    };
    if table.dest != name {
        return Err(Error::InvalidConfig(format!(
            "table {name:?}: dest {:?} must repeat the table's name",
            table.dest
        )));
    }
    let columns = table
        .columns
        .into_iter()
        .map(|c| Column {
            name: c.dest,
            column_type: c.column_type,
            sort_ord: c.sortord,
            dist_key: c.distkey,
            default_val: c.defaultval,
            not_null: c.notnull,
            primary_key: c.primarykey,
        })
        .collect();
    Ok(DestinationConfig {
        schema: table.meta.schema,
        table: name,
        columns,
        data_timestamp_column: table.meta.datadatecolumn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCS_EXAMPLE: &str = "\
events:
  dest: events
  columns:
  - dest: time
    type: timestamp
    sortord: 1
  - dest: id
    type: text
    distkey: true
  meta:
    datadatecolumn: time
    schema: analytics
";

    fn config() -> DestinationConfig {
        parse(DOCS_EXAMPLE).unwrap()
    }

    #[test]
    fn renders_the_docs_example_exactly() {
        assert_eq!(String::from_utf8(render(&config())).unwrap(), DOCS_EXAMPLE);
    }

    #[test]
    fn parses_what_it_renders() {
        let mut original = config();
        original.columns[1].default_val = Some("none".into());
        original.columns[1].not_null = true;
        original.columns[1].primary_key = true;
        let text = String::from_utf8(render(&original)).unwrap();
        assert!(text.contains(
            "    defaultval: none\n    notnull: true\n    primarykey: true\n    distkey: true\n"
        ));
        assert_eq!(parse(&text).unwrap(), original);
    }

    #[test]
    fn parses_json_too() {
        let json = r#"{"events":{"dest":"events","columns":[{"dest":"time","type":"timestamp","sortord":1},
            {"dest":"id","type":"text","distkey":true}],"meta":{"datadatecolumn":"time","schema":"analytics"}}}"#;
        assert_eq!(parse(json).unwrap(), config());
    }

    #[test]
    fn values_that_look_like_other_types_stay_strings() {
        let mut c = config();
        c.columns[1].default_val = Some("true".into());
        let text = String::from_utf8(render(&c)).unwrap();
        assert!(text.contains("defaultval: 'true'"), "{text}");
        assert_eq!(parse(&text).unwrap(), c);
    }

    fn refusal(text: &str) -> String {
        match parse(text) {
            Err(Error::InvalidConfig(message)) => message,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn unknown_types_and_fields_say_where() {
        let message = refusal(&DOCS_EXAMPLE.replace("type: text", "type: string"));
        assert!(message.contains("unknown variant `string`"), "{message}");
        assert!(message.contains("line 8"), "{message}");
        let message = refusal(&DOCS_EXAMPLE.replace("distkey: true", "dist_key: true"));
        assert!(message.contains("unknown field `dist_key`"), "{message}");
    }

    #[test]
    fn exactly_one_table() {
        assert!(refusal("{}").contains("exactly one table"));
        let two = format!("{DOCS_EXAMPLE}{}", DOCS_EXAMPLE.replace("events", "other"));
        assert!(refusal(&two).contains("exactly one table"));
        assert!(
            refusal(&DOCS_EXAMPLE.replace("  dest: events", "  dest: evts"))
                .contains("must repeat")
        );
    }
}
