//! Opening hours, holidays and response-time targets of a point of contact, and the
//! deadline math: adding a target to an instant across closures, DST changes and holidays.
//!
//! Business time is real elapsed time while the POC is open: a 01:00-05:00 shift on the
//! night clocks spring forward holds three hours, not four.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

pub use crate::promise::expected_response;

/// How far ahead a deadline search looks before giving up (a calendar open so rarely
/// that a target does not fit in this many days is refused by the config check).
pub const MAX_SEARCH_DAYS: i32 = 3 * 366;

/// A calendar as the site owner writes it in the config file.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// IANA time zone name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub always_open: bool,
    /// Weekday (`mon` .. `sun`) to opening intervals such as `"09:00-17:00"`.
    /// An interval whose end is not after its start runs overnight into the next day.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hours: BTreeMap<String, Vec<String>>,
    /// `"2026-12-24"` for one date, `"12-25"` for the same day every year. Intervals that
    /// start on a holiday do not open.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<String>,
}

/// Why a calendar cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("unknown time zone `{0}`")]
    UnknownTimeZone(String),
    #[error("unknown weekday `{0}`, expected mon, tue, wed, thu, fri, sat or sun")]
    UnknownWeekday(String),
    #[error("invalid opening interval `{0}`, expected HH:MM-HH:MM")]
    InvalidInterval(String),
    #[error(
        "invalid holiday `{0}`, expected YYYY-MM-DD, MM-DD, or a range such as 2026-12-24..2027-01-02 or 12-24..01-02"
    )]
    InvalidHoliday(String),
    #[error("calendar has no opening hours and is not always open")]
    NeverOpen,
}

/// One opening interval in minutes after local midnight; `end <= start` runs overnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: u16,
    pub end: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holiday {
    Date(Date),
    Yearly {
        month: i8,
        day: i8,
    },
    /// Every date from `from` to `to`, both included.
    Dates {
        from: Date,
        to: Date,
    },
    /// Every year from one month and day to another, both included; `12-24..01-02` runs
    /// over New Year.
    YearlyRange {
        from: (i8, i8),
        to: (i8, i8),
    },
}

/// A checked calendar, ready for deadline math.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CalendarSpec", into = "CalendarSpec")]
pub struct Calendar {
    spec: CalendarSpec,
    tz: TimeZone,
    /// Index 0 is Monday.
    weekly: [Vec<Interval>; 7],
    holidays: Vec<Holiday>,
}

impl From<Calendar> for CalendarSpec {
    fn from(c: Calendar) -> Self {
        c.spec
    }
}

impl TryFrom<CalendarSpec> for Calendar {
    type Error = CalendarError;

    fn try_from(spec: CalendarSpec) -> Result<Self, Self::Error> {
        let tz = TimeZone::get(&spec.time_zone)
            .map_err(|_| CalendarError::UnknownTimeZone(spec.time_zone.clone()))?;
        let mut weekly: [Vec<Interval>; 7] = Default::default();
        for (day, intervals) in &spec.hours {
            let idx =
                weekday_index(day).ok_or_else(|| CalendarError::UnknownWeekday(day.clone()))?;
            for text in intervals {
                weekly[idx].push(
                    parse_interval(text)
                        .ok_or_else(|| CalendarError::InvalidInterval(text.clone()))?,
                );
            }
            weekly[idx].sort_by_key(|i| i.start);
        }
        let holidays = spec
            .holidays
            .iter()
            .map(|h| parse_holiday(h).ok_or_else(|| CalendarError::InvalidHoliday(h.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        if !spec.always_open && weekly.iter().all(Vec::is_empty) {
            return Err(CalendarError::NeverOpen);
        }
        Ok(Calendar {
            spec,
            tz,
            weekly,
            holidays,
        })
    }
}

fn weekday_index(day: &str) -> Option<usize> {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .position(|d| d.eq_ignore_ascii_case(day))
}

fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

fn parse_interval(s: &str) -> Option<Interval> {
    let (a, b) = s.split_once('-')?;
    let (start, end) = (parse_hhmm(a)?, parse_hhmm(b)?);
    if start >= 24 * 60 || start == end {
        return None;
    }
    Some(Interval { start, end })
}

fn parse_holiday(s: &str) -> Option<Holiday> {
    if let Some((a, b)) = s.split_once("..") {
        return match (parse_holiday(a)?, parse_holiday(b)?) {
            (Holiday::Date(from), Holiday::Date(to)) if from <= to => {
                Some(Holiday::Dates { from, to })
            }
            (Holiday::Yearly { month: m1, day: d1 }, Holiday::Yearly { month: m2, day: d2 }) => {
                Some(Holiday::YearlyRange {
                    from: (m1, d1),
                    to: (m2, d2),
                })
            }
            _ => None,
        };
    }
    let parts: Vec<&str> = s.trim().split('-').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
            .ok()
            .map(Holiday::Date),
        [m, d] => {
            let (month, day): (i8, i8) = (m.parse().ok()?, d.parse().ok()?);
            // 2024 is a leap year, so 02-29 is accepted as a yearly date.
            Date::new(2024, month, day)
                .ok()
                .map(|_| Holiday::Yearly { month, day })
        }
        _ => None,
    }
}

fn weekday_of(date: Date) -> usize {
    (date.weekday().to_monday_one_offset() - 1) as usize
}

/// A response-time target: an amount of time on one of two clocks.
#[derive(schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Target {
    pub minutes: u32,
    pub clock: Clock,
}

#[derive(schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Clock {
    /// Counted only while the POC is open.
    Business,
    /// Counted around the clock.
    Calendar,
    /// Counted in open days (`"2d"`): the same local time on the N-th following day the
    /// POC opens at all, the clock starting at the next opening when it is closed.
    #[serde(rename = "business_days")]
    BusinessDays,
}

