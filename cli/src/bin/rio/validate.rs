//! `rio validate`: a table config checked as `send` checks it, with its Redshift types.

use std::path::Path;

use redshift_io::DestinationConfig;

use crate::Failure;

pub fn run(path: &Path) -> Result<(), Failure> {
    let config = read_table_config(path)?;
    config
        .validate()
        .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
    println!("{}.{}: valid", config.schema, config.table);
    let width = config
        .columns
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0);
    for column in &config.columns {
        let mut notes = Vec::new();
        if column.sort_ord > 0 {
            notes.push(format!("sortkey {}", column.sort_ord));
        }
        if column.dist_key {
            notes.push("distkey".into());
        }
        if column.not_null {
            notes.push("not null".into());
        }
        if column.primary_key {
            notes.push("primary key".into());
        }
        if let Some(default) = &column.default_val {
            notes.push(format!("default {default}"));
        }
        if config.data_timestamp_column.as_deref() == Some(column.name.as_str()) {
            notes.push("data timestamp".into());
        }
        let sql_type = column.column_type.sql_type();
        println!(
            "  {:width$}  {sql_type:28}  {}",
            column.name,
            notes.join(", ")
        );
    }
    Ok(())
}

/// Reads and parses a table config file; a bad one is the user's input to fix.
pub fn read_table_config(path: &Path) -> Result<DestinationConfig, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
    DestinationConfig::from_table_config(&text)
        .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))
}
