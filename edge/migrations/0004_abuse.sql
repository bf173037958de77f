-- Per-visitor submission log for the exact 12-hour limit. A row per accepted (or honeypot)
-- inquiry; `visitor` is hex HMAC-SHA256 of the site and the client IP under a Worker secret,
-- never the IP itself. Rows older than the window are purged by the cron trigger.
CREATE TABLE submission_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id   TEXT NOT NULL,
    visitor   TEXT NOT NULL,
    at_ms     INTEGER NOT NULL
);

CREATE INDEX submission_events_by_visitor ON submission_events (site_id, visitor, at_ms);
CREATE INDEX submission_events_by_age ON submission_events (at_ms);
