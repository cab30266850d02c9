//! `policy check`: every problem in a policy, each named with where it is.

use std::collections::BTreeSet;

use crate::model::{CategoryKind, LegalBasis, Party, PolicyDoc, RecipientKind, TRIGGERS, Text};
use crate::period::Period;
use crate::{MAX_ERASURE_DEADLINE_DAYS, Problem};

struct Check {
    problems: Vec<Problem>,
}

impl Check {
    fn add(&mut self, at: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem { at: at.into(), message: message.into() });
    }

    fn text(&mut self, at: impl Into<String>, t: &Text) {
        let at = at.into();
        if t.en.trim().is_empty() {
            self.add(&at, "the English text is missing");
        }
        if t.fr.trim().is_empty() {
            self.add(&at, "the French text is missing (every published text exists in English and French)");
        }
    }

    fn unique<'a>(&mut self, what: &str, ids: impl Iterator<Item = &'a str>) {
        let mut seen = BTreeSet::new();
        for id in ids {
            if id.trim().is_empty() {
                self.add(what, "an entry has an empty id");
            } else if !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-') {
                self.add(format!("{what}.{id}"), "ids use lower-case letters, digits, `_` and `-` only");
            } else if !seen.insert(id) {
                self.add(format!("{what}.{id}"), "this id is declared twice");
            }
        }
    }
}

fn plausible_email(s: &str) -> bool {
    matches!(s.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.') && !s.contains(char::is_whitespace))
}

fn plausible_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s.chars().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u32>().unwrap_or(0))
}

