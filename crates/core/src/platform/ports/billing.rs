//! The rows of billing (issue 15): contracts (one subscription per organisation), the billing
//! contact as a subject of their own whose fields are sealed with their key, and what the
//! payment method keeps (a provider's card reference, or a sealed IBAN; never a card number).
//! Stored by the region's `BillingStore`.

use async_trait::async_trait;

use crate::platform::clock::Millis;
use crate::platform::error::StoreResult;
use crate::platform::ids::{OrgId, SubjectId};
use crate::platform::ports::audit::AuditDraft;

/// A contract as stored. `contact` and `payment` are envelopes sealed with the contact's key
/// (AAD: `contracts`, the column, the contract id); the rest says nothing about anyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractRow {
    pub id: String,
    pub org_id: OrgId,
    /// The account that subscribed (an owner of the organisation).
    pub owner_id: SubjectId,
    /// The billing contact: a subject of kind `contact` with their own key.
    pub contact_id: SubjectId,
    pub plan: String,
    pub seats: i64,
    /// `active`, `cancelling` (ends at `period_end`) or `ended`.
    pub status: String,
    /// `card`, `sepa_debit` or `transfer`.
    pub payment_method: String,
    /// Sealed JSON: names, email, phone, company, VAT id, postal address.
    pub contact: Vec<u8>,
    /// Sealed JSON of the method's reference (card: provider token, brand, last four, expiry;
    /// SEPA: IBAN, account holder, mandate reference); none for a bank transfer.
    pub payment: Option<Vec<u8>>,
    pub period_start: Millis,
    pub period_end: Millis,
    pub ended_at: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Bumped by every change (optimistic concurrency).
    pub version: i64,
    /// The blind index of the billing contact's email (a rights request from that address
    /// finds the contract); none for contracts older than it.
    pub contact_bidx: Option<Vec<u8>>,
}

#[async_trait]
pub trait BillingStore: InvoiceStore + PartnerStore + Send + Sync + std::fmt::Debug {
    /// Stores a new contract and its contact subject (kind `contact`), with its audit entry,
    /// in one transaction. `Conflict` if the organisation already has a contract.
    async fn create_contract(&self, row: &ContractRow, audit: AuditDraft) -> StoreResult<()>;
    /// Replaces a contract's mutable fields if its version is still `row.version - 1`
    /// (`Conflict` otherwise), with its audit entry.
    async fn update_contract(&self, row: &ContractRow, audit: AuditDraft) -> StoreResult<()>;
    async fn contract_of_org(&self, org: &OrgId) -> StoreResult<Option<ContractRow>>;
    async fn contract(&self, id: &str) -> StoreResult<Option<ContractRow>>;
    /// Contracts the subject subscribed, or is the billing contact of.
    async fn contracts_of(&self, subject: &SubjectId) -> StoreResult<Vec<ContractRow>>;
    /// Contracts whose billing contact has this email (blind index).
    async fn contracts_of_contact_email(&self, bidx: &[u8]) -> StoreResult<Vec<ContractRow>>;
    /// Every contract, oldest first (staff listing, billing runs).
    async fn contracts(&self) -> StoreResult<Vec<ContractRow>>;
    /// Contracts that ended at or before `before` (retention: `contract_ended`).
    async fn contracts_ended_before(&self, before: Millis) -> StoreResult<Vec<ContractRow>>;
    /// Deletes a contract row and marks its contact subject erased, with its audit entry.
    async fn delete_contract(&self, id: &str, at: Millis, audit: AuditDraft) -> StoreResult<bool>;
}

/// A certified partner (C-SHARE-4): an account of this region that staff certified for a
/// company until a date. `notice_email` is the company's business address for erasure notices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerRow {
    pub subject_id: SubjectId,
    pub company: String,
    pub notice_email: Option<String>,
    pub certified_until: Millis,
    pub certified_by: SubjectId,
    pub created_at: Millis,
}

/// A partner named by an organisation's owner to co-manage its contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoManagerRow {
    pub contract_id: String,
    pub partner_id: SubjectId,
    pub partner_region: String,
    pub granted_by: SubjectId,
    pub granted_at: Millis,
}

