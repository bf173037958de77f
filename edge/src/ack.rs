//! Acknowledgement of an inquiry by its POC: the signed link each webhook carries
//! (`GET` shows the inquiry's page, `ack_page`; only `POST` acknowledges, so link scanners
//! and mail previews cannot acknowledge by fetching it) and the admin API's acknowledge call.

use crate::ack_page::{self, Acknowledged, InquiryPage, LinkProblem};
use crate::admin;
use crate::auth::constant_time_eq;
use crate::error::EdgeError;
use crate::http::Reply;
use crate::payload::rfc3339;
use crate::platform;
use crate::sla_store::{self, AckRow};
use crate::store;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use worker::{Env, Request};

/// The secret that signs acknowledgement tokens (`.dev.vars` / `wrangler secret`).
pub const SECRET_NAME: &str = "ACK_TOKEN_SECRET";
/// Inquiry ids are 32 lowercase hex digits (see `ids`).
const ID_LEN: usize = 32;

fn mac(secret: &str, inquiry_id: &str) -> String {
    // HMAC takes keys of any length; the error arm cannot happen.
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    // The "ack." prefix keeps these MACs apart from any other use of the same secret.
    m.update(b"ack.");
    m.update(inquiry_id.as_bytes());
    URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
}

/// The token of an inquiry's acknowledgement link: `<inquiry id>.<base64url HMAC>`.
pub fn sign(secret: &str, inquiry_id: &str) -> String {
    format!("{inquiry_id}.{}", mac(secret, inquiry_id))
}

/// The inquiry id a token was signed for, or `None` for anything forged or malformed.
pub fn verify(secret: &str, token: &str) -> Option<String> {
    let (id, sig) = token.split_once('.')?;
    let id_ok = id.len() == ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if secret.is_empty() || !id_ok {
        return None;
    }
    constant_time_eq(mac(secret, id).as_bytes(), sig.as_bytes()).then(|| id.to_owned())
}

/// `{public_url}/v1/ack/{token}`.
pub fn link(public_url: &str, token: &str) -> String {
    format!("{}/v1/ack/{token}", public_url.trim_end_matches('/'))
}

/// The acknowledgement link of an inquiry, or `None` when the Worker lacks the secret or
/// `PUBLIC_URL` (a deployment mistake: logged, and the webhook goes out without a link).
pub fn link_for(env: &Env, inquiry_id: &str) -> Option<String> {
    let secret = platform::secret(env, SECRET_NAME)
        .ok()
        .filter(|s| !s.is_empty());
    let public = platform::var(env, "PUBLIC_URL").filter(|s| !s.is_empty());
    match (secret, public) {
        (Some(secret), Some(public)) => Some(link(&public, &sign(&secret, inquiry_id))),
        _ => {
            platform::log(
                "ack: ACK_TOKEN_SECRET or PUBLIC_URL is not set; no acknowledgement link",
            );
            None
        }
    }
}

/// Whether an acknowledgement at `ack_ms` met the deadline (on the deadline counts as met).
pub fn target_met(ack_ms: i64, deadline_ms: i64) -> bool {
    ack_ms <= deadline_ms
}

/// What the acknowledge calls answer in JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AckView {
    pub reference: String,
    pub acknowledged: bool,
    pub acknowledged_at: Option<String>,
    pub deadline: String,
    /// `None` until acknowledged.
    pub target_met: Option<bool>,
    /// The name given when acknowledging; `None` when none was.
    pub acknowledged_by: Option<String>,
    /// `link` or `api`; `None` until acknowledged (or for acknowledgements from before).
    pub acknowledged_via: Option<String>,
}

impl AckView {
    pub fn from_row(row: &AckRow) -> AckView {
        AckView {
            reference: row.reference.clone(),
            acknowledged: row.acknowledged_ms.is_some(),
            acknowledged_at: row.acknowledged_ms.map(rfc3339),
            deadline: rfc3339(row.deadline_ms),
            target_met: row.target_met.map(|m| m != 0),
            acknowledged_by: row.acknowledged_by.clone(),
            acknowledged_via: row.acknowledged_via.clone(),
        }
    }
}

fn invalid_token() -> EdgeError {
    EdgeError::bad_request(
        "invalid_ack_token",
        "this acknowledgement link is not valid",
    )
}

/// Where a token leads: the inquiry's acknowledgement row, or why it leads nowhere.
enum Lookup {
    Found(worker::D1Database, Box<AckRow>),
    Nowhere(LinkProblem),
}

