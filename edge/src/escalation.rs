//! Escalation of inquiries nobody acknowledged, run by the cron trigger after the sweeper.
//!
//! Levels, decided by [`decide`] from plain values:
//!
//! - `warning`: [`WARNING_PERMILLE`] of the way from submission to deadline (80%), sent to
//!   the owning POC itself: a reminder while the promise can still be kept.
//! - `overdue`: at the deadline, sent to the owning POC's backup (or to the owner when it
//!   has none, so someone always hears of it).
//! - `overdue-N` (N = 2, 3, ...): each further deadline period (submission to deadline)
//!   after the deadline, sent one step further along the backup chain, until the chain
//!   ends.
//!
//! Only the highest level due is sent: a cron run that finds an inquiry already past its
//! deadline sends `overdue`, not a late `warning` as well. Each step is written to D1
//! (`escalations`, unique per inquiry and level) before its webhook is queued, so two cron
//! runs cannot both send it. The webhook goes through the delivery queue like any other
//! (in each endpoint's format, signed with the target POC's secrets, endpoints disabled by
//! a 410 skipped, retried, every attempt logged).

use crate::delivery::{self, Round};
use crate::error::EdgeError;
use crate::payload::{Event, InquiryData, rfc3339, routing_explanation};
use crate::platform::{self, log};
use crate::sla_store::{self, OpenRow};
use crate::store;
use crate::{ack, formats, ids};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use switchboard_shared::config::SiteConfig;
use wasm_bindgen::JsValue;
use worker::{D1Database, Env};

/// The warning point, in thousandths of the way from submission to deadline.
pub const WARNING_PERMILLE: i64 = 800;
/// Inquiries whose deadline passed longer ago than this are no longer escalated.
pub const MAX_OVERDUE_MS: i64 = 30 * 24 * 60 * 60 * 1000;
/// Shortest deadline period counted between `overdue-N` levels, so a deadline equal to the
/// submission time cannot run the whole chain in one minute.
pub const MIN_PERIOD_MS: i64 = 60 * 1000;
/// Inquiries looked at per cron run.
pub const BATCH: u32 = 100;
/// The event type of escalation webhooks.
pub const INQUIRY_ESCALATED: &str = "inquiry.escalated";
/// `kind` of escalation messages on the delivery queue.
pub const MESSAGE_KIND: &str = "escalation";

/// How far an inquiry has slipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Warning,
    /// `Overdue(1)` at the deadline, `Overdue(n)` n-1 deadline periods after it.
    Overdue(u32),
}

impl Level {
    /// The stored and sent name: `warning`, `overdue`, `overdue-2`, ...
    pub fn name(self) -> String {
        match self {
            Level::Warning => "warning".to_owned(),
            Level::Overdue(1) => "overdue".to_owned(),
            Level::Overdue(n) => format!("overdue-{n}"),
        }
    }

    /// The level named `name` (as [`Level::name`] writes it).
    pub fn parse(name: &str) -> Option<Level> {
        match name {
            "warning" => Some(Level::Warning),
            "overdue" => Some(Level::Overdue(1)),
            _ => name
                .strip_prefix("overdue-")?
                .parse()
                .ok()
                .filter(|n| *n >= 2)
                .map(Level::Overdue),
        }
    }

    /// Steps along the backup chain: 0 is the owning POC.
    pub fn step(self) -> u32 {
        match self {
            Level::Warning => 0,
            Level::Overdue(n) => n,
        }
    }
}

/// The highest level due at `now_ms` for an inquiry, ignoring who would receive it.
pub fn due_level(submitted_ms: i64, deadline_ms: i64, now_ms: i64) -> Option<Level> {
    let span = deadline_ms.saturating_sub(submitted_ms).max(0);
    if now_ms >= deadline_ms {
        let period = span.max(MIN_PERIOD_MS);
        let periods = (now_ms - deadline_ms) / period;
        Some(Level::Overdue(
            u32::try_from(periods.saturating_add(1)).unwrap_or(u32::MAX),
        ))
    } else if now_ms >= submitted_ms + span * WARNING_PERMILLE / 1000 {
        Some(Level::Warning)
    } else {
        None
    }
}

