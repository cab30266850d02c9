//! Fides' side of the comparison: Ethyca Fides from PyPI in a venv, its PostgreSQL and Redis
//! from Debian, the same rows seeded, access and erasure requests timed, residue scanned.

use super::*;

// ---------------------------------------------------------------------------------------------
// Fides' side

pub(super) fn venv() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".peers/fides-venv")
}

pub(super) fn our_peer_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers/fides")
}

/// Runs a command; Ok(stdout) or an error with the tail of its output.
pub(super) fn run_cmd(mut c: Command, what: &str) -> anyhow::Result<String> {
    let out = c.stdin(Stdio::null()).output().map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
    let so = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        let se = String::from_utf8_lossy(&out.stderr);
        let tail = |s: &str| s.lines().rev().take(15).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
        anyhow::bail!("{what} failed ({}):\n{}\n{}", out.status, tail(&so), tail(&se));
    }
    Ok(so)
}

pub(super) fn kit_script(name: &str, port: u16) -> Command {
    let mut c = Command::new("bash");
    c.arg(Path::new(KIT).join(name)).env("VENV", venv()).env("FIDES_PORT", port.to_string()).env("PGPORT", "5433").env("PGDATA", FIDES_PG);
    c
}

pub(super) fn psql5433(db: &str, sql: &str) -> anyhow::Result<String> {
    let mut c = Command::new("psql");
    c.args(["-h", "127.0.0.1", "-p", "5433", "-U", "postgres", "-d", db, "-Atc", sql]);
    Ok(run_cmd(c, &format!("psql {sql}"))?.trim().to_string())
}

/// Stops everything the kit started (09-stop.sh: by recorded PID), also after a failure.
pub(super) struct FidesServices;

impl Drop for FidesServices {
    fn drop(&mut self) {
        let out = Command::new("bash").arg(Path::new(KIT).join("09-stop.sh")).stdin(Stdio::null()).output();
        if let Ok(o) = out {
            println!("fides: 09-stop.sh: {}", String::from_utf8_lossy(&o.stdout).trim().replace('\n', "; "));
        }
    }
}

