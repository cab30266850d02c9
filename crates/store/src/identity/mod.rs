//! Identity's storage: accounts, sessions and activations of a region (the `IdentityStore`
//! port). Staff roles live in the directory (`platform::directory`).

pub mod accounts;
