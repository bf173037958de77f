//! `POST /v1/sites/{site}/inquiries`: checks, parses and routes one inquiry, stores it in
//! one trip to D1, answers 202 (the same answer again for a repeated idempotency key), and
//! then enqueues its delivery.

use crate::auth;
use crate::bench_timing::Steps;
use crate::confirmation;
use crate::delivery::{self, DeliveryMessage};
use crate::error::{EdgeError, MAX_INQUIRY_BODY};
use crate::friction::{self, TurnstileVerdict};
use crate::http::Reply;
use crate::ids::{self, INQUIRY_ID_BYTES, REFERENCE_BYTES};
use crate::intake::{self, BodyKind};
use crate::payload::parse_rfc3339_ms;
use crate::platform::{self, log};
use crate::rate_limit;
use crate::store::{self, NewInquiry, StoreOutcome};
use switchboard_shared::api::{
    IDEMPOTENCY_HEADER, MAX_IDEMPOTENCY_KEY, SubmitAccepted, SubmitRequest,
};
use switchboard_shared::config::SiteConfig;
use switchboard_shared::continuity::{self, Earlier};
use switchboard_shared::inquiry::{honeypot_hit, parse_inquiry};
use switchboard_shared::promise::{Promise, promise_with};
use switchboard_shared::routing::{Priority, Router};
use switchboard_shared::search;
use switchboard_shared::{Inquiry, Locale};
use worker::{Context, D1Database, Env, Request};

/// References offered to the store at once: it takes the first that no inquiry holds (a
/// drawn reference is taken with odds of about one in 10^12 per stored inquiry).
const REFERENCE_CANDIDATES: usize = 3;

pub async fn handle(
    req: &Request,
    env: &Env,
    ctx: &Context,
    db: &D1Database,
    config: &SiteConfig,
    steps: &mut Steps,
) -> Result<Reply, EdgeError> {
    let headers = req.headers();
    intake::check_media_type(headers.get("content-type")?.as_deref(), BodyKind::Json)?;
    intake::check_declared_length(headers.get("content-length")?.as_deref())?;
    let body = platform::read_body_limited(req, MAX_INQUIRY_BODY).await?;
    steps.mark("body_read");
    let request = parse_request(&body)?;
    accept(req, env, ctx, db, config, request, steps).await
}

/// Checks, stores and answers one decoded request: the JSON body above, or the urlencoded
/// one of the plain HTML form (`plain_form`), so both take exactly the same path.
///
/// An admitted inquiry costs one storage trip before its answer ([`store_and_answer`]):
/// the replay check, the 12-hour count and the insert are one D1 batch. A request the
/// checks refuse may still be a retry of a stored inquiry (its render token aged since,
/// or the first try used up a limit): it gets the stored answer, at the price of one read
/// on that path only.
pub async fn accept(
    req: &Request,
    env: &Env,
    ctx: &Context,
    db: &D1Database,
    config: &SiteConfig,
    request: SubmitRequest,
    steps: &mut Steps,
) -> Result<Reply, EdgeError> {
    let key = idempotency_key(
        &request.idempotency_key,
        req.headers().get(IDEMPOTENCY_HEADER)?.as_deref(),
    )?;
    match admit(req, env, config, request, &key, steps).await {
        Ok(admitted) => store_and_answer(db, env, ctx, admitted, steps).await,
        Err(refusal) => {
            let stored = store::answer_for_key(db, &config.site, &key).await;
            steps.trip("replay_check");
            match stored {
                Ok(Some(stored)) => Ok(Reply::raw_json(
                    stored.response_status,
                    stored.response_json,
                )),
                // The refusal stands; a failed read is logged, the visitor sees the refusal.
                Ok(None) => Err(refusal),
                Err(e) => {
                    log(&format!(
                        "replay check after a refusal failed: {}",
                        e.log_cause().unwrap_or("")
                    ));
                    Err(refusal)
                }
            }
        }
    }
}

/// An inquiry that passed every check, ready for its one trip to storage.
struct Admitted {
    prepared: Prepared,
    /// False for a honeypot hit: stored as spam, never delivered.
    deliver: bool,
    visitor: String,
    now: i64,
    per_window: u32,
}

