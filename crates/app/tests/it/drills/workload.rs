//! The mixed write load the crash and soak drills run, and the ledger of what the server
//! acknowledged (or left in doubt when it was killed).

use super::*;

/// What a request came to.
pub(super) enum Outcome {
    /// A 2xx and its JSON body (Null when there is none): acknowledged.
    Ok(Value),
    /// The server answered something else; nothing is acknowledged.
    Refused(u16, String),
    /// No answer (killed, reset, timed out): the write may or may not have happened.
    InDoubt(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Owner {
    Worker(usize),
    Throwaway(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Deleted {
    No,
    Yes,
    /// A delete was in flight at the kill.
    Maybe,
}

#[derive(Debug, Clone)]
pub(super) struct CardRec {
    pub(super) owner: Owner,
    pub(super) text: String,
    /// A change in flight at the kill: the card may hold either text.
    pub(super) in_doubt_text: Option<String>,
    pub(super) deleted: Deleted,
    /// The restart after which it was acknowledged (checked in full once, sampled after).
    pub(super) cycle: u32,
}

#[derive(Debug, Clone, Default)]
pub(super) struct ConsentRec {
    pub(super) granted: Option<bool>,
    pub(super) in_doubt: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Life {
    Alive,
    /// DELETE /api/v1/me was in flight at the kill.
    Erasing,
    /// Acknowledged: the key is destroyed, everything must be gone.
    Erased,
}

#[derive(Debug, Clone)]
pub(super) struct Throwaway {
    pub(super) email: String,
    pub(super) password: String,
    pub(super) token: Option<String>,
    pub(super) card: Option<String>,
    pub(super) life: Life,
    pub(super) cycle: u32,
}

#[derive(Debug, Clone)]
pub(super) struct ExportRec {
    pub(super) worker: usize,
    pub(super) id: String,
    pub(super) ready: bool,
}

#[derive(Debug, Default)]
pub(super) struct Ledger {
    pub(super) cards: HashMap<String, CardRec>,
    pub(super) consents: HashMap<usize, ConsentRec>,
    pub(super) exports: Vec<ExportRec>,
    pub(super) throwaways: Vec<Throwaway>,
    pub(super) acked: HashMap<&'static str, u64>,
    /// Things seen at restarts that are not failures (interrupted erasures, say).
    pub(super) observed: HashMap<&'static str, u64>,
}

impl Ledger {
    pub(super) fn ack(&mut self, kind: &'static str) {
        *self.acked.entry(kind).or_default() += 1;
    }
}

#[derive(Debug, Clone)]
pub(super) struct Person {
    pub(super) token: String,
    pub(super) email: String,
    pub(super) password: String,
}

/// The people and places of the load: a host who owns an organisation and its board, and one
/// member per worker; throwaway people join, post and erase themselves.
pub(super) struct World {
    pub(super) host: Person,
    pub(super) org: String,
    pub(super) board: String,
    pub(super) workers: Vec<Person>,
    pub(super) http: reqwest::Client,
    pub(super) ip_counter: AtomicU64,
}

#[derive(Debug, Default, Clone)]
pub(super) struct Tally {
    pub(super) requests: u64,
    pub(super) errors: Vec<String>,
}

impl World {
    /// A made-up client address (documentation range), new for every call.
    pub(super) fn next_ip(&self) -> String {
        let n = self.ip_counter.fetch_add(1, Ordering::Relaxed);
        format!("2001:db8::{:x}:{:x}", n >> 16, n & 0xffff)
    }

    pub(super) async fn call(&self, base: &str, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Outcome {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self.http.request(m, format!("{base}{path}")).header("x-forwarded-for", self.next_ip());
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        match rb.send().await {
            Err(e) => Outcome::InDoubt(e.to_string()),
            Ok(res) => {
                let status = res.status().as_u16();
                match res.bytes().await {
                    Err(e) if (200..300).contains(&status) => Outcome::InDoubt(format!("{status} with an unreadable body: {e}")),
                    Err(e) => Outcome::Refused(status, e.to_string()),
                    Ok(bytes) if (200..300).contains(&status) => Outcome::Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null)),
                    Ok(bytes) => Outcome::Refused(status, String::from_utf8_lossy(&bytes).chars().take(300).collect()),
                }
            }
        }
    }

    pub(super) async fn sign_up(http: &reqwest::Client, base: &str, tag: &str, ip: String) -> Person {
        let email = format!("{}@example.test", canary(tag).to_lowercase());
        let password = format!("drill password {}", canary("P"));
        let body = json!({ "email": email, "password": password, "first_name": canary("F"), "last_name": canary("L"), "birth_date": "1990-05-17" });
        let res = http.post(format!("{base}/api/v1/accounts")).header("x-forwarded-for", &ip).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 201, "sign-up: {}", res.text().await.unwrap_or_default());
        let res = http
            .post(format!("{base}/api/v1/sessions"))
            .header("x-forwarded-for", &ip)
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let v: Value = res.json().await.unwrap();
        Person { token: v["token"].as_str().unwrap().to_string(), email, password }
    }

    pub(super) async fn setup(base: &str, workers: usize) -> World {
        let http = client();
        let host = Self::sign_up(&http, base, "Host", "2001:db8:1::1".into()).await;
        let org: Value = http
            .post(format!("{base}/api/v1/orgs"))
            .bearer_auth(&host.token)
            .json(&json!({ "name": "Drill team" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let org = org["id"].as_str().expect("org id").to_string();
        let board: Value = http
            .post(format!("{base}/api/v1/boards"))
            .bearer_auth(&host.token)
            .json(&json!({ "title": "Drill board", "org_id": org }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let board = board["id"].as_str().expect("board id").to_string();
        let mut people = Vec::new();
        for i in 0..workers {
            let p = Self::sign_up(&http, base, "Worker", format!("2001:db8:2::{i:x}")).await;
            let inv: Value = http
                .post(format!("{base}/api/v1/orgs/{org}/invitations"))
                .bearer_auth(&host.token)
                .json(&json!({ "role": "member" }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let res = http
                .post(format!("{base}/api/v1/invitations/accept"))
                .bearer_auth(&p.token)
                .json(&json!({ "token": inv["token"] }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            people.push(p);
        }
        World { host, org, board, workers: people, http, ip_counter: AtomicU64::new(1) }
    }
}

/// The mix of operations. `reads` adds read traffic (the soak); the crash drill only writes
/// and reads back afterwards.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mix {
    pub(super) reads: bool,
    /// Per worker: above this many live cards, a create becomes a delete (keeps boards bounded).
    pub(super) max_cards: usize,
}

/// What every worker of one run shares: the world, the server, the cycle, the mix, the ledger,
/// and the flags that stop the run and say the server is being killed.
#[derive(Clone)]
pub(super) struct Workload {
    pub(super) world: Arc<World>,
    pub(super) base: String,
    pub(super) cycle: u32,
    pub(super) mix: Mix,
    pub(super) ledger: Arc<Mutex<Ledger>>,
    pub(super) stop: Arc<AtomicBool>,
    pub(super) killed: Arc<AtomicBool>,
}

/// One worker's loop: random operations until `stop`, or until a request gets no answer (the
/// server was killed). Every acknowledged write goes into the ledger; every write in flight
/// when the answer did not come is marked in doubt.
pub(super) async fn worker_loop(run: Workload, w: usize, seed: u64) -> Tally {
    let Workload { world, base, cycle, mix, ledger, stop, killed } = run;
    let mut rng = Rng::seeded(seed);
    let mut tally = Tally::default();
    let me = world.workers[w].clone();
    let mut n = 0u64;
    // An answer that is not an acknowledgement, where one was expected: an error, unless the
    // server is being killed.
    macro_rules! refused {
        ($what:expr, $status:expr, $body:expr) => {{
            tally.errors.push(format!("worker {w}: {}: {} {}", $what, $status, $body));
        }};
    }
    macro_rules! in_doubt {
        ($what:expr, $why:expr) => {{
            if !killed.load(Ordering::SeqCst) {
                tally.errors.push(format!("worker {w}: {}: no answer while the server was up: {}", $what, $why));
            }
            return tally;
        }};
    }
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        tally.requests += 1;
        let roll = rng.below(100);
        let own_cards: Vec<String> = {
            let l = ledger.lock().unwrap();
            l.cards
                .iter()
                .filter(|(_, c)| c.owner == Owner::Worker(w) && c.deleted == Deleted::No && c.in_doubt_text.is_none())
                .map(|(id, _)| id.clone())
                .collect()
        };
        let pick = |rng: &mut Rng| -> Option<String> {
            if own_cards.is_empty() {
                None
            } else {
                let mut ids = own_cards.clone();
                ids.sort();
                Some(ids[rng.below(ids.len() as u64) as usize].clone())
            }
        };
        if mix.reads && roll < 30 {
            // Reads: a card, the board, my consents, my profile.
            let path = match rng.below(4) {
                0 => pick(&mut rng).map(|id| format!("/api/v1/cards/{id}")).unwrap_or_else(|| "/api/v1/me".into()),
                1 => format!("/api/v1/boards/{}", world.board),
                2 => "/api/v1/me/consents".into(),
                _ => "/api/v1/me".into(),
            };
            match world.call(&base, "GET", &path, Some(&me.token), None).await {
                Outcome::Ok(_) => {}
                Outcome::Refused(s, b) => refused!(format!("GET {path}"), s, b),
                Outcome::InDoubt(e) => in_doubt!(format!("GET {path}"), e),
            }
            continue;
        }
        let roll = rng.below(100);
        if roll < 40 || (roll < 60 && own_cards.is_empty()) {
            // Create a card, or delete one when this worker has enough.
            if own_cards.len() >= mix.max_cards {
                let id = pick(&mut rng).unwrap();
                ledger.lock().unwrap().cards.get_mut(&id).unwrap().deleted = Deleted::Maybe;
                match world.call(&base, "DELETE", &format!("/api/v1/cards/{id}"), Some(&me.token), None).await {
                    Outcome::Ok(_) => {
                        let mut l = ledger.lock().unwrap();
                        l.cards.get_mut(&id).unwrap().deleted = Deleted::Yes;
                        l.ack("card deleted");
                    }
                    Outcome::Refused(s, b) => {
                        ledger.lock().unwrap().cards.get_mut(&id).unwrap().deleted = Deleted::No;
                        refused!("delete a card", s, b)
                    }
                    Outcome::InDoubt(e) => in_doubt!("delete a card", e),
                }
                continue;
            }
            let text = format!("w{w} c{cycle} n{n} {}", canary("Card"));
            match world
                .call(
                    &base,
                    "POST",
                    &format!("/api/v1/boards/{}/cards", world.board),
                    Some(&me.token),
                    Some(json!({ "kind": "text", "text": text })),
                )
                .await
            {
                Outcome::Ok(v) => {
                    let id = v["id"].as_str().unwrap_or_default().to_string();
                    let mut l = ledger.lock().unwrap();
                    l.cards.insert(id, CardRec { owner: Owner::Worker(w), text, in_doubt_text: None, deleted: Deleted::No, cycle });
                    l.ack("card created");
                }
                Outcome::Refused(s, b) => refused!("create a card", s, b),
                Outcome::InDoubt(e) => in_doubt!("create a card", e),
            }
        } else if roll < 60 {
            // Change a card's text (one writer per card, so the last acknowledged text wins).
            let id = pick(&mut rng).unwrap();
            let text = format!("w{w} c{cycle} n{n} edited {}", canary("Edit"));
            ledger.lock().unwrap().cards.get_mut(&id).unwrap().in_doubt_text = Some(text.clone());
            match world.call(&base, "PATCH", &format!("/api/v1/cards/{id}"), Some(&me.token), Some(json!({ "text": text }))).await {
                Outcome::Ok(_) => {
                    let mut l = ledger.lock().unwrap();
                    let c = l.cards.get_mut(&id).unwrap();
                    c.text = text;
                    c.in_doubt_text = None;
                    l.ack("card changed");
                }
                Outcome::Refused(s, b) => {
                    ledger.lock().unwrap().cards.get_mut(&id).unwrap().in_doubt_text = None;
                    refused!("change a card", s, b)
                }
                Outcome::InDoubt(e) => in_doubt!("change a card", e),
            }
        } else if roll < 78 {
            // A consent choice (given or withdrawn), recorded with its proof.
            let granted = rng.below(2) == 0;
            ledger.lock().unwrap().consents.entry(w).or_default().in_doubt = Some(granted);
            match world
                .call(&base, "PUT", "/api/v1/me/consents", Some(&me.token), Some(json!({ "purpose": "marketing", "granted": granted })))
                .await
            {
                Outcome::Ok(_) => {
                    let mut l = ledger.lock().unwrap();
                    let c = l.consents.entry(w).or_default();
                    c.granted = Some(granted);
                    c.in_doubt = None;
                    l.ack("consent recorded");
                }
                Outcome::Refused(s, b) => {
                    ledger.lock().unwrap().consents.entry(w).or_default().in_doubt = None;
                    refused!("record a consent", s, b)
                }
                Outcome::InDoubt(e) => in_doubt!("record a consent", e),
            }
        } else if roll < 88 {
            // An export of all my data (409 while another of mine is being prepared).
            match world.call(&base, "POST", "/api/v1/me/exports", Some(&me.token), None).await {
                Outcome::Ok(v) => {
                    let id = v["id"].as_str().unwrap_or_default().to_string();
                    let mut l = ledger.lock().unwrap();
                    l.exports.push(ExportRec { worker: w, id, ready: false });
                    l.ack("export requested");
                }
                Outcome::Refused(409, _) => {}
                Outcome::Refused(s, b) => refused!("request an export", s, b),
                Outcome::InDoubt(e) => in_doubt!("request an export", e),
            }
        } else {
            // A throwaway person: signs up, joins the team, posts a card, erases themselves.
            let email = format!("{}@example.test", canary("Gone").to_lowercase());
            let password = format!("throwaway password {}", canary("P"));
            let body = json!({ "email": email, "password": password, "first_name": canary("F"), "last_name": canary("L"), "birth_date": "1990-05-17" });
            match world.call(&base, "POST", "/api/v1/accounts", None, Some(body)).await {
                Outcome::Ok(_) => {}
                Outcome::Refused(s, b) => {
                    refused!("sign up", s, b);
                    continue;
                }
                Outcome::InDoubt(e) => in_doubt!("sign up", e),
            }
            let t = {
                let mut l = ledger.lock().unwrap();
                l.ack("account created");
                l.throwaways.push(Throwaway {
                    email: email.clone(),
                    password: password.clone(),
                    token: None,
                    card: None,
                    life: Life::Alive,
                    cycle,
                });
                l.throwaways.len() - 1
            };
            let token =
                match world.call(&base, "POST", "/api/v1/sessions", None, Some(json!({ "email": email, "password": password }))).await {
                    Outcome::Ok(v) => v["token"].as_str().unwrap_or_default().to_string(),
                    Outcome::Refused(s, b) => {
                        refused!("sign in", s, b);
                        continue;
                    }
                    Outcome::InDoubt(e) => in_doubt!("sign in", e),
                };
            {
                let mut l = ledger.lock().unwrap();
                l.throwaways[t].token = Some(token.clone());
                l.ack("session opened");
            }
            let inv = match world
                .call(
                    &base,
                    "POST",
                    &format!("/api/v1/orgs/{}/invitations", world.org),
                    Some(&world.host.token),
                    Some(json!({ "role": "member" })),
                )
                .await
            {
                Outcome::Ok(v) => v["token"].as_str().unwrap_or_default().to_string(),
                Outcome::Refused(s, b) => {
                    refused!("invite", s, b);
                    continue;
                }
                Outcome::InDoubt(e) => in_doubt!("invite", e),
            };
            match world.call(&base, "POST", "/api/v1/invitations/accept", Some(&token), Some(json!({ "token": inv }))).await {
                Outcome::Ok(_) => {}
                Outcome::Refused(s, b) => {
                    refused!("accept an invitation", s, b);
                    continue;
                }
                Outcome::InDoubt(e) => in_doubt!("accept an invitation", e),
            }
            let text = format!("t{t} {}", canary("GoneCard"));
            match world
                .call(
                    &base,
                    "POST",
                    &format!("/api/v1/boards/{}/cards", world.board),
                    Some(&token),
                    Some(json!({ "kind": "text", "text": text })),
                )
                .await
            {
                Outcome::Ok(v) => {
                    let id = v["id"].as_str().unwrap_or_default().to_string();
                    let mut l = ledger.lock().unwrap();
                    l.cards
                        .insert(id.clone(), CardRec { owner: Owner::Throwaway(t), text, in_doubt_text: None, deleted: Deleted::No, cycle });
                    l.throwaways[t].card = Some(id);
                    l.ack("card created");
                }
                Outcome::Refused(s, b) => {
                    refused!("create a card (throwaway)", s, b);
                    continue;
                }
                Outcome::InDoubt(e) => in_doubt!("create a card (throwaway)", e),
            }
            ledger.lock().unwrap().throwaways[t].life = Life::Erasing;
            match world.call(&base, "DELETE", "/api/v1/me", Some(&token), Some(json!({ "password": password }))).await {
                Outcome::Ok(v) => {
                    let mut l = ledger.lock().unwrap();
                    if v["deleted"] == true && v["key_destroyed"] == true {
                        l.throwaways[t].life = Life::Erased;
                        l.ack("erasure");
                    } else {
                        drop(l);
                        refused!("erase an account", 200, v);
                    }
                }
                Outcome::Refused(s, b) => {
                    ledger.lock().unwrap().throwaways[t].life = Life::Alive;
                    refused!("erase an account", s, b)
                }
                Outcome::InDoubt(e) => in_doubt!("erase an account", e),
            }
        }
    }
    tally
}

/// Runs the workers against `base` until `stop` is set; returns their tallies.
pub(super) fn spawn_workers(run: &Workload, rng: &mut Rng) -> Vec<tokio::task::JoinHandle<Tally>> {
    (0..run.world.workers.len()).map(|w| tokio::spawn(worker_loop(run.clone(), w, rng.next()))).collect()
}
