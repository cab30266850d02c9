//! Acceptance 8 of the policy-frame issue: the trace from every commitment of the SPEC to the
//! tests that prove it is complete, and only shrinks. Every id of `policy/commitments.toml` is
//! named by a test (the rule: `clearboard_policy::trace`), or waits in `policy/unproven.toml`
//! with the issue that will prove it; an id listed there that now has a test must leave the
//! list; no test names an id the SPEC does not have. `clearboard policy trace` prints the same.

use std::path::Path;

fn repo() -> clearboard_app::trace::Repo {
    clearboard_app::trace::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")).unwrap()
}

#[test]
fn acceptance_8_every_spec_id_has_a_test_or_an_issue_that_will_prove_it() {
    let repo = repo();
    assert_eq!(repo.spec.len(), 55, "the SPEC has 55 commitments");
    let problems = repo.problems();
    assert!(problems.is_empty(), "the trace is broken:\n{}", problems.join("\n"));
    let entries = repo.entries();
    let proven = entries.iter().filter(|e| !e.tests.is_empty()).count();
    assert_eq!(proven + repo.unproven.len(), entries.len(), "every id is proven or waits for its issue");
    assert!(repo.files.len() > 150, "only {} source files read", repo.files.len());
}

#[test]
fn policy_trace_prints_every_id_with_its_code_and_tests() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clearboard"))
        .args(["policy", "trace", "--root", concat!(env!("CARGO_MANIFEST_DIR"), "/../..")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{}\n{}", text, String::from_utf8_lossy(&out.stderr));
    for id in &repo().spec {
        assert!(text.contains(&format!("\n{id}\n")) || text.starts_with(&format!("{id}\n")), "{id} missing from the trace");
    }
    assert!(text.contains("test: crates/app/tests/it/schema.rs:"), "{text}");
    assert!(text.contains("commitments have at least one test"));
}
