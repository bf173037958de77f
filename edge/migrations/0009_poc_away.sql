-- Away switches: an owner marks a POC away until a time without pushing a config
-- (`PUT /v1/admin/sites/{site}/pocs/{poc}/away`). One row per POC; it ends by itself at
-- until_ms, or early with DELETE. Read with the site row, so intake pays no extra trip.

CREATE TABLE poc_away (
    site_id   TEXT NOT NULL REFERENCES sites(id),
    poc       TEXT NOT NULL,
    until_ms  INTEGER NOT NULL,
    note      TEXT,
    set_ms    INTEGER NOT NULL,
    PRIMARY KEY (site_id, poc)
);
