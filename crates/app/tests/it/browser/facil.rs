//! Facilitation in real Chromium (issue 14, acceptance 2, in part): the countdown everyone
//! sees, participation paused when it ends, votes hidden until revealed, the results view.

use super::*;

const LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

async fn click(c: &fantoccini::Client, id: &str) {
    c.find(Locator::Id(id)).await.unwrap().click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facilitation_timer_hidden_votes_and_results_in_chromium() {
    let Some(d) = driver().await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let (alice, bob, board) = two_on_a_board(&app, "Facilitated").await;
    let board_id = board["id"].as_str().unwrap().to_string();
    let mut ids = vec![];
    for text in ["Top idea", "Other idea"] {
        let r =
            app.post_json(&format!("/api/v1/boards/{board_id}/cards"), &json!({ "kind": "text", "text": text }), Some(&alice.token)).await;
        ids.push(r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string());
    }
    let (ca, cb) = (client(&d).await, client(&d).await);
    sign_in_page(&ca, &app, &alice.email, &alice.password).await;
    sign_in_page(&cb, &app, &bob.email, &bob.password).await;
    for c in [&ca, &cb] {
        c.goto(&app.url(&format!("/app/boards/{board_id}"))).await.unwrap();
        refuse_cookies(c).await;
        assert!(wait_for(c, "document.querySelectorAll('.idea').length === 2", LIMIT).await.is_some());
    }

    // The timer: the facilitator starts one minute that pauses participation; Bob sees it.
    let minutes = ca.find(Locator::Id("timer-minutes")).await.unwrap();
    minutes.clear().await.unwrap();
    minutes.send_keys("1").await.unwrap();
    click(&ca, "timer-pauses").await;
    click(&ca, "timer-start").await;
    let shown = "!document.getElementById('timer-box').hidden && /^[01]:[0-9]{2}$/.test(document.getElementById('timer-left').textContent)";
    assert!(wait_for(&cb, shown, LIMIT).await.is_some(), "Bob sees the countdown");
    assert_eq!(cb.find(Locator::Id("timer-left")).await.unwrap().attr("role").await.unwrap().as_deref(), Some("timer"));
    // The server's clock passes the end: Bob's new card is refused, with the catalogue's words.
    app.clock.advance(61_000);
    cb.find(Locator::Id("card-text")).await.unwrap().send_keys("Too late").await.unwrap();
    click(&cb, "add-card-button").await;
    let refused = "!document.getElementById('add-error').hidden && document.getElementById('add-error').textContent.includes('time is up')";
    assert!(wait_for(&cb, refused, LIMIT).await.is_some(), "participation paused");
    // Resumed: the countdown goes away on Bob's page and he takes part again.
    click(&ca, "timer-resume").await;
    assert!(wait_for(&cb, "document.getElementById('timer-box').hidden", LIMIT).await.is_some());
    click(&cb, "add-card-button").await;
    assert!(wait_for(&cb, "document.querySelectorAll('.idea').length === 3", LIMIT).await.is_some(), "accepted again");

    // Hidden votes: nobody sees counts, only their own dots, until revealed.
    click(&ca, "set-votes-hidden").await;
    assert!(wait_for(&cb, "!document.getElementById('votes-hidden-note').hidden", LIMIT).await.is_some());
    for token in [&alice.token, &bob.token] {
        assert_eq!(app.post_json(&format!("/api/v1/cards/{}/votes", ids[0]), &json!({}), Some(token)).await.status(), 200);
    }
    let top = |n: &str| {
        format!("document.getElementById('card-{}').querySelector('.actions button:nth-child(2)').textContent.startsWith('● {n}')", ids[0])
    };
    let text = format!("return document.getElementById('card-{}').querySelector('.actions').textContent", ids[0]);
    let seen = wait_for(&cb, &top("? (1)"), LIMIT).await;
    assert!(seen.is_some(), "Bob sees his dot, no count: {:?}", cb.execute(&text, vec![]).await);
    assert!(wait_for(&ca, &top("? (1)"), LIMIT).await.is_some(), "the facilitator neither");
    click(&ca, "reveal-votes").await;
    assert!(wait_for(&cb, &top("2"), LIMIT).await.is_some(), "revealed to Bob");
    // The results view ranks the cards with their counts.
    assert!(wait_for(&cb, "!document.getElementById('show-results').disabled", LIMIT).await.is_some());
    click(&cb, "show-results").await;
    let ranked = "document.querySelector('#results li') && document.querySelector('#results li').textContent === '#1 · Top idea — 2 votes'";
    assert!(wait_for(&cb, ranked, LIMIT).await.is_some(), "results ranked with counts");
    for c in [ca, cb] {
        c.close().await.unwrap();
    }
}