async fn lookup(env: &Env, token: &str) -> Result<Lookup, EdgeError> {
    let secret = platform::secret(env, SECRET_NAME)?;
    let Some(id) = verify(&secret, token) else {
        return Ok(Lookup::Nowhere(LinkProblem::Invalid));
    };
    let db = env.d1("DB")?;
    Ok(match sla_store::ack_by_id(&db, &id).await? {
        Some(row) => Lookup::Found(db, Box::new(row)),
        // Signed by us, but erased on request or by retention.
        None => Lookup::Nowhere(LinkProblem::Gone),
    })
}

/// A link problem for a client that is not a browser: the typed JSON error.
fn problem_error(problem: LinkProblem) -> EdgeError {
    match problem {
        LinkProblem::Invalid => invalid_token(),
        LinkProblem::Gone => EdgeError::InquiryNotFound,
    }
}

/// The page of the inquiry behind `ack`, as its POC reads it at `now_ms`.
async fn inquiry_page(
    env: &Env,
    db: &worker::D1Database,
    ack: &AckRow,
    now_ms: i64,
) -> Result<InquiryPage, EdgeError> {
    let inquiry = store::inquiry(db, &ack.id)
        .await?
        .ok_or(EdgeError::InquiryNotFound)?;
    let config = store::site_config(db, &ack.site_id, platform::allow_loopback_http(env))
        .await?
        .ok_or(EdgeError::SiteNotFound)?;
    let poc = config.poc(&ack.poc);
    let tz = poc.map_or(jiff::tz::TimeZone::UTC, |p| p.calendar.time_zone().clone());
    let values: serde_json::Value = serde_json::from_str(&inquiry.fields_json).unwrap_or_default();
    let fields = config
        .form
        .fields
        .iter()
        .filter_map(|f| {
            let text = crate::export::cell(values.get(&f.id));
            (!text.is_empty()).then(|| (f.label.get(config.default_locale).to_owned(), text))
        })
        .collect();
    let why = serde_json::from_str::<serde_json::Value>(&inquiry.routing_explanation_json)
        .ok()
        .and_then(|v| v["explanation"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let (left, late) = ack_page::time_left(now_ms, ack.deadline_ms);
    Ok(InquiryPage {
        reference: ack.reference.clone(),
        team: poc.map_or_else(|| ack.poc.clone(), |p| p.name.clone()),
        scope: poc.map(|p| p.scope.clone()).unwrap_or_default(),
        fields,
        why,
        deadline: ack_page::local_time(ack.deadline_ms, &tz),
        left,
        late: late && ack.acknowledged_ms.is_none(),
        acknowledged: ack.acknowledged_ms.map(|at| Acknowledged {
            by: ack.acknowledged_by.clone(),
            at: ack_page::local_time(at, &tz),
            in_time: ack.target_met.map(|m| m != 0),
        }),
    })
}

/// `GET /v1/ack/{token}`: the inquiry, what was promised and an "Acknowledge" form; a link
/// that leads nowhere gets a page saying why. Reading the page changes nothing.
pub async fn get(env: &Env, token: &str) -> Result<Reply, EdgeError> {
    match lookup(env, token).await? {
        Lookup::Found(db, row) => {
            let page = inquiry_page(env, &db, &row, platform::now_ms()).await?;
            Ok(html(200, ack_page::page(&page, false)))
        }
        Lookup::Nowhere(problem) => Ok(html(problem.status(), ack_page::problem_page(problem))),
    }
}

/// `POST /v1/ack/{token}`: acknowledges (once; later calls answer the first
/// acknowledgement). Browsers (the page's button) get the page, other clients JSON.
pub async fn post(req: &Request, env: &Env, token: &str) -> Result<Reply, EdgeError> {
    let wants_html = req
        .headers()
        .get("accept")?
        .is_some_and(|a| a.contains("text/html"));
    let (db, row) = match lookup(env, token).await? {
        Lookup::Found(db, row) => (db, *row),
        Lookup::Nowhere(problem) if wants_html => {
            return Ok(html(problem.status(), ack_page::problem_page(problem)));
        }
        Lookup::Nowhere(problem) => return Err(problem_error(problem)),
    };
    let name = name_from(req).await?;
    let now = platform::now_ms();
    let row = sla_store::acknowledge(&db, &row.id, now, name.as_deref(), "link")
        .await?
        .ok_or(EdgeError::InquiryNotFound)?;
    if wants_html {
        let page = inquiry_page(env, &db, &row, now).await?;
        Ok(html(200, ack_page::page(&page, true)))
    } else {
        Reply::json(200, &AckView::from_row(&row))
    }
}

/// `POST /v1/admin/sites/{site}/inquiries/{reference}/ack`, with the site admin key.
pub async fn admin_ack(
    req: &Request,
    env: &Env,
    site: &str,
    reference: &str,
) -> Result<Reply, EdgeError> {
    let db = env.d1("DB")?;
    let inquiry = admin::authorized_inquiry(req, env, &db, site, reference).await?;
    // The admin API's caller is the site's admin unless it names someone.
    let name = name_from(req)
        .await?
        .unwrap_or_else(|| ADMIN_CALLER.to_owned());
    let row = sla_store::acknowledge(&db, &inquiry.id, platform::now_ms(), Some(&name), "api")
        .await?
        .ok_or(EdgeError::InquiryNotFound)?;
    Reply::json(200, &AckView::from_row(&row))
}

/// Who acknowledged through the admin API when the call names nobody.
pub const ADMIN_CALLER: &str = "site admin";
/// Longest name kept, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Largest acknowledgement body: a name.
const MAX_ACK_BODY: usize = 4 * 1024;

/// The acknowledging person's name: `name` of the page's urlencoded form or of a JSON body
/// (`{"name": …}`), trimmed and cut to [`MAX_NAME_CHARS`]; `None` without one.
async fn name_from(req: &Request) -> Result<Option<String>, EdgeError> {
    let content_type = req.headers().get("content-type")?;
    let body = platform::read_body_limited(req, MAX_ACK_BODY).await?;
    Ok(name_in(content_type.as_deref(), &body))
}

/// [`name_from`] over a body already read: plain, so it is tested natively.
pub fn name_in(content_type: Option<&str>, body: &[u8]) -> Option<String> {
    let name = if crate::http::content_type_is(content_type, &["application/json"]) {
        serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["name"].as_str().map(str::to_owned))
    } else if crate::http::content_type_is(content_type, &["application/x-www-form-urlencoded"]) {
        crate::plain_form::form_pairs(body)
            .into_iter()
            .find(|(k, _)| k == "name")
            .map(|(_, v)| v)
    } else {
        None
    }?;
    let name: String = name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    (!name.is_empty()).then_some(name)
}

fn html(status: u16, body: String) -> Reply {
    Reply::text(status, "text/html; charset=utf-8", body)
        // The widget's stylesheet from this origin and a form posting back here; nothing else.
        .with_header("content-security-policy", ack_page::CSP)
        .with_header("cache-control", "no-store")
        .with_header("referrer-policy", "no-referrer")
        .with_header("x-robots-tag", "noindex")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn names_come_from_the_form_or_json() {
        let form = Some("application/x-www-form-urlencoded");
        assert_eq!(
            name_in(form, b"name=Grace+%20Hopper").as_deref(),
            Some("Grace Hopper")
        );
        assert_eq!(name_in(form, b"name=+++"), None);
        assert_eq!(name_in(form, b"other=x"), None);
        let json = Some("application/json; charset=utf-8");
        assert_eq!(name_in(json, br#"{"name":"Ada"}"#).as_deref(), Some("Ada"));
        assert_eq!(name_in(json, b"{broken"), None);
        assert_eq!(name_in(None, b"name=Ada"), None);
        let long = format!("name={}", "x".repeat(500));
        assert_eq!(
            name_in(form, long.as_bytes()).map(|n| n.len()),
            Some(MAX_NAME_CHARS)
        );
        assert_eq!(name_in(form, b"name=a%0Ab").as_deref(), Some("a b"));
    }

    #[test]
    fn tokens_round_trip_and_forgeries_fail() {
        let t = sign("s3cret", ID);
        assert!(t.starts_with(&format!("{ID}.")));
        assert_eq!(verify("s3cret", &t).as_deref(), Some(ID));
        // Another secret, another id with the same MAC, a changed MAC, junk.
        assert_eq!(verify("other", &t), None);
        let other_id = "f123456789abcdef0123456789abcdef";
        let (_, sig) = t.split_once('.').unwrap();
        assert_eq!(verify("s3cret", &format!("{other_id}.{sig}")), None);
        let mut chars: Vec<char> = t.chars().collect();
        let last = chars.len() - 1;
        chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
        assert_eq!(verify("s3cret", &chars.iter().collect::<String>()), None);
        for junk in ["", ".", ID, "x.y", &format!("{}.{sig}", ID.to_uppercase())] {
            assert_eq!(verify("s3cret", junk), None, "{junk}");
        }
        // No secret configured: nothing verifies.
        assert_eq!(verify("", &sign("", ID)), None);
    }

    #[test]
    fn links_and_targets() {
        assert_eq!(
            link("https://edge.example/", "abc.def"),
            "https://edge.example/v1/ack/abc.def"
        );
        assert!(target_met(1_000, 1_000));
        assert!(target_met(999, 1_000));
        assert!(!target_met(1_001, 1_000));
    }
}
