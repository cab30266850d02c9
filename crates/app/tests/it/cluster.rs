//! Several server nodes on one PostgreSQL (issue 20, first slice): board events cross nodes
//! over the bus (LISTEN/NOTIFY, ids only) and are read from the store's change log; a client
//! whose node dies reconnects through the proxy to another node and replays exactly what it
//! missed; an erasure on one node leaves nothing of the person in another node's memory;
//! periodic duties run once per period across nodes; a draining node says so on /readyz and
//! closes its sockets with 4001. Clustering is PostgreSQL-only by nature: these tests run
//! whenever PostgreSQL is there (with `CI=true` it must be), the drain test on both backends.

use std::time::Duration;
use tokio::time::Instant;

use super::*;
use crate::boards::{add_text, fixture, json_ok, req};
use clearboard_app::cluster::{Duties, Duty, run_once};
use clearboard_testkit::cluster::{Proxy, spawn_cluster};
use clearboard_testkit::{pg, ws};

const WAIT: Duration = Duration::from_secs(5);

/// The sequence numbers of what a socket receives until it is quiet.
async fn seqs_until_quiet(c: &mut ws::WsClient) -> Vec<i64> {
    let mut out = Vec::new();
    while let Some(m) = c.next(Duration::from_millis(800)).await {
        if let Some(s) = m["seq"].as_i64() {
            out.push(s);
        }
    }
    out
}

async fn board_seq(app: &TestApp, board: &str, token: &str) -> i64 {
    json_ok(app.get(&format!("/api/v1/boards/{board}"), Some(token)).await, 200).await["board"]["seq"].as_i64().unwrap()
}

// Acceptance 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_cards_cross_nodes_within_a_second_and_a_failover_replays_exactly_what_was_missed() {
    if !pg::available().await {
        return;
    }
    let mut nodes = spawn_cluster(3).await;
    let f = fixture(&nodes[0]).await;
    let proxy = Proxy::start(nodes[0].addr).await;
    let mut sub = ws::connect(&proxy.base, &f.board, &f.bob.token, None, None).await.unwrap();
    assert_eq!(sub.next(WAIT).await.unwrap()["type"], "hello");

    // Written through B's API, then C's: the subscriber on A sees each within a second.
    for (n, text) in [(1, "Written on B"), (2, "Written on C")] {
        let t0 = Instant::now();
        let card = add_text(&nodes[n], &f.board, &f.alice.token, text).await;
        let id = card["id"].as_str().unwrap().to_string();
        let ev = sub.until(Duration::from_secs(1), |m| m["type"] == "card" && m["card"]["id"] == id.as_str()).await;
        let ev = ev.unwrap_or_else(|| panic!("{text}: not on A within one second"));
        assert_eq!(ev["card"]["text"], text);
        eprintln!("cluster: a card written on node {n} reached a socket on node 0 in {:?}", t0.elapsed());
    }
    let last = sub.seq;

    // A dies; the proxy cuts its connections and sends new ones to B.
    nodes[0].kill();
    proxy.fail_over(nodes[1].addr);
    assert!(sub.next(WAIT).await.is_none(), "the connection to A is cut");

    // Meanwhile, changes on B and C: cards, a like, a comment, a move.
    let on_c = add_text(&nodes[2], &f.board, &f.carol.token, "Missed, written on C").await["id"].as_str().unwrap().to_string();
    let on_b = add_text(&nodes[1], &f.board, &f.alice.token, "Missed, written on B").await["id"].as_str().unwrap().to_string();
    json_ok(req(&nodes[2], "PUT", &format!("/api/v1/cards/{on_c}/like"), Some(&f.alice.token), None).await, 200).await;
    json_ok(nodes[1].post_json(&format!("/api/v1/cards/{on_c}/comments"), &json!({ "text": "A comment" }), Some(&f.bob.token)).await, 201)
        .await;
    json_ok(req(&nodes[2], "PATCH", &format!("/api/v1/cards/{on_b}"), Some(&f.alice.token), Some(json!({ "x": 333 }))).await, 200).await;
    let now = board_seq(&nodes[1], &f.board, &f.alice.token).await;
    let missed: Vec<i64> = ((last + 1)..=now).collect();
    assert_eq!(missed.len(), 5);

    // The client reconnects through the proxy (to B) from the last sequence it saw.
    let mut again = ws::connect(&proxy.base, &f.board, &f.bob.token, Some(last), None).await.unwrap();
    let first = again.next(WAIT).await.unwrap();
    assert_eq!((first["type"].as_str(), first["from"].as_i64()), (Some("resume"), Some(last)), "{first}");
    assert_eq!(seqs_until_quiet(&mut again).await, missed, "exactly what was missed: no duplicate, no gap");
    assert_eq!(again.cards[&on_c]["text"], "Missed, written on C");
    assert_eq!(again.cards[&on_c]["likes"], 1);
    assert_eq!(again.cards[&on_b]["x"], 333);
    assert!(again.log.iter().any(|m| m["type"] == "comment" && m["comment"]["text"] == "A comment"));

    // A node that started after it all (nothing in memory) replays the same from the store.
    let late = nodes[1].spawn_node().await;
    let mut fresh = ws::connect(&late.base, &f.board, &f.bob.token, Some(last), None).await.unwrap();
    assert_eq!(fresh.next(WAIT).await.unwrap()["type"], "resume");
    assert_eq!(seqs_until_quiet(&mut fresh).await, missed, "rebuilt from the store's change log");

    // And the reconnected socket goes on live: a card written on C reaches it through B.
    let id = add_text(&nodes[2], &f.board, &f.alice.token, "Live again").await["id"].as_str().unwrap().to_string();
    let ev = again.until(Duration::from_secs(1), |m| m["type"] == "card" && m["card"]["id"] == id.as_str()).await;
    assert_eq!(ev.expect("live through B")["seq"].as_i64(), Some(now + 1));
    drop((late, proxy));
    while nodes.len() > 1 {
        drop(nodes.pop());
    }
}