/// The owning POC followed by its backups, in order; stops where a POC has no backup, names
/// an unknown POC, or (defensively: the config check refuses loops) comes round again.
pub fn backup_chain(config: &SiteConfig, owner: &str) -> Vec<String> {
    let mut chain = vec![owner.to_owned()];
    let mut current = owner;
    while let Some(next) = config.poc(current).and_then(|p| p.backup.as_deref()) {
        if chain.iter().any(|c| c == next) || config.poc(next).is_none() {
            break;
        }
        chain.push(next.to_owned());
        current = next;
    }
    chain
}

/// One escalation to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub level: Level,
    pub target_poc: String,
}

/// What to send now for an unacknowledged inquiry owned by `chain[0]`, given the levels
/// already recorded: the highest level due, capped where the chain ends, unless it was
/// sent before.
pub fn decide(
    submitted_ms: i64,
    deadline_ms: i64,
    now_ms: i64,
    chain: &[String],
    recorded: &[String],
) -> Option<Step> {
    let owner = chain.first()?;
    let level = match due_level(submitted_ms, deadline_ms, now_ms)? {
        Level::Warning => Level::Warning,
        Level::Overdue(n) => {
            // The chain has chain.len() - 1 backups; with none, `overdue` goes to the owner.
            let Level::Overdue(last) = final_level(chain) else {
                return None;
            };
            Level::Overdue(n.min(last))
        }
    };
    if recorded.contains(&level.name()) {
        return None;
    }
    let target = usize::try_from(level.step())
        .ok()
        .and_then(|i| chain.get(i))
        .unwrap_or(owner);
    Some(Step {
        level,
        target_poc: target.clone(),
    })
}

/// The last level an inquiry owned by `chain[0]` can reach: `overdue-N` at the end of
/// the backup chain (`overdue` when there is no backup), as [`decide`] caps it.
pub fn final_level(chain: &[String]) -> Level {
    Level::Overdue(
        u32::try_from(chain.len().saturating_sub(1))
            .unwrap_or(u32::MAX)
            .max(1),
    )
}

/// Whether the ladder is finished: its final level is recorded. That level is recorded
/// only once it is due, and the level due only rises with time, so [`decide`] can never
/// send anything again (lower levels are skipped, never sent late).
pub fn ladder_complete(chain: &[String], recorded: &[String]) -> bool {
    !chain.is_empty() && recorded.contains(&final_level(chain).name())
}

/// An escalation webhook waiting on the delivery queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationMessage {
    /// Always [`MESSAGE_KIND`]: tells this message from an inquiry's own delivery.
    pub kind: String,
    pub inquiry_id: String,
    pub site: String,
    pub level: String,
    pub target_poc: String,
}

/// A queue message body as an [`EscalationMessage`], or `None` for any other message.
pub fn decode_message(body: &JsValue) -> Option<EscalationMessage> {
    let json = js_sys::JSON::stringify(body).ok()?.as_string()?;
    parse_message(&json)
}

pub fn parse_message(json: &str) -> Option<EscalationMessage> {
    serde_json::from_str::<EscalationMessage>(json)
        .ok()
        .filter(|m| m.kind == MESSAGE_KIND)
}

/// The Standard Webhooks id of one escalation step: stable across its retries, distinct
/// from the inquiry's own delivery and from other levels.
pub fn webhook_id(inquiry_id: &str, level: &str) -> String {
    format!("{}_{level}", ids::webhook_id(inquiry_id))
}

/// An escalation step as the generic JSON event, in the envelope of `inquiry.routed`.
pub type EscalationEvent = Event<EscalationData>;

/// The `data` of an `inquiry.escalated` event: the step, who hands the inquiry to whom,
/// and the inquiry exactly as its owner got it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationData {
    /// The visitor's reference number.
    pub reference: String,
    pub site: String,
    /// `warning`, `overdue`, `overdue-2`, ...
    pub level: String,
    /// Steps along the owner's backup chain: 0 for `warning`, 1 for `overdue`, N for
    /// `overdue-N`.
    pub step: u32,
    /// The POC the inquiry was routed to.
    pub owner: String,
    /// The POC that held the inquiry before this step: the link before `escalated_to` in
    /// the backup chain (the owner for a `warning`, or an `overdue` with no backup).
    pub escalated_from: String,
    /// The POC told by this step.
    pub escalated_to: String,
    /// When the step was taken (RFC 3339 UTC); the event's `timestamp` too.
    pub escalated_at: String,
    pub deadline: String,
    /// Seconds from the deadline to `escalated_at`: how overdue the inquiry was; negative
    /// for a `warning` (the time still left).
    pub overdue_seconds: i64,
    /// The signed acknowledgement link, as in the inquiry's own event.
    pub acknowledge_url: Option<String>,
    /// Why the inquiry went to its owner, in words (the routing explanation).
    pub routing_reason: Option<String>,
    /// The `data` of the inquiry's `inquiry.routed` event.
    pub inquiry: InquiryData,
}