pub(super) fn fides_pid() -> Option<String> {
    std::fs::read_to_string(Path::new(FIDES_RUN).join("fides.pid")).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Stops the Fides API process the kit started (its recorded PID), waiting for it to exit.
pub(super) fn stop_fides_api() {
    if let Some(pid) = fides_pid() {
        let _ = Command::new("kill").arg(&pid).status();
        for _ in 0..300 {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if Path::new(&format!("/proc/{pid}")).exists() {
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
        let _ = std::fs::remove_file(Path::new(FIDES_RUN).join("fides.pid"));
    }
}

pub(super) fn start_fides_api(port: u16) -> anyhow::Result<f64> {
    let t = Instant::now();
    run_cmd(kit_script("03-start-fides.sh", port), "03-start-fides.sh")?;
    Ok(t.elapsed().as_secs_f64())
}

/// One privacy request through `bench_dsr.py`; its JSON line, plus the server's peak RSS
/// (VmHWM, reset just before the request).
pub(super) fn fides_request(port: u16, kind: &str, label: &str) -> anyhow::Result<Value> {
    fides_request_for(port, kind, label, "target@example.com")
}

pub(super) fn fides_request_for(port: u16, kind: &str, label: &str, email: &str) -> anyhow::Result<Value> {
    let pid = fides_pid().ok_or_else(|| anyhow::anyhow!("no Fides pid"))?;
    let reset = reset_hwm(&pid);
    let rss_before = vm_mb(&pid, "VmRSS");
    let mut c = Command::new(venv().join("bin/python"));
    c.arg(Path::new(KIT).join("bench_dsr.py"))
        .args(["run", "--kind", kind, "--label", label])
        .env("FIDES_URL", format!("http://127.0.0.1:{port}"))
        .env("PGPORT", "5433")
        .env("TARGET_EMAIL", email)
        .env("RESULTS", Path::new(FIDES_RUN).join("bench-results.jsonl"));
    let out = run_cmd(c, &format!("bench_dsr.py run --kind {kind}"))?;
    let hwm = vm_mb(&pid, "VmHWM");
    let line =
        out.lines().rev().find(|l| l.trim_start().starts_with('{')).ok_or_else(|| anyhow::anyhow!("bench_dsr.py printed no result"))?;
    let mut v: Value = serde_json::from_str(line)?;
    v["server_vmhwm_mb"] = json!(hwm);
    v["server_vmrss_before_mb"] = json!(rss_before);
    v["vmhwm_reset"] = json!(reset);
    Ok(v)
}

pub(super) fn seed_fides(n: usize, marker: &str) -> anyhow::Result<String> {
    let mut c = Command::new("bash");
    c.arg(our_peer_dir().join("04-seed-target.sh")).arg(n.to_string()).env("MARKER", marker).env("PGPORT", "5433");
    Ok(run_cmd(c, "04-seed-target.sh")?.trim().to_string())
}

pub(super) fn fides_residue(marker: &str) -> anyhow::Result<Value> {
    psql5433("target_app", "CHECKPOINT")?;
    let oid = |db: &str| psql5433("postgres", &format!("SELECT oid FROM pg_database WHERE datname = '{db}'"));
    let target_dir = PathBuf::from(FIDES_PG).join("base").join(oid("target_app")?);
    let app_dir = PathBuf::from(FIDES_PG).join("base").join(oid("fides_app")?);
    let heap = PathBuf::from(FIDES_PG).join(psql5433("target_app", "SELECT pg_relation_filepath('note')")?);
    let mut heap_files = vec![heap.clone()];
    for k in 1..64 {
        let p = PathBuf::from(format!("{}.{k}", heap.display()));
        if !p.exists() {
            break;
        }
        heap_files.push(p);
    }
    let live = psql5433("target_app", &format!("SELECT COUNT(*) FROM note WHERE body LIKE '%{marker}%'"))?;
    let v = json!({
        "needle": "the marker every note of the target holds (unique to this seeding)",
        "live_rows_with_original_text": live.parse::<i64>().unwrap_or(-1),
        "note_heap_file": residue(&heap_files, marker),
        "target_database_folder": residue(&[target_dir], marker),
        "pg_wal": residue(&[PathBuf::from(FIDES_PG).join("pg_wal")], marker),
        "fides_app_database_folder": residue(&[app_dir], marker),
        "fides_uploads_folder": residue(&[PathBuf::from(FIDES_UPLOADS)], marker),
    });
    // The kit's own check (VACUUM, VACUUM FULL, and what Fides keeps in its database).
    let mut c = kit_script("07-residue-check.sh", 0);
    c.env("NEEDLE", marker);
    let kit: serde_json::Map<String, Value> = run_cmd(c, "07-residue-check.sh")
        .map(|o| {
            o.lines()
                .filter_map(|l| l.rsplit_once(": ").map(|(k, v)| (k.trim().trim_start_matches("... ").to_string(), json!(v.trim()))))
                .collect()
        })
        .unwrap_or_else(|e| [("error".to_string(), json!(e.to_string()))].into_iter().collect());
    let mut v = v;
    v["kit_07_residue_check"] = Value::Object(kit);
    Ok(v)
}

pub(super) fn fides_one(args: &Args, port: u16, n: usize) -> anyhow::Result<Value> {
    let load_before = loadavg();
    // A fresh API process for every N (its RSS ratchets up across large requests).
    stop_fides_api();
    let start_s = start_fides_api(port)?;
    let marker = format!("fidesmark{}x{}", n, hex_random(6));
    let seeded = seed_fides(n, &marker)?;
    println!("fides N={n}: API restarted in {start_s:.1} s; seeded: {seeded}");
    // Unrecorded requests for another person first, so that the timed one does not pay for
    // the fresh process' first requests (lazy imports, connection pools).
    for k in 0..super::WARM_UPS {
        let warm = fides_request_for(port, "access", &format!("warmup{k}"), "user1@example.com")?;
        println!("fides N={n}: warm-up access {k} for another person: {} s", warm["submit_to_complete_s"]);
    }
    let mut access = Vec::new();
    for r in 0..args.runs.max(1) {
        let v = fides_request(port, "access", &format!("n{n}"))?;
        anyhow::ensure!(v["status"] == "complete", "Fides access ended with status {}", v["status"]);
        println!(
            "fides N={n}: access run {r}: {} s, peak RSS {} MB (sampled) / {} MB (VmHWM)",
            v["submit_to_complete_s"], v["server_rss_peak_mb"], v["server_vmhwm_mb"]
        );
        access.push(v);
    }
    let mut erasure = Vec::new();
    let mut residue_v = Value::Null;
    if n <= args.fides_erasure_max {
        for r in 0..args.runs.max(1) {
            if r > 0 {
                seed_fides(n, &marker)?;
            }
            let v = fides_request(port, "erasure", &format!("n{n}"))?;
            println!(
                "fides N={n}: erasure run {r}: {} s ({}), peak RSS {} MB (sampled) / {} MB (VmHWM); after: {}",
                v["submit_to_complete_s"], v["status"], v["server_rss_peak_mb"], v["server_vmhwm_mb"], v["db_after"]
            );
            erasure.push(v);
        }
        residue_v = fides_residue(&marker)?;
        println!(
            "fides N={n}: residue after erasure + CHECKPOINT: note heap {}, target db {}, pg_wal {}, Fides' db {}, uploads {} occurrences",
            occ(&residue_v["note_heap_file"]),
            occ(&residue_v["target_database_folder"]),
            occ(&residue_v["pg_wal"]),
            occ(&residue_v["fides_app_database_folder"]),
            occ(&residue_v["fides_uploads_folder"])
        );
    }
    let med = |v: &[Value], k: &str| {
        if v.is_empty() { Value::Null } else { json!(median(v.iter().map(|x| x[k].as_f64().unwrap_or(f64::NAN)).collect())) }
    };
    let f = findings(n);
    let mut out = json!({
        "access_s": med(&access, "submit_to_complete_s"),
        "access_rss_mb": med(&access, "server_vmhwm_mb"),
        "access_rss_sampled_mb": med(&access, "server_rss_peak_mb"),
        "access_rss_before_mb": med(&access, "server_vmrss_before_mb"),
        "access_runs": access,
        "erasure_s": med(&erasure, "submit_to_complete_s"),
        "erasure_rss_mb": med(&erasure, "server_vmhwm_mb"),
        "erasure_rss_sampled_mb": med(&erasure, "server_rss_peak_mb"),
        "erasure_runs": erasure,
        "residue": residue_v,
        "api_start_s": start_s,
        "seeded": seeded,
        "load": { "before": load_before, "after": loadavg() },
    });
    if n > args.fides_erasure_max {
        out["erasure_skipped"] = json!(format!(
            "not run: N > --fides-erasure-max {} (Fides masks one row at a time, ~18 ms per row: a 100k erasure takes about half an hour)",
            args.fides_erasure_max
        ));
        if let Some((_, _, e, er)) = f {
            out["erasure_from_findings_not_measured_in_this_run"] = json!({ "erasure_s": e, "erasure_rss_mb": er, "source": "../shared/peers/fides/FINDINGS.md (same kit, same machine type, one run)" });
        }
    }
    Ok(out)
}

pub(super) fn version_of(mut c: Command) -> String {
    c.stdin(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string() + String::from_utf8_lossy(&o.stderr).trim())
        .unwrap_or_default()
}

/// One size N of the Fides side and what it measured (or why it failed).
pub(super) type FidesRun = (usize, Result<Value, String>);

/// The whole Fides side: services up, Fides installed and started, every N, everything stopped.
pub(super) fn fides_all(args: &Args) -> (Value, Vec<FidesRun>) {
    let mut info = serde_json::Map::new();
    let _services = FidesServices;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let prep = (|| -> anyhow::Result<()> {
        let out = run_cmd(kit_script("01-services.sh", port), "01-services.sh")?;
        info.insert("services".into(), json!(out.trim()));
        // Fides' own database, fresh for every benchmark run.
        stop_fides_api();
        psql5433("postgres", "DROP DATABASE IF EXISTS fides_app WITH (FORCE)")?;
        psql5433("postgres", "CREATE DATABASE fides_app")?;
        let _ = std::fs::remove_dir_all(FIDES_UPLOADS);
        let installed = || {
            version_of({
                let mut c = Command::new(venv().join("bin/python"));
                c.args(["-c", "import fides, sys; print(fides.__version__, sys.version.split()[0])"]);
                c
            })
        };
        let mut v = installed();
        if !v.starts_with(FIDES_VERSION) {
            let t = Instant::now();
            let mut c = kit_script("02-install-fides.sh", port);
            c.env("FIDES_VERSION", FIDES_VERSION);
            run_cmd(c, "02-install-fides.sh")?;
            info.insert("install_s".into(), json!(t.elapsed().as_secs_f64()));
            v = installed();
        } else {
            info.insert("install_s".into(), json!("cached venv (bench/.peers/fides-venv)"));
        }
        info.insert("fides_and_python".into(), json!(v));
        anyhow::ensure!(v.starts_with(FIDES_VERSION), "the venv holds Fides {v}, not {FIDES_VERSION}");
        info.insert("postgres".into(), json!(psql5433("postgres", "SELECT version()")?));
        info.insert(
            "redis".into(),
            json!(version_of({
                let mut c = Command::new("redis-server");
                c.arg("--version");
                c
            })),
        );
        info.insert("first_start_s".into(), json!(start_fides_api(port)?));
        let mut c = Command::new(venv().join("bin/python"));
        c.arg(Path::new(KIT).join("bench_dsr.py")).arg("setup").env("FIDES_URL", format!("http://127.0.0.1:{port}")).env("PGPORT", "5433");
        // The connection test of `setup` needs the target database to exist with some schema.
        seed_fides(1, "fidesmarksetup")?;
        run_cmd(c, "bench_dsr.py setup")?;
        Ok(())
    })();
    let mut rows = Vec::new();
    match prep {
        Err(e) => {
            println!("fides: could not be set up: {e:#}");
            info.insert("error".into(), json!(format!("{e:#}")));
        }
        Ok(()) => {
            for &n in &args.sizes {
                let r = fides_one(args, port, n).map_err(|e| format!("{e:#}"));
                if let Err(e) = &r {
                    println!("fides N={n}: failed: {e}");
                }
                rows.push((n, r));
            }
        }
    }
    info.insert("port".into(), json!(port));
    info.insert("mode".into(), json!("eager (one uvicorn process, DSR tasks in-process), as the kit's 03-start-fides.sh"));
    (Value::Object(info), rows)
}
