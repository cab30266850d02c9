//! The board as a workshop tool in real Chromium (issue 14, acceptances 1 and 3): multi-select
//! (Shift+click, rubber band, keyboard), group moves stored as one operation, undo and redo by
//! keyboard and by button, correct while another person edits; and at 390 × 844 with touch:
//! the canvas takes the screen, the add form is a bottom sheet, a finger moves a card, two
//! fingers pinch, a tap opens any card to read it and vote.

use super::canvas::{point, view_of};
use super::*;
use fantoccini::actions::{InputSource, KeyAction, KeyActions, MOUSE_BUTTON_LEFT, MouseActions, PointerAction, TouchActions};

const WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Opens the board, refuses the consent window, and waits for `cards` cards.
async fn open_board(c: &fantoccini::Client, app: &TestApp, board: &str, cards: usize) {
    c.goto(&app.url(&format!("/app/boards/{board}"))).await.unwrap();
    refuse_cookies(c).await;
    let ready = format!("document.querySelectorAll('.idea').length === {cards} && document.getElementById('status').textContent !== ''");
    assert!(wait_for(c, &ready, std::time::Duration::from_secs(10)).await.is_some(), "the board loads");
}

async fn add(app: &TestApp, board: &str, token: &str, text: &str, x: i64, y: i64) -> String {
    let r = app
        .post_json(&format!("/api/v1/boards/{board}/cards"), &json!({ "kind": "text", "text": text, "x": x, "y": y }), Some(token))
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
}

/// A card's stored position.
async fn stored(app: &TestApp, token: &str, card: &str) -> (i64, i64) {
    let v = app.get(&format!("/api/v1/cards/{card}"), Some(token)).await.json::<Value>().await.unwrap();
    (v["x"].as_i64().unwrap(), v["y"].as_i64().unwrap())
}

