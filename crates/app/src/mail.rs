//! The SMTP adapter of the [`Mailer`] port (lettre, rustls).
//!
//! A message's recipient, subject and text are personal data. Nothing here logs them, and
//! errors carry a short generic reason only: lettre's own error text can quote the server's
//! reply, which often repeats the address ("550 <alice@…>: no such user"). lettre is built
//! without its `tracing` feature, which would log the whole SMTP conversation.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use anyhow::Context;
use async_trait::async_trait;
use clearboard_core::platform::clock::Clock;
use clearboard_core::platform::mail::{Mail, MailError, Mailer};
use lettre::message::header::{ContentType, HeaderName, HeaderValue, MIME_VERSION_1_0};
use lettre::message::{Mailbox, Message, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// Sends UTF-8 messages (plain text, or plain text with an HTML alternative) through one SMTP
/// server.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The right-hand side of every `Message-ID`: the sender's domain, so the id does not
    /// reveal the host name of the machine that runs clearboard.
    id_domain: String,
    /// A bound on one whole send. lettre's own timeout covers connecting only (its async
    /// client waits for replies without limit), so a server that accepts and then stalls
    /// would hold a request forever without it.
    deadline: Duration,
    /// The `Date` of each message (time is injected, as everywhere else).
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for SmtpMailer {
    // The transport's Debug would print the server and credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// `url` is lettre's connection URL: `smtp://host:port` (plain), `smtp://host:587?tls=required`
    /// (STARTTLS required), `smtps://host:465` (TLS from the start), with optional
    /// `user:password@`. `timeout` bounds a whole send: connecting, TLS, the SMTP exchange.
    /// Must be called inside a Tokio runtime (the connection pool starts a task).
    pub fn new(url: &str, from: &str, timeout: Duration, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        // lettre's URL errors quote the URL, which can hold a password: keep only our words.
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|_| anyhow::anyhow!("smtp_url is not a valid smtp:// or smtps:// URL (see the README)"))?;
        let transport = builder
            .timeout(Some(timeout))
            // Few messages, sent in bursts: a small pool, and idle connections closed soon so
            // that a restarted mail server is not met with a dead connection.
            .pool_config(PoolConfig::new().max_size(4).idle_timeout(Duration::from_secs(30)))
            .build();
        let from: Mailbox = from.parse().context("mail_from is not a valid address (e.g. `clearboard <privacy@example.org>`)")?;
        let id_domain = from.email.domain().to_string();
        Ok(Self { transport, from, id_domain, deadline: timeout, clock })
    }

    fn message(&self, mail: Mail) -> Result<Message, MailError> {
        let to = mail.to.trim().parse::<Address>().map_err(|_| MailError::BadAddress)?;
        let id = clearboard_vault::random::bytes::<16>().map_err(|_| MailError::Transport("no randomness for a message id".into()))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            // Line breaks in a subject would start new headers: fold them into spaces.
            .subject(mail.subject.replace(['\r', '\n'], " "))
            .message_id(Some(format!("<{}@{}>", hex::encode(id), self.id_domain)))
            .date(UNIX_EPOCH + Duration::from_millis(u64::try_from(self.clock.now_ms()).unwrap_or(0)))
            // RFC 3834: tells auto-responders not to answer (no vacation replies to a robot).
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".into()));
        // A list's headers (RFC 2369, RFC 8058, RFC 2919): ASCII names, values on one line.
        for (name, value) in mail.headers {
            let name = HeaderName::new_from_ascii(name).map_err(|_| MailError::Transport("an invalid header name".into()))?;
            builder = builder.raw_header(HeaderValue::new(name, value.replace(['\r', '\n'], " ")));
        }
        let builder = builder.header(MIME_VERSION_1_0);
        // lettre picks 7bit, quoted-printable or base64, whichever is valid and shortest.
        let built = match mail.html {
            None => builder.header(ContentType::TEXT_PLAIN).body(mail.text),
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(mail.text, html)),
        };
        // With From and To set, building fails only on the envelope, i.e. the address.
        built.map_err(|_| MailError::BadAddress)
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let result = match self.message(mail) {
            Ok(message) => match tokio::time::timeout(self.deadline, self.transport.send(message)).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(MailError::Transport(reason(&e))),
                Err(_) => Err(MailError::Transport("timed out".into())),
            },
            Err(e) => Err(e),
        };
        match &result {
            Ok(()) => metrics::counter!("clearboard_mail_sent_total").increment(1),
            Err(e) => {
                metrics::counter!("clearboard_mail_failed_total").increment(1);
                // The reason only: it names no address and quotes no server reply.
                tracing::warn!(error = %e, "a message could not be sent");
            }
        }
        result
    }
}

/// A short reason for a failed send that never includes lettre's error text (which can quote
/// the server's reply, and with it the recipient). Only the reply code is kept.
fn reason(e: &lettre::transport::smtp::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_permanent() {
        format!("permanent failure ({})", code(e))
    } else if e.is_transient() {
        format!("temporary failure ({})", code(e))
    } else if e.is_tls() {
        "TLS failure".into()
    } else if e.is_response() {
        "unexpected reply from the mail server".into()
    } else if e.is_client() {
        "SMTP client error".into()
    } else if e.is_transport_shutdown() {
        "mail transport shut down".into()
    } else {
        "connection failed".into()
    }
}

fn code(e: &lettre::transport::smtp::Error) -> String {
    // A reply code is three digits; its Display is exactly that.
    e.status().map(|c| c.to_string()).filter(|c| c.chars().all(|ch| ch.is_ascii_digit())).unwrap_or_else(|| "no code".into())
}

/// The mailer the configuration asks for: SMTP when `smtp_url` is set, otherwise [`NoMailer`]
/// (every send fails with `NotConfigured`, and callers say so).
///
/// [`NoMailer`]: clearboard_core::platform::mail::NoMailer
pub fn from_config(config: &crate::Config, clock: Arc<dyn Clock>) -> anyhow::Result<Arc<dyn Mailer>> {
    match config.smtp_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => {
            let timeout = Duration::from_secs(u64::from(config.smtp_timeout_seconds.max(1)));
            Ok(Arc::new(SmtpMailer::new(url, &config.mail_from, timeout, clock)?))
        }
        None => Ok(Arc::new(clearboard_core::platform::mail::NoMailer)),
    }
}
