//! Conformance of the `BoardStore` port: organisations, members and invitations; boards,
//! participants and cards with the board's sequence number; reactions and comments; what a
//! person contributed, and erasing it; deleting a board or an organisation.

use clearboard_core::boards::{CardKind, CardStatus, OrgRole};
use clearboard_core::platform::ids::{BlobId, BoardId, CardId, CommentId, OrgId, SubjectId};
use clearboard_core::platform::ports::{
    BoardRow, CardChange, CardRow, CommentRow, InvitationRow, MemberRow, OrgRow, ParticipantRow, SessionRow, StoreError,
};
use clearboard_store::Opened;

use super::{draft, person};

/// A participant's session, token hash `[h; 32]`, started at `at`.
pub(super) fn session_of(s: &SubjectId, h: u8, at: i64) -> SessionRow {
    SessionRow { token_hash: vec![h; 32], subject_id: s.clone(), kind: "participant".into(), created_at: at, last_seen_at: at }
}

/// What the audit chain says about `s`, oldest first.
async fn actions_about(o: &Opened, s: &SubjectId) -> Vec<String> {
    o.regions[0].store.audit_about(s).await.unwrap().into_iter().map(|e| e.action).collect()
}

fn member(org: &OrgId, s: &SubjectId, role: &str, at: i64) -> MemberRow {
    MemberRow { org_id: org.clone(), subject_id: s.clone(), role: OrgRole::parse(role).expect("a role"), joined_at: at }
}

/// An organisation owned by `owner`, with one board (sequence 0, two vote tokens each).
pub(super) async fn org_with_board(o: &Opened, owner: &SubjectId, code: &str) -> (OrgId, BoardId) {
    let r = &o.regions[0];
    let org = OrgId::new(10).unwrap();
    let row = OrgRow { id: org.clone(), name: vec![1, 1], personal: false, created_at: 10 };
    r.boards.create_org(&row, &member(&org, owner, "owner", 10), draft("org.created", Some(owner))).await.unwrap();
    let board = BoardId::new(11).unwrap();
    r.boards.create_board(&board_row(&board, &org, owner, code), draft("board.created", Some(owner))).await.unwrap();
    (org, board)
}

fn board_row(id: &BoardId, org: &OrgId, by: &SubjectId, code: &str) -> BoardRow {
    BoardRow {
        id: id.clone(),
        org_id: org.clone(),
        title: vec![2],
        legend: vec![3],
        created_by: Some(by.clone()),
        created_at: 11,
        updated_at: 11,
        locked: false,
        controlled: false,
        anonymous: false,
        vote_tokens: 2,
        join_code: code.into(),
        seq: 0,
        votes_hidden: false,
        timer_ends_at: None,
        timer_left_ms: None,
        timer_pauses: false,
        zones: None,
    }
}

fn card(board: &BoardId, author: &SubjectId, at: i64, blob: Option<BlobId>) -> CardRow {
    CardRow {
        id: CardId::new(at).unwrap(),
        board_id: board.clone(),
        author_id: author.clone(),
        kind: if blob.is_some() { CardKind::Image } else { CardKind::Text },
        body: vec![4, at as u8],
        media_type: blob.as_ref().map(|_| "image/png".to_string()),
        blob_id: blob,
        x: 1,
        y: 2,
        color: "#ffee88".into(),
        category: Some("idea".into()),
        status: CardStatus::Published,
        version: 1,
        created_at: at,
        updated_at: at,
        anonymous: false,
    }
}

fn comment(card: &CardId, author: &SubjectId, at: i64) -> CommentRow {
    CommentRow {
        id: CommentId::new(at).unwrap(),
        card_id: card.clone(),
        author_id: author.clone(),
        body: vec![5],
        created_at: at,
        anonymous: false,
    }
}

