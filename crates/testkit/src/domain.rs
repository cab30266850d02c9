//! The in-process domain harness: clearboard's core services (`Clearboard`, reached as
//! `d.cb.accounts()`, `d.cb.requests()`, …) on real stores, with the simulated clock and an
//! in-memory mail outbox; no HTTP server, no socket, no process. Domain tests (the rules of
//! accounts, sessions, consent, retention, rights requests and their deadlines) run here in
//! milliseconds each, the way kanidm and atuin test their engines; what needs HTTP (status
//! codes, cookies, headers, pages) or a real server stays with `spawn_app`.
//!
//! Storage, per [`Backend`]:
//! - `Sqlite`: in-memory SQLite (one shared-cache database per store: directory, and each
//!   region's data and keys), migrated exactly as on disk; blobs in a temporary folder. With
//!   [`DomainOptions::on_disk`], the files of a deployment's data dir instead (WAL, durability
//!   as deployed: the storage conformance suite runs there).
//! - `Postgres`: one schema per store in a database the test process shares
//!   (`crate::pg::shared_database`), dropped afterwards: a `DROP DATABASE` waits for a
//!   checkpoint of the whole cluster, seconds on a busy server, five times per harness.
//!   Blobs on S3: a bucket of the process's moto server per harness, a prefix per region
//!   ([`crate::s3`]).
//!
//! Keys are real: a random key-encryption key wraps every person's key in the region's key
//! store, so sealing, opening and crypto-shredding are the production code paths.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use clearboard_core::identity::accounts::NewAccount;
use clearboard_core::identity::principal::Principal;
use clearboard_core::identity::sessions::SessionKind;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::audit::{DIRECTORY_CHAIN, region_chain};
use clearboard_core::platform::clock::{Clock, SimClock};
use clearboard_core::platform::ids::{RegionId, SubjectId};
use clearboard_core::platform::mail::{Mail, MailError, Mailer};
use clearboard_core::{Clearboard, RegionHandle, RegionStores, Settings};
use clearboard_policy::Policy;
use clearboard_store::platform::blobs::LocalBlobStore;
use clearboard_store::platform::directory::SqlDirectory;
use clearboard_store::platform::keys::SqlKeyStore;
use clearboard_store::platform::migrate::{self, Schema};
use clearboard_store::platform::region::SqlRegionStore;
use clearboard_store::{Db, Layout, Opened, RegionLocation};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use zeroize::Zeroizing;

use crate::smtp::ReceivedMail;
use crate::spawn::{Backend, START_MS};
use crate::{canary, canary_email, logs, pg};

/// The regions every harness serves (as the default configuration does).
pub const REGIONS: [&str; 2] = ["eu", "us"];
/// The public origin domain services put in links (activation, verification).
pub const BASE_URL: &str = "http://clearboard.test";
/// The envelope sender of the outbox's messages.
pub const MAIL_FROM: &str = "privacy@clearboard.test";

/// How to build a harness.
pub struct DomainOptions {
    /// SQLite in files under a temporary data dir (as deployed) instead of in memory.
    pub on_disk: bool,
    pub settings: Settings,
    /// The policy (default: the built-in one).
    pub policy: Option<Policy>,
    /// Whether a mail server is configured (the outbox); without one, sign-up is immediate and
    /// every send fails with `NotConfigured`, as in a deployment without `smtp_url`.
    pub mail: bool,
}

impl Default for DomainOptions {
    fn default() -> Self {
        Self { on_disk: false, settings: Settings::default(), policy: None, mail: true }
    }
}

/// The domain, assembled: its services, stores, clock and outbox.
pub struct Domain {
    pub cb: Clearboard,
    pub clock: SimClock,
    pub backend: Backend,
    /// The stores, as the layout opens them (the conformance suite takes these).
    pub opened: Opened,
    /// Where the stores are (on disk or PostgreSQL; in memory, the blobs' data dir only).
    pub layout: Layout,
    /// Every message the domain handed to its mail server.
    pub outbox: Arc<Outbox>,
    /// The keyring the domain was assembled with (to assemble it again under another policy).
    pub ring: Arc<clearboard_vault::Keyring>,
    /// The data dir: blobs, and the SQLite files when `on_disk`.
    pub dir: tempfile::TempDir,
    on_disk: bool,
    /// On PostgreSQL: the process's shared database and this harness's schemas in it.
    pg: Option<(String, Vec<String>)>,
}

impl Drop for Domain {
    fn drop(&mut self) {
        if let Some((db, schemas)) = self.pg.take() {
            pg::drop_schemas_blocking(db, schemas, pools(&self.opened));
        }
    }
}

impl std::fmt::Debug for Domain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Domain").field("backend", &self.backend).finish_non_exhaustive()
    }
}

