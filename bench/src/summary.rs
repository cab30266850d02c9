//! The table of every benchmark group: `bench/results/latest.md` and `latest.json`, made from
//! the per-benchmark JSON files of `bench/results/`. `all` runs every benchmark and then this;
//! `summary` remakes the table from the files already there. Every row says when it was
//! measured (a group not run in this invocation keeps its older date, shown as such).

use serde_json::{Value, json};

fn f(v: &Value, ptr: &str) -> Option<f64> {
    v.pointer(ptr).and_then(Value::as_f64)
}

fn s(v: &Value, ptr: &str) -> String {
    match v.pointer(ptr) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Null) | None => "—".into(),
        Some(x) => x.to_string(),
    }
}

fn num(x: Option<f64>, digits: usize) -> String {
    match x {
        Some(x) if x.is_finite() => format!("{x:.digits$}"),
        _ => "—".into(),
    }
}

fn ratio(x: Option<f64>) -> String {
    match x {
        Some(x) if x.is_finite() && x >= 100.0 => format!("{x:.0}×"),
        Some(x) if x.is_finite() => format!("{x:.2}×"),
        _ => "—".into(),
    }
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "**missed**",
        None => "not measured",
    }
}

/// A fan-out row's first cells: load, server, deliveries, p50, p99 (`p` names a field of the
/// server's result in the row).
fn fanout_cells(r: &Value, p: &dyn Fn(&str) -> String) -> String {
    format!(
        "{} × {} Hz | {} | {}/{} | {} ms | {} ms",
        s(r, "/readers"),
        s(r, "/rate_hz"),
        s(r, &p("server")),
        s(r, &p("received")),
        s(r, &p("expected")),
        num(f(r, &p("p50_ms")), 2),
        num(f(r, &p("p99_ms")), 2),
    )
}

fn load(dir: &std::path::Path, name: &str) -> Option<Value> {
    std::fs::read(dir.join(format!("{name}.json"))).ok().and_then(|b| serde_json::from_slice(&b).ok())
}

