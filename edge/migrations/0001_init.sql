-- Switchboard schema: sites with their config and hashed admin key, inquiries, and every
-- webhook delivery attempt. Times are unix milliseconds (INTEGER).

CREATE TABLE sites (
    id              TEXT PRIMARY KEY,
    -- The TOML as uploaded (webhook secrets included); NULL until the first config upload.
    config_toml     TEXT,
    -- The checked config as JSON, so public requests need not parse and check TOML again.
    config_json     TEXT,
    version         INTEGER NOT NULL DEFAULT 0,
    -- Hex HMAC-SHA256(ADMIN_KEY_PEPPER, admin key); the key itself is never stored.
    admin_key_hash  TEXT NOT NULL,
    created_ms      INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL
);

CREATE TABLE inquiries (
    id                        TEXT PRIMARY KEY,
    site_id                   TEXT NOT NULL REFERENCES sites(id),
    idempotency_key           TEXT NOT NULL,
    reference                 TEXT NOT NULL,
    poc                       TEXT NOT NULL,
    priority                  TEXT NOT NULL,
    -- JSON array of strings.
    tags                      TEXT NOT NULL DEFAULT '[]',
    -- JSON object: field id -> normalized value.
    fields_json               TEXT NOT NULL,
    -- Hex SHA-256 of the lowercased submitter address: finds earlier inquiries by the same
    -- person without indexing the address itself.
    email_hash                TEXT,
    topic                     TEXT,
    locale                    TEXT NOT NULL,
    routing_explanation_json  TEXT NOT NULL DEFAULT 'null',
    deadline_ms               INTEGER NOT NULL,
    submitted_ms              INTEGER NOT NULL,
    status                    TEXT NOT NULL DEFAULT 'pending'
                              CHECK (status IN ('pending', 'delivered', 'failed', 'spam')),
    -- The exact answer sent to the visitor, replayed for a repeated idempotency key.
    response_status           INTEGER NOT NULL DEFAULT 202,
    response_json             TEXT NOT NULL,
    acknowledged_ms           INTEGER,
    UNIQUE (site_id, idempotency_key),
    UNIQUE (reference)
);

CREATE INDEX inquiries_by_site_date ON inquiries (site_id, submitted_ms DESC);
CREATE INDEX inquiries_by_site_status ON inquiries (site_id, status, submitted_ms DESC);
CREATE INDEX inquiries_by_site_poc ON inquiries (site_id, poc, submitted_ms DESC);
CREATE INDEX inquiries_by_submitter ON inquiries (site_id, email_hash, submitted_ms DESC)
    WHERE email_hash IS NOT NULL;
-- The sweeper's scan: pending inquiries by age.
CREATE INDEX inquiries_pending ON inquiries (status, submitted_ms) WHERE status = 'pending';

CREATE TABLE delivery_attempts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    inquiry_id        TEXT NOT NULL REFERENCES inquiries(id),
    endpoint_url      TEXT NOT NULL,
    -- 1 for the first try at this endpoint, counting up across retries and redeliveries.
    attempt           INTEGER NOT NULL,
    -- NULL when no HTTP answer came back (network error, timeout).
    status_code       INTEGER,
    error             TEXT,
    latency_ms        INTEGER NOT NULL,
    -- The first few hundred characters of the endpoint's answer, for the delivery log.
    response_snippet  TEXT,
    at_ms             INTEGER NOT NULL
);

CREATE INDEX delivery_attempts_by_inquiry ON delivery_attempts (inquiry_id, at_ms);
