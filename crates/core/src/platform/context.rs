//! The assembled domain: the policy, the clock, the vault keys and the stores of every region.
//! Services are thin views over it (`cb.accounts()`, `cb.sessions()`, …).

use std::collections::BTreeMap;
use std::sync::Arc;

use clearboard_policy::Policy;
use clearboard_vault::{BlindIndexer, Keyring};

use crate::platform::clock::{Clock, DAY, HOUR, MINUTE, Millis};
use crate::platform::error::CoreError;
use crate::platform::ids::RegionId;
use crate::platform::ports::{BlobStore, BoardStore, ConsentStore, Directory, KeyStore, RegionStore};

/// Tunables that are configuration, not policy.
#[derive(Debug, Clone)]
pub struct Settings {
    pub default_region: RegionId,
    /// A session dies after this long without use.
    pub session_idle_ms: Millis,
    /// A session dies this long after sign-in, used or not.
    pub session_absolute_ms: Millis,
    /// Last-use times are written at most this often (saves a write per request).
    pub session_touch_ms: Millis,
    pub picture_max_bytes: usize,
    /// Argon2id hashes allowed at once (each takes 19 MiB); 0: two per core.
    pub argon2_permits: usize,
    /// How long a password check may wait for a permit before 503 `busy`.
    pub argon2_queue_ms: u64,
    /// Sign-in and re-authentication throttles, device cookies.
    pub throttle: crate::platform::throttle::Rules,
    /// How long an activation link works; unactivated accounts are erased after it.
    pub activation_ttl_ms: Millis,
    /// The modules the configuration switches off (`modules.<name>.enabled = false`): what
    /// they implement is found nowhere (`privacy::modules::registry`).
    pub disabled_modules: std::collections::BTreeSet<String>,
    /// The plans subscribers choose from (configuration `plans`).
    pub plans: Vec<crate::business::billing::plans::Plan>,
    /// Who issues the invoices (configuration `seller`).
    pub seller: crate::business::billing::plans::Seller,
    /// The companies of the group that receive contract data (configuration `[[affiliates]]`).
    pub affiliates: Vec<crate::platform::ports::Affiliate>,
    /// The signing secret of the card provider's webhooks (`payment.stripe.webhook_secret`).
    pub payment_webhook_secret: Option<String>,
    /// Campaign messages handed to the mail server per second, at most (the send job's rate).
    pub outreach_per_second: u32,
    /// The mailbox of `List-Unsubscribe`'s mailto link (default: `unsubscribe@` the public
    /// host).
    pub outreach_mailbox: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            default_region: RegionId::new("eu"),
            session_idle_ms: 2 * HOUR,
            session_absolute_ms: DAY,
            session_touch_ms: MINUTE,
            picture_max_bytes: 2 * 1024 * 1024,
            argon2_permits: 0,
            argon2_queue_ms: 5_000,
            throttle: crate::platform::throttle::Rules::default(),
            activation_ttl_ms: 48 * HOUR,
            disabled_modules: std::collections::BTreeSet::new(),
            plans: crate::business::billing::plans::default_plans(),
            seller: crate::business::billing::plans::Seller::default(),
            affiliates: Vec::new(),
            payment_webhook_secret: None,
            outreach_per_second: 20,
            outreach_mailbox: None,
        }
    }
}

/// One region's stores, shared: a handle is one pointer. Every board access, request and job
/// carries one and clones it; as a struct of thirteen pointers and the region's name it was 216
/// bytes, a string copied and twelve counters touched per clone, and a share of the state of
/// every open board socket (issue 21: memory per socket).
#[derive(Debug, Clone)]
pub struct RegionHandle(Arc<RegionStores>);

impl RegionHandle {
    pub fn new(stores: RegionStores) -> Self {
        Self(Arc::new(stores))
    }
}

impl std::ops::Deref for RegionHandle {
    type Target = RegionStores;

    fn deref(&self) -> &RegionStores {
        &self.0
    }
}

/// What a [`RegionHandle`] points to.
#[derive(Debug, Clone)]
pub struct RegionStores {
    pub id: RegionId,
    pub store: Arc<dyn RegionStore>,
    pub boards: Arc<dyn BoardStore>,
    pub consents: Arc<dyn ConsentStore>,
    pub rights: Arc<dyn crate::platform::ports::RightsStore>,
    pub support: Arc<dyn crate::platform::ports::SupportStore>,
    pub billing: Arc<dyn crate::platform::ports::BillingStore>,
    pub outreach: Arc<dyn crate::platform::ports::OutreachStore>,
    pub programmes: Arc<dyn crate::platform::ports::ProgrammesStore>,
    pub integrations: Arc<dyn crate::platform::ports::IntegrationStore>,
    pub careers: Arc<dyn crate::platform::ports::CareersStore>,
    pub keys: Arc<dyn KeyStore>,
    pub blobs: Arc<dyn BlobStore>,
}