/// Waits until a card is stored at (x, y).
async fn stored_at(app: &TestApp, token: &str, card: &str, at: (i64, i64)) -> bool {
    for _ in 0..100 {
        if stored(app, token, card).await == at {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

/// A script expression: the card is drawn at (x, y) on this page.
fn drawn_at(card: &str, x: i64, y: i64) -> String {
    format!(
        "(() => {{ const n = document.getElementById('card-{card}'); return n && n.style.left === '{x}px' && n.style.top === '{y}px'; }})()"
    )
}

/// A point on a card (its top strip, clear of its buttons), in viewport pixels.
async fn on_card(c: &fantoccini::Client, card: &str) -> (f64, f64) {
    point(c, &format!("const r = document.getElementById('card-{card}').getBoundingClientRect(); return [r.left + r.width * 0.4, r.top + Math.min(8, r.height * 0.1)]")).await
}

async fn keys(c: &fantoccini::Client, modifiers: &[fantoccini::key::Key], k: char) {
    let mut a = KeyActions::new("keyboard".into());
    for m in modifiers {
        a = a.then(KeyAction::Down { value: (*m).into() });
    }
    a = a.then(KeyAction::Down { value: k }).then(KeyAction::Up { value: k });
    for m in modifiers.iter().rev() {
        a = a.then(KeyAction::Up { value: (*m).into() });
    }
    c.perform_actions(a).await.unwrap();
}

async fn shift_click(c: &fantoccini::Client, card: &str) {
    let (x, y) = on_card(c, card).await;
    let shift: char = fantoccini::key::Key::Shift.into();
    c.perform_actions(KeyActions::new("keyboard".into()).then(KeyAction::Down { value: shift })).await.unwrap();
    let click = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo { duration: None, x, y })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    c.perform_actions(click).await.unwrap();
    c.perform_actions(KeyActions::new("keyboard".into()).then(KeyAction::Up { value: shift })).await.unwrap();
}

async fn selected(c: &fantoccini::Client) -> Value {
    c.execute(
        "return Array.from(document.querySelectorAll('.idea.selected')).map(n => n.querySelector('.body').textContent).sort()",
        vec![],
    )
    .await
    .unwrap()
}

/// Acceptance 1 (multi-select, group moves, undo and redo by mouse and keyboard, correct while
/// the other edits), with two people in two browsers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multiselect_group_moves_and_undo_by_mouse_and_keyboard_while_another_edits() {
    use fantoccini::key::Key;
    let Some(d) = driver().await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let (alice, bob, board) = two_on_a_board(&app, "Workshop").await;
    let board = board["id"].as_str().unwrap().to_string();
    // Bob's cards (he is no facilitator: he moves his own); Alice facilitates.
    let one = add(&app, &board, &bob.token, "One", 60, 60).await;
    let two = add(&app, &board, &bob.token, "Two", 320, 60).await;
    let three = add(&app, &board, &bob.token, "Three", 60, 320).await;
    let hers = add(&app, &board, &alice.token, "Hers", 600, 320).await;
    let (cb, ca) = (client(&d).await, client(&d).await);
    sign_in_page(&cb, &app, &bob.email, &bob.password).await;
    sign_in_page(&ca, &app, &alice.email, &alice.password).await;
    open_board(&cb, &app, &board, 4).await;
    open_board(&ca, &app, &board, 4).await;

    // Mouse: Shift+click selects two cards; dragging one drags both, stored as one operation.
    shift_click(&cb, &one).await;
    shift_click(&cb, &two).await;
    assert_eq!(selected(&cb).await, json!(["One", "Two"]));
    let (x, y) = on_card(&cb, &one).await;
    let drag = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo { duration: None, x, y })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::MoveBy { duration: Some(std::time::Duration::from_millis(250)), x: 100.0, y: 50.0 })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    cb.perform_actions(drag).await.unwrap();
    assert!(stored_at(&app, &bob.token, &one, (160, 110)).await && stored_at(&app, &bob.token, &two, (420, 110)).await, "both stored");
    assert!(
        wait_for(&ca, &format!("{} && {}", drawn_at(&one, 160, 110), drawn_at(&two, 420, 110)), WAIT).await.is_some(),
        "Alice sees both"
    );

    // Ctrl+Z undoes the whole group move (one operation), for everyone; Ctrl+Shift+Z redoes it.
    cb.execute("document.getElementById('canvas').focus()", vec![]).await.unwrap();
    keys(&cb, &[Key::Control], 'z').await;
    assert!(stored_at(&app, &bob.token, &one, (60, 60)).await && stored_at(&app, &bob.token, &two, (320, 60)).await, "undone");
    assert!(wait_for(&ca, &format!("{} && {}", drawn_at(&one, 60, 60), drawn_at(&two, 320, 60)), WAIT).await.is_some(), "for Alice too");
    keys(&cb, &[Key::Control, Key::Shift], 'z').await;
    assert!(stored_at(&app, &bob.token, &one, (160, 110)).await && stored_at(&app, &bob.token, &two, (420, 110)).await, "redone");
    assert!(wait_for(&cb, &format!("{} && {}", drawn_at(&one, 160, 110), drawn_at(&two, 420, 110)), WAIT).await.is_some());

    // Escape clears the selection; the keyboard selects (Enter, Space on a focused card) and
    // the arrows move every selected card, stored as one operation.
    press(&cb, Key::Escape).await;
    assert_eq!(selected(&cb).await, json!([]));
    cb.execute(&format!("document.getElementById('card-{three}').focus()"), vec![]).await.unwrap();
    press(&cb, Key::Enter).await;
    cb.execute(&format!("document.getElementById('card-{one}').focus()"), vec![]).await.unwrap();
    keys(&cb, &[], ' ').await;
    assert_eq!(selected(&cb).await, json!(["One", "Three"]));
    press(&cb, Key::Right).await;
    press(&cb, Key::Down).await;
    assert!(
        stored_at(&app, &bob.token, &one, (170, 120)).await && stored_at(&app, &bob.token, &three, (70, 330)).await,
        "moved by the keys"
    );
    assert_eq!(stored(&app, &bob.token, &two).await, (420, 110), "the unselected card stays");
    // The undo button takes both back at once.
    cb.find(Locator::Id("undo")).await.unwrap().click().await.unwrap();
    assert!(stored_at(&app, &bob.token, &one, (160, 110)).await && stored_at(&app, &bob.token, &three, (60, 320)).await, "one undo");

    // Rubber band: Shift+drag on the background selects the cards it touches (a plain drag
    // of the background still pans).
    press(&cb, Key::Escape).await;
    let (bx, by) =
        point(&cb, "const r = document.getElementById('canvas').getBoundingClientRect(); return [r.left + 20, r.top + 280]").await;
    let shift: char = Key::Shift.into();
    cb.perform_actions(KeyActions::new("keyboard".into()).then(KeyAction::Down { value: shift })).await.unwrap();
    let band = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo { duration: None, x: bx, y: by })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::MoveBy { duration: Some(std::time::Duration::from_millis(200)), x: 600.0, y: 120.0 })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    cb.perform_actions(band).await.unwrap();
    cb.perform_actions(KeyActions::new("keyboard".into()).then(KeyAction::Up { value: shift })).await.unwrap();
    assert_eq!(selected(&cb).await, json!(["Hers", "Three"]), "the band touches Three and Hers");
    assert_eq!(view_of(&cb).await, (1.0, 0, 0), "and did not pan");
    press(&cb, Key::Escape).await;

    // Undo while the other edits: Bob moves Three; Alice, facilitator, drags it after him in
    // her browser. Bob's undo would overwrite her move: refused, her move stands everywhere.
    cb.execute(&format!("document.getElementById('card-{three}').focus()"), vec![]).await.unwrap();
    press(&cb, Key::Down).await;
    assert!(stored_at(&app, &bob.token, &three, (60, 330)).await);
    assert!(wait_for(&ca, &drawn_at(&three, 60, 330), WAIT).await.is_some());
    let (x, y) = on_card(&ca, &three).await;
    let hers_drag = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo { duration: None, x, y })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::MoveBy { duration: Some(std::time::Duration::from_millis(200)), x: 300.0, y: 200.0 })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    ca.perform_actions(hers_drag).await.unwrap();
    assert!(stored_at(&app, &bob.token, &three, (360, 530)).await);
    assert!(wait_for(&cb, &drawn_at(&three, 360, 530), WAIT).await.is_some(), "Bob sees Alice's move");
    cb.execute("document.getElementById('canvas').focus()", vec![]).await.unwrap();
    keys(&cb, &[Key::Control], 'z').await;
    let refused = "(() => { const e = document.getElementById('add-error'); return !e.hidden && e.textContent.includes('Someone else changed this card'); })()";
    assert!(wait_for(&cb, refused, WAIT).await.is_some(), "Bob is told why");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(stored(&app, &bob.token, &three).await, (360, 530), "Alice's move stands");
    assert!(
        wait_for(&ca, &drawn_at(&three, 360, 530), WAIT).await.is_some()
            && wait_for(&cb, &drawn_at(&three, 360, 530), WAIT).await.is_some()
    );
    // Bob's next undo goes to the operation before (the keyboard group move, already undone:
    // before it, the redone group move of One and Two), while Alice keeps editing her card.
    let hers_path = format!("/api/v1/cards/{hers}");
    let edit = app.http().patch(app.url(&hers_path)).bearer_auth(&alice.token).json(&json!({ "text": "Hers, edited" })).send();
    let (res, _) = tokio::join!(edit, keys(&cb, &[Key::Control], 'z'));
    assert_eq!(res.unwrap().status(), 200);
    assert!(
        stored_at(&app, &bob.token, &one, (60, 60)).await && stored_at(&app, &bob.token, &two, (320, 60)).await,
        "Bob's group move undone"
    );
    let card_text = format!("document.querySelector('#card-{hers} .body').textContent === 'Hers, edited'");
    assert!(wait_for(&cb, &card_text, WAIT).await.is_some() && wait_for(&ca, &card_text, WAIT).await.is_some(), "Alice's edit stands");
    for c in [ca, cb] {
        c.close().await.unwrap();
    }
}

