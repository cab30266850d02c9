//! Rate limits and failure throttles hold cluster-wide (issue 20; C-SEC-1): sign-in guessing
//! against one account, sign-in attempts from one address, sign-ups of one email address and
//! re-authentication failures, spread over two nodes on one PostgreSQL, stop at the same total
//! as on one node (the counters live in the directory's database, keyed by keyed hashes): the
//! totals the rules set, which a single node (SQLite: counters in memory) reaches too.

use super::*;
use clearboard_testkit::Options;
use clearboard_testkit::cluster::spawn_cluster_with;
use clearboard_web::platform::ratelimit::Limits;

/// What each limit let through before its first 429.
#[derive(Debug, PartialEq, Eq)]
struct Totals {
    guesses_on_one_account: usize,
    sign_ins_from_one_address: usize,
    sign_ups_of_one_email: usize,
    reauthentications_of_one_account: usize,
}

fn real_limits() -> Options {
    Options { limits: Limits::default(), configure: Some(Box::new(|c| c.trusted_proxies = vec!["127.0.0.1".into()])) }
}

async fn post_from(app: &TestApp, path: &str, from: &str, token: Option<&str>, body: Value) -> u16 {
    let mut rb = app.http().post(app.url(path)).header("x-forwarded-for", from).json(&body);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    rb.send().await.unwrap().status().as_u16()
}

/// Sends `attempt(node, i)` to the nodes in turn until one answers 429; the answers before it
/// must be `allowed`. Returns how many got through.
async fn until_refused<'a, F, Fut>(nodes: &'a [TestApp], allowed: &[u16], attempt: F) -> usize
where
    F: Fn(&'a TestApp, usize) -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    for i in 0..200 {
        let status = attempt(&nodes[i % nodes.len()], i).await;
        if status == 429 {
            return i;
        }
        assert!(allowed.contains(&status), "attempt {i}: {status}");
    }
    panic!("no limit within 200 attempts");
}

async fn totals(nodes: &[TestApp]) -> Totals {
    let victim = nodes[0].new_user().await;
    let guesses_on_one_account = until_refused(nodes, &[401], |n, i| {
        let body = json!({ "email": victim.email, "password": "a wrong guess" });
        async move { post_from(n, "/api/v1/sessions", &format!("198.51.100.{}", i + 1), None, body).await }
    })
    .await;
    let sign_ins_from_one_address = until_refused(nodes, &[401], |n, i| {
        let body = json!({ "email": format!("nobody{i}@example.test"), "password": "whatever it is" });
        async move { post_from(n, "/api/v1/sessions", "203.0.113.7", None, body).await }
    })
    .await;
    let email = canary_email("limit");
    let sign_ups_of_one_email = until_refused(nodes, &[201, 202], |n, i| {
        let mut body = n.sign_up_body();
        body["email"] = json!(email);
        async move { post_from(n, "/api/v1/accounts", &format!("192.0.2.{}", i + 1), None, body).await }
    })
    .await;
    let holder = nodes[0].new_user().await;
    let reauthentications_of_one_account = until_refused(nodes, &[401], |n, i| {
        let (token, from) = (holder.token.clone(), format!("198.18.0.{}", i + 1));
        async move {
            let res = n
                .http()
                .patch(n.url("/api/v1/me"))
                .header("x-forwarded-for", from)
                .bearer_auth(token)
                .json(&json!({ "new_password": "a brand new passphrase 4u", "current_password": "not the password" }))
                .send()
                .await
                .unwrap();
            res.status().as_u16()
        }
    })
    .await;
    Totals { guesses_on_one_account, sign_ins_from_one_address, sign_ups_of_one_email, reauthentications_of_one_account }
}

/// The totals the default limits and rules set.
fn expected() -> Totals {
    let (limits, rules) = (Limits::default(), clearboard_core::platform::throttle::Rules::default());
    Totals {
        guesses_on_one_account: rules.sign_in_untrusted.failures as usize,
        sign_ins_from_one_address: limits.sign_in_per_ip.burst as usize,
        sign_ups_of_one_email: limits.sign_up_per_address.burst as usize,
        reauthentications_of_one_account: rules.reauth_per_account.failures as usize,
    }
}

both!(cluster_rate_limits_and_throttles_stop_two_nodes_at_the_one_node_total, |b| async move {
    if b == Backend::Sqlite {
        // A SQLite deployment is one node: its counters in memory give the totals of the rules.
        let one = spawn_with(b, real_limits()).await;
        assert_eq!(totals(std::slice::from_ref(&one)).await, expected(), "one node");
        return;
    }
    let nodes = spawn_cluster_with(2, real_limits()).await;
    assert_eq!(totals(&nodes).await, expected(), "two nodes, every other attempt on each");
    // No address or email at rest: the keys are keyed hashes.
    let rows: Vec<(String, Vec<u8>)> = match nodes[0].opened.directory.db() {
        clearboard_store::platform::db::Db::Postgres(p) => {
            sqlx::query_as("SELECT scope, key_hash FROM rate_counters").fetch_all(p).await.unwrap()
        }
        clearboard_store::platform::db::Db::Sqlite(_, _) => unreachable!(),
    };
    assert!(rows.iter().any(|(s, _)| s == "sign_in_ip") && rows.iter().any(|(s, _)| s == "reauth_account"), "{rows:?}");
    for (_, key) in &rows {
        assert_eq!(key.len(), 32);
        let text = String::from_utf8_lossy(key);
        assert!(!text.contains("203.0.113") && !text.contains("@example"), "a key in clear: {text}");
    }
});
