//! The platform: what every room of the domain stands on.
//!
//! It owns the injected clock, identifiers, the domain's errors and the error catalogue
//! (`error_codes`: stable codes, statuses, message keys), subject keys (one data key
//! per person, crypto-shredding), the audit log, outgoing mail, throttles and their shared
//! counters (`counters`), the bound on
//! password-hashing work, what a payment-card number looks like (`card_numbers`), media sanitising, one-page PDFs (`pdf`), input rules for personal fields, the ports (the
//! traits `clearboard-store` implements) and the assembled context (`Clearboard`).
//!
//! It must not hold a room's rules (who may see a board, what a right does): rooms build on
//! it, never the reverse. The context names the in-memory state some rooms keep (the board
//! hub, the acknowledgement cache) and nothing else of them.

pub mod audit;
pub mod bus;
pub mod card_numbers;
pub mod clock;
pub mod context;
pub mod counters;
pub mod error;
pub mod error_codes;
pub mod ids;
pub mod keys;
pub mod mail;
pub mod mail_texts;
pub mod media;
pub mod memo;
pub mod pdf;
pub mod ports;
pub mod throttle;
pub mod tokens;
pub mod validate;
pub mod work;