// Acceptance 3: erasure on node A, nothing of the person served from node B's memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_erasure_on_one_node_leaves_nothing_of_the_person_in_another_nodes_memory() {
    if !pg::available().await {
        return;
    }
    let mut nodes = spawn_cluster(2).await;
    let f = fixture(&nodes[0]).await;
    let secret = canary("Erased idea");
    // A subscriber on B: B's ring now holds Carol's card, read from the store.
    let mut watcher = ws::connect(&nodes[1].base, &f.board, &f.alice.token, None, None).await.unwrap();
    assert_eq!(watcher.next(WAIT).await.unwrap()["type"], "hello");
    let since = watcher.seq;
    add_text(&nodes[0], &f.board, &f.carol.token, &secret).await;
    assert!(watcher.until(WAIT, |m| m["card"]["text"] == secret.as_str()).await.is_some(), "on B");

    // Carol erases herself on A.
    let res = nodes[0]
        .http()
        .delete(nodes[0].url("/api/v1/me"))
        .bearer_auth(&f.carol.token)
        .json(&json!({ "password": f.carol.password }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    // B forgets the board's ring at once: its sockets are told to start again.
    let t0 = Instant::now();
    while watcher.next(Duration::from_secs(1)).await.is_some() {}
    assert_eq!(watcher.close_reason.as_deref(), Some("resync"), "B's room was dropped");
    eprintln!("cluster: erasure on A dropped B's ring in {:?}", t0.elapsed());

    // A replay from before the card, on B: nothing of hers (the store says it is gone).
    let mut replay = ws::connect(&nodes[1].base, &f.board, &f.alice.token, Some(since), None).await.unwrap();
    let mut frames = Vec::new();
    while let Some(m) = replay.next(Duration::from_millis(800)).await {
        frames.push(m.to_string());
    }
    assert!(!frames.is_empty());
    assert!(frames.iter().all(|m| !m.contains(&secret)), "B replayed erased content: {frames:?}");
    // Nor a snapshot, nor the API, on B.
    let mut snap = ws::connect(&nodes[1].base, &f.board, &f.alice.token, None, None).await.unwrap();
    assert!(!snap.next(WAIT).await.unwrap().to_string().contains(&secret));
    let open = json_ok(nodes[1].get(&format!("/api/v1/boards/{}", f.board), Some(&f.alice.token)).await, 200).await;
    assert!(!open.to_string().contains(&secret));
    // Her session ended everywhere: her token opens nothing on B.
    assert_eq!(nodes[1].get("/api/v1/me", Some(&f.carol.token)).await.status().as_u16(), 401);
    drop(nodes.pop());
}

// Acceptance 4: three nodes, one run per period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_a_periodic_duty_runs_once_per_period_across_three_nodes() {
    if !pg::available().await {
        return;
    }
    let mut nodes = spawn_cluster(3).await;
    let every = Duration::from_secs(3600);
    let duties: Vec<Duties> = nodes.iter().map(|n| Duties::new(&n.opened)).collect();
    let runs = |n: &TestApp| {
        let cb = n.state.cb.clone();
        async move { cb.retention().runs(1000).await.unwrap().len() }
    };
    let mut per_run = 0;
    for period in 1..=2 {
        let (x, y, z) = tokio::join!(
            run_once(&nodes[0].state.cb, &duties[0], Duty::Retention, every, &nodes[0].base),
            run_once(&nodes[1].state.cb, &duties[1], Duty::Retention, every, &nodes[1].base),
            run_once(&nodes[2].state.cb, &duties[2], Duty::Retention, every, &nodes[2].base),
        );
        assert_eq!([x, y, z].iter().filter(|r| **r).count(), 1, "period {period}: {x} {y} {z}");
        // Its effects happened once: one run's records (one per rule and region).
        let recorded = runs(&nodes[1]).await;
        if period == 1 {
            per_run = recorded;
            assert!(per_run > 0);
        }
        assert_eq!(recorded, per_run * period, "period {period}");
        assert_eq!(duties[2].runs(Duty::Retention).await.unwrap(), i64::try_from(period).unwrap());
        // Again in the same period: nobody.
        assert!(!run_once(&nodes[2].state.cb, &duties[2], Duty::Retention, every, &nodes[2].base).await);
        nodes[0].clock.advance(i64::try_from(every.as_millis()).unwrap());
    }
    // Other duties are claimed on their own.
    assert!(run_once(&nodes[1].state.cb, &duties[1], Duty::Upkeep, Duration::from_secs(60), &nodes[1].base).await);
    assert!(!run_once(&nodes[0].state.cb, &duties[0], Duty::Upkeep, Duration::from_secs(60), &nodes[0].base).await);
    while nodes.len() > 1 {
        drop(nodes.pop());
    }
}

