//! What the server shows or keeps, at volume (issue 11, items 1, 3, 4 and 6): secrets in links
//! never reach `/metrics` (nor, by the final scan, the log), unknown paths add no series, media
//! keep no metadata marker, anonymous posts name nobody anywhere, and an export's download is
//! the owner's alone until revoked. Each check returns a `Verdict`; none of them stops early.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use clearboard_core::platform::media::testset::{self, Mp4Layout, contains};
use clearboard_testkit::ws;
use futures_util::StreamExt;

use super::{Drill, User, Verdict, World};
use crate::{Value, canary, json};

/// A status histogram, e.g. `{404: 3, 410: 2}`.
pub(crate) fn hist(statuses: &[u16]) -> String {
    let mut m: BTreeMap<u16, usize> = BTreeMap::new();
    for s in statuses {
        *m.entry(*s).or_default() += 1;
    }
    format!("{m:?}")
}

/// Every series of an exposition, without its value.
fn series(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.rsplit_once(' ').map_or(l, |(k, _)| k).to_string())
        .collect()
}

/// The values of `label` in a family's series.
fn label_values(all: &BTreeSet<String>, family: &str, label: &str) -> BTreeSet<String> {
    let key = format!("{label}=\"");
    all.iter()
        .filter(|l| l.starts_with(family))
        .filter_map(|l| l.find(&key).map(|i| &l[i + key.len()..]))
        .filter_map(|rest| rest.find('"').map(|j| rest[..j].to_string()))
        .collect()
}

async fn exposition(d: &Drill) -> String {
    let res = d.http.get(format!("{}/metrics", d.metrics_base)).send().await.expect("the metrics listener answers");
    assert_eq!(res.status(), 200, "metrics listener");
    res.text().await.unwrap()
}

