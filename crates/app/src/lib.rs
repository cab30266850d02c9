//! Wiring: configuration → key-encryption key → stores → domain → web, and the background
//! tasks. The binary (`main.rs`) and the test kit both start clearboard through here.

pub mod backup;
pub mod cluster;
pub mod config;
pub mod feeds;
pub mod forensics;
pub mod google;
pub mod kek;
pub mod lmtp;
pub mod mail;
pub mod malloc;
pub mod nats;
pub mod private_dir;
pub mod stripe;
pub mod trace;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clearboard_core::platform::clock::Clock;
use clearboard_core::platform::ids::RegionId;
use clearboard_core::{Clearboard, Settings};
use clearboard_policy::Policy;
use clearboard_store::{Layout, Opened, RegionLocation};
use clearboard_web::platform::ratelimit::Limits;
use clearboard_web::{AppState, WebConfig};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;

pub use config::{Config, Overrides};

/// A built application, ready to serve.
pub struct App {
    pub state: AppState,
    pub opened: Opened,
    /// The task acting on the other nodes' notices (a cluster only).
    pub relay: Option<tokio::task::JoinHandle<()>>,
}

/// Every problem with `policy` for this configuration: switches that name no module or a
/// module that cannot be switched off, then every disagreement between the policy and the
/// enabled modules (C-DATA-9), each with its place in the file.
pub fn policy_problems(config: &Config, policy: &Policy) -> Vec<clearboard_policy::Problem> {
    clearboard_core::privacy::modules::registry::check(policy, &config.disabled_modules())
}

/// Loads the policy named by the configuration, or the built-in one.
pub fn load_policy(config: &Config) -> anyhow::Result<Policy> {
    match &config.policy_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the policy file {}", path.display()))?;
            Policy::load(&text).with_context(|| format!("the policy file {} is invalid", path.display()))
        }
        None => Ok(Policy::default_policy()?),
    }
}

/// The sign-in throttle rules, with the device cookie living as long as the policy declares
/// `cb_device` (its lifetime is in days; a policy stating months gets the shortest span).
fn device_cookie_rules(policy: &Policy) -> clearboard_core::platform::throttle::Rules {
    let mut rules = clearboard_core::platform::throttle::Rules::default();
    if let Some(p) = policy.cookie("cb_device").and_then(clearboard_policy::Cookie::lifetime) {
        rules.device_cookie_ttl_ms = i64::from(p.min_days()) * clearboard_core::platform::clock::DAY;
    }
    rules
}

/// The storage layout described by the configuration.
pub fn layout(config: &Config) -> Layout {
    Layout {
        data_dir: config.data_dir.clone(),
        database_url: config.database_url.clone().filter(|u| !u.is_empty()),
        regions: config
            .regions
            .iter()
            .map(|id| {
                let o = config.region.get(id).cloned().unwrap_or_default();
                let blob_credentials = o.blob_credentials();
                RegionLocation {
                    id: id.clone(),
                    database_url: o.database_url,
                    keys_url: o.keys_url,
                    blob_dir: o.blob_dir,
                    blob_url: o.blob_url.filter(|u| !u.trim().is_empty()),
                    blob_credentials,
                }
            })
            .collect(),
    }
}

