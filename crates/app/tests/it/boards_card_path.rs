//! The card path (issue 12, acceptance 6), measured.
//!
//! In process: the core service built on the real stores of either backend (no HTTP server),
//! with a key store that counts every key read, and the tally of what each call seals and
//! opens (`clearboard_core::boards::sealing::tallied`). Adding a card reads its author's key
//! once and never opens what it just sealed; a move opens no comment and reads no commenter's
//! key.
//!
//! Through the server, on PostgreSQL: the SQL statements one request runs, each a round trip,
//! read from the test log, where every statement carries its request's id (SQLite runs its
//! statements on a worker thread, outside the request's span, so that count is PostgreSQL's).

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use clearboard_core::boards::sealing::{Tally, tallied};
use clearboard_core::boards::{BoardPatch, CardPatch, NewCard};
use clearboard_core::identity::accounts::NewAccount;
use clearboard_core::identity::principal::Principal;
use clearboard_core::platform::clock::{Clock, Millis, SimClock};
use clearboard_core::platform::context::{Clearboard, Settings};
use clearboard_core::platform::ids::{BoardId, SubjectId};
use clearboard_core::platform::ports::{KeyStore, StoreResult};
use clearboard_store::platform::layout::{Layout, RegionLocation};
use clearboard_testkit::spawn::START_MS;
use clearboard_testkit::{logs, pg};

use super::*;
use crate::boards::{add_text, fixture, json_ok, req};

/// The region's key store, counting whose keys are read.
#[derive(Debug)]
struct CountingKeys {
    inner: Arc<dyn KeyStore>,
    reads: Mutex<Vec<SubjectId>>,
}

impl CountingKeys {
    /// The reads since the last call, and starts again.
    fn take(&self) -> Vec<SubjectId> {
        std::mem::take(&mut *self.reads.lock().unwrap())
    }
}

#[async_trait]
impl KeyStore for CountingKeys {
    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }
    async fn put(&self, subject: &SubjectId, key_id: u32, wrapped: &[u8], at: Millis) -> StoreResult<()> {
        self.inner.put(subject, key_id, wrapped, at).await
    }
    async fn get(&self, subject: &SubjectId, key_id: u32) -> StoreResult<Option<Vec<u8>>> {
        self.reads.lock().unwrap().push(subject.clone());
        self.inner.get(subject, key_id).await
    }
    async fn destroy(&self, subject: &SubjectId, at: Millis) -> StoreResult<()> {
        self.inner.destroy(subject, at).await
    }
    async fn discard(&self, subject: &SubjectId) -> StoreResult<()> {
        self.inner.discard(subject).await
    }
    async fn tombstone(&self, subject: &SubjectId) -> StoreResult<Option<Millis>> {
        self.inner.tombstone(subject).await
    }
    async fn tombstones(&self) -> StoreResult<Vec<(SubjectId, Millis)>> {
        self.inner.tombstones().await
    }
}

/// The core service on real stores, in this process.
struct Domain {
    cb: Clearboard,
    keys: Arc<CountingKeys>,
    _dir: tempfile::TempDir,
    pg_prefix: Option<String>,
}

impl Drop for Domain {
    fn drop(&mut self) {
        if let Some(p) = self.pg_prefix.take() {
            pg::drop_prefix_blocking(p, Vec::new());
        }
    }
}

async fn domain(backend: Backend) -> Domain {
    logs::init();
    let dir = tempfile::tempdir().unwrap();
    let pg_prefix = (backend == Backend::Postgres).then(pg::new_prefix);
    let layout = Layout {
        data_dir: dir.path().join("data"),
        database_url: pg_prefix.as_deref().map(pg::url_for),
        regions: ["eu", "us"].iter().map(|id| RegionLocation { id: (*id).into(), ..Default::default() }).collect(),
    };
    let clock = SimClock::at(START_MS);
    let ring = Arc::new(clearboard_vault::Kek::generate().unwrap().keyring());
    let opened = layout.open(ring.clone(), clock.now_ms()).await.unwrap();
    let mut regions = opened.regions.clone();
    let eu = regions.iter_mut().find(|r| r.id.as_str() == "eu").unwrap();
    let keys = Arc::new(CountingKeys { inner: eu.keys.clone(), reads: Mutex::new(Vec::new()) });
    let mut stores = clearboard_core::RegionStores::clone(eu);
    stores.keys = keys.clone();
    *eu = clearboard_core::RegionHandle::new(stores);
    let policy = Arc::new(clearboard_policy::Policy::default_policy().unwrap());
    let cb = Clearboard::new(policy, Arc::new(clock), ring, opened.directory.clone(), regions, Settings::default()).unwrap();
    Domain { cb, keys, _dir: dir, pg_prefix }
}

