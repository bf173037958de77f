//! Stand-in for `shared::calendar::expected_response` until it lands in shared: the deadline
//! from the POC calendar, with an English-only sentence.
use switchboard_shared::Locale;
use switchboard_shared::api::ExpectedResponse;
use switchboard_shared::config::Poc;
use switchboard_shared::routing::Priority;

pub fn expected_response(
    poc: &Poc,
    priority: Priority,
    submitted_ms: i64,
    _tz: Option<&str>,
    _locale: Locale,
) -> ExpectedResponse {
    let from =
        jiff::Timestamp::from_millisecond(submitted_ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let target = poc.targets.for_priority(priority);
    let deadline = poc.calendar.deadline(from, target).unwrap_or(from);
    ExpectedResponse {
        deadline: deadline.to_string(),
        deadline_local: deadline.to_string(),
        within: format!("within {target}"),
        open_now: poc.calendar.is_open(from),
        sentence: format!("{} replies within {target}", poc.name),
    }
}
