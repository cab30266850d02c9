//! The shape of a module's declaration: what one processing activity implements (data
//! subjects, categories with their exporter and eraser, purposes, recipients, retention rules
//! and how each is enforced, cookies, integrations) and every column of every table it owns,
//! with its classification (C-DATA-9). Data only: the registry reads it, the agreement check
//! compares it with the policy, the schema test compares it with the real databases.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;
use serde_json::Value;

use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;

/// A boxed future of a category handler.
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = Result<T, CoreError>> + Send + 'a>>;

/// Exports what is stored about a subject in one category, in clear, as JSON (C-DSR-3).
pub type Exporter = for<'a> fn(&'a Clearboard, &'a RegionHandle, &'a SubjectId) -> Pending<'a, Value>;

/// Erases what is stored about a subject in one category; returns how many records went.
pub type EraseFn = for<'a> fn(&'a Clearboard, &'a RegionHandle, &'a SubjectId) -> Pending<'a, u64>;

/// How a category is erased (C-DSR-4).
#[derive(Clone, Copy)]
pub enum Eraser {
    /// On its own, by this function.
    Rows(EraseFn),
    /// With the person's account, as a whole: their key is destroyed first, then the rows
    /// (`privacy::rights::erasure`).
    WithAccount,
    /// Kept by a legal obligation until its retention rule erases it (the reason is given to
    /// whoever asks for erasure earlier).
    AtRetention(&'static str),
}

/// A category a module stores, with its exporter and eraser.
#[derive(Clone, Copy)]
pub struct CategoryImpl {
    pub id: &'static str,
    pub exporter: Exporter,
    pub eraser: Eraser,
}

/// What enforces a retention rule (C-RET-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Enforcement {
    /// The scheduler purges expired sign-in sessions.
    PurgeSessions,
    /// The scheduler purges page views older than the rule.
    PurgePageViews,
    /// The scheduler purges visitors' consent records older than the rule.
    PurgeVisitorConsents,
    /// The scheduler erases request records closed longer ago than the rule, with their key.
    PurgeClosedRequests,
    /// The scheduler erases participants (key, contributions, row) whose latest session ended
    /// longer ago than the rule.
    PurgeIdleParticipants,
    /// The scheduler erases support tickets closed longer ago than the rule, with their key.
    PurgeClosedTickets,
    /// The data goes when its trigger happens (account deletion erases it at once).
    AtTrigger,
    /// The scheduler deletes backup files older than the policy's backup retention.
    PurgeBackups,
    /// The scheduler deletes contracts that ended longer ago than the rule, destroying their
    /// billing contact's key first.
    PurgeEndedContracts,
    /// The scheduler erases newsletter contacts never confirmed within the rule's window.
    PurgeUnconfirmedContacts,
    /// The scheduler erases newsletter contacts without collection or contact for the rule's
    /// period (C-RET-4).
    PurgeInactiveContacts,
    /// The scheduler erases the registrations of events that ended longer ago than the rule,
    /// with their keys.
    PurgeEndedEvents,
    /// The scheduler erases visits that ended longer ago than the rule, with their keys.
    PurgeEndedVisits,
    /// The scheduler erases the registrations of trainings that ended longer ago than the
    /// rule, with their keys.
    PurgeEndedTrainings,
    /// The scheduler erases job applications outside the talent pool whose last contact is
    /// older than the rule, with their key.
    PurgeStaleApplications,
}

/// A retention rule a module enforces.
#[derive(Debug, Clone, Copy)]
pub struct RetentionImpl {
    pub category: &'static str,
    pub trigger: &'static str,
    pub enforcement: Enforcement,
}

/// Which kind of database a table lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Database {
    /// The directory (blind indexes, staff roles, board index, policy versions).
    Directory,
    /// A region's data.
    Region,
    /// A region's key store.
    Keys,
}

impl Database {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Directory => "directory",
            Self::Region => "region",
            Self::Keys => "keys",
        }
    }
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Personal data: the policy category and the fields of it the column holds, and whether it
    /// is sealed with the subject's key.
    Personal { category: &'static str, fields: &'static [&'static str], sealed: bool },
    /// A sealed copy of personal data classified where it comes from (why, and when it goes).
    Copy(&'static str),
    /// No personal data, and why.
    NotPersonal(&'static str),
}

/// A table a module owns and how each of its columns is classified.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub db: Database,
    pub name: &'static str,
    pub columns: &'static [(&'static str, Class)],
}

/// Every category the enabled modules store: the `rights` purpose covers them all.
pub const EVERY_CATEGORY: &[&str] = &["*"];

/// One processing activity.
#[derive(Clone, Copy)]
pub struct Module {
    /// Its name in `modules.<id>.enabled` and in messages.
    pub id: &'static str,
    pub title: &'static str,
    /// Whether the configuration may switch it off (then the policy must not declare it).
    pub switchable: bool,
    pub data_subjects: &'static [&'static str],
    pub categories: &'static [CategoryImpl],
    /// (purpose, the categories it processes for it).
    pub purposes: &'static [(&'static str, &'static [&'static str])],
    /// Recipient ids; `hosting-{region}` stands for one per region of the policy.
    pub recipients: &'static [&'static str],
    pub retention: &'static [RetentionImpl],
    pub cookies: &'static [&'static str],
    /// The integrations it offers, each with the provider, scopes and purpose its code uses.
    pub integrations: &'static [&'static crate::integrations::spec::Spec],
    pub tables: &'static [Table],
}

impl Module {
    /// A module with nothing declared yet (declarations spell out what they have).
    pub const EMPTY: Module = Module {
        id: "",
        title: "",
        switchable: false,
        data_subjects: &[],
        categories: &[],
        purposes: &[],
        recipients: &[],
        retention: &[],
        cookies: &[],
        integrations: &[],
        tables: &[],
    };
}

/// Shorthands for declarations.
pub const fn personal(category: &'static str, fields: &'static [&'static str]) -> Class {
    Class::Personal { category, fields, sealed: false }
}

pub const fn sealed(category: &'static str, fields: &'static [&'static str]) -> Class {
    Class::Personal { category, fields, sealed: true }
}

pub const fn region(name: &'static str, columns: &'static [(&'static str, Class)]) -> Table {
    Table { db: Database::Region, name, columns }
}

pub const fn directory(name: &'static str, columns: &'static [(&'static str, Class)]) -> Table {
    Table { db: Database::Directory, name, columns }
}

pub const fn keys(name: &'static str, columns: &'static [(&'static str, Class)]) -> Table {
    Table { db: Database::Keys, name, columns }
}

/// Reasons that recur.
pub const ID: Class = Class::NotPersonal("a random identifier of the row");
pub const SUBJECT: Class = Class::NotPersonal(
    "a pseudonymous subject id: random, it names no one without the rows it points to, which are sealed with the person's key and erased with it",
);
pub const TIME: Class = Class::NotPersonal("when something happened to the row (created, changed, due, ended)");
pub const STATE: Class = Class::NotPersonal("a state, kind, count or setting of the software");
pub const LINK_HASH: Class =
    Class::NotPersonal("the SHA-256 of a one-time link or code: it says nothing about anyone and opens nothing once used or expired");
pub const PUBLIC: Class = Class::NotPersonal("public: a version or text of the published policy");
