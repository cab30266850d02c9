//! Interop (issue 13, acceptance 7): the DPV and fideslang exports read by the official tools,
//! pyld and rdflib for the JSON-LD, the `fideslang` package for the system description. Each
//! runs in its own venv under `target/test-tools`; without it the test fails and says how to
//! install it, unless `CLEARBOARD_TEST_SKIP` names it (`interop-dpv`, `interop-fideslang`).

use super::*;
use clearboard_policy::{DEFAULT_POLICY, Policy, exports};
use clearboard_testkit::tools::{PyTool, require_unless_skipped};

const DPV_TOOLS: PyTool = PyTool { name: "interop-dpv", requirement: "PyLD==3.3.0 rdflib==7.6.0", script: "python" };
const FIDESLANG: PyTool = PyTool { name: "interop-fideslang", requirement: "fideslang==3.1.4", script: "python" };

/// Runs `script` (a file next to this one) with the venv's python on `doc` written to a file;
/// returns its JSON answer.
fn run(python: &std::path::Path, script: &str, doc: &Value) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("doc.json");
    std::fs::write(&input, serde_json::to_vec(doc).unwrap()).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/interop").join(script);
    let out = std::process::Command::new(python).arg(&script).arg(&input).output().unwrap();
    assert!(out.status.success(), "{}: {}", script.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

// C-RET-1: retention until an event (the account deleted) is an event-based storage condition
// (never P0D); every third-country transfer of the record of processing is in the DPV export.
#[test]
fn dpv_export_reads_with_pyld_and_rdflib_with_event_durations_and_transfers() {
    let Some(python) = require_unless_skipped(DPV_TOOLS) else { return };
    let p = Policy::load(DEFAULT_POLICY).unwrap();
    let doc = exports::dpv(&p);
    let v = run(&python, "dpv_check.py", &doc);
    assert!(v["triples"].as_u64().unwrap() > 100 && v["nquads"].as_u64().unwrap() > 100, "{v}");
    let literals: Vec<&str> = v["duration_literals"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    assert!(!literals.is_empty() && !literals.contains(&"P0D"), "durations: {literals:?}");
    assert!(v["literal_durations"].as_array().unwrap().is_empty(), "a duration is a node, not a bare string: {v}");
    // Every rule triggered by an event is an until-event duration (one per purpose using it).
    let events = p.doc().retention.iter().filter(|r| r.trigger != "collected").count();
    assert!(events > 0);
    assert!(v["until_event"].as_u64().unwrap() >= events as u64, "{v}");
    // The record of processing's transfers, each with its recipient, third country and mechanism.
    let ropa = exports::ropa(&p);
    let mut declared = 0;
    for a in ropa["activities"].as_array().unwrap() {
        for t in a["e_transfers"].as_array().unwrap().iter().filter(|t| !t["to"].is_null()) {
            declared += 1;
            let recipient = format!("/privacy/dpv#recipient/{}", t["recipient"].as_str().unwrap());
            let found = v["transfers"].as_array().unwrap().iter().any(|x| {
                x["recipient"].as_str().unwrap().ends_with(&recipient) && x["country"].as_str().unwrap().contains("/privacy/dpv#country/")
            });
            assert!(found, "the ROPA's transfer {t} is missing from DPV: {}", v["transfers"]);
        }
    }
    assert!(declared > 0, "the default policy declares transfers (US region, mail provider)");
    let scc = v["transfers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["types"].to_string().contains("https://w3id.org/dpv#StandardContractualClauses"));
    assert!(scc, "the mechanism is typed: {}", v["transfers"]);
}

// The fideslang export passes the fideslang package: valid models, known keys,
// no declaration that repeats a key.
#[test]
fn fideslang_export_passes_the_fideslang_package() {
    let Some(python) = require_unless_skipped(FIDESLANG) else { return };
    let p = Policy::load(DEFAULT_POLICY).unwrap();
    let v = run(&python, "fideslang_check.py", &exports::fideslang(&p));
    assert_eq!(v["declarations"].as_u64(), Some(p.doc().purposes.len() as u64), "{v}");
    assert!(v["problems"].as_array().unwrap().is_empty(), "{v}");
    // The checker sees what it checks: a repeated key and an unknown category are refused.
    let mut bad = exports::fideslang(&p);
    bad["system"][0]["privacy_declarations"][0]["data_categories"] = json!(["user.account", "user.account", "user.job_application"]);
    let v = run(&python, "fideslang_check.py", &bad);
    let problems = v["problems"].to_string();
    assert!(problems.contains("repeated") && problems.contains("user.job_application"), "{problems}");
    // The job applications of issue 18 name a key of the taxonomy, not `user.job_application`.
    assert!(p.category("job_applications").is_some() && !exports::fideslang(&p).to_string().contains("user.job_application"));
}
