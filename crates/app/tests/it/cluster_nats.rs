//! The NATS bus (issue 20): `bus_url = "nats://…"` against the real NATS server of this
//! machine (127.0.0.1:4222, or `TEST_NATS_URL`). Notices reach the other nodes and not the
//! sender; a broken connection comes back by itself and says so (`Reconnected`, after which
//! the relay reads the store again); two nodes on NATS pass board events within a second and
//! a failover replays exactly what was missed, as on PostgreSQL's bus. Each test uses a
//! subject of its own, so that runs and tests do not hear each other.

use std::time::Duration;

use crate::boards::{add_text, fixture};
use clearboard_app::nats::{NatsBus, NatsTarget};
use clearboard_core::platform::bus::{Bus, Notice};
use clearboard_core::platform::ids::BoardId;
use clearboard_testkit::cluster::{Proxy, spawn_cluster_with};
use clearboard_testkit::spawn::Options;
use clearboard_testkit::{pg, ws};

const WAIT: Duration = Duration::from_secs(5);

/// The server's address (`host:port`) and a fresh subject, or `None` when NATS is missing and
/// the skip is allowed (never with `CI=true`).
async fn nats() -> Option<(String, String)> {
    let addr =
        std::env::var("TEST_NATS_URL").map(|u| u.trim_start_matches("nats://").to_string()).unwrap_or_else(|_| "127.0.0.1:4222".into());
    if tokio::net::TcpStream::connect(&addr).await.is_err() {
        clearboard_testkit::deps::missing(
            "nats",
            &format!("no NATS server answers at {addr}"),
            "apt-get install nats-server && nats-server -js -a 127.0.0.1 -p 4222 (or set TEST_NATS_URL)",
            "the NATS bus tests",
        );
        return None;
    }
    let r = clearboard_vault::random::bytes::<6>().map(hex::encode).unwrap();
    Some((addr, format!("clearboard-test.{r}")))
}

async fn recv(rx: &mut tokio::sync::broadcast::Receiver<Notice>) -> Option<Notice> {
    tokio::time::timeout(WAIT, rx.recv()).await.ok().and_then(Result::ok)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_bus_carries_notices_to_the_other_nodes_and_comes_back_after_a_break() {
    let Some((addr, subject)) = nats().await else { return };
    let url = |a: &str| format!("nats://{a}/{subject}");
    let a = NatsBus::start(NatsTarget::parse(&url(&addr)).unwrap()).await.expect("node A on NATS");
    // Node B reaches NATS through a proxy that can cut its connection.
    let proxy = Proxy::start(addr.parse().unwrap()).await;
    let b = NatsBus::start(NatsTarget::parse(&url(&proxy.addr.to_string())).unwrap()).await.expect("node B on NATS");
    let (mut at_a, mut at_b) = (a.subscribe(), b.subscribe());
    let board = BoardId::new(7).unwrap();
    a.publish(Notice::Board { board: board.clone(), seq: 41 });
    assert_eq!(recv(&mut at_b).await, Some(Notice::Board { board: board.clone(), seq: 41 }), "B hears A");
    b.publish(Notice::PolicyRecorded);
    assert_eq!(recv(&mut at_a).await, Some(Notice::PolicyRecorded), "A hears B");
    // Nobody hears themselves (A's own notice did not come back to A).
    assert!(at_a.try_recv().is_err());

    // B's connection breaks: it reconnects by itself and says so, then hears A again.
    proxy.fail_over(addr.parse().unwrap());
    assert_eq!(recv(&mut at_b).await, Some(Notice::Reconnected), "B tells the relay it may have missed notices");
    // Its subscription is back once the reconnection is told; A's next notice reaches it.
    a.publish(Notice::ForgetBoard { board: board.clone() });
    assert_eq!(recv(&mut at_b).await, Some(Notice::ForgetBoard { board }));

    // A server that is not there, or that does not speak NATS: a clear error, no secret in it.
    let nobody = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let e = NatsBus::start(NatsTarget::parse(&format!("nats://u:hunter2@{nobody}")).unwrap()).await.unwrap_err();
    assert!(e.contains("cannot reach") && !e.contains("hunter2"), "{e}");
}

// Acceptance 2 on the NATS bus.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_two_nodes_pass_cards_within_a_second_and_a_failover_replays_what_was_missed() {
    if !pg::available().await {
        return;
    }
    let Some((addr, subject)) = nats().await else { return };
    let bus_url = format!("nats://{addr}/{subject}");
    let configure: clearboard_testkit::spawn::Configure = Box::new(move |c| c.bus_url = Some(bus_url));
    let mut nodes = spawn_cluster_with(2, Options { configure: Some(configure), ..Options::default() }).await;
    let f = fixture(&nodes[0]).await;
    let proxy = Proxy::start(nodes[0].addr).await;
    let mut sub = ws::connect(&proxy.base, &f.board, &f.bob.token, None, None).await.unwrap();
    assert_eq!(sub.next(WAIT).await.unwrap()["type"], "hello");
    let t0 = tokio::time::Instant::now();
    let id = add_text(&nodes[1], &f.board, &f.alice.token, "Written on B").await["id"].as_str().unwrap().to_string();
    let ev = sub.until(Duration::from_secs(1), |m| m["type"] == "card" && m["card"]["id"] == id.as_str()).await;
    assert_eq!(ev.expect("on A within one second, over NATS")["card"]["text"], "Written on B");
    eprintln!("nats: a card written on node 1 reached a socket on node 0 in {:?}", t0.elapsed());
    let last = sub.seq;

    nodes[0].kill();
    proxy.fail_over(nodes[1].addr);
    assert!(sub.next(WAIT).await.is_none(), "the connection to A is cut");
    let missed = add_text(&nodes[1], &f.board, &f.carol.token, "Missed, written on B").await["id"].as_str().unwrap().to_string();
    let mut again = ws::connect(&proxy.base, &f.board, &f.bob.token, Some(last), None).await.unwrap();
    assert_eq!(again.next(WAIT).await.unwrap()["type"], "resume");
    let ev = again.until(WAIT, |m| m["type"] == "card" && m["card"]["id"] == missed.as_str()).await.expect("the missed card is replayed");
    assert_eq!(ev["seq"].as_i64(), Some(last + 1), "exactly the next number");
    drop(proxy);
    while nodes.len() > 1 {
        drop(nodes.pop());
    }
}