/// Why a target string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid target `{0}`, expected e.g. \"4h\", \"30m\", \"8h calendar\", \"2d\" (open days) or \"2d calendar\""
)]
pub struct TargetError(pub String);

impl TryFrom<String> for Target {
    type Error = TargetError;

    /// `"4h"`, `"90m"`, `"8h business"`, `"36h calendar"`, `"2d"` (open days, see
    /// [`Clock::BusinessDays`]), `"2d calendar"`.
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let err = || TargetError(s.clone());
        let mut words = s.split_whitespace();
        let amount = words.next().ok_or_else(err)?;
        let clock_word = words.next();
        if words.next().is_some() {
            return Err(err());
        }
        let split = amount.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
        let (n, unit) = amount.split_at(split);
        let n: u32 = n.parse().map_err(|_| err())?;
        let (minutes, default_clock) = match unit {
            "m" | "min" => (Some(n), Clock::Business),
            "h" => (n.checked_mul(60), Clock::Business),
            "d" => (n.checked_mul(24 * 60), Clock::BusinessDays),
            _ => return Err(err()),
        };
        let clock = match clock_word {
            None => default_clock,
            Some("business") => default_clock,
            Some("calendar") => Clock::Calendar,
            Some(_) => return Err(err()),
        };
        match minutes {
            Some(minutes) if minutes > 0 && minutes <= 366 * 24 * 60 => {
                Ok(Target { minutes, clock })
            }
            _ => Err(err()),
        }
    }
}

impl From<Target> for String {
    fn from(t: Target) -> String {
        t.to_string()
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let clock = match self.clock {
            Clock::Business => "business",
            Clock::Calendar => "calendar",
            Clock::BusinessDays => return write!(f, "{}d", self.minutes / (24 * 60)),
        };
        if self.minutes.is_multiple_of(60) {
            write!(f, "{}h {clock}", self.minutes / 60)
        } else {
            write!(f, "{}m {clock}", self.minutes)
        }
    }
}

impl Calendar {
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    pub fn time_zone_name(&self) -> &str {
        &self.spec.time_zone
    }

    pub fn spec(&self) -> &CalendarSpec {
        &self.spec
    }

    fn is_holiday(&self, date: Date) -> bool {
        let md = (date.month(), date.day());
        self.holidays.iter().any(|h| match *h {
            Holiday::Date(d) => d == date,
            Holiday::Yearly { month, day } => md == (month, day),
            Holiday::Dates { from, to } => from <= date && date <= to,
            Holiday::YearlyRange { from, to } if from <= to => from <= md && md <= to,
            // Over New Year: from the first date to December's end, and January on.
            Holiday::YearlyRange { from, to } => md >= from || md <= to,
        })
    }

