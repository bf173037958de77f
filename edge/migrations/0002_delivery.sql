-- Delivery: endpoints that answered 410 Gone are disabled per site and endpoint URL, and
-- skipped by every later delivery until an admin enables them again.

CREATE TABLE disabled_endpoints (
    site_id      TEXT NOT NULL REFERENCES sites(id),
    endpoint_url TEXT NOT NULL,
    -- The inquiry whose delivery got the 410, for the owner's alert and the admin view.
    inquiry_id   TEXT NOT NULL,
    status_code  INTEGER NOT NULL,
    disabled_ms  INTEGER NOT NULL,
    PRIMARY KEY (site_id, endpoint_url)
);

-- Redeliver-failed scans failed inquiries of one site.
CREATE INDEX IF NOT EXISTS inquiries_failed ON inquiries (site_id, submitted_ms) WHERE status = 'failed';