/// Organisations: the owner is a member; personal workspaces come first; roles change;
/// members leave; invitations are found by their hash, listed newest first, revoked once and
/// accepted once (not after revocation or expiry); the name is replaced.
pub async fn orgs(o: &Opened) {
    let r = &o.regions[0];
    let (alice, bob, carol) = (person(o, 1).await, person(o, 2).await, person(o, 3).await);
    let personal = OrgId::new(20).unwrap();
    let row = OrgRow { id: personal.clone(), name: vec![9], personal: true, created_at: 20 };
    r.boards.create_org(&row, &member(&personal, &alice, "owner", 20), draft("org.created", Some(&alice))).await.unwrap();
    let (org, _) = org_with_board(o, &alice, "ORGS-1").await;
    let mine: Vec<(OrgId, bool, String)> =
        r.boards.orgs_of(&alice).await.unwrap().into_iter().map(|(o, role)| (o.id, o.personal, role.as_str().to_string())).collect();
    assert_eq!(mine, vec![(personal.clone(), true, "owner".into()), (org.clone(), false, "owner".into())], "the personal workspace first");
    r.boards.update_org_name(&org, &[7, 7]).await.unwrap();
    assert_eq!(r.boards.org(&org).await.unwrap().unwrap().name, vec![7, 7]);
    assert!(r.boards.org(&OrgId::new(1).unwrap()).await.unwrap().is_none());

    r.boards.put_member(&member(&org, &bob, "member", 30), draft("member.added", Some(&bob))).await.unwrap();
    r.boards.put_member(&member(&org, &bob, "admin", 31), draft("member.role", Some(&bob))).await.unwrap();
    let b = r.boards.member(&org, &bob).await.unwrap().unwrap();
    assert_eq!((b.role.as_str(), b.joined_at), ("admin", 30), "a role change keeps the joining time");
    assert_eq!(
        r.boards.members(&org).await.unwrap().iter().map(|m| m.subject_id.clone()).collect::<Vec<_>>(),
        vec![alice.clone(), bob.clone()]
    );
    assert!(r.boards.remove_member(&org, &bob, draft("member.removed", Some(&bob))).await.unwrap());
    assert!(!r.boards.remove_member(&org, &bob, draft("member.removed", Some(&bob))).await.unwrap(), "already gone");
    assert!(r.boards.member(&org, &bob).await.unwrap().is_none());

    let inv = |id: &str, hash: u8, at: i64, expires: i64| InvitationRow {
        id: id.into(),
        org_id: org.clone(),
        token_hash: vec![hash; 32],
        role: OrgRole::Member,
        created_by: Some(alice.clone()),
        created_at: at,
        expires_at: expires,
        revoked_at: None,
        email_bidx: None,
        accepted_at: None,
        accepted_by: None,
    };
    r.boards.create_invitation(&inv("inv-1", 1, 40, 1_000)).await.unwrap();
    r.boards.create_invitation(&inv("inv-2", 2, 41, 1_000)).await.unwrap();
    r.boards.create_invitation(&inv("inv-3", 3, 42, 50)).await.unwrap();
    assert!(matches!(r.boards.create_invitation(&inv("inv-4", 1, 43, 1_000)).await.unwrap_err(), StoreError::Conflict), "unique hashes");
    assert_eq!(r.boards.invitation_by_hash(&[2; 32]).await.unwrap().unwrap().id, "inv-2");
    let ids: Vec<String> = r.boards.invitations_of(&org).await.unwrap().into_iter().map(|i| i.id).collect();
    assert_eq!(ids, vec!["inv-3", "inv-2", "inv-1"], "newest first");
    assert!(r.boards.revoke_invitation("inv-2", 45).await.unwrap());
    assert!(!r.boards.revoke_invitation("inv-2", 46).await.unwrap(), "revoked once");
    let audit = || draft("invitation.accepted", Some(&carol));
    assert!(!r.boards.accept_invitation("inv-2", &member(&org, &carol, "member", 47), audit()).await.unwrap(), "revoked: refused");
    assert!(!r.boards.accept_invitation("inv-3", &member(&org, &carol, "member", 60), audit()).await.unwrap(), "expired: refused");
    assert!(r.boards.member(&org, &carol).await.unwrap().is_none(), "a refused acceptance changes nothing");
    assert!(r.boards.accept_invitation("inv-1", &member(&org, &carol, "member", 48), audit()).await.unwrap());
    assert!(!r.boards.accept_invitation("inv-1", &member(&org, &bob, "member", 49), draft("x", None)).await.unwrap(), "works once");
    let used = r.boards.invitation_by_hash(&[1; 32]).await.unwrap().unwrap();
    assert_eq!((used.accepted_at, used.accepted_by), (Some(48), Some(carol.clone())));
    assert!(!r.boards.revoke_invitation("inv-1", 50).await.unwrap(), "an accepted invitation is not revoked");
    assert_eq!(r.boards.member(&org, &carol).await.unwrap().unwrap().role, OrgRole::Member);
}

