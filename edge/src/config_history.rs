//! Config history (migration 0008): every push is kept as a numbered version (the latest
//! [`KEPT_VERSIONS`]), an owner lists them, reads an earlier one (secrets redacted) and
//! rolls back to it. A rollback checks the old TOML again with today's rules and stores it
//! as a new version naming the one it restored, so history only grows forward.
//!
//! A push or rollback may carry `If-Match: "<version>"` (the `ETag` of `GET …/config`):
//! when someone else pushed in between, it is refused with `412 version_conflict` and
//! nothing changes, so two owners editing at once do not overwrite each other unseen.

use crate::admin::authorize;
use crate::error::EdgeError;
use crate::http::{Reply, content_type_is, query_pairs};
use crate::payload::rfc3339;
use crate::platform;
use crate::site_config;
use crate::store::{SiteRow, int, opt_int, text};
use serde::{Deserialize, Serialize};
use worker::{D1Database, Env, Request};

/// Versions kept per site, the live one included.
pub const KEPT_VERSIONS: i64 = 20;
/// Bytes of a rollback request body.
const MAX_ROLLBACK_BODY: usize = 1024;

/// The `ETag` of a config version, as `If-Match` names it back.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version an `If-Match` header requires to be live: `None` without the header or
/// with `*` (any). Accepts `"7"`, `W/"7"` and a bare `7`.
pub fn expected_version(if_match: Option<&str>) -> Result<Option<i64>, EdgeError> {
    let Some(value) = if_match.map(str::trim) else {
        return Ok(None);
    };
    if value == "*" {
        return Ok(None);
    }
    let tag = value.strip_prefix("W/").unwrap_or(value);
    let tag = tag
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(tag);
    match tag.parse::<i64>() {
        Ok(v) if v >= 1 && tag.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(v)),
        _ => Err(EdgeError::invalid_value(
            "invalid_header",
            "If-Match",
            "If-Match must name one config version, as the ETag of GET …/config: \"7\"",
        )),
    }
}

/// The version `?version=` asks for: `None` for the live one.
pub fn requested_version(pairs: &[(String, String)]) -> Result<Option<i64>, EdgeError> {
    let mut found = None;
    for (k, v) in pairs {
        if k != "version" {
            return Err(EdgeError::invalid_value(
                "invalid_query",
                k,
                &format!("{k} is not a parameter of this endpoint"),
            ));
        }
        if found.is_some() {
            return Err(EdgeError::invalid_value(
                "invalid_query",
                "version",
                "version is given twice",
            ));
        }
        found = Some(positive(v).ok_or_else(|| {
            EdgeError::invalid_value(
                "invalid_query",
                "version",
                "version must be a config version number: 1, 2, ...",
            )
        })?);
    }
    Ok(found)
}

fn positive(v: &str) -> Option<i64> {
    v.parse::<i64>()
        .ok()
        .filter(|n| *n >= 1 && v.bytes().all(|b| b.is_ascii_digit()))
}

/// What a push came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    Stored {
        version: i64,
    },
    /// `If-Match` named another version than the live one.
    Conflict {
        live: i64,
    },
    NoSite,
}

/// Stores a checked config as the site's next version, in one batch with its history
/// entry and the pruning of versions past [`KEPT_VERSIONS`]. With `expected`, stores only
/// when that version is live. `restored_from` names the version a rollback restores.
pub async fn put(
    db: &D1Database,
    site: &str,
    (toml, json): (&str, &str),
    expected: Option<i64>,
    restored_from: Option<i64>,
    now_ms: i64,
) -> Result<Pushed, EdgeError> {
    let statements = vec![
        db.prepare(
            "UPDATE sites SET config_toml = ?2, config_json = ?3, version = version + 1, updated_ms = ?4
             WHERE id = ?1 AND (?5 IS NULL OR version = ?5) RETURNING version",
        )
        .bind(&[text(site), text(toml), text(json), int(now_ms), opt_int(expected)])?,
        // When the update did not happen, the live version is already in the history (the
        // migration put every live config there), so this inserts nothing.
        db.prepare(
            "INSERT OR IGNORE INTO config_versions (site_id, version, config_toml, config_json, pushed_ms, restored_from)
             SELECT id, version, config_toml, config_json, ?2, ?3 FROM sites
             WHERE id = ?1 AND config_toml IS NOT NULL AND config_json IS NOT NULL",
        )
        .bind(&[text(site), int(now_ms), opt_int(restored_from)])?,
        db.prepare(
            "DELETE FROM config_versions WHERE site_id = ?1
             AND version <= (SELECT version FROM sites WHERE id = ?1) - ?2",
        )
        .bind(&[text(site), int(KEPT_VERSIONS)])?,
    ];
    crate::bench_timing::storage_delay().await;
    let results = db.batch(statements).await?;
    #[derive(Deserialize)]
    struct Version {
        version: i64,
    }
    let stored = results
        .first()
        .map(|r| r.results::<Version>())
        .transpose()?
        .and_then(|rows| rows.first().map(|r| r.version));
    if let Some(version) = stored {
        return Ok(Pushed::Stored { version });
    }
    Ok(match crate::store::site(db, site).await? {
        Some(row) => Pushed::Conflict { live: row.version },
        None => Pushed::NoSite,
    })
}

