-- Issue 17: the staff roles of DESIGN.md (`marketing` writes and sends campaigns; the billing
-- and programmes roles are listed too, so that their modules need not rebuild this table).
-- SQLite cannot change a CHECK constraint: the table is rebuilt with the same rows.
CREATE TABLE staff_roles_new (
    subject_id TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('support', 'privacy_officer', 'contract_manager', 'recruiter', 'marketing', 'admin')),
    trained_at INTEGER,
    created_at INTEGER NOT NULL
);
INSERT INTO staff_roles_new (subject_id, region, role, trained_at, created_at) SELECT subject_id, region, role, trained_at, created_at FROM staff;
DROP TABLE staff;
ALTER TABLE staff_roles_new RENAME TO staff;
