//! Conformance of the `CareersStore` port: job posts by status, applications with their
//! applicant, lookups by id, token hash, post and address, updates of the state, the
//! applications outside the talent pool found by their last contact, deletion that says whose
//! key and which CV go with it.

use clearboard_core::platform::ids::{BlobId, SubjectId};
use clearboard_core::platform::ports::{ApplicationRow, JobPostRow, StoreError};
use clearboard_store::Opened;

use super::draft;

fn job(id: &str, status: &str, at: i64, by: &SubjectId) -> JobPostRow {
    JobPostRow {
        id: id.into(),
        title: format!("Post {id}"),
        title_fr: Some(format!("Poste {id}")),
        description: "Write Rust.".into(),
        description_fr: None,
        place: Some("Paris".into()),
        status: status.into(),
        created_by: by.clone(),
        created_at: at,
        closed_at: None,
    }
}

fn application(id: &str, job: &str, applicant: &SubjectId, bidx: u8, pool: bool, at: i64) -> ApplicationRow {
    ApplicationRow {
        id: id.into(),
        job_id: job.into(),
        applicant_id: applicant.clone(),
        email_bidx: vec![bidx; 32],
        contact: vec![1, 2, 3],
        cover_letter: vec![4, 5],
        cv_blob: BlobId::new(at).unwrap(),
        status: "new".into(),
        talent_pool: pool,
        consent_proof: pool.then(|| vec![6, 7]),
        token_hash: id.bytes().chain([bidx; 32]).collect(),
        created_at: at,
        updated_at: at,
        last_contact_at: at,
    }
}

pub async fn applications(o: &Opened) {
    let s = &o.regions[0].careers;
    let staff = SubjectId::new(1).unwrap();
    s.insert_job(&job("j-1", "open", 10, &staff), Some(draft("careers.job_published", None))).await.unwrap();
    s.insert_job(&job("j-2", "closed", 20, &staff), None).await.unwrap();
    assert_eq!(s.job("j-1").await.unwrap(), Some(job("j-1", "open", 10, &staff)));
    assert_eq!(s.job("nope").await.unwrap(), None);
    let ids = |v: Vec<JobPostRow>| v.into_iter().map(|j| j.id).collect::<Vec<_>>();
    assert_eq!(ids(s.jobs(Some("open")).await.unwrap()), vec!["j-1"]);
    assert_eq!(ids(s.jobs(None).await.unwrap()), vec!["j-2", "j-1"]);

    let (p1, p2, p3) = (SubjectId::new(200).unwrap(), SubjectId::new(201).unwrap(), SubjectId::new(202).unwrap());
    let a = application("a-1", "j-1", &p1, 1, false, 100);
    let b = application("a-2", "j-1", &p2, 2, true, 200);
    let c = application("a-3", "j-2", &p3, 1, false, 300);
    s.insert_application(&a, Some(draft("careers.application_received", Some(&p1)))).await.unwrap();
    s.insert_application(&b, None).await.unwrap();
    s.insert_application(&c, None).await.unwrap();
    // A token hash is unique.
    let dup = ApplicationRow { id: "a-4".into(), applicant_id: SubjectId::new(203).unwrap(), ..a.clone() };
    assert!(matches!(s.insert_application(&dup, None).await, Err(StoreError::Conflict)));

    assert_eq!(s.application("a-1").await.unwrap().as_ref(), Some(&a));
    assert_eq!(s.application("nope").await.unwrap(), None);
    assert_eq!(s.application_by_token_hash(&b.token_hash).await.unwrap().map(|x| x.id), Some("a-2".into()));
    let aids = |v: Vec<ApplicationRow>| v.into_iter().map(|x| x.id).collect::<Vec<_>>();
    assert_eq!(aids(s.applications(None).await.unwrap()), vec!["a-1", "a-2", "a-3"]);
    assert_eq!(aids(s.applications(Some("j-1")).await.unwrap()), vec!["a-1", "a-2"]);
    assert_eq!(aids(s.applications_by_address(&[1; 32]).await.unwrap()), vec!["a-3", "a-1"]);

    // An update changes the state; a decision moves the last contact.
    let mut a2 = a.clone();
    a2.status = "rejected".into();
    a2.updated_at = 400;
    a2.last_contact_at = 400;
    s.update_application(&a2, Some(draft("careers.decision", Some(&p1)))).await.unwrap();
    assert_eq!(s.application("a-1").await.unwrap().as_ref(), Some(&a2));
    let ghost = application("a-ghost", "j-1", &p1, 9, false, 1);
    assert!(matches!(s.update_application(&ghost, None).await, Err(StoreError::Gone)));

    // Outside the talent pool, by last contact; the pool is never due.
    assert_eq!(s.stale_applications(400).await.unwrap(), vec!["a-3"]);
    assert_eq!(s.stale_applications(401).await.unwrap(), vec!["a-3", "a-1"]);
    assert!(!s.stale_applications(i64::MAX).await.unwrap().contains(&"a-2".to_string()));
    let mut b2 = b.clone();
    b2.talent_pool = false;
    b2.consent_proof = Some(vec![8]);
    s.update_application(&b2, None).await.unwrap();
    assert!(s.stale_applications(201).await.unwrap().contains(&"a-2".to_string()), "withdrawn: the two-year rule applies");

    assert_eq!(s.delete_application("a-1").await.unwrap(), Some((p1, a.cv_blob.clone())));
    assert_eq!(s.delete_application("a-1").await.unwrap(), None);
    assert_eq!(aids(s.applications(None).await.unwrap()), vec!["a-2", "a-3"]);
}
