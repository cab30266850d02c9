//! The cluster drill (issue 20; `drills/cluster.sh [small|full]`): three clearboard nodes on one
//! PostgreSQL behind HAProxy (`drills/cluster/haproxy.cfg`), blobs on three Garage nodes
//! (replication factor 3, `drills/cluster/garage.toml`) reached through HAProxy's S3 frontend,
//! under a mixed load: board writes and image uploads by members, subscribers spread over the
//! nodes, exports, and throwaway people who post, upload and erase themselves. Mid-run one
//! clearboard node and one Garage node get SIGKILL. The report counts acknowledged writes lost,
//! subscribers that missed an event after reconnecting, erasures with anything readable left
//! (through any live node's API, or in clear in the blob store), and the time to recover.
//!
//! Blobs: `CLUSTER_BLOBS=s3` (Garage: what `drills/cluster.sh` runs) or `file` (one blob
//! folder shared by the nodes: the default here, and the CI test's, which cannot wait for
//! Garage's build). Everything is seen through public surfaces only.

use clearboard_testkit::haproxy::Haproxy;
use clearboard_testkit::ws;

use super::failover::{addr_of, clustered};
use super::garage::{Garage, scan};
use super::*;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Size {
    pub(crate) name: &'static str,
    pub(crate) writers: usize,
    pub(crate) subscribers: usize,
    pub(crate) erasures: usize,
    pub(crate) run: Duration,
}

impl Size {
    pub(crate) fn named(name: &str) -> Size {
        match name {
            "full" => Size { name: "full", writers: 8, subscribers: 48, erasures: 30, run: Duration::from_secs(60) },
            "ci" => Size { name: "ci", writers: 2, subscribers: 4, erasures: 2, run: Duration::from_secs(4) },
            _ => Size { name: "small", writers: 3, subscribers: 9, erasures: 6, run: Duration::from_secs(12) },
        }
    }
}

/// What the writers and erasers saw.
#[derive(Default)]
struct Book {
    cards: Vec<(String, String)>,
    uploads: Vec<String>,
    exports: Vec<(usize, String)>,
    errors: Vec<(f64, String)>,
    first_ok_after: HashMap<&'static str, f64>,
    erased: Vec<(String, String, String, String, String)>,
}

/// One subscriber's story: the sequence numbers it received, when it resumed after a cut.
#[derive(Default, Clone)]
struct Story {
    first: i64,
    seqs: Vec<i64>,
    cuts: u32,
    resumed_at: Vec<f64>,
    nodes: Vec<String>,
}

struct Run {
    world: Arc<World>,
    proxy: String,
    book: Arc<Mutex<Book>>,
    stop: Arc<AtomicBool>,
    t0: Instant,
}

impl Run {
    fn at(&self) -> f64 {
        self.t0.elapsed().as_secs_f64()
    }

    fn record(&self, what: &'static str, out: &Outcome) -> Option<Value> {
        let mut b = self.book.lock().unwrap();
        match out {
            Outcome::Ok(v) => {
                let t = self.at();
                b.first_ok_after.entry(what).or_insert(t);
                Some(v.clone())
            }
            Outcome::Refused(s, body) => {
                b.errors.push((self.at(), format!("{what}: {s} {}", body.chars().take(120).collect::<String>())));
                None
            }
            Outcome::InDoubt(e) => {
                b.errors.push((self.at(), format!("{what}: in doubt: {e}")));
                None
            }
        }
    }
}

async fn upload(http: &reqwest::Client, base: &str, board: &str, token: &str, pixels: &str) -> Outcome {
    let form = reqwest::multipart::Form::new()
        .text("kind", "image")
        .part("file", reqwest::multipart::Part::bytes(crate::accounts::jpeg("none", pixels)).file_name("a.jpg"));
    match http.post(format!("{base}/api/v1/boards/{board}/cards")).bearer_auth(token).multipart(form).send().await {
        Err(e) => Outcome::InDoubt(e.to_string()),
        Ok(r) if r.status().is_success() => Outcome::Ok(r.json().await.unwrap_or(Value::Null)),
        Ok(r) => Outcome::Refused(r.status().as_u16(), r.text().await.unwrap_or_default()),
    }
}

