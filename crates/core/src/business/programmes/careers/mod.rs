//! Careers (issue 18; C-DATA-7): job posts, applications and the recruitment pipeline.
//!
//! * Posts and applications (`apply`): staff with the `recruiter` role publish posts; anyone
//!   applies with names, email, phone, a cover letter and a CV. The CV must be a PDF by its
//!   bytes and is rewritten without its metadata (`platform::media::pdf`) before it is sealed;
//!   the applicant becomes a subject with their own key, which seals every personal field and
//!   the CV. The answer is the same whatever the address. The talent pool is an optional
//!   consent (never pre-ticked) recorded with its proof.
//! * The candidate (`candidate`): the acknowledgement carries a private link (its token in the
//!   URL fragment) to see the application, download a copy of it, withdraw the talent-pool
//!   consent, or erase the application at once.
//! * Staff (`pipeline`): the `recruiter` role (and admins) with current training through the
//!   staff gate; the pipeline lists no personal data; opening an application or downloading a
//!   CV names the reason `recruitment` and is written to the applicant's audit trail, and so
//!   is a refusal. Each decision (`reviewing`, `interview`, `offer`, `rejected`) is emailed to
//!   the candidate in their language and counts as a contact.
//! * Records (`records`): the export and the eraser of `job_applications`, and the retention
//!   rule `job_applications:last_contact` (two years after the last contact, except while the
//!   candidate consents to the talent pool).
//!
//! Nothing here reaches statistics, boards or marketing lists: no other module reads this
//! module's port, and applicants are never outreach contacts.

pub mod apply;
pub mod candidate;
pub mod pipeline;
pub mod records;
pub mod service;