    /// Opening windows (as instants) of intervals that start on `date`, in start order.
    fn windows_on(&self, date: Date) -> Vec<(Timestamp, Timestamp)> {
        if self.is_holiday(date) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for iv in &self.weekly[weekday_of(date)] {
            let start = self.instant(date, iv.start);
            let end = if iv.end > iv.start {
                self.instant(date, iv.end)
            } else {
                date.tomorrow().ok().and_then(|d| self.instant(d, iv.end))
            };
            if let (Some(s), Some(e)) = (start, end)
                && e > s
            {
                out.push((s, e));
            }
        }
        out
    }

    /// The instant of a local wall-clock minute; times skipped by a DST gap move forward.
    fn instant(&self, date: Date, minute: u16) -> Option<Timestamp> {
        let (date, minute) = if minute >= 24 * 60 {
            (date.tomorrow().ok()?, minute - 24 * 60)
        } else {
            (date, minute)
        };
        let dt = date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0);
        self.tz.to_timestamp(dt).ok()
    }

    /// Open windows that end after `from`, in order, clipped so none overlaps another.
    fn open_windows(&self, from: Timestamp) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        // Start a day early: an overnight interval from yesterday may still be open.
        let first = from
            .to_zoned_datetime(self.tz.clone())
            .date()
            .yesterday()
            .ok();
        let mut day = first;
        let mut cursor = from;
        let mut pending: std::vec::IntoIter<(Timestamp, Timestamp)> = Vec::new().into_iter();
        let mut days = 0;
        std::iter::from_fn(move || {
            loop {
                for (s, e) in pending.by_ref() {
                    if e > cursor {
                        let s = s.max(cursor);
                        cursor = e;
                        return Some((s, e));
                    }
                }
                if days > MAX_SEARCH_DAYS {
                    return None;
                }
                // Two days at a time keeps an overnight window sorted with the next morning's.
                let d = day?;
                let next = d.tomorrow().ok();
                let mut batch = self.windows_on(d);
                if let Some(n) = next {
                    batch.extend(self.windows_on(n));
                }
                batch.sort();
                day = next.and_then(|n| n.tomorrow().ok());
                days += 2;
                pending = batch.into_iter();
            }
        })
    }

    /// Whether the POC is open at `at`.
    pub fn is_open(&self, at: Timestamp) -> bool {
        if self.spec.always_open {
            return true;
        }
        self.open_windows(at).next().is_some_and(|(s, _)| s <= at)
    }

    /// When the opening that contains `at` closes; `None` when closed at `at`.
    pub fn open_until(&self, at: Timestamp) -> Option<Timestamp> {
        if self.spec.always_open {
            return Some(Timestamp::MAX);
        }
        self.open_windows(at)
            .next()
            .filter(|(s, _)| *s <= at)
            .map(|(_, e)| e)
    }

    /// The instant `target` after `from`; `None` only if the calendar never opens again.
    pub fn deadline(&self, from: Timestamp, target: Target) -> Option<Timestamp> {
        let total = SignedDuration::from_mins(i64::from(target.minutes));
        if target.clock == Clock::Calendar || self.spec.always_open {
            return from.checked_add(total).ok();
        }
        if target.clock == Clock::BusinessDays {
            return self.open_days_later(from, target.minutes / (24 * 60));
        }
        let mut remaining = total;
        for (s, e) in self.open_windows(from) {
            let available = e.duration_since(s);
            if remaining <= available {
                return s.checked_add(remaining).ok();
            }
            remaining -= available;
        }
        None
    }

    /// `days` open days after `from`: the clock starts at `from`, or at the next opening
    /// when closed; the deadline is the same local time on the `days`-th following date
    /// with any opening, kept inside that day's opening hours (its first opening when the
    /// time is earlier, its last closing when later).
    fn open_days_later(&self, from: Timestamp, days: u32) -> Option<Timestamp> {
        let start = self.next_open(from)?.to_zoned_datetime(self.tz.clone());
        let mut date = start.date();
        let mut left = days;
        let mut searched = 0;
        let windows = loop {
            date = date.tomorrow().ok()?;
            searched += 1;
            if searched > MAX_SEARCH_DAYS {
                return None;
            }
            let windows = self.windows_on(date);
            if !windows.is_empty() {
                left -= 1;
                if left == 0 {
                    break windows;
                }
            }
        };
        let at = self.tz.to_timestamp(date.to_datetime(start.time())).ok()?;
        let first = windows.iter().map(|w| w.0).min()?;
        let last = windows.iter().map(|w| w.1).max()?;
        Some(at.clamp(first, last))
    }

    /// Business time between `from` and `to`: how long the POC was open in between (all of
    /// it for a POC that never closes); zero when `to` is not after `from`.
    pub fn business_between(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        if to <= from {
            return SignedDuration::ZERO;
        }
        if self.spec.always_open {
            return to.duration_since(from);
        }
        let mut total = SignedDuration::ZERO;
        for (s, e) in self.open_windows(from) {
            if s >= to {
                break;
            }
            total += e.min(to).duration_since(s);
        }
        total
    }

    /// The next instant the POC opens at or after `from` (itself when open).
    pub fn next_open(&self, from: Timestamp) -> Option<Timestamp> {
        if self.spec.always_open {
            return Some(from);
        }
        self.open_windows(from).next().map(|(s, _)| s)
    }
}

