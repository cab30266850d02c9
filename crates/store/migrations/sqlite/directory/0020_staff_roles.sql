-- Issue 15: the staff roles of DESIGN.md (contract_manager for contracts; recruiter and
-- marketing for the modules to come). SQLite cannot change a CHECK: the table is rebuilt.
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
