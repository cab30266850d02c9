//! Google Drive (C-3P-1): files a person picks in Google's Picker become cards of the board
//! they chose. The scope is `drive.file` (non-sensitive: per-file access to what the person
//! picks), never `drive.readonly`; the server fetches the picked files only (`import`).

pub mod import;

use crate::integrations::spec::{PURPOSE, Spec};

pub const ID: &str = "google-drive";
pub const SCOPE_DRIVE_FILE: &str = "https://www.googleapis.com/auth/drive.file";

pub const SPEC: Spec = Spec { id: ID, provider: "Google", scopes: &[SCOPE_DRIVE_FILE], purpose: PURPOSE };
