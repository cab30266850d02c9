//! C-SCOPE-1: the two surfaces, both served by the one `clearboard` binary: the public website
//! (landing, policy, cookies, trust centre, contact, newsletter, events, trainings, careers), in
//! English and French, to anyone; and the Services (the authenticated board application), which
//! send a stranger to the sign-in page and open for a signed-in person.

use super::*;

both!(c_scope_1_the_public_website_and_the_services_from_one_binary, |b| async move {
    let app = spawn_app(b).await;
    let public = ["/", "/privacy", "/cookies", "/trust", "/contact", "/newsletter", "/events", "/trainings", "/careers"];
    for path in public {
        for lang in ["en", "fr"] {
            let res = app.browser().get(app.url(&format!("{path}?lang={lang}"))).send().await.unwrap();
            assert_eq!(res.status(), 200, "{path} ({lang}) is public");
            assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path} is a page");
            let html = res.text().await.unwrap();
            assert!(html.contains(&format!("<html lang=\"{lang}\"")), "{path} in {lang}");
        }
    }
    // The Services: a stranger is sent to sign in; a signed-in person gets the board app.
    let res = app.browser().get(app.url("/app")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/signin");
    let user = app.new_user().await;
    let home = app.page_text("/app", &user.token).await;
    assert!(home.contains("href=\"/app/boards/") || home.contains("/app/boards"), "the board application");
});
