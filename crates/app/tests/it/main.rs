//! The integration suite: one binary (link time dominates on small machines). Every test that
//! touches storage runs on SQLite and on PostgreSQL (`both!`). The domain suite (`domain/`)
//! runs the rules in process through the test kit's harness, without a server; the other
//! modules prove what needs HTTP, a real server, a browser or the command line.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod abuse_auth;
mod abuse_drill;
mod abuse_exports;
mod accounts;
mod audit;
mod billing;
mod billing_affiliates;
mod billing_erasure;
mod billing_invoices;
mod billing_partners;
mod billing_stripe;
mod blob_storage;
mod board_content;
mod boards;
mod boards_card_path;
mod boards_socket;
mod boards_undo;
mod browser;
mod card_numbers;
mod careers;
mod ccpa;
mod cli;
mod cluster;
mod cluster_limits;
mod cluster_nats;
mod commitments;
mod consent;
mod departure;
mod domain;
mod drills;
mod errors;
mod facilitation;
mod facilitation_workshop;
mod fuzz_corpus;
mod house;
mod identity_checks;
mod integrations;
mod interop;
mod journey;
mod keys;
mod legal;
mod logs;
mod mail;
mod media;
mod outreach;
mod policy;
mod programmes;
mod receipts;
mod regions;
mod requests;
mod retention;
mod rights;
mod rights_roundtrip;
mod schema;
mod scope;
mod security;
mod sessions;
mod staff;
mod store;
mod support;
mod support_files;
mod trace;
mod web;
mod without_accounts;

pub use clearboard_testkit::{Backend, TestApp, both, canary, canary_email, spawn_app, spawn_with};
pub use serde_json::{Value, json};

/// Asserts an error response: status, stable code, a request id matching the header.
pub async fn assert_error(res: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "unexpected status");
    let header_id = res.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_string()).expect("x-request-id header");
    let body: Value = res.json().await.expect("error body is JSON");
    assert_eq!(body["error"]["code"], code, "body: {body}");
    assert!(!body["error"]["message"].as_str().unwrap_or_default().is_empty(), "a message for people");
    assert_eq!(body["error"]["request_id"].as_str(), Some(header_id.as_str()), "request id in body and header");
    body
}