/// Item 1: invitation and join links opened and used by the `links`, the old path forms tried,
/// `/metrics` read both ways, then `unknown_paths` unknown paths (one in ten with a made-up
/// method).
pub(crate) async fn links_and_metrics(d: &Drill, w: &World) -> Verdict {
    let mut v = Verdict::new("1. secrets in links reach no metric and no log; unknown paths add no series");
    let n = d.sizes.links;
    let mut secrets = vec![d.metrics_token.clone()];
    let (mut opened, mut used, mut refused, mut old_paths) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let dave = d.new_user().await;
    for i in 0..n {
        let inv = d
            .ok("POST", &format!("/api/v1/orgs/{}/invitations", w.org), Some(&w.alice.token), Some(json!({ "role": "member" })), 201)
            .await;
        let (token, url) = (inv["token"].as_str().unwrap().to_string(), inv["url"].as_str().unwrap().to_string());
        d.plant("invitation token", &token, false);
        secrets.push(token.clone());
        let (path, fragment) = url.split_once('#').unwrap_or((&url, ""));
        v.check(fragment == token && !path.contains(&token), || {
            format!("an invitation link carries its token outside the fragment: {}", url.replace(&token, "<token>"))
        });
        // A browser sends the path only; the page's script posts the token.
        opened.push(d.call("GET", path, None, None).await.0);
        // The first is used by someone new, the rest by a member already in.
        let who = if i == 0 { &dave } else { &w.bob };
        let (s, _) = d.call("POST", "/api/v1/invitations/accept", Some(&who.token), Some(json!({ "token": token }))).await;
        if i == 0 {
            used.push(s)
        } else {
            refused.push(s)
        }
        let (s, e) = d.call("GET", &format!("/app/invitations/{token}"), None, None).await;
        old_paths.push(s);
        d.control_in_log(e["error"]["request_id"].as_str().unwrap_or_default());
    }
    let mut participants = 0;
    for _ in 0..n {
        let r = d.ok("POST", &format!("/api/v1/boards/{}/join-code", w.board), Some(&w.alice.token), Some(json!({})), 200).await;
        let (code, url) = (r["join_code"].as_str().unwrap().to_string(), r["url"].as_str().unwrap().to_string());
        d.plant("join code", &code, true);
        secrets.push(code.clone());
        let (path, fragment) = url.split_once('#').unwrap_or((&url, ""));
        v.check(fragment == code && !path.contains(&code), || "a join link carries its code outside the fragment".into());
        opened.push(d.call("GET", path, None, None).await.0);
        let pseudonym = canary("Pseudo");
        d.plant("pseudonym", &pseudonym, false);
        let (s, j) = d.call("POST", "/api/v1/join", None, Some(json!({ "code": code, "pseudonym": pseudonym }))).await;
        if s == 201 {
            participants += 1;
            d.plant("participant token", j["token"].as_str().unwrap_or_default(), false);
            d.plant("recovery code", j["recovery_code"].as_str().unwrap_or_default(), false);
        }
        old_paths.push(d.call("GET", &format!("/j/{code}"), None, None).await.0);
    }
    v.check(opened.iter().all(|s| *s == 200), || format!("opening the links: {}", hist(&opened)));
    v.check(used == [200], || format!("using an invitation: {}", hist(&used)));
    v.check(participants == n, || format!("{participants} of {n} join links let someone in"));
    v.check(old_paths.iter().all(|s| *s == 404), || format!("the old link paths: {}", hist(&old_paths)));

    // /metrics: never on the public listener without the token.
    let without = d.call("GET", "/metrics", None, None).await.0;
    let wrong = d.call("GET", "/metrics", Some("not-the-token"), None).await.0;
    let (with, public) = match d.req("GET", "/metrics", Some(&d.metrics_token)).send().await {
        Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
        Err(_) => (0, String::new()),
    };
    v.check(without == 404 && wrong == 404 && with == 200, || {
        format!("public /metrics: {without} without the token, {wrong} with a wrong one, {with} with it")
    });
    let private = exposition(d).await;
    for (what, text) in [("/metrics with the token", &public), ("the metrics listener", &private)] {
        let found = secrets.iter().filter(|s| text.contains(s.as_str())).count();
        v.check(found == 0, || format!("{what} holds {found} secrets"));
    }

    // Unknown paths: a warm-up of twenty (so the one unmatched series exists), then the rest.
    let total = d.sizes.unknown_paths.max(40);
    let probes: Vec<(String, String)> = (0..total)
        .map(|i| {
            let method = if i % 10 == 3 { format!("PROBE{i}") } else { "GET".into() };
            (method, format!("/probe-{}-{i}/{}", hex::encode(clearboard_vault::random::bytes::<4>().unwrap()), canary("Path")))
        })
        .collect();
    let send = |batch: &[(String, String)]| {
        let futs: Vec<_> = batch.iter().map(|(m, p)| Drill::send(d.req(m, p, None))).collect();
        futures_util::stream::iter(futs).buffer_unordered(d.sizes.concurrency).map(|(s, _)| s).collect::<Vec<u16>>()
    };
    let mut statuses = send(&probes[..20]).await;
    let before_text = exposition(d).await;
    let started = Instant::now();
    statuses.extend(send(&probes[20..]).await);
    let secs = started.elapsed().as_secs_f64();
    let after_text = exposition(d).await;
    let (before, after) = (series(&before_text), series(&after_text));
    let added: Vec<&String> = after.difference(&before).collect();
    let added_http: Vec<&&String> = added.iter().filter(|s| s.starts_with("clearboard_http")).collect();
    let leaked = probes.iter().filter(|(_, p)| after_text.contains(p.split('/').nth(1).unwrap_or(p))).count();
    let routes = label_values(&after, "clearboard_http_requests_total", "route");
    let methods = label_values(&after, "clearboard_http_requests_total", "method");
    v.check(statuses.iter().all(|s| (400..500).contains(s)), || format!("unknown paths answered {}", hist(&statuses)));
    v.check(added_http.is_empty(), || {
        format!("{} new HTTP series after the warm-up, e.g. {:?}", added_http.len(), added_http.iter().take(3).collect::<Vec<_>>())
    });
    v.check(leaked == 0, || format!("{leaked} unknown paths appear in /metrics"));
    v.check(routes.len() < 150 && routes.iter().all(|r| r == "{unmatched}" || r.starts_with('/')), || {
        format!("{} route labels", routes.len())
    });
    v.check(methods.len() <= 8, || format!("method labels: {methods:?}"));
    v.fig(format!("{n} invitation links and {n} join links opened {}, 1 invitation used by someone new ({}), {} used again by a member {}, {participants} participants joined; old path forms {}", hist(&opened), hist(&used), refused.len(), hist(&refused), hist(&old_paths)));
    v.fig(format!(
        "public /metrics: {without} without the token, {wrong} with a wrong one, {with} with it; 0 of {} secrets in either exposition",
        secrets.len()
    ));
    v.fig(format!(
        "{total} unknown paths ({:.0}/s, {}): series {} → {} (+{}, of them HTTP: +{}), /metrics {} → {} bytes; {} route and {} method labels",
        (total - 20) as f64 / secs,
        hist(&statuses),
        before.len(),
        after.len(),
        added.len(),
        added_http.len(),
        before_text.len(),
        after_text.len(),
        routes.len(),
        methods.len()
    ));
    v
}

