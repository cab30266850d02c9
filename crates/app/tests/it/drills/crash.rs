//! Crash safety: the real binary killed with SIGKILL at random moments under the mixed load
//! and restarted on the same storage; every acknowledged write must be there.

use super::*;

/// What a restart must show. Returns the problems found (empty: all good) and how many
/// acknowledged writes were read back.
pub(super) async fn check_after_restart(
    world: &World,
    base: &str,
    ledger: &Arc<Mutex<Ledger>>,
    cycle: u32,
    full: bool,
    rng: &mut Rng,
) -> (Vec<String>, u64) {
    let mut problems = Vec::new();
    let mut checked = 0u64;
    let http = &world.http;
    let host = world.host.token.as_str();
    // Acknowledged sign-ins: every worker's session still works.
    for (i, p) in world.workers.iter().enumerate() {
        match world.call(base, "GET", "/api/v1/me", Some(&p.token), None).await {
            Outcome::Ok(_) => checked += 1,
            Outcome::Refused(s, b) => problems.push(format!("worker {i}'s acknowledged session is gone: {s} {b}")),
            Outcome::InDoubt(e) => problems.push(format!("GET /api/v1/me: {e}")),
        }
    }
    // Cards: this cycle's in full (and everything when `full`), a sample of older ones.
    let cards: Vec<(String, CardRec)> = {
        let l = ledger.lock().unwrap();
        let mut all: Vec<(String, CardRec)> = l.cards.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    };
    let throwaways: Vec<Throwaway> = ledger.lock().unwrap().throwaways.clone();
    let mut sample: Vec<(String, CardRec)> = Vec::new();
    let older: Vec<&(String, CardRec)> = cards.iter().filter(|(_, c)| c.cycle + 1 < cycle).collect();
    for (id, c) in &cards {
        if full || c.cycle + 1 >= cycle || c.deleted != Deleted::No || c.in_doubt_text.is_some() {
            sample.push((id.clone(), c.clone()));
        }
    }
    for _ in 0..40.min(older.len()) {
        let (id, c) = older[rng.below(older.len() as u64) as usize];
        sample.push((id.clone(), c.clone()));
    }
    for (id, c) in sample {
        // Whether the owner's erasure settles it: acknowledged (must be gone) or in doubt
        // (decided below, with the account).
        let owner_life = match c.owner {
            Owner::Throwaway(t) => Some(throwaways[t].life.clone()),
            Owner::Worker(_) => None,
        };
        if matches!(owner_life, Some(Life::Erasing)) {
            continue;
        }
        let res = http.get(format!("{base}/api/v1/cards/{id}")).bearer_auth(host).send().await;
        let Ok(res) = res else {
            problems.push(format!("GET card {id}: no answer"));
            continue;
        };
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        checked += 1;
        match (owner_life, &c.deleted) {
            (Some(Life::Erased), _) => {
                if status != 404 {
                    problems.push(format!("card {id} of an erased person is still visible ({status}): half-erased person"));
                }
            }
            (_, Deleted::Yes) => {
                if status != 404 {
                    problems.push(format!("card {id} whose deletion was acknowledged is back ({status})"));
                }
            }
            (_, Deleted::Maybe) => {
                let mut l = ledger.lock().unwrap();
                let rec = l.cards.get_mut(&id).unwrap();
                match status {
                    404 => rec.deleted = Deleted::Yes,
                    200 => rec.deleted = Deleted::No,
                    s => problems.push(format!("card {id} (deletion in doubt): {s}")),
                }
            }
            (_, Deleted::No) => {
                if status != 200 {
                    problems.push(format!("acknowledged card {id} is lost ({status}, acknowledged in cycle {})", c.cycle));
                    continue;
                }
                let text = body["text"].as_str().unwrap_or_default();
                if text == c.text {
                    if c.in_doubt_text.is_some() {
                        ledger.lock().unwrap().cards.get_mut(&id).unwrap().in_doubt_text = None;
                    }
                } else if c.in_doubt_text.as_deref() == Some(text) {
                    let mut l = ledger.lock().unwrap();
                    let rec = l.cards.get_mut(&id).unwrap();
                    rec.text = text.to_string();
                    rec.in_doubt_text = None;
                } else {
                    problems.push(format!(
                        "card {id}: text is {text:?}, the last acknowledged was {:?} (in doubt: {:?})",
                        c.text, c.in_doubt_text
                    ));
                }
            }
        }
    }
    // Consent choices: the latest acknowledged (or the one in flight at the kill).
    let consents: Vec<(usize, ConsentRec)> = ledger.lock().unwrap().consents.iter().map(|(k, v)| (*k, v.clone())).collect();
    for (w, c) in consents {
        let Outcome::Ok(v) = world.call(base, "GET", "/api/v1/me/consents", Some(&world.workers[w].token), None).await else {
            problems.push(format!("worker {w}: cannot read consents"));
            continue;
        };
        checked += 1;
        let got =
            v["consents"].as_array().and_then(|a| a.iter().find(|x| x["purpose"] == "marketing")).and_then(|m| m["granted"].as_bool());
        // Before any acknowledged choice the answer from sign-up stands: no (or no record).
        let ok = got == c.granted || (c.in_doubt.is_some() && got == c.in_doubt) || (c.granted.is_none() && got != Some(true));
        if !ok {
            problems.push(format!("worker {w}: marketing consent is {got:?}, acknowledged {:?} (in doubt {:?})", c.granted, c.in_doubt));
        } else {
            let mut l = ledger.lock().unwrap();
            let rec = l.consents.get_mut(&w).unwrap();
            if got.is_some() {
                rec.granted = got;
            }
            rec.in_doubt = None;
        }
    }
    // Erasures: acknowledged ones are complete; interrupted ones are all or nothing.
    for (t, p) in throwaways.iter().enumerate() {
        if !(full || p.cycle + 1 >= cycle || p.life == Life::Erasing || rng.below(10) == 0) {
            continue;
        }
        let signin = world.call(base, "POST", "/api/v1/sessions", None, Some(json!({ "email": p.email, "password": p.password }))).await;
        let can_sign_in = match &signin {
            Outcome::Ok(_) => true,
            Outcome::Refused(401, _) => false,
            Outcome::Refused(s, b) => {
                problems.push(format!("throwaway {t}: sign-in answered {s} {b}"));
                continue;
            }
            Outcome::InDoubt(e) => {
                problems.push(format!("throwaway {t}: sign-in: {e}"));
                continue;
            }
        };
        let token_works = match &p.token {
            Some(tok) => matches!(world.call(base, "GET", "/api/v1/me", Some(tok), None).await, Outcome::Ok(_)),
            None => can_sign_in,
        };
        let card_visible = match &p.card {
            Some(id) => {
                http.get(format!("{base}/api/v1/cards/{id}")).bearer_auth(host).send().await.map(|r| r.status() == 200).unwrap_or(false)
            }
            None => can_sign_in,
        };
        checked += 1;
        match p.life {
            Life::Erased => {
                if can_sign_in || token_works || card_visible {
                    problems.push(format!("throwaway {t}: erasure acknowledged but sign-in {can_sign_in}, old session {token_works}, card visible {card_visible}"));
                }
            }
            Life::Erasing => {
                // All or nothing: the account and its card are both there, or both gone (the
                // tombstone replayed at start finishes an erasure whose key was destroyed).
                // The old session may be ended either way: an erasure signs out everywhere
                // first, before it destroys the key, so a kill between the two leaves an
                // intact account whose sessions have ended (the person signs in and retries).
                if can_sign_in == card_visible && (can_sign_in || !token_works) {
                    let mut l = ledger.lock().unwrap();
                    if can_sign_in && !token_works {
                        l.throwaways[t].token = None;
                        *l.observed.entry("erasure interrupted before the key: intact, signed out").or_default() += 1;
                    }
                    if !can_sign_in {
                        *l.observed.entry("erasure interrupted and completed").or_default() += 1;
                    }
                    l.throwaways[t].life = if can_sign_in { Life::Alive } else { Life::Erased };
                } else {
                    problems.push(format!("throwaway {t}: half erased after an interrupted erasure: sign-in {can_sign_in}, old session {token_works}, card visible {card_visible}"));
                }
            }
            Life::Alive => {
                if !can_sign_in || (p.token.is_some() && !token_works) || (p.card.is_some() && !card_visible) {
                    problems.push(format!("throwaway {t}: an acknowledged account lost something: sign-in {can_sign_in}, session {token_works}, card {card_visible}"));
                }
            }
        }
    }
    (problems, checked)
}