/// A push's answer: `{site, version}` (and `restored_from` for a rollback) with its ETag.
pub fn pushed_reply(
    site: &str,
    pushed: Pushed,
    restored_from: Option<i64>,
) -> Result<Reply, EdgeError> {
    match pushed {
        Pushed::Stored { version } => {
            crate::config_cache::forget(site);
            let body = match restored_from {
                Some(from) => {
                    serde_json::json!({"site": site, "version": version, "restored_from": from})
                }
                None => serde_json::json!({"site": site, "version": version}),
            };
            Ok(Reply::json(200, &body)?.with_header("etag", etag(version)))
        }
        Pushed::Conflict { live } => Err(EdgeError::VersionConflict { live }),
        Pushed::NoSite => Err(EdgeError::SiteNotFound),
    }
}

/// One kept version, as `GET …/config/versions` lists it.
#[derive(Debug, Clone, Deserialize)]
struct VersionRow {
    version: i64,
    pushed_ms: i64,
    restored_from: Option<i64>,
}

#[derive(Debug, Serialize)]
struct VersionView {
    version: i64,
    pushed_at: String,
    restored_from: Option<i64>,
    live: bool,
}

/// A kept version's stored texts, shaped like the live row so `site_config::decode` reads
/// it the same way.
async fn stored(db: &D1Database, site: &str, version: i64) -> Result<SiteRow, EdgeError> {
    crate::bench_timing::storage_delay().await;
    #[derive(Deserialize)]
    struct Texts {
        config_toml: String,
        config_json: String,
    }
    let texts = db
        .prepare(
            "SELECT config_toml, config_json FROM config_versions WHERE site_id = ?1 AND version = ?2",
        )
        .bind(&[text(site), int(version)])?
        .first::<Texts>(None)
        .await?
        .ok_or(EdgeError::VersionNotFound { version })?;
    Ok(SiteRow {
        id: site.to_owned(),
        config_toml: Some(texts.config_toml),
        config_json: Some(texts.config_json),
        version,
        admin_key_hash: String::new(),
        away_json: None,
    })
}

/// `GET /v1/admin/sites/{site}/config/versions`: the kept versions, newest first.
pub async fn list(req: &Request, env: &Env, site: &str) -> Result<Reply, EdgeError> {
    crate::bench_timing::storage_delay().await;
    let db = env.d1("DB")?;
    let row = authorize(req, env, &db, site).await?;
    let versions = db
        .prepare(
            "SELECT version, pushed_ms, restored_from FROM config_versions
             WHERE site_id = ?1 ORDER BY version DESC",
        )
        .bind(&[text(site)])?
        .all()
        .await?
        .results::<VersionRow>()?;
    let views: Vec<VersionView> = versions
        .into_iter()
        .map(|v| VersionView {
            version: v.version,
            pushed_at: rfc3339(v.pushed_ms),
            restored_from: v.restored_from,
            live: v.version == row.version,
        })
        .collect();
    Reply::json(
        200,
        &serde_json::json!({"site": site, "live": row.version, "versions": views}),
    )
}

