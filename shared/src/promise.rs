//! The promise to the visitor: when a POC will reply, as an instant, in the POC's local
//! time, as a "within" phrase and as one sentence in the visitor's language and time zone.

use crate::api::ExpectedResponse;
use crate::calendar::{Clock, Target, weekday_number};
use crate::config::Poc;
use crate::continuity::Earlier;
use crate::inquiry::Inquiry;
use crate::locale::Locale;
use crate::routing::{Decision, Priority, Router};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Who answers an inquiry sent at one instant, and by when: the routing decision, the POC
/// that takes it and the promise to the visitor. The submit stores and answers it and the
/// preview shows it; both call [`promise`], so what the visitor is told before sending is
/// what a submit at that instant is told.
#[derive(Debug, Clone, PartialEq)]
pub struct Promise<'c> {
    pub decision: Decision,
    pub poc: &'c Poc,
    pub expected: ExpectedResponse,
}

/// Routing named a POC the config lacks. The config check refuses such configs, so this
/// is an internal error where it happens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("routing chose poc {0:?} which the config lacks")]
pub struct UnknownPoc(pub String);

/// The promise for `inquiry` sent at `now_ms` (Unix milliseconds) by a visitor in
/// `visitor_tz` who reads `locale`.
pub fn promise<'c>(
    router: &Router<'c>,
    inquiry: &Inquiry,
    locale: Locale,
    now_ms: i64,
    visitor_tz: Option<&str>,
) -> Result<Promise<'c>, UnknownPoc> {
    promise_with(router, inquiry, locale, now_ms, visitor_tz, None)
}

/// [`promise`] for a submitter whose latest earlier inquiry within the continuity window
/// is `earlier` (`None`: a first inquiry, or one the edge did not need to look up).
pub fn promise_with<'c>(
    router: &Router<'c>,
    inquiry: &Inquiry,
    locale: Locale,
    now_ms: i64,
    visitor_tz: Option<&str>,
    earlier: Option<&Earlier>,
) -> Result<Promise<'c>, UnknownPoc> {
    let config = router.config();
    let mut decision = router.route_for(inquiry, locale, earlier.is_some());
    // A returning submitter stays with the POC that handled them, where the site wants it.
    if let Some(e) = earlier
        && config.continuity.applies_to(inquiry.topic.as_deref())
        && e.poc != decision.poc
        && config.poc(&e.poc).is_some()
    {
        let when = jiff::Timestamp::from_millisecond(e.submitted_ms)
            .map(|t| t.strftime("%Y-%m-%d").to_string())
            .unwrap_or_default();
        decision.explanation = format!(
            "{}; returning submitter: kept with `{}`, who handled their inquiry of {when}",
            decision.explanation, e.poc
        );
        decision.poc = e.poc.clone();
    }
    // A POC who is away passes the inquiry down its backup chain.
    let taker = crate::availability::taker(config, &decision.poc, now_ms);
    if let Some(because) = &taker.because {
        decision.explanation = format!("{}; {because}", decision.explanation);
        decision.poc = taker.poc.clone();
    }
    let poc = config
        .poc(&decision.poc)
        .ok_or_else(|| UnknownPoc(decision.poc.clone()))?;
    let expected = expected_response_from(
        poc,
        decision.priority,
        now_ms,
        taker.clock_from_ms,
        visitor_tz,
        locale,
    );
    Ok(Promise {
        decision,
        poc,
        expected,
    })
}

/// What the edge tells the visitor about a reply from `poc` to an inquiry sent at
/// `submitted_ms` (Unix milliseconds) with `priority`.
pub fn expected_response(
    poc: &Poc,
    priority: Priority,
    submitted_ms: i64,
    visitor_tz: Option<&str>,
    locale: Locale,
) -> ExpectedResponse {
    expected_response_from(
        poc,
        priority,
        submitted_ms,
        submitted_ms,
        visitor_tz,
        locale,
    )
}

