//! The platform modules: storage (the databases and blob stores of each region, hosted by the
//! region's provider), subject keys, the audit log, policy versions, backups and mail. Most
//! hold no category of their own; their tables are classified here all the same.

use crate::privacy::modules::model::{Class, Module, PUBLIC, STATE, SUBJECT, TIME, directory, keys, region};

const BOOKKEEPING: Class = Class::NotPersonal("the schema's own bookkeeping: which migrations ran, when");
const MIGRATIONS: [(&str, Class); 4] =
    [("version", BOOKKEEPING), ("name", BOOKKEEPING), ("checksum", BOOKKEEPING), ("applied_at", BOOKKEEPING)];
const AUDIT_ENTRY: Class = Class::NotPersonal(
    "the hash-chained audit log: pseudonymous ids, actions, purposes and details without personal data (checked by the canary tests)",
);
const AUDIT: [(&str, Class); 9] = [
    ("seq", STATE),
    ("at_ms", TIME),
    ("actor", AUDIT_ENTRY),
    ("action", AUDIT_ENTRY),
    ("subject", SUBJECT),
    ("purpose", AUDIT_ENTRY),
    ("detail", AUDIT_ENTRY),
    ("prev_hash", AUDIT_ENTRY),
    ("hash", AUDIT_ENTRY),
];
const CHECKPOINT: [(&str, Class); 4] = [("chain", AUDIT_ENTRY), ("seq", STATE), ("hash", AUDIT_ENTRY), ("mac", AUDIT_ENTRY)];

pub const STORAGE: Module = Module {
    id: "storage",
    title: "Storage: each region's database, blob store and key store, hosted in that region",
    recipients: &["hosting-{region}"],
    tables: &[
        directory("schema_migrations", &MIGRATIONS),
        region("schema_migrations", &MIGRATIONS),
        keys("schema_migrations", &MIGRATIONS),
        region("subjects", &[("id", SUBJECT), ("kind", STATE), ("created_at", TIME), ("erased_at", TIME)]),
        // Which node claimed a periodic duty for which period (issue 20): nothing personal.
        directory("duty_runs", &[("duty", STATE), ("period", STATE), ("claimed_at", TIME)]),
    ],
    ..Module::EMPTY
};

pub const KEYS: Module = Module {
    id: "keys",
    title: "Subject keys: one data key per person, wrapped, destroyed at erasure",
    tables: &[
        keys(
            "subject_keys",
            &[
                ("subject_id", SUBJECT),
                ("key_id", STATE),
                ("wrapped", Class::NotPersonal("a data key wrapped by the key-encryption key: it opens a person's data and holds none")),
                ("created_at", TIME),
            ],
        ),
        keys("tombstones", &[("subject_id", SUBJECT), ("shredded_at", TIME)]),
    ],
    ..Module::EMPTY
};

pub const AUDIT_LOG: Module = Module {
    id: "audit",
    title: "The hash-chained audit log of each database",
    tables: &[
        directory("audit", &AUDIT),
        region("audit", &AUDIT),
        directory("audit_checkpoint", &CHECKPOINT),
        region("audit_checkpoint", &CHECKPOINT),
    ],
    ..Module::EMPTY
};

pub const POLICY_VERSIONS: Module = Module {
    id: "policy_versions",
    title: "Policy versions: the public history of the policy",
    tables: &[directory(
        "policy_versions",
        &[
            ("digest", PUBLIC),
            ("published_on", PUBLIC),
            ("recorded_at", TIME),
            ("significant", PUBLIC),
            ("summary_en", PUBLIC),
            ("summary_fr", PUBLIC),
            ("body", PUBLIC),
        ],
    )],
    ..Module::EMPTY
};

pub const BACKUPS: Module = Module {
    id: "backups",
    title: "Backups: copies of the databases and blobs (never the keys), deleted at the policy's backup retention",
    ..Module::EMPTY
};

pub const MAIL: Module = Module {
    id: "mail",
    title: "Mail: activation links, notices and answers, through the email delivery provider",
    switchable: true,
    recipients: &["email-delivery"],
    ..Module::EMPTY
};
