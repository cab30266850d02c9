//! The boards module: organisations and invitations, boards, cards, likes, votes, comments and
//! participants (User Information, C-DATA-1), and the directory's index of organisations and
//! boards. Its declaration, and the exporter and eraser of a person's own contributions.

use serde_json::Value;

use crate::boards::contributions::USER_CONTENT;
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::ids::SubjectId;
use crate::privacy::modules::model::{
    CategoryImpl, Class, Enforcement, Eraser, ID, LINK_HASH, Module, Pending, RetentionImpl, STATE, SUBJECT, TIME, directory, personal,
    region, sealed,
};

const REGION_OF: Class = Class::NotPersonal("the region that holds the organisation or board");
const JOIN_CODE: Class = Class::NotPersonal("a random code that opens the board to whom its organisation gives it");
const RECOVERY_HASH: Class = Class::NotPersonal(
    "the keyed hash (HMAC-SHA-256, the deployment's blind-index key) of a participant's random 160-bit recovery code: it says nothing about anyone, and without the key a stolen copy cannot be checked against guesses",
);
const LAYOUT: Class = Class::NotPersonal("where and how a card is shown: position, colour, legend entry, media type");

pub const BOARDS: Module = Module {
    id: "boards",
    title: "Boards: organisations, invitations, boards, cards, reactions, comments and participants",
    data_subjects: &["users", "participants"],
    categories: &[CategoryImpl { id: USER_CONTENT, exporter: export_user_content, eraser: Eraser::Rows(erase_user_content) }],
    purposes: &[("hosting", &["user_content"])],
    retention: &[
        RetentionImpl { category: "user_content", trigger: "account_deleted", enforcement: Enforcement::AtTrigger },
        // A participant has no account to delete: what they posted goes some time after their
        // latest session ended (issue 13, acceptance 5), unless they erase it earlier with
        // their recovery code.
        RetentionImpl { category: "user_content", trigger: "session_ended", enforcement: Enforcement::PurgeIdleParticipants },
    ],
    tables: &[
        region(
            "organisations",
            &[("id", ID), ("name", sealed("user_content", &["organisation_name"])), ("personal", STATE), ("created_at", TIME)],
        ),
        region("memberships", &[("org_id", ID), ("subject_id", SUBJECT), ("role", STATE), ("joined_at", TIME)]),
        region(
            "invitations",
            &[
                ("id", ID),
                ("org_id", ID),
                ("token_hash", LINK_HASH),
                ("role", STATE),
                ("created_by", SUBJECT),
                ("created_at", TIME),
                ("expires_at", TIME),
                ("revoked_at", TIME),
                ("email_bidx", personal("user_content", &["invitation_email"])),
                ("accepted_at", TIME),
                ("accepted_by", SUBJECT),
            ],
        ),
        region(
            "boards",
            &[
                ("id", ID),
                ("org_id", ID),
                ("title", sealed("user_content", &["board_title"])),
                ("legend", sealed("user_content", &["board_legend"])),
                ("created_by", SUBJECT),
                ("created_at", TIME),
                ("updated_at", TIME),
                ("locked", STATE),
                ("controlled", STATE),
                ("anonymous", STATE),
                ("vote_tokens", STATE),
                ("join_code", JOIN_CODE),
                ("seq", STATE),
                ("votes_hidden", STATE),
                ("timer_ends_at", TIME),
                ("timer_left_ms", STATE),
                ("timer_pauses", STATE),
                ("zones", sealed("user_content", &["board_zones"])),
            ],
        ),
        region(
            "participants",
            &[
                ("subject_id", SUBJECT),
                ("board_id", ID),
                ("pseudonym", sealed("user_content", &["participant_pseudonym"])),
                ("created_at", TIME),
                ("recovery_hash", RECOVERY_HASH),
                ("last_session_at", TIME),
            ],
        ),
        region(
            "cards",
            &[
                ("id", ID),
                ("board_id", ID),
                ("author_id", SUBJECT),
                ("kind", STATE),
                ("body", sealed("user_content", &["card_text", "card_link"])),
                ("blob_id", personal("user_content", &["card_media"])),
                ("media_type", LAYOUT),
                ("x", LAYOUT),
                ("y", LAYOUT),
                ("color", LAYOUT),
                ("category", LAYOUT),
                ("status", STATE),
                ("version", STATE),
                ("created_at", TIME),
                ("updated_at", TIME),
                ("anonymous", STATE),
            ],
        ),
        region("card_likes", &[("card_id", ID), ("subject_id", SUBJECT), ("created_at", personal("user_content", &["card_like"]))]),
        region(
            "card_votes",
            &[("card_id", ID), ("subject_id", SUBJECT), ("board_id", ID), ("count", personal("user_content", &["card_vote"]))],
        ),
        region(
            "comments",
            &[
                ("id", ID),
                ("card_id", ID),
                ("author_id", SUBJECT),
                ("body", sealed("user_content", &["comment_text"])),
                ("created_at", TIME),
                ("anonymous", STATE),
            ],
        ),
        // Each board's change log (issue 20): kinds and ids only, for the other server nodes.
        region("board_changes", &[("board_id", ID), ("seq", STATE), ("kind", STATE), ("card_id", ID), ("comment_id", ID)]),
        directory("org_index", &[("org_id", ID), ("region", REGION_OF)]),
        directory("board_index", &[("board_id", ID), ("org_id", ID), ("region", REGION_OF), ("join_code", JOIN_CODE)]),
    ],
    ..Module::EMPTY
};

/// A person's own contributions to boards: cards (with their media references), comments,
/// likes, votes and their participant pseudonym (`boards::contributions`, typed for the archive).
pub(crate) fn export_user_content<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, Value> {
    Box::pin(async move { crate::boards::contributions::contributions(cb, region, subject).await?.to_value() })
}

fn erase_user_content<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, u64> {
    Box::pin(async move {
        let e = cb.boards().erase_contributions(region, subject).await?;
        Ok(e.cards + e.comments + e.likes + e.votes)
    })
}
