//! Outgoing mail through a real SMTP server (the test kit's sink, in Rust; see
//! `clearboard_testkit::smtp`): what arrives is exactly what was sent; our mailer and our sink
//! agree byte for byte with an SMTP implementation that is not ours (Python's aiosmtpd: the
//! one test that needs Python); failures come back quickly and name no one, in the error or
//! in the logs; the SMTP password never shows in the configuration's Debug output.
//! The storage backend plays no part here, so these run on SQLite only.

use super::*;
use clearboard_app::Config;
use clearboard_app::mail::SmtpMailer;
use clearboard_core::platform::clock::{Clock, SystemClock};
use clearboard_core::platform::mail::{Mail, MailError, Mailer};
use clearboard_testkit::Options;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const FROM: &str = "Clearboard Privacy <privacy@clearboard.test>";

fn clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

fn app_options(configure: impl FnOnce(&mut Config) + Send + 'static) -> Options {
    Options { configure: Some(Box::new(configure)), ..Options::default() }
}

/// A text that trips every encoding corner: non-ASCII, a line longer than 80 characters
/// (quoted-printable soft breaks), a line starting with a dot and a line that is only a dot
/// (SMTP's end-of-data marker, which the client must escape), trailing white space.
fn tricky_text() -> String {
    let long = format!("Une ligne très longue qui dépasse largement quatre-vingts caractères : {}fin.", "données ".repeat(10));
    assert!(long.chars().count() > 80);
    format!(
        "Bonjour,\n\nConfirmez votre demande : https://clearboard.test/requests/verify?t=abc123\n{long}\n.commence par un point\n.\n..deux points\nespace en fin \nMerci — l'équipe.\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_arrives_exactly_as_sent() {
    let app = spawn_with(Backend::Sqlite, app_options(|c| c.mail_from = FROM.into())).await;
    let sink = app.mail_sink();
    let to = canary_email("rcpt");
    let subject = "Vérification — données";
    let text = tricky_text();
    app.state
        .cb
        .mailer()
        .send(Mail { to: to.clone(), subject: subject.into(), text: text.clone(), ..Mail::default() })
        .await
        .expect("sent");

    let m = sink.wait_for(&to, |_| true, Duration::from_secs(10)).await.expect("the message arrives");
    assert_eq!(m.subject, subject);
    assert_eq!(m.text, text, "the text arrives byte for byte");
    assert_eq!(m.to, vec![to.clone()], "one envelope recipient");
    assert_eq!(m.from, "privacy@clearboard.test", "envelope sender is mail_from");
    assert_eq!(m.header("From"), Some("\"Clearboard Privacy\" <privacy@clearboard.test>"));
    assert_eq!(m.header("To"), Some(to.as_str()));
    assert_eq!(m.header("Auto-Submitted"), Some("auto-generated"));
    assert_eq!(m.header("Date"), Some("Sun, 29 Nov 2026 12:00:00 +0000"), "the Date comes from the app's clock");
    let id = m.header("Message-ID").expect("a Message-ID");
    assert!(id.starts_with('<') && id.ends_with("@clearboard.test>"), "the id names the sender's domain, not this host: {id}");
    assert!(
        m.header("Content-Type")
            .is_some_and(|c| c.to_ascii_lowercase().starts_with("text/plain") && c.to_ascii_lowercase().contains("charset=utf-8"))
    );
    assert_eq!(m.first_link().as_deref(), Some("https://clearboard.test/requests/verify?t=abc123"));
    // The raw message is 7-bit clean (no server needs 8BITMIME or SMTPUTF8).
    assert!(m.raw.is_ascii(), "the message on the wire is ASCII");
    // No line on the wire is longer than RFC 5322's 78 characters, headers included.
    assert!(m.raw.split(|&b| b == b'\n').all(|l| l.len() <= 80), "folded lines");

    // A second message to the same person arrives as a second message.
    app.state
        .cb
        .mailer()
        .send(Mail { to: to.clone(), subject: "Deuxième".into(), text: "Court.".into(), ..Mail::default() })
        .await
        .expect("sent");
    let second = sink.wait_for(&to, |m| m.subject == "Deuxième", Duration::from_secs(10)).await.expect("the second message");
    assert_eq!(second.text, "Court.");
    assert_ne!(second.header("Message-ID"), Some(id), "every message has its own id");
    assert_eq!(sink.messages().len(), 2);

    let metrics = clearboard_app::metrics_handle().expect("recorder").render();
    assert!(metrics.contains("clearboard_mail_sent_total"), "sent messages are counted");
    clearboard_testkit::logs::assert_clean(&[to]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mail_server_survives_a_restart_of_the_app() {
    let app = spawn_app(Backend::Sqlite).await;
    let port = app.mail_sink().port;
    let app = app.restart(|_| {}).await;
    assert_eq!(app.mail_sink().port, port, "restart keeps the same sink");
    let to = canary_email("restart");
    app.state
        .cb
        .mailer()
        .send(Mail { to: to.clone(), subject: "après".into(), text: "ok".into(), ..Mail::default() })
        .await
        .expect("sent after restart");
    assert!(app.wait_for_mail(&to, |_| true, Duration::from_secs(10)).await.is_some());
}

/// The same message, sent by our mailer to Python's aiosmtpd (an independent implementation of
/// the server side) and to the test kit's Rust sink, arrives the same at both: same envelope,
/// same bytes but for the headers that differ by design (Message-ID is random). This is where
/// the third-party tool is the point; every other mail test uses the Rust sink.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_mailer_and_sink_agree_with_an_independent_smtp_server() {
    let Some(theirs) = clearboard_testkit::smtp::AiosmtpdSink::start_async().await else { return };
    let ours = clearboard_testkit::SmtpSink::start().await;
    let to = canary_email("interop");
    let mail = Mail { to: to.clone(), subject: "Vérification — données".into(), text: tricky_text(), ..Mail::default() };
    for url in [theirs.url(), ours.url()] {
        let mailer = SmtpMailer::new(&url, FROM, Duration::from_secs(10), clock()).unwrap();
        mailer.send(mail.clone()).await.expect("sent");
    }
    let a = theirs.wait_for(&to, |_| true, Duration::from_secs(10)).await.expect("aiosmtpd received it");
    let b = ours.wait_for(&to, |_| true, Duration::from_secs(10)).await.expect("the Rust sink received it");
    assert_eq!((a.from.as_str(), &a.to), (b.from.as_str(), &b.to), "the same envelope");
    assert_eq!((a.subject.as_str(), a.text.as_str()), (mail.subject.as_str(), mail.text.as_str()), "aiosmtpd got what was sent");
    let without = |m: &clearboard_testkit::ReceivedMail| {
        let raw = String::from_utf8(m.raw.clone()).unwrap();
        raw.split("\r\n").filter(|l| !l.starts_with("Message-ID:") && !l.starts_with("Date:")).collect::<Vec<_>>().join("\r\n")
    };
    assert_eq!(without(&a), without(&b), "both servers kept the same bytes (dot-unstuffing and line ends included)");
    assert!(a.raw.split(|&c| c == b'\n').any(|l| l.starts_with(b"..")), "the message had lines the client had to dot-stuff");
}

/// A port on which nothing listens (connections are refused at once).
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::disallowed_methods)] // measures real network waits, not the app's time
async fn an_unreachable_server_fails_quickly_and_names_no_one() {
    let port = closed_port();
    let app = spawn_with(
        Backend::Sqlite,
        app_options(move |c| {
            c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
            c.smtp_timeout_seconds = 1;
        }),
    )
    .await;
    let to = canary_email("unreach");
    let subject = canary("Subj");
    let text = canary("Body");
    let needles = vec![to.clone(), subject.clone(), text.clone()];

    // Connection refused.
    let started = Instant::now();
    let err = app
        .state
        .cb
        .mailer()
        .send(Mail { to: to.clone(), subject: subject.clone(), text: text.clone(), ..Mail::default() })
        .await
        .expect_err("nothing listens");
    assert!(started.elapsed() < Duration::from_secs(5), "a refused connection fails at once");
    assert!(matches!(err, MailError::Transport(_)), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(needles.iter().all(|n| !shown.contains(n.as_str())), "the error names no one: {shown}");

    // A server that accepts the connection and then says nothing: the timeout ends it.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = silent.accept().await {
            held.push(sock);
        }
    });
    let mailer = SmtpMailer::new(&format!("smtp://127.0.0.1:{silent_port}"), FROM, Duration::from_secs(1), clock()).unwrap();
    let started = Instant::now();
    let err = mailer
        .send(Mail { to: to.clone(), subject: subject.clone(), text: text.clone(), ..Mail::default() })
        .await
        .expect_err("the server never greets");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "the timeout bounds a send: {took:?}");
    assert!(matches!(err, MailError::Transport(_)), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(needles.iter().all(|n| !shown.contains(n.as_str())), "the error names no one: {shown}");
    holder.abort();

    let metrics = clearboard_app::metrics_handle().expect("recorder").render();
    assert!(metrics.contains("clearboard_mail_failed_total"), "failures are counted");
    clearboard_testkit::logs::assert_clean(&needles);
}