/// A picture's decoded pixels.
type Pixels = fn(&[u8]) -> Vec<u8>;

/// An upload as a board card (multipart); the card's JSON.
async fn upload(d: &Drill, token: &str, board: &str, kind: &str, bytes: Vec<u8>, name: &'static str) -> (u16, Value) {
    let form =
        reqwest::multipart::Form::new().text("kind", kind.to_string()).part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
    Drill::send(d.req("POST", &format!("/api/v1/boards/{board}/cards"), Some(token)).multipart(form)).await
}

async fn fetch(d: &Drill, path: &str, token: &str) -> (u16, Vec<u8>) {
    match d.req("GET", path, Some(token)).send().await {
        Ok(r) => (r.status().as_u16(), r.bytes().await.map(|b| b.to_vec()).unwrap_or_default()),
        Err(_) => (0, Vec::new()),
    }
}

/// Item 3: the forensic media set (multi-picture JPEG with GPS in the second picture and bytes
/// after EOI, PNG with private chunks, WebP, MP4 ×3 layouts with ©xyz/loci/meta, WebM with
/// tags), `media_rounds` times with a new marker, as cards and as profile pictures.
pub(crate) async fn media(d: &Drill, w: &World) -> Verdict {
    let mut v = Verdict::new("3. forensic media: no marker served (on disk: the final scan)");
    let videos = testset::ffmpeg_or_skip("abuse drill, media");
    let (mut uploads, mut sent, mut served, mut marked, mut pixels_differ) = (0usize, 0usize, 0usize, Vec::new(), Vec::new());
    let users = [&w.alice, &w.bob, &w.carol];
    for round in 0..d.sizes.media_rounds {
        let m = canary("Media");
        d.plant("media marker", &m, false);
        let mut set: Vec<(&'static str, &'static str, Vec<u8>)> = vec![
            ("image", "phone.jpg", testset::forensic_jpeg(&m)),
            ("image", "drawing.png", testset::forensic_png(&m)),
            ("image", "sticker.webp", testset::forensic_webp(&m)),
        ];
        if videos {
            let mm = m.clone();
            let made = tokio::task::spawn_blocking(move || {
                let dir = tempfile::tempdir().unwrap();
                vec![
                    ("video", "moov-at-end.mp4", testset::forensic_mp4(&mm, Mp4Layout::MoovAtEnd, dir.path())),
                    ("video", "faststart.mp4", testset::forensic_mp4(&mm, Mp4Layout::FastStart, dir.path())),
                    ("video", "fragmented.mp4", testset::forensic_mp4(&mm, Mp4Layout::Fragmented, dir.path())),
                    ("video", "clip.webm", testset::forensic_webm(&mm, dir.path())),
                ]
            })
            .await
            .unwrap();
            set.extend(made);
        }
        for (i, (kind, name, bytes)) in set.into_iter().enumerate() {
            assert!(contains(&bytes, m.as_bytes()), "{name} carries the marker");
            let u = users[(round + i) % users.len()];
            sent += bytes.len();
            let (s, card) = upload(d, &u.token, &w.board, kind, bytes.clone(), name).await;
            uploads += 1;
            if s != 201 {
                v.problems.push(format!("{name}: upload refused ({s}): {card}"));
                continue;
            }
            let (s, out) = fetch(d, card["media_url"].as_str().unwrap_or_default(), &u.token).await;
            served += out.len();
            v.check(s == 200, || format!("{name}: served {s}"));
            if contains(&out, m.as_bytes()) {
                marked.push(name);
            }
            let pixels: Option<Pixels> = match name {
                "phone.jpg" => Some(testset::jpeg_pixels),
                "drawing.png" => Some(testset::png_pixels),
                "sticker.webp" => Some(testset::webp_pixels),
                _ => None,
            };
            if let Some(px) = pixels {
                if px(&out) != px(&bytes) {
                    pixels_differ.push(name);
                }
                let (s, _) = Drill::send(d.req("PUT", "/api/v1/me/picture", Some(&u.token)).body(bytes)).await;
                let (s2, pic) = fetch(d, "/api/v1/me/picture", &u.token).await;
                uploads += 1;
                served += pic.len();
                v.check(s == 200 && s2 == 200, || format!("{name} as a profile picture: {s}, served {s2}"));
                if contains(&pic, m.as_bytes()) {
                    marked.push(name);
                }
            }
        }
    }
    v.check(marked.is_empty(), || format!("markers served in {marked:?}"));
    v.check(pixels_differ.is_empty(), || format!("pixels changed in {pixels_differ:?}"));
    v.fig(format!(
        "rounds: {}, {uploads} uploads ({} images, {} videos per round, cards and profile pictures), {sent} bytes sent, {served} served, markers served: {}",
        d.sizes.media_rounds,
        3,
        if videos { 4 } else { 0 },
        marked.len()
    ));
    v
}

