//! Deadline table: DST transitions in New York, Berlin and Sydney, Kolkata's half-hour
//! offset, a holiday inside the window, an overnight shift, a closed-hours submission and a
//! target longer than a week, holiday ranges (dated and yearly), and open-day targets ("1d": weekends, holidays, a short
//! Friday, a DST gap). Every expected instant was worked out by hand and agrees with
//! the independent minute-by-minute simulation in `oracle/deadlines.py` (Python zoneinfo).

use jiff::Timestamp;
use switchboard_shared::calendar::{Calendar, CalendarSpec, Target};

fn cal(tz: &str, hours: &[(&str, &str)], holidays: &[&str]) -> Calendar {
    let mut map = std::collections::BTreeMap::<String, Vec<String>>::new();
    for (day, iv) in hours {
        map.entry((*day).into()).or_default().push((*iv).into());
    }
    Calendar::try_from(CalendarSpec {
        time_zone: tz.into(),
        always_open: false,
        hours: map,
        holidays: holidays.iter().map(|s| (*s).into()).collect(),
    })
    .unwrap()
}

const WEEKDAYS_9_17: &[(&str, &str)] = &[
    ("mon", "09:00-17:00"),
    ("tue", "09:00-17:00"),
    ("wed", "09:00-17:00"),
    ("thu", "09:00-17:00"),
    ("fri", "09:00-17:00"),
];

struct Case {
    what: &'static str,
    calendar: Calendar,
    submitted: &'static str,
    target: &'static str,
    deadline: &'static str,
}