/// What an escalation event is built from: the step as recorded and its inquiry.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationInput<'a> {
    pub inquiry_id: &'a str,
    pub level: Level,
    pub owner: &'a str,
    pub escalated_from: &'a str,
    pub escalated_to: &'a str,
    /// When the step was recorded, so the body is the same on every retry.
    pub escalated_ms: i64,
    pub deadline_ms: i64,
    pub inquiry: InquiryData,
}

/// The `inquiry.escalated` event of one step; its id is the step's [`webhook_id`].
pub fn event(input: EscalationInput<'_>) -> EscalationEvent {
    let level = input.level.name();
    let inquiry = input.inquiry;
    Event::new(
        INQUIRY_ESCALATED,
        webhook_id(input.inquiry_id, &level),
        input.escalated_ms,
        EscalationData {
            reference: inquiry.reference.clone(),
            site: inquiry.site.clone(),
            step: input.level.step(),
            level,
            owner: input.owner.to_owned(),
            escalated_from: input.escalated_from.to_owned(),
            escalated_to: input.escalated_to.to_owned(),
            escalated_at: rfc3339(input.escalated_ms),
            deadline: rfc3339(input.deadline_ms),
            overdue_seconds: input.escalated_ms.saturating_sub(input.deadline_ms) / 1000,
            acknowledge_url: inquiry.acknowledge_url.clone(),
            routing_reason: routing_explanation(&inquiry.routing).map(str::to_owned),
            inquiry,
        },
    )
}

/// The POC a step to `target` hands the inquiry on from: the link before `target` in the
/// backup chain, or its owner (`chain[0]`) when `target` is the owner or no longer in the
/// chain (the config changed since the step was recorded).
pub fn escalated_from<'a>(chain: &'a [String], target: &str) -> Option<&'a str> {
    let before = chain
        .iter()
        .position(|p| p == target)
        .and_then(|i| i.checked_sub(1))
        .unwrap_or(0);
    chain.get(before).map(String::as_str)
}

/// The cron pass: records and queues every escalation due now. Returns how many were queued.
pub async fn run(env: &Env) -> Result<u32, EdgeError> {
    let db = env.d1("DB")?;
    let now = platform::now_ms();
    let rows =
        sla_store::open_past_warning(&db, now, WARNING_PERMILLE, now - MAX_OVERDUE_MS, BATCH)
            .await?;
    let allow_loopback = platform::allow_loopback_http(env);
    let mut configs: HashMap<String, Option<SiteConfig>> = HashMap::new();
    let mut queued = 0;
    for row in rows {
        if !configs.contains_key(&row.site_id) {
            // One site whose stored config cannot be read must not stop the others.
            let config = match store::site_config(&db, &row.site_id, allow_loopback).await {
                Ok(config) => config,
                Err(e) => {
                    log(&format!(
                        "escalation: site {} skipped, its config could not be read: {}",
                        row.site_id,
                        e.log_cause().unwrap_or("client error")
                    ));
                    None
                }
            };
            configs.insert(row.site_id.clone(), config);
        }
        let Some(Some(config)) = configs.get(&row.site_id) else {
            continue;
        };
        match escalate_one(&db, env, config, &row, now).await {
            Ok(true) => queued += 1,
            Ok(false) => {}
            Err(e) => log(&format!(
                "escalation: inquiry {}: {}",
                row.id,
                e.log_cause().unwrap_or("client error")
            )),
        }
    }
    if queued > 0 {
        log(&format!("escalation: queued {queued} escalations"));
    }
    Ok(queued)
}