/// A person with an account, signed in through the domain (no HTTP).
#[derive(Debug, Clone)]
pub struct Person {
    pub id: SubjectId,
    pub region: RegionId,
    /// The session token, as a client would hold it, and who it says the person is.
    pub token: String,
    pub principal: Principal,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub password: String,
}

impl Person {
    /// Every personal value planted for this person (for canary scans).
    pub fn canaries(&self) -> Vec<String> {
        vec![self.email.clone(), self.password.clone(), self.first_name.clone(), self.last_name.clone(), self.phone.clone()]
    }
}

impl Domain {
    /// The harness on `backend` with the defaults (SQLite in memory, mail configured).
    pub async fn open(backend: Backend) -> Domain {
        Self::with(backend, DomainOptions::default()).await
    }

    pub async fn with(backend: Backend, opts: DomainOptions) -> Domain {
        logs::init();
        let dir = tempfile::Builder::new().prefix("clearboard-domain-").tempdir().expect("temp dir");
        let clock = SimClock::at(START_MS);
        let kek: [u8; 32] = clearboard_vault::random::bytes::<32>().expect("randomness");
        let ring = Arc::new(clearboard_vault::Kek::from_bytes(kek).keyring());
        let mut layout = Layout {
            data_dir: dir.path().join("data"),
            database_url: None,
            regions: REGIONS.iter().map(|r| RegionLocation { id: (*r).to_string(), ..Default::default() }).collect(),
        };
        let mut pg_schemas = None;
        if backend == Backend::Postgres {
            assert!(pg::available().await, "PostgreSQL is needed here (CLEARBOARD_TEST_SKIP names `postgres`)");
            // One schema per store (the directory, each region's data and keys) in the
            // process's shared database: the same layout as separate databases, made and
            // dropped in milliseconds.
            let db = pg::shared_database().await;
            let prefix = pg::new_prefix().replace("cbt_", "h");
            let schema = |what: &str| format!("{prefix}_{what}");
            layout.database_url = Some(pg::schema_url(&db, &schema("directory")));
            for r in &mut layout.regions {
                r.database_url = Some(pg::schema_url(&db, &schema(&r.id)));
                r.keys_url = Some(pg::schema_url(&db, &schema(&format!("{}_keys", r.id))));
            }
            let names: Vec<String> = std::iter::once(schema("directory"))
                .chain(REGIONS.iter().flat_map(|r| [schema(r), schema(&format!("{r}_keys"))]))
                .collect();
            pg::create_schemas(&db, &names).await;
            pg_schemas = Some((db, names));
            if let Some(server) = crate::s3::S3Server::get_async().await {
                let bucket = server.new_bucket().await;
                for r in &mut layout.regions {
                    r.blob_url = Some(server.blob_url(&bucket, &r.id));
                    r.blob_credentials = Some(clearboard_store::platform::blobs::S3Credentials {
                        access_key_id: crate::s3::ACCESS_KEY_ID.into(),
                        secret_access_key: crate::s3::SECRET_ACCESS_KEY.into(),
                    });
                }
            }
        }
        let opened = if backend == Backend::Sqlite && !opts.on_disk {
            in_memory(&layout, ring.clone(), clock.now_ms()).await
        } else {
            layout.open(ring.clone(), clock.now_ms()).await.expect("open the stores")
        };
        let policy = Arc::new(opts.policy.unwrap_or_else(|| Policy::default_policy().expect("the built-in policy")));
        let outbox = Arc::new(Outbox { configured: opts.mail, ..Outbox::default() });
        let cb = Clearboard::new(
            policy,
            Arc::new(clock.clone()) as Arc<dyn Clock>,
            ring.clone(),
            opened.directory.clone(),
            opened.regions.clone(),
            opts.settings,
        )
        .expect("assemble the domain")
        .with_mailer(outbox.clone());
        cb.policy_versions().record_current().await.expect("record the policy version");
        Domain { cb, clock, backend, opened, layout, outbox, ring, dir, on_disk: opts.on_disk, pg: pg_schemas }
    }

    /// The same stores, clock, keys and outbox under another policy (a new version published:
    /// what a restart with an edited policy file does), with that version recorded.
    pub async fn republish(&self, policy: Policy) -> Clearboard {
        let cb = Clearboard::new(
            Arc::new(policy),
            Arc::new(self.clock.clone()) as Arc<dyn Clock>,
            self.ring.clone(),
            self.opened.directory.clone(),
            self.opened.regions.clone(),
            self.cb.settings().clone(),
        )
        .expect("assemble the domain")
        .with_mailer(self.outbox.clone());
        cb.policy_versions().record_current().await.expect("record the policy version");
        cb
    }

    /// A region's stores.
    pub fn region(&self, id: &str) -> &RegionHandle {
        self.cb.region(&RegionId::new(id)).expect("a served region")
    }

