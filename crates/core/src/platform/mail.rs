//! Outgoing email (the [`Mailer`] port): verification links for rights requests, their
//! acknowledgements and answers, and notices to recipients after an erasure. A message's
//! address and text are personal data: implementations never log them.

use async_trait::async_trait;

/// One message to one address: plain text, with an HTML alternative when `html` is set, and
/// extra headers (a list's `List-Unsubscribe`, `List-Unsubscribe-Post` and `List-Id`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// Extra headers (ASCII names; values without line breaks).
    pub headers: Vec<(String, String)>,
}

impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail").field("to", &"<redacted>").field("subject", &self.subject.len()).field("text", &self.text.len()).finish()
    }
}

/// Why a message could not be handed to the mail server (no address or text inside).
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("no mail server is configured")]
    NotConfigured,
    #[error("the address is not a valid email address")]
    BadAddress,
    #[error("the mail server refused or could not be reached: {0}")]
    Transport(String),
    #[error("the policy has no transfer mechanism for the mail provider (C-LOC-2)")]
    TransferRefused,
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: Mail) -> Result<(), MailError>;

    /// Whether a mail server is configured (sign-up then needs an emailed activation link).
    fn configured(&self) -> bool {
        true
    }
}

/// The default when no SMTP server is configured: every send fails (and callers say so).
pub struct NoMailer;

#[async_trait]
impl Mailer for NoMailer {
    async fn send(&self, _mail: Mail) -> Result<(), MailError> {
        Err(MailError::NotConfigured)
    }

    fn configured(&self) -> bool {
        false
    }
}
