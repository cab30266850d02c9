-- Careers (issue 18, C-DATA-7): job posts (public, written by staff) and applications. An
-- applicant is a subject of kind `applicant` with their own key, which seals their names,
-- email, phone, language, the cover letter, the talent-pool consent's proof and the CV blob.
CREATE TABLE job_posts (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    title_fr TEXT,
    description TEXT NOT NULL,
    description_fr TEXT,
    place TEXT,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    closed_at INTEGER
);
CREATE INDEX job_posts_status ON job_posts (status, created_at);

CREATE TABLE job_applications (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES job_posts (id),
    applicant_id TEXT NOT NULL REFERENCES subjects (id),
    email_bidx BLOB NOT NULL,
    contact BLOB NOT NULL,
    cover_letter BLOB NOT NULL,
    cv_blob TEXT NOT NULL,
    status TEXT NOT NULL,
    talent_pool INTEGER NOT NULL,
    consent_proof BLOB,
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_contact_at INTEGER NOT NULL
);
CREATE INDEX job_applications_job ON job_applications (job_id, created_at);
CREATE INDEX job_applications_email ON job_applications (email_bidx);
CREATE INDEX job_applications_contact ON job_applications (talent_pool, last_contact_at);