/// Boards and cards: settings replaced and the sequence advanced by every change; join codes
/// unique and replaced; participants; cards inserted, changed field by field (last writer
/// wins, version + 1), read, listed in order and deleted with their reactions and comments.
pub async fn boards_and_cards(o: &Opened) {
    let r = &o.regions[0];
    let (alice, bob) = (person(o, 1).await, person(o, 2).await);
    let (org, board) = org_with_board(o, &alice, "CARDS-1").await;
    assert_eq!(r.boards.boards_of_org(&org).await.unwrap().len(), 1);
    let other = BoardId::new(12).unwrap();
    let dup = r.boards.create_board(&board_row(&other, &org, &alice, "CARDS-1"), draft("board.created", None)).await;
    assert!(matches!(dup.unwrap_err(), StoreError::Conflict), "join codes are unique");
    let mut b = r.boards.board(&board).await.unwrap().unwrap();
    assert_eq!((b.seq, b.vote_tokens, b.join_code.as_str()), (0, 2, "CARDS-1"));
    b.locked = true;
    b.anonymous = true;
    b.title = vec![8];
    b.updated_at = 20;
    assert_eq!(r.boards.update_board(&b).await.unwrap(), 1);
    let got = r.boards.board(&board).await.unwrap().unwrap();
    assert_eq!((got.locked, got.anonymous, got.title, got.updated_at, got.seq), (true, true, vec![8], 20, 1));
    assert_eq!(r.boards.bump_board(&board).await.unwrap(), 2);
    assert_eq!(r.boards.set_join_code(&board, "CARDS-2").await.unwrap(), 3);
    assert_eq!(r.boards.board(&board).await.unwrap().unwrap().join_code, "CARDS-2");

    let guest = SubjectId::new(30).unwrap();
    let p = ParticipantRow {
        subject_id: guest.clone(),
        board_id: board.clone(),
        pseudonym: vec![6],
        created_at: 30,
        recovery_hash: Some(vec![0x5a; 32]),
        last_session_at: 30,
    };
    let joined = || vec![draft("participant.joined", Some(&guest)), draft("session.started", Some(&guest))];
    r.boards.create_participant(&p, &session_of(&guest, 0x61, 30), joined()).await.unwrap();
    assert_eq!(r.boards.participant(&guest).await.unwrap().unwrap().pseudonym, vec![6]);
    // The join is one write: the participant, their session and both audit entries, in order.
    assert_eq!(r.store.session(&[0x61; 32]).await.unwrap(), Some(session_of(&guest, 0x61, 30)));
    assert_eq!(actions_about(o, &guest).await, ["participant.joined", "session.started"]);
    // ... or none of it: a join whose session cannot be stored (its token's hash taken) leaves
    // no participant, no subject and no entry behind.
    let twin = SubjectId::new(31).unwrap();
    let p2 = ParticipantRow { subject_id: twin.clone(), recovery_hash: None, ..p.clone() };
    let refused = r.boards.create_participant(&p2, &session_of(&twin, 0x61, 31), vec![draft("participant.joined", Some(&twin))]).await;
    assert!(refused.is_err(), "a session token hash is unique");
    assert!(r.boards.participant(&twin).await.unwrap().is_none() && actions_about(o, &twin).await.is_empty());
    assert_eq!(r.boards.participants_of(&board).await.unwrap().len(), 1);
    assert_eq!(r.boards.participants_of(&board).await.unwrap().len(), 1);
    // What decides access, in one read: the participant's board, a member's role, neither for
    // someone else, nothing for a board that does not exist.
    let access = |s: SubjectId| {
        let board = board.clone();
        async move { r.boards.board_access(&board, &s).await.unwrap().map(|a| (a.board.id, a.participant_of, a.member_role)) }
    };
    assert_eq!(access(guest.clone()).await, Some((board.clone(), Some(board.clone()), None)));
    assert_eq!(access(alice.clone()).await, Some((board.clone(), None, Some(OrgRole::Owner))));
    assert_eq!(access(bob.clone()).await, Some((board.clone(), None, None)));
    assert!(r.boards.board_access(&other, &alice).await.unwrap().is_none(), "no such board");
    assert!(r.store.subject_erased_at(&guest).await.unwrap().is_none(), "a participant is a subject");
    // The recovery code's hash finds the participant; another hash finds no one.
    let found = r.boards.participant_by_recovery(&[0x5a; 32]).await.unwrap().expect("found by the recovery hash");
    assert_eq!((found.subject_id, found.recovery_hash, found.last_session_at), (guest.clone(), Some(vec![0x5a; 32]), 30));
    assert!(r.boards.participant_by_recovery(&[0x5b; 32]).await.unwrap().is_none());
    // Idle since their latest session: a recovery moves it forward, never back.
    assert_eq!(r.boards.participants_idle_before(31, 10).await.unwrap(), vec![guest.clone()]);
    r.boards.touch_participant(&guest, 35).await.unwrap();
    r.boards.touch_participant(&guest, 33).await.unwrap();
    assert_eq!(r.boards.participant(&guest).await.unwrap().unwrap().last_session_at, 35);
    assert!(r.boards.participants_idle_before(35, 10).await.unwrap().is_empty());
    assert_eq!(r.boards.participants_idle_before(36, 10).await.unwrap(), vec![guest.clone()]);
    assert!(r.boards.participants_idle_before(36, 0).await.unwrap().is_empty(), "the limit holds");

    let first = card(&board, &alice, 40, None);
    let second = card(&board, &guest, 41, None);
    assert_eq!(r.boards.insert_card(&first).await.unwrap(), 4);
    assert_eq!(r.boards.insert_card(&second).await.unwrap(), 5);
    assert_eq!(r.boards.card(&first.id).await.unwrap().unwrap(), first, "a card reads back as written");
    let ids: Vec<CardId> = r.boards.cards_of(&board).await.unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![first.id.clone(), second.id.clone()], "oldest first");

    let change = CardChange { x: Some(50), color: Some("#000000".into()), at: 42, ..Default::default() };
    let (changed, seq) = r.boards.change_card(&board, &first.id, &change).await.unwrap().unwrap();
    assert_eq!((changed.x, changed.y, changed.color.as_str(), changed.version, changed.updated_at, seq), (50, 2, "#000000", 2, 42, 6));
    assert_eq!(changed.category.as_deref(), Some("idea"), "fields not named stay");
    let clear = CardChange { category: Some(None), body: Some(vec![9]), status: Some(CardStatus::Pending), at: 43, ..Default::default() };
    let (changed, _) = r.boards.change_card(&board, &first.id, &clear).await.unwrap().unwrap();
    assert_eq!((changed.category, changed.body, changed.status.as_str(), changed.version), (None, vec![9], "pending", 3));
    assert!(r.boards.change_card(&other, &first.id, &clear).await.unwrap().is_none(), "a card of another board is not found");
    assert!(r.boards.change_card(&board, &CardId::new(1).unwrap(), &clear).await.unwrap().is_none());

    r.boards.set_like(&board, &first.id, &bob, true, 44).await.unwrap();
    r.boards.add_vote(&board, &first.id, &bob, 1, 2).await.unwrap();
    r.boards.add_vote(&board, &first.id, &bob, 1, 2).await.unwrap();
    let (later, earlier) = (comment(&first.id, &bob, 46), comment(&first.id, &guest, 45));
    r.boards.insert_comment(&board, &later).await.unwrap();
    r.boards.insert_comment(&board, &earlier).await.unwrap();
    let stored = r.boards.card(&first.id).await.unwrap().unwrap();
    let (seq, kept) = r.boards.delete_card(&board, &first.id).await.unwrap();
    assert_eq!(seq, r.boards.board(&board).await.unwrap().unwrap().seq);
    assert!(r.boards.card(&first.id).await.unwrap().is_none());
    let left = r.boards.reactions(&board).await.unwrap();
    assert!(left.likes.is_empty() && left.votes.is_empty(), "a card's reactions go with it");
    assert!(r.boards.comments_of(&board).await.unwrap().is_empty(), "and its comments");
    // What went with it, as stored (comments oldest first), to put back: one number for the
    // card with its reactions, one per comment; votes within the voter's tokens now.
    assert_eq!((kept.likes.clone(), kept.votes.clone()), (vec![(bob.clone(), 44)], vec![(bob.clone(), 2)]));
    assert_eq!(kept.comments, vec![earlier, later]);
    r.boards.add_vote(&board, &second.id, &bob, 1, 2).await.unwrap();
    let (card_seq, comment_seqs) = r.boards.restore_card(&stored, &kept, 2).await.unwrap();
    assert_eq!(
        (comment_seqs.clone(), r.boards.board(&board).await.unwrap().unwrap().seq),
        (vec![card_seq + 1, card_seq + 2], card_seq + 2)
    );
    let changes = r.boards.changes_after(&board, card_seq - 1, 10).await.unwrap();
    let kinds: Vec<&str> = changes.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(kinds, ["card", "comment", "comment"]);
    assert_eq!(r.boards.card(&first.id).await.unwrap().unwrap(), stored, "the card is back as it was");
    let back = r.boards.reactions_of_card(&first.id).await.unwrap();
    assert_eq!(
        (back.likes.len(), back.votes),
        (1, vec![(first.id.clone(), bob.clone(), 1)]),
        "one of Bob's two tokens is spent elsewhere now"
    );
    assert_eq!(r.boards.comments_of_card(&first.id).await.unwrap(), kept.comments);
    let (_, again) = r.boards.delete_card(&board, &first.id).await.unwrap();
    assert_eq!((again.likes, again.votes.len(), again.comments.len()), (kept.likes, 1, 2));
    // The relay's sweep reads every listened board's number in one query; a board the store
    // does not hold is absent from the answer.
    let elsewhere = BoardId::from_stored("not-here".into());
    let seqs = r.boards.board_seqs(&[elsewhere.clone(), board.clone()]).await.unwrap();
    assert_eq!(seqs, vec![(board.clone(), r.boards.board(&board).await.unwrap().unwrap().seq)]);
    // The change log keeps a board's last RING changes, the older pruned as new ones come; a
    // board gone has no number to advance and nothing is logged for it.
    let ring = clearboard_core::boards::realtime::RING as i64;
    let mut last = 0;
    for _ in 0..ring + 3 {
        last = r.boards.bump_board(&board).await.unwrap();
    }
    let log = r.boards.changes_after(&board, 0, 2 * ring).await.unwrap();
    assert_eq!(log.len() as i64, ring, "the log holds the last {ring} changes");
    assert_eq!((log[0].seq, log[log.len() - 1].seq), (last - ring + 1, last));
    assert!(log.windows(2).all(|w| w[1].seq == w[0].seq + 1) && log.iter().all(|c| c.kind == "resync"));
    assert!(matches!(r.boards.bump_board(&elsewhere).await, Err(StoreError::Gone)), "a board gone");
    assert!(r.boards.changes_after(&elsewhere, 0, 10).await.unwrap().is_empty());
}

