//! The confirmation text of an accepted inquiry: everything but the reference is known when
//! the inquiry is routed; the reference is drawn when it is stored, so rendering waits for it.

use switchboard_shared::Locale;
use switchboard_shared::api::ExpectedResponse;
use switchboard_shared::config::Poc;
use switchboard_shared::confirmation::{Values, confirmation};

/// The form field whose value fills `{name}`.
pub const NAME_FIELD: &str = "name";

/// A confirmation waiting for its reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    templates: std::collections::BTreeMap<String, String>,
    locale: Locale,
    name: String,
    team: String,
    deadline: String,
}

impl Pending {
    /// `submitted_ms` and `expected` as computed for the answer; `visitor_tz` as submitted.
    pub fn new(
        poc: &Poc,
        locale: Locale,
        name: Option<&str>,
        submitted_ms: i64,
        expected: &ExpectedResponse,
        visitor_tz: Option<&str>,
    ) -> Pending {
        Pending {
            templates: poc.confirmation.clone(),
            locale,
            name: name.unwrap_or("").to_owned(),
            team: poc.name.clone(),
            deadline: deadline_phrase(poc, locale, submitted_ms, expected, visitor_tz),
        }
    }

    pub fn render(&self, reference: &str) -> String {
        confirmation(
            &self.templates,
            self.locale,
            &Values {
                name: &self.name,
                team: &self.team,
                reference,
                deadline: &self.deadline,
            },
        )
    }
}

/// The deadline as the promise sentence words it ("tomorrow at 09:00"), in the visitor's
/// time zone when it is a real one, else in the POC's; the raw instant if it will not parse.
fn deadline_phrase(
    poc: &Poc,
    locale: Locale,
    submitted_ms: i64,
    expected: &ExpectedResponse,
    visitor_tz: Option<&str>,
) -> String {
    let (Ok(now), Ok(at)) = (
        jiff::Timestamp::from_millisecond(submitted_ms),
        expected.deadline.parse::<jiff::Timestamp>(),
    ) else {
        return expected.deadline.clone();
    };
    let tz = visitor_tz
        .and_then(|tz| jiff::tz::TimeZone::get(tz).ok())
        .unwrap_or_else(|| poc.calendar.time_zone().clone());
    switchboard_shared::promise::when_phrase(now, at, &tz, locale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_shared::config::{ConfigOptions, parse_config_with};

    #[test]
    fn renders_with_the_reference_in_the_visitor_zone() {
        let c = parse_config_with(
            include_str!("../../demo/site.toml"),
            ConfigOptions {
                allow_loopback_http: true,
            },
        )
        .unwrap();
        let poc = c.poc("support").unwrap();
        let submitted = "2026-11-24T09:30:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond();
        let expected = ExpectedResponse {
            deadline: "2026-11-25T08:00:00Z".into(),
            deadline_local: String::new(),
            within: String::new(),
            open_now: true,
            sentence: String::new(),
        };
        let p = Pending::new(
            poc,
            Locale::En,
            Some("Ada"),
            submitted,
            &expected,
            Some("Asia/Kolkata"),
        );
        let text = p.render("SB-7KQ2-M9XD");
        assert!(text.contains("SB-7KQ2-M9XD"), "{text}");
        assert!(text.contains("Ada"), "{text}");
        // 08:00Z is 13:30 in Kolkata, the next day.
        assert!(text.contains("tomorrow at 13:30"), "{text}");
    }
}
