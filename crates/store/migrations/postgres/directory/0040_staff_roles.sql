-- Issue 17: the staff roles of DESIGN.md (`marketing` writes and sends campaigns; the billing
-- and programmes roles are listed too, so that their modules need not change this again).
ALTER TABLE staff DROP CONSTRAINT IF EXISTS staff_role_check;
ALTER TABLE staff ADD CONSTRAINT staff_role_check CHECK (role IN ('support', 'privacy_officer', 'contract_manager', 'recruiter', 'marketing', 'admin'));