/// Exports: every acknowledged one is there and not failed; queued ones become ready within
/// `wait`. Returns (problems, exports still `running` after the wait: the builder died with the
/// process and the 10-minute staleness guard holds them back).
pub(super) async fn check_exports(world: &World, base: &str, ledger: &Arc<Mutex<Ledger>>, wait: Duration) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let started = Instant::now();
    let mut settled: Option<Instant> = None;
    loop {
        let pending: Vec<(usize, ExportRec)> =
            ledger.lock().unwrap().exports.iter().enumerate().filter(|(_, e)| !e.ready).map(|(i, e)| (i, e.clone())).collect();
        let mut running = Vec::new();
        let mut queued = 0;
        for (i, e) in &pending {
            match world.call(base, "GET", &format!("/api/v1/me/exports/{}", e.id), Some(&world.workers[e.worker].token), None).await {
                Outcome::Ok(v) => match v["state"].as_str().unwrap_or_default() {
                    "ready" => ledger.lock().unwrap().exports[*i].ready = true,
                    "queued" => queued += 1,
                    "running" => running.push(e.id.clone()),
                    s => {
                        problems.push(format!("export {} is {s}", e.id));
                        ledger.lock().unwrap().exports[*i].ready = true;
                    }
                },
                Outcome::Refused(s, b) => {
                    problems.push(format!("acknowledged export {} is lost: {s} {b}", e.id));
                    ledger.lock().unwrap().exports[*i].ready = true;
                }
                Outcome::InDoubt(e) => problems.push(format!("export status: {e}")),
            }
        }
        // Once nothing is queued, a `running` export is either being built right now (it
        // finishes within moments) or was left by the killed process: give it two seconds.
        if queued > 0 || running.is_empty() {
            settled = None;
        } else if settled.is_none() {
            settled = Some(Instant::now());
        }
        let settled_long = settled.is_some_and(|s| s.elapsed() > Duration::from_secs(2));
        if (queued == 0 && (running.is_empty() || settled_long)) || started.elapsed() > wait || !problems.is_empty() {
            if queued > 0 {
                problems.push(format!("{queued} queued export(s) not built within {wait:?}"));
            }
            return (problems, running);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[derive(Debug, Default)]
pub(super) struct CrashFigures {
    pub(super) kills: u32,
    pub(super) requests: u64,
    pub(super) acknowledged: u64,
    pub(super) read_back: u64,
    pub(super) deferred_exports: usize,
    pub(super) seconds: f64,
}

/// The crash drill on one backend: `kills` times, a mixed load for a random while, SIGKILL,
/// restart, checks.
pub(super) async fn crash_drill(backend: Backend) -> CrashFigures {
    let kills = u32::try_from(env_num("CRASH_KILLS", 3)).unwrap_or(3);
    let workers = env_num("CRASH_WORKERS", 4) as usize;
    let max_window = env_num("CRASH_MAX_WINDOW_MS", 2500);
    let seed = env_num("CRASH_SEED", Rng::fresh() % 1_000_000_000);
    eprintln!("crash drill on {backend:?}: {kills} kills, {workers} workers, seed {seed} (CRASH_SEED={seed} repeats the choices)");
    let mut rng = Rng::seeded(seed);
    let started = Instant::now();
    let mut dep = Deployment::new(PathBuf::from(env!("CARGO_BIN_EXE_clearboard")), backend).await;
    let mut server = dep.start(Duration::from_secs(60)).await;
    let world = Arc::new(World::setup(&server.base, workers).await);
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut figures = CrashFigures::default();
    let mut deferred: Vec<String> = Vec::new();
    let mix = Mix { reads: false, max_cards: 200 };
    for cycle in 1..=kills {
        let stop = Arc::new(AtomicBool::new(false));
        let killed = Arc::new(AtomicBool::new(false));
        let run = Workload {
            world: world.clone(),
            base: server.base.clone(),
            cycle,
            mix,
            ledger: ledger.clone(),
            stop: stop.clone(),
            killed: killed.clone(),
        };
        let handles = spawn_workers(&run, &mut rng);
        let window = Duration::from_millis(rng.between(150, max_window));
        tokio::time::sleep(window).await;
        killed.store(true, Ordering::SeqCst);
        server.kill9();
        stop.store(true, Ordering::SeqCst);
        let mut errors = Vec::new();
        for h in handles {
            let t = h.await.unwrap();
            figures.requests += t.requests;
            errors.extend(t.errors);
        }
        assert!(errors.is_empty(), "cycle {cycle}: errors under load before the kill:\n{}", errors.join("\n"));
        figures.kills += 1;
        // Restart on the same storage: stores open, erasures replayed, ready.
        server = dep.start(Duration::from_secs(60)).await;
        let full = cycle == kills;
        let (mut problems, checked) = check_after_restart(&world, &server.base, &ledger, cycle, full, &mut rng).await;
        figures.read_back += checked;
        let (export_problems, running) = check_exports(&world, &server.base, &ledger, Duration::from_secs(30)).await;
        problems.extend(export_problems);
        for id in running {
            if !deferred.contains(&id) {
                deferred.push(id);
            }
        }
        let (ok, out) = dep.audit_verify().await;
        if !ok {
            problems.push(format!("audit verify failed after kill {cycle}:\n{out}"));
        }
        assert!(
            problems.is_empty(),
            "after kill {cycle} (window {window:?}, seed {seed}):\n{}\nserver log:\n{}",
            problems.join("\n"),
            tail_of(&server.log)
        );
        if kills >= 10 && cycle % 10 == 0 {
            let l = ledger.lock().unwrap();
            eprintln!(
                "  {cycle}/{kills} kills, {} acknowledged writes so far, {:.0} s",
                l.acked.values().sum::<u64>(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    // Exports whose builder was killed mid-build wait for the staleness guard (a minute)
    // (`STALE_RUNNING` in core/src/privacy/rights/exports/jobs.rs): prove they resume by running the upkeep on
    // the same storage with a clock 11 minutes ahead.
    let still: Vec<String> = {
        let l = ledger.lock().unwrap();
        l.exports.iter().filter(|e| !e.ready && deferred.contains(&e.id)).map(|e| e.id.clone()).collect()
    };
    figures.deferred_exports = deferred.len();
    drop(server);
    if !still.is_empty() {
        eprintln!("{} export(s) were interrupted mid-build; resuming them with the clock 11 minutes ahead", still.len());
        let mut config = clearboard_app::Config::load(None, &clearboard_app::Overrides::default()).unwrap_or_default();
        config.data_dir = dep.data_dir();
        config.database_url = dep.database_url.clone();
        config.kek_file = None;
        config.smtp_url = None;
        let now = i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()).unwrap();
        let clock = clearboard_core::platform::clock::SimClock::at(now + 11 * 60_000);
        let app = clearboard_app::build(
            &config,
            Arc::new(clock) as Arc<dyn clearboard_core::platform::clock::Clock>,
            None,
            clearboard_web::platform::ratelimit::Limits::relaxed(),
        )
        .await
        .unwrap();
        let built = app.state.cb.exports().run_pending().await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state = app.state.clone();
        let serving = tokio::spawn(async move {
            let _ = clearboard_app::serve(state, listener, async move {
                let _ = rx.await;
            })
            .await;
        });
        let (problems, running) = check_exports(&world, &base, &ledger, Duration::from_secs(30)).await;
        let _ = tx.send(());
        let _ = serving.await;
        app.opened.close().await;
        assert!(
            problems.is_empty() && running.is_empty(),
            "interrupted exports did not resume ({built} built): {problems:?}, still running: {running:?}"
        );
    }
    figures.acknowledged = ledger.lock().unwrap().acked.values().sum();
    figures.seconds = started.elapsed().as_secs_f64();
    let l = ledger.lock().unwrap();
    let mut kinds: Vec<_> = l.acked.iter().collect();
    kinds.sort();
    eprintln!(
        "CRASH DRILL {backend:?}: {} kills, {} requests, {} acknowledged writes ({}), {} read back, {} exports interrupted mid-build (resumed), {}, 0 failures, {:.1} s",
        figures.kills,
        figures.requests,
        figures.acknowledged,
        kinds.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", "),
        figures.read_back,
        figures.deferred_exports,
        l.observed.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", "),
        figures.seconds
    );
    drop(l);
    figures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
pub(super) async fn crash_safety_kill_9_sqlite() {
    let f = crash_drill(Backend::Sqlite).await;
    assert!(f.acknowledged > 0 && f.read_back > 0, "the drill wrote or read nothing: {f:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
pub(super) async fn crash_safety_kill_9_postgres() {
    if !clearboard_testkit::pg::require("drills::crash::crash_safety_kill_9_postgres").await {
        return;
    }
    let f = crash_drill(Backend::Postgres).await;
    assert!(f.acknowledged > 0 && f.read_back > 0, "the drill wrote or read nothing: {f:?}");
}
