//! Three Garage nodes on this machine for the cluster drill (replication factor 3), from
//! `drills/cluster/garage.toml`: started, joined, given a layout, a key and a bucket with the
//! `garage` CLI, killed with SIGKILL as the drill likes. The binary comes from
//! `drills/install-garage.sh` (a cached build; `GARAGE_BIN` names another). The drill and the
//! scale-out bench share it.

// Garage is a real process on the real clock.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `garage` binary, when there is one.
pub fn binary() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("GARAGE_BIN") {
        return Some(PathBuf::from(p));
    }
    let cache = std::env::var("CLEARBOARD_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into())).join(".cache/clearboard"));
    let p = cache.join("garage-2.5.0/bin/garage");
    p.is_file().then_some(p)
}

pub struct GarageNode {
    pub config: PathBuf,
    pub dir: PathBuf,
    pub s3: std::net::SocketAddr,
    child: Option<Child>,
}

impl Drop for GarageNode {
    fn drop(&mut self) {
        self.kill9();
    }
}

impl GarageNode {
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The cluster, with the bucket and the key the clearboard nodes use.
pub struct Garage {
    pub bin: PathBuf,
    pub nodes: Vec<GarageNode>,
    pub bucket: String,
    pub key_id: String,
    pub secret: String,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    crate::haproxy::free_addr().port()
}

impl Garage {
    fn cli(&self, node: usize, args: &[&str]) -> String {
        run(&self.bin, &self.nodes[node].config, args)
    }

    /// Starts three nodes, joins them, applies a layout of 1 GB each, makes the key and bucket.
    pub async fn start(bin: PathBuf) -> Garage {
        let dir = tempfile::Builder::new().prefix("clearboard-garage-").tempdir().unwrap();
        let template = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../drills/cluster/garage.toml")).unwrap();
        let secret = hex::encode(clearboard_vault::random::bytes::<32>().unwrap());
        let mut nodes = Vec::new();
        for i in 1..=3 {
            let home = dir.path().join(format!("node{i}"));
            std::fs::create_dir_all(&home).unwrap();
            let (rpc, s3) = (free_port(), free_port());
            let text = template
                .replace("${GARAGE_DIR}", &home.display().to_string())
                .replace("${GARAGE_RPC_PORT}", &rpc.to_string())
                .replace("${GARAGE_S3_PORT}", &s3.to_string())
                .replace("${GARAGE_RPC_SECRET}", &secret);
            let config = home.join("garage.toml");
            std::fs::write(&config, text).unwrap();
            let log = std::fs::File::create(home.join("garage.log")).unwrap();
            let child = Command::new(&bin)
                .arg("-c")
                .arg(&config)
                .arg("server")
                .env("RUST_LOG", "warn")
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("start garage");
            nodes.push(GarageNode { config, dir: home, s3: format!("127.0.0.1:{s3}").parse().unwrap(), child: Some(child) });
        }
        let mut g = Garage { bin, nodes, bucket: "clearboard".into(), key_id: String::new(), secret: String::new(), _dir: dir };
        // Wait for RPC, then join every node to the first.
        let mut ids = Vec::new();
        for i in 0..3 {
            let started = Instant::now();
            loop {
                let out = try_run(&g.bin, &g.nodes[i].config, &["node", "id", "-q"]);
                if let Ok(id) = out {
                    ids.push(id.trim().to_string());
                    break;
                }
                assert!(started.elapsed() < Duration::from_secs(30), "garage node {i} did not start: {out:?}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        for id in &ids[1..] {
            g.cli(0, &["node", "connect", id]);
        }
        for id in &ids {
            let short = id.split('@').next().unwrap();
            g.cli(0, &["layout", "assign", "-z", "dc1", "-c", "1G", &short[..16]]);
        }
        g.cli(0, &["layout", "apply", "--version", "1"]);
        let key = g.cli(0, &["key", "create", "clearboard-drill"]);
        let field = |name: &str| {
            key.lines().find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim_start_matches(':').trim().to_string())).unwrap_or_default()
        };
        g.key_id = field("Key ID");
        g.secret = field("Secret key");
        assert!(!g.key_id.is_empty() && !g.secret.is_empty(), "garage key create said: {key}");
        g.cli(0, &["bucket", "create", &g.bucket]);
        g.cli(0, &["bucket", "allow", "--read", "--write", "--owner", &g.bucket, "--key", "clearboard-drill"]);
        g
    }

    pub fn s3_addrs(&self) -> Vec<std::net::SocketAddr> {
        self.nodes.iter().map(|n| n.s3).collect()
    }

    /// Files of every node's data dir holding `needle` (the drill's "anything readable left").
    pub fn files_holding(&self, needle: &[u8]) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for n in &self.nodes {
            scan(&n.dir.join("data"), needle, &mut found);
        }
        found
    }
}

/// Files under `dir` whose bytes hold `needle`.
pub fn scan(dir: &Path, needle: &[u8], found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            scan(&p, needle, found);
        } else if std::fs::read(&p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle)) {
            found.push(p);
        }
    }
}

fn try_run(bin: &Path, config: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(bin).arg("-c").arg(config).args(args).env("RUST_LOG", "warn").output().map_err(|e| e.to_string())?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if out.status.success() { Ok(String::from_utf8_lossy(&out.stdout).into_owned()) } else { Err(text) }
}

fn run(bin: &Path, config: &Path, args: &[&str]) -> String {
    try_run(bin, config, args).unwrap_or_else(|e| panic!("garage {args:?}: {e}"))
}
