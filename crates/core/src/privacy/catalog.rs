//! The catalogue of stored columns (C-DATA-9): every column of every table of every database
//! (directory, region data, key store), each classified by the module that owns it: personal
//! data with its policy category and fields, a sealed copy of data classified elsewhere, or
//! no personal data with the reason. The declarations live with their modules
//! (`privacy::modules`); this file reads them as one list.
//!
//! The schema test introspects the real databases on both backends (the query is the store's,
//! `clearboard_store::platform::schema`) and fails on any column [`unclassified`] names, and
//! on any declared column [`missing`] names.

use crate::privacy::modules::model::{Class, Database};
use crate::privacy::modules::registry::MODULES;

/// One classified column and the module that declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    pub module: &'static str,
    pub db: Database,
    pub table: &'static str,
    pub column: &'static str,
    pub class: Class,
}

/// Every classified column, module by module.
pub fn columns() -> impl Iterator<Item = Located> {
    MODULES.iter().flat_map(|m| {
        m.tables.iter().flat_map(move |t| {
            t.columns.iter().map(move |(column, class)| Located { module: m.id, db: t.db, table: t.name, column, class: *class })
        })
    })
}

/// How a column is classified, if it is.
pub fn classify(db: Database, table: &str, column: &str) -> Option<Located> {
    columns().find(|c| c.db == db && c.table == table && c.column == column)
}

/// The columns of a database of kind `db` (as `(table, column)` pairs read from it) that no
/// module classifies, as `table.column`.
pub fn unclassified(db: Database, found: &[(String, String)]) -> Vec<String> {
    found.iter().filter(|(t, c)| classify(db, t, c).is_none()).map(|(t, c)| format!("{t}.{c}")).collect()
}

/// The columns the catalogue declares for a database of kind `db` that it does not have.
pub fn missing(db: Database, found: &[(String, String)]) -> Vec<String> {
    columns()
        .filter(|c| c.db == db && !found.iter().any(|(t, col)| t == c.table && col == c.column))
        .map(|c| format!("{}.{} (declared by {})", c.table, c.column, c.module))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// C-DATA-9: the code stores nothing the policy does not declare.
    #[test]
    fn c_data_9_every_personal_column_is_a_declared_field_of_the_policy() {
        let policy = clearboard_policy::Policy::default_policy().unwrap();
        let mut personal = 0;
        for c in columns() {
            if let Class::Personal { category, fields, .. } = c.class {
                personal += 1;
                for f in fields {
                    assert!(policy.declares(category, f), "{}.{} stores undeclared {category}/{f}", c.table, c.column);
                }
            }
        }
        assert!(personal > 30, "only {personal} personal columns: is the catalogue still read?");
    }

    #[test]
    fn an_unknown_column_is_named() {
        let found = vec![("cards".to_string(), "body".to_string()), ("cards".to_string(), "mood".to_string())];
        assert_eq!(unclassified(Database::Region, &found), vec!["cards.mood".to_string()]);
        assert!(unclassified(Database::Directory, &found).len() == 2, "a region table is not classified in the directory");
        assert!(missing(Database::Region, &found).iter().any(|m| m.starts_with("cards.author_id (declared by boards)")));
    }
}
