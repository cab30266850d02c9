//! Where personal data is stored: every column that holds personal data, with the policy
//! category and field it belongs to (C-DATA-9). A test checks that the policy declares each of
//! them; the store's tests check that each column exists and that no other column of the
//! personal tables is missing from this list.

/// One stored personal field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredField {
    pub table: &'static str,
    pub column: &'static str,
    pub category: &'static str,
    pub field: &'static str,
    /// Sealed with the subject's key (true for every direct identifier).
    pub encrypted: bool,
}

const fn f(table: &'static str, column: &'static str, category: &'static str, field: &'static str, encrypted: bool) -> StoredField {
    StoredField { table, column, category, field, encrypted }
}

/// Every personal column of the region databases.
pub const STORED_FIELDS: &[StoredField] = &[
    f("accounts", "email", "account", "email", true),
    f("accounts", "email_bidx", "account", "email", false),
    f("accounts", "first_name", "account", "first_name", true),
    f("accounts", "last_name", "account", "last_name", true),
    f("accounts", "phone", "account", "phone", true),
    f("accounts", "password_hash", "account", "password_hash", true),
    f("accounts", "picture_blob", "account", "profile_picture", false),
    f("sessions", "token_hash", "security", "session_token_hash", false),
    f("sessions", "created_at", "security", "session_times", false),
    f("sessions", "last_seen_at", "security", "session_times", false),
    f("cards", "body", "user_content", "card_text", true),
    f("cards", "blob_id", "user_content", "card_media", false),
    f("comments", "body", "user_content", "comment_text", true),
    f("participants", "pseudonym", "user_content", "participant_pseudonym", true),
    f("boards", "title", "user_content", "board_title", true),
    f("boards", "legend", "user_content", "board_legend", true),
    f("organisations", "name", "user_content", "organisation_name", true),
    f("page_views", "visitor_id", "navigation", "cookie_id", false),
    f("page_views", "ip", "navigation", "ip_address", true),
    f("page_views", "ip_prefix", "navigation", "ip_address", false),
    f("page_views", "at", "navigation", "visited_at", false),
    f("page_views", "os", "navigation", "operating_system", false),
    f("page_views", "browser", "navigation", "browser", false),
    f("page_views", "browser_version", "navigation", "browser", false),
    f("page_views", "language", "navigation", "browser_language", false),
    f("page_views", "page", "navigation", "page", false),
];

/// Columns of personal tables that hold no personal data (ids, times, settings).
pub const NON_PERSONAL_COLUMNS: &[(&str, &str)] = &[
    ("accounts", "subject_id"),
    ("accounts", "locale"),
    ("accounts", "created_at"),
    ("accounts", "updated_at"),
    ("sessions", "subject_id"),
    ("sessions", "kind"),
    ("cards", "id"),
    ("cards", "board_id"),
    ("cards", "author_id"),
    ("cards", "kind"),
    ("cards", "media_type"),
    ("cards", "x"),
    ("cards", "y"),
    ("cards", "color"),
    ("cards", "category"),
    ("cards", "status"),
    ("cards", "version"),
    ("cards", "created_at"),
    ("cards", "updated_at"),
    ("cards", "anonymous"),
    ("comments", "id"),
    ("comments", "card_id"),
    ("comments", "author_id"),
    ("comments", "created_at"),
    ("comments", "anonymous"),
    ("participants", "subject_id"),
    ("participants", "board_id"),
    ("participants", "created_at"),
    ("boards", "id"),
    ("boards", "org_id"),
    ("boards", "created_by"),
    ("boards", "created_at"),
    ("boards", "updated_at"),
    ("boards", "locked"),
    ("boards", "controlled"),
    ("boards", "anonymous"),
    ("boards", "vote_tokens"),
    ("boards", "join_code"),
    ("boards", "seq"),
    ("organisations", "id"),
    ("organisations", "personal"),
    ("organisations", "created_at"),
    ("page_views", "id"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// C-DATA-9: the code stores nothing the policy does not declare.
    #[test]
    fn c_data_9_every_stored_field_is_declared_in_the_policy() {
        let policy = clearboard_policy::Policy::default_policy().unwrap();
        for sf in STORED_FIELDS {
            assert!(policy.declares(sf.category, sf.field), "{}.{} stores undeclared {}/{}", sf.table, sf.column, sf.category, sf.field);
        }
    }
}
