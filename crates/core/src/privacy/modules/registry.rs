//! The list of modules, which of them the configuration switches off, and what the enabled
//! ones implement, as the policy crate's agreement check reads it. Category handlers and
//! retention enforcement are found here: what a switched-off module implements is nowhere.

use std::collections::BTreeSet;

use clearboard_policy::agree::{CategoryDecl, FieldDecl, Implementation, IntegrationDecl, ModuleDecl};
use clearboard_policy::{Policy, Problem};

use crate::privacy::modules::model::{CategoryImpl, Class, EVERY_CATEGORY, Enforcement, Eraser, Module};
use crate::privacy::modules::{boards, business, careers, identity, integrations, outreach, platform, privacy, programmes};

/// Every module of this version of clearboard.
pub static MODULES: &[&Module] = &[
    &identity::ACCOUNTS,
    &identity::SESSIONS,
    &identity::STAFF,
    &boards::BOARDS,
    &privacy::CONSENT,
    &privacy::STATISTICS,
    &privacy::RIGHTS,
    &privacy::RETENTION,
    &platform::STORAGE,
    &platform::KEYS,
    &platform::AUDIT_LOG,
    &platform::POLICY_VERSIONS,
    &platform::BACKUPS,
    &platform::MAIL,
    &business::SUPPORT,
    &business::BILLING,
    &outreach::OUTREACH,
    &programmes::PROGRAMMES,
    &integrations::INTEGRATIONS,
    &careers::CAREERS,
];

pub fn module(id: &str) -> Option<&'static Module> {
    MODULES.iter().copied().find(|m| m.id == id)
}

/// What is wrong with a set of switched-off modules: unknown names, modules that cannot be
/// switched off. Each problem is placed at `modules.<name>` in the configuration.
pub fn switch_problems(disabled: &BTreeSet<String>) -> Vec<Problem> {
    let mut out = Vec::new();
    for id in disabled {
        let at = format!("modules.{id}");
        match module(id) {
            None => {
                let names: Vec<&str> = MODULES.iter().map(|m| m.id).collect();
                out.push(Problem { at, message: format!("there is no such module; the modules are {}", names.join(", ")) });
            }
            Some(m) if !m.switchable => {
                let names: Vec<&str> = MODULES.iter().filter(|m| m.switchable).map(|m| m.id).collect();
                out.push(Problem {
                    at,
                    message: format!("`{}` ({}) cannot be switched off; only {} can", m.id, m.title, names.join(" and ")),
                })
            }
            Some(_) => {}
        }
    }
    out
}

/// The enabled modules.
pub fn enabled(disabled: &BTreeSet<String>) -> impl Iterator<Item = &'static Module> + '_ {
    MODULES.iter().copied().filter(move |m| !disabled.contains(m.id))
}

/// The handlers of a category, if an enabled module stores it.
pub fn category(disabled: &BTreeSet<String>, id: &str) -> Option<&'static CategoryImpl> {
    enabled(disabled).flat_map(|m| m.categories.iter()).find(|c| c.id == id)
}