    /// A valid sign-up made of fresh canaries (born in 1990, region left to the default).
    pub fn new_account(&self) -> NewAccount {
        NewAccount {
            email: canary_email("mail"),
            password: Zeroizing::new(format!("pw {} long enough", canary("Pass"))),
            first_name: canary("First"),
            last_name: canary("Last"),
            phone: Some(format!("+33 6 {} {} {} {}", rnd2(), rnd2(), rnd2(), rnd2())),
            birth_date: Some("1990-05-17".into()),
            ..Default::default()
        }
    }

    /// Signs up (immediately: the activation by mail has tests of its own) and signs in a new
    /// person made of canaries.
    pub async fn new_person(&self) -> Person {
        self.new_person_with(self.new_account()).await
    }

    /// Signs up with `input` and signs in.
    pub async fn new_person_with(&self, input: NewAccount) -> Person {
        let (email, password) = (input.email.clone(), input.password.to_string());
        let (first_name, last_name, phone) = (input.first_name.clone(), input.last_name.clone(), input.phone.clone().unwrap_or_default());
        let profile = self.cb.accounts().sign_up(input).await.expect("sign-up");
        let (token, principal) = self.sign_in(&email, &password).await;
        assert_eq!(principal.subject, profile.id);
        Person { id: profile.id, region: profile.region, email, password, first_name, last_name, phone, token, principal }
    }

    /// Signs in with a password: the session token and who it is.
    pub async fn sign_in(&self, email: &str, password: &str) -> (String, Principal) {
        let (token, principal) =
            self.cb.sessions().sign_in(email, Zeroizing::new(password.into()), SessionKind::Bearer, None).await.expect("sign-in");
        (token.to_string(), principal)
    }

    /// A staff member with `role`, trained on `trained_on` (never: `None`), signed in.
    pub async fn new_staff(&self, tag: &str, role: Role, trained_on: Option<time::Date>) -> Person {
        let input = NewAccount {
            email: canary_email(tag),
            password: Zeroizing::new(crate::spawn::STAFF_PASSWORD.into()),
            first_name: canary("Staff"),
            last_name: "Staff".into(),
            ..Default::default()
        };
        let (email, first_name) = (input.email.clone(), input.first_name.clone());
        self.cb.staff().add(input, role, trained_on).await.expect("a staff member is added");
        let (token, principal) = self.sign_in(&email, crate::spawn::STAFF_PASSWORD).await;
        Person {
            id: principal.subject.clone(),
            region: principal.region.clone(),
            email,
            password: crate::spawn::STAFF_PASSWORD.into(),
            first_name,
            last_name: "Staff".into(),
            phone: String::new(),
            token,
            principal,
        }
    }

    /// A privacy officer trained today.
    pub async fn officer(&self) -> Person {
        let today = clearboard_core::platform::clock::date_of(self.clock.now_ms());
        self.new_staff("officer", Role::PrivacyOfficer, Some(today)).await
    }

    /// Every message sent so far, oldest first.
    pub fn mails(&self) -> Vec<ReceivedMail> {
        self.outbox.messages()
    }

    /// The newest message to `to` (case-insensitive) that satisfies `pred`. Sending is
    /// synchronous here: no waiting.
    pub fn mail_to(&self, to: &str, pred: impl Fn(&ReceivedMail) -> bool) -> Option<ReceivedMail> {
        self.mails().into_iter().rev().find(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)) && pred(m))
    }

    /// Every file that holds this domain's data: the data dir (SQLite files on disk, blobs)
    /// and, on PostgreSQL, its databases' files and the cluster's WAL. In-memory SQLite has no
    /// files to scan: a forensic test opens its harness `on_disk`.
    pub async fn storage_paths(&self) -> Vec<PathBuf> {
        assert!(self.on_disk || self.backend == Backend::Postgres, "a forensic scan needs the stores on disk: DomainOptions::on_disk");
        let mut paths = vec![self.layout.data_dir.clone()];
        if let Some((db, _)) = &self.pg {
            paths.extend(pg::database_files(db).await);
        }
        // Blobs on S3 are not files here: copies of them, through the port.
        for (r, loc) in self.opened.regions.iter().zip(&self.layout.regions) {
            if loc.blob_url.is_some() {
                paths.push(crate::s3::copy_blobs(r.blobs.as_ref(), &self.dir.path().join("copied-blobs").join(r.id.as_str())).await);
            }
        }
        paths
    }

    /// Scans every storage file for the needles (see [`Domain::storage_paths`]).
    pub async fn scan_storage(&self, needles: &[String]) -> Vec<crate::forensics::Hit> {
        crate::forensics::scan(&self.storage_paths().await, needles)
    }

    /// The path and query of the first link of the newest message to `to` whose subject
    /// contains `subject`; fails without one.
    pub fn link_in_mail(&self, to: &str, subject: &str) -> String {
        let m = self.mail_to(to, |m| m.subject.contains(subject)).unwrap_or_else(|| panic!("no mail «{subject}» to that address"));
        let link = m.first_link().expect("a link in the message");
        link.strip_prefix(BASE_URL).map(str::to_string).unwrap_or(link)
    }
}

