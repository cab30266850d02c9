//! Rights requests from anyone (C-DSR-2, C-CCPA-1..4, C-CHILD-2): by the web form, the API or
//! staff entry of an emailed request; for oneself, through an authorised agent (signed
//! permission, stored encrypted, deleted when the request closes, plus the person's own
//! confirmation), or by a parent or guardian for a child.
//!
//! * Identity (C-ID-1): a link to the address on file; a document only when that is not
//!   enough (an agent, a parent, a person who lost control of the address on their account),
//!   opened by trained staff through the gate before the request is completed, and deleted
//!   when it closes (`documents`).
//! * A CCPA deletion is refused only for a stated legal obligation or because the data is
//!   needed to provide the Services the person still uses, and the answer says which (`ccpa`,
//!   C-CCPA-5).
//! * A parent's request is for erasure (C-CHILD-2); anything else about a child's account
//!   waits, like an agent's, for the account holder to confirm from their own mailbox.
//! * Access answers hold no link to the archive: the account holder signs in; an agent or a
//!   parent re-verifies their address with a one-time code (see `exports::download`).
//! * Verification: a one-time link sent to the address given. The answer to the submission is
//!   the same, byte for byte, whether or not the address belongs to an account, and the same
//!   work is done either way (the account is looked up only once the link is used).
//! * Deadlines (see `deadlines`): the policy's days, never later than the GDPR's calendar month
//!   (+2 months with reasons sent in time) or the CCPA's 45 days (+45); acknowledgement at
//!   verification, well inside 10 business days. Overdue requests raise an alert.
//! * Staff work a queue with due dates; a refusal needs a reason and tells the person they may
//!   complain to the supervisory authority. Completing an access, portability or CCPA
//!   right-to-know request builds the export; completing an erasure runs it and sends the
//!   signed receipt.
//! * Records: minimal (the contact is sealed with the requester's own key), kept after closing
//!   for the period of the policy's `rights_requests:request_closed` rule, then erased with
//!   that key.
//!
//! This file only re-exports; the files below name each other directly and never this one.

mod ccpa;
mod documents;
mod intake;
mod queue;
mod service;
mod upkeep;

pub use ccpa::DeleteException;
pub use service::{KINDS, LINK_TTL, NewRequest, QueueItem, RECEIVED, Requests};
