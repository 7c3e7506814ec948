//! The destination table: its schema, name and columns, and the rules it must meet
//! (docs/columns.md, "Destination rules").

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::Error;

/// Redshift's longest identifier, in bytes.
const MAX_IDENTIFIER_LEN: usize = 127;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Boolean,
    Float,
    Int,
    Bigint,
    Date,
    Timestamp,
    Text,
    Longtext,
}

impl ColumnType {
    /// The name table configs give the type.
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Boolean => "boolean",
            ColumnType::Float => "float",
            ColumnType::Int => "int",
            ColumnType::Bigint => "bigint",
            ColumnType::Date => "date",
            ColumnType::Timestamp => "timestamp",
            ColumnType::Text => "text",
            ColumnType::Longtext => "longtext",
        }
    }
}

/// A column of the destination table (docs/columns.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub column_type: ColumnType,
    /// Position in the sort key, 1-based; 0 means not part of it.
    pub sort_ord: u32,
    pub dist_key: bool,
    pub default_val: Option<String>,
    pub not_null: bool,
    pub primary_key: bool,
}

impl Column {
    /// A nullable column with no sort, distribution or default settings.
    pub fn new(name: impl Into<String>, column_type: ColumnType) -> Column {
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
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DestinationConfig {
    pub schema: String,
    pub table: String,
    pub columns: Vec<Column>,
    pub data_timestamp_column: Option<String>,
}

impl DestinationConfig {
    /// Schema and table must be usable in object keys and SQL; checked when a pipe opens.
    pub fn validate_names(&self) -> Result<(), Error> {
        check_identifier("schema", &self.schema)?;
        check_identifier("table", &self.table)
    }

    /// Every rule of docs/columns.md, "Destination rules"; `send` runs this before anything is uploaded.
    pub fn validate(&self) -> Result<(), Error> {
        self.validate_names()?;
        if self.columns.is_empty() {
            return Err(Error::invalid_config(
                "columns: at least one column is required",
            ));
        }
        let mut names = HashSet::new();
        let mut dist_keys = Vec::new();
        let mut sort_ords = Vec::new();
        for column in &self.columns {
            check_identifier(&format!("column {:?}", column.name), &column.name)?;
            if !names.insert(column.name.as_str()) {
                return Err(Error::invalid_config(format!(
                    "column {:?}: the name is used twice",
                    column.name
                )));
            }
            if column.dist_key {
                dist_keys.push(column.name.as_str());
            }
            if column.sort_ord != 0 {
                sort_ords.push((column.sort_ord, column.name.as_str()));
            }
        }
        if dist_keys.len() > 1 {
            return Err(Error::invalid_config(format!(
                "columns {}: more than one distkey (at most one column may be the distribution key)",
                dist_keys.join(", ")
            )));
        }
        sort_ords.sort_unstable();
        for (expected, (ord, name)) in (1..).zip(&sort_ords) {
            if *ord != expected {
                return Err(Error::invalid_config(format!(
                    "column {name:?}: sortord {ord} breaks the sort key, whose ordinals must be exactly 1..{}",
                    sort_ords.len()
                )));
            }
        }
        let Some(time_column) = self
            .data_timestamp_column
            .as_deref()
            .filter(|c| !c.is_empty())
        else {
            return Err(Error::invalid_config(
                "data timestamp column: required to send to the s3-to-redshift worker",
            ));
        };
        match self.columns.iter().find(|c| c.name == time_column) {
            None => Err(Error::invalid_config(format!(
                "data timestamp column {time_column:?}: no column has that name"
            ))),
            Some(c) if c.column_type != ColumnType::Timestamp => Err(Error::invalid_config(
                format!("data timestamp column {time_column:?}: must be of type timestamp"),
            )),
            Some(_) => Ok(()),
        }
    }
}

/// A lowercase Redshift identifier: COPY's JSON 'auto' matches lowercase names only.
fn check_identifier(what: &str, name: &str) -> Result<(), Error> {
    let problem = if name.is_empty() {
        "must not be empty"
    } else if name.len() > MAX_IDENTIFIER_LEN {
        "is longer than Redshift's 127 bytes"
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') {
        "must start with a lowercase letter or _"
    } else if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
    {
        "may hold only lowercase letters, digits, _ and $"
    } else {
        return Ok(());
    };
    Err(Error::invalid_config(format!("{what}: {name:?} {problem}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, column_type: ColumnType) -> Column {
        Column::new(name, column_type)
    }

    fn config() -> DestinationConfig {
        DestinationConfig {
            schema: "analytics".into(),
            table: "events".into(),
            columns: vec![
                column("time", ColumnType::Timestamp),
                column("id", ColumnType::Text),
            ],
            data_timestamp_column: Some("time".into()),
        }
    }

    fn rejected(config: DestinationConfig) -> String {
        match config.validate() {
            Err(Error::InvalidConfig(message)) => message,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn a_complete_config_is_valid() {
        let mut c = config();
        c.columns[0].sort_ord = 1;
        c.columns[1].sort_ord = 2;
        c.columns[1].dist_key = true;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn empty_schema_or_table() {
        assert!(rejected(DestinationConfig {
            schema: "".into(),
            ..config()
        })
        .starts_with("schema: \"\""));
        assert!(rejected(DestinationConfig {
            table: "".into(),
            ..config()
        })
        .starts_with("table: \"\""));
    }

    #[test]
    fn names_must_be_lowercase_identifiers() {
        assert_eq!(
            rejected(DestinationConfig {
                table: "Events".into(),
                ..config()
            }),
            "table: \"Events\" must start with a lowercase letter or _"
        );
        let mut c = config();
        c.columns[1].name = "userId".into();
        assert_eq!(
            rejected(c),
            "column \"userId\": \"userId\" may hold only lowercase letters, digits, _ and $"
        );
        let mut c = config();
        c.columns[1].name = "9lives".into();
        assert!(rejected(c).contains("must start with a lowercase letter"));
        assert!(rejected(DestinationConfig {
            schema: "a".repeat(128),
            ..config()
        })
        .contains("127 bytes"));
    }

    #[test]
    fn duplicate_column_names() {
        let mut c = config();
        c.columns.push(column("id", ColumnType::Int));
        assert_eq!(rejected(c), "column \"id\": the name is used twice");
    }

    #[test]
    fn at_most_one_distkey() {
        let mut c = config();
        c.columns[0].dist_key = true;
        c.columns[1].dist_key = true;
        assert!(rejected(c).starts_with("columns time, id: more than one distkey"));
    }

    #[test]
    fn sort_ordinals_must_be_one_to_k() {
        let mut c = config();
        c.columns[0].sort_ord = 2;
        assert!(rejected(c.clone()).starts_with("column \"time\": sortord 2 breaks the sort key"));
        c.columns[1].sort_ord = 2;
        assert!(rejected(c.clone()).contains("sortord 2"));
        c.columns[1].sort_ord = 1;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn data_timestamp_column_must_exist_and_be_a_timestamp() {
        assert!(rejected(DestinationConfig {
            data_timestamp_column: None,
            ..config()
        })
        .contains("required"));
        let missing = DestinationConfig {
            data_timestamp_column: Some("ts".into()),
            ..config()
        };
        assert_eq!(
            rejected(missing),
            "data timestamp column \"ts\": no column has that name"
        );
        let wrong_type = DestinationConfig {
            data_timestamp_column: Some("id".into()),
            ..config()
        };
        assert_eq!(
            rejected(wrong_type),
            "data timestamp column \"id\": must be of type timestamp"
        );
    }

    #[test]
    fn type_names_are_those_of_table_configs() {
        use ColumnType::*;
        for t in [Boolean, Float, Int, Bigint, Date, Timestamp, Text, Longtext] {
            assert_eq!(serde_json::to_value(t).unwrap(), t.name());
        }
    }

    #[test]
    fn columns_are_required() {
        assert!(rejected(DestinationConfig {
            columns: vec![],
            ..config()
        })
        .starts_with("columns:"));
    }
}