/// Every problem in a parsed policy (empty when it is valid).
pub fn validate(doc: &PolicyDoc) -> Vec<Problem> {
    let mut c = Check { problems: Vec::new() };

    if !plausible_date(&doc.meta.published) {
        c.add("meta.published", "the publication date must be written YYYY-MM-DD");
    }
    c.text("meta.title", &doc.meta.title);
    if doc.meta.significant {
        c.text("meta.summary", &doc.meta.summary);
    }
    if doc.controller.name.trim().is_empty() {
        c.add("controller.name", "the controller must be named");
    }
    if doc.controller.address.trim().is_empty() {
        c.add("controller.address", "the controller's address is required (GDPR Art. 13(1)(a))");
    }
    if !plausible_email(&doc.controller.privacy_contact) {
        c.add("controller.privacy_contact", "a privacy contact email address is required");
    }
    if let Some(d) = &doc.controller.dpo_contact
        && !plausible_email(d)
    {
        c.add("controller.dpo_contact", "the data protection officer's contact must be an email address");
    }
    c.text("controller.supervisory_authority", &doc.controller.supervisory_authority);

    if !(13..=18).contains(&doc.limits.minimum_age) {
        c.add("limits.minimum_age", "the minimum age must be between 13 and 18 (GDPR Art. 8(1) lets member states choose 13 to 16)");
    }
    if doc.limits.erasure_deadline_days == 0 || doc.limits.erasure_deadline_days > MAX_ERASURE_DEADLINE_DAYS {
        c.add("limits.erasure_deadline_days", format!("must be between 1 and {MAX_ERASURE_DEADLINE_DAYS} days"));
    }
    if doc.limits.request_answer_days == 0 || doc.limits.request_answer_days > 30 {
        c.add("limits.request_answer_days", "must be between 1 and 30 days (never later than GDPR's one month)");
    }
    if doc.limits.export_link_hours == 0 || doc.limits.export_link_hours > 168 {
        c.add("limits.export_link_hours", "must be between 1 and 168 hours (a download link lives a week at most)");
    }
    if let Some(dpa) = &doc.dpa {
        if dpa.address != "/legal/dpa" {
            c.add("dpa.address", "the data processing agreement is published at its stable address, /legal/dpa (C-DPA-1)");
        }
        if dpa.version.is_empty() || dpa.kept.contains(&dpa.version) {
            c.add("dpa.version", "name the version in force, once (earlier versions go in `kept`)");
        }
    }
    if doc.statistics.k < 2 {
        c.add("statistics.k", "must be 2 or more: a cell counting one person describes that person");
    }
    if doc.statistics.epsilon.is_some_and(|e| !(e > 0.0 && e.is_finite())) {
        c.add("statistics.epsilon", "must be a positive number (or left out for no noise)");
    }
    if doc.backups.retention_days > doc.limits.erasure_deadline_days {
        c.add(
            "backups.retention_days",
            format!(
                "backups are kept {} days, longer than the erasure deadline of {} days: erased data would outlive the promise",
                doc.backups.retention_days, doc.limits.erasure_deadline_days
            ),
        );
    }
    if doc.staff.training_validity_days == 0 || doc.staff.training_validity_days > 730 {
        c.add("staff.training_validity_days", "must be between 1 and 730 days");
    }

    c.unique("data_subjects", doc.data_subjects.iter().map(|d| d.id.as_str()));
    for d in &doc.data_subjects {
        c.text(format!("data_subjects.{}.title", d.id), &d.title);
    }
    if doc.regions.is_empty() {
        c.add("regions", "at least one region is required");
    }
    c.unique("regions", doc.regions.iter().map(|r| r.id.as_str()));
    for r in &doc.regions {
        c.text(format!("regions.{}.name", r.id), &r.name);
        c.text(format!("regions.{}.location", r.id), &r.location);
    }
    c.unique("transfers", doc.transfers.iter().map(|t| t.id.as_str()));
    for t in &doc.transfers {
        if t.mechanism.is_none() {
            c.add(
                format!("transfers.{}", t.id),
                "a transfer outside the EU needs a mechanism: adequacy, scc, bcr, consent or necessity (C-LOC-2)",
            );
        }
        c.text(format!("transfers.{}.description", t.id), &t.description);
    }

    c.unique("categories", doc.categories.iter().map(|x| x.id.as_str()));
    for k in &doc.categories {
        let at = format!("categories.{}", k.id);
        if k.fields.is_empty() {
            c.add(&at, "a category must list its fields");
        }
        if !doc.retention.iter().any(|r| r.category == k.id) {
            c.add(&at, "this category has no retention rule: say how long it is kept");
        }
        if !doc.purposes.iter().any(|p| p.categories.contains(&k.id)) {
            c.add(&at, "no purpose uses this category: data without a purpose may not be collected");
        }
        if k.ccpa.trim().is_empty() {
            c.add(&at, "the CCPA category is missing");
        }
        c.text(format!("{at}.title"), &k.title);
        c.text(format!("{at}.description"), &k.description);
        c.text(format!("{at}.source"), &k.source);
    }

    c.unique("purposes", doc.purposes.iter().map(|x| x.id.as_str()));
    for p in &doc.purposes {
        let at = format!("purposes.{}", p.id);
        match p.legal_basis {
            None => c.add(&at, "this purpose has no legal basis (consent, contract, legal_obligation or legitimate_interest)"),
            Some(LegalBasis::Consent) => match &p.consent_text {
                Some(t) => c.text(format!("{at}.consent_text"), t),
                None => c.add(&at, "a consent-based purpose needs a consent_text: the words people say yes to"),
            },
            Some(LegalBasis::LegitimateInterest) => match &p.legitimate_interest {
                Some(t) => c.text(format!("{at}.legitimate_interest"), t),
                None => c.add(&at, "a purpose based on legitimate interest must state the interest pursued (GDPR Art. 13(1)(d))"),
            },
            Some(_) => {}
        }
        if p.categories.is_empty() {
            c.add(&at, "a purpose must name the categories it touches");
        }
        for k in &p.categories {
            if !doc.categories.iter().any(|x| &x.id == k) {
                c.add(&at, format!("unknown category `{k}`"));
            }
        }
        if p.data_subjects.is_empty() {
            c.add(&at, "a purpose must name whose data it concerns (data_subjects)");
        }
        for s in &p.data_subjects {
            if !doc.data_subjects.iter().any(|x| &x.id == s) {
                c.add(&at, format!("unknown data subject `{s}`"));
            }
        }
        c.text(format!("{at}.title"), &p.title);
        c.text(format!("{at}.description"), &p.description);
    }

    c.unique("recipients", doc.recipients.iter().map(|x| x.id.as_str()));
    for r in &doc.recipients {
        let at = format!("recipients.{}", r.id);
        for k in &r.categories {
            match doc.categories.iter().find(|x| &x.id == k) {
                None => c.add(&at, format!("unknown category `{k}`")),
                Some(cat)
                    if cat.kind == CategoryKind::UserInformation && matches!(r.kind, RecipientKind::Affiliate | RecipientKind::Partner) =>
                {
                    c.add(
                        &at,
                        format!("affiliates and partners receive Other Data only, never User Information (`{k}`) (C-SHARE-2, C-SHARE-4)"),
                    )
                }
                Some(_) => {}
            }
        }
        for p in &r.purposes {
            if !doc.purposes.iter().any(|x| &x.id == p) {
                c.add(&at, format!("unknown purpose `{p}`"));
            }
        }
        if r.purposes.is_empty() {
            c.add(&at, "a recipient receives data for named purposes only");
        }
        if r.kind == RecipientKind::Subprocessor && !r.safeguards.iter().any(|s| s == "dpa") {
            c.add(&at, "a subprocessor needs a data processing agreement (`dpa` in safeguards, GDPR Art. 28)");
        }
        if let Some(t) = &r.transfer
            && !doc.transfers.iter().any(|x| &x.id == t)
        {
            c.add(&at, format!("unknown transfer `{t}`"));
        }
        c.text(format!("{at}.name"), &r.name);
        c.text(format!("{at}.description"), &r.description);
        c.text(format!("{at}.location"), &r.location);
    }

    for r in &doc.retention {
        let at = format!("retention.{}", r.category);
        if !doc.categories.iter().any(|k| k.id == r.category) {
            c.add(&at, "retention rule for an unknown category");
        }
        if !TRIGGERS.contains(&r.trigger.as_str()) {
            c.add(&at, format!("unknown trigger `{}`; use one of {}", r.trigger, TRIGGERS.join(", ")));
        }
        match (r.days, r.months) {
            (None, None) => c.add(&at, "say how long after the trigger the data goes: `days` or `months`"),
            (Some(_), Some(_)) => c.add(&at, "give the period in `days` or in `months`, not both"),
            _ => {}
        }
        if let Some(h) = &r.legal_hold {
            if h.days == 0 {
                c.add(&at, "a legal hold needs a duration in days");
            }
            c.text(format!("{at}.legal_hold.reason"), &h.reason);
        }
        c.text(format!("{at}.description"), &r.description);
    }
    let mut seen = BTreeSet::new();
    for r in &doc.retention {
        if !seen.insert((&r.category, &r.trigger)) {
            c.add(format!("retention.{}", r.category), format!("two rules for the same trigger `{}`", r.trigger));
        }
    }

    let mut names = BTreeSet::new();
    for k in &doc.cookies {
        let at = format!("cookies.{}", k.name);
        if !names.insert(&k.name) {
            c.add(&at, "this cookie is declared twice");
        }
        let max = k.kind.max_months();
        match (k.lifetime_months, k.lifetime_days) {
            (Some(_), d) if d > 0 => c.add(&at, "give the lifetime in `lifetime_days` or in `lifetime_months`, not both"),
            (Some(m), _) if m > max => {
                c.add(&at, format!("a {} cookie may live at most {max} months, not {m} (C-COOK-5)", k.kind.as_str()));
            }
            (Some(0), _) => c.add(&at, "a lifetime of 0 months: write `lifetime_days = 0` for a session cookie"),
            (None, d) if d > Period::Months(max).min_days() => c.add(
                &at,
                format!(
                    "a {} cookie may live at most {max} months, and {d} days can outlive them: at most {} days, or say `lifetime_months` (C-COOK-5)",
                    k.kind.as_str(),
                    Period::Months(max).min_days()
                ),
            ),
            _ => {}
        }
        if k.party == Party::Third && k.provider.as_deref().is_none_or(|p| p.trim().is_empty()) {
            c.add(&at, "a third-party cookie must name its provider");
        }
        c.text(format!("{at}.purpose"), &k.purpose);
    }
    c.unique("security_measures", doc.security_measures.iter().map(|x| x.id.as_str()));
    for m in &doc.security_measures {
        c.text(format!("security_measures.{}.title", m.id), &m.title);
        c.text(format!("security_measures.{}.description", m.id), &m.description);
    }
    c.unique("integrations", doc.integrations.iter().map(|x| x.id.as_str()));
    for i in &doc.integrations {
        let at = format!("integrations.{}", i.id);
        c.text(format!("{at}.description"), &i.description);
        c.text(format!("{at}.reads"), &i.reads);
        c.text(format!("{at}.destination"), &i.destination);
        c.text(format!("{at}.limited_use"), &i.limited_use);
        if i.provider.trim().is_empty() {
            c.add(format!("{at}.provider"), "name who runs the service the integration connects to");
        }
        if i.scopes.is_empty() || i.scopes.iter().any(|s| s.trim().is_empty()) {
            c.add(format!("{at}.scopes"), "list the exact scopes the integration asks for");
        }
        match doc.purposes.iter().find(|p| p.id == i.purpose) {
            None => c.add(format!("{at}.purpose"), format!("`{}` is not a purpose of this policy", i.purpose)),
            Some(p) => {
                for cat in [&i.category, &i.becomes] {
                    if !p.categories.iter().any(|x| x == cat) {
                        c.add(format!("{at}.purpose"), format!("the purpose `{}` does not list the category `{cat}`", p.id));
                    }
                }
            }
        }
        for (field, cat) in [("category", &i.category), ("becomes", &i.becomes)] {
            if !doc.categories.iter().any(|x| &x.id == cat) {
                c.add(format!("{at}.{field}"), format!("`{cat}` is not a category of this policy"));
            }
        }
    }
    c.problems
}