pub(crate) struct Inner {
    pub policy: Arc<Policy>,
    pub clock: Arc<dyn Clock>,
    pub ring: Arc<Keyring>,
    pub blind: BlindIndexer,
    pub directory: Arc<dyn Directory>,
    pub regions: BTreeMap<RegionId, RegionHandle>,
    pub settings: Settings,
    pub acks: crate::privacy::ack_cache::AckCache,
    pub hub: crate::boards::realtime::Hub,
    /// Where boards live (organisation, region): fixed at creation, read once.
    pub locations: crate::boards::locations::BoardLocations,
    /// The bus to the other server nodes (`LocalBus`: one node).
    pub bus: Arc<dyn crate::platform::bus::Bus>,
    pub mailer: Arc<dyn crate::platform::mail::Mailer>,
    pub backups: Option<Arc<dyn crate::platform::ports::BackupShelf>>,
    pub payments: Arc<dyn crate::platform::ports::PaymentProvider>,
    pub google: Arc<dyn crate::platform::ports::GoogleApi>,
    pub feed: Arc<dyn crate::platform::ports::AffiliateFeed>,
    pub work: crate::platform::work::Work,
    pub throttle: crate::platform::throttle::Throttle,
    /// The counters of rate limits and throttles (shared by a cluster's nodes).
    pub tally: crate::platform::counters::Tally,
}

/// The domain, cheap to clone.
#[derive(Clone)]
pub struct Clearboard {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Clearboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clearboard").field("regions", &self.inner.regions.keys().collect::<Vec<_>>()).finish()
    }
}

impl Clearboard {
    pub fn new(
        policy: Arc<Policy>,
        clock: Arc<dyn Clock>,
        ring: Arc<Keyring>,
        directory: Arc<dyn Directory>,
        regions: Vec<RegionHandle>,
        settings: Settings,
    ) -> Result<Self, CoreError> {
        let blind = BlindIndexer::new(&ring);
        let regions: BTreeMap<_, _> = regions.into_iter().map(|r| (r.id.clone(), r)).collect();
        if !regions.contains_key(&settings.default_region) {
            return Err(CoreError::UnknownRegion(settings.default_region.to_string()));
        }
        for id in regions.keys() {
            if !policy.region_ids().any(|r| r == id.as_str()) {
                return Err(CoreError::UnknownRegion(id.to_string()));
            }
        }
        let work = crate::platform::work::Work::new(settings.argon2_permits, std::time::Duration::from_millis(settings.argon2_queue_ms));
        let tally = crate::platform::counters::Tally::new(Arc::new(crate::platform::counters::MemoryCounters::default()), blind.clone());
        let throttle = crate::platform::throttle::Throttle::new(settings.throttle, tally.clone(), clock.clone());
        Ok(Self {
            inner: Arc::new(Inner {
                policy,
                clock,
                ring,
                blind,
                directory,
                regions,
                settings,
                acks: Default::default(),
                hub: Default::default(),
                locations: Default::default(),
                bus: Arc::new(crate::platform::bus::LocalBus::default()),
                mailer: Arc::new(crate::platform::mail::NoMailer),
                backups: None,
                payments: Arc::new(crate::business::billing::payments::Transfer),
                google: Arc::new(crate::platform::ports::NoGoogle),
                feed: Arc::new(crate::platform::ports::NoFeed),
                work,
                throttle,
                tally,
            }),
        })
    }

