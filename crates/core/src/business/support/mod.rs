//! The support desk (issue 16; C-DATA-4, C-CONTACT-1): assistance requests from anyone,
//! through the contact form, the API or email, kept as tickets with a thread of messages, a
//! status (`open`, `waiting`, `closed`) and an assignee.
//!
//! * Intake (`intake`): the same answer and the same work whatever the address; the requester
//!   becomes a subject with their own key, which seals their names, email, phone, the title
//!   and every message; an attachment is typed by its content, rebuilt from the allow-list of
//!   board media (EXIF and GPS gone) and sealed. The acknowledgement carries the ticket's
//!   reference and a private link whose token travels in the URL fragment.
//! * The requester (`thread`): follows and answers through the private link, or signed in
//!   (their tickets, by account or address), or by email.
//! * Email in (`inbound`): one message (what a mail server pipes to `clearboard support
//!   inbound`) is parsed, threaded by the link's token or by the reference in its subject
//!   from the ticket's own address, and its text sealed; the raw message is never kept.
//!   A message to the privacy contact that asks for a right becomes a rights request of the
//!   existing engine, linked to its ticket (C-CONTACT-1).
//! * Staff (`desk`): the `support` role (and privacy officers, admins) through the staff
//!   gate; the queue shows no personal data; opening a ticket names a reason and is written
//!   to the requester's audit trail, and so is a refusal; replies go out by email with the
//!   reference; canned answers in English and French.
//! * Attachments (`attachments`): opened by the requester (private link or signed in), by
//!   staff through the gate with a reason (audited), and written into the requester's export.
//! * Records (`records`): the export and the eraser of the `assistance` category, and the
//!   retention rule `assistance:request_closed` (closed tickets erased with their key after
//!   the policy's period; open ones are kept).
//!
//! No file here names this one.

pub mod attachments;
pub mod desk;
pub mod inbound;
pub mod intake;
pub mod records;
pub mod service;
pub mod thread;
