//! Who is away, and who takes their inquiries meanwhile: away periods (from the config, and
//! the owner's away switches the edge adds to it), and the walk down a POC's backup chain
//! to the first one who is present.

use crate::config::{Poc, SiteConfig};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// One period a POC is away: `{ from, until, note }`. Each end is an RFC 3339 instant or a
/// date (`2026-12-10`) in the POC's time zone; a date as `until` is included whole.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwayPeriod {
    pub from: String,
    pub until: String,
    /// Why, for the team and the owner ("parental leave"); never shown to visitors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An away period as instants (Unix milliseconds): away from `from_ms` until `until_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Absence {
    pub from_ms: i64,
    pub until_ms: i64,
    pub note: Option<String>,
}

/// Why an end of an away period cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid away time `{0}`, expected an RFC 3339 time or a date (YYYY-MM-DD)")]
pub struct AwayTimeError(pub String);

/// `text` as an instant: an RFC 3339 time, or the start of the date in `tz` (the start of
/// the next day with `end_of_day`, so a date as `until` counts whole).
pub fn parse_time(text: &str, tz: &TimeZone, end_of_day: bool) -> Result<i64, AwayTimeError> {
    let err = || AwayTimeError(text.to_owned());
    if let Ok(t) = text.trim().parse::<Timestamp>() {
        return Ok(t.as_millisecond());
    }
    let date: Date = text.trim().parse().map_err(|_| err())?;
    let date = if end_of_day {
        date.tomorrow().map_err(|_| err())?
    } else {
        date
    };
    tz.to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .map(|t| t.as_millisecond())
        .map_err(|_| err())
}

impl AwayPeriod {
    /// The period as instants in `poc`'s time zone.
    pub fn absence(&self, poc: &Poc) -> Result<Absence, AwayTimeError> {
        let tz = poc.calendar.time_zone();
        Ok(Absence {
            from_ms: parse_time(&self.from, tz, false)?,
            until_ms: parse_time(&self.until, tz, true)?,
            note: self.note.clone(),
        })
    }
}

/// When `poc` is away at `now_ms`: the end of the absence it is in (the latest, when
/// several overlap or follow on without a gap), with its note.
pub fn away_at(poc: &Poc, now_ms: i64) -> Option<Absence> {
    let absences: Vec<Absence> = poc
        .away
        .iter()
        .filter_map(|p| p.absence(poc).ok())
        .collect();
    let mut current: Option<Absence> = None;
    let mut at = now_ms;
    // Follow absences that start before the current one ends.
    loop {
        let next = absences
            .iter()
            .filter(|a| a.from_ms <= at && at < a.until_ms)
            .max_by_key(|a| a.until_ms)?
            .clone();
        if current
            .as_ref()
            .is_some_and(|c| c.until_ms >= next.until_ms)
        {
            return current;
        }
        at = next.until_ms;
        let note = current.and_then(|c| c.note).or(next.note.clone());
        current = Some(Absence { note, ..next });
        if absences
            .iter()
            .all(|a| !(a.from_ms <= at && at < a.until_ms))
        {
            return current;
        }
    }
}

/// Who takes an inquiry routed to `routed` at `now_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taker {
    /// The POC that takes it: `routed`, or the first of its backups who is present.
    pub poc: String,
    /// When its reply clock starts: now, or the routed POC's return when its whole backup
    /// chain is away.
    pub clock_from_ms: i64,
    /// Why it is not simply `routed`, in words for the explanation; `None` when it is.
    pub because: Option<String>,
}