/// Every check that needs no storage, in order: render token, burst limit, honeypot,
/// validation, Turnstile; then routing and the deadline.
async fn admit(
    req: &Request,
    env: &Env,
    config: &SiteConfig,
    request: SubmitRequest,
    key: &str,
    steps: &mut Steps,
) -> Result<Admitted, EdgeError> {
    let headers = req.headers();
    let locale = request
        .locale
        .as_deref()
        .map_or(config.default_locale, Locale::from_tag);
    let now = platform::now_ms();
    let secret = platform::secret(env, "RENDER_TOKEN_SECRET")?;
    friction::check_render_token(
        &secret,
        &config.site,
        request.render_token.as_deref(),
        now,
        &config.abuse,
    )?;
    let ip = rate_limit::client_ip(headers.get("cf-connecting-ip")?.as_deref());
    let visitor = rate_limit::visitor_key(&secret, &config.site, &ip);
    if config.abuse.burst_limit {
        rate_limit::burst(env, rate_limit::Budget::Submit, &config.site, &visitor).await?;
        steps.mark("burst");
    }
    let per_window = config.abuse.max_inquiries_per_12h;

    if honeypot_hit(&config.form, &request.fields) {
        // Looks like success so the bot learns nothing; stored as spam, never delivered.
        let draft = serde_json::to_value(&request.fields)?;
        let prepared = prepare_spam(
            config,
            key,
            locale,
            now,
            request.time_zone.as_deref(),
            &draft,
        )?;
        return Ok(Admitted {
            prepared,
            deliver: false,
            visitor,
            now,
            per_window,
        });
    }
    let inquiry = parse_inquiry(&config.form, &request.fields)
        .map_err(|errors| EdgeError::invalid_input(&errors, locale))?
        // Stored, matched for history and delivered with its domain in A-labels.
        .with_ascii_email();
    let mut unverified = false;
    if let Some(turnstile) = &config.abuse.turnstile {
        let token = request.turnstile_token.as_deref().unwrap_or("").trim();
        let turnstile_secret = platform::secret(env, turnstile.secret_name())?;
        let url = platform::var(env, "TURNSTILE_VERIFY_URL")
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| friction::SITEVERIFY_URL.to_owned());
        let remote_ip = (ip != rate_limit::UNKNOWN_IP).then_some(ip.as_str());
        let verdict = friction::siteverify(
            &url,
            &turnstile_secret,
            token,
            remote_ip,
            &friction::siteverify_idempotency_key(&config.site, key),
            &config.allowed_origins,
        )
        .await?;
        if let TurnstileVerdict::Unavailable(why) = verdict {
            log(&format!(
                "turnstile unavailable for site {} ({why}); accepting as unverified",
                config.site
            ));
            unverified = true;
        }
    }
    let earlier = earlier_for(&env.d1("DB")?, config, &inquiry, now).await?;
    let mut prepared = prepare(
        config,
        key,
        &inquiry,
        locale,
        now,
        request.time_zone.as_deref(),
        earlier.as_ref(),
    )?;
    if unverified {
        prepared.row.tags_json = with_tag(&prepared.row.tags_json, "turnstile_unverified");
    }
    steps.mark("route_deadline");
    Ok(Admitted {
        prepared,
        deliver: true,
        visitor,
        now,
        per_window,
    })
}

/// The JSON body as a [`SubmitRequest`], or a 4xx that says what is wrong with it.
pub fn parse_request(body: &[u8]) -> Result<SubmitRequest, EdgeError> {
    intake::parse_submit(body)
}

/// A JSON array of tags with `tag` added.
fn with_tag(tags_json: &str, tag: &str) -> String {
    let mut tags: Vec<String> = serde_json::from_str(tags_json).unwrap_or_default();
    tags.push(tag.to_owned());
    serde_json::to_string(&tags).unwrap_or_else(|_| tags_json.to_owned())
}

/// The idempotency key: the body's, else the `Idempotency-Key` header's. Printable ASCII,
/// at most [`MAX_IDEMPOTENCY_KEY`] long.
pub fn idempotency_key(body_key: &str, header: Option<&str>) -> Result<String, EdgeError> {
    let key = if body_key.trim().is_empty() {
        header.unwrap_or("").trim()
    } else {
        body_key.trim()
    };
    let ok = !key.is_empty()
        && key.len() <= MAX_IDEMPOTENCY_KEY
        && key.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(key.to_owned())
    } else {
        Err(EdgeError::bad_request(
            "invalid_idempotency_key",
            format!(
                "idempotency_key must be 1 to {MAX_IDEMPOTENCY_KEY} printable ascii characters"
            ),
        ))
    }
}

/// An inquiry ready to store, with the answer the visitor gets.
pub struct Prepared {
    pub row: NewInquiry,
    pub answer: SubmitAccepted,
    /// Rendered into `answer.confirmation` once the reference is drawn.
    pub confirmation: confirmation::Pending,
}

