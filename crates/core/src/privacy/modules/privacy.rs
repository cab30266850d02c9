//! The privacy modules: consent (visitors' cookie choices and account holders' consents, with
//! their proofs), navigation statistics (page views, only with consent), rights (requests,
//! exports, erasure receipts, legal-hold copies, the disclosure log) and retention (legal holds
//! and the scheduler's runs). Their declarations, and the exporters and erasers of the
//! categories they store.

use serde_json::{Value, json};

use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::ids::SubjectId;
use crate::privacy::modules::model::{
    CategoryImpl, Class, EVERY_CATEGORY, Enforcement, Eraser, ID, LINK_HASH, Module, PUBLIC, Pending, RetentionImpl, STATE, SUBJECT, TIME,
    personal, region, sealed,
};
use crate::privacy::rights::records;

pub const CONSENT: Module = Module {
    id: "consent",
    title: "Consent: cookie choices, consent-based purposes, Global Privacy Control, proofs",
    data_subjects: &["users", "visitors", "contacts"],
    categories: &[CategoryImpl { id: "consent_records", exporter: export_consents, eraser: Eraser::WithAccount }],
    // Marketing: the consent is asked (never pre-ticked) and recorded here; the outreach module
    // reads it at send time.
    purposes: &[("consent", &["consent_records"]), ("marketing", &["account"])],
    retention: &[
        RetentionImpl { category: "consent_records", trigger: "account_deleted", enforcement: Enforcement::AtTrigger },
        RetentionImpl { category: "consent_records", trigger: "collected", enforcement: Enforcement::PurgeVisitorConsents },
    ],
    cookies: &["cb_consent"],
    tables: &[region(
        "consent_ledger",
        &[
            ("seq", STATE),
            ("id", ID),
            ("consent_id", personal("consent_records", &["consent_cookie_id"])),
            ("subject_id", SUBJECT),
            ("purpose", Class::NotPersonal("the id of the policy purpose the choice is about")),
            ("granted", personal("consent_records", &["choice"])),
            ("policy_version", PUBLIC),
            ("text_digest", Class::NotPersonal("the digest of the public text the person was shown")),
            ("purposes_digest", Class::NotPersonal("the digest of the policy's consent purposes the choice was made under")),
            ("method", STATE),
            ("at", TIME),
            ("proof", personal("consent_records", &["proof_of_choice"])),
        ],
    )],
    ..Module::EMPTY
};

pub const STATISTICS: Module = Module {
    id: "statistics",
    title: "Navigation statistics: page views with consent, published aggregated",
    switchable: true,
    data_subjects: &["visitors"],
    categories: &[CategoryImpl { id: "navigation", exporter: export_navigation, eraser: Eraser::Rows(erase_navigation) }],
    purposes: &[("statistics", &["navigation"])],
    retention: &[RetentionImpl { category: "navigation", trigger: "collected", enforcement: Enforcement::PurgePageViews }],
    cookies: &["cb_aid"],
    tables: &[region(
        "page_views",
        &[
            ("id", ID),
            ("visitor_id", personal("navigation", &["cookie_id"])),
            ("at", personal("navigation", &["visited_at"])),
            ("ip", sealed("navigation", &["ip_address"])),
            ("ip_prefix", personal("navigation", &["ip_address"])),
            ("os", personal("navigation", &["operating_system"])),
            ("browser", personal("navigation", &["browser"])),
            ("browser_version", personal("navigation", &["browser"])),
            ("language", personal("navigation", &["browser_language"])),
            ("page", personal("navigation", &["page"])),
        ],
    )],
    ..Module::EMPTY
};

const BY_STAFF: Class = Class::NotPersonal("written by staff about a legal basis or a scope, by category: never the data itself");