/// Reactions and comments: likes are set and unset idempotently; votes stay within the
/// board's tokens per person (`Conflict` beyond) and never below zero on a card; both are
/// read per board and per card; comments are read, listed oldest first and deleted.
pub async fn reactions_and_comments(o: &Opened) {
    let r = &o.regions[0];
    let (alice, bob) = (person(o, 1).await, person(o, 2).await);
    let (_, board) = org_with_board(o, &alice, "REACT-1").await;
    let (c1, c2) = (card(&board, &alice, 40, None), card(&board, &alice, 41, None));
    r.boards.insert_card(&c1).await.unwrap();
    r.boards.insert_card(&c2).await.unwrap();

    let s1 = r.boards.set_like(&board, &c1.id, &bob, true, 50).await.unwrap();
    let s2 = r.boards.set_like(&board, &c1.id, &bob, true, 51).await.unwrap();
    assert!(s2 > s1, "every reaction advances the board");
    r.boards.set_like(&board, &c2.id, &alice, true, 52).await.unwrap();
    r.boards.set_like(&board, &c2.id, &alice, false, 53).await.unwrap();
    let all = r.boards.reactions(&board).await.unwrap();
    assert_eq!(all.likes, vec![(c1.id.clone(), bob.clone())], "one like per person and card; unliking removes it");

    r.boards.add_vote(&board, &c1.id, &bob, 1, 2).await.unwrap();
    r.boards.add_vote(&board, &c2.id, &bob, 1, 2).await.unwrap();
    assert!(matches!(r.boards.add_vote(&board, &c1.id, &bob, 1, 2).await.unwrap_err(), StoreError::Conflict), "two tokens on the board");
    r.boards.add_vote(&board, &c2.id, &bob, -1, 2).await.unwrap();
    assert!(matches!(r.boards.add_vote(&board, &c2.id, &bob, -1, 2).await.unwrap_err(), StoreError::Conflict), "never below zero");
    r.boards.add_vote(&board, &c1.id, &bob, 1, 2).await.unwrap();
    r.boards.add_vote(&board, &c1.id, &alice, 1, 2).await.unwrap();
    let mut votes = r.boards.reactions(&board).await.unwrap().votes;
    votes.sort();
    let mut expected = vec![(c1.id.clone(), bob.clone(), 2), (c1.id.clone(), alice.clone(), 1)];
    expected.sort();
    assert_eq!(votes, expected, "a card's count per person; none left on c2");
    let of_c1 = r.boards.reactions_of_card(&c1.id).await.unwrap();
    assert_eq!((of_c1.likes.len(), of_c1.votes.len()), (1, 2));
    let of_c2 = r.boards.reactions_of_card(&c2.id).await.unwrap();
    assert!(of_c2.likes.is_empty() && of_c2.votes.is_empty());

    let (m1, m2, m3) = (comment(&c1.id, &bob, 60), comment(&c1.id, &alice, 61), comment(&c2.id, &bob, 62));
    for m in [&m1, &m2, &m3] {
        r.boards.insert_comment(&board, m).await.unwrap();
    }
    assert_eq!(r.boards.comment(&m2.id).await.unwrap().unwrap(), m2);
    assert_eq!(r.boards.comments_of_card(&c1.id).await.unwrap(), vec![m1.clone(), m2.clone()]);
    assert_eq!(r.boards.comments_of(&board).await.unwrap(), vec![m1.clone(), m2.clone(), m3.clone()]);
    r.boards.delete_comment(&board, &m1.id).await.unwrap();
    assert!(r.boards.comment(&m1.id).await.unwrap().is_none());
    assert_eq!(r.boards.comments_of_card(&c1.id).await.unwrap(), vec![m2]);
}