/// A scripted SMTP server that refuses every recipient with a reply quoting the address, as
/// real servers do ("550 5.1.1 <alice@…>: Recipient address rejected").
async fn refusing_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 refusing.test ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.split([' ', ':']).next().unwrap_or_default().to_ascii_uppercase();
                    let reply = match verb.as_str() {
                        "EHLO" | "HELO" => "250 refusing.test".to_string(),
                        "RCPT" => {
                            let addr = line.split(['<', '>']).nth(1).unwrap_or_default();
                            format!("550 5.1.1 <{addr}>: Recipient address rejected: user {addr} unknown")
                        }
                        "QUIT" => {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => "250 ok".to_string(),
                    };
                    if w.write_all(format!("{reply}\r\n").as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_recipient_is_reported_without_the_servers_words() {
    clearboard_testkit::logs::init();
    let port = refusing_server().await;
    let mailer = SmtpMailer::new(&format!("smtp://127.0.0.1:{port}"), FROM, Duration::from_secs(2), clock()).unwrap();
    let to = canary_email("refused");
    let err = mailer.send(Mail { to: to.clone(), subject: "s".into(), text: "t".into(), ..Mail::default() }).await.expect_err("refused");
    match &err {
        MailError::Transport(reason) => assert_eq!(reason, "permanent failure (550)", "the reply code only"),
        other => panic!("expected a transport error, got {other:?}"),
    }
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(&to) && !shown.contains("Recipient address rejected"), "the server's reply is not repeated: {shown}");
    // Logging is captured (a positive control for assert_clean) before checking it is clean.
    tracing::info!("refused-recipient test done");
    clearboard_testkit::logs::assert_clean(&[to]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_addresses_are_refused_before_any_connection() {
    // Nothing listens: a BadAddress answer proves no connection was tried.
    let mailer = SmtpMailer::new(&format!("smtp://127.0.0.1:{}", closed_port()), FROM, Duration::from_secs(1), clock()).unwrap();
    for to in ["not an address", "a@b.test\r\nBcc: c@d.test", "", "<a@b.test>"] {
        let err = mailer.send(Mail { to: to.into(), subject: "s".into(), text: "t".into(), ..Mail::default() }).await.expect_err("refused");
        assert!(matches!(err, MailError::BadAddress), "{to:?}: {err:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_url_nothing_is_sent() {
    let mut config = Config { smtp_url: None, ..Config::default() };
    let mailer = clearboard_app::mail::from_config(&config, clock()).unwrap();
    let err =
        mailer.send(Mail { to: "a@b.test".into(), subject: "s".into(), text: "t".into(), ..Mail::default() }).await.expect_err("no server");
    assert!(matches!(err, MailError::NotConfigured), "{err:?}");
    // An empty value (an unset environment variable, say) counts as unset.
    config.smtp_url = Some("  ".into());
    let err = clearboard_app::mail::from_config(&config, clock())
        .unwrap()
        .send(Mail { to: "a@b.test".into(), subject: "s".into(), text: "t".into(), ..Mail::default() })
        .await
        .expect_err("no server");
    assert!(matches!(err, MailError::NotConfigured), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_smtp_password_never_shows() {
    let password = canary("SmtpPw");
    let mut config = Config { smtp_url: Some(format!("smtp://mailer:{password}@mail.example.test:587?tls=required")), ..Config::default() };
    let shown = format!("{config:?} {config:#?}");
    assert!(!shown.contains(&password), "Debug shows no SMTP password: {shown}");
    assert!(shown.contains("smtp_url"), "but says the URL is set");
    assert!(clearboard_app::mail::from_config(&config, clock()).is_ok(), "credentials and STARTTLS are accepted");
    let concrete = SmtpMailer::new(config.smtp_url.as_deref().unwrap(), FROM, Duration::from_secs(1), clock()).unwrap();
    assert!(!format!("{concrete:?}").contains(&password));
    // A URL lettre rejects: the error does not quote it.
    config.smtp_url = Some(format!("smtpx://mailer:{password}@mail.example.test"));
    let err = clearboard_app::mail::from_config(&config, clock()).err().expect("an unknown scheme is refused");
    assert!(!format!("{err:#} {err:?}").contains(&password), "{err:#}");
}
