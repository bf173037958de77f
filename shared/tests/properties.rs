//! Property tests (10,000 cases each): the parse function never panics, normalization is
//! idempotent, accepted values respect their limits, inquiries survive serde, and
//! deadlines behave (never in a closed period, monotonic, same day when there is time).

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use std::collections::BTreeMap;
use switchboard_shared::calendar::{Calendar, CalendarSpec, Clock, Target};
use switchboard_shared::form::{ChoiceOption, FieldKind, FieldSpec, FormSpec};
use switchboard_shared::inquiry::{Draft, Inquiry, RawValue, Value, parse_inquiry};
use switchboard_shared::locale::Localized;
use switchboard_shared::text::{self, Lines, char_count};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 10_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A form with one field of every kind and some limits.
fn form() -> FormSpec {
    let f = |id: &str, kind, required, min_len, max_len, options: &[&str]| FieldSpec {
        id: id.into(),
        kind,
        label: Localized::en(id),
        required,
        min_len,
        max_len,
        help: Localized::default(),
        placeholder: Localized::default(),
        options: options
            .iter()
            .map(|o| ChoiceOption {
                value: (*o).into(),
                label: Localized::en(o),
            })
            .collect(),
        topic: id == "topic",
    };
    FormSpec {
        fields: vec![
            f("name", FieldKind::Text, true, Some(2), Some(20), &[]),
            f("email", FieldKind::Email, true, None, None, &[]),
            f(
                "topic",
                FieldKind::Choice,
                true,
                None,
                None,
                &["sales", "support"],
            ),
            f(
                "interests",
                FieldKind::MultiChoice,
                false,
                None,
                Some(2),
                &["a", "b", "c"],
            ),
            f("consent", FieldKind::Checkbox, false, None, None, &[]),
            f("phone", FieldKind::Phone, false, None, None, &[]),
            f("site", FieldKind::Url, false, None, None, &[]),
            f(
                "message",
                FieldKind::LongText,
                true,
                Some(5),
                Some(300),
                &[],
            ),
        ],
        honeypot: "website".into(),
    }
}

/// Text that is often tricky: controls, bidi overrides, combining marks, emoji, CR/LF.
fn tricky_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        "[a-zA-Z0-9 .@+_-]{0,12}",
        Just("e\u{301}".to_owned()),
        Just("\u{202E}".to_owned()),
        Just("\r\n".to_owned()),
        Just("\t".to_owned()),
        Just("\u{0}".to_owned()),
        Just("\u{85}".to_owned()),
        Just("👍🏽".to_owned()),
        Just("ß".to_owned()),
        Just("Ａ".to_owned()),
        Just("@".to_owned()),
        Just("http://".to_owned()),
        Just("+49 ".to_owned()),
        ".{0,4}",
    ];
    prop::collection::vec(pieces, 0..8).prop_map(|v| v.concat())
}

fn raw_value() -> impl Strategy<Value = RawValue> {
    prop_oneof![
        6 => tricky_text().prop_map(RawValue::Text),
        1 => any::<bool>().prop_map(RawValue::Bool),
        1 => prop::collection::vec(prop_oneof![Just("a".to_owned()), Just("b".to_owned()), tricky_text()], 0..4).prop_map(RawValue::List),
    ]
}

fn draft() -> impl Strategy<Value = Draft> {
    let keys = prop_oneof![
        Just("name"),
        Just("email"),
        Just("topic"),
        Just("interests"),
        Just("consent"),
        Just("phone"),
        Just("site"),
        Just("message"),
        Just("website"),
        Just("other"),
    ];
    prop::collection::btree_map(keys.prop_map(str::to_owned), raw_value(), 0..10)
        .prop_map(Draft::from_iter)
}

/// Drafts that are mostly valid, so the "accepted" properties see many accepted inquiries.
fn plausible_draft() -> impl Strategy<Value = Draft> {
    (
        "[A-Za-zé ]{2,25}",
        "[a-z0-9.]{1,70}@[a-z0-9-]{1,20}\\.(com|de|xn--p1ai)",
        prop_oneof![Just("sales"), Just("support"), Just("golf")],
        "(\\+|00)?[0-9 ()-]{4,20}",
        prop_oneof![
            Just("https://example.com/x".to_owned()),
            "[a-z]{1,5}://[a-z.]{0,10}"
        ],
        "[A-Za-z0-9 \n\t.,!éü]{0,320}",
        prop::collection::vec(prop_oneof![Just("a"), Just("b"), Just("c")], 0..4),
    )
        .prop_map(|(name, email, topic, phone, site, message, interests)| {
            let t = |s: &str| RawValue::Text(s.to_owned());
            Draft::from_iter([
                ("name".to_owned(), t(&name)),
                ("email".to_owned(), t(&email)),
                ("topic".to_owned(), t(topic)),
                ("phone".to_owned(), t(&phone)),
                ("site".to_owned(), t(&site)),
                ("message".to_owned(), t(&message)),
                (
                    "interests".to_owned(),
                    RawValue::List(interests.into_iter().map(str::to_owned).collect()),
                ),
                ("consent".to_owned(), RawValue::Bool(true)),
            ])
        })
}

