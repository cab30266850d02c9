//! Participants: people who join one board by code with a pseudonym, without an account (a
//! subject with its own key, so they can be exported and erased), and leave erasing what they
//! posted. At join they get a recovery code (`recovery`) to come back after their session.

use serde_json::json;

use crate::boards::input::clean_text;
use crate::boards::recovery::Joined;
use crate::boards::sealing::{pseudonym_aad, seal_str};
use crate::boards::service::{Boards, PURPOSE};
use crate::identity::principal::Principal;
use crate::identity::sessions::SessionKind;
use crate::platform::audit::Actor;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::ports::ParticipantRow;

impl Boards<'_> {
    /// Joins a board by code with a pseudonym, without an account: creates a participant
    /// (a subject with its own key, so it can be exported and erased), their recovery code
    /// (kept only as its keyed hash; the caller shows it once) and a session.
    pub async fn join(&self, code: &str, pseudonym: &str) -> Result<Joined, CoreError> {
        self.guard()?;
        let code = code.trim().to_ascii_uppercase();
        let (board, region) = self.cb.directory().board_by_code(&code).await?.ok_or(CoreError::NotFound)?;
        let region = self.cb.region(&region)?.clone();
        let pseudonym = clean_text("pseudonym", pseudonym, 40)?;
        let now = self.cb.now();
        let subject = SubjectId::new(now)?;
        let (recovery_code, recovery_hash) = self.issue_recovery_code()?;
        let dek = self.cb.keys().create(&region, &subject).await?;
        let row = ParticipantRow {
            subject_id: subject.clone(),
            board_id: board.clone(),
            pseudonym: seal_str(&dek, pseudonym_aad(&subject), &pseudonym)?,
            created_at: now,
            recovery_hash: Some(recovery_hash),
            last_session_at: now,
        };
        let joined =
            self.cb.audit_draft(Actor::Subject(&subject), "participant.joined", Some(&subject), Some(PURPOSE), json!({ "board": board }));
        // The participant and their session are one write: a join holds the region's writer once.
        let session = self.cb.sessions().draft(&region.id, &subject, SessionKind::Participant)?;
        if let Err(e) = region.boards.create_participant(&row, &session.row, vec![joined, session.audit]).await {
            let _ = region.keys.discard(&subject).await;
            return Err(e.into());
        }
        let (token, principal) = (session.token, session.principal);
        Ok(Joined { token, principal, board, recovery_code })
    }

    /// A participant leaves and erases everything they put on the board (C-DSR-1): their key
    /// is destroyed first, then their contributions and sessions.
    pub async fn erase_participant(&self, who: &Principal) -> Result<(), CoreError> {
        let region = self.cb.region(&who.region)?.clone();
        self.erase_participant_subject(&region, &who.subject, Actor::Subject(&who.subject), "participant").await
    }
}
