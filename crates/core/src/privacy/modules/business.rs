//! The business modules: the support desk (assistance requests, tickets, email both ways) and
//! billing (contracts, their billing contacts and payment methods; invoices and credit notes,
//! buyer fields sealed with each invoice's hold key). Their declarations, and the exporters and
//! erasers of the categories they store.

use serde_json::Value;

use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::ids::SubjectId;
use crate::privacy::modules::model::{
    CategoryImpl, Class, Enforcement, Eraser, ID, Module, Pending, RetentionImpl, STATE, SUBJECT, TIME, personal, region, sealed,
};

const STAFF_MEMBER: Class =
    Class::NotPersonal("the pseudonymous id of the staff member who took or answered the ticket: about the operator's own staff");

pub const SUPPORT: Module = Module {
    id: "support",
    title: "Support desk: contact form, tickets, email both ways, staff replies",
    // Off (`modules.support.enabled = false`), the policy must leave out the assistance
    // category, and every support operation is refused by the purpose guard.
    switchable: true,
    data_subjects: &["users", "contacts"],
    categories: &[CategoryImpl { id: "assistance", exporter: export_assistance, eraser: Eraser::Rows(erase_assistance) }],
    purposes: &[("assistance", &["assistance"])],
    recipients: &["staff", "hosting-{region}", "email-delivery"],
    retention: &[RetentionImpl { category: "assistance", trigger: "request_closed", enforcement: Enforcement::PurgeClosedTickets }],
    tables: &[
        region(
            "support_tickets",
            &[
                ("id", ID),
                ("reference", Class::NotPersonal("a random reference quoted in mail subjects")),
                ("requester_id", SUBJECT),
                ("account_id", SUBJECT),
                ("email_bidx", personal("assistance", &["email"])),
                ("contact", sealed("assistance", &["first_name", "last_name", "phone", "email"])),
                ("title", sealed("assistance", &["message"])),
                ("status", STATE),
                ("assignee_id", STAFF_MEMBER),
                ("channel", STATE),
                ("topic", STATE),
                ("rights_request_id", ID),
                (
                    "token_hash",
                    Class::NotPersonal("the SHA-256 of the private link's token: it says nothing about anyone and goes with the ticket"),
                ),
                ("created_at", TIME),
                ("updated_at", TIME),
                ("due_at", TIME),
                ("closed_at", TIME),
            ],
        ),
        region(
            "support_messages",
            &[
                ("id", ID),
                ("ticket_id", ID),
                ("seq", STATE),
                ("author", STATE),
                ("staff_id", STAFF_MEMBER),
                ("channel", STATE),
                ("body", sealed("assistance", &["message"])),
                ("attachment_blob", personal("assistance", &["message"])),
                ("attachment_type", STATE),
                ("at", TIME),
            ],
        ),
    ],
    ..Module::EMPTY
};

fn export_assistance<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, Value> {
    Box::pin(async move { cb.support().export_of(region, subject).await })
}

fn erase_assistance<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, u64> {
    Box::pin(async move { cb.support().erase_of(region, subject).await })
}

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
    // C-SHARE-4: certified partners open the contracts they co-manage (`billing::partners`);
    // C-SHARE-2: companies of the group receive the contract feed (`billing::affiliates`);
    // the payment provider receives card tokens and charges (the Stripe-API adapter).
    recipients: &["partners", "affiliates", "payment"],
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
                ("contact_bidx", personal("contract", &["email"])),
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
        region(
            "invoice_payments",
            &[
                ("invoice_id", ID),
                ("provider", STATE),
                ("reference", Class::NotPersonal("the payment provider's payment id, or the bank statement's transaction id staff give")),
                ("status", STATE),
                ("recorded_by", Class::NotPersonal("`system`, or the pseudonymous id of the staff member who marked the invoice paid")),
                ("at", TIME),
            ],
        ),
        region(
            "partners",
            &[
                ("subject_id", SUBJECT),
                ("company", Class::NotPersonal("the name of a certified partner company, as staff certified it")),
                ("notice_email", Class::NotPersonal("the partner company's business address for erasure notices, never a customer's")),
                ("certified_until", TIME),
                ("certified_by", Class::NotPersonal("the pseudonymous id of the staff member who certified the partner")),
                ("created_at", TIME),
            ],
        ),
        region(
            "contract_partners",
            &[("contract_id", ID), ("partner_id", SUBJECT), ("partner_region", STATE), ("granted_by", SUBJECT), ("granted_at", TIME)],
        ),
    ],
    ..Module::EMPTY
};

/// The contracts a person subscribed or is the billing contact of.
fn export_contract<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, Value> {
    Box::pin(async move { cb.billing().export(region, subject).await })
}