async fn escalate_one(
    db: &D1Database,
    env: &Env,
    config: &SiteConfig,
    row: &OpenRow,
    now: i64,
) -> Result<bool, EdgeError> {
    let recorded: Vec<String> = row
        .levels
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let chain = backup_chain(config, &row.poc);
    let Some(step) = decide(row.submitted_ms, row.deadline_ms, now, &chain, &recorded) else {
        // Finished before its flag was set (an earlier run failed to set it, or the
        // ladder ended before the flag existed): set it now so the scan moves on.
        if ladder_complete(&chain, &recorded) {
            sla_store::mark_escalation_done(db, &row.id, now).await?;
        }
        return Ok(false);
    };
    let level = step.level.name();
    // Insert first: only the run whose insert wrote the row sends.
    if !sla_store::insert_escalation(db, &row.id, &level, &step.target_poc, now).await? {
        return Ok(false);
    }
    let msg = EscalationMessage {
        kind: MESSAGE_KIND.to_owned(),
        inquiry_id: row.id.clone(),
        site: row.site_id.clone(),
        level: level.clone(),
        target_poc: step.target_poc.clone(),
    };
    crate::bench_timing::storage_delay().await;
    if let Err(e) = env.queue("DELIVERY")?.send(&msg).await {
        // Not sent: forget the step so the next run tries again.
        sla_store::delete_escalation(db, &row.id, &level).await?;
        return Err(EdgeError::internal(format!("enqueue failed: {e}")));
    }
    if step.level == final_level(&chain) {
        // Best effort: if this fails, the next run finds the ladder complete and sets it.
        if let Err(e) = sla_store::mark_escalation_done(db, &row.id, now).await {
            log(&format!(
                "escalation: inquiry {}: {}",
                row.id,
                e.log_cause().unwrap_or("client error")
            ));
        }
    }
    Ok(true)
}

/// Delivers one escalation step to every endpoint of its target POC that has neither taken
/// it yet nor been disabled by a 410, each in the endpoint's format (JSON event or chat
/// message), as `delivery::deliver` does for an inquiry's own webhook.
pub async fn deliver(
    db: &D1Database,
    env: &Env,
    msg: &EscalationMessage,
    schedule: &[u32],
) -> Result<Outcome, EdgeError> {
    let Some(row) = store::inquiry(db, &msg.inquiry_id).await? else {
        return Ok(Outcome::Done);
    };
    // Acknowledged since the step was recorded: nobody needs to hear about it any more.
    if row.acknowledged_ms.is_some() {
        return Ok(Outcome::Done);
    }
    let Some(step) = sla_store::escalation(db, &row.id, &msg.level).await? else {
        return Ok(Outcome::Done);
    };
    let allow_loopback = platform::allow_loopback_http(env);
    let Some(config) = store::site_config(db, &row.site_id, allow_loopback).await? else {
        return Err(EdgeError::internal(format!(
            "site {} has no config",
            row.site_id
        )));
    };
    let Some(level) = Level::parse(&msg.level) else {
        return Err(EdgeError::internal(format!(
            "escalation of inquiry {} has an unknown level",
            row.id
        )));
    };
    let routed = delivery::event_for(db, &config, &row, ack::link_for(env, &row.id)).await?;
    let chain = backup_chain(&config, &row.poc);
    let event = event(EscalationInput {
        inquiry_id: &row.id,
        level,
        owner: &row.poc,
        escalated_from: escalated_from(&chain, &step.target_poc).unwrap_or(&row.poc),
        escalated_to: &step.target_poc,
        escalated_ms: step.at_ms,
        deadline_ms: row.deadline_ms,
        inquiry: routed.data,
    });
    let target_name = config
        .poc(&step.target_poc)
        .map_or(step.target_poc.as_str(), |p| p.name.as_str());
    let card = formats::escalation_card(&event.data, target_name);
    // Alerts about a 410 name the POC whose endpoint it was: the step's target.
    let target_row = store::InquiryRow {
        poc: step.target_poc.clone(),
        ..row.clone()
    };
    let sending = delivery::Sending {
        config: &config,
        row: &target_row,
        escalation: Some(&msg.level),
        since_ms: 0,
    };
    let round = sending.round(db, env, &event, &card).await?;
    match conclude(&round, schedule) {
        Outcome::GiveUp => {
            // Nobody can take this step: the dead-letter consumer alerts the owner
            // (`escalation.failed`) at once instead of after a schedule of futile retries.
            log(&format!(
                "escalation: {} of inquiry {} reached no endpoint of {}",
                msg.level, row.id, step.target_poc
            ));
            crate::bench_timing::storage_delay().await;
            env.queue(delivery::DEAD_LETTER_BINDING)?.send(msg).await?;
            Ok(Outcome::Done)
        }
        outcome => Ok(outcome),
    }
}

