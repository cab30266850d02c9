//! The CSV files of an export (C-DSR-3): one table per list of records of a category, and
//! `<category>.csv` with the rest as field/value rows. Cells are quoted (RFC 4180) and
//! spreadsheet formulas defused.

use std::borrow::Cow;

use serde_json::Value;

/// Quotes one CSV cell (RFC 4180) and defuses spreadsheet formulas.
fn csv_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => cell(s).into_owned(),
        other => cell(&other.to_string()).into_owned(),
    }
}

/// Quotes one CSV cell of text (RFC 4180) and defuses spreadsheet formulas; borrowed when
/// there is nothing to change.
pub(super) fn cell(s: &str) -> Cow<'_, str> {
    let s: Cow<'_, str> = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { Cow::Owned(format!("'{s}")) } else { Cow::Borrowed(s) };
    if s.contains([',', '"', '\n', '\r']) { Cow::Owned(format!("\"{}\"", s.replace('"', "\"\""))) } else { s }
}

/// A record's fields by dotted path, borrowed from the record (nothing copied but the paths).
fn flatten<'a>(prefix: &str, v: &'a Value, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        other => out.push((prefix.to_string(), other)),
    }
}

/// The CSV files of one category: each list of records gets its own file; everything else
/// goes into `<category>.csv` as field/value rows. A list is read twice (its columns, then its
/// lines), one record flattened at a time: a copy of the whole list is never held (it was the
/// largest part of an export's peak memory at 100,000 cards).
pub(super) fn csv_files(category: &str, data: &Value) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut fields = Vec::new();
    if let Value::Object(m) = data {
        for (k, v) in m {
            match v {
                Value::Array(rows) if rows.iter().all(Value::is_object) && !rows.is_empty() => {
                    let mut cols: Vec<String> = Vec::new();
                    let mut f = Vec::new();
                    for r in rows {
                        f.clear();
                        flatten("", r, &mut f);
                        for (c, _) in &f {
                            if !cols.contains(c) {
                                cols.push(c.clone());
                            }
                        }
                    }
                    let mut text = cols.iter().map(|c| csv_cell(&Value::String(c.clone()))).collect::<Vec<_>>().join(",");
                    text.push_str("\r\n");
                    for r in rows {
                        f.clear();
                        flatten("", r, &mut f);
                        let line = cols
                            .iter()
                            .map(|c| f.iter().find(|(k, _)| k == c).map(|(_, v)| csv_cell(v)).unwrap_or_default())
                            .collect::<Vec<_>>()
                            .join(",");
                        text.push_str(&line);
                        text.push_str("\r\n");
                    }
                    files.push((format!("csv/{category}-{k}.csv"), text));
                }
                other => flatten(k, other, &mut fields),
            }
        }
    }
    let mut text = String::from("field,value\r\n");
    for (k, v) in fields {
        text.push_str(&format!("{},{}\r\n", csv_cell(&Value::String(k)), csv_cell(v)));
    }
    files.push((format!("csv/{category}.csv"), text));
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_cell(&json!("plain")), "plain");
        assert_eq!(csv_cell(&json!("a,b")), "\"a,b\"");
        assert_eq!(csv_cell(&json!("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell(&json!("=HYPERLINK(\"x\")")), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell(&json!(3)), "3");
        assert_eq!(csv_cell(&Value::Null), "");
    }

    #[test]
    fn csv_files_split_lists_and_fields() {
        let files = csv_files(
            "user_content",
            &json!({ "cards": [{ "id": "1", "text": "a" }, { "id": "2", "url": "u" }], "participant": { "pseudonym": "P" } }),
        );
        let cards = &files.iter().find(|(n, _)| n == "csv/user_content-cards.csv").unwrap().1;
        assert_eq!(cards, "id,text,url\r\n1,a,\r\n2,,u\r\n");
        let rest = &files.iter().find(|(n, _)| n == "csv/user_content.csv").unwrap().1;
        assert!(rest.contains("participant.pseudonym,P"));
    }
}