/// What enforces the rule (category, trigger), if an enabled module does.
pub fn enforcement(disabled: &BTreeSet<String>, category: &str, trigger: &str) -> Option<Enforcement> {
    enabled(disabled).flat_map(|m| m.retention.iter()).find(|r| r.category == category && r.trigger == trigger).map(|r| r.enforcement)
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

/// What the enabled modules implement, for the policy's agreement check.
pub fn implementation(policy: &Policy, disabled: &BTreeSet<String>) -> Implementation {
    let every: Vec<String> = enabled(disabled).flat_map(|m| m.categories.iter().map(|c| c.id.to_string())).collect();
    let modules = enabled(disabled)
        .map(|m| ModuleDecl {
            id: m.id.to_string(),
            data_subjects: strings(m.data_subjects),
            categories: m
                .categories
                .iter()
                .map(|c| CategoryDecl {
                    id: c.id.to_string(),
                    fields: m
                        .tables
                        .iter()
                        .flat_map(|t| t.columns.iter().map(move |(col, class)| (t, col, class)))
                        .filter_map(|(t, col, class)| match class {
                            Class::Personal { category, fields, .. } if *category == c.id => Some(
                                fields.iter().map(move |f| FieldDecl { field: (*f).to_string(), stored_in: format!("{}.{col}", t.name) }),
                            ),
                            _ => None,
                        })
                        .flatten()
                        .collect(),
                    exporter: true,
                    eraser: matches!(c.eraser, Eraser::Rows(_) | Eraser::WithAccount | Eraser::AtRetention(_)),
                })
                .collect(),
            purposes: m
                .purposes
                .iter()
                .map(|(p, cats)| (p.to_string(), if *cats == EVERY_CATEGORY { every.clone() } else { strings(cats) }))
                .collect(),
            recipients: m
                .recipients
                .iter()
                .flat_map(|r| match *r {
                    "hosting-{region}" => policy.region_ids().map(|id| format!("hosting-{id}")).collect(),
                    other => vec![other.to_string()],
                })
                .collect(),
            retention: m.retention.iter().map(|r| (r.category.to_string(), r.trigger.to_string())).collect(),
            cookies: strings(m.cookies),
            integrations: m
                .integrations
                .iter()
                .map(|i| IntegrationDecl {
                    id: i.id.to_string(),
                    provider: i.provider.to_string(),
                    scopes: strings(i.scopes),
                    purpose: i.purpose.to_string(),
                })
                .collect(),
        })
        .collect();
    Implementation { modules }
}

/// Every problem with a policy for a deployment whose configuration switches `disabled` off:
/// the switches themselves, then each disagreement between the policy and the enabled modules.
pub fn check(policy: &Policy, disabled: &BTreeSet<String>) -> Vec<Problem> {
    let mut out = switch_problems(disabled);
    if out.is_empty() {
        out.extend(policy.agreement_problems(&implementation(policy, disabled)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::modules::model::Database;

    fn none() -> BTreeSet<String> {
        BTreeSet::new()
    }

    /// C-DATA-9, C-USE-1: the default policy declares exactly what the modules implement.
    #[test]
    fn c_data_9_the_default_policy_declares_exactly_what_the_modules_implement() {
        let p = Policy::default_policy().unwrap();
        let problems = check(&p, &none());
        assert!(problems.is_empty(), "{}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
    }

    /// Each module owns its tables: no table or column is declared twice, every personal
    /// column belongs to a category its own module stores (with an exporter and an eraser).
    #[test]
    fn declarations_are_consistent() {
        let mut ids = BTreeSet::new();
        let mut tables = BTreeSet::new();
        for m in MODULES {
            assert!(ids.insert(m.id), "module {} declared twice", m.id);
            for t in m.tables {
                assert!(tables.insert((t.db, t.name)), "{}.{} declared twice", t.db.as_str(), t.name);
                let mut cols = BTreeSet::new();
                for (c, class) in t.columns {
                    assert!(cols.insert(*c), "{}.{c} declared twice", t.name);
                    if let Class::Personal { category, fields, .. } = class {
                        assert!(m.categories.iter().any(|k| k.id == *category), "{}.{c}: {} does not store `{category}`", t.name, m.id);
                        assert!(!fields.is_empty(), "{}.{c} names no field", t.name);
                    }
                    if let Class::NotPersonal(why) | Class::Copy(why) = class {
                        assert!(why.len() > 10, "{}.{c}: say why", t.name);
                    }
                }
            }
        }
        let mut cats = BTreeSet::new();
        for c in MODULES.iter().flat_map(|m| m.categories.iter()) {
            assert!(cats.insert(c.id), "two modules store {}", c.id);
        }
        assert!(tables.iter().any(|(db, _)| *db == Database::Keys));
    }

    /// A switched-off module's processing must not be declared; core modules cannot be off.
    #[test]
    fn switching_a_module_off_requires_the_policy_to_drop_it() {
        let p = Policy::default_policy().unwrap();
        let off: BTreeSet<String> = ["statistics".to_string()].into_iter().collect();
        let problems: Vec<String> = check(&p, &off).iter().map(ToString::to_string).collect();
        for expect in [
            "(navigation): no enabled module implements this category",
            "(statistics): no enabled module serves this purpose",
            "(cb_aid): no enabled module sets this cookie",
            "(navigation:collected): no enabled module enforces this rule",
            "(rights).categories[2] (navigation): no enabled module processes this category for this purpose",
        ] {
            assert!(problems.iter().any(|x| x.contains(expect)), "missing {expect}: {problems:?}");
        }
        assert!(enforcement(&off, "navigation", "collected").is_none());
        assert!(category(&off, "navigation").is_none());
        let bad: BTreeSet<String> = ["accounts".to_string(), "shoes".to_string()].into_iter().collect();
        let problems: Vec<String> = check(&p, &bad).iter().map(ToString::to_string).collect();
        assert!(
            problems.iter().any(|x| x.starts_with("modules.accounts: `accounts`") && x.contains("cannot be switched off")),
            "{problems:?}"
        );
        assert!(problems.iter().any(|x| x.starts_with("modules.shoes: there is no such module")), "{problems:?}");
    }
}
