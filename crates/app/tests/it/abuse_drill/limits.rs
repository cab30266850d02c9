//! What the server bounds or refuses, at volume (issue 11, items 2, 5 and 7): import bombs
//! refused within a memory bound while the server keeps serving; re-authentication and sign-in
//! guessing throttled without locking the owner out; slow connections cut at the header timeout;
//! the per-person socket cap and the message rate limit (sign-up is in `signups`). Each check returns a `Verdict`; none of them stops early.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use clearboard_testkit::ws;
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::bombs::Arsenal;
use super::leaks::hist;
use super::{Drill, Verdict, World};
use crate::{Value, canary, json};

/// The memory one import may hold, as the fix names it (issue 11, finding 2: 64 MiB,
/// `IMPORT_MEMORY_BOUND` on the `exports` branch). Change it here, and only here.
pub(crate) const IMPORT_MEMORY_BOUND_MIB: u64 = 64;
/// Imports the server runs at once (`IMPORT_CONCURRENCY` on the `exports` branch).
pub(crate) const IMPORT_CONCURRENCY: u64 = 2;
/// What is not the imports' own: allocator slack, connection buffers, the uploads themselves.
const RSS_SLACK_MIB: u64 = 32;

// ---------------------------------------------------------------------------------------------
// Item 5: guessing, slow clients, sockets
// ---------------------------------------------------------------------------------------------

/// What the slow connections came to.
#[derive(Debug)]
pub(crate) struct Slow {
    opened: usize,
    open_errors: usize,
    closed: Vec<Duration>,
    timeout: Duration,
    served_meanwhile: bool,
}

/// Opens `n` connections that send half a request's headers and stop; times how long each
/// stays open (the server must close every one within its header timeout).
pub(crate) async fn slow_connections(base: String, n: usize, timeout: Duration) -> Slow {
    let addr = base.trim_start_matches("http://").to_string();
    let (mut waits, mut open_errors) = (Vec::new(), 0);
    for _ in 0..n {
        match tokio::net::TcpStream::connect(&addr).await {
            Ok(mut s) => {
                let opened = Instant::now();
                let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await;
                waits.push(tokio::spawn(async move {
                    let mut buf = [0u8; 512];
                    tokio::time::timeout(timeout + Duration::from_secs(20), s.read(&mut buf)).await.ok().map(|_| opened.elapsed())
                }));
            }
            Err(_) => open_errors += 1,
        }
    }
    let served_meanwhile = reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status() == 200);
    let mut closed = Vec::new();
    for w in waits {
        if let Some(t) = w.await.unwrap() {
            closed.push(t);
        }
    }
    Slow { opened: n - open_errors, open_errors, closed, timeout, served_meanwhile }
}

/// Fires `attempts` in parallel (`concurrency` at once) and returns their statuses.
async fn volley<F, Fut>(attempts: usize, concurrency: usize, f: F) -> Vec<u16>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    futures_util::stream::iter((0..attempts).map(f)).buffer_unordered(concurrency).collect().await
}

pub(super) fn count(statuses: &[u16], s: u16) -> usize {
    statuses.iter().filter(|x| **x == s).count()
}

