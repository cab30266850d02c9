//! The business modules: billing (contracts, their billing contacts and payment methods;
//! issue 15), invoices and credit notes (buyer fields sealed with each invoice's hold key).
//! Their declarations, and the exporter of the Contract category.

use serde_json::Value;

use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::ids::SubjectId;
use crate::privacy::modules::model::{
    CategoryImpl, Class, Enforcement, Eraser, ID, Module, Pending, RetentionImpl, STATE, SUBJECT, TIME, region, sealed,
};

const SERIES: Class = Class::NotPersonal("an invoice numbering series (the seller's region) and its sequence numbers");
const AMOUNT: Class =
    Class::NotPersonal("amounts, currency and the lines of a plan (plan, seats, unit price, VAT rate): nothing about a person");
const PLAN: Class = Class::NotPersonal("the id of a plan of the configuration, a number of seats or a payment method's kind");

pub const BILLING: Module = Module {
    id: "billing",
    title: "Billing: plans, contracts, billing contacts and payment methods",
    switchable: true,
    data_subjects: &["customers"],
    categories: &[CategoryImpl {
        id: "contract",
        exporter: export_contract,
        eraser: Eraser::AtRetention(
            "contracts are kept while they run and deleted when they end (the retention rule contract_ended); the billing contact's key is destroyed then",
        ),
    }],
    purposes: &[("contract", &["contract", "account"])],
    retention: &[RetentionImpl { category: "contract", trigger: "contract_ended", enforcement: Enforcement::PurgeEndedContracts }],
    tables: &[
        region(
            "contracts",
            &[
                ("id", ID),
                ("org_id", ID),
                ("owner_id", SUBJECT),
                ("contact_id", SUBJECT),
                ("plan", PLAN),
                ("seats", PLAN),
                ("status", STATE),
                ("payment_method", PLAN),
                (
                    "contact",
                    sealed(
                        "contract",
                        &["first_name", "last_name", "email", "phone", "company", "vat_id", "postal_address", "billing_address"],
                    ),
                ),
                ("payment", sealed("contract", &["iban", "card_reference"])),
                ("period_start", TIME),
                ("period_end", TIME),
                ("ended_at", TIME),
                ("created_at", TIME),
                ("updated_at", TIME),
                ("version", STATE),
            ],
        ),
        region(
            "invoices",
            &[
                ("id", ID),
                ("contract_id", ID),
                ("org_id", ID),
                ("seller", SERIES),
                ("seq", SERIES),
                ("number", SERIES),
                ("kind", STATE),
                ("corrects", ID),
                ("adjusts", ID),
                ("status", STATE),
                ("period_start", TIME),
                ("period_end", TIME),
                ("currency", AMOUNT),
                ("lines", AMOUNT),
                ("subtotal", AMOUNT),
                ("vat", AMOUNT),
                ("total", AMOUNT),
                ("buyer", sealed("contract", &["first_name", "last_name", "company", "vat_id", "postal_address", "billing_address"])),
                ("hold_until", TIME),
                ("issued_at", TIME),
                ("created_at", TIME),
            ],
        ),
        region("invoice_sequences", &[("seller", SERIES), ("next", SERIES)]),
    ],
    ..Module::EMPTY
};

/// The contracts a person subscribed or is the billing contact of.
fn export_contract<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, Value> {
    Box::pin(async move { cb.billing().export(region, subject).await })
}
