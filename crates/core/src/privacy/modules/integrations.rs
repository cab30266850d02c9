//! The integrations module (issue 19; C-SCOPE-2, C-3P-1): Google Drive import. Its category
//! `integrations` (the connection: sealed tokens, granted scopes, dates; each import's
//! outcome, sealed), the purpose `imports` (which also writes User Information: the cards the
//! files become, stored by the boards module), the rule `integrations:disconnected` (the
//! tokens go at disconnection or erasure, revoked at the provider first), and the Drive
//! integration with its exact scopes (checked against the policy's `[[integrations]]`).

use serde_json::Value;

use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::ids::SubjectId;
use crate::privacy::modules::model::{
    CategoryImpl, Class, Enforcement, Eraser, Module, Pending, RetentionImpl, STATE, SUBJECT, TIME, personal, sealed,
};

const PROVIDER: Class = Class::NotPersonal("the id of an integration of the policy (`google-drive`)");

pub const INTEGRATIONS: Module = Module {
    id: "integrations",
    title: "Integrations: Google Drive import (connections, sealed tokens, import jobs)",
    switchable: true,
    data_subjects: &["users"],
    categories: &[CategoryImpl { id: "integrations", exporter: export_integrations, eraser: Eraser::Rows(erase_integrations) }],
    purposes: &[("imports", &["integrations", "user_content"])],
    retention: &[RetentionImpl { category: "integrations", trigger: "disconnected", enforcement: Enforcement::AtTrigger }],
    integrations: &[&crate::integrations::google_drive::SPEC],
    tables: &[
        crate::privacy::modules::model::region(
            "integration_connections",
            &[
                ("subject_id", SUBJECT),
                ("provider", PROVIDER),
                ("scopes", personal("integrations", &["granted_scopes"])),
                ("tokens", sealed("integrations", &["provider_tokens"])),
                ("connected_at", TIME),
                ("last_used_at", TIME),
                ("updated_at", TIME),
            ],
        ),
        crate::privacy::modules::model::region(
            "integration_grants",
            &[
                ("state_hash", crate::privacy::modules::model::LINK_HASH),
                ("subject_id", SUBJECT),
                ("provider", PROVIDER),
                (
                    "verifier",
                    Class::NotPersonal(
                        "a random PKCE verifier, sealed with the person's key; it opens nothing once the ten minutes of the connection attempt are over",
                    ),
                ),
                ("created_at", TIME),
                ("expires_at", TIME),
            ],
        ),
        crate::privacy::modules::model::region(
            "integration_imports",
            &[
                ("id", crate::privacy::modules::model::ID),
                ("subject_id", SUBJECT),
                ("provider", PROVIDER),
                ("board_id", Class::NotPersonal("the id of the board the files were imported onto")),
                ("status", STATE),
                ("total", STATE),
                ("done", STATE),
                ("failed", STATE),
                ("results", sealed("integrations", &["import_results"])),
                ("created_at", TIME),
                ("updated_at", TIME),
            ],
        ),
    ],
    ..Module::EMPTY
};

fn export_integrations<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, Value> {
    Box::pin(async move { cb.integrations().export_of(region, subject).await })
}

fn erase_integrations<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, u64> {
    Box::pin(async move { cb.integrations().erase_of(region, subject).await })
}
