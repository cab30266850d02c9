//! Configuration: defaults, then a TOML file (`--config` or `CLEARBOARD_CONFIG`), then
//! `CLEARBOARD_*` environment variables (nested keys with `__`), then command-line flags.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Per-region storage overrides (PostgreSQL URLs, where blobs go).
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionConfig {
    pub database_url: Option<String>,
    pub keys_url: Option<String>,
    /// The blob folder (shorthand for `blob_url = "file:///…"`).
    pub blob_dir: Option<PathBuf>,
    /// `file:///path` or `s3://bucket/prefix?endpoint=https://…&region=…` (docs/blobs.md). On
    /// S3 the credentials come from the environment (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, …) unless the two keys below are set.
    pub blob_url: Option<String>,
    pub blob_access_key_id: Option<String>,
    pub blob_secret_access_key: Option<String>,
}

impl std::fmt::Debug for RegionConfig {
    // URLs may hold passwords and the S3 secret is one: only say whether they are set.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegionConfig")
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field("keys_url", &self.keys_url.as_ref().map(|_| "<set>"))
            .field("blob_dir", &self.blob_dir)
            .field("blob_url", &self.blob_url.as_ref().map(|_| "<set>"))
            .field("blob_secret_access_key", &self.blob_secret_access_key.as_ref().map(|_| "<set>"))
            .finish_non_exhaustive()
    }
}

impl RegionConfig {
    /// The S3 keys given in the configuration (both, or none: the environment's).
    pub fn blob_credentials(&self) -> Option<clearboard_store::platform::blobs::S3Credentials> {
        match (&self.blob_access_key_id, &self.blob_secret_access_key) {
            (Some(id), Some(secret)) => {
                Some(clearboard_store::platform::blobs::S3Credentials { access_key_id: id.clone(), secret_access_key: secret.clone() })
            }
            _ => None,
        }
    }
}

/// One processing activity's switch (`modules.<name>.enabled`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleConfig {
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

/// The support desk (`support.*`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportConfig {
    /// Where the LMTP listener for replies by email listens (`127.0.0.1:2424`); unset: none
    /// (a mail server can pipe each message to `clearboard support inbound` instead).
    #[serde(default)]
    pub inbound_listen: Option<String>,
}

/// The payment provider (`payment.*`): `transfer` (no card; staff mark invoices paid) or
/// `stripe` with `payment.stripe.{api_base, secret_key, webhook_secret}`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentConfig {
    pub provider: String,
    #[serde(default)]
    pub stripe: Option<crate::stripe::StripeConfig>,
}

impl Default for PaymentConfig {
    fn default() -> Self {
        Self { provider: "transfer".into(), stripe: None }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: String,
    /// The URL people use to reach this server (default: `http://<listen>`).
    pub public_url: Option<String>,
    /// `postgres://…` to use PostgreSQL; unset for embedded SQLite under `data_dir`.
    pub database_url: Option<String>,
    /// The key-encryption key file (default: `<data_dir>/kek.key`, generated on first start).
    pub kek_file: Option<PathBuf>,
    /// The policy file (default: the built-in policy).
    pub policy_file: Option<PathBuf>,
    /// Regions this deployment serves (each must be declared by the policy).
    pub regions: Vec<String>,
    pub default_region: String,
    pub region: BTreeMap<String, RegionConfig>,
    pub session_idle_minutes: u32,
    pub session_absolute_hours: u32,
    /// Proxies whose `X-Forwarded-For` is believed: addresses or CIDR blocks.
    pub trusted_proxies: Vec<String>,
    /// `json` (default) or `pretty`.
    pub log_format: String,
    /// A tracing filter, e.g. `info` or `clearboard=debug`.
    pub log_level: String,
    pub metrics: bool,
    /// Where `/metrics` is served (default loopback `127.0.0.1:9464`); empty: nowhere but the
    /// public listener with `metrics_token`.
    pub metrics_listen: Option<String>,
    /// A bearer token that opens `/metrics` on the public listener; unset: not served there.
    pub metrics_token: Option<String>,
    /// Slow clients: headers (and idle keep-alive) within this many seconds.
    pub header_timeout_seconds: u32,
    /// Slow clients: a request body may pause at most this many seconds between bytes.
    pub body_idle_timeout_seconds: u32,
    /// Connections open at once on the public listener.
    pub max_connections: u32,
    /// Board sockets one person (account or participant) may hold at once.
    pub ws_sockets_per_person: u32,
    /// How often the retention scheduler runs (its period: once per period per cluster).
    pub retention_interval_minutes: u32,
    /// Several server nodes share this deployment's PostgreSQL (issue 20): board events and
    /// cache invalidations go over the bus, periodic duties run once per cluster. Needs a
    /// PostgreSQL `database_url`; SQLite deployments are one node.
    pub cluster: bool,
    /// The bus between nodes: `postgres` (LISTEN/NOTIFY on the directory's database, the
    /// default when `cluster = true`), `nats://[user:password@]host:port[/subject]` (core
    /// NATS, `crate::nats`) or `local` (one node, the default otherwise). docs/deploy.md.
    pub bus_url: Option<String>,
    /// How long a node that received SIGTERM keeps finishing requests in flight before it
    /// exits (its sockets are closed at once with code 4001, "reconnect elsewhere").
    pub drain_seconds: u32,
    /// The outgoing mail server: `smtp://host:25` (plain), `smtp://host:587?tls=required`
    /// (STARTTLS), `smtps://host:465`, with optional `user:password@`. Unset: no mail is sent
    /// and features that need it say so.
    pub smtp_url: Option<String>,
    /// The sender of every message.
    pub mail_from: String,
    /// The longest one message may take to hand over: connecting, TLS and the whole SMTP
    /// exchange. A send that takes longer fails (and whoever asked is told).
    pub smtp_timeout_seconds: u32,
    /// Argon2id hashes allowed at once, 19 MiB each (0: two per core).
    pub argon2_permits: usize,
    /// How long a password check waits for a permit before 503 `busy` with `Retry-After`.
    pub argon2_queue_ms: u64,
    /// With `smtp_url` set, how long an activation link works; unactivated accounts are
    /// erased after it.
    pub activation_hours: u32,
    /// Campaign messages handed to the mail server per second, at most (outreach).
    pub outreach_per_second: u32,
    /// Processing activities switched off (`modules.statistics.enabled = false`): the policy
    /// must then not declare what they do (`clearboard policy check` says what to remove).
    pub modules: BTreeMap<String, ModuleConfig>,
    /// Where backups are made by default and deleted by the retention scheduler once older
    /// than the policy's backup retention (default: `<data_dir>/backups`).
    pub backup_dir: Option<PathBuf>,
    /// The support desk: its inbound mail listener.
    #[serde(default)]
    pub support: SupportConfig,
    /// The plans subscribers choose from (`[[plans]]`: id, name.en, name.fr, price_per_seat in
    /// minor units per month, currency, vat_basis_points).
    pub plans: Vec<clearboard_core::business::billing::plans::Plan>,
    /// Who issues the invoices: name, legal_form, registration (SIREN), vat_id, line1,
    /// postcode, city, country, payment_days.
    pub seller: clearboard_core::business::billing::plans::Seller,
    /// Companies of the group that receive the contract feed (`[[affiliates]]`: id, company,
    /// url, token, purposes, notice_email); each purpose must be one the policy declares for
    /// the `affiliates` recipient (C-SHARE-2).
    pub affiliates: Vec<clearboard_core::platform::ports::Affiliate>,
    /// The payment provider (secrets never printed).
    pub payment: PaymentConfig,
    /// Third-party integrations: `integrations.google.{client_id, client_secret, auth_url,
    /// token_url, revoke_url, api_url, timeout_seconds, picker_api_key}`.
    #[serde(default)]
    pub integrations: IntegrationsConfig,
}

/// `integrations` in the configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct IntegrationsConfig {
    pub google: crate::google::GoogleConfig,
}