/// Every connection pool of `opened` (to close before its databases or schemas are dropped).
pub(crate) fn pools(opened: &Opened) -> Vec<Db> {
    let mut out = vec![opened.directory.db().clone()];
    for (_, data, keys) in &opened.region_stores {
        out.push(data.db().clone());
        out.push(keys.db().clone());
    }
    out
}

/// Opens the layout's stores on in-memory SQLite, migrated as on disk.
async fn in_memory(layout: &Layout, ring: Arc<clearboard_vault::Keyring>, now: i64) -> Opened {
    let directory_db = memory_db().await;
    migrate::run(&directory_db, Schema::Directory, now).await.expect("migrate the directory");
    let directory = Arc::new(SqlDirectory::new(directory_db, DIRECTORY_CHAIN.to_string(), ring.clone()));
    let mut regions = Vec::new();
    let mut region_stores = Vec::new();
    for r in &layout.regions {
        let (data, keys) = (memory_db().await, memory_db().await);
        migrate::run(&data, Schema::Region, now).await.expect("migrate a region");
        migrate::run(&keys, Schema::Keys, now).await.expect("migrate a key store");
        let sql = SqlRegionStore::new(data, region_chain(&r.id), ring.clone());
        let key_store = SqlKeyStore::new(keys);
        let shared = Arc::new(sql.clone());
        let id = RegionId::new(&r.id);
        let blobs = Arc::new(LocalBlobStore::open(&layout.region_dir(&r.id).join("blobs")).expect("a blob folder"));
        // One struct implements every port of the region's database, as on disk.
        let (store, boards, consents, rights, support, billing, outreach, programmes, integrations, careers) = (
            shared.clone(),
            shared.clone(),
            shared.clone(),
            shared.clone(),
            shared.clone(),
            shared.clone(),
            shared.clone(),
            shared.clone(),
            shared.clone(),
            shared,
        );
        regions.push(RegionHandle::new(RegionStores {
            id: id.clone(),
            store,
            boards,
            consents,
            rights,
            support,
            billing,
            outreach,
            programmes,
            integrations,
            careers,
            keys: Arc::new(key_store.clone()),
            blobs,
        }));
        region_stores.push((id, sql, key_store));
    }
    Opened { directory, regions, region_stores }
}

/// A new, private in-memory database: `sqlite::memory:` names a fresh shared-cache database
/// that the pool's connections share (sqlx waits on SQLite's unlock notifications where two
/// of them meet); it lives as long as one connection does, so none is ever retired.
async fn memory_db() -> Db {
    let opts = SqliteConnectOptions::from_str("sqlite::memory:")
        .expect("an in-memory SQLite URL")
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .pragma("secure_delete", "on");
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(opts)
        .await
        .expect("an in-memory SQLite database");
    Db::sqlite(pool)
}

fn rnd2() -> String {
    let b = clearboard_vault::random::bytes::<1>().unwrap_or([0]);
    format!("{:02}", b[0] % 100)
}

/// The harness's mail server: what the domain hands to its `Mailer` port is kept in memory as
/// the SMTP sinks give it ([`ReceivedMail`]); the wire format is `it/mail.rs`'s business.
#[derive(Default)]
pub struct Outbox {
    configured: bool,
    mails: Mutex<Vec<ReceivedMail>>,
}

impl Outbox {
    /// Every message sent so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.mails.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

#[async_trait]
impl Mailer for Outbox {
    async fn send(&self, mail: Mail) -> Result<(), MailError> {
        if !self.configured {
            return Err(MailError::NotConfigured);
        }
        let to = mail.to.trim();
        // What the SMTP adapter refuses before connecting.
        if to.is_empty() || !to.contains('@') || to.chars().any(|c| c.is_whitespace() || c == '<' || c == '>') {
            return Err(MailError::BadAddress);
        }
        let mut headers =
            vec![("From".to_string(), MAIL_FROM.to_string()), ("To".into(), to.to_string()), ("Subject".into(), mail.subject.clone())];
        headers.extend(mail.headers);
        let received = ReceivedMail {
            from: MAIL_FROM.into(),
            to: vec![to.to_string()],
            subject: mail.subject,
            raw: mail.text.as_bytes().to_vec(),
            text: mail.text,
            html: mail.html,
            headers,
        };
        self.mails.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(received);
        Ok(())
    }

    fn configured(&self) -> bool {
        self.configured
    }
}
