//! Outreach send rate (issue 17): messages per second of a real campaign send to N confirmed
//! contacts through the real mail adapter (SMTP, `smtp_url`) to the test kit's Rust SMTP sink,
//! with the purpose guard (each recipient's consent read from the ledger at send time) and
//! per-recipient tokens (unsubscribe and read-online links, MACed) — and the cost of that
//! consent read against sending without it.
//!
//! The product has no switch that turns the guard off, and the bench adds none. The baseline is
//! therefore built from the same pieces: in the same run, alternating with the sends, the exact
//! call the send job makes for each recipient (`Outreach::consents`, the ledger read) is timed
//! alone over the same recipients; "without the check" is the send's time less that. Ratio =
//! rate with the check / rate without = (send − consent reads) / send. Goal ≥ 0.9.
//!
//! The job's own rate limit (`outreach_per_second`, a pause between batches) is not what is
//! measured: the whole list is handed to one `send_batch`, as `send_all` would with a limit of
//! N per second. Embedded SQLite, one process; the sink runs on the same runtime.

use std::sync::Arc;
use std::time::Instant;

use clearboard_core::Clearboard;
use clearboard_core::business::outreach::campaigns::NewCampaign;
use clearboard_core::business::outreach::contacts::Subscribe;
use clearboard_core::identity::accounts::NewAccount;
use clearboard_core::identity::principal::Principal;
use clearboard_core::identity::sessions::SessionKind;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::{Clock, SystemClock};
use clearboard_testkit::SmtpSink;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::common::median;

const BASE: &str = "https://clearboard.bench";
const LIST: &str = "newsletter";

fn campaign(round: usize) -> NewCampaign {
    NewCampaign {
        list: LIST.into(),
        subject: format!("Bench news {round}"),
        body_markdown: "# What is new\n\nBoards now have **timers**, and the privacy centre shows every \
                        subscription. [Read more](https://clearboard.bench/blog)\n\n- one\n- two\n- three"
            .into(),
        subject_fr: Some(format!("Nouvelles du banc {round}")),
        body_markdown_fr: Some("# Quoi de neuf\n\nLes tableaux ont des **minuteurs**.".into()),
    }
}

async fn marketer(cb: &Clearboard) -> Principal {
    let email = "marketing@bench.example".to_string();
    let today = clearboard_core::platform::clock::date_of(SystemClock.now_ms());
    let input = NewAccount {
        email: email.clone(),
        password: Zeroizing::new(crate::common::PASSWORD.into()),
        first_name: "Mark".into(),
        last_name: "Eting".into(),
        ..Default::default()
    };
    cb.staff().add(input, Role::Marketing, Some(today)).await.unwrap();
    cb.sessions().sign_in(&email, Zeroizing::new(crate::common::PASSWORD.into()), SessionKind::Bearer, None).await.unwrap().1
}

pub async fn run(n: usize, rounds: usize) -> Value {
    let sink = SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = clearboard_app::Config {
        data_dir: dir.path().join("data"),
        public_url: Some(BASE.into()),
        smtp_url: Some(sink.url()),
        log_level: "warn".into(),
        ..Default::default()
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let app = clearboard_app::build(&config, clock, None, clearboard_web::platform::ratelimit::Limits::relaxed()).await.unwrap();
    let cb = &app.state.cb;
    let o = cb.outreach();

    // N contacts subscribe and confirm from their mailbox (double opt-in, real SMTP).
    let t = Instant::now();
    for i in 0..n {
        let s = Subscribe {
            email: format!("reader{i}@bench.example"),
            lang: if i % 3 == 0 { "fr" } else { "en" }.into(),
            lists: vec![],
            phone: None,
            method: "web_form".into(),
        };
        o.subscribe(s, BASE).await.unwrap();
    }
    let confirmations = sink.messages();
    assert_eq!(confirmations.len(), n, "one confirmation message per address");
    for m in &confirmations {
        let link = m.first_link().unwrap();
        o.confirm(link.split("token=").nth(1).unwrap()).await.unwrap();
    }
    let setup_s = t.elapsed().as_secs_f64();
    println!("outreach: {n} contacts subscribed and confirmed in {setup_s:.1} s");

    // The recipients as the send job sees them (every region; here one).
    let mut recipients = Vec::new();
    for r in cb.regions() {
        for k in r.outreach.contacts_in("confirmed").await.unwrap() {
            recipients.push((r.clone(), k.subject_id));
        }
    }
    assert_eq!(recipients.len(), n);
    let staff = marketer(cb).await;

    let (mut send_s, mut consent_s) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // (a) A real campaign send: pending list, contact, consent read, message with its
        // tokens, claim, SMTP to the sink, finish.
        let id = o.create_campaign(&staff, campaign(round)).await.unwrap();
        o.schedule(&staff, &id, None).await.unwrap();
        let before = sink.messages().len();
        let t = Instant::now();
        let p = o.send_batch(&id, BASE, n).await.unwrap();
        let s = t.elapsed().as_secs_f64();
        assert!(p.done && p.sent == n as u64 && p.skipped == 0 && p.failed == 0, "{p:?}");
        let got = sink.messages();
        assert_eq!(got.len() - before, n, "every consenting contact got the campaign");
        let last = got.last().unwrap();
        assert!(last.header("List-Unsubscribe").is_some_and(|h| h.contains("token=")), "per-recipient unsubscribe link");
        assert_eq!(last.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
        send_s.push(s);

        // (b) The guard alone: the same ledger read, for the same recipients.
        let t = Instant::now();
        for (region, subject) in &recipients {
            assert!(o.consents(region, subject, LIST).await.unwrap());
        }
        consent_s.push(t.elapsed().as_secs_f64());
        println!(
            "outreach round {}: send {n} in {s:.3} s ({:.0} msg/s); consent reads {:.3} s",
            round + 1,
            n as f64 / s,
            consent_s.last().unwrap()
        );
    }
    let (send, consent) = (median(send_s.clone()), median(consent_s.clone()));
    let with = n as f64 / send;
    let without = n as f64 / (send - consent);
    let ratio = with / without;
    println!(
        "outreach: {with:.0} msg/s with consent checks and tokens; {without:.0} msg/s without the consent read \
         (send − reads); consent read {:.1} µs per recipient; ratio {ratio:.3} (goal ≥ 0.9: {})",
        consent / n as f64 * 1e6,
        if ratio >= 0.9 { "met" } else { "missed" }
    );
    app.opened.close().await;
    drop(dir);
    json!({
        "benchmark": "outreach",
        "baseline": "the same send less the consent reads (Outreach::consents, the call the send job makes per recipient), timed alone over the same recipients in the same run; no switch disables the guard",
        "goal": "ratio >= 0.9",
        "contacts": n,
        "rounds": rounds,
        "setup_s": setup_s,
        "send_s": send_s,
        "consent_reads_s": consent_s,
        "send_median_s": send,
        "consent_reads_median_s": consent,
        "msgs_per_s_with_consent_check": with,
        "msgs_per_s_without_consent_check": without,
        "consent_read_us_per_recipient": consent / n as f64 * 1e6,
        "ratio": ratio,
        "goal_met": ratio >= 0.9,
    })
}