/// Certified partners and the contracts they co-manage (the region's store; part of
/// `BillingStore`).
#[async_trait]
pub trait PartnerStore: Send + Sync + std::fmt::Debug {
    /// Certifies an account (or renews its certification), with the audit entry.
    async fn put_partner(&self, row: &PartnerRow, audit: AuditDraft) -> StoreResult<()>;
    async fn partner(&self, subject: &SubjectId) -> StoreResult<Option<PartnerRow>>;
    async fn partners(&self) -> StoreResult<Vec<PartnerRow>>;
    /// Names a partner co-manager of a contract (no change if it is already), with the audit
    /// entry.
    async fn add_co_manager(&self, row: &CoManagerRow, audit: AuditDraft) -> StoreResult<()>;
    /// `false` if the partner did not co-manage the contract.
    async fn remove_co_manager(&self, contract: &str, partner: &SubjectId, audit: AuditDraft) -> StoreResult<bool>;
    async fn co_managers(&self, contract: &str) -> StoreResult<Vec<CoManagerRow>>;
    /// The contracts of this region a partner co-manages.
    async fn co_managed_by(&self, partner: &SubjectId) -> StoreResult<Vec<CoManagerRow>>;
}

/// How an invoice shows its seller's series and sequence number (`EU-000042`).
pub type ShowNumber = dyn for<'s> Fn(&'s str, i64) -> String + Sync;

/// Invoices and credit notes (the region's store; part of `BillingStore`).
#[async_trait]
pub trait InvoiceStore: Send + Sync + std::fmt::Debug {
    /// Stores a draft (no number yet); `false` if the contract already has one of this kind
    /// for this period (or for this corrected invoice).
    async fn create_draft(&self, row: &InvoiceRow) -> StoreResult<bool>;
    /// Issues a draft: in one transaction, takes the next number of its seller's sequence,
    /// writes it with `issued_at`, and appends the audit entry. `None` if it was no longer a
    /// draft (issued meanwhile by another run).
    /// `number` writes a sequence number as the invoice shows it.
    async fn issue(&self, id: &str, at: Millis, number: &ShowNumber, audit: AuditDraft) -> StoreResult<Option<i64>>;
    /// Drafts left by a run that stopped before issuing them.
    async fn drafts(&self) -> StoreResult<Vec<InvoiceRow>>;
    async fn invoice(&self, id: &str) -> StoreResult<Option<InvoiceRow>>;
    /// An organisation's invoices and credit notes, issued ones first by number.
    async fn invoices_of_org(&self, org: &OrgId) -> StoreResult<Vec<InvoiceRow>>;
    /// Every issued invoice of a seller, by number.
    async fn issued(&self, seller: &str) -> StoreResult<Vec<InvoiceRow>>;
    /// Deletes invoices whose hold ended at or before `before`; returns their ids (their hold
    /// keys are destroyed by the caller).
    async fn purge_invoices(&self, before: Millis) -> StoreResult<Vec<String>>;
    /// Records (or updates) how an invoice was paid, with the audit entry.
    async fn put_payment(&self, row: &PaymentRow, audit: AuditDraft) -> StoreResult<()>;
    async fn payment_of(&self, invoice: &str) -> StoreResult<Option<PaymentRow>>;
    /// The payment with this provider reference (a webhook names the provider's payment id).
    async fn payment_by_reference(&self, reference: &str) -> StoreResult<Option<PaymentRow>>;
}

/// How an invoice was paid: a provider's charge (`stripe`, its payment id) or a bank transfer
/// staff marked paid (`transfer`, the bank's reference).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    pub invoice_id: String,
    pub provider: String,
    pub reference: String,
    /// `succeeded`, `processing`, `failed`, `paid`, …
    pub status: String,
    /// `system`, or the staff member's pseudonymous id.
    pub recorded_by: String,
    pub at: Millis,
}

