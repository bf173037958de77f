-- Config history: every config a site pushed (the latest 20 are kept), so an owner can
-- see when it changed, read an earlier one and roll back to it. A rollback is a new
-- version that names the one it restored.

CREATE TABLE config_versions (
    site_id       TEXT NOT NULL REFERENCES sites(id),
    version       INTEGER NOT NULL,
    -- As uploaded (webhook secrets included), and the checked JSON, like `sites`.
    config_toml   TEXT NOT NULL,
    config_json   TEXT NOT NULL,
    pushed_ms     INTEGER NOT NULL,
    restored_from INTEGER,
    PRIMARY KEY (site_id, version)
);

-- The live configs are the first entries of their history.
INSERT INTO config_versions (site_id, version, config_toml, config_json, pushed_ms)
    SELECT id, version, config_toml, config_json, updated_ms FROM sites
    WHERE config_toml IS NOT NULL AND config_json IS NOT NULL;
