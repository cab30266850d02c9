//! Acceptance 5: `audit verify` passes on an untouched log and detects every one of ≥ 1,000
//! random tamperings made directly in the database (byte changes in every column, deletions,
//! reorderings, truncations, checkpoint forgeries), on both backends.

use super::*;
use clearboard_store::Db;
use clearboard_store::platform::audit::{AuditRec, CheckpointRec, SELECT_CHAIN, SELECT_CHECKPOINT};
use clearboard_vault::audit::Checkpoint;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One tampering, as SQL statements with their values.
#[derive(Debug, Clone)]
enum Val {
    I(i64),
    T(Option<String>),
    B(Vec<u8>),
}

#[derive(Debug, Clone)]
struct Stmt {
    sql: String,
    binds: Vec<Val>,
}

fn change_text(s: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return "x".into();
    }
    let i = rng.below(chars.len());
    chars[i] = if chars[i] == 'q' { 'z' } else { 'q' };
    chars.into_iter().collect()
}

fn row_values(r: &AuditRec) -> Vec<(&'static str, Val)> {
    vec![
        ("at_ms", Val::I(r.at_ms)),
        ("actor", Val::T(Some(r.actor.clone()))),
        ("action", Val::T(Some(r.action.clone()))),
        ("subject", Val::T(r.subject.clone())),
        ("purpose", Val::T(r.purpose.clone())),
        ("detail", Val::T(Some(r.detail.clone()))),
        ("prev_hash", Val::B(r.prev_hash.clone())),
        ("hash", Val::B(r.hash.clone())),
    ]
}

fn tampering(rows: &[AuditRec], cp: &CheckpointRec, rng: &mut Rng) -> (String, Vec<Stmt>) {
    let n = rows.len();
    match rng.below(7) {
        0 | 1 => {
            let r = &rows[rng.below(n)];
            let cols = row_values(r);
            let (col, val) = &cols[rng.below(cols.len())];
            let new = match val {
                Val::I(v) => Val::I(v ^ (1 << rng.below(40))),
                Val::T(Some(s)) => Val::T(Some(change_text(s, rng))),
                Val::T(None) => Val::T(Some("x".into())),
                Val::B(b) => {
                    let mut b = b.clone();
                    let i = rng.below(b.len());
                    b[i] ^= 1 << rng.below(8);
                    Val::B(b)
                }
            };
            (
                format!("byte change in {col} of entry {}", r.seq),
                vec![Stmt { sql: format!("UPDATE audit SET {col} = $1 WHERE seq = $2"), binds: vec![new, Val::I(r.seq)] }],
            )
        }
        2 => {
            let seq = rows[rng.below(n)].seq;
            (format!("deletion of entry {seq}"), vec![Stmt { sql: "DELETE FROM audit WHERE seq = $1".into(), binds: vec![Val::I(seq)] }])
        }
        3 => {
            let a = rng.below(n);
            let mut b = rng.below(n);
            if a == b {
                b = (a + 1) % n;
            }
            let set = "UPDATE audit SET at_ms = $1, actor = $2, action = $3, subject = $4, purpose = $5, detail = $6, prev_hash = $7, hash = $8 WHERE seq = $9";
            let vals = |r: &AuditRec, seq: i64| {
                let mut v: Vec<Val> = row_values(r).into_iter().map(|(_, v)| v).collect();
                v.push(Val::I(seq));
                v
            };
            (
                format!("swap of entries {} and {}", rows[a].seq, rows[b].seq),
                vec![
                    Stmt { sql: set.into(), binds: vals(&rows[b], rows[a].seq) },
                    Stmt { sql: set.into(), binds: vals(&rows[a], rows[b].seq) },
                ],
            )
        }
        4 => {
            let keep = rng.below(n) as i64;
            (format!("truncation after {keep}"), vec![Stmt { sql: "DELETE FROM audit WHERE seq > $1".into(), binds: vec![Val::I(keep)] }])
        }
        5 => {
            let seq = rows[rng.below(n)].seq;
            (
                format!("renumbering of entry {seq}"),
                vec![Stmt { sql: "UPDATE audit SET seq = seq + 100000 WHERE seq = $1".into(), binds: vec![Val::I(seq)] }],
            )
        }
        _ => {
            let mut mac = cp.mac.clone();
            let mut hash = cp.hash.clone();
            let mut seq = cp.seq;
            match rng.below(3) {
                0 => {
                    let i = rng.below(mac.len());
                    mac[i] ^= 1 << rng.below(8);
                }
                1 => {
                    let i = rng.below(hash.len());
                    hash[i] ^= 1 << rng.below(8);
                }
                _ => seq -= 1 + rng.below(5) as i64,
            }
            (
                "checkpoint forgery".into(),
                vec![Stmt {
                    sql: "UPDATE audit_checkpoint SET seq = $1, hash = $2, mac = $3".into(),
                    binds: vec![Val::I(seq), Val::B(hash), Val::B(mac)],
                }],
            )
        }
    }
}