/// A person's contributions: read back whole (for export), then erased in one transaction:
/// their cards (with others' reactions and comments on them), comments, likes, votes,
/// memberships and participant row; boards they created survive, decorrelated; every board
/// touched advances; the blobs to delete are named.
pub async fn contributions(o: &Opened) {
    let r = &o.regions[0];
    let (alice, bob) = (person(o, 1).await, person(o, 2).await);
    let (org, board) = org_with_board(o, &bob, "CONTRIB-1").await;
    r.boards.put_member(&member(&org, &alice, "member", 20), draft("member.added", Some(&alice))).await.unwrap();
    let blob = BlobId::new(5).unwrap();
    let (mine, media, theirs) = (card(&board, &bob, 40, None), card(&board, &bob, 41, Some(blob.clone())), card(&board, &alice, 42, None));
    for c in [&mine, &media, &theirs] {
        r.boards.insert_card(c).await.unwrap();
    }
    r.boards.set_like(&board, &theirs.id, &bob, true, 50).await.unwrap();
    r.boards.add_vote(&board, &theirs.id, &bob, 1, 2).await.unwrap();
    r.boards.set_like(&board, &mine.id, &alice, true, 51).await.unwrap();
    r.boards.insert_comment(&board, &comment(&theirs.id, &bob, 52)).await.unwrap();
    let answer = comment(&mine.id, &alice, 53);
    r.boards.insert_comment(&board, &answer).await.unwrap();
    let kept = comment(&theirs.id, &alice, 54);
    r.boards.insert_comment(&board, &kept).await.unwrap();

    let (cards, comments, reactions, part) = r.boards.contributions_of(&bob).await.unwrap();
    assert_eq!(cards.iter().map(|c| c.id.clone()).collect::<Vec<_>>(), vec![mine.id.clone(), media.id.clone()]);
    assert_eq!((comments.len(), reactions.likes.len(), reactions.votes.len(), part.is_none()), (1, 1, 1, true));
    // The export's paged read: the same cards, every one once, in pages of the size asked.
    let mut pages = Vec::new();
    r.boards.cards_of_author(&bob, 1, &mut |p| pages.push(p)).await.unwrap();
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), vec![1, 1]);
    let mut paged: Vec<CardRow> = pages.into_iter().flatten().collect();
    paged.sort_by_key(|a| a.created_at);
    assert_eq!(paged, cards);
    let mut whole = Vec::new();
    r.boards.cards_of_author(&bob, 100, &mut |p| whole.push(p.len())).await.unwrap();
    assert_eq!(whole, vec![2]);
    let (comments_again, reactions_again, _) = r.boards.reactions_of(&bob).await.unwrap();
    assert_eq!((comments_again, reactions_again.likes.len(), reactions_again.votes.len()), (comments.clone(), 1, 1));

    let before = r.boards.board(&board).await.unwrap().unwrap().seq;
    let erased = r.boards.erase_contributions(&bob, false, vec![draft("contributions.erased", Some(&bob))]).await.unwrap();
    assert_eq!((erased.cards, erased.comments, erased.likes, erased.votes), (2, 1, 1, 1));
    assert_eq!(erased.blobs, vec![blob]);
    assert_eq!(erased.boards.len(), 1);
    assert!(erased.boards[0].0 == board && erased.boards[0].1 > before, "the board advanced");
    let (cards, comments, reactions, _) = r.boards.contributions_of(&bob).await.unwrap();
    assert!(cards.is_empty() && comments.is_empty() && reactions.likes.is_empty() && reactions.votes.is_empty());
    assert_eq!(r.boards.comments_of(&board).await.unwrap(), vec![kept.clone()], "others' comments on the person's cards went with them");
    assert!(r.boards.reactions_of_card(&mine.id).await.unwrap().likes.is_empty());
    assert_eq!(r.boards.cards_of(&board).await.unwrap().len(), 1, "others' cards stay");
    let b = r.boards.board(&board).await.unwrap().unwrap();
    assert_eq!(b.created_by, None, "the board survives its creator, decorrelated");
    assert!(r.boards.member(&org, &bob).await.unwrap().is_none() && r.boards.member(&org, &alice).await.unwrap().is_some());

    // Someone with more cards than there are comments: the comments on their cards are found
    // by scanning the comments (the other direction from above), and only those go.
    let carol = person(o, 3).await;
    let hers: Vec<CardRow> = (0..3).map(|k| card(&board, &carol, 70 + k, None)).collect();
    for c in &hers {
        r.boards.insert_card(c).await.unwrap();
    }
    let on_hers = comment(&hers[1].id, &alice, 80);
    r.boards.insert_comment(&board, &on_hers).await.unwrap();
    r.boards.set_like(&board, &hers[2].id, &alice, true, 81).await.unwrap();
    assert_eq!(r.boards.comments_of(&board).await.unwrap().len(), 2, "fewer comments than her cards");
    let erased = r.boards.erase_contributions(&carol, false, vec![draft("contributions.erased", Some(&carol))]).await.unwrap();
    assert_eq!((erased.cards, erased.comments, erased.likes), (3, 0, 0), "what she wrote herself");
    assert_eq!(r.boards.comments_of(&board).await.unwrap(), vec![kept.clone()], "others' comment on her card went with it");
    assert!(r.boards.reactions_of_card(&hers[2].id).await.unwrap().likes.is_empty());

    // A participant's row goes too.
    let guest = SubjectId::new(60).unwrap();
    let p = ParticipantRow {
        subject_id: guest.clone(),
        board_id: board.clone(),
        pseudonym: vec![1],
        created_at: 60,
        recovery_hash: None,
        last_session_at: 60,
    };
    r.boards.create_participant(&p, &session_of(&guest, 0x62, 60), vec![draft("participant.joined", Some(&guest))]).await.unwrap();
    assert!(r.boards.contributions_of(&guest).await.unwrap().3.is_some());
    // Leaving is one write too: contributions, participation, sessions, then the entries in order.
    let left = vec![draft("contributions.erased", Some(&guest)), draft("participant.erased", Some(&guest))];
    r.boards.erase_contributions(&guest, true, left).await.unwrap();
    assert!(r.boards.participant(&guest).await.unwrap().is_none());
    assert!(r.store.session(&[0x62; 32]).await.unwrap().is_none(), "their session went with them");
    assert_eq!(actions_about(o, &guest).await, ["participant.joined", "contributions.erased", "participant.erased"]);
}

