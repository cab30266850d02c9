//! What an integration declares in code ([`Spec`]) and the policy purpose and category of
//! everything the integrations do. Names no other file of the room.

/// The purpose and category of everything here (policy `imports`, `integrations`).
pub const PURPOSE: &str = "imports";
pub const CATEGORY: &str = "integrations";

/// What one integration asks of its provider, in code.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Its id in the policy and in paths (`google-drive`).
    pub id: &'static str,
    pub provider: &'static str,
    /// Exactly the scopes the authorization request carries.
    pub scopes: &'static [&'static str],
    pub purpose: &'static str,
}
