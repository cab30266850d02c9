//! Acceptance 6: session tokens carry ≥ 128 random bits, only their hash is stored, they
//! rotate at sign-in and die at sign-out, at sign-out everywhere and at the idle and absolute
//! timeouts of the clock. (The cookie and the `Clear-Site-Data` answer are HTTP: `it/sessions.rs`.)

use super::*;
use base64::Engine;
use clearboard_core::identity::sessions::{SessionKind, token_hash};
use clearboard_core::platform::clock::{Clock, HOUR, MINUTE};

async fn alive(d: &Domain, token: &str) -> bool {
    match d.cb.sessions().authenticate(token).await {
        Ok(_) => true,
        Err(CoreError::Unauthenticated) => false,
        Err(e) => panic!("authenticate failed otherwise: {e:?}"),
    }
}

// C-SEC-1
both!(acceptance_6_tokens_are_random_hashed_and_rotated, |b| async move {
    let d = on_disk(b).await;
    let p = d.new_person().await;
    let secret = p.token.rsplit('.').next().unwrap();
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(secret).unwrap();
    assert!(raw.len() * 8 >= 128, "{} bits", raw.len() * 8);
    assert_eq!(raw.len(), 32);
    // Only the SHA-256 of the token is stored: the token itself is nowhere on disk.
    let needles = [p.token.clone(), secret.to_string()];
    assert!(d.scan_storage(&needles).await.is_empty());
    let eu = d.region("eu");
    assert!(eu.store.session(&token_hash(&p.token)).await.unwrap().is_some());

    // Rotation: signing in while holding a token ends that token and yields a new one.
    let password = Zeroizing::new(p.password.clone());
    let (rotated, _) = d.cb.sessions().sign_in(&p.email, password, SessionKind::Bearer, Some(&p.token)).await.unwrap();
    assert_ne!(*rotated, p.token);
    assert!(!alive(&d, &p.token).await, "the token held at sign-in ended");
    let who = d.cb.sessions().authenticate(&rotated).await.unwrap();
    assert_eq!(who.subject, p.id);

    // Sign-out kills it.
    d.cb.sessions().sign_out(&who).await.unwrap();
    assert!(!alive(&d, &rotated).await);
    assert!(eu.store.session(&token_hash(&rotated)).await.unwrap().is_none());
    // Forged and malformed tokens.
    for t in ["cb1.eu.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "cb1.mars.x", "garbage", ""] {
        assert!(!alive(&d, t).await, "{t:?}");
    }
});

both!(acceptance_6_idle_and_absolute_timeouts_on_the_clock, |b| async move {
    let d = Domain::open(b).await;
    let p = d.new_person().await;
    let idle = d.cb.settings().session_idle_ms;
    let absolute = d.cb.settings().session_absolute_ms;
    assert_eq!((idle, absolute), (2 * HOUR, 24 * HOUR));

    // Idle: used just before the limit keeps it alive; silence past the limit kills it.
    d.clock.advance(idle - MINUTE);
    assert!(alive(&d, &p.token).await);
    d.clock.advance(idle - MINUTE);
    assert!(alive(&d, &p.token).await);
    d.clock.advance(idle + MINUTE);
    assert!(!alive(&d, &p.token).await);

    // Absolute: even a session used every 30 minutes dies 24 hours after sign-in.
    let (t, _) = d.sign_in(&p.email, &p.password).await;
    let started = d.clock.now_ms();
    while d.clock.now_ms() + 30 * MINUTE < started + absolute {
        d.clock.advance(30 * MINUTE);
        assert!(alive(&d, &t).await);
    }
    d.clock.advance(31 * MINUTE);
    assert!(!alive(&d, &t).await);

    // The retention purge removes expired rows.
    let (stale, _) = d.sign_in(&p.email, &p.password).await;
    d.clock.advance(idle + MINUTE);
    let runs = d.cb.retention().run().await.unwrap();
    assert!(runs.iter().map(|r| r.purged).sum::<u64>() >= 1);
    assert!(d.region("eu").store.session(&token_hash(&stale)).await.unwrap().is_none());
});

both!(sign_out_everywhere_and_session_list, |b| async move {
    let d = Domain::open(b).await;
    let p = d.new_person().await;
    let (second, who) = d.sign_in(&p.email, &p.password).await;
    let sessions = d.cb.sessions().list(&who).await.unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s.current).count(), 1);
    assert_eq!(d.cb.sessions().sign_out_everywhere(&who).await.unwrap(), 2);
    assert!(!alive(&d, &p.token).await && !alive(&d, &second).await);
    assert!(d.region("eu").store.sessions_of(&p.id).await.unwrap().is_empty());
});