/// [`expected_response`] with the reply clock starting at `clock_from_ms` rather than at
/// submission: a POC away with its whole backup chain answers after its return.
pub fn expected_response_from(
    poc: &Poc,
    priority: Priority,
    submitted_ms: i64,
    clock_from_ms: i64,
    visitor_tz: Option<&str>,
    locale: Locale,
) -> ExpectedResponse {
    let target = poc.targets.for_priority(priority);
    let submitted = Timestamp::from_millisecond(submitted_ms).unwrap_or(Timestamp::UNIX_EPOCH);
    let clock_from =
        Timestamp::from_millisecond(clock_from_ms.max(submitted_ms)).unwrap_or(submitted);
    let cal = &poc.calendar;
    // A calendar that never opens again is refused by the config check; fall back to the
    // calendar clock rather than promise nothing.
    let deadline = cal
        .deadline(clock_from, target)
        .or_else(|| {
            cal.deadline(
                clock_from,
                Target {
                    clock: Clock::Calendar,
                    ..target
                },
            )
        })
        .unwrap_or(clock_from);
    let open_now = clock_from == submitted && cal.is_open(submitted);
    let visitor = visitor_tz
        .and_then(|tz| TimeZone::get(tz).ok())
        .unwrap_or_else(|| cal.time_zone().clone());
    let when = when_phrase(submitted, deadline, &visitor, locale);
    let team = &poc.name;
    // Every day is a working day for a POC that never closes: say "1 day", not "1 business day".
    let worded = if cal.spec().always_open {
        Target {
            clock: Clock::Calendar,
            ..target
        }
    } else {
        target
    };
    let within = within_phrase(worded, locale);
    let sentence = match (locale, open_now) {
        (Locale::En, true) => format!("{team} usually replies {within}; expect a reply by {when}."),
        (Locale::En, false) => format!("{team} is closed right now; expect a reply by {when}."),
        (Locale::De, true) => format!(
            "{team} antwortet in der Regel {within}; rechnen Sie mit einer Antwort bis {when}."
        ),
        (Locale::De, false) => {
            format!("{team} ist gerade nicht besetzt; rechnen Sie mit einer Antwort bis {when}.")
        }
        (Locale::Fr, true) => {
            format!("{team} répond généralement {within} ; réponse attendue d'ici {when}.")
        }
        (Locale::Fr, false) => {
            format!("{team} est fermé pour le moment ; réponse attendue d'ici {when}.")
        }
        (Locale::Es, true) => {
            format!("{team} suele responder {within}; espere una respuesta para {when}.")
        }
        (Locale::Es, false) => {
            format!("{team} está cerrado ahora; espere una respuesta para {when}.")
        }
    };
    ExpectedResponse {
        deadline: deadline.to_string(),
        deadline_local: deadline
            .to_zoned_datetime(cal.time_zone().clone())
            .to_string(),
        within,
        open_now,
        sentence,
    }
}

