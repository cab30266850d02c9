//! The board as a workshop tool in real Chromium (issue 14, acceptance 2, the rest of it): the
//! empty list of boards offers the templates; a board made from one shows its zones behind the
//! cards; a card added through the page lands in a zone; the PNG and PDF exports linked from
//! the board page are fetched with the browser's own session and open (the PNG decoded by
//! Chromium, the PDF read by poppler's pdftotext).

use super::*;

const LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Fetches the link `id` of the page with the page's session; answers what the page saw:
/// status, type, the first bytes, the bytes in base64, and (for images) the decoded size.
const FETCH_EXPORT: &str = r#"
const [id, done] = arguments;
const a = document.getElementById(id);
fetch(a.href, { credentials: 'same-origin' }).then(async (res) => {
  const blob = await res.blob();
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let size = null;
  if (blob.type === 'image/png') {
    const img = await createImageBitmap(blob);
    size = [img.width, img.height];
  }
  let bin = '';
  for (let i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
  done({ status: res.status, type: blob.type, head: Array.from(bytes.slice(0, 8)), b64: btoa(bin), size: size, href: a.getAttribute('href') });
}).catch((e) => done({ error: String(e) }));
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workshop_template_zones_and_drawn_exports_in_chromium() {
    let Some(d) = driver().await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let alice = app.new_user().await;
    let c = client(&d).await;
    sign_in_page(&c, &app, &alice.email, &alice.password).await;

    // No board yet: the list offers the templates; Alice starts a retrospective.
    c.goto(&app.url("/app")).await.unwrap();
    refuse_cookies(&c).await;
    let offered = "document.querySelectorAll('#empty-templates button[data-template]').length === 4";
    assert!(wait_for(&c, offered, LIMIT).await.is_some(), "the empty state offers the four templates");
    let options = c.execute("return Array.from(document.querySelectorAll('#template option')).map(o => o.value)", vec![]).await.unwrap();
    assert_eq!(options, json!(["", "retrospective", "swot", "brainstorm", "lean_coffee"]), "and so does the new-board form");
    c.find(Locator::Css("#empty-templates button[data-template='retrospective']")).await.unwrap().click().await.unwrap();
    assert!(wait_for(&c, "location.pathname.startsWith('/app/boards/')", LIMIT).await.is_some(), "the new board opens");
    refuse_cookies(&c).await;
    let board_id = c.execute("return location.pathname.split('/').pop()", vec![]).await.unwrap().as_str().unwrap().to_string();

    // The zones are drawn behind the cards, titled.
    assert!(wait_for(&c, "document.querySelectorAll('#world .zone').length === 3", LIMIT).await.is_some(), "three zones drawn");
    let titles = c
        .execute("return Array.from(document.querySelectorAll('#world .zone .zone-title')).map(t => t.textContent)", vec![])
        .await
        .unwrap();
    assert_eq!(titles, json!(["Went well", "To improve", "Actions"]));
    let first = "const w = document.getElementById('world').children; return w[0].classList.contains('zone') && w[1].classList.contains('zone') && w[2].classList.contains('zone')";
    assert_eq!(c.execute(first, vec![]).await.unwrap(), json!(true), "zones come before (behind) everything else in the world");
    // The facilitator has the zone controls.
    assert!(wait_for(&c, "document.querySelectorAll('#world .zone .zone-rename').length === 3", LIMIT).await.is_some());

    // A card added through the page lands in a zone (the first free place in view).
    c.find(Locator::Id("card-text")).await.unwrap().send_keys("Pairing worked").await.unwrap();
    c.find(Locator::Id("add-card-button")).await.unwrap().click().await.unwrap();
    let card = card_with_text("Pairing worked");
    assert!(wait_for(&c, &card, LIMIT).await.is_some(), "the card shows");
    let inside = format!(
        "const n = {card}; const z = document.getElementById('zone-went_well'); const px = n.offsetLeft + 104, py = n.offsetTop + 40; \
         return px >= z.offsetLeft && px < z.offsetLeft + z.offsetWidth && py >= z.offsetTop && py < z.offsetTop + z.offsetHeight"
    );
    assert_eq!(c.execute(&inside, vec![]).await.unwrap(), json!(true), "the card is in the zone 'Went well'");
    let export = app.get(&format!("/api/v1/boards/{board_id}/export?format=json"), Some(&alice.token)).await.json::<Value>().await.unwrap();
    assert_eq!(export["cards"][0]["zone"], "went_well", "the server agrees");

    // The exports linked from the page, fetched with the browser's session, open.
    let png = c.execute_async(FETCH_EXPORT, vec![json!("export-png")]).await.unwrap();
    assert_eq!((png["status"].as_u64(), png["type"].as_str()), (Some(200), Some("image/png")), "{}", png["error"]);
    assert_eq!(png["head"], json!([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    assert_eq!(png["size"], json!([1420 + 80, 900 + 80 + 48]), "Chromium decodes the PNG at the board's size");
    let pdf = c.execute_async(FETCH_EXPORT, vec![json!("export-pdf")]).await.unwrap();
    assert_eq!((pdf["status"].as_u64(), pdf["type"].as_str()), (Some(200), Some("application/pdf")), "{}", pdf["error"]);
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD.decode(pdf["b64"].as_str().unwrap()).unwrap();
    let text = crate::facilitation_workshop::pdf_text(&bytes);
    for t in ["Went well", "To improve", "Actions", "Pairing worked"] {
        assert!(text.contains(t), "{t:?} missing from the PDF: {text}");
    }
    c.close().await.unwrap();
}
