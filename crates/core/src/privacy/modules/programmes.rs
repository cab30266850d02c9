//! The programmes module (`business::programmes`, issue 18): events and visits to the
//! premises (category `events`, C-DATA-5) and trainings (category `trainings`, C-DATA-6).
//! Its declaration, and the exporters and erasers of both categories.

use serde_json::Value;

use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::ids::SubjectId;
use crate::platform::ports::Programme;
use crate::privacy::modules::model::{
    CategoryImpl, Class, Enforcement, Eraser, ID, LINK_HASH, Module, Pending, RetentionImpl, STATE, SUBJECT, TIME, personal, region, sealed,
};

const OFFER: Class = Class::NotPersonal(
    "what staff publish about an event or a training (title, description, place, capacity, the trainer's name as shown on the public page): the offer, not anyone's data",
);
const SESSION: Class = Class::NotPersonal("the id of an event or training session");

/// The columns of a programme's registrations table (`category` seals the contact).
macro_rules! registrations {
    ($table:literal, $category:literal, $fields:expr) => {
        region(
            $table,
            &[
                ("id", ID),
                ("session_id", SESSION),
                ("subject_id", SUBJECT),
                ("email_bidx", personal($category, &["email"])),
                ("contact", sealed($category, $fields)),
                ("state", STATE),
                ("token_hash", LINK_HASH),
                ("created_at", TIME),
                ("confirmed_at", TIME),
                ("checked_in_at", TIME),
            ],
        )
    };
}

pub const PROGRAMMES: Module = Module {
    id: "programmes",
    title: "Programmes: events with registration, waiting list and check-in; visits to the premises; trainings with attendance and certificates",
    switchable: true,
    data_subjects: &["attendees"],
    categories: &[
        CategoryImpl { id: "events", exporter: export_events, eraser: Eraser::Rows(erase_events) },
        CategoryImpl { id: "trainings", exporter: export_trainings, eraser: Eraser::Rows(erase_trainings) },
    ],
    // Marketing: an attendee who ticks "invite me to future events" has the registration's
    // address handed to outreach's event-invitation list, with its double opt-in (consent).
    purposes: &[("events", &["events", "trainings"]), ("marketing", &["events"])],
    recipients: &["staff", "hosting-{region}", "email-delivery"],
    retention: &[
        RetentionImpl { category: "events", trigger: "event_ended", enforcement: Enforcement::PurgeEndedEvents },
        RetentionImpl { category: "events", trigger: "visit_ended", enforcement: Enforcement::PurgeEndedVisits },
        RetentionImpl { category: "trainings", trigger: "training_ended", enforcement: Enforcement::PurgeEndedTrainings },
    ],
    tables: &[
        region(
            "programme_sessions",
            &[
                ("id", ID),
                ("programme", STATE),
                ("title", OFFER),
                ("description", OFFER),
                ("starts_at", TIME),
                ("ends_at", TIME),
                ("place", OFFER),
                ("capacity", OFFER),
                ("trainer", OFFER),
                ("created_by", SUBJECT),
                ("created_at", TIME),
            ],
        ),
        registrations!("event_registrations", "events", &["first_name", "last_name", "email", "phone"]),
        registrations!("training_registrations", "trainings", &["first_name", "last_name", "email", "postal_address"]),
        region(
            "visits",
            &[
                ("id", ID),
                ("subject_id", SUBJECT),
                ("contact", sealed("events", &["first_name", "last_name", "phone"])),
                ("arrived_at", TIME),
                ("departed_at", TIME),
                (
                    "recorded_by",
                    Class::NotPersonal("the pseudonymous id of the staff member at the front desk: about the operator's own staff"),
                ),
            ],
        ),
    ],
    ..Module::EMPTY
};

fn export_events<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, Value> {
    Box::pin(async move { cb.programmes().export_of(Programme::Event, region, subject).await })
}

fn erase_events<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, u64> {
    Box::pin(async move { cb.programmes().erase_of(Programme::Event, region, subject).await })
}

fn export_trainings<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, Value> {
    Box::pin(async move { cb.programmes().export_of(Programme::Training, region, subject).await })
}

fn erase_trainings<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, u64> {
    Box::pin(async move { cb.programmes().erase_of(Programme::Training, region, subject).await })
}
