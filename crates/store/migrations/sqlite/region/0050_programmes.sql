-- The programmes (issue 18): events and trainings with their registrations, and visits to the
-- premises. Names, email, phone, postal address and a visit's host are sealed with the
-- attendee's or visitor's own key (a subject of kind `attendee`).
CREATE TABLE programme_sessions (
    id TEXT PRIMARY KEY,
    programme TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    starts_at INTEGER,
    ends_at INTEGER,
    place TEXT,
    capacity INTEGER,
    trainer TEXT,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX programme_sessions_programme ON programme_sessions (programme, starts_at);

CREATE TABLE event_registrations (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES programme_sessions (id),
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    email_bidx BLOB NOT NULL,
    contact BLOB NOT NULL,
    state TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    checked_in_at INTEGER
);
CREATE INDEX event_registrations_session ON event_registrations (session_id, created_at);
CREATE INDEX event_registrations_email ON event_registrations (email_bidx);

CREATE TABLE training_registrations (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES programme_sessions (id),
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    email_bidx BLOB NOT NULL,
    contact BLOB NOT NULL,
    state TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    checked_in_at INTEGER
);
CREATE INDEX training_registrations_session ON training_registrations (session_id, created_at);
CREATE INDEX training_registrations_email ON training_registrations (email_bidx);

CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    contact BLOB NOT NULL,
    arrived_at INTEGER NOT NULL,
    departed_at INTEGER,
    recorded_by TEXT NOT NULL
);
CREATE INDEX visits_arrived ON visits (arrived_at);
