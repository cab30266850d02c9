//! Conformance of certified partners (`PartnerStore`, C-SHARE-4) and of the affiliate feed
//! port (`AffiliateFeed`, C-SHARE-2): certification renewed in place, co-managers named once
//! and withdrawn, lookups both ways; a feed delivers the body with its idempotency key and
//! token, and says a refusal or an unreachable endpoint without the URL, token or body.

use std::sync::{Arc, Mutex};

use clearboard_core::platform::ids::SubjectId;
use clearboard_core::platform::ports::{Affiliate, AffiliateFeed, CoManagerRow, PartnerRow};
use clearboard_store::Opened;

use super::{draft, person};

pub async fn partners(o: &Opened) {
    let r = &o.regions[0];
    let partner = person(o, 71).await;
    let staff = SubjectId::new(72).unwrap();
    let mut row = PartnerRow {
        subject_id: partner.clone(),
        company: "Acme".into(),
        notice_email: None,
        certified_until: 500,
        certified_by: staff,
        created_at: 10,
    };
    r.billing.put_partner(&row, draft("partner.certified", Some(&partner))).await.unwrap();
    row.certified_until = 900;
    row.notice_email = Some("dpo@acme.example".into());
    r.billing.put_partner(&row, draft("partner.certified", Some(&partner))).await.unwrap();
    assert_eq!(r.billing.partner(&partner).await.unwrap().as_ref(), Some(&row), "renewed in place");
    assert_eq!(r.billing.partners().await.unwrap(), vec![row.clone()]);
    assert!(r.billing.partner(&SubjectId::new(73).unwrap()).await.unwrap().is_none());
    let granter = SubjectId::new(74).unwrap();
    let co = |contract: &str| CoManagerRow {
        contract_id: contract.into(),
        partner_id: partner.clone(),
        partner_region: "eu".into(),
        granted_by: granter.clone(),
        granted_at: 20,
    };
    r.billing.add_co_manager(&co("k1"), draft("contract.partner_named", None)).await.unwrap();
    r.billing.add_co_manager(&co("k1"), draft("contract.partner_named", None)).await.unwrap();
    r.billing.add_co_manager(&co("k2"), draft("contract.partner_named", None)).await.unwrap();
    assert_eq!(r.billing.co_managers("k1").await.unwrap(), vec![co("k1")], "named once");
    assert_eq!(r.billing.co_managed_by(&partner).await.unwrap().len(), 2);
    assert!(r.billing.remove_co_manager("k1", &partner, draft("contract.partner_removed", None)).await.unwrap());
    assert!(!r.billing.remove_co_manager("k1", &partner, draft("x", None)).await.unwrap());
    assert!(r.billing.co_managers("k1").await.unwrap().is_empty());
    assert_eq!(r.billing.co_managed_by(&partner).await.unwrap(), vec![co("k2")]);
}

type Seen = Arc<Mutex<Vec<(Option<String>, Option<String>, Vec<u8>)>>>;

/// An endpoint that records (authorization, idempotency key, body) and answers `status`.
async fn endpoint(status: u16) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let router = axum::Router::new().fallback(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
        let s = s.clone();
        async move {
            let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
            s.lock().unwrap().push((h("authorization"), h("idempotency-key"), body.to_vec()));
            axum::http::StatusCode::from_u16(status).unwrap()
        }
    });
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/feed", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, router).await.unwrap() });
    (url, seen)
}

pub async fn affiliate_feed(feed: &dyn AffiliateFeed) {
    let (ok_url, seen) = endpoint(202).await;
    let to = |url: &str| Affiliate {
        id: "group-finance".into(),
        company: "Finance".into(),
        url: url.into(),
        token: Some("tok-secret".into()),
        purposes: vec!["contract".into()],
        notice_email: None,
    };
    feed.deliver(&to(&ok_url), "batch-1", b"{\"a\":1}".to_vec()).await.unwrap();
    let got = seen.lock().unwrap().clone();
    assert_eq!(got, vec![(Some("Bearer tok-secret".into()), Some("batch-1".into()), b"{\"a\":1}".to_vec())]);
    let (refusing, _) = endpoint(500).await;
    let e = feed.deliver(&to(&refusing), "batch-2", b"{}".to_vec()).await.unwrap_err();
    assert!(e.contains("500") && e.contains("group-finance"), "{e}");
    let e = feed.deliver(&to("http://127.0.0.1:9/feed"), "batch-3", b"{\"secret\":1}".to_vec()).await.unwrap_err();
    assert!(!e.contains("127.0.0.1") && !e.contains("tok-secret") && !e.contains("secret\""), "{e}");
}