macro_rules! run_trial {
    ($pool:expr, $disable:expr, $stmts:expr, $chain:expr) => {{
        let mut tx = $pool.begin().await.unwrap();
        for d in $disable {
            sqlx::query(d).execute(&mut *tx).await.unwrap();
        }
        for s in $stmts {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(s.sql.clone()));
            for v in &s.binds {
                q = match v {
                    Val::I(i) => q.bind(*i),
                    Val::T(t) => q.bind(t.clone()),
                    Val::B(b) => q.bind(b.clone()),
                };
            }
            q.execute(&mut *tx).await.unwrap();
        }
        let recs: Vec<AuditRec> = sqlx::query_as(SELECT_CHAIN).fetch_all(&mut *tx).await.unwrap();
        let cp: Option<CheckpointRec> = sqlx::query_as(SELECT_CHECKPOINT).bind($chain).fetch_optional(&mut *tx).await.unwrap();
        tx.rollback().await.unwrap();
        (recs, cp)
    }};
}

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_clearboard"));
    cmd.args(args).env("CLEARBOARD_DATA_DIR", &app.config.data_dir).env("CLEARBOARD_LOG_LEVEL", "warn");
    match &app.config.database_url {
        Some(u) => cmd.env("CLEARBOARD_DATABASE_URL", u),
        None => cmd.env_remove("CLEARBOARD_DATABASE_URL"),
    };
    cmd.output().unwrap()
}

both!(acceptance_5_every_tampering_is_detected, |b| async move {
    let app = spawn_app(b).await;
    // A realistic chain: real activity plus appended events.
    for _ in 0..3 {
        let u = app.new_user().await;
        app.http().patch(app.url("/api/v1/me")).bearer_auth(&u.token).json(&json!({"last_name": "Martin"})).send().await.unwrap();
    }
    let eu = app.state.cb.region(&clearboard_core::platform::ids::RegionId::new("eu")).unwrap().clone();
    for i in 0..150 {
        let d = app.state.cb.audit_draft(
            clearboard_core::platform::audit::Actor::System,
            &format!("test.event{i}"),
            None,
            (i % 2 == 0).then_some("security"),
            json!({"i": i}),
        );
        eu.store.audit_append(d).await.unwrap();
    }
    let out = cli(&app, &["audit", "verify"]);
    assert!(out.status.success(), "untouched log: {}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("region:eu: ok"));

    let chain = "region:eu";
    let ring = app.state.cb.keyring();
    let (_, store, _) = app.opened.region_stores.iter().find(|(id, _, _)| id.as_str() == "eu").unwrap();
    let (rows, cp): (Vec<AuditRec>, CheckpointRec) = match store.db() {
        Db::Sqlite(p, _) => (
            sqlx::query_as(SELECT_CHAIN).fetch_all(p).await.unwrap(),
            sqlx::query_as(SELECT_CHECKPOINT).bind(chain).fetch_one(p).await.unwrap(),
        ),
        Db::Postgres(p) => (
            sqlx::query_as(SELECT_CHAIN).fetch_all(p).await.unwrap(),
            sqlx::query_as(SELECT_CHECKPOINT).bind(chain).fetch_one(p).await.unwrap(),
        ),
    };
    assert!(rows.len() > 150);
    let seed = clearboard_vault::random::bytes::<8>().map(u64::from_le_bytes).unwrap() | 1;
    let mut rng = Rng(seed);
    let trials = 1_000;
    let mut detected = 0;
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for _ in 0..trials {
        let (what, stmts) = tampering(&rows, &cp, &mut rng);
        let (recs, cpr) = match store.db() {
            Db::Sqlite(p, _) => run_trial!(p, ["DROP TRIGGER audit_no_update", "DROP TRIGGER audit_no_delete"], &stmts, chain),
            Db::Postgres(p) => run_trial!(p, ["ALTER TABLE audit DISABLE TRIGGER USER"], &stmts, chain),
        };
        let records: Vec<_> = recs.into_iter().map(AuditRec::into_record).collect();
        let cp = cpr.map(|c| Checkpoint { seq: c.seq, hash: c.hash, mac: c.mac });
        let result = clearboard_vault::audit::verify(ring, chain, &records, cp.as_ref());
        assert!(result.is_err(), "undetected tampering (seed {seed}): {what}");
        detected += 1;
        *kinds.entry(what.split(' ').next().unwrap().to_string()).or_default() += 1;
    }
    assert_eq!(detected, trials);
    assert!(kinds.len() >= 6, "every kind of tampering was tried: {kinds:?}");
    eprintln!("audit tamper trials ({b:?}): {detected}/{trials} detected; by kind: {kinds:?}");

    // The rollbacks left the log intact; one committed tampering makes `audit verify` fail.
    assert!(cli(&app, &["audit", "verify"]).status.success());
    match store.db() {
        Db::Sqlite(p, _) => {
            sqlx::raw_sql("DROP TRIGGER audit_no_update; UPDATE audit SET action = 'account.viewed' WHERE seq = 5")
                .execute(p)
                .await
                .unwrap();
        }
        Db::Postgres(p) => {
            sqlx::raw_sql("ALTER TABLE audit DISABLE TRIGGER USER; UPDATE audit SET action = 'account.viewed' WHERE seq = 5")
                .execute(p)
                .await
                .unwrap();
        }
    }
    let out = cli(&app, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("region:eu: TAMPERED: entry 5"), "{}", String::from_utf8_lossy(&out.stdout));
});