/// `GET /v1/admin/sites/{site}/config`: the live config as TOML, or with `?version=N` a
/// kept one, webhook secrets redacted; `ETag` and `X-Config-Version` name the version.
pub async fn get(req: &Request, env: &Env, site: &str) -> Result<Reply, EdgeError> {
    let db = env.d1("DB")?;
    let live = authorize(req, env, &db, site).await?;
    let switches = site_config::away_switches(&live);
    let row = match requested_version(&query_pairs(req)?)? {
        Some(version) if version != live.version => stored(&db, site, version).await?,
        _ => live,
    };
    let config = site_config::decode(&row, platform::allow_loopback_http(env))?
        .ok_or(EdgeError::SiteNotFound)?;
    // Away switches are not part of any version: shown as comments, so a pulled config
    // pushed back does not turn them into periods of its own.
    let now = platform::now_ms();
    let mut toml = String::new();
    for s in switches.into_iter().filter(|s| s.until_ms > now) {
        toml.push_str(&format!(
            "# away now (switchboard away): {} until {}{}\n",
            s.poc,
            crate::payload::rfc3339(s.until_ms),
            s.note
                .map(|n| format!(" ({})", n.replace(['\n', '\r'], " ")))
                .unwrap_or_default()
        ));
    }
    toml.push_str(&config.to_redacted_toml());
    Ok(Reply::text(200, "application/toml; charset=utf-8", toml)
        .with_header("x-config-version", row.version.to_string())
        .with_header("etag", etag(row.version)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RollbackBody {
    version: i64,
}

/// `POST /v1/admin/sites/{site}/config/rollback` with `{"version": N}`: version N's TOML,
/// checked again, becomes the next version.
pub async fn rollback(req: &Request, env: &Env, site: &str) -> Result<Reply, EdgeError> {
    let db = env.d1("DB")?;
    authorize(req, env, &db, site).await?;
    let expected = expected_version(req.headers().get("if-match")?.as_deref())?;
    if !content_type_is(
        req.headers().get("content-type")?.as_deref(),
        &["application/json"],
    ) {
        return Err(EdgeError::UnsupportedMediaType {
            expected: "application/json",
        });
    }
    let body = platform::read_body_limited(req, MAX_ROLLBACK_BODY).await?;
    let version = serde_json::from_slice::<RollbackBody>(&body)
        .ok()
        .filter(|b| b.version >= 1)
        .ok_or_else(|| {
            EdgeError::invalid_value(
                "invalid_body",
                "version",
                "the body must be {\"version\": <a kept version number>}",
            )
        })?
        .version;
    let old = stored(&db, site, version).await?;
    let toml = old.config_toml.unwrap_or_default();
    // Checked with today's rules and URL guard: a version that no longer passes stays out.
    let config = site_config::check_upload(site, &toml, platform::allow_loopback_http(env))
        .map_err(|fields| EdgeError::InvalidConfig { fields })?;
    let json = serde_json::to_string(&config)?;
    let pushed = put(
        &db,
        site,
        (&toml, &json),
        expected,
        Some(version),
        platform::now_ms(),
    )
    .await?;
    pushed_reply(site, pushed, Some(version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn field(e: &EdgeError) -> String {
        e.to_http().1.error.fields[0].field.clone()
    }

    #[test]
    fn if_match_names_one_version_or_any() {
        assert_eq!(expected_version(None).unwrap(), None);
        assert_eq!(expected_version(Some("*")).unwrap(), None);
        assert_eq!(expected_version(Some("\"7\"")).unwrap(), Some(7));
        assert_eq!(expected_version(Some(" W/\"12\" ")).unwrap(), Some(12));
        assert_eq!(expected_version(Some("3")).unwrap(), Some(3));
        assert_eq!(expected_version(Some(&etag(41))).unwrap(), Some(41));
        for bad in [
            "",
            "\"\"",
            "\"0\"",
            "-1",
            "+3",
            "\"7\", \"8\"",
            "abc",
            "\"7",
        ] {
            let e = expected_version(Some(bad)).unwrap_err();
            assert_eq!(e.to_http().0, 400, "{bad:?}");
            assert_eq!(field(&e), "If-Match", "{bad:?}");
        }
    }

    #[test]
    fn the_version_parameter_is_one_positive_number() {
        assert_eq!(requested_version(&[]).unwrap(), None);
        assert_eq!(
            requested_version(&pairs(&[("version", "3")])).unwrap(),
            Some(3)
        );
        for (q, named) in [
            (vec![("version", "0")], "version"),
            (vec![("version", "x")], "version"),
            (vec![("version", "+2")], "version"),
            (vec![("version", "1"), ("version", "2")], "version"),
            (vec![("v", "1")], "v"),
        ] {
            let e = requested_version(&pairs(&q)).unwrap_err();
            assert_eq!(e.to_http().0, 400, "{q:?}");
            assert_eq!(field(&e), named, "{q:?}");
        }
    }

    #[test]
    fn conflicts_are_412_naming_the_live_version() {
        let (status, body) = pushed_reply("demo", Pushed::Conflict { live: 9 }, None)
            .err()
            .map(|e| e.to_http())
            .unwrap();
        assert_eq!(status, 412);
        assert_eq!(body.error.code, "version_conflict");
        assert!(body.error.message.contains('9'), "{}", body.error.message);
        assert_eq!(body.error.fields[0].field, "If-Match");
    }
}