/// Index 0 is Monday; used by sentence formatting in other modules.
pub fn weekday_number(w: Weekday) -> usize {
    (w.to_monday_one_offset() - 1) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(tz: &str, hours: &[(&str, &[&str])], holidays: &[&str]) -> Calendar {
        Calendar::try_from(CalendarSpec {
            time_zone: tz.into(),
            always_open: false,
            hours: hours
                .iter()
                .map(|(d, iv)| ((*d).into(), iv.iter().map(|s| (*s).into()).collect()))
                .collect(),
            holidays: holidays.iter().map(|s| (*s).into()).collect(),
        })
        .unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn target(s: &str) -> Target {
        Target::try_from(s.to_owned()).unwrap()
    }

    const WEEKDAYS_9_17: &[(&str, &[&str])] = &[
        ("mon", &["09:00-17:00"]),
        ("tue", &["09:00-17:00"]),
        ("wed", &["09:00-17:00"]),
        ("thu", &["09:00-17:00"]),
        ("fri", &["09:00-17:00"]),
    ];

    #[test]
    fn targets_parse() {
        assert_eq!(
            target("4h"),
            Target {
                minutes: 240,
                clock: Clock::Business
            }
        );
        assert_eq!(
            target("90m calendar"),
            Target {
                minutes: 90,
                clock: Clock::Calendar
            }
        );
        // Days are open days unless they say "calendar".
        for (text, clock) in [
            ("2d", Clock::BusinessDays),
            ("2d business", Clock::BusinessDays),
            ("2d calendar", Clock::Calendar),
        ] {
            assert_eq!(
                target(text),
                Target {
                    minutes: 2880,
                    clock
                }
            );
        }
        assert_eq!(target("2d").to_string(), "2d");
        assert_eq!(target("2d calendar").to_string(), "48h calendar");
        for bad in ["", "4", "h", "4x", "2d soon", "4h soon", "0h", "-3h"] {
            assert!(Target::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }

    #[test]
    fn calendars_refuse_bad_input() {
        let spec = |tz: &str, day: &str, iv: &str, hol: &str| CalendarSpec {
            time_zone: tz.into(),
            always_open: false,
            hours: BTreeMap::from([(day.into(), vec![iv.into()])]),
            holidays: vec![hol.into()],
        };
        let err = |s| Calendar::try_from(s).unwrap_err();
        assert_eq!(
            err(spec("Mars/Base", "mon", "09:00-17:00", "12-25")),
            CalendarError::UnknownTimeZone("Mars/Base".into())
        );
        assert_eq!(
            err(spec("UTC", "monday", "09:00-17:00", "12-25")),
            CalendarError::UnknownWeekday("monday".into())
        );
        assert_eq!(
            err(spec("UTC", "mon", "9-17", "12-25")),
            CalendarError::InvalidInterval("9-17".into())
        );
        assert_eq!(
            err(spec("UTC", "mon", "09:00-09:00", "12-25")),
            CalendarError::InvalidInterval("09:00-09:00".into())
        );
        assert_eq!(
            err(spec("UTC", "mon", "09:00-17:00", "13-01")),
            CalendarError::InvalidHoliday("13-01".into())
        );
        // A range ends after it starts, and both ends are of one kind.
        for bad in [
            "2027-01-02..2026-12-24",
            "2026-12-24..01-02",
            "12-24..",
            "..01-02",
        ] {
            assert_eq!(
                err(spec("UTC", "mon", "09:00-17:00", bad)),
                CalendarError::InvalidHoliday(bad.into()),
                "{bad}"
            );
        }
    }

    #[test]
    fn holiday_ranges_close_every_date_they_hold() {
        let every_day: Vec<(&str, &[&str])> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .map(|d| (*d, &["09:00-17:00"][..]))
            .collect();
        let dated = cal("Europe/Berlin", &every_day, &["2026-12-24..2027-01-02"]);
        let yearly = cal("Europe/Berlin", &every_day, &["12-24..01-02"]);
        let inside = [
            "2026-12-24T10:00:00Z",
            "2026-12-31T10:00:00Z",
            "2027-01-02T10:00:00Z",
        ];
        let outside = ["2026-12-23T10:00:00Z", "2027-01-03T10:00:00Z"];
        for c in [&dated, &yearly] {
            for t in inside {
                assert!(!c.is_open(ts(t)), "{t}");
            }
            for t in outside {
                assert!(c.is_open(ts(t)), "{t}");
            }
        }
        // The dated range is one year's; the yearly one comes back.
        assert!(dated.is_open(ts("2027-12-28T10:00:00Z")));
        assert!(!yearly.is_open(ts("2027-12-28T10:00:00Z")));
        // Four business hours from Dec 23 15:00 Berlin: 2 that day, 2 on Jan 3 (a Sunday
        // here is open: the calendar opens every day).
        assert_eq!(
            dated.deadline(ts("2026-12-23T14:00:00Z"), target("4h")),
            Some(ts("2027-01-03T10:00:00Z"))
        );
    }

    #[test]
    fn business_hours_skip_the_night() {
        let c = cal("Europe/Berlin", WEEKDAYS_9_17, &[]);
        // Thu 2026-11-26 16:00 Berlin (15:00Z) + 4h -> Fri 12:00 Berlin (11:00Z).
        assert_eq!(
            c.deadline(ts("2026-11-26T15:00:00Z"), target("4h")),
            Some(ts("2026-11-27T11:00:00Z"))
        );
        // Friday 16:00 + 2h -> Monday 10:00.
        assert_eq!(
            c.deadline(ts("2026-11-27T15:00:00Z"), target("2h")),
            Some(ts("2026-11-30T09:00:00Z"))
        );
        // Closed at submission (Saturday): the clock starts Monday 09:00.
        assert_eq!(
            c.deadline(ts("2026-11-28T12:00:00Z"), target("1h")),
            Some(ts("2026-11-30T09:00:00Z"))
        );
        // Calendar clock ignores opening hours.
        assert_eq!(
            c.deadline(ts("2026-11-28T12:00:00Z"), target("1h calendar")),
            Some(ts("2026-11-28T13:00:00Z"))
        );
    }

    #[test]
    fn business_time_between_two_instants() {
        let c = cal("Europe/Berlin", WEEKDAYS_9_17, &[]);
        // Friday 16:00 Berlin to Monday 10:00: one hour Friday, one Monday.
        assert_eq!(
            c.business_between(ts("2026-11-27T15:00:00Z"), ts("2026-11-30T09:00:00Z")),
            SignedDuration::from_hours(2)
        );
        assert_eq!(
            c.business_between(ts("2026-11-30T09:00:00Z"), ts("2026-11-27T15:00:00Z")),
            SignedDuration::ZERO
        );
        // The inverse of the deadline: 4 business hours from Thursday 16:00.
        let from = ts("2026-11-26T15:00:00Z");
        let due = c.deadline(from, target("4h")).unwrap();
        assert_eq!(c.business_between(from, due), SignedDuration::from_hours(4));
    }

    #[test]
    fn open_now() {
        let c = cal("America/New_York", WEEKDAYS_9_17, &[]);
        assert!(c.is_open(ts("2026-11-26T15:00:00Z"))); // Thu 10:00 EST
        assert!(!c.is_open(ts("2026-11-26T23:00:00Z"))); // Thu 18:00 EST
        assert!(!c.is_open(ts("2026-11-28T15:00:00Z"))); // Saturday
    }
}