/// "within 4 business hours", "innerhalb von 2 Tagen", ...
pub fn within_phrase(target: Target, locale: Locale) -> String {
    let m = target.minutes;
    let business = target.clock != Clock::Calendar;
    let days = target.clock == Clock::BusinessDays || (!business && m.is_multiple_of(24 * 60));
    let (n, unit) = if days {
        (m / (24 * 60), Unit::Day)
    } else if m.is_multiple_of(60) {
        (m / 60, Unit::Hour)
    } else {
        (m, Unit::Minute)
    };
    let one = n == 1;
    let noun = match (locale, unit, business, one) {
        (Locale::En, Unit::Day, true, true) => "business day",
        (Locale::En, Unit::Day, true, false) => "business days",
        (Locale::En, Unit::Day, false, true) => "day",
        (Locale::En, Unit::Day, false, false) => "days",
        (Locale::En, Unit::Hour, true, true) => "business hour",
        (Locale::En, Unit::Hour, true, false) => "business hours",
        (Locale::En, Unit::Hour, false, true) => "hour",
        (Locale::En, Unit::Hour, false, false) => "hours",
        (Locale::En, Unit::Minute, true, _) => "business minutes",
        (Locale::En, Unit::Minute, false, _) => "minutes",
        (Locale::De, Unit::Day, true, true) => "Werktages",
        (Locale::De, Unit::Day, true, false) => "Werktagen",
        (Locale::De, Unit::Day, false, true) => "Tages",
        (Locale::De, Unit::Day, false, false) => "Tagen",
        (Locale::De, Unit::Hour, true, true) => "Geschäftsstunde",
        (Locale::De, Unit::Hour, true, false) => "Geschäftsstunden",
        (Locale::De, Unit::Hour, false, true) => "Stunde",
        (Locale::De, Unit::Hour, false, false) => "Stunden",
        (Locale::De, Unit::Minute, true, _) => "Minuten Geschäftszeit",
        (Locale::De, Unit::Minute, false, _) => "Minuten",
        (Locale::Fr, Unit::Day, true, true) => "jour ouvré",
        (Locale::Fr, Unit::Day, true, false) => "jours ouvrés",
        (Locale::Fr, Unit::Day, false, true) => "jour",
        (Locale::Fr, Unit::Day, false, false) => "jours",
        (Locale::Fr, Unit::Hour, true, true) => "heure ouvrée",
        (Locale::Fr, Unit::Hour, true, false) => "heures ouvrées",
        (Locale::Fr, Unit::Hour, false, true) => "heure",
        (Locale::Fr, Unit::Hour, false, false) => "heures",
        (Locale::Fr, Unit::Minute, true, _) => "minutes ouvrées",
        (Locale::Fr, Unit::Minute, false, _) => "minutes",
        (Locale::Es, Unit::Day, true, true) => "día laborable",
        (Locale::Es, Unit::Day, true, false) => "días laborables",
        (Locale::Es, Unit::Day, false, true) => "día",
        (Locale::Es, Unit::Day, false, false) => "días",
        (Locale::Es, Unit::Hour, true, true) => "hora laborable",
        (Locale::Es, Unit::Hour, true, false) => "horas laborables",
        (Locale::Es, Unit::Hour, false, true) => "hora",
        (Locale::Es, Unit::Hour, false, false) => "horas",
        (Locale::Es, Unit::Minute, true, _) => "minutos laborables",
        (Locale::Es, Unit::Minute, false, _) => "minutos",
    };
    match (locale, unit, one) {
        (Locale::En, _, _) => format!("within {n} {noun}"),
        (Locale::De, Unit::Day, true) => format!("innerhalb eines {noun}"),
        (Locale::De, Unit::Hour, true) => format!("innerhalb einer {noun}"),
        (Locale::De, _, _) => format!("innerhalb von {n} {noun}"),
        (Locale::Fr, _, _) => format!("sous {n} {noun}"),
        (Locale::Es, _, _) => format!("en {n} {noun}"),
    }
}

#[derive(Clone, Copy)]
enum Unit {
    Day,
    Hour,
    Minute,
}

const WEEKDAYS: [[&str; 7]; 4] = [
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
    [
        "Montag",
        "Dienstag",
        "Mittwoch",
        "Donnerstag",
        "Freitag",
        "Samstag",
        "Sonntag",
    ],
    [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ],
    [
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
    ],
];

const MONTHS: [[&str; 12]; 4] = [
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
];

fn locale_index(l: Locale) -> usize {
    match l {
        Locale::En => 0,
        Locale::De => 1,
        Locale::Fr => 2,
        Locale::Es => 3,
    }
}

