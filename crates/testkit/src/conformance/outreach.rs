//! Conformance of outreach's port (`OutreachStore`): contacts (one per address, found by blind
//! index, confirmation hash and subject; the scheduler's due lists; deletion with what names
//! them), campaigns, sends claimed once per recipient, clicks, account holders and policy
//! notices claimed once per version and person.

use clearboard_core::platform::ids::SubjectId;
use clearboard_core::platform::ports::{CampaignRow, ClickRow, ContactRow, SendCounts, StoreError};
use clearboard_store::Opened;

use super::{draft, person};

fn contact(n: u8, at: i64) -> ContactRow {
    let subject = SubjectId::new(at).unwrap();
    ContactRow {
        id: format!("contact-{n}"),
        subject_id: subject,
        email_bidx: vec![n; 32],
        email: vec![1, 2, n],
        phone: None,
        lang: "fr".into(),
        lists: String::new(),
        pending_lists: "newsletter".into(),
        state: "pending".into(),
        created_at: at,
        confirmed_at: None,
        last_contact_at: at,
        confirm_hash: Some(vec![n; 32]),
        confirm_expires_at: Some(at + 100),
        confirm_sent_at: Some(at),
        text_digest: "d".repeat(64),
        proof: vec![9, n],
    }
}

/// Contacts: unique per address, found three ways, updated, listed for the scheduler, deleted.
pub async fn contacts(o: &Opened) {
    let s = &o.regions[0].outreach;
    let a = contact(1, 1_000);
    let b = contact(2, 2_000);
    s.insert_contact(&a, Some(draft("outreach.subscription_asked", Some(&a.subject_id)))).await.unwrap();
    s.insert_contact(&b, None).await.unwrap();
    let twin = ContactRow { id: "contact-3".into(), subject_id: SubjectId::new(3_000).unwrap(), ..a.clone() };
    assert!(matches!(s.insert_contact(&twin, None).await, Err(StoreError::Conflict)), "one contact per address");
    assert_eq!(s.contact_by_email(&[1; 32]).await.unwrap().as_ref(), Some(&a));
    assert_eq!(s.contact_by_confirm_hash(&[2; 32]).await.unwrap().as_ref(), Some(&b));
    assert_eq!(s.contact_of_subject(&a.subject_id).await.unwrap().as_ref(), Some(&a));
    assert!(s.contact_by_email(&[7; 32]).await.unwrap().is_none());
    let confirmed = ContactRow {
        lists: "newsletter,phone".into(),
        pending_lists: String::new(),
        state: "confirmed".into(),
        confirmed_at: Some(1_500),
        last_contact_at: 1_500,
        confirm_hash: None,
        confirm_expires_at: None,
        phone: Some(vec![5]),
        ..a.clone()
    };
    s.update_contact(&confirmed, None).await.unwrap();
    assert_eq!(s.contact_of_subject(&a.subject_id).await.unwrap(), Some(confirmed.clone()));
    assert_eq!(s.contacts_in("confirmed").await.unwrap(), vec![confirmed.clone()]);
    assert_eq!(s.contacts_in("pending").await.unwrap(), vec![b.clone()]);
    // Due: never confirmed and asked before; without contact since.
    assert_eq!(s.unconfirmed_before(2_001).await.unwrap(), vec![b.subject_id.clone()]);
    assert!(s.unconfirmed_before(2_000).await.unwrap().is_empty());
    assert!(s.inactive_before(1_500).await.unwrap().is_empty());
    assert_eq!(s.inactive_before(1_501).await.unwrap(), vec![a.subject_id.clone()]);
    assert_eq!(s.inactive_before(2_001).await.unwrap(), vec![a.subject_id.clone(), b.subject_id.clone()]);
    // Deleting a contact takes their sends and clicks, and marks the subject erased.
    assert!(s.claim_send("c1", &a.subject_id, 10).await.unwrap());
    s.insert_click(&ClickRow { id: "k1".into(), campaign_id: "c1".into(), subject_id: a.subject_id.clone(), at: 11 }).await.unwrap();
    let n = s.delete_contact(&a.subject_id, 3_000, Some(draft("outreach.contact_erased", Some(&a.subject_id)))).await.unwrap();
    assert_eq!(n, 3);
    assert!(s.contact_of_subject(&a.subject_id).await.unwrap().is_none());
    assert!(s.sends_of(&a.subject_id).await.unwrap().is_empty() && s.clicks_of(&a.subject_id).await.unwrap().is_empty());
    assert_eq!(o.regions[0].store.subject_erased_at(&a.subject_id).await.unwrap(), Some(3_000));
    assert!(s.contact_of_subject(&b.subject_id).await.unwrap().is_some(), "others stay");
}

