//! The board's countdown (issue 14, facilitation): facilitators start, pause, resume and stop
//! it; every viewer gets it in the `board` event (`shapes::TimerView`, measured with the
//! server's clock). With "pause participation when it ends", the server refuses new cards,
//! edits and votes of everyone but facilitators once it has ended (`Access::check_unlocked`),
//! until a facilitator resumes or stops it.

use serde_json::json;

use crate::boards::access::Access;
use crate::boards::events::Change;
use crate::boards::input::{TIMER_MAX_SECONDS, TimerAction};
use crate::boards::sealing::KeyCache;
use crate::boards::service::{Boards, PURPOSE};
use crate::boards::shapes::BoardView;
use crate::boards::views;
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::clock::SECOND;
use crate::platform::error::CoreError;
use crate::platform::ids::BoardId;
use crate::platform::ports::BoardRow;

/// The countdown after `action` at `now` (a pure function of the stored state).
pub fn apply(row: &mut BoardRow, action: TimerAction, now: i64) -> Result<(), CoreError> {
    match action {
        TimerAction::Start { seconds, pause_participation } => {
            if !(1..=TIMER_MAX_SECONDS).contains(&seconds) {
                return Err(CoreError::validation("seconds", format!("between 1 and {TIMER_MAX_SECONDS} seconds")));
            }
            row.timer_ends_at = Some(now + seconds * SECOND);
            row.timer_left_ms = None;
            row.timer_pauses = pause_participation;
        }
        TimerAction::Pause => match row.timer_ends_at {
            Some(end) if end > now => {
                row.timer_ends_at = None;
                row.timer_left_ms = Some(end - now);
            }
            _ => return Err(CoreError::Conflict("the countdown is not running")),
        },
        TimerAction::Resume => match (row.timer_ends_at, row.timer_left_ms) {
            (None, Some(left)) => {
                row.timer_ends_at = Some(now + left);
                row.timer_left_ms = None;
            }
            // Ended: everyone takes part again.
            (Some(end), _) if end <= now => clear(row),
            _ => return Err(CoreError::Conflict("the countdown is neither paused nor ended")),
        },
        TimerAction::Stop => clear(row),
    }
    Ok(())
}

fn clear(row: &mut BoardRow) {
    row.timer_ends_at = None;
    row.timer_left_ms = None;
    row.timer_pauses = false;
}

impl Boards<'_> {
    /// Starts, pauses, resumes or stops the board's countdown (facilitators); every open
    /// screen gets the board with its countdown.
    pub async fn timer(&self, who: &Principal, board: &BoardId, action: TimerAction) -> Result<BoardView, CoreError> {
        self.guard()?;
        let a = self.access(who, board).await?;
        if !a.facilitator() {
            return Err(CoreError::Forbidden);
        }
        let mut row = a.board.clone();
        apply(&mut row, action, a.now)?;
        row.updated_at = a.now;
        let seq = a.region.boards.update_board(&row).await?;
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "board.timer",
            None,
            Some(PURPOSE),
            json!({ "board": board, "ends_at": row.timer_ends_at, "pauses": row.timer_pauses }),
        );
        a.region.store.audit_append(audit).await?;
        let a2 = Access { board: row, ..a };
        let view = views::board_view(&mut KeyCache::new(self.cb.keys(), &a2.region), &a2).await?;
        self.cb.inner.hub.publish(board, seq, Change::Board { board: view.board.clone() });
        Ok(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::ids::{BoardId, OrgId};

    fn row() -> BoardRow {
        BoardRow {
            id: BoardId::new(1).unwrap(),
            org_id: OrgId::new(1).unwrap(),
            title: vec![],
            legend: vec![],
            zones: None,
            created_by: None,
            created_at: 0,
            updated_at: 0,
            locked: false,
            controlled: false,
            anonymous: false,
            vote_tokens: 5,
            join_code: "X".into(),
            seq: 0,
            votes_hidden: false,
            timer_ends_at: None,
            timer_left_ms: None,
            timer_pauses: false,
        }
    }

    #[test]
    fn a_countdown_starts_pauses_resumes_and_ends() {
        let mut r = row();
        apply(&mut r, TimerAction::Start { seconds: 60, pause_participation: true }, 1_000).unwrap();
        assert_eq!((r.timer_ends_at, r.timer_left_ms, r.timer_pauses), (Some(61_000), None, true));
        apply(&mut r, TimerAction::Pause, 11_000).unwrap();
        assert_eq!((r.timer_ends_at, r.timer_left_ms), (None, Some(50_000)));
        assert!(apply(&mut r, TimerAction::Pause, 12_000).is_err(), "already paused");
        apply(&mut r, TimerAction::Resume, 100_000).unwrap();
        assert_eq!((r.timer_ends_at, r.timer_left_ms), (Some(150_000), None));
        assert!(apply(&mut r, TimerAction::Resume, 120_000).is_err(), "running: nothing to resume");
        // Ended: resuming lets everyone take part again.
        apply(&mut r, TimerAction::Resume, 150_000).unwrap();
        assert_eq!((r.timer_ends_at, r.timer_left_ms, r.timer_pauses), (None, None, false));
        assert!(apply(&mut r, TimerAction::Start { seconds: 0, pause_participation: false }, 0).is_err());
        assert!(apply(&mut r, TimerAction::Start { seconds: TIMER_MAX_SECONDS + 1, pause_participation: false }, 0).is_err());
    }
}
