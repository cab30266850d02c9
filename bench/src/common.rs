//! What several benchmarks share: medians, a deterministic text generator, the machine's
//! description, an export download done as the download handler does it, and a person signed
//! up and in through the core (no HTTP).

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use clearboard_core::Clearboard;
use clearboard_core::identity::accounts::NewAccount;
use clearboard_core::identity::principal::Principal;
use clearboard_core::identity::sessions::SessionKind;
use clearboard_core::platform::clock::{Clock, SystemClock};
use zeroize::Zeroizing;

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// A small deterministic generator (xorshift64*), so every run writes the same texts.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

const WORDS: &[&str] = &[
    "idea",
    "board",
    "workshop",
    "team",
    "user",
    "feedback",
    "sprint",
    "customer",
    "onboarding",
    "simpler",
    "faster",
    "risk",
    "question",
    "why",
    "could",
    "we",
    "should",
    "the",
    "a",
    "for",
    "with",
    "without",
    "every",
    "meeting",
    "weekly",
    "review",
    "pricing",
    "support",
    "mobile",
    "offline",
    "search",
    "export",
    "privacy",
    "cookie",
    "banner",
    "accessibility",
    "contrast",
    "keyboard",
    "colour",
    "label",
    "form",
    "error",
    "message",
    "release",
    "notes",
    "roadmap",
    "budget",
    "hiring",
    "remote",
];

/// A card text of 4 to 23 words (about 25 to 180 characters), like workshop sticky notes.
pub fn idea(rng: &mut Rng, i: usize) -> String {
    let n = 4 + (rng.next() % 20) as usize;
    let mut s = format!("#{i}");
    for _ in 0..n {
        s.push(' ');
        s.push_str(WORDS[(rng.next() % WORDS.len() as u64) as usize]);
    }
    s
}

/// The CPU model from /proc/cpuinfo.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
        .unwrap_or_default()
}

/// Total memory in GiB from /proc/meminfo.
pub fn mem_gib() -> Option<f64> {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().find(|l| l.starts_with("MemTotal")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0 / 1024.0)
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// Downloads an export as the owner's download handler does: `open_download`, then the sealed file
/// segment by segment (read, open, write to /dev/null). Returns (seconds, plaintext bytes, the
/// plaintext if `keep`).
pub async fn download(
    cb: &Clearboard,
    who: &clearboard_core::identity::principal::Principal,
    id: &str,
    keep: bool,
) -> (f64, u64, Option<Vec<u8>>) {
    let t = Instant::now();
    let d = cb.exports().open_download(who, id).await.unwrap();
    let (n, kept) = tokio::task::spawn_blocking(move || {
        let plain_len = d.plain_len;
        let mut sink = std::fs::OpenOptions::new().write(true).open("/dev/null").unwrap();
        let mut kept = keep.then(|| Vec::with_capacity(usize::try_from(plain_len).unwrap()));
        let mut n = 0u64;
        d.stream_plaintext(|pt| {
            sink.write_all(pt).unwrap();
            if let Some(k) = kept.as_mut() {
                k.extend_from_slice(pt);
            }
            n += pt.len() as u64;
            true
        })
        .unwrap();
        assert_eq!(n, plain_len, "the download is as long as the export says");
        (n, kept)
    })
    .await
    .unwrap();
    (t.elapsed().as_secs_f64(), n, kept)
}

/// A clearboard on embedded SQLite in a temporary folder, served by this process on a free
/// port (relaxed rate limits, real clock). The folder lives as long as this value.
pub struct InProcess {
    pub _dir: tempfile::TempDir,
    pub app: clearboard_app::App,
    pub base: String,
}

pub async fn serve_in_process() -> InProcess {
    let dir = tempfile::tempdir().unwrap();
    let mut config = clearboard_app::Config { data_dir: dir.path().join("data"), ..Default::default() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    config.public_url = Some(format!("http://{addr}"));
    config.log_level = "warn".into();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let app = clearboard_app::build(&config, clock, None, clearboard_web::platform::ratelimit::Limits::relaxed()).await.unwrap();
    let state = app.state.clone();
    tokio::spawn(async move { clearboard_app::serve(state, listener, std::future::pending()).await });
    InProcess { _dir: dir, app, base: format!("http://{addr}") }
}

/// The password of every person the in-process benchmarks sign up.
pub const PASSWORD: &str = "a bench password";

/// Signs a person up and in through the core (no HTTP), as the fides and rights benchmarks do.
pub async fn signed_up(cb: &Clearboard, email: &str, first_name: &str) -> Principal {
    cb.accounts()
        .sign_up(NewAccount {
            email: email.into(),
            password: Zeroizing::new(PASSWORD.into()),
            first_name: first_name.into(),
            last_name: "Person".into(),
            phone: None,
            birth_date: Some("1990-01-01".into()),
            region: None,
            locale: None,
        })
        .await
        .unwrap();
    cb.sessions().sign_in(email, Zeroizing::new(PASSWORD.into()), SessionKind::Bearer, None).await.unwrap().1
}

/// Runs this bench binary again with `args` (a child that does only the measured work, so its
/// peak memory is its own) and returns the JSON it printed after `tag`.
pub fn child_json(args: &[&str], tag: &str, what: &str) -> serde_json::Value {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(args)
        // The child does the server's work: it runs with the allocator settings `serve` gives
        // itself (crates/app/src/malloc.rs), or its peak memory would not be the server's.
        .env("GLIBC_TUNABLES", std::env::var("GLIBC_TUNABLES").unwrap_or_else(|_| clearboard_app::malloc::TUNABLES.into()))
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix(tag))
        .unwrap_or_else(|| panic!("the {what} child printed no result (status {}): {text}", out.status));
    serde_json::from_str(line).unwrap()
}