impl std::fmt::Debug for Config {
    // Database URLs can hold passwords: only say whether they are set.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field("kek_file", &self.kek_file)
            .field("regions", &self.regions)
            // An SMTP URL can carry a password too.
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<set>"))
            .field("metrics_listen", &self.metrics_listen)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "<set>"))
            .field("mail_from", &self.mail_from)
            .field("modules", &self.modules)
            .finish_non_exhaustive()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./clearboard-data"),
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            database_url: None,
            kek_file: None,
            policy_file: None,
            regions: vec!["eu".into(), "us".into()],
            default_region: "eu".into(),
            region: BTreeMap::new(),
            session_idle_minutes: 120,
            session_absolute_hours: 24,
            trusted_proxies: vec![],
            log_format: "json".into(),
            log_level: "info".into(),
            metrics: true,
            metrics_listen: Some("127.0.0.1:9464".into()),
            metrics_token: None,
            header_timeout_seconds: 10,
            body_idle_timeout_seconds: 30,
            max_connections: 4096,
            ws_sockets_per_person: 16,
            retention_interval_minutes: 60,
            cluster: false,
            bus_url: None,
            drain_seconds: 10,
            smtp_url: None,
            mail_from: "clearboard <privacy@localhost>".into(),
            smtp_timeout_seconds: 10,
            argon2_permits: 0,
            argon2_queue_ms: 5_000,
            activation_hours: 48,
            outreach_per_second: 20,
            modules: BTreeMap::new(),
            backup_dir: None,
            support: SupportConfig::default(),
            plans: clearboard_core::business::billing::plans::default_plans(),
            seller: clearboard_core::business::billing::plans::Seller::default(),
            integrations: IntegrationsConfig::default(),
            affiliates: Vec::new(),
            payment: PaymentConfig::default(),
        }
    }
}

/// Values given on the command line (they win over everything else).
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

impl Config {
    /// Loads the layered configuration.
    pub fn load(file: Option<&std::path::Path>, overrides: &Overrides) -> Result<Self, Box<figment::Error>> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(f) = file {
            fig = fig.merge(Toml::file_exact(f));
        }
        // `CLEARBOARD_TEST_SKIP` belongs to the test kit (what a test run may skip), not to the
        // configuration: without this, setting it made every `clearboard` command refuse to start.
        fig = fig
            .merge(Env::prefixed("CLEARBOARD_").split("__").ignore(&["config", "staff_password", "test_skip"]))
            .merge(Serialized::defaults(overrides));
        fig.extract().map_err(Box::new)
    }

    pub fn public_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// The modules the configuration switches off.
    pub fn disabled_modules(&self) -> BTreeSet<String> {
        self.modules.iter().filter(|(_, m)| !m.enabled).map(|(id, _)| id.clone()).collect()
    }

    /// The backup folder the scheduler prunes.
    pub fn backup_dir(&self) -> PathBuf {
        self.backup_dir.clone().unwrap_or_else(|| self.data_dir.join("backups"))
    }

    pub fn kek_path(&self) -> PathBuf {
        self.kek_file.clone().unwrap_or_else(|| self.data_dir.join("kek.key"))
    }
}