/// Writes latest.md and latest.json; returns the Markdown.
pub fn write(dir: &std::path::Path, ran_now: &[&str]) -> String {
    let names =
        ["fides", "fanout", "scaleout", "gdpr", "consent", "envelope", "rights", "signin", "outreach", "billing", "soak", "board2000"];
    let mut md = String::new();
    let mut all = serde_json::Map::new();
    let here = machine();
    let when = |v: &Value, name: &str| {
        let date = s(v, "/date");
        let run = if ran_now.contains(&name) { "this run" } else { "earlier run" };
        match v.get("machine").and_then(Value::as_str) {
            Some(m) if m != here => format!("{date} ({run}, on {m})"),
            _ => format!("{date} ({run})"),
        }
    };
    md.push_str("# clearboard benchmarks: latest table\n\n");
    md.push_str("Every figure is a ratio to a baseline measured in the same run on the same machine; absolute\n");
    md.push_str("figures are shown beside and never asserted. Made by `cargo run --release -p clearboard-bench -- all`\n");
    md.push_str("(or remade from the JSON files by `-- summary`). Details per group: `bench/results/<group>.json`.\n\n");
    md.push_str(&format!(
        "Machine: {here}. A group measured on another machine names it after its date; the JSON files written before 2026-12-06 15:00 UTC do not name theirs (the summary before then was made on an Intel Xeon, 2 cores, 24 GiB).\n\n"
    ));

    // 1. Rights vs Fides.
    md.push_str("## 1. Rights side by side with Ethyca Fides (PostgreSQL, one person among 200,000 records of others)\n\n");
    if let Some(v) = load(dir, "fides") {
        md.push_str(&format!(
            "Measured {}. Fides {}; load average before the run: {}.\n\n",
            when(&v, "fides"),
            s(&v, "/versions/fides"),
            s(&v, "/load/start")
        ));
        md.push_str("| N records | Fides access | ours access | speed-up (goal ≥ 20×) | Fides peak RSS | ours peak RSS | memory ratio (goal ≤ 0.1) | Fides erasure | ours until unreadable | speed-up (goal ≥ 1,000×) | ours full purge | plaintext copies left after erasure: Fides / ours |\n");
        md.push_str("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for r in v.pointer("/rows").and_then(Value::as_array).cloned().unwrap_or_default() {
            let fides_erasure = match f(&r, "/fides/erasure_s") {
                Some(x) => format!("{x:.1} s"),
                None => match f(&r, "/fides/erasure_from_findings_not_measured_in_this_run") {
                    Some(x) => format!("not run ({x:.0} s in FINDINGS.md)"),
                    None => "not run".into(),
                },
            };
            let speedup = match f(&r, "/unreadable_speedup") {
                Some(x) => ratio(Some(x)),
                None => f(&r, "/unreadable_speedup_vs_findings_not_measured_in_this_run")
                    .map_or("—".into(), |x| format!("({}, vs FINDINGS.md)", ratio(Some(x)))),
            };
            let fides_residue: Option<f64> = r.pointer("/fides/residue").filter(|x| x.is_object()).map(|res| {
                [
                    "/note_heap_file/occurrences",
                    "/pg_wal/occurrences",
                    "/fides_uploads_folder/occurrences",
                    "/fides_app_database_folder/occurrences",
                ]
                .iter()
                .filter_map(|p| f(res, p))
                .sum()
            });
            md.push_str(&format!(
                "| {} | {} s | {} s | {} | {} MB | {} MB | {} | {} | {} ms | {} | {} s ({} rows/s) | {} / {} |\n",
                s(&r, "/n"),
                num(f(&r, "/fides/access_s"), 2),
                num(f(&r, "/clearboard/access_s"), 3),
                ratio(f(&r, "/access_speedup")),
                num(f(&r, "/fides/access_rss_mb"), 0),
                num(f(&r, "/clearboard/access_rss_mb"), 0),
                num(f(&r, "/memory_ratio"), 3),
                fides_erasure,
                num(f(&r, "/clearboard/unreadable_s").map(|x| x * 1000.0), 2),
                speedup,
                num(f(&r, "/clearboard/purge_s"), 2),
                num(f(&r, "/clearboard/purge_rows_per_s"), 0),
                num(fides_residue, 0),
                num(f(&r, "/clearboard/residue_plaintext_total"), 0),
            ));
        }
        md.push_str("\nFides' residue: copies of the person's original text in the table file right after the erasure, in pg_wal, in its upload folder (the access package) and in its own database; ours: the PostgreSQL database folders, pg_wal and the data folder (positive control: a plaintext marker is found in both).\n");
        md.push('\n');
        all.insert("fides".into(), v);
    } else {
        md.push_str("Not measured yet: run `-- fides`.\n\n");
    }

    // 2. Fan-out vs Yjs.
    md.push_str("## 2. Real-time fan-out side by side with the Yjs reference server\n\n");
    if let Some(v) = load(dir, "fanout") {
        md.push_str(&format!("Measured {}. Baseline: {}. Goal: {}.\n\n", when(&v, "fanout"), s(&v, "/baseline"), s(&v, "/goal")));
        md.push_str("| subscribers × rate | server | delivered | p50 | p99 | p99 ratio (ours/Yjs) | CPU per delivered message | memory per connection | memory ratio |\n");
        md.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for r in v.pointer("/rows").and_then(Value::as_array).cloned().unwrap_or_default() {
            for side in ["clearboard", "yjs"] {
                let p = |k: &str| format!("/{side}/{k}");
                md.push_str(&format!(
                    "| {} | {} | {} µs | {} kB | {} |\n",
                    fanout_cells(&r, &p),
                    if side == "clearboard" { ratio(f(&r, "/p99_ratio")) } else { String::new() },
                    num(f(&r, &p("cpu_us_per_delivered")), 1),
                    num(f(&r, &p("rss_per_connection_kb")), 1),
                    if side == "clearboard" { ratio(f(&r, "/rss_per_connection_ratio")) } else { String::new() },
                ));
            }
        }
        md.push_str("\nWhere the time goes (per update: the first reader to get it, each reader's lag behind that first one, and the writer's acknowledgement, i.e. the commit):\n\n");
        md.push_str("| subscribers × rate | server | first reader p50 / p99 | behind the first p50 / p99 | writer's ack p50 / p99 |\n| --- | --- | ---: | ---: | ---: |\n");
        for r in v.pointer("/rows").and_then(Value::as_array).cloned().unwrap_or_default() {
            for side in ["clearboard", "yjs"] {
                let p = |k: &str| num(f(&r, &format!("/{side}/{k}")), 2);
                md.push_str(&format!(
                    "| {} × {} Hz | {} | {} / {} ms | {} / {} ms | {} / {} ms |\n",
                    s(&r, "/readers"),
                    s(&r, "/rate_hz"),
                    s(&r, &format!("/{side}/server")),
                    p("first_p50_ms"),
                    p("first_p99_ms"),
                    p("behind_first_p50_ms"),
                    p("behind_first_p99_ms"),
                    p("ack_p50_ms"),
                    p("ack_p99_ms"),
                ));
            }
        }
        md.push_str(&format!("\nLoad average at the start: {}.\n", s(&v, "/load/start")));
        md.push_str(&format!("\nCard creation through the API: {} cards/s.\n\n", num(f(&v, "/card_create_per_s"), 0)));
        all.insert("fanout".into(), v);
    } else {
        md.push_str("Not measured yet: run `-- fanout`.\n\n");
    }

    // 2b. Scale-out.
    md.push_str("## 2b. Scale-out: fan-out across three nodes (PostgreSQL bus, NATS bus) and media on Garage\n\n");
    if let Some(v) = load(dir, "scaleout") {
        md.push_str(&scaleout(&v, &when(&v, "scaleout")));
        all.insert("scaleout".into(), v);
    } else {
        md.push_str("Not measured yet: run `-- scaleout`.\n\n");
    }

    // 3. GDPR workloads.
    md.push_str("## 3. GDPR workloads against plain CRUD on the same server (GDPRbench-like)\n\n");
    if let Some(v) = load(dir, "gdpr") {
        let r = f(&v, "/ratio");
        md.push_str(&format!("Measured {}. Baseline: {}.\n\n", when(&v, "gdpr"), s(&v, "/baseline")));
        md.push_str(
            "| plain CRUD | GDPR mix | ratio (goal ≥ 0.8) | errors plain / GDPR | verdict |\n| ---: | ---: | ---: | ---: | --- |\n",
        );
        md.push_str(&format!(
            "| {} ops/s | {} ops/s | {} | {} / {} | {} |\n\n",
            num(f(&v, "/plain_ops_per_s"), 0),
            num(f(&v, "/gdpr_ops_per_s"), 0),
            num(r, 2),
            s(&v, "/errors/plain"),
            s(&v, "/errors/gdpr"),
            verdict(r.map(|r| r >= 0.8)),
        ));
        if v.pointer("/with_drain/ratio").is_some() {
            md.push_str(&format!(
                "Operations answered within each 5 s window (every client busy). Counting also the drain after it (the operations in flight when it closes, until the last is answered): plain {} / GDPR {} ops/s, ratio {}.\n\n",
                num(f(&v, "/with_drain/plain_ops_per_s"), 0),
                num(f(&v, "/with_drain/gdpr_ops_per_s"), 0),
                num(f(&v, "/with_drain/ratio"), 2),
            ));
        }
        md.push_str("| operation | median latency | operations |\n| --- | ---: | ---: |\n");
        for o in v.pointer("/median_ms").and_then(Value::as_array).cloned().unwrap_or_default() {
            md.push_str(&format!("| {} | {} ms | {} |\n", s(&o, "/op"), num(f(&o, "/median_ms"), 2), s(&o, "/count")));
        }
        md.push('\n');
        if v.pointer("/single_writer/gdpr/held_share").is_some() {
            md.push_str("Where both mixes wait: the region database's single writer (SQLite), from the server's own metrics, in the round at each mix's median:\n\n");
            md.push_str("| mix | writer held (share of the time) | write transactions per second | per operation | held per transaction | waited per transaction |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
            for (mix, key) in [("plain CRUD", "plain"), ("GDPR mix", "gdpr")] {
                let w = |k: &str| f(&v, &format!("/single_writer/{key}/{k}"));
                md.push_str(&format!(
                    "| {mix} | {} % | {} | {} | {} ms | {} ms |\n",
                    num(w("held_share").map(|x| x * 100.0), 0),
                    num(w("transactions_per_s"), 0),
                    num(w("transactions_per_op"), 2),
                    num(w("mean_held_ms"), 2),
                    num(w("mean_wait_ms"), 1),
                ));
            }
            md.push('\n');
        }
        all.insert("gdpr".into(), v);
    } else {
        md.push_str("Not measured yet: run `-- gdpr`.\n\n");
    }

    // 4. Consent weight, envelope, export.
    md.push_str("## 4. Consent window weight, envelope encryption, export and erasure at volume\n\n");
    md.push_str("| benchmark | ours | baseline | ratio | goal | verdict | measured |\n| --- | ---: | ---: | ---: | --- | --- | --- |\n");
    if let Some(v) = load(dir, "consent") {
        let ours = f(&v, "/weight/clearboard/total_gzip_bytes");
        for (peer, label) in [("vanilla_cookieconsent", "vanilla-cookieconsent"), ("klaro", "Klaro")] {
            md.push_str(&format!(
                "| consent window JS+CSS (gzip) vs {label} ({}) | {} B | {} B | {} smaller | ≤ 5 KB | {} | {} |\n",
                s(&v, &format!("/weight/{peer}/package")),
                num(ours, 0),
                num(f(&v, &format!("/weight/{peer}/total_gzip_bytes")), 0),
                ratio(f(&v, &format!("/weight/{peer}/gzip_ratio_to_ours"))),
                verdict(v.pointer("/goal_met").and_then(Value::as_bool)),
                when(&v, "consent"),
            ));
            md.push_str(&format!(
                "| consent button in the DOM, {label} / ours (median of {}) | | | {} | | | |\n",
                s(&v, "/runs"),
                ratio(f(&v, &format!("/time_to_interactive_ratios_to_ours/{peer}/button_in_dom"))),
            ));
        }
        all.insert("consent".into(), v);
    }
    if let Some(v) = load(dir, "envelope") {
        for r in v.pointer("/rows").and_then(Value::as_array).cloned().unwrap_or_default() {
            let seal = f(&r, "/seal_ratio");
            let open = f(&r, "/open_ratio");
            let at_1k = f(&r, "/size_bytes") == Some(1024.0);
            md.push_str(&format!(
                "| envelope seal / open, {} B | {} / {} ops/s | {} / {} ops/s | {} / {} | ≥ 0.8 at 1 KiB | {} | {} |\n",
                s(&r, "/size_bytes"),
                num(f(&r, "/seal_ops_per_s"), 0),
                num(f(&r, "/open_ops_per_s"), 0),
                num(f(&r, "/raw_seal_ops_per_s"), 0),
                num(f(&r, "/raw_open_ops_per_s"), 0),
                num(seal, 2),
                num(open, 2),
                if at_1k { verdict(seal.zip(open).map(|(a, b)| a >= 0.8 && b >= 0.8)) } else { "" },
                when(&v, "envelope"),
            ));
            if let (Some(cs), Some(co)) = (f(&r, "/rustcrypto_raw_seal_ops_per_s"), f(&r, "/rustcrypto_raw_open_ops_per_s")) {
                let x = |ours: Option<f64>, them: f64| num(ours.map(|o| o / them), 2);
                md.push_str(&format!(
                    "| same size: the envelope vs RustCrypto's XChaCha20-Poly1305 (its AEAD until 2026-12-07), seal / open | | {} / {} ops/s | {}× / {}× | | | |\n",
                    num(Some(cs), 0),
                    num(Some(co), 0),
                    x(f(&r, "/seal_ops_per_s"), cs),
                    x(f(&r, "/open_ops_per_s"), co),
                ));
            }
        }
        all.insert("envelope".into(), v);
    }
    if let Some(v) = load(dir, "rights") {
        let cards = s(&v, "/args/cards");
        let mib = s(&v, "/args/media_mib");
        for (what, ours, base, r) in [
            ("build", "/export/build_mb_s", "/export/cat_mb_s", "/export/build_ratio_to_cat"),
            ("download", "/export/download_mb_s", "/export/cat_mb_s", "/export/download_ratio_to_cat"),
        ] {
            let x = f(&v, r);
            md.push_str(&format!(
                "| export {what} ({cards} cards + {mib} MiB media) vs `cat` | {} MB/s | {} MB/s | {} | ≥ 0.7 | {} | {} |\n",
                num(f(&v, ours), 0),
                num(f(&v, base), 0),
                num(x, 3),
                verdict(x.map(|x| x >= 0.7)),
                when(&v, "rights"),
            ));
        }
        for what in ["build", "download"] {
            let Some(x) = f(&v, &format!("/export/cold/{what}_ratio_to_cat")) else { continue };
            md.push_str(&format!(
                "| export {what} vs `cat`, page cache dropped before each side | {} MB/s | {} MB/s | {} | ≥ 0.7 | {} | {} |\n",
                num(f(&v, &format!("/export/cold/{what}_mb_s")), 0),
                num(f(&v, "/export/cold/cat_mb_s"), 0),
                num(Some(x), 3),
                verdict(Some(x >= 0.7)),
                when(&v, "rights"),
            ));
        }
        let small = f(&v, "/erasure/small/until_unreadable_ms");
        let large = f(&v, "/erasure/large/until_unreadable_ms");
        md.push_str(&format!(
            "| erasure: until unreadable, {} vs {} records | {} ms | {} ms | {} | the same, milliseconds | {} | {} |\n",
            s(&v, "/erasure/large/records"),
            s(&v, "/erasure/small/records"),
            num(large, 2),
            num(small, 2),
            num(f(&v, "/erasure/until_unreadable_ratio_large_to_small"), 2),
            verdict(large.map(|l| l < 100.0)),
            when(&v, "rights"),
        ));
        md.push_str(&format!(
            "| erasure: full purge of {} records (keys, rows, media, audit, clean-up) vs one plain `DELETE` of the same rows | {} rows/s ({} s) | {} rows/s ({} s) | {} | ≥ 0.5 | {} | {} |\n",
            s(&v, "/erasure/large/records"),
            num(f(&v, "/erasure/large/rows_per_s"), 0),
            num(f(&v, "/erasure/large/erase_account_s"), 2),
            num(f(&v, "/erasure/large/plain_delete/rows_per_s"), 0),
            num(f(&v, "/erasure/large/plain_delete/delete_s"), 2),
            num(f(&v, "/erasure/large/purge_vs_plain_delete"), 2),
            verdict(f(&v, "/erasure/large/purge_vs_plain_delete").map(|x| x >= 0.5)),
            when(&v, "rights"),
        ));
        all.insert("rights".into(), v);
    }
    if let Some(v) = load(dir, "signin") {
        md.push_str(&format!(
            "| sign-in vs one Argon2id verification | {} ms | {} ms | Argon2 is {} of it | | | {} |\n",
            num(f(&v, "/signin_median_ms"), 1),
            num(f(&v, "/argon2_median_ms"), 1),
            num(f(&v, "/argon2_share").map(|x| x * 100.0), 0) + " %",
            when(&v, "signin"),
        ));
        all.insert("signin".into(), v);
    }
    if let Some(v) = load(dir, "outreach") {
        let x = f(&v, "/ratio");
        md.push_str(&format!(
            "| outreach: campaign to {} confirmed contacts over SMTP to a local sink, consent read per recipient and per-recipient tokens, vs the same without the consent read | {} msg/s | {} msg/s | {} | ≥ 0.9 | {} | {} |\n",
            s(&v, "/contacts"),
            num(f(&v, "/msgs_per_s_with_consent_check"), 0),
            num(f(&v, "/msgs_per_s_without_consent_check"), 0),
            num(x, 3),
            verdict(x.map(|x| x >= 0.9)),
            when(&v, "outreach"),
        ));
        all.insert("outreach".into(), v);
    }
    if let Some(v) = load(dir, "billing") {
        md.push_str(&format!(
            "| billing run: {} organisations, invoices issued (hold key, sealed buyer, gapless number, audit) with PDF and Factur-X XML, vs plain inserts of the same rows with the same PDF and XML | {} invoices/s (peak RSS {} MB) | {} invoices/s | {} | reported | | {} |\n",
            s(&v, "/organisations"),
            num(f(&v, "/invoices_per_s"), 0),
            num(f(&v, "/rss_peak_mb"), 0),
            num(f(&v, "/baseline_invoices_per_s"), 0),
            num(f(&v, "/ratio"), 3),
            when(&v, "billing"),
        ));
        all.insert("billing".into(), v);
    }
    if let Some(v) = load(dir, "soak") {
        md.push_str(&format!(
            "| soak: {} min of the mixed load from {} clients ({} requests, {} errors), server RSS at the end (peak; after setup) | {} MB ({} MB; {} MB) | | | ≤ {} MB after 10 min | {} | {} |\n",
            s(&v, "/minutes"),
            s(&v, "/workers"),
            s(&v, "/requests"),
            s(&v, "/errors"),
            num(f(&v, "/rss_end_mb"), 0),
            num(f(&v, "/rss_peak_mb"), 0),
            num(f(&v, "/rss_after_setup_mb"), 0),
            crate::soak::GOAL_MB,
            v.pointer("/goal_met").and_then(Value::as_bool).map_or("shorter than 10 min", |m| verdict(Some(m))),
            when(&v, "soak"),
        ));
        all.insert("soak".into(), v);
    }
    if let Some(v) = load(dir, "board2000") {
        let (ttfr, pan, zoom) = (f(&v, "/first_render_ms"), f(&v, "/pan_fps"), f(&v, "/zoom_fps"));
        md.push_str(&format!(
            "| board of {} cards in headless Chromium: first render vs a static page of the same divs | {} ms | {} ms | {} | ≤ 1 s | {} | {} |\n",
            s(&v, "/cards"),
            num(ttfr, 0),
            num(f(&v, "/first_render_ms_static_page"), 0),
            ratio(f(&v, "/first_render_ratio_to_static")),
            verdict(ttfr.map(|x| x <= 1000.0)),
            when(&v, "board2000"),
        ));
        md.push_str(&format!(
            "| same board: frames per second panning / zooming vs the empty board | {} / {} fps | {} / {} fps | | ≥ 50 fps | {} | {} |\n",
            num(pan, 1),
            num(zoom, 1),
            num(f(&v, "/pan_fps_empty_board"), 1),
            num(f(&v, "/zoom_fps_empty_board"), 1),
            verdict(pan.zip(zoom).map(|(p, z)| p.min(z) >= 50.0)),
            when(&v, "board2000"),
        ));
        all.insert("board2000".into(), v);
    }
    // Issue 21's request costs and board snapshot (rows made by their own modules).
    for (name, rows) in [("costs", crate::costs::rows as fn(&Value, &str) -> String), ("snapshot", crate::snapshot::rows)] {
        if let Some(v) = load(dir, name) {
            md.push_str(&rows(&v, &when(&v, name)));
            all.insert(name.into(), v);
        }
    }
    md.push('\n');
    let missing: Vec<&str> = names.iter().copied().filter(|n| !all.contains_key(*n)).collect();
    if !missing.is_empty() {
        md.push_str(&format!("Not measured yet: {}.\n", missing.join(", ")));
    }
    let out = json!({ "machine": machine(), "ran_in_this_invocation": ran_now, "groups": Value::Object(all) });
    std::fs::write(dir.join("latest.md"), &md).unwrap();
    std::fs::write(dir.join("latest.json"), serde_json::to_string_pretty(&out).unwrap()).unwrap();
    md
}

pub fn machine() -> String {
    use crate::common::{cores, cpu_model, mem_gib};
    format!("{}, {} cores, {:.0} GiB", cpu_model(), cores(), mem_gib().unwrap_or(0.0))
}

/// The scale-out section (issue 20): no goal, figures side by side.
fn scaleout(v: &Value, when: &str) -> String {
    let mut md = format!(
        "Measured {when}, median of {} rounds. Baselines: {}. Every process shares the machine's cores: this shows what a cluster costs, not what it gains.\n\n",
        s(v, "/rounds"),
        s(v, "/baseline")
    );
    md.push_str("| subscribers × rate | server | delivered | p50 | p99 (rounds' range) | p99 vs 1 node | p99 vs Yjs | CPU: nodes + PostgreSQL/NATS | delivered per CPU-second | vs 1 node | vs Yjs | bus cost per event |\n");
    md.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for r in v.pointer("/fanout").and_then(Value::as_array).cloned().unwrap_or_default() {
        for key in ["one_node", "three_nodes_pg_bus", "three_nodes_nats_bus", "yjs"] {
            let base = if key == "yjs" { "/yjs".to_string() } else { format!("/{key}/result") };
            let p = |k: &str| format!("{base}/{k}");
            let cmp = |k: &str| if key == "yjs" { String::new() } else { ratio(f(&r, &format!("/{key}/{k}"))) };
            let runs_ptr = if key == "yjs" { "/yjs_p99_runs_ms".to_string() } else { format!("/{key}/p99_runs_ms") };
            let runs: Vec<f64> =
                r.pointer(&runs_ptr).and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default();
            let spread = match (runs.iter().copied().reduce(f64::min), runs.iter().copied().reduce(f64::max)) {
                (Some(lo), Some(hi)) => format!(" ({lo:.1}–{hi:.1})"),
                _ => String::new(),
            };
            md.push_str(&format!(
                "| {}{} | {} | {} | {} s + {} s | {} | {} | {} | {} |\n",
                fanout_cells(&r, &p),
                spread,
                cmp("p99_vs_one_node"),
                cmp("p99_vs_yjs"),
                num(f(&r, &p("server_cpu_s")), 2),
                num(f(&r, &p("beside_cpu_s")), 2),
                num(f(&r, &p("delivered_per_cpu_s")), 0),
                cmp("delivered_per_cpu_s_vs_one_node"),
                cmp("delivered_per_cpu_s_vs_yjs"),
                if key.starts_with("three") {
                    format!("{} µs", num(f(&r, &format!("/{key}/bus_cost_us_per_event")), 0))
                } else {
                    String::new()
                },
            ));
        }
    }
    md.push_str("\nBus cost per event: the cluster's CPU (nodes, PostgreSQL, NATS) minus one node's, per update, with the same readers; from both, what the deployment spends idle over the same window (readers connected, nothing written) is taken out first.\n\n");
    if v.pointer("/media/measured").and_then(Value::as_bool) == Some(true) {
        md.push_str(&format!(
            "Media: {} image cards of {} bytes by {} clients, uploaded then downloaded through one node.\n\n| blobs | upload | download |\n| --- | ---: | ---: |\n",
            s(v, "/media/images"),
            s(v, "/media/image_bytes"),
            s(v, "/media/clients")
        ));
        md.push_str(&format!(
            "| local folder | {} MB/s | {} MB/s |\n",
            num(f(v, "/media/folder/upload_mb_s"), 1),
            num(f(v, "/media/folder/download_mb_s"), 1)
        ));
        md.push_str(&format!(
            "| Garage, 3 nodes, replication 3, behind HAProxy | {} MB/s ({}) | {} MB/s ({}) |\n\n",
            num(f(v, "/media/garage/upload_mb_s"), 1),
            ratio(f(v, "/media/upload_ratio")),
            num(f(v, "/media/garage/download_mb_s"), 1),
            ratio(f(v, "/media/download_ratio"))
        ));
    } else {
        md.push_str(&format!("Media: not measured ({}).\n\n", s(v, "/media/why")));
    }
    md
}