/// An invoice or credit note. `number` and `seq` are empty while it is a draft; once issued it
/// never changes (the store refuses it). `buyer` is sealed with the invoice's own hold key
/// (subject `invoice:<id>`), so erasing the billing contact leaves what the law requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRow {
    pub id: String,
    pub contract_id: String,
    pub org_id: OrgId,
    /// The numbering series (one continuous sequence per seller).
    pub seller: String,
    pub seq: Option<i64>,
    pub number: Option<String>,
    /// `invoice` or `credit_note`.
    pub kind: String,
    /// For a credit note, the id of the invoice it corrects; empty otherwise.
    pub corrects: String,
    /// For a prorated adjustment after a change of seats or plan, the change's id; empty
    /// otherwise (one invoice per contract, period and change).
    pub adjusts: String,
    /// `draft` or `issued`.
    pub status: String,
    pub period_start: Millis,
    pub period_end: Millis,
    pub currency: String,
    /// The lines as JSON (plan, seats, unit price, VAT rate): nothing about a person.
    pub lines: String,
    pub subtotal: i64,
    pub vat: i64,
    pub total: i64,
    pub buyer: Vec<u8>,
    /// When the accounting hold ends (ten years after issue by default).
    pub hold_until: Millis,
    pub issued_at: Option<Millis>,
    pub created_at: Millis,
}

/// What a contract keeps of a card: the provider's reference, never the number.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CardReference {
    /// The provider's payment-method id (`pm_…`).
    pub token: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: u8,
    pub exp_year: u16,
    /// The provider's customer the card is attached to (`cus_…`), when it keeps customers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
}

/// A charge of an invoice on a card (a provider's payment intent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRequest {
    /// The invoice charged: the idempotency key is derived from it, so a retried charge of the
    /// same invoice is never taken twice.
    pub invoice: String,
    /// In minor units.
    pub amount: i64,
    pub currency: String,
    pub card: CardReference,
}

/// What the provider said of a charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// The provider's payment id (`pi_…`).
    pub id: String,
    /// `succeeded`, `processing`, `requires_action`, …
    pub status: String,
}

/// Why a payment provider refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("this deployment's payment provider takes no cards")]
    NoCards,
    #[error("the payment provider does not know this token")]
    UnknownToken,
    #[error("the payment provider is unavailable")]
    Unavailable(String),
    #[error("the card was declined")]
    Declined(String),
}

/// The payment provider (configuration `payment.provider`): `transfer` (no card; staff mark
/// invoices paid) or a card provider whose own fields turn a card into a token.
#[async_trait]
pub trait PaymentProvider: Send + Sync + std::fmt::Debug {
    /// Its name in the configuration.
    fn id(&self) -> &'static str;
    /// The card a token of the provider's card fields stands for (a provider that keeps
    /// customers attaches it to a new one).
    async fn card(&self, token: &str) -> Result<CardReference, PaymentError>;
    /// Charges an invoice on a card, once whatever the retries (idempotency key).
    async fn charge(&self, _req: &ChargeRequest) -> Result<Charge, PaymentError> {
        Err(PaymentError::NoCards)
    }
}

/// A company of the operator's group that receives contract data (configuration
/// `[[affiliates]]`, C-SHARE-2): where its feed is delivered, the purposes it receives it for
/// (each must be one the policy declares for the `affiliates` recipient), and the business
/// address told of erasures.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Affiliate {
    pub id: String,
    pub company: String,
    /// The endpoint the feed is POSTed to (JSON).
    pub url: String,
    /// A bearer token the endpoint expects (never logged).
    #[serde(default)]
    pub token: Option<String>,
    pub purposes: Vec<String>,
    #[serde(default)]
    pub notice_email: Option<String>,
}

impl std::fmt::Debug for Affiliate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Affiliate")
            .field("id", &self.id)
            .field("company", &self.company)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("purposes", &self.purposes)
            .finish_non_exhaustive()
    }
}

/// Delivers a feed to an affiliate's endpoint (an adapter outside core: HTTPS).
#[async_trait]
pub trait AffiliateFeed: Send + Sync + std::fmt::Debug {
    /// POSTs one batch (JSON); `key` (the `Idempotency-Key`) makes a retry of the same batch
    /// harmless. The error says what failed, never the body.
    async fn deliver(&self, to: &Affiliate, key: &str, body: Vec<u8>) -> Result<(), String>;
}

/// No adapter: feeds are refused (a deployment without outbound HTTP).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFeed;

#[async_trait]
impl AffiliateFeed for NoFeed {
    async fn deliver(&self, _to: &Affiliate, _key: &str, _body: Vec<u8>) -> Result<(), String> {
        Err("no affiliate feed adapter is configured".into())
    }
}
