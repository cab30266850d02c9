//! The metrics this service exposes, each described once (HELP text, unit) so the exposition
//! passes `promtool check metrics`. Labels come from bounded sets only: route templates (never
//! raw paths), method and status; nothing personal and no secret is ever a label value.
//!
//! Must not: record a label whose values come from a request (paths, queries, headers).

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};

/// Every metric name with its kind and help text. A test checks that every metric recorded
/// anywhere in the code is in this list.
pub const METRICS: &[(&str, Kind, &str)] = &[
    ("clearboard_outreach_subscriptions_asked_total", Kind::Counter, "Newsletter subscriptions asked (a confirmation message sent)."),
    ("clearboard_outreach_subscriptions_confirmed_total", Kind::Counter, "Newsletter subscriptions confirmed from the mailbox."),
    ("clearboard_outreach_unsubscribed_total", Kind::Counter, "Unsubscriptions, by how (one click from a mail client, or the page)."),
    (
        "clearboard_outreach_messages_total",
        Kind::Counter,
        "Campaign messages, by outcome (sent, skipped for want of consent at send time).",
    ),
    ("clearboard_outreach_call_list_exports_total", Kind::Counter, "Exports of the phone-marketing call list by staff."),
    ("clearboard_http_requests_total", Kind::Counter, "HTTP requests answered, by method, route template and status."),
    ("clearboard_http_request_duration_seconds", Kind::Histogram, "Time to answer an HTTP request, by method and route template."),
    (
        "clearboard_db_write_wait_seconds",
        Kind::Histogram,
        "Time a write transaction waited for its turn at an embedded (SQLite) database's single writer, by database.",
    ),
    (
        "clearboard_db_write_held_seconds",
        Kind::Histogram,
        "Time a write transaction held an embedded (SQLite) database's single writer, from its turn to its commit, by database.",
    ),
    ("clearboard_ws_connections", Kind::Gauge, "Board WebSocket connections open now."),
    ("clearboard_ws_refused_total", Kind::Counter, "Board WebSocket connections or messages refused by a limit, by reason."),
    (
        "clearboard_ws_live_dropped_total",
        Kind::Counter,
        "Live pointer frames dropped beyond 20 a second per person (never stored or passed on).",
    ),
    ("clearboard_connections_refused_total", Kind::Counter, "TCP connections closed at once because the connection cap was reached."),
    (
        "clearboard_bus_publish_failed_total",
        Kind::Counter,
        "Notices this node could not publish on the cluster bus (ids only; the other nodes catch up from the store).",
    ),
    (
        "clearboard_cookie_registry_violations_total",
        Kind::Counter,
        "Responses that tried to set a cookie the policy does not declare (the cookie was removed).",
    ),
    ("clearboard_mail_sent_total", Kind::Counter, "Email messages handed to the mail server."),
    ("clearboard_mail_failed_total", Kind::Counter, "Email messages that could not be handed to the mail server."),
    ("clearboard_page_views_recorded_total", Kind::Counter, "First-party page views recorded with the visitor's consent."),
    ("clearboard_sign_in_failures_total", Kind::Counter, "Sign-in attempts refused (wrong email or password)."),
    ("clearboard_sign_ins_total", Kind::Counter, "Successful sign-ins."),
    ("clearboard_requests_received_total", Kind::Counter, "Rights requests received."),
    ("clearboard_requests_overdue_total", Kind::Counter, "Rights requests that passed their deadline unanswered."),
    ("clearboard_exports_requested_total", Kind::Counter, "Data exports requested."),
    ("clearboard_exports_built_total", Kind::Counter, "Data exports built and ready to download."),
    ("clearboard_consent_choices_total", Kind::Counter, "Consent choices recorded, by choice and method."),
    ("clearboard_cards_created_total", Kind::Counter, "Cards added to boards."),
    ("clearboard_accounts_created_total", Kind::Counter, "Accounts created."),
    ("clearboard_erasures_total", Kind::Counter, "People erased (keys destroyed, data purged)."),
    ("clearboard_transfers_total", Kind::Counter, "Transfers of personal data checked by the transfer guard (C-LOC-2), by outcome."),
    ("clearboard_rate_limited_total", Kind::Counter, "Requests refused by a rate limit, by scope."),
    ("clearboard_password_work_in_flight", Kind::Gauge, "Argon2id hashes or checks running now (bounded by argon2_permits)."),
    ("clearboard_password_work_refused_total", Kind::Counter, "Password checks refused because too many were waiting (503 busy)."),
    ("clearboard_throttle_locks_total", Kind::Counter, "Sign-in or re-authentication locks placed, by kind."),
    ("clearboard_reauthentication_failures_total", Kind::Counter, "Wrong current passwords given to confirm a sensitive change."),
    ("clearboard_accounts_activated_total", Kind::Counter, "Accounts activated through their emailed link."),
    ("clearboard_support_tickets_total", Kind::Counter, "Support tickets opened, by channel (web form, API, email)."),
    ("clearboard_programme_registrations_total", Kind::Counter, "Registrations received for events and trainings, by programme."),
    ("clearboard_job_applications_total", Kind::Counter, "Job applications received (a count only: nothing about the candidates)."),
    ("clearboard_contracts_created_total", Kind::Counter, "Contracts (subscriptions) taken out."),
    (
        "clearboard_partner_disclosures_total",
        Kind::Counter,
        "Disclosure-log rows written when a certified partner opened a contract it co-manages.",
    ),
    ("clearboard_affiliate_disclosures_total", Kind::Counter, "Contracts delivered in feeds to companies of the group."),
    ("clearboard_invoices_issued_total", Kind::Counter, "Invoices and credit notes issued (numbered) by billing runs."),
    ("clearboard_card_numbers_refused_total", Kind::Counter, "Request bodies refused because they held a payment-card number."),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// Registers the help text of every metric with the installed recorder.
pub fn describe() {
    for (name, kind, help) in METRICS {
        match kind {
            Kind::Counter => describe_counter!(*name, *help),
            Kind::Gauge => describe_gauge!(*name, *help),
            Kind::Histogram => describe_histogram!(*name, Unit::Seconds, *help),
        }
    }
}