async fn person(d: &Domain, first: &str, last: &str) -> Principal {
    let p =
        d.cb.accounts()
            .sign_up(NewAccount {
                email: canary_email(first),
                password: zeroize::Zeroizing::new("a long card path password".into()),
                first_name: first.into(),
                last_name: last.into(),
                birth_date: Some("1990-01-01".into()),
                region: Some("eu".into()),
                ..Default::default()
            })
            .await
            .unwrap();
    Principal { subject: p.id, region: p.region, token_hash: Vec::new() }
}

fn text_card(text: &str) -> NewCard {
    NewCard { kind: "text".into(), text: Some(text.into()), ..Default::default() }
}

fn names(t: &[String]) -> Vec<&str> {
    t.iter().map(String::as_str).collect()
}

both!(boards_card_path_acceptance_6_one_key_read_nothing_opened_again, |b| async move {
    let d = domain(b).await;
    let ada = person(&d, "Ada", "Lovelace").await;
    let board = d.cb.boards().create_board(&ada, None, "Retro").await.unwrap();
    let board: BoardId = board.board.id;

    // Adding a card: the author's key is read once; the text is sealed once and not opened
    // again; the only envelopes opened are the author's name (the card is signed "Ada L.").
    d.keys.take();
    let text = canary("CardPath");
    let (view, tally): (_, Tally) = tallied(d.cb.boards().add_card(&ada, &board, text_card(&text))).await;
    let view = view.unwrap();
    let reads = d.keys.take();
    eprintln!("card path ({b:?}): add a card: key reads {reads:?}, sealed {:?}, opened {:?}", tally.sealed, tally.opened);
    assert_eq!(reads, vec![ada.subject.clone()], "the author's key, read once");
    assert_eq!(names(&tally.sealed), ["cards.body"], "sealed once");
    assert_eq!(names(&tally.opened), ["accounts.first_name", "accounts.last_name"], "only the author's name is opened");
    assert_eq!((view.card.text.as_str(), view.card.author.as_deref(), view.mine), (text.as_str(), Some("Ada L."), true));
    let card = view.card.id.clone();

    // On an anonymous board nothing at all is opened.
    d.cb.boards().update_board(&ada, &board, BoardPatch { anonymous: Some(true), ..Default::default() }).await.unwrap();
    d.keys.take();
    let (view, tally) = tallied(d.cb.boards().add_card(&ada, &board, text_card("Unsigned"))).await;
    assert_eq!(view.unwrap().card.author, None);
    assert_eq!(d.keys.take(), vec![ada.subject.clone()], "the author's key, read once");
    assert_eq!((names(&tally.sealed), tally.opened.len()), (vec!["cards.body"], 0), "anonymous: nothing opened");
    d.cb.boards().update_board(&ada, &board, BoardPatch { anonymous: Some(false), ..Default::default() }).await.unwrap();

    // A participant's card: their key, once; their pseudonym is the only thing opened.
    let code = d.cb.boards().open(&ada, &board).await.unwrap().0.join_code.unwrap();
    let pseudonym = canary("Pseudo");
    let guest = d.cb.boards().join(&code, &pseudonym).await.unwrap().principal;
    d.keys.take();
    let (view, tally) = tallied(d.cb.boards().add_card(&guest, &board, text_card("From a guest"))).await;
    assert_eq!(view.unwrap().card.author.as_deref(), Some(pseudonym.as_str()));
    assert_eq!(d.keys.take(), vec![guest.subject.clone()]);
    assert_eq!((names(&tally.sealed), names(&tally.opened)), (vec!["cards.body"], vec!["participants.pseudonym"]));

    // A move of a card with comments and reactions: no comment is opened, no commenter's key
    // read, the reactions are not read (the answer and the event carry no tallies).
    d.cb.boards().comment(&guest, &card, &canary("Comment")).await.unwrap();
    d.cb.boards().comment(&ada, &card, "Mine too").await.unwrap();
    d.cb.boards().like(&guest, &card, true).await.unwrap();
    d.keys.take();
    let patch = CardPatch { x: Some(300), y: Some(120), ..Default::default() };
    let (moved, tally) = tallied(d.cb.boards().update_card(&ada, &card, patch)).await;
    let moved = moved.unwrap();
    let reads = d.keys.take();
    eprintln!("card path ({b:?}): move a card with 2 comments: key reads {reads:?}, sealed {:?}, opened {:?}", tally.sealed, tally.opened);
    assert!(!tally.opened.iter().any(|o| o.starts_with("comments.")), "a move opens no comment: {:?}", tally.opened);
    assert_eq!(reads, vec![ada.subject.clone()], "only the card's author's key (its text and name)");
    assert_eq!((moved.card.x, moved.card.y, moved.card.version), (300, 120, 2));
    assert!(moved.comments.is_none() && moved.card.tallies.is_none() && moved.reactions.is_none());
    assert_eq!(tally.sealed.len(), 0, "nothing to seal on a move");

    // An edit seals the new text once and builds the view from it.
    d.keys.take();
    let patch = CardPatch { text: Some("Edited".into()), ..Default::default() };
    let (edited, tally) = tallied(d.cb.boards().update_card(&ada, &card, patch)).await;
    assert_eq!(edited.unwrap().card.text, "Edited");
    assert_eq!(d.keys.take(), vec![ada.subject.clone()]);
    assert_eq!((names(&tally.sealed), names(&tally.opened)), (vec!["cards.body"], vec!["accounts.first_name", "accounts.last_name"]));

    // The full view still has everything.
    let full = d.cb.boards().card(&ada, &card).await.unwrap();
    assert_eq!((full.comments.map(|c| c.len()), full.card.tallies.map(|t| t.likes)), (Some(2), Some(1)));
});