/// Item 4: `anon_cards` cards posted anonymously by members and participants (with comments
/// and likes), the mode switched off, then every view, export and socket message searched for
/// any author; then the mode switched on, seen live by an open socket.
pub(crate) async fn anonymity(d: &Drill, w: &World) -> Verdict {
    let mut v = Verdict::new("4. anonymity: no view, export or socket message names an author; the switch is live");
    let board =
        d.ok("POST", "/api/v1/boards", Some(&w.alice.token), Some(json!({ "title": "Anonymous retro", "org_id": w.org })), 201).await;
    let (id, code) = (board["id"].as_str().unwrap().to_string(), board["join_code"].as_str().unwrap().to_string());
    d.plant("join code", &code, true);
    // Kept in clear by design (facilitators see it again): the raw scan's positive control.
    d.control_on_disk(&code);
    let mut authors: Vec<(String, String, Vec<String>)> = Vec::new(); // (who, token, what identifies them)
    for u in [&w.alice, &w.bob, &w.carol] {
        authors.push((u.first.clone(), u.token.clone(), vec![u.first.clone(), u.last.clone(), u.id.clone()]));
    }
    for _ in 0..d.sizes.anon_participants {
        let p = canary("Pseudo");
        d.plant("pseudonym", &p, false);
        let j = d.ok("POST", "/api/v1/join", None, Some(json!({ "code": code, "pseudonym": p })), 201).await;
        let token = j["token"].as_str().unwrap().to_string();
        d.plant("participant token", &token, false);
        authors.push((p.clone(), token, vec![p, j["participant_id"].as_str().unwrap_or_default().to_string()]));
    }
    d.ok("PATCH", &format!("/api/v1/boards/{id}"), Some(&w.alice.token), Some(json!({ "anonymous": true })), 200).await;
    let watcher_tokens = [w.alice.token.clone(), authors[3].1.clone()];
    let mut watchers = Vec::new();
    for t in &watcher_tokens {
        let mut c = ws::connect(&d.base, &id, t, None, None).await.expect("a watcher connects");
        c.next(Duration::from_secs(5)).await.expect("hello");
        watchers.push(c);
    }
    let posts: Vec<_> = (0..d.sizes.anon_cards)
        .map(|i| {
            let (_, token, _) = &authors[i % authors.len()];
            let (token, id) = (token.clone(), id.clone());
            async move {
                d.call(
                    "POST",
                    &format!("/api/v1/boards/{id}/cards"),
                    Some(&token),
                    Some(json!({ "kind": "text", "text": format!("idea number {i}") })),
                )
                .await
            }
        })
        .collect();
    let cards: Vec<(u16, Value)> = futures_util::stream::iter(posts).buffer_unordered(d.sizes.concurrency.min(8)).collect().await;
    let card_ids: Vec<String> = cards.iter().filter(|(s, _)| *s == 201).filter_map(|(_, c)| c["id"].as_str().map(str::to_string)).collect();
    v.check(card_ids.len() == d.sizes.anon_cards, || {
        format!("{} of {} anonymous cards posted: {:?}", card_ids.len(), d.sizes.anon_cards, cards.iter().find(|(s, _)| *s != 201))
    });
    for (i, c) in card_ids.iter().enumerate().take(20) {
        let (_, token, _) = &authors[(i + 1) % authors.len()];
        d.call("POST", &format!("/api/v1/cards/{c}/comments"), Some(token), Some(json!({ "text": "a comment" }))).await;
        d.call("PUT", &format!("/api/v1/cards/{c}/like"), Some(&w.bob.token), None).await;
    }
    let (mut outputs, mut bytes, mut leaks) = (0usize, 0usize, Vec::new());
    for phase in ["anonymous", "switched off"] {
        if phase == "switched off" {
            d.ok("PATCH", &format!("/api/v1/boards/{id}"), Some(&w.alice.token), Some(json!({ "anonymous": false })), 200).await;
        }
        for c in &mut watchers {
            c.drain(Duration::from_millis(500)).await;
        }
        // (what, text, whose identity the viewer may see: their own)
        let mut seen: Vec<(String, String, Option<usize>)> = Vec::new();
        for (a, (who, token, _)) in authors.iter().enumerate() {
            let (_, b) = d.call("GET", &format!("/api/v1/boards/{id}"), Some(token), None).await;
            seen.push((format!("{phase}: the board as {who}"), b.to_string(), Some(a)));
            for c in card_ids.iter().step_by((card_ids.len() / 10).max(1)) {
                let (_, one) = d.call("GET", &format!("/api/v1/cards/{c}"), Some(token), None).await;
                seen.push((format!("{phase}: a card as {who}"), one.to_string(), Some(a)));
            }
        }
        for format in ["json", "csv"] {
            let (_, e) = d.call("GET", &format!("/api/v1/boards/{id}/export?format={format}"), Some(&w.alice.token), None).await;
            seen.push((format!("{phase}: the {format} export"), e.to_string(), None));
        }
        for (k, c) in watchers.iter().enumerate() {
            seen.push((format!("{phase}: socket {k}"), c.log.iter().map(Value::to_string).collect(), if k == 1 { Some(3) } else { None }));
        }
        let mut fresh = ws::connect(&d.base, &id, &w.carol.token, None, None).await.expect("a new socket");
        let hello = fresh.next(Duration::from_secs(5)).await.unwrap_or_default();
        seen.push((format!("{phase}: a new socket's hello"), hello.to_string(), Some(2)));
        fresh.close().await;
        for (what, text, own) in &seen {
            outputs += 1;
            bytes += text.len();
            for (a, (_, _, ids)) in authors.iter().enumerate() {
                if Some(a) != *own && ids.iter().any(|s| !s.is_empty() && text.contains(s.as_str())) {
                    leaks.push(format!("{what} names author {a}"));
                }
            }
            if text.contains("\"author\"") {
                leaks.push(format!("{what} has an author field"));
            }
        }
    }
    let messages: usize = watchers.iter().map(|c| c.log.len()).sum();
    v.check(leaks.is_empty(), || format!("{} leaks, e.g. {:?}", leaks.len(), leaks.iter().take(5).collect::<Vec<_>>()));
    // With the mode off a new card names its author; switching it on reaches an open socket.
    let (_, named) = d
        .call("POST", &format!("/api/v1/boards/{id}/cards"), Some(&w.bob.token), Some(json!({ "kind": "text", "text": "signed idea" })))
        .await;
    v.check(named["author"].is_string(), || format!("a card posted with the mode off is named: {named}"));
    watchers[0].drain(Duration::from_millis(300)).await;
    let t0 = Instant::now();
    d.ok("PATCH", &format!("/api/v1/boards/{id}"), Some(&w.alice.token), Some(json!({ "anonymous": true })), 200).await;
    let live = watchers[0].until(Duration::from_secs(5), |m| m["type"] == "board" && m["board"]["anonymous"] == true).await;
    let live_ms = t0.elapsed().as_millis();
    v.check(live.is_some(), || "an open socket did not see the mode switched on within 5 s".into());
    let (_, b) = d.call("GET", &format!("/api/v1/boards/{id}"), Some(&w.carol.token), None).await;
    v.check(!b.to_string().contains("\"author\""), || "the mode on hides every author".into());
    for c in watchers {
        c.close().await;
    }
    v.fig(format!(
        "{} cards posted anonymously by {} people (3 members, {} participants), 20 with comments and likes; {outputs} views, exports and socket logs ({bytes} bytes, {messages} socket messages) read with the mode on and off: {} leaks; mode on seen live in {live_ms} ms",
        card_ids.len(),
        authors.len(),
        d.sizes.anon_participants,
        leaks.len()
    ));
    v
}

