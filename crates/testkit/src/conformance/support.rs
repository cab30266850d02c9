//! Conformance of the `SupportStore` port: tickets with their first message, updates that add
//! to the thread, lookups by id, token hash, reference, status and account or address, closed
//! tickets found by date, deletion that says whose keys and which blobs go with it.

use clearboard_core::platform::ids::{BlobId, SubjectId};
use clearboard_core::platform::ports::{StoreError, SupportMessageRow, TicketRow};
use clearboard_store::Opened;

use super::{draft, person};

fn ticket(id: &str, reference: &str, requester: &SubjectId, account: Option<&SubjectId>, bidx: u8, at: i64) -> TicketRow {
    TicketRow {
        id: id.into(),
        reference: reference.into(),
        requester_id: requester.clone(),
        account_id: account.cloned(),
        email_bidx: vec![bidx; 32],
        contact: vec![1, 2, 3],
        title: vec![4, 5],
        status: "open".into(),
        assignee_id: None,
        channel: "web_form".into(),
        topic: "general".into(),
        rights_request_id: None,
        token_hash: vec![bidx; 32].into_iter().chain(reference.bytes()).collect(),
        created_at: at,
        updated_at: at,
        due_at: Some(at + 10),
        closed_at: None,
    }
}

fn message(id: &str, ticket: &str, author: &str, blob: Option<BlobId>, at: i64) -> SupportMessageRow {
    SupportMessageRow {
        id: id.into(),
        ticket_id: ticket.into(),
        author: author.into(),
        staff_id: None,
        channel: "web_form".into(),
        body: vec![9, 9, 9],
        attachment_type: blob.as_ref().map(|_| "image/png".to_string()),
        attachment_blob: blob,
        at,
    }
}

pub async fn tickets(o: &Opened) {
    let s = &o.regions[0].support;
    let account = person(o, 61).await;
    let (r1, r2, r3) = (SubjectId::new(100).unwrap(), SubjectId::new(101).unwrap(), SubjectId::new(102).unwrap());
    let blob = BlobId::new(100).unwrap();
    let a = ticket("t-a", "CB-AAAAAAAA", &r1, Some(&account), 1, 100);
    let b = ticket("t-b", "CB-BBBBBBBB", &r2, None, 2, 200);
    let c = ticket("t-c", "CB-CCCCCCCC", &r3, None, 3, 300);
    s.insert_ticket(&a, &message("m-a1", "t-a", "requester", Some(blob.clone()), 100), Some(draft("support.ticket_received", Some(&r1))))
        .await
        .unwrap();
    s.insert_ticket(&b, &message("m-b1", "t-b", "requester", None, 200), None).await.unwrap();
    s.insert_ticket(&c, &message("m-c1", "t-c", "requester", None, 300), None).await.unwrap();
    // A reference or a token hash is unique.
    let dup = TicketRow { id: "t-d".into(), requester_id: SubjectId::new(103).unwrap(), ..a.clone() };
    assert!(matches!(s.insert_ticket(&dup, &message("m-d1", "t-d", "requester", None, 1), None).await, Err(StoreError::Conflict)));

    assert_eq!(s.ticket("t-a").await.unwrap().as_ref(), Some(&a));
    assert_eq!(s.ticket("nope").await.unwrap(), None);
    assert_eq!(s.ticket_by_token_hash(&b.token_hash).await.unwrap().map(|t| t.id), Some("t-b".into()));
    assert_eq!(s.ticket_by_reference("CB-CCCCCCCC").await.unwrap().map(|t| t.id), Some("t-c".into()));
    assert_eq!(s.ticket_by_reference("CB-ZZZZZZZZ").await.unwrap(), None);

    // An update changes the state and adds to the thread, in order.
    let mut b2 = b.clone();
    b2.status = "waiting".into();
    b2.assignee_id = Some(account.clone());
    b2.updated_at = 250;
    b2.due_at = None;
    b2.rights_request_id = Some("req-1".into());
    s.update_ticket(&b2, Some(&message("m-b2", "t-b", "staff", None, 250)), Some(draft("support.staff_replied", Some(&r2)))).await.unwrap();
    assert_eq!(s.ticket("t-b").await.unwrap().as_ref(), Some(&b2));
    let thread: Vec<String> = s.messages("t-b").await.unwrap().into_iter().map(|m| format!("{}:{}", m.id, m.author)).collect();
    assert_eq!(thread, vec!["m-b1:requester", "m-b2:staff"]);
    assert_eq!(s.messages("t-a").await.unwrap()[0].attachment_blob.as_ref(), Some(&blob));
    let ghost = ticket("t-ghost", "CB-GGGGGGGG", &r1, None, 9, 1);
    assert!(matches!(s.update_ticket(&ghost, None, None).await, Err(StoreError::Gone)));

    let ids = |v: Vec<TicketRow>| v.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(ids(s.tickets(Some("open")).await.unwrap()), vec!["t-a", "t-c"]);
    assert_eq!(ids(s.tickets(Some("waiting")).await.unwrap()), vec!["t-b"]);
    assert_eq!(ids(s.tickets(None).await.unwrap()), vec!["t-a", "t-b", "t-c"]);
    // By account, or by the account's address, newest first.
    assert_eq!(ids(s.tickets_of(Some(&account), &[3; 32]).await.unwrap()), vec!["t-c", "t-a"]);
    // By address alone.
    assert_eq!(ids(s.tickets_of(None, &[2; 32]).await.unwrap()), vec!["t-b"]);

    // Closed tickets by the date they were closed.
    let mut c2 = c.clone();
    c2.status = "closed".into();
    c2.closed_at = Some(400);
    s.update_ticket(&c2, None, None).await.unwrap();
    assert_eq!(s.closed_before(400).await.unwrap(), Vec::<String>::new());
    assert_eq!(s.closed_before(401).await.unwrap(), vec!["t-c"]);

    let gone = s.delete_tickets(&["t-a".into(), "t-c".into(), "nope".into()]).await.unwrap();
    assert_eq!(gone.tickets, 2);
    assert_eq!(gone.requesters, vec![r1, r3]);
    assert_eq!(gone.blobs, vec![blob]);
    assert_eq!(s.ticket("t-a").await.unwrap(), None);
    assert!(s.messages("t-a").await.unwrap().is_empty());
    assert_eq!(ids(s.tickets(None).await.unwrap()), vec!["t-b"]);
}