/// Opens everything and builds the domain and web state.
pub async fn build(config: &Config, clock: Arc<dyn Clock>, metrics: Option<PrometheusHandle>, limits: Limits) -> anyhow::Result<App> {
    // Outbound HTTPS (reqwest, `rustls-no-provider`) uses ring, like the mailer; installing it a
    // second time (several apps in one test process) is refused and harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let policy = Arc::new(load_policy(config)?);
    let problems = policy_problems(config, &policy);
    if !problems.is_empty() {
        let name = config.policy_file.as_ref().map_or_else(|| "the built-in policy".to_string(), |p| p.display().to_string());
        let list: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
        anyhow::bail!(
            "{name} and the enabled modules disagree ({} problem(s)); the service will not start:\n{}",
            problems.len(),
            list.join("\n")
        );
    }
    for r in &config.regions {
        if !policy.region_ids().any(|p| p == r) {
            anyhow::bail!("region `{r}` is configured but not declared in the policy");
        }
    }
    for (r, rc) in &config.region {
        if rc.blob_access_key_id.is_some() != rc.blob_secret_access_key.is_some() {
            anyhow::bail!(
                "region `{r}`: set both blob_access_key_id and blob_secret_access_key, or neither (then AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are read from the environment)"
            );
        }
    }
    private_dir::secure(&config.data_dir)?;
    let kek = kek::load_or_create(&config.kek_path(), config.kek_file.is_some())?;
    let ring = Arc::new(kek.keyring());
    let opened = layout(config).open(ring.clone(), clock.now_ms()).await.context("cannot open the stores")?;
    let settings = Settings {
        default_region: RegionId::new(&config.default_region),
        session_idle_ms: i64::from(config.session_idle_minutes) * clearboard_core::platform::clock::MINUTE,
        session_absolute_ms: i64::from(config.session_absolute_hours) * clearboard_core::platform::clock::HOUR,
        argon2_permits: config.argon2_permits,
        argon2_queue_ms: config.argon2_queue_ms,
        activation_ttl_ms: i64::from(config.activation_hours.max(1)) * clearboard_core::platform::clock::HOUR,
        throttle: device_cookie_rules(&policy),
        disabled_modules: config.disabled_modules(),
        plans: config.plans.clone(),
        seller: config.seller.clone(),
        affiliates: config.affiliates.clone(),
        payment_webhook_secret: config.payment.stripe.as_ref().map(|s| s.webhook_secret.clone()).filter(|s| !s.is_empty()),
        outreach_per_second: config.outreach_per_second.max(1),
        ..Settings::default()
    };
    let plan_problems = clearboard_core::business::billing::plans::problems(&settings.plans);
    anyhow::ensure!(plan_problems.is_empty(), "the plans of the configuration are wrong:\n{}", plan_problems.join("\n"));
    let mailer = if settings.disabled_modules.contains("mail") {
        anyhow::ensure!(
            config.smtp_url.as_deref().is_none_or(|u| u.trim().is_empty()),
            "smtp_url is set but the mail module is switched off (modules.mail.enabled = false): remove one of them"
        );
        Arc::new(clearboard_core::platform::mail::NoMailer)
    } else {
        mail::from_config(config, clock.clone())?
    };
    let shelf = Arc::new(backup::Shelf::new(config.backup_dir()));
    let payments: Arc<dyn clearboard_core::platform::ports::PaymentProvider> = match config.payment.provider.as_str() {
        "transfer" => Arc::new(clearboard_core::business::billing::payments::Transfer),
        "stripe" => {
            let c = config
                .payment
                .stripe
                .as_ref()
                .context("payment.provider is stripe: set payment.stripe.api_base, secret_key, webhook_secret")?;
            Arc::new(stripe::Stripe::new(c)?)
        }
        other => anyhow::bail!("payment.provider `{other}`: choose transfer or stripe"),
    };
    let bus = cluster::bus(config, &opened).await?;
    let cb = Clearboard::new(policy, clock, ring, opened.directory.clone(), opened.regions.clone(), settings)?
        .with_counters(cluster::counters(config, &opened)?)
        .with_bus(bus)
        .with_mailer(mailer)
        .with_backups(shelf)
        .with_google(std::sync::Arc::new(google::Google::new(config.integrations.google.clone())?))
        .with_affiliate_feed(Arc::new(feeds::HttpFeed::new()?))
        .with_payments(payments);
    cb.policy_versions().record_current().await.context("cannot record the policy version")?;
    // Replay every erasure before anything is served (C-RET-2): after a restore, whatever the
    // backup brought back; after a crash in the middle of an erasure (key destroyed, rows not
    // yet deleted), the rest of it.
    let layout = layout(config);
    let restoring = backup::restore_pending(&layout);
    let r = cb.erasure().replay_tombstones().await.context("cannot replay erasures; the service will not start")?;
    if r.subjects_purged > 0 || restoring {
        tracing::info!(
            tombstones = r.tombstones,
            purged = r.subjects_purged,
            rows = r.rows_deleted,
            blobs = r.blobs_deleted,
            after_restore = restoring,
            "erasures replayed before serving"
        );
    }
    if restoring {
        std::fs::remove_file(config.data_dir.join(backup::RESTORE_MARKER)).context("cannot remove the restore marker")?;
    }
    let mut trusted = Vec::new();
    for p in &config.trusted_proxies {
        trusted.push(
            clearboard_web::platform::extract::parse_block(p)
                .with_context(|| format!("trusted_proxies: `{p}` is not an address or CIDR block"))?,
        );
    }
    let web = WebConfig {
        public_url: config.public_url(),
        trusted_proxies: trusted,
        limits,
        metrics_token: config.metrics_token.clone().filter(|t| !t.is_empty()),
        picker_api_key: config.integrations.google.picker_api_key.clone().filter(|k| !k.is_empty()),
        card_fields: match (config.payment.provider.as_str(), &config.payment.stripe) {
            ("stripe", Some(s)) => s.card_fields()?,
            _ => None,
        },
        ws: clearboard_web::boards::sockets::WsLimits { per_identity: config.ws_sockets_per_person.max(1) as usize, ..Default::default() },
    };
    let relay = cb.start_relay();
    Ok(App { state: AppState::new(cb, web, metrics), opened, relay })
}