/// The decision after a round, as `delivery::conclude` decides for an inquiry: retry while
/// an endpoint may still take it; give up (the owner is alerted) when one refused or none
/// holds it (no endpoints, or all disabled by a 410); else done.
pub fn conclude(round: &Round, schedule: &[u32]) -> Outcome {
    if round.retry > 0 {
        let step = retry_delay(
            schedule,
            u32::try_from(round.max_attempt).unwrap_or(u32::MAX),
        );
        let wait = step
            .max(round.retry_after.unwrap_or(0))
            .min(crate::retry::MAX_HOP_SECONDS);
        return Outcome::RetryAfter(wait);
    }
    if round.refused > 0 || round.accepted == 0 {
        Outcome::GiveUp
    } else {
        Outcome::Done
    }
}

/// Settles a queue message after [`deliver`], as the inquiry consumer does.
pub fn settle(
    message: &impl worker::MessageExt,
    outcome: Result<Outcome, EdgeError>,
    schedule: &[u32],
) {
    let delay = match outcome {
        Ok(Outcome::Done | Outcome::GiveUp) => return message.ack(),
        Ok(Outcome::RetryAfter(secs)) => secs,
        Err(e) => {
            log(&format!(
                "escalation delivery: {}",
                e.log_cause().unwrap_or("client error")
            ));
            retry_delay(schedule, 1)
        }
    };
    message.retry_with_options(
        &worker::QueueRetryOptionsBuilder::new()
            .with_delay_seconds(delay)
            .build(),
    );
}

/// The escalation steps of an inquiry for the admin view, each with its delivery attempts.
pub async fn admin_view(
    db: &D1Database,
    inquiry_id: &str,
) -> Result<Vec<serde_json::Value>, EdgeError> {
    let mut out = Vec::new();
    for e in sla_store::escalations(db, inquiry_id).await? {
        let attempts: Vec<serde_json::Value> = store::attempts(db, inquiry_id, Some(&e.level))
            .await?
            .into_iter()
            .map(|a| {
                serde_json::json!({
                    "endpoint_url": a.endpoint_url,
                    "attempt": a.attempt,
                    "status_code": a.status_code,
                    "error": a.error,
                    "at": rfc3339(a.at_ms),
                })
            })
            .collect();
        out.push(serde_json::json!({
            "level": e.level,
            "target_poc": e.target_poc,
            "at": rfc3339(e.at_ms),
            "attempts": attempts,
        }));
    }
    Ok(out)
}

/// What became of one escalation delivery round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Retry the queue message after this many seconds.
    RetryAfter(u32),
    /// No endpoint can take the step; `deliver` hands it to the dead-letter queue.
    GiveUp,
}

