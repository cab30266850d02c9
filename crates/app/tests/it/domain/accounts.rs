//! Accounts (C-DSR-1, C-RET-2, C-LOC-1): sign-up and sign-in by a case-insensitive address in
//! the region chosen, profile changes (email and password only after re-authentication, a
//! password change ending every other session, the audit naming fields, never values), and
//! deletion destroying the key first. (Bad input and pictures over HTTP: `it/accounts.rs`.)

use super::*;
use clearboard_core::identity::accounts::ProfileChange;
use clearboard_core::identity::sessions::SessionKind;

fn pw(s: &str) -> Option<Zeroizing<String>> {
    Some(Zeroizing::new(s.to_string()))
}

both!(sign_up_sign_in_and_profile, |b| async move {
    let d = Domain::open(b).await;
    let input = d.new_account();
    let (email, password, first) = (input.email.clone(), input.password.to_string(), input.first_name.clone());
    let p = d.cb.accounts().sign_up(input).await.unwrap();
    assert_eq!((p.email.as_str(), p.first_name.as_str(), p.region.as_str()), (email.as_str(), first.as_str(), "eu"));
    // Sign-in is case-insensitive on the email (blind index of the normalised address).
    let (_, who) = d.sign_in(&email.to_uppercase(), &password).await;
    assert_eq!(d.cb.accounts().me(&who).await.unwrap(), p);
    // The US region: the token names it, and the rows live in the US database only.
    let mut us = d.new_account();
    us.region = Some("us".into());
    let person = d.new_person_with(us).await;
    assert_eq!(person.region.as_str(), "us");
    assert!(person.token.starts_with("cb1.us."));
    assert!(d.region("us").store.account(&person.id).await.unwrap().is_some());
    assert!(d.region("eu").store.account(&person.id).await.unwrap().is_none());
    // The same address cannot sign up twice, in any case or region.
    let mut again = d.new_account();
    again.email = email.to_uppercase();
    again.region = Some("us".into());
    assert!(matches!(d.cb.accounts().sign_up(again).await, Err(CoreError::EmailTaken)));
});
// C-DSR-1, C-SEC-1: people amend their own account data, behind re-authentication.
both!(profile_changes_need_reauthentication_for_email_and_password, |b| async move {
    let d = Domain::open(b).await;
    let u = d.new_person().await;
    let other = d.new_person().await;
    let accounts = d.cb.accounts();

    // Names and phone change freely; no phone removes it.
    let change = ProfileChange { last_name: Some("Durand".into()), phone: Some(None), locale: Some("fr".into()), ..Default::default() };
    let p = accounts.update(&u.principal, change).await.unwrap();
    assert_eq!((p.last_name.as_str(), p.phone.is_none(), p.locale.as_str()), ("Durand", true, "fr"));

    let new_email = canary_email("new");
    let email_change = |email: &str, current: Option<Zeroizing<String>>| ProfileChange {
        email: Some(email.to_string()),
        current_password: current,
        ..Default::default()
    };
    let refused = accounts.update(&u.principal, email_change(&new_email, None)).await;
    assert!(matches!(refused, Err(CoreError::ReauthenticationFailed)), "{refused:?}");
    let refused = accounts.update(&u.principal, email_change(&new_email, pw("wrong password!"))).await;
    assert!(matches!(refused, Err(CoreError::ReauthenticationFailed)), "{refused:?}");
    let taken = accounts.update(&u.principal, email_change(&other.email, pw(&u.password))).await;
    assert!(matches!(taken, Err(CoreError::EmailTaken)), "{taken:?}");
    let p = accounts.update(&u.principal, email_change(&new_email, pw(&u.password))).await.unwrap();
    assert_eq!(p.email, new_email);
    let old = d.cb.sessions().sign_in(&u.email, Zeroizing::new(u.password.clone()), SessionKind::Bearer, None).await;
    assert!(matches!(old, Err(CoreError::InvalidCredentials)), "the old address no longer signs in");
    let (second, _) = d.sign_in(&new_email, &u.password).await;
    // The old address is free again.
    let mut reuse = d.new_account();
    reuse.email = u.email.clone();
    d.new_person_with(reuse).await;

    // A password change ends every other session (ASVS V7.4.3) but keeps this one.
    let new_pw = format!("a new pass {}", canary("Pw"));
    let pw_change = |current| ProfileChange { new_password: pw(&new_pw), current_password: current, ..Default::default() };
    assert!(matches!(accounts.update(&u.principal, pw_change(None)).await, Err(CoreError::ReauthenticationFailed)));
    accounts.update(&u.principal, pw_change(pw(&u.password))).await.unwrap();
    assert!(d.cb.sessions().authenticate(&u.token).await.is_ok(), "this session stays");
    assert!(matches!(d.cb.sessions().authenticate(&second).await, Err(CoreError::Unauthenticated)), "the others end");
    d.sign_in(&new_email, &new_pw).await;
    // The audit log records which fields changed, never their values.
    let entries = d.region("eu").store.audit_about(&u.id).await.unwrap();
    let details: String = entries.iter().map(|e| e.detail.clone()).collect();
    assert!(details.contains("\"email\"") && details.contains("\"password\"") && details.contains("last_name"), "{details}");
    assert!(!format!("{entries:?}").contains(&new_email) && !format!("{entries:?}").contains("Durand"));
});
// C-DSR-1, C-RET-2: self-service deletion; the key goes first, so nothing is readable at once.
both!(deleting_the_account_destroys_the_key_first, |b| async move {
    let d = Domain::open(b).await;
    let u = d.new_person().await;
    let (second, _) = d.sign_in(&u.email, &u.password).await;
    d.cb.accounts().set_picture(&u.principal, &crate::accounts::jpeg("g", "p")).await.unwrap();
    // Through the port: a folder on SQLite, S3 on PostgreSQL.
    let blobs = d.region("eu").blobs.clone();
    assert_eq!(blobs.list().await.unwrap().len(), 1, "the picture is stored");
    let eu = d.region("eu").clone();
    let row_before = eu.store.account(&u.id).await.unwrap().unwrap();

    let refused = d.cb.accounts().delete(&u.principal, pw("not my password")).await;
    assert!(matches!(refused, Err(CoreError::ReauthenticationFailed)));
    let receipt = d.cb.accounts().delete(&u.principal, pw(&u.password)).await.unwrap();
    assert_eq!(receipt.receipt["subject"], u.id.as_str());
    // Every session is dead; sign-in fails; the key is gone and a tombstone remains.
    for t in [&u.token, &second] {
        assert!(matches!(d.cb.sessions().authenticate(t).await, Err(CoreError::Unauthenticated)));
    }
    let again = d.cb.sessions().sign_in(&u.email, Zeroizing::new(u.password.clone()), SessionKind::Bearer, None).await;
    assert!(matches!(again, Err(CoreError::InvalidCredentials)));
    assert!(eu.keys.get(&u.id, 1).await.unwrap().is_none());
    assert!(eu.keys.tombstone(&u.id).await.unwrap().is_some());
    assert!(eu.store.account(&u.id).await.unwrap().is_none());
    assert!(eu.store.subject_erased_at(&u.id).await.unwrap().is_some());
    assert!(matches!(d.cb.keys().current(&eu, &u.id).await, Err(CoreError::Erased)));
    assert!(blobs.list().await.unwrap().is_empty(), "the picture blob is deleted");
    // A copy of the row taken before (as a backup would hold) no longer opens with any key
    // the system has: a fresh person's key cannot open it either.
    let other = d.new_person().await;
    let other_key = d.cb.keys().current(&eu, &other.id).await.unwrap();
    let aad = clearboard_vault::Aad { table: "accounts", column: "email", row: u.id.as_str() };
    assert!(other_key.open(aad, &row_before.email).is_err());
    // The email can be used again.
    let mut reuse = d.new_account();
    reuse.email = u.email.clone();
    d.new_person_with(reuse).await;
    assert!(eu.store.audit_about(&u.id).await.unwrap().iter().any(|e| e.action == "account.deleted"));
});
