//! The record of promises kept: per POC, priority or week, how many inquiries came in, how
//! many were acknowledged and how many within their deadline, the time to acknowledge
//! (median and 90th percentile, in business and calendar minutes), what is open past its
//! deadline, escalations sent and failed deliveries. Plain values in and out; the admin
//! endpoint (`admin::report`) reads the rows.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_shared::config::SiteConfig;

/// Most inquiries one report reads; a longer span is reported as incomplete.
pub const MAX_REPORT_ROWS: usize = 20_000;

/// One inquiry as the report reads it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReportRow {
    pub poc: String,
    pub priority: String,
    pub submitted_ms: i64,
    pub deadline_ms: i64,
    pub acknowledged_ms: Option<i64>,
    pub status: String,
    pub escalations: i64,
}

/// How the report groups inquiries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Poc,
    Priority,
    /// ISO week of submission, in UTC (`2026-W49`).
    Week,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<GroupBy> {
        match s {
            "poc" => Some(GroupBy::Poc),
            "priority" => Some(GroupBy::Priority),
            "week" => Some(GroupBy::Week),
            _ => None,
        }
    }

    fn key(self, row: &ReportRow) -> String {
        match self {
            GroupBy::Poc => row.poc.clone(),
            GroupBy::Priority => row.priority.clone(),
            GroupBy::Week => Timestamp::from_millisecond(row.submitted_ms)
                .map(|t| {
                    let w = t
                        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                        .date()
                        .iso_week_date();
                    format!("{}-W{:02}", w.year(), w.week())
                })
                .unwrap_or_default(),
        }
    }
}

/// A median and a 90th percentile, in minutes; `None` with nothing to measure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    pub median: Option<i64>,
    pub p90: Option<i64>,
}

/// One group's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub key: String,
    pub inquiries: usize,
    pub acknowledged: usize,
    /// Acknowledged by the deadline.
    pub within_target: usize,
    /// `within_target` of all inquiries whose deadline has passed or that were
    /// acknowledged, in percent (one decimal); `None` when there are none yet.
    pub within_target_pct: Option<f64>,
    /// Time to acknowledge while the POC was open.
    pub ack_business_minutes: Spread,
    /// Time to acknowledge around the clock.
    pub ack_calendar_minutes: Spread,
    /// Not acknowledged and past the deadline at the report's instant.
    pub open_past_deadline: usize,
    pub escalations: i64,
    pub failed_deliveries: usize,
}

/// Nearest-rank percentile `p` (0 to 100) of sorted `values`.
fn percentile(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

fn spread(mut minutes: Vec<i64>) -> Spread {
    minutes.sort_unstable();
    Spread {
        median: percentile(&minutes, 50),
        p90: percentile(&minutes, 90),
    }
}

/// The report of `rows` grouped `by`, as of `now_ms`, in key order. Business time counts
/// each inquiry's POC's opening hours (calendar time for a POC no longer configured).
pub fn report(config: &SiteConfig, rows: &[ReportRow], by: GroupBy, now_ms: i64) -> Vec<Group> {
    let mut keys: Vec<String> = rows.iter().map(|r| by.key(r)).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|key| {
            let members: Vec<&ReportRow> = rows.iter().filter(|r| by.key(r) == key).collect();
            let acked: Vec<(&ReportRow, i64)> = members
                .iter()
                .filter_map(|r| r.acknowledged_ms.map(|a| (*r, a)))
                .collect();
            let within_target = acked.iter().filter(|(r, at)| *at <= r.deadline_ms).count();
            let open_past_deadline = members
                .iter()
                .filter(|r| r.acknowledged_ms.is_none() && r.deadline_ms < now_ms)
                .count();
            let decided = acked.len() + open_past_deadline;
            let calendar: Vec<i64> = acked
                .iter()
                .map(|(r, at)| (at - r.submitted_ms).max(0) / 60_000)
                .collect();
            let business: Vec<i64> = acked
                .iter()
                .map(|(r, at)| business_minutes(config, r, *at))
                .collect();
            Group {
                key,
                inquiries: members.len(),
                acknowledged: acked.len(),
                within_target,
                within_target_pct: (decided > 0)
                    .then(|| (within_target as f64 * 1000.0 / decided as f64).round() / 10.0),
                ack_business_minutes: spread(business),
                ack_calendar_minutes: spread(calendar),
                open_past_deadline,
                escalations: members.iter().map(|r| r.escalations).sum(),
                failed_deliveries: members.iter().filter(|r| r.status == "failed").count(),
            }
        })
        .collect()
}

fn business_minutes(config: &SiteConfig, row: &ReportRow, acked_ms: i64) -> i64 {
    let (Ok(from), Ok(to)) = (
        Timestamp::from_millisecond(row.submitted_ms),
        Timestamp::from_millisecond(acked_ms),
    ) else {
        return 0;
    };
    match config.poc(&row.poc) {
        Some(poc) => poc.calendar.business_between(from, to).as_mins(),
        None => (acked_ms - row.submitted_ms).max(0) / 60_000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_shared::config::{ConfigOptions, parse_config_with};

    const MIN: i64 = 60_000;

    fn row(poc: &str, submitted: i64, deadline: i64, acked: Option<i64>) -> ReportRow {
        ReportRow {
            poc: poc.into(),
            priority: "normal".into(),
            submitted_ms: submitted,
            deadline_ms: deadline,
            acknowledged_ms: acked,
            status: "delivered".into(),
            escalations: 0,
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn figures_per_poc() {
        let c = parse_config_with(
            include_str!("../../demo/site.toml"),
            ConfigOptions {
                allow_loopback_http: true,
            },
        )
        .unwrap();
        // Calendar minutes are checked below; business minutes depend on the demo's hours.
        let t0 = 1_795_000_000_000;
        let rows = vec![
            row("support", t0, t0 + 60 * MIN, Some(t0 + 30 * MIN)),
            row("support", t0, t0 + 60 * MIN, Some(t0 + 90 * MIN)),
            row("support", t0, t0 + 60 * MIN, None),
            row("support", t0, t0 + 10_000 * MIN, None),
            ReportRow {
                status: "failed".into(),
                escalations: 2,
                ..row("billing", t0, t0 + 60 * MIN, None)
            },
        ];
        let now = t0 + 120 * MIN;
        let groups = report(&c, &rows, GroupBy::Poc, now);
        assert_eq!(groups.len(), 2);
        let billing = &groups[0];
        assert_eq!(
            (
                billing.key.as_str(),
                billing.inquiries,
                billing.escalations,
                billing.failed_deliveries
            ),
            ("billing", 1, 2, 1)
        );
        assert_eq!(billing.within_target_pct, Some(0.0));
        let support = &groups[1];
        assert_eq!(support.inquiries, 4);
        assert_eq!(support.acknowledged, 2);
        assert_eq!(support.within_target, 1);
        assert_eq!(support.open_past_deadline, 1);
        // 1 of 3 decided (two acknowledged, one late and open): 33.3 %.
        assert_eq!(support.within_target_pct, Some(33.3));
        assert_eq!(support.ack_calendar_minutes.median, Some(30));
        assert_eq!(support.ack_calendar_minutes.p90, Some(90));
        let by_week = report(&c, &rows, GroupBy::Week, now);
        assert_eq!(by_week.len(), 1);
        assert!(by_week[0].key.contains("-W"), "{}", by_week[0].key);
        assert_eq!(GroupBy::parse("team"), None);
    }
}
