//! Identity: who people are and how they prove it.
//!
//! It owns accounts (sign-up, profile, picture, deletion), activation by emailed link,
//! sessions (tokens, timeouts, sign-in throttling with device cookies), password hashing and
//! strength rules, and staff (roles, training, the gate that stands before every access to
//! someone's personal data by staff).
//!
//! It must not decide what people may do on boards or what a right does; it hands the rest
//! of the domain a `Principal` (who is asking) and the staff gate's verdict.

pub mod accounts;
pub mod activation;
pub mod password;
pub mod password_strength;
pub mod principal;
pub mod sessions;
pub mod staff;
