//! Several server nodes in one test (issue 20): [`spawn_cluster`] starts nodes of one
//! deployment (one PostgreSQL, one data dir for the key-encryption key and blobs, one
//! simulated clock, `cluster = true`: the bus is PostgreSQL's LISTEN/NOTIFY), and [`Proxy`]
//! stands in front of them like HAProxy: clients connect to it, it forwards to one node, and
//! when that node dies it cuts its connections and forwards to another.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use clearboard_web::platform::ratelimit::Limits;
use tokio::task::JoinHandle;

use crate::spawn::{Backend, Options, TestApp, spawn_with};

/// `n` nodes of one clustered deployment on PostgreSQL (the first owns the databases: drop it last).
pub async fn spawn_cluster(n: usize) -> Vec<TestApp> {
    spawn_cluster_with(n, Options::default()).await
}

/// [`spawn_cluster`] with `opts` on every node: its limits, and its configuration (after
/// `cluster = true`).
pub async fn spawn_cluster_with(n: usize, opts: Options) -> Vec<TestApp> {
    let limits = opts.limits.clone();
    let configure = opts.configure;
    let cluster: crate::spawn::Configure = Box::new(move |c: &mut clearboard_app::Config| {
        c.cluster = true;
        if let Some(f) = configure {
            f(c);
        }
    });
    let first = spawn_with(Backend::Postgres, Options { limits: limits.clone(), configure: Some(cluster) }).await;
    let mut nodes = Vec::with_capacity(n);
    for _ in 1..n {
        nodes.push(first.spawn_node_with(limits.clone()).await);
    }
    nodes.insert(0, first);
    nodes
}

impl TestApp {
    /// Another node of this deployment: the same databases, data dir and clock, its own
    /// listener and in-memory state (rooms, rings, caches).
    pub async fn spawn_node(&self) -> TestApp {
        self.spawn_node_with(Limits::relaxed()).await
    }

    /// [`TestApp::spawn_node`] with these rate limits.
    pub async fn spawn_node_with(&self, limits: Limits) -> TestApp {
        assert!(self.config.cluster && self.backend == Backend::Postgres, "nodes share a clustered PostgreSQL deployment");
        let dir = tempfile::Builder::new().prefix("clearboard-node-").tempdir().expect("temp dir");
        crate::spawn::start(self.backend, self.config.clone(), dir, None, self.clock.clone(), limits, None, None).await
    }

    /// Stops this node as a crash would for the rest of the cluster: it serves nothing more and
    /// acts on no notice (its open sockets are cut by the [`Proxy`] in front of it).
    pub fn kill(&mut self) {
        for t in [self.server.take(), self.metrics_server.take(), self.relay.take()].into_iter().flatten() {
            t.abort();
        }
        self.shutdown.take();
    }
}

/// A TCP proxy in front of nodes: forwards every connection to the current target.
pub struct Proxy {
    pub addr: SocketAddr,
    pub base: String,
    target: Arc<Mutex<SocketAddr>>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let target = Arc::new(Mutex::new(target));
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (t, c) = (target.clone(), conns.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let to = *t.lock().unwrap();
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                c.lock().unwrap().push(conn);
            }
        });
        Proxy { addr, base: format!("http://{addr}"), target, conns, accept }
    }

    /// Cuts every connection (the node behind died) and forwards new ones to `to`.
    pub fn fail_over(&self, to: SocketAddr) {
        *self.target.lock().unwrap() = to;
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }
}