fn assert_within_limits(spec: &FormSpec, inq: &Inquiry) {
    for (id, value) in &inq.fields {
        let field = spec.field(id).expect("only form fields are accepted");
        match value {
            Value::Text(s) => {
                let n = char_count(s);
                assert!(n <= field.effective_max_len(), "{id}: {n} > max");
                assert!(n >= field.min_len.unwrap_or(0), "{id}: {n} < min");
                assert_eq!(s.trim(), s, "{id} is trimmed");
                let lines = if field.kind == FieldKind::LongText {
                    Lines::Multi
                } else {
                    Lines::Single
                };
                assert_eq!(
                    text::normalize(s, lines).as_deref(),
                    Ok(s.as_str()),
                    "{id} is normalized"
                );
                if field.kind == FieldKind::Email {
                    let (local, _) = s.rsplit_once('@').unwrap();
                    assert!(s.len() <= 254 && local.len() <= 64, "{s}");
                    assert!(!s.contains(['\r', '\n']));
                }
                if field.kind == FieldKind::Choice {
                    assert!(field.option(s).is_some());
                }
            }
            Value::List(items) => {
                assert!(items.len() <= field.max_len.unwrap_or(usize::MAX));
                assert!(items.iter().all(|i| field.option(i).is_some()));
            }
            Value::Bool(_) => assert_eq!(field.kind, FieldKind::Checkbox),
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parsing_never_panics(d in draft()) {
        let _ = parse_inquiry(&form(), &d);
    }

    #[test]
    fn normalization_is_idempotent(s in tricky_text(), multi in any::<bool>()) {
        let lines = if multi { Lines::Multi } else { Lines::Single };
        if let Ok(once) = text::normalize(&s, lines) {
            prop_assert_eq!(text::normalize(&once, lines), Ok(once.clone()));
        }
    }

    #[test]
    fn accepted_values_respect_their_limits(d in prop_oneof![draft(), plausible_draft()]) {
        let spec = form();
        if let Ok(inq) = parse_inquiry(&spec, &d) {
            assert_within_limits(&spec, &inq);
            // Parsing what was accepted accepts it unchanged.
            let again: Draft = inq.fields.iter().map(|(k, v)| (k.clone(), match v {
                Value::Text(s) => RawValue::Text(s.clone()),
                Value::List(l) => RawValue::List(l.clone()),
                Value::Bool(b) => RawValue::Bool(*b),
            })).collect();
            prop_assert_eq!(parse_inquiry(&spec, &again), Ok(inq));
        }
    }

    #[test]
    fn inquiries_survive_a_serde_round_trip(d in plausible_draft()) {
        if let Ok(inq) = parse_inquiry(&form(), &d) {
            let json = serde_json::to_string(&inq).unwrap();
            prop_assert_eq!(serde_json::from_str::<Inquiry>(&json).unwrap(), inq);
        }
    }
}

const ZONES: &[&str] = &[
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Kolkata",
    "UTC",
    "Pacific/Chatham",
    "America/St_Johns",
];

fn minute_of_day() -> impl Strategy<Value = u16> {
    (0u16..96).prop_map(|q| q * 15)
}

fn hhmm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// Random calendars: 1-7 open days, 1-2 intervals each (overnight only when allowed).
fn calendar(overnight: bool) -> impl Strategy<Value = Calendar> {
    let interval =
        (minute_of_day(), 1u16..(if overnight { 96 } else { 95 })).prop_map(move |(start, len)| {
            let end = if overnight {
                (start + len * 15) % 1440
            } else {
                (start + len * 15).min(1440)
            };
            (
                start,
                if end == start {
                    (start + 15) % 1440
                } else {
                    end
                },
            )
        });
    (
        prop::sample::select(ZONES),
        prop::collection::btree_map(0usize..7, prop::collection::vec(interval, 1..3), 1..8),
        prop::collection::vec((1i8..13, 1i8..29), 0..4),
    )
        .prop_filter_map("valid calendar", move |(tz, days, holidays)| {
            let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
            let hours = days
                .into_iter()
                .map(|(d, ivs)| {
                    let ivs = ivs
                        .into_iter()
                        .filter(|(s, e)| overnight || e > s)
                        .map(|(s, e)| {
                            format!(
                                "{}-{}",
                                hhmm(s),
                                if e == 1440 { "24:00".into() } else { hhmm(e) }
                            )
                        })
                        .collect::<Vec<_>>();
                    (names[d].to_owned(), ivs)
                })
                .filter(|(_, v)| !v.is_empty())
                .collect::<BTreeMap<_, _>>();
            let holidays = holidays
                .into_iter()
                .map(|(m, d)| format!("{m:02}-{d:02}"))
                .collect();
            Calendar::try_from(CalendarSpec {
                time_zone: tz.to_owned(),
                always_open: false,
                hours,
                holidays,
            })
            .ok()
        })
}

fn instant() -> impl Strategy<Value = Timestamp> {
    // 2020-01-01 .. 2030-12-31, minute resolution.
    (1_577_836_800i64 / 60..1_924_991_999i64 / 60)
        .prop_map(|m| Timestamp::from_second(m * 60).unwrap())
}

/// Open minutes in a week; targets beyond ~100 weeks of it are out of the search horizon.
fn weekly_open_minutes(cal: &Calendar) -> u32 {
    let minutes = |s: &str| -> u32 {
        let (h, m) = s.split_once(':').unwrap();
        h.parse::<u32>().unwrap() * 60 + m.parse::<u32>().unwrap()
    };
    let mut total = 0;
    for iv in cal.spec().hours.values().flatten() {
        let (a, b) = iv.split_once('-').unwrap();
        let (a, b) = (minutes(a), minutes(b));
        total += if b > a { b - a } else { 1440 - a + b };
    }
    total
}

fn business(minutes: u32) -> Target {
    Target {
        minutes,
        clock: Clock::Business,
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_business_deadline_is_never_in_a_closed_period(cal in calendar(true), at in instant(), minutes in 1u32..(60 * 200)) {
        prop_assume!(minutes <= weekly_open_minutes(&cal) * 100);
        let d = cal.deadline(at, business(minutes)).unwrap();
        // The minute before the deadline is open time: the reply is due while someone works.
        prop_assert!(cal.is_open(d - SignedDuration::from_secs(1)), "deadline {} is in a closed period", d);
        prop_assert!(d > at);
    }

    #[test]
    fn a_longer_target_never_gives_an_earlier_deadline(cal in calendar(true), at in instant(), a in 1u32..6000, extra in 0u32..6000) {
        prop_assume!(a + extra <= weekly_open_minutes(&cal) * 100);
        let short = cal.deadline(at, business(a)).unwrap();
        let long = cal.deadline(at, business(a + extra)).unwrap();
        prop_assert!(long >= short);
    }

    #[test]
    fn time_left_today_keeps_the_same_calendar_day(cal in calendar(false), at in instant(), minutes in 1u32..600) {
        let tz = cal.time_zone().clone();
        let local = at.to_zoned_datetime(tz.clone());
        let midnight = tz.to_timestamp(local.date().tomorrow().unwrap().at(0, 0, 0, 0)).unwrap();
        if let Some(until) = cal.open_until(at) {
            let left = until.min(midnight).duration_since(at);
            if SignedDuration::from_mins(i64::from(minutes)) < left {
                let d = cal.deadline(at, business(minutes)).unwrap();
                prop_assert_eq!(d.to_zoned_datetime(tz).date(), local.date());
            }
        }
    }
}

/// Found by `accepted_values_respect_their_limits`: "0000-00" was accepted as the national
/// "000000", which then parsed as the international "+0000" and was refused.
#[test]
fn phone_numbers_parse_again_to_themselves() {
    use switchboard_shared::inquiry::parse_phone;
    for input in [
        "0000-00",
        "0 049 30 1234567",
        "+49 30 1234567",
        "030 1234567",
        "00 (33) 1 23 45 67 89",
    ] {
        if let Some(once) = parse_phone(input) {
            assert_eq!(parse_phone(&once), Some(once.clone()), "{input}");
        }
    }
    assert_eq!(
        parse_phone("0 049 30 1234567").as_deref(),
        Some("+49301234567")
    );
    assert_eq!(parse_phone("030 1234567").as_deref(), Some("0301234567"));
}