/// Acceptance 3: at 390 × 844 with touch, add (from the bottom sheet), move by touch, pinch,
/// vote and read every card.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_390_by_844_add_move_by_touch_vote_and_read_every_card() {
    let Some(d) = driver().await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let (alice, bob, board) = two_on_a_board(&app, "On the phone").await;
    let board = board["id"].as_str().unwrap().to_string();
    let texts = [
        "A first idea on the board",
        "Second: a longer idea that takes a few lines to read on a small screen",
        "Third",
        "Fourth, far to the right",
    ];
    let mut cards = Vec::new();
    for (i, (t, at)) in texts.iter().zip([(40, 40), (300, 40), (40, 380), (700, 600)]).enumerate() {
        let token = if i % 2 == 0 { &alice.token } else { &bob.token };
        cards.push(add(&app, &board, token, t, at.0, at.1).await);
    }
    let phone = json!({ "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 3.0, "touch": true },
        "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36" });
    let c = client_with(&d, Some(phone)).await;
    sign_in_page(&c, &app, &bob.email, &bob.password).await;
    open_board(&c, &app, &board, 4).await;

    // The canvas takes the screen (it was squeezed to 2 px by the side panel); the panel is a
    // sheet, closed.
    let layout = c
        .execute(
            "const r = document.getElementById('canvas').getBoundingClientRect(); const s = getComputedStyle(document.getElementById('board-side'));
             const wide = Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > 391 && !e.closest('#board-side, .world, header nav')).map(e => e.tagName + '#' + e.id + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right));
             return [innerWidth, Math.round(r.width), Math.round(r.height), s.visibility, s.position, wide];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(layout[0], 390, "{layout}");
    assert!(layout[1].as_i64().unwrap() >= 380 && layout[2].as_i64().unwrap() >= 600, "the canvas takes the screen: {layout}");
    assert_eq!((layout[3].clone(), layout[4].clone()), (json!("hidden"), json!("fixed")), "{layout}");

    // Add from the bottom sheet; the sheet closes once the card is there.
    c.find(Locator::Id("open-panel")).await.unwrap().click().await.unwrap();
    let settled = "(() => { const s = getComputedStyle(document.getElementById('board-side')); return s.visibility === 'visible' && s.transform === 'none'; })()";
    assert!(wait_for(&c, settled, WAIT).await.is_some(), "the sheet opens");
    let sheet = c
        .execute("const r = document.getElementById('board-side').getBoundingClientRect(); return [r.bottom, r.width]", vec![])
        .await
        .unwrap();
    assert!(sheet[0].as_f64().unwrap() > 840.0 && sheet[1].as_f64().unwrap() >= 389.0, "a sheet at the bottom: {sheet}");
    c.find(Locator::Id("card-text")).await.unwrap().send_keys("Typed on a phone").await.unwrap();
    c.find(Locator::Id("add-card-button")).await.unwrap().click().await.unwrap();
    if wait_for(&c, &card_with_text("Typed on a phone"), WAIT).await.is_none() {
        let why = c.execute("return [document.getElementById('add-error').textContent, document.getElementById('card-text').value, document.querySelectorAll('.idea').length]", vec![]).await.unwrap();
        panic!("added: {why}");
    }
    assert!(wait_for(&c, "!document.getElementById('board-side').classList.contains('open')", WAIT).await.is_some(), "the sheet closes");
    let mine: String = c
        .execute("return Array.from(document.querySelectorAll('.idea')).find(e => e.querySelector('.body').textContent === 'Typed on a phone').getAttribute('data-id')", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    cards.push(mine.clone());

    // A finger drags the new card (at 100 %: screen pixels are board units).
    let before = stored(&app, &bob.token, &mine).await;
    let (x, y) = on_card(&c, &mine).await;
    let finger = TouchActions::new("finger".into())
        .then(PointerAction::MoveTo { duration: None, x, y })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::MoveBy { duration: Some(std::time::Duration::from_millis(300)), x: 60.0, y: 90.0 })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    c.perform_actions(finger).await.unwrap();
    assert!(
        stored_at(&app, &bob.token, &mine, (before.0 + 60, before.1 + 90)).await,
        "moved by touch: {:?}",
        stored(&app, &bob.token, &mine).await
    );

    // Two fingers pinch apart: the view zooms in around them.
    let zoom_before = view_of(&c).await.0;
    let (cx, cy) = point(
        &c,
        "const r = document.getElementById('canvas').getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]",
    )
    .await;
    let pinch = |id: &str, dir: f64| {
        TouchActions::new(id.into())
            .then(PointerAction::MoveTo { duration: None, x: cx + dir * 40.0, y: cy + dir * 40.0 })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::MoveTo { duration: Some(std::time::Duration::from_millis(400)), x: cx + dir * 110.0, y: cy + dir * 110.0 })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT })
    };
    c.perform_actions(fantoccini::actions::Actions::from(vec![pinch("f1", -1.0), pinch("f2", 1.0)])).await.unwrap();
    let zoom_after = view_of(&c).await.0;
    assert!(zoom_after > zoom_before * 2.0, "pinched from {zoom_before} to {zoom_after}");
    assert_eq!(stored(&app, &bob.token, &mine).await, (before.0 + 60, before.1 + 90), "a pinch moves no card");

    // Every card can be read: fit them all, tap each, the reader shows its whole text; vote
    // from the reader.
    c.find(Locator::Id("zoom-fit")).await.unwrap().click().await.unwrap();
    let all_texts: Vec<String> = texts.iter().map(|t| t.to_string()).chain(["Typed on a phone".to_string()]).collect();
    for (card, text) in cards.iter().zip(&all_texts) {
        let (x, y) = on_card(&c, card).await;
        let tap = TouchActions::new("finger".into())
            .then(PointerAction::MoveTo { duration: None, x, y })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        c.perform_actions(tap).await.unwrap();
        let shown = format!(
            "(() => {{ const r = document.getElementById('card-reader'); return r && r.open && r.getAttribute('data-id') === '{card}' && r.querySelector('.body').textContent === {}; }})()",
            serde_json::to_string(text).unwrap()
        );
        if wait_for(&c, &shown, WAIT).await.is_none() {
            let why = c
                .execute(&format!("const e = document.elementFromPoint({x}, {y}); const r = document.getElementById('card-reader'); return [e && e.outerHTML.slice(0, 200), r && r.open, r && r.getAttribute('data-id'), Array.from(document.querySelectorAll('.idea')).map(n => [n.getAttribute('data-id'), n.style.left, n.style.top])]"), vec![])
                .await
                .unwrap();
            panic!("a tap opens {text} ({card}): {why}");
        }
        if card == &cards[1] {
            c.find(Locator::Css("#card-reader button.vote")).await.unwrap().click().await.unwrap();
        } else {
            c.find(Locator::Css("#card-reader button.secondary")).await.unwrap().click().await.unwrap();
        }
        assert!(wait_for(&c, "!document.getElementById('card-reader').open", WAIT).await.is_some());
    }
    let voted = app.get(&format!("/api/v1/cards/{}", cards[1]), Some(&bob.token)).await.json::<Value>().await.unwrap();
    assert_eq!(voted["my_votes"], 1, "voted from the reader: {voted}");
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/board-phone.png"), c.screenshot().await.unwrap()).unwrap();
    }
    c.close().await.unwrap();
}
