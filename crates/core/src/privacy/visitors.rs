//! Visitors' own records (issue 13, acceptance 5): a visitor of the public website has no
//! account, so they are found by their cookies only: their consent record by the random id in
//! `cb_consent`, their page views by the random id in `cb_aid`. They read both (the cookies
//! page, `GET /api/v1/me/consent-record`) and erase both.
//!
//! Must not: find anyone by anything but those random ids (nothing else ties a visitor to
//! their rows), touch a signed-in person's consent records, or show one visitor's rows to
//! another (the ids come from the visitor's own cookies, checked by the web layer).

use serde::Serialize;
use serde_json::json;

use crate::platform::audit::Actor;
use crate::platform::clock::rfc3339;
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::privacy::navigation::visitor_key_owner;

/// One recorded choice, as the visitor reads it.
#[derive(Debug, Clone, Serialize)]
pub struct ChoiceView {
    pub purpose: String,
    pub granted: bool,
    pub method: String,
    pub at: String,
    /// The proof of the choice (a hash over the record), in hexadecimal.
    pub proof: String,
}

/// One page view, as the visitor reads it (their own address opened with their key).
#[derive(Debug, Clone, Serialize)]
pub struct PageViewView {
    pub page: String,
    pub at: String,
    pub ip_address: Option<String>,
    pub operating_system: String,
    pub browser: String,
    pub browser_language: String,
}

/// Everything held about a visitor.
#[derive(Debug, Clone, Serialize)]
pub struct VisitorRecord {
    pub consent_id: Option<String>,
    pub choices: Vec<ChoiceView>,
    pub page_views: Vec<PageViewView>,
}

/// What erasing a visitor removed.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct VisitorErased {
    pub consent_records: u64,
    pub page_views: u64,
}

pub struct Visitors<'a> {
    cb: &'a Clearboard,
}

impl Clearboard {
    pub fn visitors(&self) -> Visitors<'_> {
        Visitors { cb: self }
    }
}

/// The random ids the cookies carry are 22 characters of URL-safe base 64.
fn well_formed(id: &str) -> bool {
    id.len() == 22 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Visitors<'_> {
    /// A visitor's own records are read and erased for the rights purpose.
    fn guard(&self) -> Result<(), CoreError> {
        Ok(self.cb.policy().check("rights", "consent_records")?)
    }

    /// The page-view id to look at: well formed, and only while statistics are collected
    /// (switched off, the policy declares no navigational data and none is stored).
    fn views_of<'v>(&self, visitor_id: Option<&'v str>) -> Result<Option<&'v str>, CoreError> {
        match visitor_id.filter(|v| well_formed(v) && self.cb.module_enabled("statistics")) {
            Some(v) => {
                self.cb.policy().check("rights", "navigation")?;
                Ok(Some(v))
            }
            None => Ok(None),
        }
    }

    fn region(&self) -> Result<&RegionHandle, CoreError> {
        self.cb.region(&self.cb.settings().default_region)
    }

    /// The consent record of `consent_id` and the page views of `visitor_id` (each from the
    /// visitor's own cookie; either may be absent).
    pub async fn record(&self, consent_id: Option<&str>, visitor_id: Option<&str>) -> Result<VisitorRecord, CoreError> {
        self.guard()?;
        let region = self.region()?.clone();
        let consent_id = consent_id.filter(|c| well_formed(c));
        let choices = match consent_id {
            Some(c) => region
                .consents
                .consents_of_visitor(c)
                .await?
                .into_iter()
                .map(|r| ChoiceView {
                    purpose: r.purpose,
                    granted: r.granted,
                    method: r.method,
                    at: rfc3339(r.at),
                    proof: hex::encode(r.proof),
                })
                .collect(),
            None => Vec::new(),
        };
        let mut page_views = Vec::new();
        if let Some(v) = self.views_of(visitor_id)? {
            let rows = region.consents.page_views_list_of(v).await?;
            let dek = if rows.is_empty() {
                None
            } else {
                match self.cb.keys().current(&region, &visitor_key_owner(v)).await {
                    Ok(k) => Some(k),
                    Err(CoreError::Erased | CoreError::NotFound) => None,
                    Err(e) => return Err(e),
                }
            };
            for r in rows {
                let ip = match &dek {
                    Some(k) => Some(k.open_string(clearboard_vault::Aad { table: "page_views", column: "ip", row: &r.id }, &r.ip)?),
                    None => None,
                };
                page_views.push(PageViewView {
                    page: r.page,
                    at: rfc3339(r.at),
                    ip_address: ip,
                    operating_system: r.os,
                    browser: format!("{} {}", r.browser, r.browser_version).trim().to_string(),
                    browser_language: r.language,
                });
            }
        }
        Ok(VisitorRecord { consent_id: consent_id.map(str::to_string), choices, page_views })
    }

    /// Erases a visitor's consent records and page views (their key first), audited without
    /// either id (the audit log keeps no link to the visitor).
    pub async fn erase(&self, consent_id: Option<&str>, visitor_id: Option<&str>) -> Result<VisitorErased, CoreError> {
        self.guard()?;
        let region = self.region()?.clone();
        let page_views = match self.views_of(visitor_id)? {
            Some(v) => {
                self.cb.keys().shred(&region, &visitor_key_owner(v)).await?;
                region.consents.delete_page_views_of(v).await?
            }
            None => 0,
        };
        let consent_records = match consent_id.filter(|c| well_formed(c)) {
            Some(c) => {
                let audit = self.cb.audit_draft(Actor::System, "visitor.erased", None, Some("rights"), json!({ "page_views": page_views }));
                region.consents.delete_visitor_consents(c, audit).await?
            }
            None => {
                let audit = self.cb.audit_draft(Actor::System, "visitor.erased", None, Some("rights"), json!({ "page_views": page_views }));
                region.store.audit_append(audit).await?;
                0
            }
        };
        Ok(VisitorErased { consent_records, page_views })
    }
}