// A process killed after queuing an export, holding this minute's upkeep claim: its successor
// builds the export at start, not a minute later (the crash drill found it left queued).
both!(a_restarted_node_builds_at_once_the_exports_its_predecessor_left_queued, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let who = clearboard_core::identity::principal::Principal {
        subject: clearboard_core::platform::ids::SubjectId::parse(&u.id).unwrap(),
        region: clearboard_core::platform::ids::RegionId::new("eu"),
        token_hash: vec![],
    };
    // Queued without the request's own kick, as when the process dies right after answering.
    let queued = app.state.cb.exports().request(&who).await.unwrap();
    let duties = Duties::new(&app.opened);
    assert!(duties.take(Duty::Upkeep, Duration::from_secs(60), app.state.cb.now()).await, "the dead process's claim");
    let tasks = clearboard_app::spawn_background(&app.state, Duration::from_secs(3600), duties);
    let deadline = Instant::now() + WAIT;
    loop {
        let s = json_ok(app.get(&format!("/api/v1/me/exports/{}", queued.id), Some(&u.token)).await, 200).await;
        if s["state"] == "ready" {
            break;
        }
        assert!(Instant::now() < deadline, "the export is still {} {WAIT:?} after the start", s["state"]);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for t in tasks {
        t.abort();
    }
});

