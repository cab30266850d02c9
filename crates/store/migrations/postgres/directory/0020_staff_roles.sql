-- Issue 15: the staff roles of DESIGN.md (contract_manager for contracts; recruiter and
-- marketing for the modules to come).
ALTER TABLE staff DROP CONSTRAINT staff_role_check;
ALTER TABLE staff ADD CONSTRAINT staff_role_check CHECK (role IN ('support', 'privacy_officer', 'contract_manager', 'recruiter', 'marketing', 'admin'));