pub const RIGHTS: Module = Module {
    id: "rights",
    title: "Rights: requests, exports and imports, erasure and receipts, the disclosure log",
    data_subjects: &["users", "participants", "requesters"],
    categories: &[CategoryImpl {
        id: "rights_requests",
        exporter: export_requests,
        eraser: Eraser::AtRetention(
            "a request's record is kept to show how it was handled (GDPR Art. 5(2) and 17(3)(b)), then erased with the key that seals it",
        ),
    }],
    purposes: &[("rights", EVERY_CATEGORY)],
    recipients: &["authorities"],
    retention: &[RetentionImpl { category: "rights_requests", trigger: "request_closed", enforcement: Enforcement::PurgeClosedRequests }],
    tables: &[
        region(
            "requests",
            &[
                ("id", ID),
                ("kind", STATE),
                ("regime", STATE),
                ("channel", STATE),
                ("requester_id", SUBJECT),
                ("subject_id", SUBJECT),
                ("contact", sealed("rights_requests", &["requester_email", "requester_name", "request_details", "person_email"])),
                ("email_bidx", personal("rights_requests", &["requester_email"])),
                ("on_behalf", STATE),
                ("state", STATE),
                ("received_at", TIME),
                ("verified_at", TIME),
                ("confirmed_at", TIME),
                ("acknowledged_at", TIME),
                ("acknowledge_by", TIME),
                ("answer_by", TIME),
                ("extended_to", TIME),
                ("closed_at", TIME),
                ("outcome", sealed("rights_requests", &["answer"])),
                ("verify_hash", LINK_HASH),
                ("verify_expires_at", TIME),
                ("confirm_hash", LINK_HASH),
                ("confirm_expires_at", TIME),
                ("document_blob", personal("rights_requests", &["proof_document"])),
                ("export_id", ID),
            ],
        ),
        region(
            "request_events",
            &[
                ("seq", STATE),
                ("request_id", ID),
                ("at", TIME),
                ("event", STATE),
                ("actor", Class::NotPersonal("who acted: the system, the requester or a staff member, by pseudonymous id")),
                ("detail", Class::NotPersonal("what changed: states, dates and ids, never personal data")),
            ],
        ),
        region(
            "disclosures",
            &[
                ("id", ID),
                ("subject_id", SUBJECT),
                ("recipient", Class::NotPersonal("the id of a recipient of the policy")),
                ("legal_basis", BY_STAFF),
                ("scope", BY_STAFF),
                ("contact", Class::NotPersonal("the recipient's business address for erasure notices, never the person's")),
                ("at", TIME),
                ("notified_at", TIME),
            ],
        ),
        region(
            "exports",
            &[
                ("id", ID),
                ("subject_id", SUBJECT),
                ("request_id", ID),
                ("state", STATE),
                ("created_at", TIME),
                ("started_at", TIME),
                ("finished_at", TIME),
                ("expires_at", TIME),
                (
                    "blob_id",
                    Class::Copy("the export archive: a copy of the person's data, sealed with their key, deleted when its link ends"),
                ),
                ("size", STATE),
                ("attempts", STATE),
                ("error", Class::NotPersonal("an error code of the export builder")),
                ("revoked_at", TIME),
                ("revoked_reason", STATE),
                ("code_hash", LINK_HASH),
                ("code_expires_at", TIME),
                ("code_attempts", STATE),
                ("codes_sent", STATE),
            ],
        ),
        region(
            "held_records",
            &[
                ("id", ID),
                ("hold_id", ID),
                ("subject_id", SUBJECT),
                ("category", Class::NotPersonal("the id of the policy category the hold keeps")),
                (
                    "data",
                    Class::Copy("what a legal hold keeps of that category, sealed with the hold's own key, deleted when the hold ends"),
                ),
                ("created_at", TIME),
                ("until_at", TIME),
            ],
        ),
        region(
            "erasure_receipts",
            &[
                ("id", ID),
                ("subject_id", SUBJECT),
                ("at", TIME),
                ("body", Class::NotPersonal("the signed receipt: pseudonymous ids, counts and dates")),
                ("signature", Class::NotPersonal("the service's signature of the receipt")),
            ],
        ),
        region("import_locks", &[("subject_id", SUBJECT), ("started_at", TIME)]),
    ],
    ..Module::EMPTY
};

pub const RETENTION: Module = Module {
    id: "retention",
    title: "Retention: the scheduler's runs and legal holds",
    tables: &[
        region(
            "legal_holds",
            &[
                ("id", ID),
                ("subject_id", SUBJECT),
                ("category", Class::NotPersonal("the id of the policy category held")),
                ("reason", Class::NotPersonal("the legal reason, written by a privacy officer")),
                ("until_at", TIME),
                ("created_at", TIME),
                ("created_by", SUBJECT),
                ("released_at", TIME),
            ],
        ),
        region(
            "retention_runs",
            &[
                ("id", ID),
                ("rule", Class::NotPersonal("the name of a rule of the policy")),
                ("started_at", TIME),
                ("finished_at", TIME),
                ("due", STATE),
                ("purged", STATE),
                ("held", STATE),
            ],
        ),
    ],
    ..Module::EMPTY
};

fn export_consents<'a>(_: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, Value> {
    Box::pin(async move { Ok(json!({ "consents": records::consents_of(region, subject).await? })) })
}

/// Navigational data is tied to a browser's analytics cookie, never to an account: there is
/// nothing to export or erase for an account (a visitor withdraws, which deletes theirs).
fn export_navigation<'a>(_: &'a Clearboard, _: &'a RegionHandle, _: &'a SubjectId) -> Pending<'a, Value> {
    Box::pin(async move { Ok(json!({ "page_views": [], "linked_to_account": false })) })
}

fn erase_navigation<'a>(_: &'a Clearboard, _: &'a RegionHandle, _: &'a SubjectId) -> Pending<'a, u64> {
    Box::pin(async move { Ok(0) })
}

fn export_requests<'a>(_: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, Value> {
    Box::pin(async move { Ok(json!({ "requests": records::requests_of(region, subject).await? })) })
}