/// Deleting a board, then an organisation: everything under them goes, their participants
/// are marked erased and named (their keys go next), and their media blobs are named.
pub async fn deletion(o: &Opened) {
    let r = &o.regions[0];
    let alice = person(o, 1).await;
    let (org, board) = org_with_board(o, &alice, "DELETE-1").await;
    let second = BoardId::new(13).unwrap();
    r.boards.create_board(&board_row(&second, &org, &alice, "DELETE-2"), draft("board.created", None)).await.unwrap();
    let (blob1, blob2) = (BlobId::new(7).unwrap(), BlobId::new(8).unwrap());
    let guests = [SubjectId::new(70).unwrap(), SubjectId::new(71).unwrap()];
    for (b, blob, guest, h) in [(&board, &blob1, &guests[0], 0x70), (&second, &blob2, &guests[1], 0x71)] {
        let p = ParticipantRow {
            subject_id: guest.clone(),
            board_id: b.clone(),
            pseudonym: vec![1],
            created_at: 30,
            recovery_hash: None,
            last_session_at: 30,
        };
        r.boards.create_participant(&p, &session_of(guest, h, 30), vec![draft("participant.joined", Some(guest))]).await.unwrap();
        let c = card(b, guest, 40, Some(blob.clone()));
        r.boards.insert_card(&c).await.unwrap();
        r.boards.set_like(b, &c.id, &alice, true, 41).await.unwrap();
        r.boards.insert_comment(b, &comment(&c.id, &alice, 42)).await.unwrap();
    }
    r.boards
        .create_invitation(&InvitationRow {
            id: "inv-del".into(),
            org_id: org.clone(),
            token_hash: vec![9; 32],
            role: OrgRole::Member,
            created_by: Some(alice.clone()),
            created_at: 1,
            expires_at: 1_000,
            revoked_at: None,
            email_bidx: None,
            accepted_at: None,
            accepted_by: None,
        })
        .await
        .unwrap();

    let (blobs, parts) = r.boards.delete_board(&board, draft("board.deleted", None)).await.unwrap();
    assert_eq!((blobs, parts), (vec![blob1], vec![guests[0].clone()]));
    assert!(r.boards.board(&board).await.unwrap().is_none());
    // A change that arrives after the deletion finds the board gone (answered 404, not 500).
    let late = board_row(&board, &org, &alice, "LATECODE01");
    assert!(matches!(r.boards.update_board(&late).await.unwrap_err(), StoreError::Gone));
    assert!(matches!(r.boards.bump_board(&board).await.unwrap_err(), StoreError::Gone));
    assert!(r.boards.board(&board).await.unwrap().is_none(), "and does not bring it back");
    assert!(r.boards.participant(&guests[0]).await.unwrap().is_none());
    assert!(r.store.session(&[0x70; 32]).await.unwrap().is_none(), "their session went with the board");
    assert!(r.store.session(&[0x71; 32]).await.unwrap().is_some(), "the other board's participant keeps theirs");
    assert_eq!(r.store.subject_erased_at(&guests[0]).await.unwrap(), Some(1_000), "the participant is marked erased (at the audit's time)");
    assert_eq!(r.boards.boards_of_org(&org).await.unwrap().len(), 1, "the other board stays");

    let (blobs, parts) = r.boards.delete_org(&org, draft("org.deleted", None)).await.unwrap();
    assert_eq!((blobs, parts), (vec![blob2], vec![guests[1].clone()]));
    assert!(r.boards.org(&org).await.unwrap().is_none() && r.boards.board(&second).await.unwrap().is_none());
    assert!(r.boards.members(&org).await.unwrap().is_empty() && r.boards.invitations_of(&org).await.unwrap().is_empty());
    assert!(r.boards.invitation_by_hash(&[9; 32]).await.unwrap().is_none());
    assert!(r.store.subject_erased_at(&guests[1]).await.unwrap().is_some());
    assert!(r.store.session(&[0x71; 32]).await.unwrap().is_none(), "and theirs with the organisation");
    assert!(r.boards.orgs_of(&alice).await.unwrap().is_empty());
}
