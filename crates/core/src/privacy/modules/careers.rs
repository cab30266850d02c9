//! The careers module (`business::programmes::careers`, issue 18): job posts, applications
//! with their CV, the recruitment pipeline and the talent pool. Its declaration, and the
//! exporter and eraser of the `job_applications` category.

use serde_json::Value;

use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::ids::SubjectId;
use crate::privacy::modules::model::{
    CategoryImpl, Class, Enforcement, Eraser, ID, LINK_HASH, Module, Pending, RetentionImpl, STATE, SUBJECT, TIME, personal, region, sealed,
};

const POST_TEXT: Class = Class::NotPersonal("the public text of a job post, written by staff for everyone");
const PUBLISHER: Class =
    Class::NotPersonal("the pseudonymous id of the staff member who published the post: about the operator's own staff");

pub const CAREERS: Module = Module {
    id: "careers",
    title: "Careers: job posts, applications with their CV, the recruitment pipeline, the talent pool",
    // Off (`modules.careers.enabled = false`), the policy must leave out the applicants, the
    // category and its purposes, and every careers operation is refused by the purpose guard.
    switchable: true,
    data_subjects: &["applicants"],
    categories: &[CategoryImpl { id: "job_applications", exporter: export_applications, eraser: Eraser::Rows(erase_applications) }],
    // Recruitment: considering the application. Talent pool: keeping it for later openings,
    // only with the candidate's consent.
    purposes: &[("recruitment", &["job_applications"]), ("talent_pool", &["job_applications"])],
    recipients: &["staff", "hosting-{region}", "email-delivery"],
    retention: &[RetentionImpl { category: "job_applications", trigger: "last_contact", enforcement: Enforcement::PurgeStaleApplications }],
    tables: &[
        region(
            "job_posts",
            &[
                ("id", ID),
                ("title", POST_TEXT),
                ("title_fr", POST_TEXT),
                ("description", POST_TEXT),
                ("description_fr", POST_TEXT),
                ("place", POST_TEXT),
                ("status", STATE),
                ("created_by", PUBLISHER),
                ("created_at", TIME),
                ("closed_at", TIME),
            ],
        ),
        region(
            "job_applications",
            &[
                ("id", ID),
                ("job_id", ID),
                ("applicant_id", SUBJECT),
                ("email_bidx", personal("job_applications", &["email"])),
                ("contact", sealed("job_applications", &["first_name", "last_name", "email", "phone"])),
                ("cover_letter", sealed("job_applications", &["cover_letter"])),
                ("cv_blob", personal("job_applications", &["cv"])),
                ("status", STATE),
                ("talent_pool", personal("job_applications", &["talent_pool_consent"])),
                ("consent_proof", sealed("job_applications", &["talent_pool_consent"])),
                ("token_hash", LINK_HASH),
                ("created_at", TIME),
                ("updated_at", TIME),
                ("last_contact_at", TIME),
            ],
        ),
    ],
    ..Module::EMPTY
};

fn export_applications<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, Value> {
    Box::pin(async move { cb.careers().export_of(region, subject).await })
}

fn erase_applications<'a>(cb: &'a Clearboard, region: &'a RegionHandle, subject: &'a SubjectId) -> Pending<'a, u64> {
    Box::pin(async move { cb.careers().erase_of(region, subject).await })
}
