//! The outreach module (`business::outreach`): newsletter, event-invitation and phone-marketing
//! lists with double opt-in and its proof, campaigns sent only to those who consent at send
//! time, one-click unsubscribe, the three-year rule, and the written notice of significant
//! policy versions. Its declaration, and the exporter and eraser of the `newsletter` category.

use serde_json::Value;

use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::ids::SubjectId;
use crate::privacy::modules::model::{
    CategoryImpl, Class, Enforcement, Eraser, ID, LINK_HASH, Module, PUBLIC, Pending, RetentionImpl, STATE, SUBJECT, TIME, personal,
    region, sealed,
};

const BY_STAFF: Class = Class::NotPersonal("written by marketing staff for everyone on a list: never about one person");
const CAMPAIGN: Class = Class::NotPersonal("the id of a campaign");

pub const OUTREACH: Module = Module {
    id: "outreach",
    title: "Outreach: news, event invitations and phone-marketing lists with double opt-in, campaigns, one-click unsubscribe, written notices of policy changes",
    data_subjects: &["contacts", "users"],
    categories: &[CategoryImpl { id: "newsletter", exporter: export_newsletter, eraser: Eraser::Rows(erase_newsletter) }],
    // Marketing: contacts' subscriptions and account holders who consented (their address is
    // read from the account). Account: the written notice of a significant policy change.
    purposes: &[("marketing", &["newsletter", "account"]), ("account", &["account"])],
    recipients: &["email-delivery"],
    retention: &[
        RetentionImpl { category: "newsletter", trigger: "last_contact", enforcement: Enforcement::PurgeInactiveContacts },
        RetentionImpl { category: "newsletter", trigger: "not_confirmed", enforcement: Enforcement::PurgeUnconfirmedContacts },
    ],
    tables: &[
        region(
            "outreach_contacts",
            &[
                ("id", ID),
                ("subject_id", SUBJECT),
                ("email_bidx", personal("newsletter", &["contact_email"])),
                ("email", sealed("newsletter", &["contact_email"])),
                ("phone", sealed("newsletter", &["contact_phone"])),
                ("lang", personal("newsletter", &["contact_language"])),
                ("lists", personal("newsletter", &["lists"])),
                ("pending_lists", personal("newsletter", &["lists"])),
                ("state", STATE),
                ("created_at", TIME),
                ("confirmed_at", TIME),
                ("last_contact_at", TIME),
                ("confirm_hash", LINK_HASH),
                ("confirm_expires_at", TIME),
                ("confirm_sent_at", TIME),
                ("text_digest", Class::NotPersonal("the digest of the public consent text the person was shown")),
                ("proof", sealed("newsletter", &["subscription_proof"])),
            ],
        ),
        region(
            "outreach_campaigns",
            &[
                ("id", ID),
                ("list", STATE),
                ("subject_en", BY_STAFF),
                ("subject_fr", BY_STAFF),
                ("body_en", BY_STAFF),
                ("body_fr", BY_STAFF),
                ("state", STATE),
                ("created_by", SUBJECT),
                ("created_at", TIME),
                ("scheduled_at", TIME),
                ("started_at", TIME),
                ("finished_at", TIME),
            ],
        ),
        region(
            "outreach_sends",
            &[
                ("campaign_id", CAMPAIGN),
                ("subject_id", SUBJECT),
                ("state", personal("newsletter", &["sends"])),
                ("at", personal("newsletter", &["sends"])),
            ],
        ),
        region(
            "outreach_clicks",
            &[("id", ID), ("campaign_id", CAMPAIGN), ("subject_id", SUBJECT), ("at", personal("newsletter", &["clicks"]))],
        ),
        region("policy_notices", &[("version", PUBLIC), ("subject_id", SUBJECT), ("state", STATE), ("at", TIME)]),
    ],
    ..Module::EMPTY
};

fn export_newsletter<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, Value> {
    Box::pin(async move { cb.outreach().export(region, subject).await })
}

fn erase_newsletter<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, u64> {
    Box::pin(async move { cb.outreach().erase(region, subject).await })
}
