//! The policy and the software agree: every processing the policy declares is implemented by
//! an enabled module, and everything an enabled module does is declared (C-DATA-9, C-USE-1).
//!
//! The software describes itself as an [`Implementation`]: its enabled modules, each with the
//! data subjects it holds data about, the categories it stores (each field with the column
//! that holds it, and whether it has an exporter and an eraser), the purposes it serves on
//! which categories, the recipients it sends to, the retention rules it enforces, the cookies
//! it sets and the integrations it offers. [`check`] compares that with a policy and names each
//! disagreement with its place in the file (`categories[3] (contract): …`). It knows nothing of
//! the domain: the core builds the description from its module registry.

use std::collections::BTreeSet;

use crate::Problem;
use crate::model::PolicyDoc;

/// A stored field of a category, and where it is stored (`table.column`, for messages).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldDecl {
    pub field: String,
    pub stored_in: String,
}

/// A category an enabled module stores.
#[derive(Debug, Clone, Default)]
pub struct CategoryDecl {
    pub id: String,
    pub fields: Vec<FieldDecl>,
    /// It has an exporter (access and portability, C-DSR-3).
    pub exporter: bool,
    /// It has an eraser (C-DSR-4).
    pub eraser: bool,
}

/// An integration an enabled module offers, as its code asks for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntegrationDecl {
    pub id: String,
    pub provider: String,
    /// The OAuth scopes the code requests, exactly.
    pub scopes: Vec<String>,
    pub purpose: String,
}

/// What one enabled module implements.
#[derive(Debug, Clone, Default)]
pub struct ModuleDecl {
    pub id: String,
    pub data_subjects: Vec<String>,
    pub categories: Vec<CategoryDecl>,
    /// (purpose, the categories it processes for that purpose).
    pub purposes: Vec<(String, Vec<String>)>,
    pub recipients: Vec<String>,
    /// (category, trigger) of each retention rule it enforces.
    pub retention: Vec<(String, String)>,
    pub cookies: Vec<String>,
    pub integrations: Vec<IntegrationDecl>,
}

/// The enabled modules of a deployment.
#[derive(Debug, Clone, Default)]
pub struct Implementation {
    pub modules: Vec<ModuleDecl>,
}

impl Implementation {
    fn any(&self, f: impl Fn(&ModuleDecl) -> bool) -> bool {
        self.modules.iter().any(f)
    }
}

fn has(list: &[String], x: &str) -> bool {
    list.iter().any(|y| y == x)
}

