//! The away switch: `PUT /v1/admin/sites/{site}/pocs/{poc}/away` with `{until, note}` marks
//! a POC away without a config push, `DELETE` ends it early. Stored in `poc_away` and read
//! with the site row, so the next inquiry routes around the POC; it ends by itself at
//! `until`.

use crate::admin::authorize;
use crate::config_cache;
use crate::error::EdgeError;
use crate::http::{Reply, content_type_is};
use crate::payload::rfc3339;
use crate::platform;
use crate::site_config;
use crate::store::{int, opt_text, text};
use serde::{Deserialize, Serialize};
use switchboard_shared::availability::{away_at, parse_time};
use switchboard_shared::config::SiteConfig;
use worker::{Env, Request};

/// Largest body of a switch: an instant and a short note.
const MAX_AWAY_BODY: usize = 4 * 1024;
/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AwayBody {
    until: String,
    #[serde(default)]
    note: Option<String>,
}

/// Whether a POC is away now, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AwayView {
    pub poc: String,
    /// RFC 3339; `null` when the POC is present.
    pub until: Option<String>,
    pub note: Option<String>,
}

/// The POCs away at `now_ms` (config periods and switches), in config order.
pub fn away_now(config: &SiteConfig, now_ms: i64) -> Vec<AwayView> {
    config
        .pocs
        .iter()
        .filter_map(|p| {
            away_at(p, now_ms).map(|a| AwayView {
                poc: p.id.clone(),
                until: Some(rfc3339(a.until_ms)),
                note: a.note,
            })
        })
        .collect()
}

/// `PUT …/pocs/{poc}/away`.
pub async fn put(req: &Request, env: &Env, site: &str, poc: &str) -> Result<Reply, EdgeError> {
    let db = env.d1("DB")?;
    let row = authorize(req, env, &db, site).await?;
    let config = site_config::decode(&row, platform::allow_loopback_http(env))?
        .ok_or(EdgeError::SiteNotFound)?;
    let poc = config.poc(poc).ok_or(EdgeError::PocNotFound)?;
    if !content_type_is(
        req.headers().get("content-type")?.as_deref(),
        &["application/json"],
    ) {
        return Err(EdgeError::UnsupportedMediaType {
            expected: "application/json",
        });
    }
    let body = platform::read_body_limited(req, MAX_AWAY_BODY).await?;
    let body: AwayBody = serde_json::from_slice(&body).map_err(|e| {
        EdgeError::bad_request(
            "invalid_away",
            format!("the body is not {{until, note}}: {e}"),
        )
    })?;
    let now = platform::now_ms();
    let until = parse_time(&body.until, poc.calendar.time_zone(), true)
        .map_err(|e| EdgeError::invalid_value("invalid_away", "until", &e.to_string()))?;
    if until <= now {
        return Err(EdgeError::invalid_value(
            "invalid_away",
            "until",
            "until must be in the future",
        ));
    }
    let note = body.note.filter(|n| !n.trim().is_empty());
    if note
        .as_deref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        return Err(EdgeError::invalid_value(
            "invalid_away",
            "note",
            &format!("note must be at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    db.prepare(
        "INSERT INTO poc_away (site_id, poc, until_ms, note, set_ms) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (site_id, poc) DO UPDATE SET until_ms = excluded.until_ms,
           note = excluded.note, set_ms = excluded.set_ms",
    )
    .bind(&[
        text(site),
        text(&poc.id),
        int(until),
        opt_text(note.as_deref()),
        int(now),
    ])?
    .run()
    .await?;
    // This isolate routes around the POC at once; others within the cache's few seconds.
    config_cache::forget(site);
    Reply::json(
        200,
        &AwayView {
            poc: poc.id.clone(),
            until: Some(rfc3339(until)),
            note,
        },
    )
}

/// `DELETE …/pocs/{poc}/away`: the switch ends now. Periods written in the config stay; the
/// answer names one that still holds.
pub async fn delete(req: &Request, env: &Env, site: &str, poc: &str) -> Result<Reply, EdgeError> {
    let db = env.d1("DB")?;
    let row = authorize(req, env, &db, site).await?;
    let config = site_config::decode(&row, platform::allow_loopback_http(env))?
        .ok_or(EdgeError::SiteNotFound)?;
    let poc = config.poc(poc).ok_or(EdgeError::PocNotFound)?;
    db.prepare("DELETE FROM poc_away WHERE site_id = ?1 AND poc = ?2")
        .bind(&[text(site), text(&poc.id)])?
        .run()
        .await?;
    config_cache::forget(site);
    // An away period written in the config still holds.
    let left = away_at(poc, platform::now_ms());
    Reply::json(
        200,
        &AwayView {
            poc: poc.id.clone(),
            until: left.as_ref().map(|a| rfc3339(a.until_ms)),
            note: left.and_then(|a| a.note),
        },
    )
}
