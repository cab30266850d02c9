//! Plans (configuration `plans`): a name in English and French, a price per seat and per
//! monthly period in minor units of its currency, and a VAT rate in basis points. What a
//! period of a contract costs is computed here, VAT rounded half up to the minor unit.

use serde::{Deserialize, Serialize};

/// A name people read, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Words {
    pub en: String,
    pub fr: String,
}

/// One plan of the offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub id: String,
    pub name: Words,
    /// Price of one seat for one monthly period, in minor units (cents).
    pub price_per_seat: i64,
    /// ISO 4217 code (`EUR`).
    pub currency: String,
    /// VAT rate in basis points (2000 = 20 %).
    pub vat_basis_points: i64,
}

/// The default offer (a deployment sets its own in `plans`).
pub fn default_plans() -> Vec<Plan> {
    vec![
        Plan {
            id: "team".into(),
            name: Words { en: "Team".into(), fr: "Équipe".into() },
            price_per_seat: 800,
            currency: "EUR".into(),
            vat_basis_points: 2000,
        },
        Plan {
            id: "business".into(),
            name: Words { en: "Business".into(), fr: "Entreprise".into() },
            price_per_seat: 1500,
            currency: "EUR".into(),
            vat_basis_points: 2000,
        },
    ]
}

/// Who issues the invoices (configuration `seller`): the legal mentions every invoice carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seller {
    pub name: String,
    /// Legal form and share capital, as printed (`SAS au capital de 10 000 €`).
    pub legal_form: String,
    /// SIREN (France) or the company's registration number.
    pub registration: String,
    pub vat_id: String,
    pub line1: String,
    pub postcode: String,
    pub city: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Days between issue and the due date.
    pub payment_days: i64,
}

impl Default for Seller {
    fn default() -> Self {
        Self {
            name: "Example Operator SAS".into(),
            legal_form: "SAS au capital de 10 000 €".into(),
            registration: "732829320".into(),
            vat_id: "FR44732829320".into(),
            line1: "1 rue de l'Exemple".into(),
            postcode: "75000".into(),
            city: "Paris".into(),
            country: "FR".into(),
            payment_days: 30,
        }
    }
}

/// What is wrong with a configured offer (ids, prices, currencies, rates), for start-up.
pub fn problems(plans: &[Plan]) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, p) in plans.iter().enumerate() {
        let at = format!("plans[{i}]");
        if p.id.is_empty()
            || p.id.len() > 40
            || !p.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            out.push(format!("{at}.id: 1 to 40 characters among a-z, 0-9, _ and -"));
        }
        if !seen.insert(p.id.as_str()) {
            out.push(format!("{at}.id: `{}` twice", p.id));
        }
        if p.name.en.trim().is_empty() || p.name.fr.trim().is_empty() {
            out.push(format!("{at}.name: give it in English and French"));
        }
        if !(0..=100_000_000).contains(&p.price_per_seat) {
            out.push(format!("{at}.price_per_seat: between 0 and 100000000 minor units"));
        }
        if p.currency.len() != 3 || !p.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            out.push(format!("{at}.currency: an ISO 4217 code such as EUR"));
        }
        if !(0..=10_000).contains(&p.vat_basis_points) {
            out.push(format!("{at}.vat_basis_points: between 0 and 10000"));
        }
    }
    out
}

/// What one period of a contract costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Amount {
    /// Before VAT, in minor units.
    pub subtotal: i64,
    pub vat: i64,
    pub total: i64,
}

/// VAT on an amount, rounded half up to the minor unit (amounts are never negative here).
pub fn vat_of(subtotal: i64, basis_points: i64) -> i64 {
    (subtotal * basis_points + 5_000).div_euclid(10_000)
}

impl Plan {
    pub fn period_amount(&self, seats: i64) -> Amount {
        let subtotal = self.price_per_seat.saturating_mul(seats);
        let vat = vat_of(subtotal, self.vat_basis_points);
        Amount { subtotal, vat, total: subtotal + vat }
    }

    pub fn name_in(&self, lang: &str) -> &str {
        if lang == "fr" { &self.name.fr } else { &self.name.en }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_costs_seats_times_price_plus_vat_rounded_half_up() {
        let p = &default_plans()[0];
        assert_eq!(p.period_amount(3), Amount { subtotal: 2400, vat: 480, total: 2880 });
        assert_eq!(vat_of(1, 2000), 0);
        assert_eq!(vat_of(3, 2000), 1); // 0.6 -> 1
        assert_eq!(vat_of(1005, 550), 55); // 55.275 -> 55
        assert_eq!(vat_of(1010, 550), 56); // 55.55 -> 56
        assert!(problems(&default_plans()).is_empty());
        let mut bad = default_plans();
        bad[1].id = "team".into();
        bad[1].currency = "euro".into();
        assert_eq!(problems(&bad).len(), 2, "{:?}", problems(&bad));
    }
}
