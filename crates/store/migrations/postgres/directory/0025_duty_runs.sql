-- Several nodes (issue 20): a periodic duty (retention, billing run, rights upkeep, outreach
-- sends) is claimed for its period by inserting its row; the node whose insert succeeds runs
-- it, so it runs once per period across the cluster. Nothing personal.
CREATE TABLE duty_runs (
    duty TEXT NOT NULL,
    period BIGINT NOT NULL,
    claimed_at BIGINT NOT NULL,
    PRIMARY KEY (duty, period)
);