/// A member's loop: text cards, an image every fourth, an export every twentieth.
async fn writer(run: Arc<Run>, w: usize) {
    let me = run.world.workers[w].token.clone();
    let board = run.world.board.clone();
    let mut n = 0u64;
    while !run.stop.load(Ordering::SeqCst) {
        n += 1;
        if n.is_multiple_of(20) {
            let out = run.world.call(&run.proxy, "POST", "/api/v1/me/exports", Some(&me), None).await;
            if let Some(v) = run.record("export", &out) {
                run.book.lock().unwrap().exports.push((w, v["id"].as_str().unwrap_or_default().to_string()));
            }
        } else if n.is_multiple_of(4) {
            let out = upload(&run.world.http, &run.proxy, &board, &me, &canary("Pixels")).await;
            if let Some(v) = run.record("upload", &out) {
                run.book.lock().unwrap().uploads.push(v["id"].as_str().unwrap_or_default().to_string());
            }
        } else {
            let text = format!("w{w} n{n} {}", canary("Card"));
            let out = run
                .world
                .call(
                    &run.proxy,
                    "POST",
                    &format!("/api/v1/boards/{board}/cards"),
                    Some(&me),
                    Some(json!({ "kind": "text", "text": text })),
                )
                .await;
            if let Some(v) = run.record("card", &out) {
                run.book.lock().unwrap().cards.push((v["id"].as_str().unwrap_or_default().to_string(), text));
            }
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

/// Throwaway people, one after another: sign up, join, post a card and an image on the second
/// board, erase themselves; the book keeps what must be gone (email, password, card, image,
/// the image's pixel canary).
async fn eraser(run: Arc<Run>, board2: String, count: usize) {
    for _ in 0..count {
        if run.stop.load(Ordering::SeqCst) {
            break;
        }
        let p = World::sign_up(&run.world.http, &run.proxy, "Erased", run.world.next_ip()).await;
        let host = &run.world.host.token;
        let inv = run
            .world
            .call(&run.proxy, "POST", &format!("/api/v1/orgs/{}/invitations", run.world.org), Some(host), Some(json!({ "role": "member" })))
            .await;
        let Some(inv) = run.record("invitation", &inv) else { continue };
        let acc =
            run.world.call(&run.proxy, "POST", "/api/v1/invitations/accept", Some(&p.token), Some(json!({ "token": inv["token"] }))).await;
        if run.record("join", &acc).is_none() {
            continue;
        }
        let text = json!({ "kind": "text", "text": canary("ErasedIdea") });
        let card = run.world.call(&run.proxy, "POST", &format!("/api/v1/boards/{board2}/cards"), Some(&p.token), Some(text)).await;
        let pixels = canary("ErasedPixels");
        let image = upload(&run.world.http, &run.proxy, &board2, &p.token, &pixels).await;
        let (Some(card), Some(image)) = (run.record("card", &card), run.record("upload", &image)) else { continue };
        let del = run.world.call(&run.proxy, "DELETE", "/api/v1/me", Some(&p.token), Some(json!({ "password": p.password }))).await;
        if run.record("erasure", &del).is_some() {
            let ids = (card["id"].as_str().unwrap_or_default().to_string(), image["id"].as_str().unwrap_or_default().to_string());
            run.book.lock().unwrap().erased.push((p.email.clone(), p.password.clone(), ids.0, ids.1, pixels));
        }
    }
}

/// A subscriber through the proxy: reconnects from its last sequence whenever it is cut.
async fn subscriber(run: Arc<Run>, token: String) -> Story {
    let mut story = Story::default();
    let mut since: Option<i64> = None;
    loop {
        let Ok(mut c) = ws::connect(&run.proxy, &run.world.board, &token, since, None).await else {
            if run.stop.load(Ordering::SeqCst) && since.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        story.nodes.push(c.served_by.clone().unwrap_or_default());
        loop {
            let Some(m) = c.next(Duration::from_millis(500)).await else {
                if c.close_code.is_some() || run.stop.load(Ordering::SeqCst) {
                    break;
                }
                if c.ended {
                    break;
                }
                continue;
            };
            match m["type"].as_str() {
                Some("hello") if since.is_none() => story.first = m["seq"].as_i64().unwrap_or_default(),
                Some("resume") => story.resumed_at.push(run.at()),
                _ => {}
            }
            if let Some(s) = m["seq"].as_i64().filter(|_| m["type"] != "hello" && m["type"] != "resume") {
                story.seqs.push(s);
            }
            since = Some(story.seqs.last().copied().unwrap_or(story.first));
        }
        if run.stop.load(Ordering::SeqCst) {
            break;
        }
        story.cuts += 1;
        since = Some(story.seqs.last().copied().unwrap_or(story.first));
    }
    story
}

/// Runs the drill at `size`; returns the report.
pub(crate) async fn cluster_drill(size: Size, bin: PathBuf) -> Value {
    let blobs = std::env::var("CLUSTER_BLOBS").unwrap_or_else(|_| "file".into());
    let garage = match blobs.as_str() {
        "s3" => Some(Garage::start(super::garage::binary().expect("CLUSTER_BLOBS=s3 needs drills/install-garage.sh")).await),
        _ => None,
    };
    let s3 = match &garage {
        Some(g) => Haproxy::start_with_s3(&[], &g.s3_addrs()).await,
        None => None,
    };
    let (mut dep, _) = clustered(0).await;
    dep.bin = bin;
    if let (Some(g), Some(p)) = (&garage, &s3) {
        for region in ["EU", "US"] {
            let url = format!("s3://{}/{}?endpoint=http://{}&region=garage", g.bucket, region.to_lowercase(), p.s3);
            dep.env.push((format!("CLEARBOARD_REGION__{region}__BLOB_URL"), url));
        }
        dep.env.push(("AWS_ACCESS_KEY_ID".into(), g.key_id.clone()));
        dep.env.push(("AWS_SECRET_ACCESS_KEY".into(), g.secret.clone()));
    }
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(dep.start(Duration::from_secs(60)).await);
    }
    let addrs: Vec<_> = nodes.iter().map(addr_of).collect();
    let proxy = Haproxy::start(&addrs).await.expect("HAProxy");
    let world = Arc::new(World::setup(&proxy.base, size.writers).await);
    let board2 = match world
        .call(&proxy.base, "POST", "/api/v1/boards", Some(&world.host.token), Some(json!({ "title": "Erasures", "org_id": world.org })))
        .await
    {
        Outcome::Ok(v) => v["id"].as_str().unwrap().to_string(),
        _ => panic!("the second board"),
    };
    let run =
        Arc::new(Run { world: world.clone(), proxy: proxy.base.clone(), book: Arc::default(), stop: Arc::default(), t0: Instant::now() });
    let mut tokens = vec![world.host.token.clone()];
    tokens.extend(world.workers.iter().map(|p| p.token.clone()));
    let subs: Vec<_> = (0..size.subscribers).map(|i| tokio::spawn(subscriber(run.clone(), tokens[i % tokens.len()].clone()))).collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let writers: Vec<_> = (0..size.writers).map(|w| tokio::spawn(writer(run.clone(), w))).collect();
    let eraser = tokio::spawn(eraser(run.clone(), board2, size.erasures));

    // Mid-run: kill -9 one clearboard node, then one Garage node.
    tokio::time::sleep(size.run / 3).await;
    let victim = 0;
    let killed_at = run.at();
    nodes[victim].kill9();
    tokio::time::sleep(size.run / 3).await;
    let mut garage = garage;
    let garage_killed_at = garage.as_mut().map(|g| {
        g.nodes[1].kill9();
        run.at()
    });
    tokio::time::sleep(size.run / 3).await;
    let _ = eraser.await;
    run.stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.unwrap();
    }
    let live: Vec<&Server> = nodes.iter().enumerate().filter(|(i, _)| *i != victim).map(|(_, s)| s).collect();
    let final_seq = match world.call(&live[0].base, "GET", &format!("/api/v1/boards/{}", world.board), Some(&world.host.token), None).await
    {
        Outcome::Ok(v) => v["board"]["seq"].as_i64().unwrap(),
        _ => panic!("the board after the run"),
    };
    // Let subscribers drain to the end (they stop after 500 ms of quiet once `stop` is set).
    let mut stories = Vec::new();
    for s in subs {
        stories.push(s.await.unwrap());
    }
    let book = std::mem::take(&mut *run.book.lock().unwrap());
    report(&size, &blobs, &world, &live, &nodes[victim], &dep, garage.as_ref(), &book, &stories, final_seq, killed_at, garage_killed_at)
        .await
}

#[allow(clippy::too_many_arguments)]
async fn report(
    size: &Size,
    blobs: &str,
    world: &World,
    live: &[&Server],
    victim: &Server,
    dep: &Deployment,
    garage: Option<&Garage>,
    book: &Book,
    stories: &[Story],
    final_seq: i64,
    killed_at: f64,
    garage_killed_at: Option<f64>,
) -> Value {
    let host = world.host.token.as_str();
    let base = &live[0].base;
    // Acknowledged writes: every card with its text, every upload's bytes, every export listed.
    let mut lost = Vec::new();
    for (id, text) in &book.cards {
        match world.call(base, "GET", &format!("/api/v1/cards/{id}"), Some(host), None).await {
            Outcome::Ok(v) if v["text"].as_str() == Some(text) || v["card"]["text"].as_str() == Some(text) => {}
            other => lost.push(format!("card {id}: {}", describe(&other))),
        }
    }
    for id in &book.uploads {
        let res = world.http.get(format!("{base}/api/v1/cards/{id}/media")).bearer_auth(host).send().await;
        if !res.as_ref().is_ok_and(|r| r.status().is_success()) {
            lost.push(format!("upload {id}: {:?}", res.map(|r| r.status())));
        }
    }
    for (w, id) in &book.exports {
        let listed = world.call(base, "GET", "/api/v1/me/exports", Some(&world.workers[*w].token), None).await;
        if !matches!(&listed, Outcome::Ok(v) if v.to_string().contains(id.as_str())) {
            lost.push(format!("export {id}: {}", describe(&listed)));
        }
    }
    // Subscribers: exactly first+1..=final, each once, in order.
    let want = |s: &Story| ((s.first + 1)..=final_seq).collect::<Vec<i64>>();
    let missed: Vec<usize> = stories.iter().enumerate().filter(|(_, s)| s.seqs != want(s)).map(|(i, _)| i).collect();
    let missed_detail: Vec<Value> = missed
        .iter()
        .take(5)
        .map(|i| {
            let s = &stories[*i];
            let got: std::collections::BTreeSet<i64> = s.seqs.iter().copied().collect();
            let gaps: Vec<i64> = want(s).into_iter().filter(|q| !got.contains(q)).take(10).collect();
            let dups = s.seqs.len() - got.len();
            json!({ "first": s.first, "last": s.seqs.last(), "received": s.seqs.len(), "gaps": gaps, "duplicates": dups, "cuts": s.cuts, "nodes": s.nodes })
        })
        .collect();
    // What the store replays around the first gap (its kind tells a lost event from a number
    // that carries no event).
    let mut around_gap = Vec::new();
    if let Some(gap) = missed_detail.first().and_then(|m| m["gaps"][0].as_i64()) {
        for n in live {
            let Ok(mut c) = ws::connect(&n.base, &world.board, host, Some(gap - 2), None).await else { continue };
            for _ in 0..4 {
                let Some(m) = c.next(Duration::from_millis(800)).await else { break };
                around_gap.push(json!({ "node": n.base, "type": m["type"], "seq": m["seq"], "text": m["card"]["text"] }));
            }
        }
    }
    let cut: Vec<&Story> = stories.iter().filter(|s| s.cuts > 0).collect();
    let recovered = cut.iter().filter_map(|s| s.resumed_at.iter().find(|t| **t >= killed_at)).map(|t| t - killed_at).fold(0.0f64, f64::max);
    // Erasures: nothing through any live node, nothing in clear in the blob store.
    let mut readable = Vec::new();
    for (email, password, card, image, pixels) in &book.erased {
        for n in live {
            let c = world.http.get(format!("{}/api/v1/cards/{card}", n.base)).bearer_auth(host).send().await.map(|r| r.status().as_u16());
            let m = world
                .http
                .get(format!("{}/api/v1/cards/{image}/media", n.base))
                .bearer_auth(host)
                .send()
                .await
                .map(|r| r.status().as_u16());
            let s = world.call(&n.base, "POST", "/api/v1/sessions", None, Some(json!({ "email": email, "password": password }))).await;
            if c.as_ref().map_or(true, |s| *s != 404) || m.as_ref().map_or(true, |s| *s != 404) || matches!(s, Outcome::Ok(_)) {
                readable.push(format!("{card} on {}: card {c:?}, media {m:?}, sign-in {}", n.base, describe(&s)));
            }
        }
        let mut found = Vec::new();
        match garage {
            Some(g) => found.extend(g.files_holding(pixels.as_bytes())),
            None => scan(&dep.data_dir(), pixels.as_bytes(), &mut found),
        }
        if !found.is_empty() {
            readable.push(format!("{card}: its image in clear in {found:?}"));
        }
    }
    let errors_after_kill: Vec<&(f64, String)> = book.errors.iter().filter(|(t, _)| *t >= killed_at).collect();
    let v = json!({
        "drill": "cluster",
        "size": size.name,
        "blobs": if garage.is_some() { "s3: Garage 2.5.0, 3 nodes, replication factor 3, through HAProxy" } else { blobs_note(blobs) },
        "clearboard_nodes": 3,
        "seconds": size.run.as_secs(),
        "acknowledged": { "cards": book.cards.len(), "uploads": book.uploads.len(), "exports": book.exports.len(), "erasures": book.erased.len() },
        "acknowledged_writes_lost": lost.len(),
        "lost": lost.iter().take(20).collect::<Vec<_>>(),
        "subscribers": stories.len(),
        "subscribers_cut_by_the_kill": cut.len(),
        "subscribers_that_missed_an_event": missed.len(),
        "missed": missed_detail,
        "store_around_the_first_gap": around_gap,
        "events_per_subscriber": final_seq - stories.iter().map(|s| s.first).min().unwrap_or(0),
        "erasures_with_anything_readable": readable.len(),
        "readable": readable.iter().take(20).collect::<Vec<_>>(),
        "clearboard_kill": {
            "at_s": round(killed_at),
            "node": victim.base,
            "recovered_s": round(recovered),
            "requests_failed_after": errors_after_kill.len(),
            "failed": errors_after_kill.iter().take(10).map(|(t, e)| format!("{:.2}s {e}", t)).collect::<Vec<_>>(),
        },
        "garage_kill": garage_killed_at.map(|t| json!({
            "at_s": round(t),
            "uploads_failed_after": book.errors.iter().filter(|(e, what)| *e >= t && what.starts_with("upload")).count(),
        })),
        "goals": { "acknowledged_writes_lost": 0, "subscribers_that_missed_an_event": 0, "erasures_with_anything_readable": 0 },
        "pass": lost.is_empty() && missed.is_empty() && readable.is_empty(),
    });
    v
}

fn blobs_note(blobs: &str) -> &'static str {
    if blobs == "file" { "file: one blob folder shared by the nodes (S3 once the blobs branch is merged)" } else { "unknown" }
}

fn describe(o: &Outcome) -> String {
    match o {
        Outcome::Ok(_) => "ok".into(),
        Outcome::Refused(s, b) => format!("{s} {}", b.chars().take(100).collect::<String>()),
        Outcome::InDoubt(e) => format!("no answer: {e}"),
    }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The drill at its smallest, file blobs, in CI. It was out of CI while about one run in
/// seven a subscriber missed the one sequence number committed by the node killed mid-request
/// before its notice went out: the relay's sweep (`boards::relay::SWEEP`) now brings every
/// listened room up to the store within a second, notice or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_drill_ci() {
    if !clearboard_testkit::pg::require("cluster_drill_ci").await || clearboard_testkit::haproxy::binary().is_none() {
        return;
    }
    let r = cluster_drill(Size::named("ci"), PathBuf::from(env!("CARGO_BIN_EXE_clearboard"))).await;
    eprintln!("CLUSTER DRILL {}", serde_json::to_string_pretty(&r).unwrap());
    assert_eq!(r["acknowledged_writes_lost"], 0, "{r}");
    assert_eq!(r["subscribers_that_missed_an_event"], 0, "{r}");
    assert_eq!(r["erasures_with_anything_readable"], 0, "{r}");
    assert!(r["acknowledged"]["cards"].as_u64().unwrap() > 0 && r["subscribers_cut_by_the_kill"].as_u64().unwrap() > 0, "{r}");
}

/// `drills/cluster.sh`: the release binary (`CLUSTER_BIN`), `CLUSTER_SIZE`, report to `CLUSTER_REPORT`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "drills/cluster.sh runs it"]
async fn cluster_drill_full() {
    let size = Size::named(&std::env::var("CLUSTER_SIZE").unwrap_or_else(|_| "small".into()));
    let bin = std::env::var("CLUSTER_BIN").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_clearboard")));
    let r = cluster_drill(size, bin).await;
    let text = serde_json::to_string_pretty(&r).unwrap();
    eprintln!("CLUSTER DRILL {text}");
    if let Ok(p) = std::env::var("CLUSTER_REPORT") {
        std::fs::write(p, &text).unwrap();
    }
    assert_eq!(r["pass"], true, "{text}");
}