#[test]
fn deadlines_match_the_table() {
    let kolkata: Vec<(&str, &str)> = ["mon", "tue", "wed", "thu", "fri", "sat"]
        .iter()
        .map(|d| (*d, "10:00-19:00"))
        .collect();
    let cases = vec![
        Case {
            what: "New York spring forward: the 01:00-05:00 shift holds 3 real hours",
            calendar: cal("America/New_York", &[("sun", "01:00-05:00")], &[]),
            submitted: "2026-03-07T17:00:00Z",
            target: "3h",
            deadline: "2026-03-08T09:00:00Z",
        },
        Case {
            what: "New York spring forward: a 4th hour spills into next Sunday (EDT)",
            calendar: cal("America/New_York", &[("sun", "01:00-05:00")], &[]),
            submitted: "2026-03-07T17:00:00Z",
            target: "4h",
            deadline: "2026-03-15T06:00:00Z",
        },
        Case {
            what: "New York fall back: the 00:00-04:00 shift holds 5 real hours",
            calendar: cal("America/New_York", &[("sun", "00:00-04:00")], &[]),
            submitted: "2026-10-31T20:00:00Z",
            target: "5h",
            deadline: "2026-11-01T09:00:00Z",
        },
        Case {
            what: "Berlin spring forward: 01:00 CET to 04:00 CEST is 2 hours",
            calendar: cal("Europe/Berlin", &[("sun", "01:00-04:00")], &[]),
            submitted: "2026-03-28T11:00:00Z",
            target: "2h",
            deadline: "2026-03-29T02:00:00Z",
        },
        Case {
            what: "Berlin fall back: 01:00 CEST to 04:00 CET is 4 hours",
            calendar: cal("Europe/Berlin", &[("sun", "01:00-04:00")], &[]),
            submitted: "2026-10-24T12:00:00Z",
            target: "4h",
            deadline: "2026-10-25T03:00:00Z",
        },
        Case {
            what: "Berlin spring forward on the calendar clock: 24 real hours",
            calendar: cal("Europe/Berlin", WEEKDAYS_9_17, &[]),
            submitted: "2026-03-28T11:00:00Z",
            target: "24h calendar",
            deadline: "2026-03-29T11:00:00Z",
        },
        Case {
            what: "Sydney DST ends over the weekend: Friday 16:00 AEDT + 2h -> Monday 10:00 AEST",
            calendar: cal("Australia/Sydney", WEEKDAYS_9_17, &[]),
            submitted: "2026-04-03T05:00:00Z",
            target: "2h",
            deadline: "2026-04-06T00:00:00Z",
        },
        Case {
            what: "Sydney spring forward: 01:00 AEST to 04:00 AEDT is 2 hours",
            calendar: cal("Australia/Sydney", &[("sun", "01:00-04:00")], &[]),
            submitted: "2026-10-02T12:00:00Z",
            target: "2h",
            deadline: "2026-10-03T17:00:00Z",
        },
        Case {
            what: "Kolkata (+05:30): Saturday 18:30 + 4h -> Monday 13:30",
            calendar: cal("Asia/Kolkata", &kolkata, &[]),
            submitted: "2026-11-28T13:00:00Z",
            target: "4h",
            deadline: "2026-11-30T08:00:00Z",
        },
        Case {
            what: "holidays inside the window (a fixed date and a yearly one)",
            calendar: cal("Europe/Berlin", WEEKDAYS_9_17, &["2026-12-24", "12-25"]),
            submitted: "2026-12-23T15:00:00Z",
            target: "4h",
            deadline: "2026-12-28T11:00:00Z",
        },
        Case {
            what: "overnight shift Friday 22:00-06:00, submitted inside it",
            calendar: cal("America/New_York", &[("fri", "22:00-06:00")], &[]),
            submitted: "2026-11-28T04:00:00Z",
            target: "8h",
            deadline: "2026-12-05T04:00:00Z",
        },
        Case {
            what: "submitted while closed (Saturday): the clock starts Monday 09:00",
            calendar: cal("Europe/Berlin", WEEKDAYS_9_17, &[]),
            submitted: "2026-11-28T12:00:00Z",
            target: "1h",
            deadline: "2026-11-30T09:00:00Z",
        },
        Case {
            what: "a target longer than a week: 100 business hours",
            calendar: cal("Europe/Berlin", WEEKDAYS_9_17, &[]),
            submitted: "2026-11-30T08:00:00Z",
            target: "100h",
            deadline: "2026-12-16T12:00:00Z",
        },
        Case {
            what: "a target longer than a week on the calendar clock",
            calendar: cal("Europe/Berlin", WEEKDAYS_9_17, &[]),
            submitted: "2026-11-30T08:00:00Z",
            target: "8d calendar",
            deadline: "2026-12-08T08:00:00Z",
        },
        Case {
            what: "a dated holiday range over New Year",
            calendar: cal("Europe/Berlin", WEEKDAYS_9_17, &["2026-12-24..2027-01-02"]),
            submitted: "2026-12-23T15:00:00Z",
            target: "4h",
            deadline: "2027-01-04T11:00:00Z",
        },
        Case {
            what: "a yearly holiday range over New Year",
            calendar: cal("Europe/Berlin", WEEKDAYS_9_17, &["12-24..01-01"]),
            submitted: "2026-12-23T15:00:00Z",
            target: "4h",
            deadline: "2027-01-04T11:00:00Z",
        },
        Case {
            what: "1 open day across a holiday range",
            calendar: cal("Europe/Berlin", WEEKDAYS_9_17, &["2026-12-24..2027-01-02"]),
            submitted: "2026-12-23T15:00:00Z",
            target: "1d",
            deadline: "2027-01-04T15:00:00Z",
        },
        Case {
            what: "8 open days: weekends do not count",
            calendar: cal("Europe/Berlin", WEEKDAYS_9_17, &[]),
            submitted: "2026-11-30T08:00:00Z",
            target: "8d",
            deadline: "2026-12-10T08:00:00Z",
        },
        Case {
            what: "1 open day from Friday 16:00 is Monday 16:00, not Saturday",
            calendar: cal("Europe/Berlin", WEEKDAYS_9_17, &[]),
            submitted: "2026-11-27T15:00:00Z",
            target: "1d",
            deadline: "2026-11-30T15:00:00Z",
        },
        Case {
            what: "1 open day from a closed Saturday: the clock starts Monday 09:00",
            calendar: cal("Europe/Berlin", WEEKDAYS_9_17, &[]),
            submitted: "2026-11-28T12:00:00Z",
            target: "1d",
            deadline: "2026-12-01T08:00:00Z",
        },
        Case {
            what: "1 open day across Christmas holidays and a weekend",
            calendar: cal("Europe/Berlin", WEEKDAYS_9_17, &["2026-12-24", "12-25"]),
            submitted: "2026-12-23T15:00:00Z",
            target: "1d",
            deadline: "2026-12-28T15:00:00Z",
        },
        Case {
            what: "1 open day landing after a short Friday's close: its last closing",
            calendar: cal(
                "Europe/Berlin",
                &[
                    ("mon", "09:00-17:00"),
                    ("tue", "09:00-17:00"),
                    ("wed", "09:00-17:00"),
                    ("thu", "09:00-17:00"),
                    ("fri", "09:00-13:00"),
                ],
                &[],
            ),
            submitted: "2026-12-03T15:00:00Z",
            target: "1d",
            deadline: "2026-12-04T12:00:00Z",
        },
        Case {
            what: "1 open day into Berlin's spring-forward gap: 02:30 becomes 03:30 CEST",
            calendar: cal(
                "Europe/Berlin",
                &[
                    ("mon", "01:00-05:00"),
                    ("tue", "01:00-05:00"),
                    ("wed", "01:00-05:00"),
                    ("thu", "01:00-05:00"),
                    ("fri", "01:00-05:00"),
                    ("sat", "01:00-05:00"),
                    ("sun", "01:00-05:00"),
                ],
                &[],
            ),
            submitted: "2026-03-28T01:30:00Z",
            target: "1d",
            deadline: "2026-03-29T01:30:00Z",
        },
    ];
    for c in cases {
        let submitted: Timestamp = c.submitted.parse().unwrap();
        let target = Target::try_from(c.target.to_owned()).unwrap();
        let got = c
            .calendar
            .deadline(submitted, target)
            .map(|t| t.to_string());
        assert_eq!(got.as_deref(), Some(c.deadline), "{}", c.what);
    }
}