/// Who answers `inquiry` sent at `now` and by when: the one computation behind a submit's
/// answer and a preview's (`preview`), so the two cannot disagree.
pub fn promise_for<'c>(
    config: &'c SiteConfig,
    inquiry: &Inquiry,
    locale: Locale,
    now: i64,
    visitor_tz: Option<&str>,
    earlier: Option<&Earlier>,
) -> Result<Promise<'c>, EdgeError> {
    promise_with(
        &Router::new(config),
        inquiry,
        locale,
        now,
        visitor_tz,
        earlier,
    )
    .map_err(|e| EdgeError::internal(e.to_string()))
}

/// The submitter's latest inquiry within the continuity window, read only when the site's
/// routing asks for it (continuity on, or a `returning` rule): then one more read before
/// routing; otherwise none.
pub async fn earlier_for(
    db: &D1Database,
    config: &SiteConfig,
    inquiry: &Inquiry,
    now: i64,
) -> Result<Option<Earlier>, EdgeError> {
    let Some(email) = inquiry.email.as_deref() else {
        return Ok(None);
    };
    if !continuity::needs_history(config) {
        return Ok(None);
    }
    store::last_handled(
        db,
        &config.site,
        &auth::email_hash(email),
        continuity::window_start(config, now),
    )
    .await
}

fn prepare(
    config: &SiteConfig,
    key: &str,
    inquiry: &Inquiry,
    locale: Locale,
    now: i64,
    visitor_tz: Option<&str>,
    earlier: Option<&Earlier>,
) -> Result<Prepared, EdgeError> {
    let Promise {
        decision,
        poc,
        expected,
    } = promise_for(config, inquiry, locale, now, visitor_tz, earlier)?;
    let answer = SubmitAccepted {
        reference: String::new(),
        poc: poc.id.clone(),
        team: poc.name.clone(),
        scope: poc.scope.clone(),
        priority: decision.priority.as_str().to_owned(),
        expected,
        confirmation: None,
    };
    let confirmation = confirmation::Pending::new(
        poc,
        locale,
        inquiry.text(confirmation::NAME_FIELD),
        now,
        &answer.expected,
        visitor_tz,
    );
    let row = NewInquiry {
        id: String::new(),
        site_id: config.site.clone(),
        idempotency_key: key.to_owned(),
        reference: String::new(),
        poc: poc.id.clone(),
        priority: decision.priority.as_str().to_owned(),
        tags_json: serde_json::to_string(&decision.tags)?,
        fields_json: serde_json::to_string(&inquiry.fields)?,
        search_text: search::search_text(&serde_json::to_value(&inquiry.fields)?),
        email_hash: inquiry.email.as_deref().map(auth::email_hash),
        topic: inquiry.topic.clone(),
        locale: locale.tag().to_owned(),
        routing_explanation_json: serde_json::to_string(&serde_json::json!({
            "reason": decision.reason,
            "explanation": decision.explanation,
        }))?,
        deadline_ms: parse_rfc3339_ms(&answer.expected.deadline).unwrap_or(now),
        submitted_ms: now,
        status: "pending",
        response_status: 202,
        response_json: String::new(),
    };
    Ok(Prepared {
        row,
        answer,
        confirmation,
    })
}

/// The answer a honeypot hit gets: the default POC at normal priority, like a real inquiry.
fn prepare_spam(
    config: &SiteConfig,
    key: &str,
    locale: Locale,
    now: i64,
    visitor_tz: Option<&str>,
    draft: &serde_json::Value,
) -> Result<Prepared, EdgeError> {
    let poc = config
        .poc(&config.default_poc)
        .ok_or_else(|| EdgeError::internal("the config lacks its default poc"))?;
    let priority = Priority::Normal;
    let expected =
        switchboard_shared::promise::expected_response(poc, priority, now, visitor_tz, locale);
    let answer = SubmitAccepted {
        reference: String::new(),
        poc: poc.id.clone(),
        team: poc.name.clone(),
        scope: poc.scope.clone(),
        priority: priority.as_str().to_owned(),
        expected,
        confirmation: None,
    };
    let confirmation =
        confirmation::Pending::new(poc, locale, None, now, &answer.expected, visitor_tz);
    let row = NewInquiry {
        id: String::new(),
        site_id: config.site.clone(),
        idempotency_key: key.to_owned(),
        reference: String::new(),
        poc: poc.id.clone(),
        priority: priority.as_str().to_owned(),
        tags_json: "[\"spam\"]".to_owned(),
        fields_json: draft.to_string(),
        search_text: search::search_text(draft),
        email_hash: None,
        topic: None,
        locale: locale.tag().to_owned(),
        routing_explanation_json: "{\"honeypot\":true}".to_owned(),
        deadline_ms: parse_rfc3339_ms(&answer.expected.deadline).unwrap_or(now),
        submitted_ms: now,
        status: "spam",
        response_status: 202,
        response_json: String::new(),
    };
    Ok(Prepared {
        row,
        answer,
        confirmation,
    })
}

