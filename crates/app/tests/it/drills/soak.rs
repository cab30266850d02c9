//! Soak (ignored here; `drills/soak.sh`): the mixed load for minutes against one server, zero
//! errors and bounded memory growth.

use super::crash::check_exports;
use super::*;

/// Mixed load for `SOAK_MINUTES` against `SOAK_BIN` (the release binary; the debug one by
/// default): zero errors, RSS growth from the end of the warm-up to the end under 5%.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "minutes long: run by drills/soak.sh"]
pub(super) async fn soak() {
    let minutes = env_num("SOAK_MINUTES", 10);
    let workers = env_num("SOAK_WORKERS", 4) as usize;
    let sample_every = Duration::from_secs(env_num("SOAK_SAMPLE_SECONDS", 5));
    let backend = match std::env::var("SOAK_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let bin = std::env::var("SOAK_BIN").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_clearboard")));
    let total = Duration::from_secs(minutes * 60);
    // Warm-up: a fifth of the run, at most two minutes.
    let warmup = (total / 5).min(Duration::from_secs(120));
    let mut dep = Deployment::new(bin.clone(), backend).await;
    let server = dep.start(Duration::from_secs(60)).await;
    let world = Arc::new(World::setup(&server.base, workers).await);
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let killed = Arc::new(AtomicBool::new(false));
    let seed = env_num("SOAK_SEED", Rng::fresh() % 1_000_000_000);
    let mut rng = Rng::seeded(seed);
    eprintln!("soak: {} for {minutes} min on {backend:?}, {workers} workers, warm-up {warmup:?}, seed {seed}", bin.display());
    let mix = Mix { reads: true, max_cards: 40 };
    let run = Workload {
        world: world.clone(),
        base: server.base.clone(),
        cycle: 1,
        mix,
        ledger: ledger.clone(),
        stop: stop.clone(),
        killed: killed.clone(),
    };
    let handles = spawn_workers(&run, &mut rng);
    let started = Instant::now();
    let mut samples: Vec<(f64, u64)> = Vec::new();
    let csv = std::env::var("SOAK_CSV").ok();
    while started.elapsed() < total {
        tokio::time::sleep(sample_every).await;
        let rss = server.rss_kib().expect("the server is alive");
        samples.push((started.elapsed().as_secs_f64(), rss));
        if samples.len().is_multiple_of(12) {
            let acked: u64 = ledger.lock().unwrap().acked.values().sum();
            eprintln!("  {:>5.0} s  RSS {:>7} KiB  {acked} acknowledged writes", started.elapsed().as_secs_f64(), rss);
        }
    }
    stop.store(true, Ordering::SeqCst);
    let mut requests = 0;
    let mut errors = Vec::new();
    for h in handles {
        let t = h.await.unwrap();
        requests += t.requests;
        errors.extend(t.errors);
    }
    let (check_problems, _) = check_exports(&world, &server.base, &ledger, Duration::from_secs(60)).await;
    let at_warmup = samples.iter().find(|(t, _)| *t >= warmup.as_secs_f64()).map(|s| s.1).unwrap_or(samples[0].1);
    let end = samples.last().unwrap().1;
    let peak = samples.iter().map(|s| s.1).max().unwrap_or(0);
    let growth = (end as f64 - at_warmup as f64) / at_warmup as f64 * 100.0;
    let acked: u64 = ledger.lock().unwrap().acked.values().sum();
    let secs = started.elapsed().as_secs_f64();
    if let Some(path) = csv {
        let mut s = String::from("seconds,rss_kib\n");
        for (t, r) in &samples {
            s.push_str(&format!("{t:.1},{r}\n"));
        }
        std::fs::write(path, s).unwrap();
    }
    eprintln!(
        "SOAK: {minutes} min, {requests} requests ({:.0}/s), {acked} acknowledged writes, {} errors; RSS after warm-up {at_warmup} KiB, at the end {end} KiB, peak {peak} KiB, growth {growth:+.2}%",
        requests as f64 / secs,
        errors.len() + check_problems.len()
    );
    assert!(
        errors.is_empty() && check_problems.is_empty(),
        "errors during the soak:\n{}\n{}",
        errors.iter().take(50).cloned().collect::<Vec<_>>().join("\n"),
        check_problems.join("\n")
    );
    assert!(growth < 5.0, "RSS grew {growth:.2}% after the warm-up ({at_warmup} → {end} KiB)");
    drop(server);
    drop(dep);
}
