-- Every policy version this deployment has published (C-CHG-1): public, no personal data.
CREATE TABLE policy_versions (
    digest TEXT PRIMARY KEY,
    published_on TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    significant BOOLEAN NOT NULL,
    summary_en TEXT NOT NULL,
    summary_fr TEXT NOT NULL,
    body TEXT NOT NULL
);
