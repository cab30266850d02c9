-- Outreach (issue 17): newsletter contacts (subjects of their own, personal fields sealed with
-- their key), campaigns written by staff, one row per campaign and recipient (a send is
-- claimed before the message goes, so a crash never sends twice), opened links, and the
-- written notices of significant policy versions (C-CHG-3).
CREATE TABLE outreach_contacts (
    id TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL UNIQUE,
    email_bidx BLOB NOT NULL UNIQUE,
    email BLOB NOT NULL,
    phone BLOB,
    lang TEXT NOT NULL,
    lists TEXT NOT NULL,
    pending_lists TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    last_contact_at BIGINT NOT NULL,
    confirm_hash BLOB UNIQUE,
    confirm_expires_at BIGINT,
    confirm_sent_at BIGINT,
    text_digest TEXT NOT NULL,
    proof BLOB NOT NULL
);
CREATE INDEX outreach_contacts_state ON outreach_contacts (state, created_at);
CREATE INDEX outreach_contacts_last_contact ON outreach_contacts (last_contact_at);

CREATE TABLE outreach_campaigns (
    id TEXT PRIMARY KEY,
    list TEXT NOT NULL,
    subject_en TEXT NOT NULL,
    subject_fr TEXT NOT NULL,
    body_en TEXT NOT NULL,
    body_fr TEXT NOT NULL,
    state TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    scheduled_at BIGINT,
    started_at BIGINT,
    finished_at BIGINT
);

CREATE TABLE outreach_sends (
    campaign_id TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    state TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, subject_id)
);
CREATE INDEX outreach_sends_subject ON outreach_sends (subject_id);

CREATE TABLE outreach_clicks (
    id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX outreach_clicks_subject ON outreach_clicks (subject_id);

CREATE TABLE policy_notices (
    version TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    state TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (version, subject_id)
);
CREATE INDEX policy_notices_subject ON policy_notices (subject_id);
