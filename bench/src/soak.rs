//! Soak (issue 21): the release server under a mixed load from a few clients for some minutes,
//! and what its memory does. The load is the soak drill's mix (`drills/soak.sh`): reads, cards
//! created, changed and deleted, consent choices, exports, and people who sign up, sign in,
//! join, post and erase themselves (Argon2id three times each). RSS is sampled every 5 s from
//! /proc; the figures are the RSS after setup, after the warm-up (a fifth of the run), at the
//! end and at the peak. Goal: at most 150 MB at the end of a 10-minute soak with 4 clients.
//!
//! `SOAK_MINUTES` (default 2; the goal is stated for 10), `SOAK_WORKERS` (default 4).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::Rng;
use crate::fanout::rss_kb;

/// The goal for the end of a 10-minute soak with 4 clients, in MB.
pub const GOAL_MB: f64 = 150.0;

struct World {
    base: String,
    http: reqwest::Client,
    host: String,
    org: String,
    board: String,
    workers: Vec<String>,
    ip: AtomicU64,
    uniq: AtomicU64,
}

impl World {
    /// A made-up client address (documentation range) per request, so the per-address limits
    /// on sign-up and sign-in hold for each made-up person as for real ones.
    fn next_ip(&self) -> String {
        let n = self.ip.fetch_add(1, Ordering::Relaxed);
        format!("2001:db8::{:x}:{:x}", n >> 16, n & 0xffff)
    }

    fn tag(&self, what: &str) -> String {
        format!("{what}{}", self.uniq.fetch_add(1, Ordering::Relaxed))
    }

    /// A request; `Err` carries what went wrong (status and the start of the body).
    async fn call(&self, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<Value>) -> Result<(u16, Value), String> {
        let mut rb = self.http.request(method.clone(), format!("{}{path}", self.base)).header("x-forwarded-for", self.next_ip());
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let res = rb.send().await.map_err(|e| format!("{method} {path}: {e}"))?;
        let status = res.status().as_u16();
        let bytes = res.bytes().await.map_err(|e| format!("{method} {path}: {e}"))?;
        if (200..300).contains(&status) || status == 409 {
            Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
        } else {
            Err(format!("{method} {path}: {status} {}", String::from_utf8_lossy(&bytes).chars().take(200).collect::<String>()))
        }
    }

    async fn sign_up(&self, tag: &str) -> Result<(String, String), String> {
        let email = format!("{}@example.test", self.tag(tag).to_lowercase());
        let password = format!("soak password {}", self.tag("p"));
        let body = json!({ "email": email, "password": password, "first_name": "Soak", "last_name": tag, "birth_date": "1990-05-17" });
        self.call(reqwest::Method::POST, "/api/v1/accounts", None, Some(body)).await?;
        let (_, v) =
            self.call(reqwest::Method::POST, "/api/v1/sessions", None, Some(json!({ "email": email, "password": password }))).await?;
        Ok((v["token"].as_str().unwrap_or_default().to_string(), password))
    }

    async fn join(&self, token: &str) -> Result<(), String> {
        let path = format!("/api/v1/orgs/{}/invitations", self.org);
        let (_, inv) = self.call(reqwest::Method::POST, &path, Some(&self.host), Some(json!({ "role": "member" }))).await?;
        self.call(reqwest::Method::POST, "/api/v1/invitations/accept", Some(token), Some(json!({ "token": inv["token"] }))).await?;
        Ok(())
    }

    async fn setup(base: &str, workers: usize) -> World {
        let mut w = World {
            base: base.to_string(),
            http: reqwest::Client::new(),
            host: String::new(),
            org: String::new(),
            board: String::new(),
            workers: Vec::new(),
            ip: AtomicU64::new(1),
            uniq: AtomicU64::new(1),
        };
        w.host = w.sign_up("host").await.unwrap().0;
        let (_, org) = w.call(reqwest::Method::POST, "/api/v1/orgs", Some(&w.host), Some(json!({ "name": "Soak team" }))).await.unwrap();
        w.org = org["id"].as_str().unwrap().to_string();
        let body = json!({ "title": "Soak board", "org_id": w.org });
        let (_, board) = w.call(reqwest::Method::POST, "/api/v1/boards", Some(&w.host), Some(body)).await.unwrap();
        w.board = board["id"].as_str().unwrap().to_string();
        for _ in 0..workers {
            let (t, _) = w.sign_up("worker").await.unwrap();
            w.join(&t).await.unwrap();
            w.workers.push(t);
        }
        w
    }
}

