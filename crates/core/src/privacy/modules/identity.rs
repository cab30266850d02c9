//! The identity modules: accounts (sign-up, profile, activation, policy acknowledgements, the
//! directory's blind index of addresses), sign-in sessions and their throttles, and staff (the
//! staff gate: roles, confidentiality training). Their declarations, and the exporters and
//! erasers of the categories they store.

use serde_json::{Value, json};

use crate::platform::audit::Actor;
use crate::platform::clock::rfc3339;
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::ids::SubjectId;
use crate::privacy::modules::model::{
    CategoryImpl, Class, Enforcement, Eraser, LINK_HASH, Module, Pending, RetentionImpl, STATE, SUBJECT, TIME, directory, personal, region,
    sealed,
};

pub const ACCOUNTS: Module = Module {
    id: "accounts",
    title: "Accounts: sign-up, profile, activation and policy acknowledgements",
    data_subjects: &["users"],
    categories: &[CategoryImpl { id: "account", exporter: export_account, eraser: Eraser::WithAccount }],
    purposes: &[("account", &["account"]), ("security", &["account"])],
    retention: &[RetentionImpl { category: "account", trigger: "account_deleted", enforcement: Enforcement::AtTrigger }],
    tables: &[
        region(
            "accounts",
            &[
                ("subject_id", SUBJECT),
                ("email_bidx", personal("account", &["email"])),
                ("email", sealed("account", &["email"])),
                ("first_name", sealed("account", &["first_name"])),
                ("last_name", sealed("account", &["last_name"])),
                ("phone", sealed("account", &["phone"])),
                ("password_hash", sealed("account", &["password_hash"])),
                ("picture_blob", personal("account", &["profile_picture"])),
                ("locale", Class::NotPersonal("the language of the service's messages, chosen among the service's")),
                ("created_at", TIME),
                ("updated_at", TIME),
            ],
        ),
        region("account_activations", &[("subject_id", SUBJECT), ("token_hash", LINK_HASH), ("expires_at", TIME), ("created_at", TIME)]),
        region(
            "policy_acks",
            &[
                ("subject_id", SUBJECT),
                ("digest", Class::NotPersonal("the public version id of the policy acknowledged")),
                ("method", STATE),
                ("at", personal("account", &["policy_acknowledgement"])),
            ],
        ),
        directory(
            "email_index",
            &[
                ("bidx", personal("account", &["email"])),
                ("region", Class::NotPersonal("the region that holds the account")),
                ("subject_id", SUBJECT),
                ("created_at", TIME),
            ],
        ),
    ],
    ..Module::EMPTY
};

pub const SESSIONS: Module = Module {
    id: "sessions",
    title: "Sign-in sessions, device cookies and sign-in throttles",
    data_subjects: &["users"],
    categories: &[CategoryImpl { id: "security", exporter: export_security, eraser: Eraser::Rows(erase_security) }],
    purposes: &[("account", &["security"]), ("security", &["security"])],
    retention: &[RetentionImpl { category: "security", trigger: "session_ended", enforcement: Enforcement::PurgeSessions }],
    // cb_lang: the language a visitor or account holder chose (a preference, no consent needed).
    cookies: &["cb_session", "cb_device", "cb_lang"],
    tables: &[
        region(
            "sessions",
            &[
                ("token_hash", personal("security", &["session_token_hash"])),
                ("subject_id", SUBJECT),
                ("kind", STATE),
                ("created_at", personal("security", &["session_times"])),
                ("last_seen_at", personal("security", &["session_times"])),
            ],
        ),
        // The counters of rate limits and throttles a cluster shares (issue 20; C-SEC-1).
        directory(
            "rate_counters",
            &[
                ("scope", STATE),
                ("key_hash", RATE_KEY),
                ("hits", STATE),
                ("pending", STATE),
                ("since", TIME),
                ("locked_until", TIME),
                ("keep_until", TIME),
            ],
        ),
    ],
    ..Module::EMPTY
};

/// The key of a shared rate-limit counter.
const RATE_KEY: Class = Class::NotPersonal(
    "a keyed hash (HMAC under the deployment's blind-index key) of a client address, an email's blind index, a device nonce or an account id: it reverses to nothing, and the row is deleted when its window or lock ends",
);

/// About the operator's own staff (their role and training), governed by the operator's notice
/// to its employees: the account each row points to is classified under `account`.
const STAFF_RECORD: Class = Class::NotPersonal(
    "a staff member's role or training date: about the operator's own staff, covered by its notice to employees, not by this policy",
);

pub const STAFF: Module = Module {
    id: "staff",
    title: "Staff and the staff gate (roles, reasons, confidentiality training)",
    purposes: &[("assistance", &["account"]), ("rights", &["account"]), ("security", &["account"])],
    recipients: &["staff"],
    tables: &[directory(
        "staff",
        &[
            ("subject_id", SUBJECT),
            ("region", Class::NotPersonal("the region that holds the staff member's account")),
            ("role", STAFF_RECORD),
            ("trained_at", STAFF_RECORD),
            ("created_at", TIME),
        ],
    )],
    ..Module::EMPTY
};

fn export_account<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, Value> {
    Box::pin(async move {
        let p = cb.accounts().profile(&region.id, subject).await?;
        let acks: Vec<Value> = region
            .store
            .acks_of(subject)
            .await?
            .into_iter()
            .map(|(d, m, at)| json!({ "policy_version": d, "how": m, "at": rfc3339(at) }))
            .collect();
        Ok(json!({ "profile": p, "policy_acknowledgements": acks }))
    })
}

fn export_security<'a>(_: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, Value> {
    Box::pin(async move {
        let sessions: Vec<Value> = region
            .store
            .sessions_of(subject)
            .await?
            .into_iter()
            .map(|s| json!({ "kind": s.kind, "started_at": rfc3339(s.created_at), "last_used_at": rfc3339(s.last_seen_at) }))
            .collect();
        Ok(json!({ "sessions": sessions }))
    })
}

fn erase_security<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, u64> {
    Box::pin(async move {
        let audit = cb.audit_draft(Actor::System, "sessions.erased", Some(subject), Some("rights"), json!({}));
        Ok(region.store.delete_sessions_of(subject, None, Some(audit)).await?)
    })
}