// Drain: /readyz says draining, sockets are closed with 4001 "reconnect", new ones too.
both!(cluster_a_draining_node_is_not_ready_and_sends_sockets_elsewhere, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    assert_eq!(app.get("/readyz", None).await.status().as_u16(), 200);
    let mut sock = ws::connect(&app.base, &f.board, &f.bob.token, None, None).await.unwrap();
    assert_eq!(sock.next(WAIT).await.unwrap()["type"], "hello");
    app.state.cb.drain();
    assert!(sock.next(WAIT).await.is_none());
    assert_eq!((sock.close_code, sock.close_reason.as_deref()), (Some(4001), Some("reconnect")));
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status().as_u16(), 503);
    assert_eq!(ready.headers()["x-readiness"], "draining");
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    assert_eq!(app.get("/healthz", None).await.status().as_u16(), 200, "alive, only not ready");
    let mut late = ws::connect(&app.base, &f.board, &f.bob.token, Some(sock.seq), None).await.unwrap();
    assert!(late.next(WAIT).await.is_none());
    assert_eq!(late.close_code, Some(4001));
    // Requests in flight and until the listener stops are still answered.
    add_text(&app, &f.board, &f.alice.token, "Still served while draining").await;
});

/// The real binary on SIGTERM: its board sockets are closed with 4001 `reconnect`, then it
/// stops listening and exits cleanly within the drain's bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_sigterm_drains_the_real_server_and_it_exits() {
    let dir = tempfile::Builder::new().prefix("clearboard-drain-").tempdir().unwrap();
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_clearboard"))
        .args(["serve", "--data-dir", dir.path().join("d").to_str().unwrap(), "--listen", &addr.to_string()])
        .env_remove("CLEARBOARD_DATABASE_URL")
        .env("CLEARBOARD_METRICS", "false")
        .env("CLEARBOARD_DRAIN_SECONDS", "5")
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(Reaped)
        .unwrap();
    let base = format!("http://{addr}");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..150 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if http.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().as_u16() == 200) {
            up = true;
            break;
        }
    }
    assert!(up, "the server did not start");
    let email = canary_email("drain");
    let password = format!("pw {} long enough", canary("Pass"));
    let body = json!({ "email": email, "password": password, "first_name": canary("First"), "last_name": canary("Last"), "birth_date": "1990-05-17" });
    let res = http.post(format!("{base}/api/v1/accounts")).json(&body).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let session = call(&http, &format!("{base}/api/v1/sessions"), None, json!({ "email": email, "password": password })).await;
    let token = session["token"].as_str().unwrap().to_string();
    let board = call(&http, &format!("{base}/api/v1/boards"), Some(&token), json!({ "title": "Drained" })).await;
    let mut sock = ws::connect(&base, board["id"].as_str().unwrap(), &token, None, None).await.unwrap();
    assert_eq!(sock.next(WAIT).await.unwrap()["type"], "hello");

    let pid = child.0.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    assert!(sock.next(WAIT).await.is_none());
    assert_eq!((sock.close_code, sock.close_reason.as_deref()), (Some(4001), Some("reconnect")));
    let mut status = None;
    for _ in 0..150 {
        status = child.0.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = status.expect("exits within the drain's bound");
    assert!(status.success(), "{status}");
}

/// A JSON `POST` to the spawned server, its JSON answer.
async fn call(http: &reqwest::Client, url: &str, token: Option<&str>, body: Value) -> Value {
    let mut rb = http.post(url).json(&body);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    rb.send().await.unwrap().json().await.unwrap()
}

/// A child process killed and reaped however the test ends.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
