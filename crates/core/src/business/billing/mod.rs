//! Billing (issue 15): plans from the configuration, one contract per organisation taken out
//! by its owner, the billing contact as a subject of their own (their fields sealed with their
//! key), and the payment method: a payment provider's card reference (brand, last four,
//! expiry; never a card number, which the web layer refuses anywhere), a SEPA direct-debit
//! IBAN (sealed, shown masked, with a mandate reference) or a bank transfer.
//!
//! - `plans`: the offer, the seller and what a period costs (VAT included);
//! - `input`: the rules of what a subscriber sends (contact, IBAN);
//! - `payments`: the payment provider port's `transfer` adapter;
//! - `affiliates`: the contract feed to companies of the group (C-SHARE-2);
//! - `service`: subscribe, change, cancel at period end, reactivate, the end of contracts
//!   (`contract_ended`); `export`: what a contract says about a person;
//! - `invoices`: the billing run, numbering without gaps, credit notes, the accounting hold;
//!   `facturx`: the EN 16931 XML; `pdf`: the printable invoice;
//! - `staff`: contracts for staff, through the staff gate with the reason `contract`;
//!   `partners`: certified partners and the contracts they co-manage (C-SHARE-4).
//!
//! Must not: know HTTP or SQL, store or log a card number, open a contact outside this room.

pub mod affiliates;
pub mod disclose;
pub mod erasure;
pub mod export;
pub mod facturx;
pub mod input;
pub mod invoices;
pub mod paid;
pub mod partners;
pub mod payments;
pub mod pdf;
pub mod plans;
pub mod service;
pub mod staff;
pub mod webhooks;