    /// Sets the outgoing mail server (before the domain is shared).
    pub fn with_mailer(mut self, mailer: Arc<dyn crate::platform::mail::Mailer>) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.mailer = mailer,
            None => tracing::error!("with_mailer called after the domain was shared; ignored"),
        }
        self
    }

    /// Sets the bus to the other server nodes (before the domain is shared); one node otherwise.
    /// [`Clearboard::start_relay`] then acts on their notices.
    pub fn with_bus(mut self, bus: Arc<dyn crate::platform::bus::Bus>) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.bus = bus,
            None => tracing::error!("with_bus called after the domain was shared; ignored"),
        }
        self
    }

    /// Sets where the counters of rate limits and throttles live (before the domain is shared):
    /// a cluster shares them in its database; one node keeps them in memory otherwise.
    pub fn with_counters(mut self, counters: Arc<dyn crate::platform::counters::Counters>) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => {
                inner.tally = crate::platform::counters::Tally::new(counters, inner.blind.clone());
                inner.throttle =
                    crate::platform::throttle::Throttle::new(inner.settings.throttle, inner.tally.clone(), inner.clock.clone());
            }
            None => tracing::error!("with_counters called after the domain was shared; ignored"),
        }
        self
    }

    /// Sets the backup shelf the retention scheduler prunes (before the domain is shared).
    pub fn with_backups(mut self, shelf: Arc<dyn crate::platform::ports::BackupShelf>) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.backups = Some(shelf),
            None => tracing::error!("with_backups called after the domain was shared; ignored"),
        }
        self
    }

    /// Sets the payment provider (before the domain is shared); `transfer` otherwise.
    pub fn with_payments(mut self, provider: Arc<dyn crate::platform::ports::PaymentProvider>) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.payments = provider,
            None => tracing::error!("with_payments called after the domain was shared; ignored"),
        }
        self
    }

    /// Sets Google's API adapter (before the domain is shared); none configured otherwise.
    pub fn with_google(mut self, google: Arc<dyn crate::platform::ports::GoogleApi>) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.google = google,
            None => tracing::error!("with_google called after the domain was shared; ignored"),
        }
        self
    }

    /// Sets what delivers feeds to affiliates (before the domain is shared); none otherwise.
    pub fn with_affiliate_feed(mut self, feed: Arc<dyn crate::platform::ports::AffiliateFeed>) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.feed = feed,
            None => tracing::error!("with_affiliate_feed called after the domain was shared; ignored"),
        }
        self
    }

    /// Google's OAuth and Drive endpoints (the Drive integration's port).
    pub fn google(&self) -> &dyn crate::platform::ports::GoogleApi {
        &*self.inner.google
    }

    /// What delivers feeds to affiliates.
    pub fn affiliate_feed(&self) -> &dyn crate::platform::ports::AffiliateFeed {
        &*self.inner.feed
    }

    /// The payment provider.
    pub fn payments(&self) -> &dyn crate::platform::ports::PaymentProvider {
        &*self.inner.payments
    }

    /// The backup shelf, when the deployment keeps backups where the scheduler can see them.
    pub fn backups(&self) -> Option<&dyn crate::platform::ports::BackupShelf> {
        self.inner.backups.as_deref()
    }

    /// Whether the configuration leaves the module `id` enabled.
    pub fn module_enabled(&self, id: &str) -> bool {
        !self.inner.settings.disabled_modules.contains(id)
    }

    pub fn mailer(&self) -> &dyn crate::platform::mail::Mailer {
        &*self.inner.mailer
    }

    /// The bound on concurrent Argon2id work, with its gauges (`in_flight_peak`).
    pub fn password_work(&self) -> &crate::platform::work::Work {
        &self.inner.work
    }

    /// Sign-in and re-authentication failure counters.
    pub fn throttle(&self) -> &crate::platform::throttle::Throttle {
        &self.inner.throttle
    }

    /// The counters of rate limits and throttles, keys hashed.
    pub fn tally(&self) -> &crate::platform::counters::Tally {
        &self.inner.tally
    }

    /// The blind index of an email address (for lookups; no plaintext is stored).
    pub fn blind_email(&self, email: &str) -> Vec<u8> {
        self.inner.blind.email(email).to_vec()
    }

    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    pub fn clock(&self) -> &dyn Clock {
        &*self.inner.clock
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub fn keyring(&self) -> &Keyring {
        &self.inner.ring
    }

    pub fn region_ids(&self) -> impl Iterator<Item = &RegionId> {
        self.inner.regions.keys()
    }

    pub fn directory(&self) -> &dyn Directory {
        &*self.inner.directory
    }

    pub fn region(&self, id: &RegionId) -> Result<&RegionHandle, CoreError> {
        self.inner.regions.get(id).ok_or_else(|| CoreError::UnknownRegion(id.to_string()))
    }

    pub(crate) fn region_named(&self, name: &str) -> Result<&RegionHandle, CoreError> {
        self.inner
            .regions
            .iter()
            .find(|(k, _)| k.as_str() == name)
            .map(|(_, v)| v)
            .ok_or_else(|| CoreError::UnknownRegion(name.chars().filter(char::is_ascii_alphanumeric).take(16).collect()))
    }

    pub fn regions(&self) -> impl Iterator<Item = &RegionHandle> {
        self.inner.regions.values()
    }

    pub fn now(&self) -> Millis {
        self.inner.clock.now_ms()
    }

    /// Readiness: every store answers.
    pub async fn ready(&self) -> Result<(), CoreError> {
        self.inner.directory.ping().await?;
        for r in self.inner.regions.values() {
            r.store.ping().await?;
            r.keys.ping().await?;
        }
        Ok(())
    }
}
