//! The business modules: the support desk (assistance requests, tickets, email both ways).
//! Its declaration, and the exporter and eraser of the category it stores.

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
