//! `POST /v1/sites/{site}/preview`: who would answer the visitor's draft and by when, if it
//! were sent now. Stores nothing. The answer comes from `submit::promise_for`, the function
//! the submit's own answer comes from, so the promise before sending is the promise kept.

use crate::error::{EdgeError, MAX_INQUIRY_BODY};
use crate::http::Reply;
use crate::intake::{self, BodyKind};
use crate::platform;
use crate::rate_limit::{self, Budget};
use crate::submit;
use switchboard_shared::Inquiry;
use switchboard_shared::Locale;
use switchboard_shared::api::{PreviewAnswer, SubmitRequest};
use switchboard_shared::config::SiteConfig;
use switchboard_shared::continuity::Earlier;
use switchboard_shared::inquiry::parse_partial;
use worker::{Env, Request};

pub async fn handle(req: &Request, env: &Env, config: &SiteConfig) -> Result<Reply, EdgeError> {
    let headers = req.headers();
    intake::check_media_type(headers.get("content-type")?.as_deref(), BodyKind::Json)?;
    intake::check_declared_length(headers.get("content-length")?.as_deref())?;
    let body = platform::read_body_limited(req, MAX_INQUIRY_BODY).await?;
    let request = intake::parse_submit(&body)?;
    if config.abuse.burst_limit {
        let secret = platform::secret(env, "RENDER_TOKEN_SECRET")?;
        let ip = rate_limit::client_ip(headers.get("cf-connecting-ip")?.as_deref());
        let visitor = rate_limit::visitor_key(&secret, &config.site, &ip);
        rate_limit::burst(env, Budget::Preview, &config.site, &visitor).await?;
    }
    let now = platform::now_ms();
    let inquiry = draft_inquiry(config, &request)?;
    let earlier = submit::earlier_for(&env.d1("DB")?, config, &inquiry, now).await?;
    let answer = preview_of(config, &request, &inquiry, now, earlier.as_ref())?;
    // The expected reply time changes by the minute.
    Ok(Reply::json(200, &answer)?.with_header("cache-control", "no-store"))
}

fn locale_of(config: &SiteConfig, request: &SubmitRequest) -> Locale {
    request
        .locale
        .as_deref()
        .map_or(config.default_locale, Locale::from_tag)
}

/// The draft's fields that parse, as the submit would store them.
fn draft_inquiry(config: &SiteConfig, request: &SubmitRequest) -> Result<Inquiry, EdgeError> {
    Ok(parse_partial(&config.form, &request.fields)
        .map_err(|errors| EdgeError::invalid_input(&errors, locale_of(config, request)))?
        .with_ascii_email())
}

/// The preview of `inquiry` (parsed from `request`) for a submitter whose earlier inquiry
/// is `earlier`.
pub fn preview_of(
    config: &SiteConfig,
    request: &SubmitRequest,
    inquiry: &Inquiry,
    now_ms: i64,
    earlier: Option<&Earlier>,
) -> Result<PreviewAnswer, EdgeError> {
    let locale = locale_of(config, request);
    let promise = submit::promise_for(
        config,
        inquiry,
        locale,
        now_ms,
        request.time_zone.as_deref(),
        earlier,
    )?;
    Ok(PreviewAnswer {
        topic: inquiry.topic.clone(),
        poc: promise.poc.id.clone(),
        team: promise.poc.name.clone(),
        scope: promise.poc.scope.clone(),
        priority: promise.decision.priority.as_str().to_owned(),
        expected: promise.expected,
    })
}
