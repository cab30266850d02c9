//! Acceptance 2 of issue 20 with a real kill: two server processes on one PostgreSQL behind
//! HAProxy (`drills/cluster/haproxy.cfg`, health checks on /readyz). A subscriber through the
//! proxy sees a card written on the other node within a second; the node it is on gets SIGKILL
//! (no drain, no goodbye); writes go on at the survivor; the client reconnects through the proxy
//! from its last sequence and replays exactly what it missed, no gap, no duplicate.

use clearboard_testkit::haproxy::Haproxy;
use clearboard_testkit::ws;

use super::*;

const WAIT: Duration = Duration::from_secs(5);

/// A server's address (`http://127.0.0.1:port`).
pub(crate) fn addr_of(s: &Server) -> std::net::SocketAddr {
    s.base.trim_start_matches("http://").parse().unwrap()
}

/// Two (or more) nodes of one clustered deployment: the same data dir (key-encryption key,
/// blobs) and PostgreSQL databases, `cluster = true`.
pub(crate) async fn clustered(n: usize) -> (Deployment, Vec<Server>) {
    let mut dep = Deployment::new(PathBuf::from(env!("CARGO_BIN_EXE_clearboard")), Backend::Postgres).await;
    dep.env.push(("CLEARBOARD_CLUSTER".into(), "true".into()));
    let mut nodes = Vec::new();
    for _ in 0..n {
        nodes.push(dep.start(Duration::from_secs(60)).await);
    }
    (dep, nodes)
}

async fn card(world: &World, base: &str, text: &str) -> String {
    match world
        .call(
            base,
            "POST",
            &format!("/api/v1/boards/{}/cards", world.board),
            Some(&world.host.token),
            Some(json!({ "kind": "text", "text": text })),
        )
        .await
    {
        Outcome::Ok(v) => v["id"].as_str().unwrap().to_string(),
        Outcome::Refused(s, b) => panic!("card refused: {s} {b}"),
        Outcome::InDoubt(e) => panic!("card in doubt: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_kill_9_behind_haproxy_the_subscriber_replays_exactly_what_it_missed() {
    if !clearboard_testkit::pg::require("cluster_kill_9_behind_haproxy").await {
        return;
    }
    let (_dep, mut nodes) = clustered(2).await;
    let Some(proxy) = Haproxy::start(&[addr_of(&nodes[0]), addr_of(&nodes[1])]).await else { return };
    let world = World::setup(&proxy.base, 0).await;
    let mut sub = ws::connect(&proxy.base, &world.board, &world.host.token, None, None).await.unwrap();
    assert_eq!(sub.next(WAIT).await.unwrap()["type"], "hello");
    let on = match sub.served_by.as_deref() {
        Some("node1") => 0,
        Some("node2") => 1,
        other => panic!("HAProxy names the node of the socket: {other:?}"),
    };
    let other = 1 - on;

    // A card written on the other node reaches the subscriber within a second.
    let t0 = Instant::now();
    let id = card(&world, &nodes[other].base, "Written on the other node").await;
    let ev = sub.until(Duration::from_secs(1), |m| m["type"] == "card" && m["card"]["id"] == id.as_str()).await;
    assert!(ev.is_some(), "not on the subscriber's node within one second");
    eprintln!("failover: a card crossed nodes in {:?}", t0.elapsed());
    let last = sub.seq;

    // kill -9 the subscriber's node: the kernel closes its sockets, HAProxy cuts the client's.
    let killed_at = Instant::now();
    nodes[on].kill9();
    assert!(sub.next(WAIT).await.is_none(), "the socket through the dead node is cut");

    // Writes go on at the survivor meanwhile (and through the proxy, which now knows one node).
    let mut missed_ids = Vec::new();
    for i in 0..3 {
        missed_ids.push(card(&world, &nodes[other].base, &format!("Missed {i}")).await);
    }
    missed_ids.push(card(&world, &proxy.base, "Missed, through the proxy").await);
    let board: Value =
        match world.call(&nodes[other].base, "GET", &format!("/api/v1/boards/{}", world.board), Some(&world.host.token), None).await {
            Outcome::Ok(v) => v,
            _ => panic!("the survivor reads the board"),
        };
    let now = board["board"]["seq"].as_i64().unwrap();
    let missed: Vec<i64> = ((last + 1)..=now).collect();
    assert_eq!(missed.len(), 4);

    // The client reconnects through the proxy from the last sequence it saw.
    let mut again = ws::connect(&proxy.base, &world.board, &world.host.token, Some(last), None).await.unwrap();
    let first = again.next(WAIT).await.unwrap();
    assert_eq!((first["type"].as_str(), first["from"].as_i64()), (Some("resume"), Some(last)), "{first}");
    assert_eq!(again.served_by.as_deref(), Some(if other == 0 { "node1" } else { "node2" }), "reconnected to the survivor");
    let mut seqs = Vec::new();
    while let Some(m) = again.next(Duration::from_millis(800)).await {
        if let Some(s) = m["seq"].as_i64() {
            seqs.push(s);
        }
    }
    assert_eq!(seqs, missed, "exactly what was missed: no gap, no duplicate");
    for id in &missed_ids {
        assert!(again.cards.contains_key(id), "card {id} replayed");
    }
    eprintln!("failover: reconnected and replayed {} events {:?} after the kill", seqs.len(), killed_at.elapsed());
}

/// docs/deploy.md quotes the configuration the drill and this test run, whole.
#[test]
fn cluster_deploy_guide_quotes_the_haproxy_and_garage_files_it_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let guide = std::fs::read_to_string(root.join("docs/deploy.md")).unwrap();
    for f in ["drills/cluster/haproxy.cfg", "drills/cluster/garage.toml"] {
        let text = std::fs::read_to_string(root.join(f)).unwrap();
        assert!(guide.contains(&text), "docs/deploy.md does not quote {f} as it is");
    }
}