/// Every disagreement between the policy and the enabled modules (empty when they agree).
pub fn check(doc: &PolicyDoc, imp: &Implementation) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut add = |at: String, message: String| out.push(Problem { at, message });

    // Declared, so implemented.
    for (i, s) in doc.data_subjects.iter().enumerate() {
        if !imp.any(|m| has(&m.data_subjects, &s.id)) {
            add(format!("data_subjects[{i}] ({})", s.id), "no enabled module holds data about these people".into());
        }
    }
    for (i, c) in doc.categories.iter().enumerate() {
        let at = format!("categories[{i}] ({})", c.id);
        let owners: Vec<(&ModuleDecl, &CategoryDecl)> =
            imp.modules.iter().flat_map(|m| m.categories.iter().filter(|k| k.id == c.id).map(move |k| (m, k))).collect();
        if owners.is_empty() {
            add(at, "no enabled module implements this category".into());
            continue;
        }
        for (m, k) in &owners {
            if !k.exporter {
                add(at.clone(), format!("the module `{}` stores it without an exporter (access and portability)", m.id));
            }
            if !k.eraser {
                add(at.clone(), format!("the module `{}` stores it without an eraser", m.id));
            }
        }
        for (j, f) in c.fields.iter().enumerate() {
            if !owners.iter().any(|(_, k)| k.fields.iter().any(|x| &x.field == f)) {
                add(format!("{at}.fields[{j}] ({f})"), "no enabled module stores this field".into());
            }
        }
    }
    for (i, p) in doc.purposes.iter().enumerate() {
        let at = format!("purposes[{i}] ({})", p.id);
        if !imp.any(|m| m.purposes.iter().any(|(x, _)| x == &p.id)) {
            add(at, "no enabled module serves this purpose".into());
            continue;
        }
        for (j, c) in p.categories.iter().enumerate() {
            if !imp.any(|m| m.purposes.iter().any(|(x, cs)| x == &p.id && has(cs, c))) {
                add(format!("{at}.categories[{j}] ({c})"), "no enabled module processes this category for this purpose".into());
            }
        }
    }
    for (i, r) in doc.recipients.iter().enumerate() {
        if !imp.any(|m| has(&m.recipients, &r.id)) {
            add(format!("recipients[{i}] ({})", r.id), "no enabled module sends data to this recipient".into());
        }
    }
    for (i, r) in doc.retention.iter().enumerate() {
        if !imp.any(|m| m.retention.iter().any(|(c, t)| c == &r.category && t == &r.trigger)) {
            add(format!("retention[{i}] ({})", r.name()), "no enabled module enforces this rule".into());
        }
    }
    for (i, c) in doc.cookies.iter().enumerate() {
        if !imp.any(|m| has(&m.cookies, &c.name)) {
            add(format!("cookies[{i}] ({})", c.name), "no enabled module sets this cookie".into());
        }
    }
    for (i, x) in doc.integrations.iter().enumerate() {
        if !imp.any(|m| m.integrations.iter().any(|y| y.id == x.id)) {
            add(format!("integrations[{i}] ({})", x.id), "no enabled module implements this integration".into());
        }
    }

    // Implemented, so declared.
    for m in &imp.modules {
        let who = format!("the enabled module `{}`", m.id);
        for s in &m.data_subjects {
            if !doc.data_subjects.iter().any(|x| &x.id == s) {
                add("data_subjects".into(), format!("{who} holds data about `{s}`, which the policy does not declare"));
            }
        }
        for k in &m.categories {
            let Some((i, c)) = doc.categories.iter().enumerate().find(|(_, c)| c.id == k.id) else {
                let cols: Vec<&str> = k.fields.iter().map(|f| f.stored_in.as_str()).collect();
                add(
                    "categories".into(),
                    format!("{who} stores the category `{}` ({}), which the policy does not declare", k.id, cols.join(", ")),
                );
                continue;
            };
            let mut named = BTreeSet::new();
            for f in &k.fields {
                if !has(&c.fields, &f.field) && named.insert(&f.field) {
                    add(
                        format!("categories[{i}] ({}).fields", c.id),
                        format!("{who} stores `{}` (in {}), which this category does not list", f.field, f.stored_in),
                    );
                }
            }
            for (cat, trigger) in m.retention.iter().filter(|(cat, _)| cat == &k.id) {
                if !doc.retention.iter().any(|r| &r.category == cat && &r.trigger == trigger) {
                    add(
                        "retention".into(),
                        format!("{who} keeps `{cat}` until `{trigger}`, and the policy has no rule for it: say how long"),
                    );
                }
            }
        }
        for (p, cats) in &m.purposes {
            let Some((i, pu)) = doc.purposes.iter().enumerate().find(|(_, x)| &x.id == p) else {
                add("purposes".into(), format!("{who} processes data for the purpose `{p}`, which the policy does not declare"));
                continue;
            };
            for c in cats.iter().filter(|c| !has(&pu.categories, c)) {
                add(format!("purposes[{i}] ({p}).categories"), format!("{who} processes `{c}` for this purpose, which it does not list"));
            }
        }
        for r in &m.recipients {
            if !doc.recipients.iter().any(|x| &x.id == r) {
                add("recipients".into(), format!("{who} sends data to `{r}`, which the policy does not declare"));
            }
        }
        for c in &m.cookies {
            if !doc.cookies.iter().any(|x| &x.name == c) {
                add("cookies".into(), format!("{who} sets the cookie `{c}`, which the policy does not declare"));
            }
        }
        for x in &m.integrations {
            let Some((i, y)) = doc.integrations.iter().enumerate().find(|(_, y)| y.id == x.id) else {
                add("integrations".into(), format!("{who} offers the integration `{}`, which the policy does not declare", x.id));
                continue;
            };
            let at = format!("integrations[{i}] ({})", y.id);
            // C-3P-1, C-SCOPE-2: what people are shown before connecting is what the code asks.
            let (mut asked, mut declared) = (x.scopes.clone(), y.scopes.clone());
            asked.sort();
            declared.sort();
            if asked != declared {
                add(
                    format!("{at}.scopes"),
                    format!("{who} asks for the scopes [{}], and the policy declares [{}]", asked.join(", "), declared.join(", ")),
                );
            }
            if x.provider != y.provider {
                add(format!("{at}.provider"), format!("{who} connects to `{}`, and the policy names `{}`", x.provider, y.provider));
            }
            if x.purpose != y.purpose {
                add(format!("{at}.purpose"), format!("{who} uses it for `{}`, and the policy declares `{}`", x.purpose, y.purpose));
            }
        }
    }
    out
}
