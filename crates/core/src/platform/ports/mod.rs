//! The ports core needs from the outside, one file per room: the stores every room shares
//! (`stores`: a region's data store, its key store, the directory, blob stores), the boards'
//! store, the privacy stores (consent ledger, rights), the support desk's, billing's and the programmes' stores, the backup shelf, and the rows they
//! carry. The
//! implementations live in `clearboard-store`; core never writes SQL.
//!
//! This file only re-exports, so callers write `ports::BoardStore`; the files below name each
//! other directly and never this one.

pub mod audit;
pub mod backups;
pub mod billing;
pub mod boards;
pub mod careers;
pub mod held;
pub mod identity;
pub mod integrations;
pub mod outreach;
pub mod privacy;
pub mod programmes;
pub mod stores;
pub mod support;

pub use crate::platform::error::{StoreError, StoreResult};
pub use audit::AuditDraft;
pub use backups::{BackupFile, BackupShelf};
pub use billing::{
    Affiliate, AffiliateFeed, BillingStore, CardReference, Charge, ChargeRequest, CoManagerRow, ContractRow, InvoiceRow, InvoiceStore,
    NoFeed, PartnerRow, PartnerStore, PaymentError, PaymentProvider, PaymentRow, ShowNumber,
};
pub use boards::*;
pub use careers::{ApplicationRow, CareersStore, JobPostRow};
pub use identity::*;
pub use integrations::*;
pub use outreach::*;
pub use privacy::*;
pub use programmes::*;
pub use stores::*;
pub use support::*;