/// The SQL statements (each a round trip) one request ran, from the test log.
fn statements_of(request_id: &str) -> Vec<String> {
    let log = String::from_utf8_lossy(&logs::contents()).into_owned();
    log.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["target"] == "sqlx::query" && e["span"]["request_id"] == request_id)
        .map(|e| match e["fields"]["db.statement"].as_str().unwrap_or_default().trim() {
            // A transaction's end is logged without a statement (its start is not logged).
            "" => e["fields"]["summary"].as_str().unwrap_or_default().to_string(),
            s => s.to_string(),
        })
        .collect()
}

fn request_id(res: &reqwest::Response) -> String {
    res.headers()["x-request-id"].to_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boards_card_path_round_trips_postgres() {
    if !pg::available().await {
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let f = fixture(&app).await;
    let card = add_text(&app, &f.board, &f.bob.token, "Warm-up").await["id"].as_str().unwrap().to_string();
    let res = app
        .post_json(&format!("/api/v1/boards/{}/cards", f.board), &json!({ "kind": "text", "text": "Counted" }), Some(&f.bob.token))
        .await;
    let id = request_id(&res);
    json_ok(res, 201).await;
    let add = statements_of(&id);
    let key_reads = add.iter().filter(|s| s.contains("FROM subject_keys")).count();
    eprintln!("card path (Postgres): POST a card: {} statements, {key_reads} key read(s):\n  {}", add.len(), add.join("\n  "));
    assert_eq!(key_reads, 1, "the author's key, read once");
    // Measured when the path was straightened (issue 12): 16 statements before, 10 after
    // (session, board index, board, participant, membership, key, insert, sequence, commit,
    // the author's name). More is a regression of the card path.
    assert!(add.len() <= 10, "{} statements to add a card", add.len());
    assert!(
        !add.iter().any(|s| s.contains("card_likes") || s.contains("card_votes") || s.contains("FROM comments")),
        "a new card has no reactions to read"
    );

    // A move: reactions and comments are not read.
    json_ok(app.post_json(&format!("/api/v1/cards/{card}/comments"), &json!({ "text": "A comment" }), Some(&f.carol.token)).await, 201)
        .await;
    json_ok(req(&app, "PUT", &format!("/api/v1/cards/{card}/like"), Some(&f.carol.token), None).await, 200).await;
    let res = req(&app, "PATCH", &format!("/api/v1/cards/{card}"), Some(&f.bob.token), Some(json!({ "x": 300, "y": 40 }))).await;
    let id = request_id(&res);
    let moved = json_ok(res, 200).await;
    assert_eq!(moved["x"], 300);
    let stmts = statements_of(&id);
    eprintln!("card path (Postgres): PATCH a move: {} statements:\n  {}", stmts.len(), stmts.join("\n  "));
    for s in &stmts {
        assert!(!s.contains("card_likes") && !s.contains("card_votes") && !s.contains("FROM comments"), "a move touched {s}");
    }
    assert!(!stmts.is_empty(), "the request's statements were found in the log");
    assert_eq!(stmts.iter().filter(|s| s.contains("FROM subject_keys")).count(), 1, "the card author's key, read once");
}