/// Item 5: re-authentication guessing (per account from many addresses, per address against
/// several accounts), an attacker's sign-in failures against the owner's known device, the
/// slow connections (run meanwhile), the socket cap on one participant token, a message flood.
pub(crate) async fn abuse(d: &Drill, w: &World, slow: Slow) -> Verdict {
    let mut v = Verdict::new("5. throttles, slow clients, socket cap and message rate hold, and never lock the owner out");
    let rules = clearboard_core::platform::throttle::Rules::default();
    let c = d.sizes.concurrency;
    let g = d.sizes.reauth_guesses;
    let patch = |token: String, password: String, from: Option<String>| async move {
        let from = from.unwrap_or_else(|| d.ip());
        let body = json!({ "new_password": "a brand new passphrase 4u", "current_password": password });
        Drill::send(d.http.patch(d.url("/api/v1/me")).header("x-forwarded-for", from).bearer_auth(token).json(&body)).await.0
    };
    // A stolen session guessing its account's password from many addresses: one at a time,
    // then `concurrency` at once (the lock is checked before the password is hashed, so
    // guesses already in flight when it starts are still checked).
    let sequential_victim = d.new_user().await;
    let mut sequential = Vec::new();
    for i in 0..g.min(20) {
        sequential.push(patch(sequential_victim.token.clone(), format!("guess {i}"), None).await);
    }
    v.check(count(&sequential, 401) <= rules.reauth_per_account.failures as usize, || {
        format!(
            "{} sequential re-authentication guesses were checked (the lock is at {})",
            count(&sequential, 401),
            rules.reauth_per_account.failures
        )
    });
    let victim = d.new_user().await;
    let per_account = volley(g, c, |i| patch(victim.token.clone(), format!("guess {i}"), None)).await;
    let right = patch(victim.token.clone(), victim.password.clone(), None).await;
    v.check(count(&per_account, 401) <= rules.reauth_per_account.failures as usize, || {
        format!(
            "{} re-authentication guesses on one account were checked (the lock is at {})",
            count(&per_account, 401),
            rules.reauth_per_account.failures
        )
    });
    v.check(right == 429, || format!("the right password during the lock answered {right}"));
    // One address guessing against several accounts.
    let victims = [d.new_user().await, d.new_user().await, d.new_user().await];
    let from = d.ip();
    let per_address = volley(g, c, |i| patch(victims[i % 3].token.clone(), format!("guess {i}"), Some(from.clone()))).await;
    v.check(count(&per_address, 401) <= rules.reauth_per_address.failures as usize, || {
        format!(
            "{} re-authentication guesses from one address were checked (the lock is at {})",
            count(&per_address, 401),
            rules.reauth_per_address.failures
        )
    });
    v.fig(format!(
        "re-authentication: {} guesses one at a time: {} checked {}; {g} guesses on one account from {g} addresses, {c} at once: {} checked {} (right password then: {right}); {g} from one address on 3 accounts, {c} at once: {} checked {}",
        sequential.len(),
        count(&sequential, 401),
        hist(&sequential),
        count(&per_account, 401),
        hist(&per_account),
        count(&per_address, 401),
        hist(&per_address)
    ));

    // An attacker's sign-in failures, with no or forged device cookies, against an owner: one
    // at a time against one, then `concurrency` at once against another.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    let forged = format!("d1.{now}.AAAAAAAAAAAAAAAAAAAAAA.{}", "A".repeat(43));
    let f = d.sizes.attacker_failures;
    let first_owner = d.new_user().await;
    let mut one_by_one = Vec::new();
    for i in 0..f.min(30) {
        one_by_one.push(
            Drill::send(
                d.req("POST", "/api/v1/sessions", None)
                    .json(&json!({ "email": first_owner.email, "password": format!("attacker guess {i}") })),
            )
            .await
            .0,
        );
    }
    v.check(count(&one_by_one, 401) <= rules.sign_in_untrusted.failures as usize, || {
        format!("{} sequential sign-in guesses were checked (the lock is at {})", count(&one_by_one, 401), rules.sign_in_untrusted.failures)
    });
    let owner = d.new_user().await;
    let attack = volley(f, c, |i| {
        let mut rb =
            d.req("POST", "/api/v1/sessions", None).json(&json!({ "email": owner.email, "password": format!("attacker guess {i}") }));
        if i % 2 == 0 {
            rb = rb.header("x-device-cookie", forged.clone());
        }
        async move { Drill::send(rb).await.0 }
    })
    .await;
    let untrusted =
        Drill::send(d.req("POST", "/api/v1/sessions", None).json(&json!({ "email": owner.email, "password": owner.password }))).await.0;
    let by_header = Drill::send(
        d.req("POST", "/api/v1/sessions", None)
            .header("x-device-cookie", owner.device.clone())
            .json(&json!({ "email": owner.email, "password": owner.password })),
    )
    .await;
    let by_cookie = Drill::send(
        d.req("POST", "/api/v1/sessions", None)
            .header("cookie", format!("cb_device={}", owner.device))
            .json(&json!({ "email": owner.email, "password": owner.password })),
    )
    .await;
    for (_, s) in [&by_header, &by_cookie] {
        d.plant("session token", s["token"].as_str().unwrap_or_default(), false);
        d.plant("device cookie", s["device_cookie"].as_str().unwrap_or_default(), false);
    }
    v.check(count(&attack, 401) <= rules.sign_in_untrusted.failures as usize, || {
        format!(
            "{} of the attacker's {f} sign-in guesses were checked (the lock is at {})",
            count(&attack, 401),
            rules.sign_in_untrusted.failures
        )
    });
    v.check(attack.iter().all(|s| [401, 429, 503].contains(s)), || format!("the attacker's sign-ins answered {}", hist(&attack)));
    v.check(untrusted == 429, || format!("the right password from an unknown client during the lock answered {untrusted}"));
    v.check(by_header.0 == 201 && by_cookie.0 == 201, || {
        format!("the owner's known device was locked out: {} by header, {} by cookie", by_header.0, by_cookie.0)
    });
    v.fig(format!(
        "sign-in: {} attacker failures one at a time: {} checked {}; {f} ({c} at once, half with a forged device cookie) {}: {} checked; then the right password from an unknown client {untrusted}, from the owner's device {} (header) and {} (cookie)",
        one_by_one.len(),
        count(&one_by_one, 401),
        hist(&one_by_one),
        hist(&attack),
        count(&attack, 401),
        by_header.0,
        by_cookie.0
    ));

    // The slow connections.
    let mut waits = slow.closed.clone();
    waits.sort();
    let max = waits.last().copied().unwrap_or_default();
    let limit = slow.timeout + Duration::from_secs(2);
    v.check(slow.open_errors == 0 && waits.len() == slow.opened, || {
        format!("{} of {} slow connections were never closed ({} could not open)", slow.opened - waits.len(), slow.opened, slow.open_errors)
    });
    v.check(max <= limit, || format!("a slow connection stayed open {max:?} (header timeout {:?})", slow.timeout));
    v.check(slow.served_meanwhile, || "the server did not answer while the slow connections were open".into());
    v.fig(format!(
        "{} slow connections (half a header each): {} closed, median {:.1} s, longest {:.1} s (header timeout {} s); served others meanwhile: {}",
        slow.opened,
        waits.len(),
        waits.get(waits.len() / 2).copied().unwrap_or_default().as_secs_f64(),
        max.as_secs_f64(),
        slow.timeout.as_secs(),
        slow.served_meanwhile
    ));

    // The socket cap: every attempt on one participant token at once.
    let r = d.ok("POST", &format!("/api/v1/boards/{}/join-code", w.board), Some(&w.alice.token), Some(json!({})), 200).await;
    let code = r["join_code"].as_str().unwrap_or_default().to_string();
    d.plant("join code", &code, true);
    let joined = d.ok("POST", "/api/v1/join", None, Some(json!({ "code": code, "pseudonym": canary("Sockets") })), 201).await;
    let participant = joined["token"].as_str().unwrap().to_string();
    d.plant("participant token", &participant, false);
    let cap = clearboard_app::Config::default().ws_sockets_per_person as usize;
    let k = d.sizes.sockets;
    let (mut held, mut refused, mut other) = (Vec::new(), 0, Vec::new());
    let tries = futures_util::stream::iter((0..k).map(|_| ws::connect(&d.base, &w.board, &participant, None, None))).buffer_unordered(100);
    let results: Vec<Result<ws::WsClient, String>> = tries.collect().await;
    for r in results {
        match r {
            Ok(s) => held.push(s),
            Err(e) if e.contains("429") => refused += 1,
            Err(e) => other.push(e),
        }
    }
    let accepted = held.len();
    let another = ws::connect(&d.base, &w.board, &w.bob.token, None, None).await.is_ok();
    for s in held {
        s.close().await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let again = ws::connect(&d.base, &w.board, &participant, None, None).await.is_ok();
    v.check(accepted == cap && refused == k - cap && other.is_empty(), || {
        format!(
            "{k} sockets on one token: {accepted} accepted (cap {cap}), {refused} refused with 429, {} other errors {:?}",
            other.len(),
            other.first()
        )
    });
    v.check(another && again, || format!("another person connected: {another}; a place freed after closing: {again}"));

    // A message flood on one socket.
    let rate = clearboard_web::boards::sockets::WsLimits::default();
    let mut s = ws::connect(&d.base, &w.board, &w.carol.token, None, None).await.expect("a socket");
    s.next(Duration::from_secs(5)).await.expect("hello");
    let t0 = Instant::now();
    for _ in 0..d.sizes.flood {
        s.send_text(r#"{"type":"ping"}"#).await;
    }
    let mut pongs = 0usize;
    while let Some(m) = s.next(Duration::from_secs(10)).await {
        pongs += usize::from(m["type"] == "pong");
    }
    let secs = t0.elapsed().as_secs_f64();
    let allowed = f64::from(rate.burst) + f64::from(rate.per_second) * secs + 2.0;
    v.check(s.close_code == Some(1008) && s.close_reason.as_deref() == Some("rate_limited"), || {
        format!("the flood ended with {:?} {:?}", s.close_code, s.close_reason)
    });
    v.check((pongs as f64) <= allowed, || {
        format!("{pongs} pings answered in {secs:.1} s (burst {} + {}/s allows {allowed:.0})", rate.burst, rate.per_second)
    });
    v.fig(format!(
        "sockets: {k} at once on one participant token: {accepted} accepted (cap {cap}), {refused} refused 429, {} other; flood of {} pings: {pongs} answered, then closed {:?} {:?} after {secs:.1} s",
        other.len(),
        d.sizes.flood,
        s.close_code,
        s.close_reason.as_deref().unwrap_or_default()
    ));
    v
}

// ---------------------------------------------------------------------------------------------
// Item 2: import bombs
// ---------------------------------------------------------------------------------------------

/// Sends one import: raw body or multipart `file`. (status, error code or body).
async fn import(d: &Drill, token: &str, bytes: Vec<u8>, multipart: bool) -> (u16, Value) {
    let rb = d.req("POST", "/api/v1/me/imports", Some(token)).timeout(Duration::from_secs(300));
    let rb = if multipart {
        rb.multipart(reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name("export.zip")))
    } else {
        rb.header("content-type", "application/zip").body(bytes)
    };
    Drill::send(rb).await
}

/// Item 2: `bombs` import bombs (the shapes of `bombs.rs` in turn, raw and multipart in turn),
/// `bomb_parallel` at once from as many accounts; the server's peak RSS (VmHWM, reset first,
/// and a 10 ms sampler) must stay within the bound; it must keep answering meanwhile and
/// import a genuine export after. A server past `ABUSE_RSS_CEILING_MIB` (4096) is killed to
/// spare the machine.
pub(crate) async fn bombs(d: &Drill, control: Vec<u8>) -> Verdict {
    let mut v = Verdict::new("2. import bombs are refused within the memory bound; the server keeps serving");
    let t0 = Instant::now();
    let arsenal = tokio::task::spawn_blocking(Arsenal::build).await.unwrap();
    let built = t0.elapsed().as_secs_f64();
    let p = d.sizes.bomb_parallel;
    let mut uploaders = Vec::new();
    for _ in 0..p {
        uploaders.push(d.new_user().await);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = d.proc_kib("VmRSS").unwrap_or(0);
    let reset = d.reset_peak();
    let ceiling = crate::drills::env_num("ABUSE_RSS_CEILING_MIB", 4096) * 1024;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (pid, stop2) = (d.pid, stop.clone());
    let sampler = tokio::spawn(async move {
        let (mut peak, mut killed) = (0u64, false);
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
                .ok()
                .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok()));
            let Some(rss) = rss else { break };
            peak = peak.max(rss);
            if rss > ceiling && !killed {
                let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
                killed = true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        (peak, killed)
    });
    let (base, stop3) = (d.base.clone(), stop.clone());
    let prober = tokio::spawn(async move {
        let http = crate::drills::client();
        let (mut ok, mut failed, mut slowest) = (0, 0, Duration::ZERO);
        while !stop3.load(std::sync::atomic::Ordering::Relaxed) {
            let t = Instant::now();
            match http.get(format!("{base}/readyz")).timeout(Duration::from_secs(10)).send().await {
                Ok(r) if r.status() == 200 => ok += 1,
                _ => failed += 1,
            }
            slowest = slowest.max(t.elapsed());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        (ok, failed, slowest)
    });
    let n = d.sizes.bombs;
    let workers = uploaders.iter().enumerate().map(|(k, u)| {
        let arsenal = &arsenal;
        async move {
            let mut out = Vec::new();
            for i in (k..n).step_by(p) {
                let b = arsenal.nth(i);
                let (s, body) = import(d, &u.token, b.bytes.clone(), i % 2 == 1).await;
                out.push((b.shape, s, body["error"]["code"].as_str().unwrap_or("-").to_string()));
            }
            out
        }
    });
    let results: Vec<(&str, u16, String)> = futures_util::future::join_all(workers).await.into_iter().flatten().collect();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (sampled, killed) = sampler.await.unwrap();
    let (probes_ok, probes_failed, slowest) = prober.await.unwrap();
    let hwm = d.proc_kib("VmHWM").unwrap_or(sampled);
    let peak = hwm.max(sampled);
    let growth_mib = peak.saturating_sub(before) / 1024;
    let bound_mib = IMPORT_MEMORY_BOUND_MIB * (p as u64).min(IMPORT_CONCURRENCY) + RSS_SLACK_MIB;
    let ready = d.call("GET", "/readyz", None, None).await.0;
    let me = d.call("GET", "/api/v1/me", Some(&uploaders[0].token), None).await.0;
    let genuine = if control.is_empty() { (0, Value::Null) } else { import(d, &uploaders[0].token, control, false).await };
    let after = d.proc_kib("VmRSS").unwrap_or(0);

    // shape → answer ("413 import_too_large") → how many
    let mut by_shape: BTreeMap<&str, BTreeMap<String, usize>> = BTreeMap::new();
    for (shape, s, code) in &results {
        *by_shape.entry(*shape).or_default().entry(format!("{s} {code}")).or_default() += 1;
    }
    let answers = |shape: &str| {
        by_shape
            .get(shape)
            .map(|m| m.iter().map(|(a, n)| format!("{n} × {a}")).collect::<Vec<_>>().join(", "))
            .unwrap_or_else(|| "not sent".into())
    };
    for shape in by_shape.keys() {
        let refused = results.iter().filter(|r| r.0 == *shape).all(|(_, s, code)| [413, 422].contains(s) && code != "-");
        v.check(refused, || format!("the {shape} bomb was answered {} (413 or 422 with the JSON error expected)", answers(shape)));
    }
    v.check(!killed, || format!("the server passed {} MiB of RSS and was killed", ceiling / 1024));
    v.check(reset, || "the peak (VmHWM) could not be reset: the figure covers the whole run".into());
    v.check(growth_mib <= bound_mib, || format!("peak RSS grew by {growth_mib} MiB (bound {bound_mib} MiB: {IMPORT_MEMORY_BOUND_MIB} MiB × {} imports at once + {RSS_SLACK_MIB})", (p as u64).min(IMPORT_CONCURRENCY)));
    v.check(probes_failed == 0 && ready == 200 && me == 200, || {
        format!("serving: {probes_failed} failed readiness probes during the bombs, then /readyz {ready}, /api/v1/me {me}")
    });
    v.check(genuine.0 == 201, || format!("a genuine export imported after the bombs answered {}: {}", genuine.0, genuine.1));
    for b in arsenal.shapes() {
        v.fig(format!(
            "{}: {} bytes sent, {} MiB declared, inflates to {} MiB, {} entries → {}",
            b.shape,
            b.bytes.len(),
            b.declared >> 20,
            b.inflates_to >> 20,
            b.entries,
            answers(b.shape)
        ));
    }
    v.fig(format!(
        "{n} bombs, {p} at once (built in {built:.1} s): server RSS {} MiB at its start, {} MiB before the bombs, peak {} MiB (+{growth_mib} MiB; bound {bound_mib} MiB), {} MiB after; readiness probes meanwhile {probes_ok} ok, {probes_failed} failed, slowest {} ms; genuine import after: {}",
        d.rss_start_kib / 1024,
        before / 1024,
        peak / 1024,
        after / 1024,
        slowest.as_millis(),
        genuine.0
    ));
    v
}
