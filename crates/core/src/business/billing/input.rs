//! What a subscriber sends, as domain types, and its rules: the billing contact (names, email,
//! phone, company, VAT id, postal address), the payment method, the IBAN's checksum (ISO
//! 13616, mod 97) and how it is shown (masked). Messages describe the rule, never the value.

use serde::{Deserialize, Serialize};

use crate::platform::error::CoreError;
use crate::platform::validate;

/// A postal (and billing) address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub postcode: String,
    pub city: String,
    /// ISO 3166-1 alpha-2 (`FR`).
    pub country: String,
}

/// The billing contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_id: Option<String>,
    pub address: Address,
}

/// How the subscriber pays.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum PaymentInput {
    /// A token from the payment provider's own card fields (`pm_…`); never a card number.
    Card {
        token: String,
    },
    SepaDebit {
        iban: String,
        account_holder: String,
    },
    Transfer,
}

/// A subscription as asked (`PUT /orgs/{id}/subscription`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionInput {
    pub plan: String,
    pub seats: i64,
    pub billing_contact: Contact,
    pub payment: PaymentInput,
}

/// The most seats one contract may have.
pub const MAX_SEATS: i64 = 100_000;

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

fn line(field: &'static str, raw: &str, max: usize) -> Result<String, CoreError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(CoreError::validation(field, "this field is required"));
    }
    if t.chars().count() > max || has_control(t) {
        return Err(CoreError::validation(field, format!("at most {max} characters, no control characters")));
    }
    Ok(t.to_string())
}

fn optional(field: &'static str, raw: Option<&str>, max: usize) -> Result<Option<String>, CoreError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => line(field, s, max).map(Some),
        None => Ok(None),
    }
}

impl Contact {
    /// The contact with its rules applied (trimmed, bounded, country upper-cased).
    pub fn clean(&self) -> Result<Contact, CoreError> {
        let country = self.address.country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(CoreError::validation("billing_contact.address.country", "a two-letter country code (ISO 3166-1), like FR"));
        }
        let vat_id = optional("billing_contact.vat_id", self.vat_id.as_deref(), 20)?.map(|v| v.replace(' ', "").to_ascii_uppercase());
        if let Some(v) = &vat_id
            && (v.len() < 4 || !v.bytes().all(|b| b.is_ascii_alphanumeric()) || !v.as_bytes()[..2].iter().all(u8::is_ascii_alphabetic))
        {
            return Err(CoreError::validation(
                "billing_contact.vat_id",
                "a VAT number starts with its two-letter country code, like FR40303265045",
            ));
        }
        Ok(Contact {
            first_name: validate::name("billing_contact.first_name", &self.first_name)?,
            last_name: validate::name("billing_contact.last_name", &self.last_name)?,
            email: validate::email(&self.email)
                .map_err(|_| CoreError::validation("billing_contact.email", "enter a valid email address, like name@example.org"))?,
            phone: validate::phone(Some(&self.phone))
                .map_err(|_| {
                    CoreError::validation("billing_contact.phone", "enter a phone number with 6 to 20 digits, like +33 1 23 45 67 89")
                })?
                .ok_or_else(|| CoreError::validation("billing_contact.phone", "a phone number is required"))?,
            company: optional("billing_contact.company", self.company.as_deref(), 120)?,
            vat_id,
            address: Address {
                line1: line("billing_contact.address.line1", &self.address.line1, 120)?,
                line2: optional("billing_contact.address.line2", self.address.line2.as_deref(), 120)?,
                postcode: line("billing_contact.address.postcode", &self.address.postcode, 16)?,
                city: line("billing_contact.address.city", &self.address.city, 80)?,
                country,
            },
        })
    }
}

/// An IBAN in its electronic form (no spaces, upper case) if its checksum holds (ISO 13616:
/// the country and check digits moved to the end, letters as numbers, mod 97 is 1).
pub fn iban(raw: &str) -> Result<String, CoreError> {
    let bad = || CoreError::validation("payment.iban", "this is not a valid IBAN (its check digits do not match)");
    let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    if !(15..=34).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad());
    }
    let b = s.as_bytes();
    if !b[0].is_ascii_uppercase() || !b[1].is_ascii_uppercase() || !b[2].is_ascii_digit() || !b[3].is_ascii_digit() {
        return Err(bad());
    }
    let mut rem: u32 = 0;
    for c in b[4..].iter().chain(&b[..4]) {
        let v = if c.is_ascii_digit() { u32::from(c - b'0') } else { u32::from(c - b'A') + 10 };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    if rem == 1 { Ok(s) } else { Err(bad()) }
}

/// An IBAN as shown: its country and check digits, then only its last four characters.
pub fn mask_iban(iban: &str) -> String {
    let head: String = iban.chars().take(4).collect();
    let n = iban.chars().count();
    let tail: String = iban.chars().skip(n.saturating_sub(4)).collect();
    format!("{head} •••• {tail}")
}

/// A card token from the payment provider: its own identifier, never a card number.
pub fn card_token(raw: &str) -> Result<String, CoreError> {
    let t = raw.trim();
    if t.is_empty() || t.len() > 255 || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return Err(CoreError::validation("payment.token", "give the token of the payment provider's card form"));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_are_checked_normalised_and_masked() {
        assert_eq!(iban("fr76 3000 6000 0112 3456 7890 189").unwrap(), "FR7630006000011234567890189");
        assert_eq!(iban("DE89370400440532013000").unwrap(), "DE89370400440532013000");
        assert_eq!(iban("GB82 WEST 1234 5698 7654 32").unwrap(), "GB82WEST12345698765432");
        assert!(iban("FR7630006000011234567890188").is_err());
        assert!(iban("FR76").is_err());
        assert!(iban("4111111111111111").is_err());
        assert_eq!(mask_iban("FR7630006000011234567890189"), "FR76 •••• 0189");
    }

    #[test]
    fn tokens_are_provider_identifiers() {
        assert_eq!(card_token(" pm_card_visa ").unwrap(), "pm_card_visa");
        assert!(card_token("pm card").is_err());
        assert!(card_token("").is_err());
    }
}
