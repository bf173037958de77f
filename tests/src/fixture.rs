//! The test site config (tests/fixtures/site.toml) filled in for one trial.

use crate::{Result, repo};

/// Signing secret of the fixture's webhook endpoints (base64 of 32 ASCII bytes).
pub const TEST_SECRET: &str = "whsec_c3dpdGNoYm9hcmQgaW50ZWdyYXRpb24gdGVzdCBrZXk=";

/// What the fixture's `{{...}}` placeholders become.
#[derive(Debug, Clone)]
pub struct SiteParams<'a> {
    pub site: &'a str,
    /// Origin of the webhook receiver.
    pub receiver: &'a str,
    pub secret: &'a str,
    /// Origin of the pages that embed the widget.
    pub page_origin: &'a str,
}

/// The fixture with its placeholders filled in.
pub fn site_config(params: &SiteParams<'_>) -> Result<String> {
    let template = std::fs::read_to_string(repo::path("tests/fixtures/site.toml"))?;
    Ok(render(&template, params))
}

fn render(template: &str, p: &SiteParams<'_>) -> String {
    template
        .replace("{{SITE}}", p.site)
        .replace("{{RECEIVER}}", p.receiver)
        .replace("{{SECRET}}", p.secret)
        .replace("{{PAGE_ORIGIN}}", p.page_origin)
}

/// Path under the receiver where a POC's webhooks for `site` arrive.
pub fn hook_path(site: &str, poc: &str) -> String {
    format!("/hooks/{site}/{poc}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_shared::config::{ConfigOptions, parse_config_with};

    #[test]
    fn fixture_is_a_valid_site_config() {
        let text = site_config(&SiteParams {
            site: "fixture-check",
            receiver: "http://127.0.0.1:40000",
            secret: TEST_SECRET,
            page_origin: "http://127.0.0.1:40001",
        })
        .unwrap();
        assert!(!text.contains("{{"), "unfilled placeholder in:\n{text}");
        let config = parse_config_with(
            &text,
            ConfigOptions {
                allow_loopback_http: true,
            },
        )
        .unwrap_or_else(|errors| panic!("fixture does not parse: {errors:#?}"));
        assert_eq!(config.site, "fixture-check");
        assert_eq!(
            config.pocs[0].endpoints[0].url,
            "http://127.0.0.1:40000/hooks/fixture-check/support"
        );
    }
}