/// Campaigns, sends claimed once per recipient, counts, clicks, deletion of activity.
pub async fn campaigns_and_sends(o: &Opened) {
    let s = &o.regions[0].outreach;
    let staff = person(o, 40).await;
    let c = CampaignRow {
        id: "0193a000-0000-7000-8000-000000000001".into(),
        list: "newsletter".into(),
        subject_en: "News".into(),
        subject_fr: "Actualités".into(),
        body_en: "# Hi".into(),
        body_fr: "# Salut".into(),
        state: "draft".into(),
        created_by: staff.clone(),
        created_at: 100,
        scheduled_at: None,
        started_at: None,
        finished_at: None,
    };
    s.insert_campaign(&c, Some(draft("campaign.created", None))).await.unwrap();
    let later = CampaignRow { id: "0193a000-0000-7000-8000-000000000002".into(), created_at: 200, ..c.clone() };
    s.insert_campaign(&later, None).await.unwrap();
    assert_eq!(s.campaign(&c.id).await.unwrap().as_ref(), Some(&c));
    assert_eq!(s.campaigns().await.unwrap().iter().map(|x| x.id.as_str()).collect::<Vec<_>>(), vec![later.id.as_str(), c.id.as_str()]);
    let sending = CampaignRow { state: "sending".into(), started_at: Some(300), scheduled_at: Some(250), ..c.clone() };
    s.update_campaign(&sending).await.unwrap();
    assert_eq!(s.campaign(&c.id).await.unwrap(), Some(sending));

    let (x, y, z) = (SubjectId::new(1).unwrap(), SubjectId::new(2).unwrap(), SubjectId::new(3).unwrap());
    assert!(s.claim_send(&c.id, &x, 400).await.unwrap());
    assert!(!s.claim_send(&c.id, &x, 401).await.unwrap(), "claimed once");
    s.finish_send(&c.id, &x, "sent", 402).await.unwrap();
    assert!(!s.claim_send(&c.id, &x, 403).await.unwrap(), "never again once sent");
    assert!(s.claim_send(&c.id, &y, 404).await.unwrap());
    s.finish_send(&c.id, &y, "skipped", 405).await.unwrap();
    assert!(s.claim_send(&c.id, &z, 406).await.unwrap());
    assert!(s.claim_send(&later.id, &x, 407).await.unwrap(), "per campaign");
    assert_eq!(s.send_counts(&c.id).await.unwrap(), SendCounts { claimed: 1, sent: 1, skipped: 1, failed: 0 });
    let mut handled = s.handled(&c.id).await.unwrap();
    handled.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    let mut expect = vec![x.clone(), y.clone(), z.clone()];
    expect.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    assert_eq!(handled, expect);
    let sends = s.sends_of(&x).await.unwrap();
    assert_eq!(sends.len(), 2);
    assert_eq!((sends[0].state.as_str(), sends[0].at), ("sent", 402));
    s.insert_click(&ClickRow { id: "k2".into(), campaign_id: c.id.clone(), subject_id: x.clone(), at: 500 }).await.unwrap();
    assert_eq!(s.clicks_of(&x).await.unwrap().len(), 1);
    assert_eq!(s.delete_activity_of(&x).await.unwrap(), 3);
    assert!(s.sends_of(&x).await.unwrap().is_empty() && s.clicks_of(&x).await.unwrap().is_empty());
}

/// Account holders, and policy notices claimed once per version and person.
pub async fn notices(o: &Opened) {
    let s = &o.regions[0].outreach;
    let (p, q) = (person(o, 41).await, person(o, 42).await);
    let holders: Vec<SubjectId> = s.account_holders().await.unwrap().into_iter().map(|(id, _)| id).collect();
    assert!(holders.contains(&p) && holders.contains(&q));
    assert!(s.claim_notice("v1", &p, 10).await.unwrap());
    assert!(!s.claim_notice("v1", &p, 11).await.unwrap(), "once per version and person");
    assert!(s.claim_notice("v2", &p, 12).await.unwrap());
    s.finish_notice("v1", &p, "sent", 13).await.unwrap();
    assert_eq!(s.notices_of("v1").await.unwrap(), vec![(p.clone(), "sent".to_string(), 13)]);
    assert!(s.notices_of("v3").await.unwrap().is_empty());
}