/// The first POC from `routed` down its backup chain who is not away at `now_ms`. When
/// every one is away the inquiry stays with `routed`, its clock starting at its return.
pub fn taker(config: &SiteConfig, routed: &str, now_ms: i64) -> Taker {
    let stay = Taker {
        poc: routed.to_owned(),
        clock_from_ms: now_ms,
        because: None,
    };
    let Some(first) = config.poc(routed) else {
        return stay;
    };
    let Some(away) = away_at(first, now_ms) else {
        return stay;
    };
    let until = instant_text(away.until_ms);
    let mut seen = vec![routed];
    let mut cur = first;
    while let Some(next) = cur.backup.as_deref().and_then(|b| config.poc(b)) {
        if seen.contains(&next.id.as_str()) {
            break;
        }
        seen.push(&next.id);
        if away_at(next, now_ms).is_none() {
            return Taker {
                poc: next.id.clone(),
                clock_from_ms: now_ms,
                because: Some(format!(
                    "`{routed}` is away until {until}; routed to `{}`, the first of its backups who is not",
                    next.id
                )),
            };
        }
        cur = next;
    }
    Taker {
        poc: routed.to_owned(),
        clock_from_ms: away.until_ms.max(now_ms),
        because: Some(format!(
            "`{routed}` is away until {until} and so is every backup; it stays with `{routed}`, counted from its return"
        )),
    }
}

/// An instant as the explanation writes it (UTC, to the minute).
fn instant_text(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_millisecond()
    }

    fn demo() -> SiteConfig {
        crate::config::demo_config()
    }

    fn away(c: &mut SiteConfig, poc: &str, from: &str, until: &str) {
        let p = c.pocs.iter_mut().find(|p| p.id == poc).unwrap();
        p.away.push(AwayPeriod {
            from: from.into(),
            until: until.into(),
            note: Some("leave".into()),
        });
    }

    #[test]
    fn dates_are_whole_days_in_the_poc_zone() {
        let london = TimeZone::get("Europe/London").unwrap();
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        assert_eq!(
            parse_time("2026-12-10", &london, false).unwrap(),
            ms("2026-12-10T00:00:00Z")
        );
        assert_eq!(
            parse_time("2026-12-10", &tokyo, true).unwrap(),
            ms("2026-12-10T15:00:00Z")
        );
        assert_eq!(
            parse_time("2026-12-10T08:30:00+01:00", &tokyo, true).unwrap(),
            ms("2026-12-10T07:30:00Z")
        );
        assert!(parse_time("next week", &tokyo, false).is_err());
    }

    #[test]
    fn an_away_poc_passes_to_the_first_present_backup() {
        let mut c = demo();
        let billing = c.poc("billing").unwrap().clone();
        let backup = billing
            .backup
            .clone()
            .expect("the demo's billing has a backup");
        let now = ms("2026-12-08T10:00:00Z");
        assert_eq!(taker(&c, "billing", now).poc, "billing");
        away(&mut c, "billing", "2026-12-01", "2026-12-09");
        let t = taker(&c, "billing", now);
        assert_eq!(t.poc, backup);
        assert_eq!(t.clock_from_ms, now);
        assert!(
            t.because
                .unwrap()
                .contains("away until 2026-12-10 00:00 UTC")
        );
        // Back by itself once the period ends.
        assert_eq!(
            taker(&c, "billing", ms("2026-12-10T00:00:00Z")).poc,
            "billing"
        );
        // The whole chain away: it stays, counted from billing's return.
        let mut chain = vec![backup.clone()];
        while let Some(next) = c.poc(chain.last().unwrap()).and_then(|p| p.backup.clone()) {
            if chain.contains(&next) || next == "billing" {
                break;
            }
            chain.push(next);
        }
        for p in &chain {
            away(&mut c, p, "2026-12-01", "2026-12-31");
        }
        let t = taker(&c, "billing", now);
        assert_eq!(t.poc, "billing");
        assert_eq!(t.clock_from_ms, ms("2026-12-10T00:00:00Z"));
    }

    #[test]
    fn back_to_back_absences_join() {
        let mut c = demo();
        away(&mut c, "billing", "2026-12-01", "2026-12-05");
        away(&mut c, "billing", "2026-12-06", "2026-12-09");
        let poc = c.poc("billing").unwrap();
        assert_eq!(
            away_at(poc, ms("2026-12-03T10:00:00Z")).unwrap().until_ms,
            ms("2026-12-10T00:00:00Z")
        );
        assert!(away_at(poc, ms("2026-11-30T10:00:00Z")).is_none());
    }
}