/// Stores the inquiry in one trip (`store::store_inquiry`) and answers only once it is
/// stored; a repeated idempotency key gets the stored answer, byte for byte. The delivery
/// message is sent after the answer: a send that fails (or is lost) leaves the inquiry
/// pending without an attempt, and the cron sweeper sends it (`sweeper.rs`).
async fn store_and_answer(
    db: &D1Database,
    env: &Env,
    ctx: &Context,
    admitted: Admitted,
    steps: &mut Steps,
) -> Result<Reply, EdgeError> {
    let Admitted {
        mut prepared,
        deliver,
        visitor,
        now,
        per_window,
    } = admitted;
    prepared.row.id = ids::inquiry_id_from_bytes(platform::random_bytes::<INQUIRY_ID_BYTES>()?);
    // Each reference comes with the answer that names it; the batch stores the first one
    // no inquiry holds, so a collision never costs a second trip.
    let mut candidates = Vec::with_capacity(REFERENCE_CANDIDATES);
    for _ in 0..REFERENCE_CANDIDATES {
        let reference = ids::reference_from_bytes(platform::random_bytes::<REFERENCE_BYTES>()?);
        prepared.answer.confirmation = Some(prepared.confirmation.render(&reference));
        prepared.answer.reference = reference.clone();
        candidates.push((reference, serde_json::to_string(&prepared.answer)?));
    }
    let (reference, response_json) = candidates.remove(0);
    prepared.row.reference = reference;
    prepared.row.response_json = response_json;
    let window = store::Window {
        visitor: &visitor,
        now_ms: now,
        limit: per_window,
    };
    let outcome = store::store_inquiry(db, &prepared.row, &candidates, &window).await?;
    steps.trip("store");
    match outcome {
        StoreOutcome::Stored(answer) => {
            if deliver {
                send_after_answer(env, ctx, &prepared.row, steps);
            }
            Ok(Reply::raw_json(
                answer.response_status,
                answer.response_json,
            ))
        }
        StoreOutcome::Replayed(answer) => Ok(Reply::raw_json(
            answer.response_status,
            answer.response_json,
        )),
        StoreOutcome::Limited { retry_after_s } => {
            Err(rate_limit::window_exhausted(per_window, retry_after_s))
        }
        StoreOutcome::ReferencesTaken => Err(EdgeError::internal(format!(
            "all {REFERENCE_CANDIDATES} reference numbers drawn were taken"
        ))),
    }
}

/// Sends the first delivery message once the answer is on its way (`wait_until`).
fn send_after_answer(env: &Env, ctx: &Context, row: &NewInquiry, steps: &Steps) {
    let msg = DeliveryMessage::new(&row.id, &row.site_id);
    let env = env.clone();
    let timer = steps.after_answer();
    ctx.wait_until(async move {
        let sent = delivery::enqueue_new(&env, &msg).await;
        timer.finish("enqueue");
        if let Err(e) = sent {
            log(&format!(
                "enqueue failed for inquiry {}; the sweeper sends it: {}",
                msg.inquiry_id,
                e.log_cause().unwrap_or("")
            ));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys() {
        assert_eq!(idempotency_key(" k-1 ", None).unwrap(), "k-1");
        assert_eq!(idempotency_key("", Some("hdr")).unwrap(), "hdr");
        assert!(idempotency_key("", None).is_err());
        assert!(idempotency_key("with space", None).is_err());
        assert!(idempotency_key(&"k".repeat(MAX_IDEMPOTENCY_KEY + 1), None).is_err());
        let e = idempotency_key("é", None).unwrap_err();
        assert_eq!(e.to_http().1.error.code, "invalid_idempotency_key");
    }

    #[test]
    fn request_bodies() {
        let ok = parse_request(
            br#"{"idempotency_key":"k","fields":{"name":"Ada","agree":true,"tags":["a"]}}"#,
        )
        .unwrap();
        assert_eq!(ok.idempotency_key, "k");
        let e = parse_request(b"{not json").unwrap_err();
        assert_eq!(e.to_http().0, 400);
        assert_eq!(e.to_http().1.error.code, "invalid_json");
        assert_eq!(with_tag("[\"a\"]", "b"), "[\"a\",\"b\"]");
        assert!(parse_request(br#"{"idempotency_key":"k","fields":{},"extra":1}"#).is_err());
        // The key may come in the Idempotency-Key header instead.
        let headerless = parse_request(br#"{"fields":{"name":"Ada"}}"#).unwrap();
        assert_eq!(
            idempotency_key(&headerless.idempotency_key, Some("hdr-1")).unwrap(),
            "hdr-1"
        );
    }
}