/// Starts the background tasks (the retention scheduler and the billing run, rights upkeep,
/// outreach's send jobs and policy notices, metrics upkeep). Each duty is claimed for its
/// period first, so it runs on one node of a cluster (`cluster::Duties`).
pub fn spawn_background(state: &AppState, retention_every: Duration, duties: cluster::Duties) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    let base = state.config.public_url.trim_end_matches('/').to_string();
    // At start, exports left queued by a process that died before building them are built at
    // once (C-DSR-1: the copy is owed within the deadline). The upkeep below cannot be relied
    // on for it: the dead process may hold this minute's claim, which would leave them
    // queued for up to a minute. Several nodes may do this at once: each export is taken by
    // compare-and-set on its state, so it is built once.
    let cb = state.cb.clone();
    tasks.push(tokio::spawn(async move {
        if let Err(e) = cb.exports().run_pending().await {
            tracing::warn!(error = %e, "export builder failed");
        }
    }));
    for (duty, every) in [
        (cluster::Duty::Retention, retention_every),
        (cluster::Duty::Upkeep, Duration::from_secs(60)),
        (cluster::Duty::Outreach, Duration::from_secs(1)),
    ] {
        let (cb, duties, base) = (state.cb.clone(), duties.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                cluster::run_once(&cb, &duties, duty, every, &base).await;
            }
        }));
    }
    if let Some(h) = state.metrics.clone() {
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(10));
            loop {
                tick.tick().await;
                h.run_upkeep();
            }
        }));
    }
    tasks
}

/// Bounds on connections (finding 8 of the security review): slow or idle clients are cut off,
/// and the number of open connections is capped.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    /// The longest a client may take to send a request's headers, and the longest an idle
    /// keep-alive connection stays open between requests.
    pub header_timeout: Duration,
    /// The longest a request body may go without a byte arriving.
    pub body_idle_timeout: Duration,
    /// Connections open at once; beyond it, new ones are closed at once.
    pub max_connections: usize,
    /// After shutdown began, how long requests in flight may take to finish.
    pub drain: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_idle_timeout: Duration::from_secs(30),
            max_connections: 4096,
            drain: Duration::from_secs(10),
        }
    }
}

impl ServeLimits {
    pub fn from_config(c: &Config) -> Self {
        Self {
            header_timeout: Duration::from_secs(u64::from(c.header_timeout_seconds.max(1))),
            body_idle_timeout: Duration::from_secs(u64::from(c.body_idle_timeout_seconds.max(1))),
            max_connections: c.max_connections.max(1) as usize,
            drain: Duration::from_secs(u64::from(c.drain_seconds.max(1))),
        }
    }
}

/// Serves the public listener until `shutdown` completes, with the default limits.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with(state, listener, ServeLimits::default(), shutdown).await
}

/// Serves the public listener until `shutdown` completes.
pub async fn serve_with(
    state: AppState,
    listener: TcpListener,
    limits: ServeLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_wrapped(state, listener, limits, |router| router, shutdown).await
}

/// [`serve_with`], with `wrap` around the whole public router (the test kit checks every
/// answer there against the error catalogue and the OpenAPI document).
pub async fn serve_wrapped(
    state: AppState,
    listener: TcpListener,
    limits: ServeLimits,
    wrap: impl FnOnce(axum::Router) -> axum::Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let router = clearboard_web::router(state).layer(tower_http::timeout::RequestBodyTimeoutLayer::new(limits.body_idle_timeout));
    serve_router(wrap(router), listener, limits, shutdown).await
}

/// Serves `/metrics` (and nothing else) on its own listener (loopback by default).
pub async fn serve_metrics(
    state: AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let limits = ServeLimits { max_connections: 64, ..ServeLimits::default() };
    serve_router(clearboard_web::platform::health::metrics_router(state), listener, limits, shutdown).await
}

async fn serve_router(
    router: axum::Router,
    listener: TcpListener,
    limits: ServeLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    use axum::extract::ConnectInfo;
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors, say: wait a little rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            metrics::counter!("clearboard_connections_refused_total").increment(1);
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let svc = router.clone().map_request(move |mut req: axum::extract::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(addr));
            req
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), hyper_util::service::TowerToHyperService::new(svc))
            .with_upgrades();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            tokio::pin!(conn);
            let stopping = tokio::select! {
                _ = conn.as_mut() => false,
                r = stop.wait_for(|s| *s) => r.is_ok(),
            };
            if stopping {
                // Finish the request in flight, then close.
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.drain, permits.acquire_many(all)).await.is_err() {
        tracing::warn!(seconds = limits.drain.as_secs(), "connections still open after the drain were cut");
    }
    Ok(())
}

/// The process-wide Prometheus recorder (installed once).
pub fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<PrometheusHandle>> = std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .set_buckets(&buckets)
                .ok()?
                .install_recorder()
                .ok()
                .inspect(|_| clearboard_web::platform::telemetry::describe())
        })
        .clone()
}

/// On PostgreSQL, the cluster's files of this deployment's databases and its WAL, when the
/// server runs on this machine and its files are readable (for `forensics scan`).
pub async fn pg_files(config: &Config) -> Vec<std::path::PathBuf> {
    let Some(url) = config.database_url.as_deref().filter(|u| u.starts_with("postgres")) else { return Vec::new() };
    clearboard_store::platform::backup::postgres_cluster_files(url).await
}
