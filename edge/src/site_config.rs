//! A site's live config: decoding the stored copy, and the checks an upload must pass on top
//! of `shared::config::parse_config` (site id match, webhook URL guard).

use crate::error::EdgeError;
use crate::payload::rfc3339;
use crate::store::SiteRow;
use switchboard_shared::api::FieldErrorView;
use switchboard_shared::availability::AwayPeriod;
use switchboard_shared::config::{ConfigError, ConfigOptions, SiteConfig, parse_config_with};
use switchboard_shared::url_guard::check_webhook_url;

/// The live config of a stored site, or `None` while none was uploaded. Read from the JSON
/// copy written at upload (checked then, so no checks run again per request); the TOML is
/// the fallback should the JSON shape have changed since.
pub fn decode(row: &SiteRow, allow_loopback_http: bool) -> Result<Option<SiteConfig>, EdgeError> {
    if let Some(config) = row
        .config_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<SiteConfig>(j).ok())
    {
        return Ok(Some(config));
    }
    let Some(toml) = row.config_toml.as_deref() else {
        return Ok(None);
    };
    // The stored TOML passed every check when it was uploaded; failing now means the rules
    // changed under it, which is our problem, not the visitor's.
    parse_config_with(
        toml,
        ConfigOptions {
            allow_loopback_http,
        },
    )
    .map(Some)
    .map_err(|errs| {
        EdgeError::internal(format!(
            "stored config of site {} no longer parses ({} errors)",
            row.id,
            errs.len()
        ))
    })
}

/// One away switch as stored in `poc_away`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct AwaySwitch {
    pub poc: String,
    pub until_ms: i64,
    #[serde(default)]
    pub note: Option<String>,
    pub set_ms: i64,
}

/// The away switches of a site row (none when the column is empty or unreadable).
pub fn away_switches(row: &SiteRow) -> Vec<AwaySwitch> {
    row.away_json
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default()
}

/// `config` with the row's away switches added to its POCs' away periods, so routing sees
/// them exactly as it sees periods written in the config.
pub fn with_away_switches(mut config: SiteConfig, row: &SiteRow) -> SiteConfig {
    for switch in away_switches(row) {
        if let Some(poc) = config.pocs.iter_mut().find(|p| p.id == switch.poc) {
            poc.away.push(AwayPeriod {
                from: rfc3339(switch.set_ms),
                until: rfc3339(switch.until_ms),
                note: switch.note,
            });
        }
    }
    config
}

/// Parses and checks an uploaded config for `site`. Errors carry the config path as field
/// and `line:column` in the message, ready for the 400 answer.
pub fn check_upload(
    site: &str,
    toml: &str,
    allow_loopback_http: bool,
) -> Result<SiteConfig, Vec<FieldErrorView>> {
    let config = parse_config_with(
        toml,
        ConfigOptions {
            allow_loopback_http,
        },
    )
    .map_err(|errs| errs.iter().map(config_error_view).collect::<Vec<_>>())?;
    let mut errors = Vec::new();
    if config.site != site {
        errors.push(view_at(
            toml,
            "site",
            "site_mismatch",
            &format!(
                "site is {:?} but the upload is for site {site:?}",
                config.site
            ),
            &format!("\"{}\"", config.site),
        ));
    }
    for (path, url) in webhook_urls(&config) {
        if let Err(e) = check_webhook_url(&url, allow_loopback_http) {
            errors.push(view_at(
                toml,
                &path,
                "invalid_webhook_url",
                &e.to_string(),
                &url,
            ));
        }
    }
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(errors)
    }
}

/// Every webhook URL of a config with its config path.
pub fn webhook_urls(config: &SiteConfig) -> Vec<(String, String)> {
    let mut urls = Vec::new();
    for (i, poc) in config.pocs.iter().enumerate() {
        for (j, endpoint) in poc.endpoints.iter().enumerate() {
            urls.push((
                format!("pocs[{i}].endpoints[{j}].url"),
                endpoint.url.clone(),
            ));
        }
    }
    if let Some(alert) = &config.alert_endpoint {
        urls.push(("alert_endpoint.url".to_owned(), alert.url.clone()));
    }
    urls
}

fn config_error_view(e: &ConfigError) -> FieldErrorView {
    FieldErrorView {
        field: e.path.clone(),
        code: "invalid_config".to_owned(),
        message: format!("{}:{}: {}", e.line, e.column, e.message),
        limit: None,
    }
}

/// An error found after parsing: its position is where `needle` first appears in the text.
fn view_at(toml: &str, path: &str, code: &str, message: &str, needle: &str) -> FieldErrorView {
    let (line, column) = position_of(toml, needle).unwrap_or((1, 1));
    FieldErrorView {
        field: path.to_owned(),
        code: code.to_owned(),
        message: format!("{line}:{column}: {message}"),
        limit: None,
    }
}

/// 1-based line and column (in characters) of the first occurrence of `needle`.
pub fn position_of(text: &str, needle: &str) -> Option<(usize, usize)> {
    let at = text.find(needle)?;
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Some((line, column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let t = "site = \"demo\"\n[[pocs]]\nurl = \"http://x\"\n";
        assert_eq!(position_of(t, "\"demo\""), Some((1, 8)));
        assert_eq!(position_of(t, "http://x"), Some((3, 8)));
        assert_eq!(position_of(t, "nope"), None);
    }
}