/// "today at 15:30", "tomorrow at 09:00", "Monday 09:00", "14 December 09:00", in the
/// visitor's time zone, relative to the submission.
pub fn when_phrase(now: Timestamp, at: Timestamp, tz: &TimeZone, locale: Locale) -> String {
    let now_local = now.to_zoned_datetime(tz.clone());
    let local = at.to_zoned_datetime(tz.clone());
    let days = (local.date().duration_since(now_local.date()).as_secs() / 86_400).max(0);
    let time = format!("{:02}:{:02}", local.hour(), local.minute());
    let li = locale_index(locale);
    let weekday = WEEKDAYS[li][weekday_number(local.date().weekday())];
    let month = MONTHS[li][(local.date().month() - 1) as usize];
    let day = local.date().day();
    match (locale, days) {
        (Locale::En, 0) => format!("today at {time}"),
        (Locale::En, 1) => format!("tomorrow at {time}"),
        (Locale::En, 2..=6) => format!("{weekday} at {time}"),
        (Locale::En, _) => format!("{weekday}, {day} {month} at {time}"),
        (Locale::De, 0) => format!("heute um {time}"),
        (Locale::De, 1) => format!("morgen um {time}"),
        (Locale::De, 2..=6) => format!("{weekday} um {time}"),
        (Locale::De, _) => format!("{weekday}, {day}. {month} um {time}"),
        (Locale::Fr, 0) => format!("aujourd'hui à {time}"),
        (Locale::Fr, 1) => format!("demain à {time}"),
        (Locale::Fr, 2..=6) => format!("{weekday} à {time}"),
        (Locale::Fr, _) => format!("{weekday} {day} {month} à {time}"),
        (Locale::Es, 0) => format!("hoy a las {time}"),
        (Locale::Es, 1) => format!("mañana a las {time}"),
        (Locale::Es, 2..=6) => format!("el {weekday} a las {time}"),
        (Locale::Es, _) => format!("el {weekday} {day} de {month} a las {time}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigOptions, parse_config_with};

    fn ms(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn billing_promise_in_four_languages() {
        let c = parse_config_with(
            include_str!("../../demo/site.toml"),
            ConfigOptions {
                allow_loopback_http: true,
            },
        )
        .unwrap();
        let billing = c.poc("billing").unwrap();
        // Friday 2026-11-27 10:00 London: billing works Monday to Thursday; "1d" is one open
        // day: the clock starts Monday 09:00, the reply is due Tuesday 09:00, not Saturday.
        let at = ms("2026-11-27T10:00:00Z");
        let en = expected_response(
            billing,
            Priority::Normal,
            at,
            Some("Europe/Paris"),
            Locale::En,
        );
        assert_eq!(en.deadline, "2026-12-01T09:00:00Z");
        assert_eq!(
            en.deadline_local,
            "2026-12-01T09:00:00+00:00[Europe/London]"
        );
        assert!(!en.open_now);
        assert_eq!(en.within, "within 1 business day");
        assert_eq!(
            en.sentence,
            "Billing is closed right now; expect a reply by Tuesday at 10:00."
        );
        let support = c.poc("support").unwrap();
        // Thursday 2026-11-26 10:00 Berlin (09:00Z), open; 4 business hours -> 14:00 Berlin.
        let de = expected_response(
            support,
            Priority::Normal,
            ms("2026-11-26T09:00:00Z"),
            Some("Europe/Berlin"),
            Locale::De,
        );
        assert!(de.open_now);
        assert_eq!(
            de.sentence,
            "Support antwortet in der Regel innerhalb von 4 Geschäftsstunden; rechnen Sie mit einer Antwort bis heute um 14:00."
        );
        let fr = expected_response(
            support,
            Priority::Low,
            ms("2026-11-26T09:00:00Z"),
            Some("America/New_York"),
            Locale::Fr,
        );
        // 16 business hours: 8 left Thursday (to 18:00), Friday 08:00-16:00 -> Friday 16:00 Berlin = 10:00 New York.
        assert_eq!(
            fr.sentence,
            "Support répond généralement sous 16 heures ouvrées ; réponse attendue d'ici demain à 10:00."
        );
        let es = expected_response(
            support,
            Priority::Normal,
            ms("2026-11-27T14:00:00Z"),
            None,
            Locale::Es,
        );
        // Friday 15:00 Berlin, 1 hour left, then Monday 08:00 + 3h = 11:00.
        assert_eq!(
            es.sentence,
            "Support suele responder en 4 horas laborables; espere una respuesta para el lunes a las 11:00."
        );
    }
}
