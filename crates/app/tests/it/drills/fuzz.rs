//! API fuzzing: schemathesis against a real server's OpenAPI document, signed in.

use super::*;

/// Pinned: a new version may bring new checks, which is a change to review, not a surprise.
pub(super) const SCHEMATHESIS: PyTool = PyTool { name: "schemathesis", requirement: "schemathesis==4.32.5", script: "schemathesis" };

/// Operations left out of the authenticated run, and why.
pub(super) const FUZZ_EXCLUDED_OPERATIONS: &[(&str, &str)] = &[
    // They end the very session the run is signed in with, after which every other operation
    // would only see 401; sessions.rs tests them.
    ("DELETE /api/v1/sessions", "signs out everywhere"),
    ("DELETE /api/v1/sessions/current", "signs out"),
    // A WebSocket upgrade: schemathesis speaks plain HTTP, so every case would be an upgrade
    // refusal; boards.rs and the WebSocket tests drive it with a real client.
    ("GET /api/v1/boards/{id}/ws", "WebSocket upgrade"),
];

/// Checks that cannot apply to this API, and why. Everything else in `--checks all` runs,
/// `not_a_server_error` and `response_schema_conformance` first among them.
pub(super) const FUZZ_EXCLUDED_CHECKS: &[(&str, &str)] = &[
    // "Schema-valid input must get a 2xx": the document cannot say that a random (valid) UUID
    // names nothing (404), that a generated password is not the account's (401), that a
    // generated birth date is under 16 (422), that an address is taken (409) or that a purpose
    // is not consent-based (422). These are business rules, not schema violations.
    ("positive_data_acceptance", "business rules the schema cannot express"),
    // Needs several signed-in identities to swap between; the role matrix in boards.rs
    // (`access_matrix…`) covers object-level authorisation instead.
    ("object_level_authorization", "needs several identities; boards.rs covers it"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
pub(super) async fn api_fuzz_with_schemathesis() {
    let Some(script) = tokio::task::spawn_blocking(|| tools::require(SCHEMATHESIS)).await.unwrap() else {
        return;
    };
    let backend = match std::env::var("FUZZ_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let app = spawn_app(backend).await;
    let user = app.new_user().await;
    // Something to find: a board with a card (generated ids rarely hit them, but list and
    // export routes do).
    let board: Value = app.post_json("/api/v1/boards", &json!({ "title": "Fuzzed" }), Some(&user.token)).await.json().await.unwrap();
    let board_id = board["id"].as_str().unwrap().to_string();
    let res =
        app.post_json(&format!("/api/v1/boards/{board_id}/cards"), &json!({ "kind": "text", "text": "fuzz me" }), Some(&user.token)).await;
    assert_eq!(res.status(), 201);
    let card: Value = res.json().await.unwrap();
    let orgs: Value = app.get("/api/v1/orgs", Some(&user.token)).await.json().await.unwrap();
    let org_id = orgs["orgs"][0]["id"].as_str().or_else(|| orgs[0]["id"].as_str()).unwrap_or_default().to_string();
    let export: Value = app.post_json("/api/v1/me/exports", &json!({}), Some(&user.token)).await.json().await.unwrap();
    // Real ids for the path parameters, so that the generated cases reach the handlers'
    // logic instead of stopping at 404 (schemathesis still mutates them in negative cases).
    let config = format!(
        r#"
[[operations]]
include-path-regex = '^/api/v1/boards/\{{id\}}'
parameters = {{ "path.id" = "{board_id}" }}

[[operations]]
include-path-regex = '^/api/v1/cards/\{{id\}}'
parameters = {{ "path.id" = "{card}" }}

[[operations]]
include-path-regex = '^/api/v1/orgs/\{{id\}}'
parameters = {{ "path.id" = "{org_id}", "path.member" = "{me}" }}

[[operations]]
include-path-regex = '^/api/v1/me/exports/\{{id\}}'
parameters = {{ "path.id" = "{export}" }}
"#,
        card = card["id"].as_str().unwrap(),
        me = user.id,
        export = export["id"].as_str().unwrap_or_default(),
    );

    let examples = env_num("FUZZ_MAX_EXAMPLES", 5);
    let seed = env_num("FUZZ_SEED", Rng::fresh() % 1_000_000_000);
    let max_time = std::env::var("FUZZ_MAX_TIME").ok();
    let work = tempfile::Builder::new().prefix("clearboard-fuzz-").tempdir().unwrap();
    let report = work.path().join("report");
    let config_file = work.path().join("schemathesis.toml");
    std::fs::write(&config_file, config).unwrap();
    let mut cmd = tools::command(&script);
    cmd.current_dir(work.path())
        .arg("--config-file")
        .arg(&config_file)
        .arg("run")
        .arg(app.url("/api/v1/openapi.json"))
        .args(["--url", &app.base])
        .args(["--header", &format!("Authorization: Bearer {}", user.token)])
        .args(["--checks", "all"])
        .args(["--exclude-checks", &FUZZ_EXCLUDED_CHECKS.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(",")])
        .args(["--max-examples", &examples.to_string()])
        .args(["--seed", &seed.to_string()])
        // One worker: under two, Python 3.11's parser (hypothesis reads its own lambdas' source
        // from several threads) fails with "AST constructor recursion depth mismatch", a CPython
        // bug with threads, not a finding (it failed two CI runs, each time again on the retry).
        .args(["--workers", "1"])
        .args(["--request-timeout", "20"])
        .args(["--generation-database", "none"])
        .args(["--suppress-health-check", "all"])
        .args(["--report", "junit"])
        .args(["--report-dir", report.to_str().unwrap()])
        .args(["--no-color"])
        .stdin(Stdio::null());
    for (op, _) in FUZZ_EXCLUDED_OPERATIONS {
        cmd.args(["--exclude-name", op]);
    }
    if let Some(t) = &max_time {
        cmd.args(["--max-time", t]);
    }
    eprintln!(
        "schemathesis: {examples} examples per operation, seed {seed}{}",
        max_time.as_ref().map(|t| format!(", up to {t} s of fuzzing")).unwrap_or_default()
    );
    let started = Instant::now();
    // A run that failed only because schemathesis crashed inside its own code (a Python
    // exception in its packages, reported as "Runtime Error", with no check failed) runs once
    // more with the same seed (seen: hypothesis's "AST constructor recursion depth mismatch"
    // under two workers, now one). A second crash, or any failed check, fails the drill.
    let out = tokio::task::spawn_blocking(move || {
        let first = cmd.output()?;
        if !first.status.success() && only_tool_crashes(&String::from_utf8_lossy(&first.stdout)) {
            eprintln!("schemathesis crashed inside its own code, no check failed: once more with the same seed");
            return cmd.output();
        }
        Ok(first)
    })
    .await
    .unwrap()
    .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let keep = std::env::var("FUZZ_OUTPUT").ok();
    if let Some(path) = &keep {
        std::fs::write(path, format!("{stdout}\n{stderr}")).unwrap();
    }
    eprintln!("schemathesis finished in {:.1} s with {:?}", started.elapsed().as_secs_f64(), out.status.code());
    // The summary is the tail of the output; failures are above it.
    let tail: Vec<&str> = stdout.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
    eprintln!("{}", tail.join("\n"));
    assert!(
        out.status.success(),
        "schemathesis found problems (seed {seed}; rerun with FUZZ_SEED={seed}):\n{}\n{stderr}",
        if stdout.len() > 60_000 {
            format!(
                "{}\n… (cut; set FUZZ_OUTPUT=FILE for all of it)",
                &stdout[..stdout.char_indices().nth(60_000).map(|(i, _)| i).unwrap_or(stdout.len())]
            )
        } else {
            stdout.clone()
        }
    );
    // Guard against a run that tested nothing (a filter gone wrong, an unreachable schema).
    let tested = stdout.lines().find_map(|l| l.trim().strip_prefix("Tested: ")).and_then(|n| n.trim().parse::<u32>().ok()).unwrap_or(0);
    assert!(tested >= 50, "schemathesis tested only {tested} operations:\n{stdout}");
}

/// Whether a failed schemathesis run failed only on crashes of schemathesis itself: no
/// FAILURES section, and every entry of the ERRORS section a "Runtime Error".
fn only_tool_crashes(stdout: &str) -> bool {
    if stdout.contains("= FAILURES =") {
        return false;
    }
    let Some((_, errors)) = stdout.split_once("= ERRORS =") else { return false };
    let entries = errors.lines().filter(|l| l.starts_with("___")).count();
    let crashes = errors.lines().filter(|l| l.trim() == "Runtime Error").count();
    entries > 0 && crashes == entries
}

#[test]
fn fuzz_a_crash_of_schemathesis_itself_is_told_from_a_failed_check() {
    let crash = "x\n==== ERRORS ====\n____ POST /api/v1/events/{id}/registrations ____\nRuntime Error\n\nAST constructor recursion depth mismatch\n";
    assert!(only_tool_crashes(crash));
    let failed = format!("==== FAILURES ====\n____ GET /api/v1/me ____\n1. Server error\n{crash}");
    assert!(!only_tool_crashes(&failed), "a failed check is never retried");
    let other = "==== ERRORS ====\n____ GET /api/v1/me ____\nNetwork Error\n____ GET /api/v1/boards ____\nRuntime Error\n";
    assert!(!only_tool_crashes(other), "an error other than the tool's own crash is never retried");
    assert!(!only_tool_crashes("no sections at all"));
}