/// Seconds before retry `round` of an escalation: the delivery schedule's step (its last
/// step once it is used up), at most one Queues delay (12 h). After the queue's
/// `max_retries` the message lands in the dead-letter queue; the step stays recorded.
fn retry_delay(schedule: &[u32], round: u32) -> u32 {
    let step = schedule
        .get(round.max(1) as usize - 1)
        .or(schedule.last())
        .copied()
        .unwrap_or(60);
    step.min(crate::retry::MAX_HOP_SECONDS)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use switchboard_shared::config::{ConfigOptions, parse_config_with};

    const MIN: i64 = 60_000;
    /// Submitted at 0 with a 100-minute deadline: warning at 80 minutes.
    const SUB: i64 = 0;
    const DL: i64 = 100 * MIN;

    fn chain(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    fn step(level: Level, to: &str) -> Option<Step> {
        Some(Step {
            level,
            target_poc: to.to_owned(),
        })
    }

    #[test]
    fn levels_over_time() {
        assert_eq!(due_level(SUB, DL, 79 * MIN), None);
        assert_eq!(due_level(SUB, DL, 80 * MIN), Some(Level::Warning));
        assert_eq!(due_level(SUB, DL, DL - 1), Some(Level::Warning));
        assert_eq!(due_level(SUB, DL, DL), Some(Level::Overdue(1)));
        assert_eq!(due_level(SUB, DL, 2 * DL - 1), Some(Level::Overdue(1)));
        assert_eq!(due_level(SUB, DL, 2 * DL), Some(Level::Overdue(2)));
        assert_eq!(due_level(SUB, DL, 4 * DL), Some(Level::Overdue(4)));
        // A deadline at submission still waits a minute between overdue levels.
        assert_eq!(due_level(SUB, SUB, SUB + 30_000), Some(Level::Overdue(1)));
        assert_eq!(due_level(SUB, SUB, SUB + MIN), Some(Level::Overdue(2)));
        assert_eq!(
            [Level::Warning, Level::Overdue(1), Level::Overdue(3)].map(Level::name),
            ["warning", "overdue", "overdue-3"]
        );
    }

    #[test]
    fn warning_goes_to_the_owner_overdue_along_the_chain() {
        let c = chain(&["billing", "support", "leads"]);
        assert_eq!(decide(SUB, DL, 50 * MIN, &c, &[]), None);
        assert_eq!(
            decide(SUB, DL, 85 * MIN, &c, &[]),
            step(Level::Warning, "billing")
        );
        assert_eq!(
            decide(SUB, DL, DL, &c, &[]),
            step(Level::Overdue(1), "support")
        );
        assert_eq!(
            decide(SUB, DL, 2 * DL + MIN, &c, &chain(&["overdue"])),
            step(Level::Overdue(2), "leads")
        );
        // The chain ends at leads: later periods send nothing more.
        let all = chain(&["warning", "overdue", "overdue-2"]);
        assert_eq!(decide(SUB, DL, 9 * DL, &c, &all), None);
    }

    #[test]
    fn the_same_level_is_never_sent_twice() {
        let c = chain(&["billing", "support"]);
        assert_eq!(decide(SUB, DL, 85 * MIN, &c, &chain(&["warning"])), None);
        assert_eq!(decide(SUB, DL, DL + MIN, &c, &chain(&["overdue"])), None);
        // Long after the deadline, with one backup, the level stays `overdue`.
        assert_eq!(decide(SUB, DL, 5 * DL, &c, &chain(&["overdue"])), None);
    }

    #[test]
    fn a_ladder_is_complete_once_its_final_level_is_recorded() {
        let three = chain(&["billing", "support", "leads"]);
        let alone = chain(&["press"]);
        assert_eq!(final_level(&three), Level::Overdue(2));
        assert_eq!(final_level(&alone), Level::Overdue(1));
        assert_eq!(final_level(&chain(&["a", "b"])), Level::Overdue(1));
        assert!(!ladder_complete(&three, &[]));
        assert!(!ladder_complete(&three, &chain(&["warning", "overdue"])));
        assert!(ladder_complete(&three, &chain(&["overdue-2"])));
        assert!(ladder_complete(&alone, &chain(&["overdue"])));
        assert!(!ladder_complete(&alone, &chain(&["warning"])));
        assert!(!ladder_complete(&[], &chain(&["overdue"])));
        // The final level is recorded once it is due (2 * DL here); from then on, however
        // late the run, decide sends nothing.
        for recorded in [
            chain(&["overdue-2"]),
            chain(&["warning", "overdue", "overdue-2"]),
        ] {
            assert!(ladder_complete(&three, &recorded));
            for now in [2 * DL, 2 * DL + 1, 3 * DL, 50 * DL] {
                assert_eq!(decide(SUB, DL, now, &three, &recorded), None, "{now}");
            }
        }
        // And the step that records the final level is the one `final_level` names.
        let last = decide(SUB, DL, 3 * DL, &three, &chain(&["overdue"])).unwrap();
        assert_eq!(last.level, final_level(&three));
    }

    #[test]
    fn before_the_deadline_a_sent_warning_leaves_nothing_to_send() {
        // `open_past_warning` leaves such inquiries out in SQL on the strength of this.
        let c = chain(&["billing", "support", "leads"]);
        for now in [80 * MIN, 90 * MIN, DL - 1] {
            assert_eq!(due_level(SUB, DL, now), Some(Level::Warning));
            assert_eq!(decide(SUB, DL, now, &c, &chain(&["warning"])), None);
        }
        assert!(decide(SUB, DL, DL, &c, &chain(&["warning"])).is_some());
    }

    #[test]
    fn a_late_run_skips_the_warning() {
        let c = chain(&["billing", "support"]);
        assert_eq!(
            decide(SUB, DL, 3 * DL, &c, &[]),
            step(Level::Overdue(1), "support")
        );
    }

    #[test]
    fn without_a_backup_overdue_goes_to_the_owner() {
        let c = chain(&["press"]);
        assert_eq!(
            decide(SUB, DL, DL, &c, &[]),
            step(Level::Overdue(1), "press")
        );
        assert_eq!(decide(SUB, DL, 7 * DL, &c, &chain(&["overdue"])), None);
        assert_eq!(decide(SUB, DL, DL, &[], &[]), None);
    }

    #[test]
    fn chains_follow_backups_in_the_config() {
        let c = parse_config_with(
            include_str!("../../demo/site.toml"),
            ConfigOptions {
                allow_loopback_http: true,
            },
        )
        .unwrap();
        for p in &c.pocs {
            let chain = backup_chain(&c, &p.id);
            assert_eq!(chain[0], p.id);
            // Each next link is the previous one's backup.
            for pair in chain.windows(2) {
                assert_eq!(
                    c.poc(&pair[0]).unwrap().backup.as_deref(),
                    Some(pair[1].as_str())
                );
            }
            let last = chain.last().unwrap();
            assert!(c.poc(last).unwrap().backup.is_none() || chain.len() > c.pocs.len());
        }
        assert_eq!(backup_chain(&c, "gone"), chain(&["gone"]));
    }

    #[test]
    fn rounds_conclude_like_deliveries() {
        let schedule = [5, 300, 1800];
        let round = |accepted, retry, refused, max_attempt, retry_after| Round {
            accepted,
            retry,
            refused,
            retry_after,
            max_attempt,
        };
        assert_eq!(conclude(&round(1, 0, 0, 0, None), &schedule), Outcome::Done);
        // Retried on the schedule of the highest attempt, never sooner than Retry-After.
        assert_eq!(
            conclude(&round(1, 1, 0, 1, None), &schedule),
            Outcome::RetryAfter(5)
        );
        assert_eq!(
            conclude(&round(0, 2, 0, 2, Some(60)), &schedule),
            Outcome::RetryAfter(300)
        );
        assert_eq!(
            conclude(&round(0, 1, 0, 1, Some(600)), &schedule),
            Outcome::RetryAfter(600)
        );
        assert_eq!(
            conclude(&round(0, 1, 0, 9, None), &schedule),
            Outcome::RetryAfter(1800)
        );
        // No endpoint at all, or every one disabled by a 410: nobody holds it.
        assert_eq!(
            conclude(&round(0, 0, 0, 0, None), &schedule),
            Outcome::GiveUp
        );
        // A refused URL never becomes deliverable by waiting.
        assert_eq!(
            conclude(&round(1, 0, 1, 0, None), &schedule),
            Outcome::GiveUp
        );
    }

    #[test]
    fn messages_and_payload() {
        let m = EscalationMessage {
            kind: MESSAGE_KIND.into(),
            inquiry_id: "i".into(),
            site: "demo".into(),
            level: "overdue".into(),
            target_poc: "support".into(),
        };
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(parse_message(&json), Some(m));
        // An inquiry's own delivery message is not an escalation.
        assert_eq!(
            parse_message(r#"{"inquiry_id":"i","site":"demo","since_ms":0}"#),
            None
        );
        assert_eq!(webhook_id("abc", "overdue-2"), "msg_abc_overdue-2");
    }

    #[test]
    fn levels_parse_back_from_their_names() {
        for level in [
            Level::Warning,
            Level::Overdue(1),
            Level::Overdue(2),
            Level::Overdue(17),
        ] {
            assert_eq!(Level::parse(&level.name()), Some(level));
        }
        for bad in [
            "",
            "overdue-1",
            "overdue-0",
            "overdue-",
            "overdue-x",
            "Warning",
            "late",
        ] {
            assert_eq!(Level::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_step_comes_from_the_link_before_its_target() {
        let c = chain(&["billing", "support", "leads"]);
        assert_eq!(escalated_from(&c, "support"), Some("billing"));
        assert_eq!(escalated_from(&c, "leads"), Some("support"));
        // A warning, or an `overdue` with no backup, goes to the owner from the owner.
        assert_eq!(escalated_from(&c, "billing"), Some("billing"));
        // A target dropped from the config since: the owner hands it on.
        assert_eq!(escalated_from(&c, "gone"), Some("billing"));
        assert_eq!(escalated_from(&[], "gone"), None);
    }

    /// The payload sample's inquiry as its owner got it (with an explanation and a link).
    fn routed() -> crate::payload::InquiryData {
        let mut input = crate::payload::tests::sample();
        input.routing = serde_json::json!({
            "reason": {"kind": "rule", "rule": "refunds", "position": 3},
            "explanation": " rule `refunds` (#3) matched; routed to `billing` "
        });
        input.acknowledge_url = Some("https://edge.example/v1/ack/0123abcd.c2ln".into());
        crate::payload::build(input).data
    }

    /// An escalation of the sample inquiry (deadline 2026-11-24T13:30:00Z) to `leads`, taken
    /// `after_deadline_ms` after its deadline.
    pub(crate) fn sample_event(level: Level, after_deadline_ms: i64) -> EscalationEvent {
        let deadline_ms = 1_795_527_000_000;
        event(EscalationInput {
            inquiry_id: "0123abcd",
            level,
            owner: "billing",
            escalated_from: "support",
            escalated_to: "leads",
            escalated_ms: deadline_ms + after_deadline_ms,
            deadline_ms,
            inquiry: routed(),
        })
    }

    #[test]
    fn an_escalation_is_an_event_in_the_envelope_with_typed_data() {
        let e = sample_event(Level::Overdue(2), 2 * 60 * MIN + 30_000);
        let v = serde_json::to_value(&e).unwrap();
        let data = v["data"].as_object().unwrap().clone();
        let mut envelope = v.as_object().unwrap().clone();
        envelope.remove("data");
        assert_eq!(
            serde_json::Value::Object(envelope),
            serde_json::json!({"type": "inquiry.escalated", "version": 1,
                "id": "msg_0123abcd_overdue-2", "timestamp": "2026-11-24T15:30:30Z"})
        );
        // The id is the step's webhook-id header.
        assert_eq!(e.id, webhook_id("0123abcd", "overdue-2"));
        let inquiry = serde_json::to_value(routed()).unwrap();
        assert_eq!(
            serde_json::Value::Object(data),
            serde_json::json!({
                "reference": "SB-7KQ2-M9XD",
                "site": "demo",
                "level": "overdue-2",
                "step": 2,
                "owner": "billing",
                "escalated_from": "support",
                "escalated_to": "leads",
                "escalated_at": "2026-11-24T15:30:30Z",
                "deadline": "2026-11-24T13:30:00Z",
                "overdue_seconds": 7230,
                "acknowledge_url": "https://edge.example/v1/ack/0123abcd.c2ln",
                "routing_reason": "rule `refunds` (#3) matched; routed to `billing`",
                "inquiry": inquiry,
            })
        );
        insta::assert_json_snapshot!("json_inquiry_escalated", e);
    }

    #[test]
    fn a_warning_is_step_zero_with_time_left() {
        let e = sample_event(Level::Warning, -20 * MIN);
        assert_eq!(e.id, "msg_0123abcd_warning");
        assert_eq!(e.data.level, "warning");
        assert_eq!(e.data.step, 0);
        assert_eq!(e.data.overdue_seconds, -20 * 60);
        assert_eq!(e.timestamp, e.data.escalated_at);
        // Each level is an event of its own, distinct from the inquiry's own delivery.
        let overdue = sample_event(Level::Overdue(1), 0);
        assert_eq!((overdue.data.step, overdue.data.overdue_seconds), (1, 0));
        assert_ne!(overdue.id, e.id);
        assert_ne!(overdue.id, crate::ids::webhook_id("0123abcd"));
    }

    #[test]
    fn without_a_link_or_explanation_the_event_says_so() {
        let mut inquiry = routed();
        inquiry.acknowledge_url = None;
        inquiry.routing = serde_json::json!({"rule": "refunds"});
        let e = event(EscalationInput {
            inquiry_id: "i",
            level: Level::Overdue(1),
            owner: "press",
            escalated_from: "press",
            escalated_to: "press",
            escalated_ms: 0,
            deadline_ms: 0,
            inquiry,
        });
        let v = serde_json::to_value(&e).unwrap();
        assert!(v["data"]["acknowledge_url"].is_null() && v["data"]["routing_reason"].is_null());
        assert_eq!(v["data"]["inquiry"]["routing"]["rule"], "refunds");
    }
}