/// The state of an export, polled until it is no longer queued or running.
async fn ready_export(d: &Drill, u: &User) -> Option<Value> {
    let (_, e) = d.call("POST", "/api/v1/me/exports", Some(&u.token), Some(json!({}))).await;
    let id = e["id"].as_str()?.to_string();
    for _ in 0..600 {
        let (_, s) = d.call("GET", &format!("/api/v1/me/exports/{id}"), Some(&u.token), None).await;
        match s["state"].as_str() {
            Some("queued" | "running") => tokio::time::sleep(Duration::from_millis(100)).await,
            _ => return Some(s),
        }
    }
    None
}

/// Item 6: `export_owners` people export their data; the download is tried by another account,
/// by a signed-out client, and by the owner after each way of revoking it (sign-out everywhere,
/// password change, erasure, in turn). A client without a session may get 401 (the download
/// needs the owner's session); anyone else 404 or 410. Returns the first archive (the bombs'
/// control import).
pub(crate) async fn export_links(d: &Drill, w: &World) -> (Verdict, Vec<u8>) {
    let mut v = Verdict::new("6. export downloads: only the owner, and not after revocation");
    let (mut owner_ok, mut other, mut signed_out, mut zip) = (0, Vec::new(), Vec::new(), Vec::new());
    let mut after: BTreeMap<&str, Vec<u16>> = BTreeMap::new();
    let started = Instant::now();
    for i in 0..d.sizes.export_owners {
        let mut u = d.new_user().await;
        d.ok("POST", "/api/v1/boards", Some(&u.token), Some(json!({ "title": canary("Export") })), 201).await;
        let Some(status) = ready_export(d, &u).await else {
            v.problems.push(format!("owner {i}: the export was not ready within a minute"));
            continue;
        };
        let Some(url) = status["download_url"].as_str().map(str::to_string) else {
            v.problems.push(format!("owner {i}: a ready export has no download: {status}"));
            continue;
        };
        if let Some((_, token)) = url.split_once("token=") {
            d.plant("export download", token, false);
        }
        let (s, bytes) = fetch(d, &url, &u.token).await;
        if s == 200 && bytes.starts_with(b"PK") {
            owner_ok += 1;
            if zip.is_empty() {
                zip = bytes;
            }
        }
        other.push(fetch(d, &url, &w.bob.token).await.0);
        signed_out.push(Drill::send(d.req("GET", &url, None)).await.0);
        let way = ["sign-out everywhere", "password change", "erasure"][i % 3];
        match way {
            "sign-out everywhere" => {
                let (s, _) = d.call("DELETE", "/api/v1/sessions", Some(&u.token), None).await;
                v.check((200..300).contains(&s), || format!("sign-out everywhere answered {s}"));
                after.entry("old session after sign-out everywhere").or_default().push(fetch(d, &url, &u.token).await.0);
                let (token, _) = d.sign_in(&u.email, &u.password).await.expect("the owner signs in again");
                d.plant("session token", &token, false);
                after.entry("owner signed in again after sign-out everywhere").or_default().push(fetch(d, &url, &token).await.0);
            }
            "password change" => {
                let new = format!("another passphrase {}", canary("Pw"));
                d.plant("password", &new, false);
                let (s, r) = d
                    .call("PATCH", "/api/v1/me", Some(&u.token), Some(json!({ "new_password": new, "current_password": u.password })))
                    .await;
                v.check(s == 200, || format!("password change answered {s}: {r}"));
                u.password = new;
                after.entry("owner after a password change").or_default().push(fetch(d, &url, &u.token).await.0);
            }
            _ => {
                let (s, r) = d.call("DELETE", "/api/v1/me", Some(&u.token), Some(json!({ "password": u.password }))).await;
                v.check(s == 200, || format!("erasure answered {s}: {r}"));
                after.entry("old session after erasure").or_default().push(fetch(d, &url, &u.token).await.0);
            }
        }
        after.entry("signed-out client after revocation").or_default().push(Drill::send(d.req("GET", &url, None)).await.0);
    }
    let n = d.sizes.export_owners;
    v.check(owner_ok == n, || format!("the owner downloaded {owner_ok} of {n} exports (positive control)"));
    v.check(other.iter().all(|s| [404, 410].contains(s)), || format!("another account got {}", hist(&other)));
    v.check(signed_out.iter().all(|s| [401, 404, 410].contains(s)), || format!("a signed-out client got {}", hist(&signed_out)));
    for (what, statuses) in &after {
        let allowed: &[u16] = if what.starts_with("owner") { &[404, 410] } else { &[401, 404, 410] };
        v.check(statuses.iter().all(|s| allowed.contains(s)), || format!("{what} got {}", hist(statuses)));
    }
    v.fig(format!(
        "{n} exports ready and downloaded by their owners: {owner_ok} ({:.1} s with sign-ups); another account: {}; signed out: {}",
        started.elapsed().as_secs_f64(),
        hist(&other),
        hist(&signed_out)
    ));
    v.fig(after.iter().map(|(k, s)| format!("{k}: {}", hist(s))).collect::<Vec<_>>().join("; "));
    (v, zip)
}
