//! The command line: the README's start command, policy check, migrate.

use super::*;

fn bin() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_clearboard"));
    c.env_remove("CLEARBOARD_DATABASE_URL").env_remove("CLEARBOARD_DATA_DIR").env_remove("CLEARBOARD_LISTEN");
    c
}

#[test]
fn policy_check_accepts_the_default_and_names_problems() {
    let out = bin().args(["policy", "check"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is valid"));
    let dir = tempfile_dir();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, clearboard_policy::DEFAULT_POLICY.replace("minimum_age = 16", "minimum_age = 9")).unwrap();
    let out = bin().args(["policy", "check", bad.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("limits.minimum_age"));
    let _ = std::fs::remove_dir_all(dir);
}

/// Acceptance 2 of the policy-frame issue (C-DATA-9): `policy check` refuses a policy that
/// declares what no enabled module implements (a recipient no module sends data to), and a
/// policy that leaves out what an enabled module does, naming each
/// problem with its place in the file; switching the module off in the configuration makes
/// the second policy right.
#[test]
fn acceptance_2_policy_check_refuses_what_no_module_implements_and_what_the_policy_leaves_out() {
    let dir = tempfile_dir();
    let more = dir.join("more.toml");
    std::fs::write(&more, format!("{}\n{}", clearboard_policy::DEFAULT_POLICY, super::policy::UNIMPLEMENTED_RECIPIENT)).unwrap();
    let out = bin().args(["policy", "check", more.to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{err}");
    for expect in ["and the enabled modules disagree", "recipients[8] (resellers): no enabled module sends data to this recipient"] {
        assert!(err.contains(expect), "missing `{expect}` in:\n{err}");
    }
    // Without the navigation category (and what names it), the statistics module's data is
    // undeclared: refused while the module is on, accepted once it is switched off.
    let less = dir.join("less.toml");
    std::fs::write(&less, super::policy::without_statistics(clearboard_policy::DEFAULT_POLICY)).unwrap();
    let out = bin().args(["policy", "check", less.to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("categories: the enabled module `statistics` stores the category `navigation` (page_views.visitor_id"), "{err}");
    assert!(err.contains("cookies: the enabled module `statistics` sets the cookie `cb_aid`, which the policy does not declare"), "{err}");
    let out =
        bin().args(["policy", "check", less.to_str().unwrap()]).env("CLEARBOARD_MODULES__STATISTICS__ENABLED", "false").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("declares exactly what the 19 enabled modules implement"));
    // A core module cannot be switched off.
    let out = bin().args(["policy", "check"]).env("CLEARBOARD_MODULES__ACCOUNTS__ENABLED", "false").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("modules.accounts: `accounts`"));
    let _ = std::fs::remove_dir_all(dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("cb-cli-{}", canary("d")));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Acceptance 1: `clearboard serve` with no flags keeps its data in ./clearboard-data and
/// answers on 127.0.0.1:8080 (another port only if 8080 is taken on this machine).
#[test]
fn serve_with_no_flags_uses_the_embedded_default() {
    let dir = tempfile_dir();
    let port_free = std::net::TcpListener::bind("127.0.0.1:8080").is_ok();
    let mut cmd = bin();
    cmd.current_dir(&dir).arg("serve");
    let addr = if port_free {
        "127.0.0.1:8080".to_string()
    } else {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let a = l.local_addr().unwrap().to_string();
        drop(l);
        cmd.env("CLEARBOARD_LISTEN", &a);
        a
    };
    let mut child = cmd.stderr(std::process::Stdio::null()).spawn().unwrap();
    let mut ok = false;
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
            use std::io::{Read, Write};
            s.write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            if buf.starts_with("HTTP/1.1 200") {
                ok = true;
                break;
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(ok, "the server did not answer on {addr}");
    let data = dir.join("clearboard-data");
    for f in ["directory.db", "regions/eu/data.db", "regions/us/data.db", "keys/eu.db", "keys/us.db", "kek.key"] {
        assert!(data.join(f).exists(), "{f} missing");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn migrate_creates_everything_and_is_idempotent() {
    let dir = tempfile_dir();
    for _ in 0..2 {
        let out = bin().args(["migrate", "--data-dir", dir.join("d").to_str().unwrap()]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(dir.join("d/directory.db").exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn policy_render_every_format() {
    for (format, expect) in [
        ("notice", "Example Operator SAS"),
        ("cookies", "cb_session"),
        ("json", "\"version\""),
        ("ropa-json", "g_security_measures"),
        ("dpv", "dpv:PersonalDataHandling"),
        ("ccpa", "sells_personal_information"),
        ("fideslang", "privacy_declarations"),
    ] {
        let out = bin().args(["policy", "render", "--format", format]).output().unwrap();
        assert!(out.status.success(), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains(expect), "{format}");
    }
    let out = bin().args(["policy", "render", "--format", "notice", "--lang", "fr"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("lang=\"fr\""));
    let out = bin().args(["policy", "render", "--format", "pdf"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown format"));
}

#[test]
fn retention_status_and_run_from_the_command_line() {
    let dir = tempfile_dir();
    let d = dir.join("d");
    let out = bin().args(["retention", "status", "--data-dir", d.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("security:session_ended") && text.contains("PurgeSessions"));
    assert!(text.contains("rights_requests:request_closed\t730 days\tSome(PurgeClosedRequests)"), "{text}");
    assert!(text.contains("navigation:collected\t13 months\tSome(PurgePageViews)"), "{text}");
    assert!(text.contains("backups:created\t35 days\tSome(PurgeBackups)"), "{text}");
    let out = bin().args(["retention", "run", "--data-dir", d.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("eu\tsecurity:session_ended\tdue 0\tpurged 0\theld 0"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn backup_restore_and_forensics_scan_from_the_command_line() {
    let dir = tempfile_dir();
    let d = dir.join("d");
    let ds = d.to_str().unwrap();
    let out = bin().args(["migrate", "--data-dir", ds]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Forensics: a planted canary is found (exit 3) and the output never prints the needle.
    let needle = canary("CliNeedle");
    std::fs::write(d.join("stray.txt"), format!("left over: {needle}")).unwrap();
    let out = bin().args(["forensics", "scan", "--data-dir", ds, "--needle", &needle]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.contains("needle #1 found in")
            && text.contains("stray.txt")
            && !text.contains(&needle)
            && !text.to_lowercase().contains(&needle.to_lowercase())
    );
    std::fs::remove_file(d.join("stray.txt")).unwrap();
    let out = bin().args(["forensics", "scan", "--data-dir", ds, "--needle", &needle]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 hit(s)"));
    // Backup, list, prune, restore.
    let b = dir.join("b").join("one.zip");
    let out = bin().args(["backup", "create", "--data-dir", ds, "--out", b.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("key stores not included"));
    let out = bin().args(["backup", "list", "--data-dir", ds, "--dir", dir.join("b").to_str().unwrap()]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("one.zip") && String::from_utf8_lossy(&out.stdout).contains("delete by"));
    let out = bin().args(["backup", "prune", "--data-dir", ds, "--dir", dir.join("b").to_str().unwrap()]).output().unwrap();
    assert!(out.status.success() && out.stdout.is_empty(), "a fresh backup is kept");
    let out = bin().args(["restore", "--data-dir", ds, "--from", b.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(d.join("RESTORE_PENDING").exists());
    let out = bin().args(["migrate", "--data-dir", ds]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!d.join("RESTORE_PENDING").exists(), "erasures replayed at the first start after the restore");
    // A file that is not a backup is refused.
    std::fs::write(dir.join("junk.zip"), b"junk").unwrap();
    let out = bin().args(["restore", "--data-dir", ds, "--from", dir.join("junk.zip").to_str().unwrap()]).output().unwrap();
    assert!(!out.status.success());
    let _ = std::fs::remove_dir_all(dir);
}