/// One client's loop until `stop`: returns (requests, errors).
async fn client(world: Arc<World>, me: usize, seed: u64, stop: Arc<AtomicBool>) -> (u64, Vec<String>) {
    use reqwest::Method;
    let token = world.workers[me].clone();
    let mut rng = Rng(seed | 1);
    let mut cards: Vec<String> = Vec::new();
    let (mut requests, mut errors) = (0u64, Vec::new());
    while !stop.load(Ordering::Relaxed) {
        let roll = rng.next() % 100;
        let pick = |rng: &mut Rng, cards: &[String]| cards.get((rng.next() % cards.len().max(1) as u64) as usize).cloned();
        let r: Result<(), String> = async {
            if roll < 30 {
                let path = match rng.next() % 4 {
                    0 => pick(&mut rng, &cards).map_or_else(|| "/api/v1/me".to_string(), |id| format!("/api/v1/cards/{id}")),
                    1 => format!("/api/v1/boards/{}", world.board),
                    2 => "/api/v1/me/consents".into(),
                    _ => "/api/v1/me".into(),
                };
                requests += 1;
                world.call(Method::GET, &path, Some(&token), None).await.map(|_| ())
            } else if roll < 58 || cards.is_empty() {
                if cards.len() >= 40 {
                    let id = cards.swap_remove((rng.next() % cards.len() as u64) as usize);
                    requests += 1;
                    return world.call(Method::DELETE, &format!("/api/v1/cards/{id}"), Some(&token), None).await.map(|_| ());
                }
                let body = json!({ "kind": "text", "text": format!("soak card {}", world.tag("c")) });
                requests += 1;
                let (_, v) = world.call(Method::POST, &format!("/api/v1/boards/{}/cards", world.board), Some(&token), Some(body)).await?;
                cards.push(v["id"].as_str().unwrap_or_default().to_string());
                Ok(())
            } else if roll < 72 {
                let id = pick(&mut rng, &cards).unwrap_or_default();
                requests += 1;
                let body = json!({ "text": format!("soak edit {}", world.tag("e")) });
                world.call(Method::PATCH, &format!("/api/v1/cards/{id}"), Some(&token), Some(body)).await.map(|_| ())
            } else if roll < 84 {
                let body = json!({ "purpose": "marketing", "granted": rng.next().is_multiple_of(2) });
                requests += 1;
                world.call(Method::PUT, "/api/v1/me/consents", Some(&token), Some(body)).await.map(|_| ())
            } else if roll < 91 {
                requests += 1;
                world.call(Method::POST, "/api/v1/me/exports", Some(&token), None).await.map(|_| ())
            } else {
                // Someone passing by: signs up, signs in, joins, posts a card, erases themselves.
                requests += 5;
                let (t, password) = world.sign_up("gone").await?;
                world.join(&t).await?;
                let body = json!({ "kind": "text", "text": format!("passing {}", world.tag("g")) });
                world.call(Method::POST, &format!("/api/v1/boards/{}/cards", world.board), Some(&t), Some(body)).await?;
                world.call(Method::DELETE, "/api/v1/me", Some(&t), Some(json!({ "password": password }))).await.map(|_| ())
            }
        }
        .await;
        if let Err(e) = r
            && errors.len() < 50
        {
            errors.push(e);
        }
    }
    (requests, errors)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim().to_string()
}

/// Runs the soak against a server at `base` whose process is `pid`.
pub async fn run(base: &str, pid: u32, minutes: f64, workers: usize) -> Value {
    let load_start = loadavg();
    let rss_start = rss_kb(pid);
    let world = Arc::new(World::setup(base, workers).await);
    let rss_setup = rss_kb(pid);
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = (0..workers).map(|w| tokio::spawn(client(world.clone(), w, 0x9E37_79B9 * (w as u64 + 1), stop.clone()))).collect();
    let total = Duration::from_secs_f64(minutes * 60.0);
    let warmup = (total / 5).min(Duration::from_secs(120));
    let started = Instant::now();
    let mut samples: Vec<(f64, u64)> = Vec::new();
    while started.elapsed() < total {
        tokio::time::sleep(Duration::from_secs(5)).await;
        samples.push((started.elapsed().as_secs_f64(), rss_kb(pid)));
    }
    stop.store(true, Ordering::Relaxed);
    let (mut requests, mut errors) = (0, Vec::new());
    for t in tasks {
        let (r, e) = t.await.unwrap();
        requests += r;
        errors.extend(e);
    }
    let secs = started.elapsed().as_secs_f64();
    let at_warmup = samples.iter().find(|(t, _)| *t >= warmup.as_secs_f64()).map_or(rss_setup, |s| s.1);
    let end = samples.last().map_or(rss_setup, |s| s.1);
    let peak = samples.iter().map(|s| s.1).max().unwrap_or(end);
    let mb = |kb: u64| kb as f64 / 1024.0;
    println!(
        "soak: {minutes} min, {workers} clients, {requests} requests ({:.0}/s), {} errors; RSS at start {:.0} MB, after setup {:.0} MB, after warm-up {:.0} MB, end {:.0} MB, peak {:.0} MB (goal ≤ {GOAL_MB} MB at the end of 10 min); load {load_start} → {}",
        requests as f64 / secs,
        errors.len(),
        mb(rss_start),
        mb(rss_setup),
        mb(at_warmup),
        mb(end),
        mb(peak),
        loadavg()
    );
    for e in errors.iter().take(5) {
        println!("  error: {e}");
    }
    json!({
        "benchmark": "soak",
        "goal": format!("RSS at most {GOAL_MB} MB at the end of a 10-minute soak with 4 clients"),
        "minutes": minutes,
        "workers": workers,
        "requests": requests,
        "requests_per_s": requests as f64 / secs,
        "errors": errors.len(),
        "error_samples": errors.iter().take(5).collect::<Vec<_>>(),
        "rss_start_mb": mb(rss_start),
        "rss_after_setup_mb": mb(rss_setup),
        "rss_after_warmup_mb": mb(at_warmup),
        "rss_end_mb": mb(end),
        "rss_peak_mb": mb(peak),
        "growth_after_warmup_pct": (end as f64 - at_warmup as f64) / at_warmup.max(1) as f64 * 100.0,
        // The goal is stated for 10 minutes: a shorter run says nothing either way.
        "goal_met": if minutes >= 10.0 { json!(mb(end) <= GOAL_MB) } else { Value::Null },
        "samples": samples.iter().map(|(t, r)| json!([t.round(), r])).collect::<Vec<_>>(),
        "load": { "start": load_start, "end": loadavg() },
    })
}
