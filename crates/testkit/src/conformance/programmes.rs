//! Conformance of the programmes' port (`ProgrammesStore`): sessions by programme, soonest
//! first; registrations in their programme's own table, found by id, token hash, session and
//! address, updated several at once, found past a session's end, deleted saying whose keys
//! go; visits found past their end (departure, or arrival without one) and deleted.

use clearboard_core::platform::ids::SubjectId;
use clearboard_core::platform::ports::{Programme, ProgrammeSessionRow, RegistrationRow, StoreError, VisitRow};
use clearboard_store::Opened;

use super::draft;

fn session(id: &str, p: Programme, starts: Option<i64>, ends: Option<i64>) -> ProgrammeSessionRow {
    ProgrammeSessionRow {
        id: id.into(),
        programme: p,
        title: format!("Session {id}"),
        description: None,
        starts_at: starts,
        ends_at: ends,
        place: Some("online".into()),
        capacity: Some(2),
        trainer: None,
        created_by: SubjectId::new(1).unwrap(),
        created_at: 1,
    }
}

fn registration(id: &str, session: &str, n: i64, bidx: u8) -> RegistrationRow {
    RegistrationRow {
        id: id.into(),
        session_id: session.into(),
        subject_id: SubjectId::new(n).unwrap(),
        email_bidx: vec![bidx; 32],
        contact: vec![7, 7, 7],
        state: "pending".into(),
        token_hash: id.bytes().chain([bidx; 8]).collect(),
        created_at: n,
        confirmed_at: None,
        checked_in_at: None,
    }
}

pub async fn registrations(o: &Opened) {
    let s = &o.regions[0].programmes;
    s.insert_session(&session("e1", Programme::Event, Some(1_000), Some(2_000)), Some(draft("programmes.session_published", None)))
        .await
        .unwrap();
    s.insert_session(&session("e0", Programme::Event, Some(500), None), None).await.unwrap();
    s.insert_session(&session("t1", Programme::Training, None, None), None).await.unwrap();
    let ids: Vec<String> = s.sessions(Programme::Event).await.unwrap().into_iter().map(|x| x.id).collect();
    assert_eq!(ids, ["e0", "e1"]);
    assert_eq!(s.sessions(Programme::Training).await.unwrap()[0].programme, Programme::Training);
    assert_eq!(s.session("e1").await.unwrap().unwrap().ends_at, Some(2_000));
    assert!(s.session("nope").await.unwrap().is_none());

    let a = registration("r-a", "e1", 200, 1);
    let b = registration("r-b", "e1", 201, 2);
    let t = registration("r-t", "t1", 202, 1);
    s.insert_registration(Programme::Event, &a, Some(draft("programmes.registration_received", Some(&a.subject_id)))).await.unwrap();
    s.insert_registration(Programme::Event, &b, None).await.unwrap();
    s.insert_registration(Programme::Training, &t, None).await.unwrap();
    // Each programme has its own table.
    assert!(s.registration(Programme::Training, "r-a").await.unwrap().is_none());
    assert_eq!(s.registration(Programme::Event, "r-a").await.unwrap().unwrap(), a);
    assert_eq!(s.registration_by_token_hash(Programme::Event, &b.token_hash).await.unwrap().unwrap().id, "r-b");
    let by_addr: Vec<String> = s.registrations_by_bidx(Programme::Event, &[1; 32]).await.unwrap().into_iter().map(|x| x.id).collect();
    assert_eq!(by_addr, ["r-a"]);
    // A token hash is unique.
    let mut dup = registration("r-c", "e1", 203, 3);
    dup.token_hash = a.token_hash.clone();
    assert!(matches!(s.insert_registration(Programme::Event, &dup, None).await, Err(StoreError::Conflict)));

    let mut a2 = a.clone();
    a2.state = "registered".into();
    a2.confirmed_at = Some(300);
    let mut b2 = b.clone();
    b2.state = "waiting".into();
    b2.checked_in_at = Some(400);
    s.update_registrations(
        Programme::Event,
        &[a2.clone(), b2.clone()],
        vec![draft("programmes.registration_confirmed", Some(&a.subject_id))],
    )
    .await
    .unwrap();
    let listed = s.registrations(Programme::Event, "e1").await.unwrap();
    assert_eq!(listed, vec![a2.clone(), b2]);
    assert!(s.update_registrations(Programme::Event, &[registration("ghost", "e1", 9, 9)], vec![]).await.is_err());

    // Past the end (or the start when undated; an undated session from the registration).
    assert!(s.registrations_ended_before(Programme::Event, 2_000).await.unwrap().is_empty());
    assert_eq!(s.registrations_ended_before(Programme::Event, 2_001).await.unwrap(), ["r-a", "r-b"]);
    assert_eq!(s.registrations_ended_before(Programme::Training, 203).await.unwrap(), ["r-t"]);
    let gone = s.delete_registrations(Programme::Event, &["r-a".to_string(), "ghost".to_string()]).await.unwrap();
    assert_eq!(gone, vec![a.subject_id.clone()]);
    assert!(s.registration(Programme::Event, "r-a").await.unwrap().is_none());
}

pub async fn visits(o: &Opened) {
    let s = &o.regions[0].programmes;
    let staff = SubjectId::new(5).unwrap();
    let v1 = VisitRow {
        id: "v1".into(),
        subject_id: SubjectId::new(300).unwrap(),
        contact: vec![1],
        arrived_at: 100,
        departed_at: None,
        recorded_by: staff.clone(),
    };
    let v2 = VisitRow {
        id: "v2".into(),
        subject_id: SubjectId::new(301).unwrap(),
        contact: vec![2],
        arrived_at: 150,
        departed_at: None,
        recorded_by: staff,
    };
    s.insert_visit(&v1, Some(draft("programmes.visit_recorded", Some(&v1.subject_id)))).await.unwrap();
    s.insert_visit(&v2, None).await.unwrap();
    let ids: Vec<String> = s.visits().await.unwrap().into_iter().map(|v| v.id).collect();
    assert_eq!(ids, ["v2", "v1"]);
    let mut left = v1.clone();
    left.departed_at = Some(500);
    s.update_visit(&left, None).await.unwrap();
    assert_eq!(s.visit("v1").await.unwrap().unwrap(), left);
    // v2 never left: its arrival counts.
    assert_eq!(s.visits_ended_before(200).await.unwrap(), ["v2"]);
    assert_eq!(s.visits_ended_before(501).await.unwrap(), ["v1", "v2"]);
    assert_eq!(s.delete_visits(&["v2".to_string()]).await.unwrap(), vec![v2.subject_id]);
    assert!(s.visit("v2").await.unwrap().is_none());
}
