//! Erasure on request: a site owner deletes one inquiry (`DELETE …/inquiries/{reference}`)
//! or every inquiry of one submitter (`POST …/erase` with `{"email": ...}`), for a
//! visitor who asks to be forgotten. Each erasure deletes the inquiries together with every
//! row that points at them (delivery and escalation attempts, escalation steps), in one
//! D1 batch, so it is all or nothing. An inquiry still being delivered is erased too: its
//! queued messages then find nothing to post and are dropped.
//!
//! What the POCs' systems already received is theirs to erase; the answer lists the
//! references so the owner can ask them to.

use crate::admin::{authorize, authorized_inquiry};
use crate::auth::email_hash;
use crate::error::EdgeError;
use crate::http::{Reply, content_type_is};
use crate::platform::{self, log};
use crate::retention;
use serde::{Deserialize, Serialize};
use switchboard_shared::api::FieldErrorView;
use switchboard_shared::inquiry::stored_email;
use wasm_bindgen::JsValue;
use worker::{D1Database, Env, Request};

/// Bytes of an erase request body.
const MAX_ERASE_BODY: usize = 4 * 1024;

/// Which inquiries an erasure deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The inquiry with this id.
    Inquiry(String),
    /// Every inquiry whose submitter's address hashes to this (`auth::email_hash` of the
    /// address as intake stores it).
    Submitter { email_hash: String },
}

impl Selection {
    /// The `SELECT id FROM inquiries` condition for the site (`?1`) and the key (`?2`).
    fn matching(&self) -> &'static str {
        match self {
            Selection::Inquiry(_) => "SELECT id FROM inquiries WHERE site_id = ?1 AND id = ?2",
            Selection::Submitter { .. } => {
                "SELECT id FROM inquiries WHERE site_id = ?1 AND email_hash = ?2"
            }
        }
    }

    fn key(&self) -> &str {
        match self {
            Selection::Inquiry(id) => id,
            Selection::Submitter { email_hash } => email_hash,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EraseBody {
    email: String,
}

/// The answer to an erasure.
#[derive(Debug, Serialize)]
pub struct Erased {
    pub site: String,
    /// How many inquiries were deleted.
    pub erased: usize,
    /// Their references, newest first.
    pub references: Vec<String>,
}

#[derive(Deserialize)]
struct Reference {
    reference: String,
}

/// The selection for an erase-by-address body: the address as intake would have stored
/// it, so `Ada@Bücher.example` erases what `ada@xn--bcher-kva.example` submitted.
pub fn submitter(body: &[u8]) -> Result<Selection, EdgeError> {
    let body: EraseBody = serde_json::from_slice(body).map_err(|_| {
        EdgeError::bad_request(
            "invalid_body",
            "the body must be {\"email\": \"<address>\"}",
        )
    })?;
    let email = stored_email(&body.email).ok_or_else(|| EdgeError::BadRequestFields {
        code: "invalid_email",
        message: "email is not an address the form would accept".to_owned(),
        fields: vec![FieldErrorView {
            field: "email".to_owned(),
            code: "invalid_email".to_owned(),
            message: "not an email address".to_owned(),
            limit: None,
        }],
    })?;
    Ok(Selection::Submitter {
        email_hash: email_hash(&email),
    })
}

/// `DELETE /v1/admin/sites/{site}/inquiries/{reference}`.
pub async fn erase_inquiry(
    req: &Request,
    env: &Env,
    site: &str,
    reference: &str,
) -> Result<Reply, EdgeError> {
    let db = env.d1("DB")?;
    let row = authorized_inquiry(req, env, &db, site, reference).await?;
    answer(&db, site, &Selection::Inquiry(row.id)).await
}

/// `POST /v1/admin/sites/{site}/erase` with `{"email": ...}`.
pub async fn erase_submitter(req: &Request, env: &Env, site: &str) -> Result<Reply, EdgeError> {
    let db = env.d1("DB")?;
    authorize(req, env, &db, site).await?;
    if !content_type_is(
        req.headers().get("content-type")?.as_deref(),
        &["application/json"],
    ) {
        return Err(EdgeError::UnsupportedMediaType {
            expected: "application/json",
        });
    }
    let body = platform::read_body_limited(req, MAX_ERASE_BODY).await?;
    answer(&db, site, &submitter(&body)?).await
}

async fn answer(db: &D1Database, site: &str, selection: &Selection) -> Result<Reply, EdgeError> {
    let references = erase(db, site, selection).await?;
    log(&format!(
        "erase: deleted {} inquiries of site {site} on request",
        references.len()
    ));
    Reply::json(
        200,
        &Erased {
            site: site.to_owned(),
            erased: references.len(),
            references,
        },
    )
}

/// Deletes the selected inquiries of `site` and every row pointing at them, in one batch;
/// returns the references deleted. The references are read in the same batch, so the
/// list is exactly what was deleted.
pub async fn erase(
    db: &D1Database,
    site: &str,
    selection: &Selection,
) -> Result<Vec<String>, EdgeError> {
    let matching = selection.matching();
    let args = [JsValue::from_str(site), JsValue::from_str(selection.key())];
    let mut statements = vec![
        db.prepare(format!(
            "SELECT reference FROM inquiries WHERE id IN ({matching}) ORDER BY submitted_ms DESC"
        ))
        .bind(&args)?,
    ];
    let tables = retention::child_tables(db).await;
    statements.extend(retention::delete_statements(db, &tables, matching, &args)?);
    crate::bench_timing::storage_delay().await;
    let results = db.batch(statements).await?;
    let references = results
        .first()
        .map(|r| r.results::<Reference>())
        .transpose()?
        .unwrap_or_default();
    Ok(references.into_iter().map(|r| r.reference).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: &EdgeError) -> Option<String> {
        e.to_http().1.error.fields.first().map(|f| f.field.clone())
    }

    #[test]
    fn an_address_erases_by_the_hash_intake_stores() {
        let typed = submitter(r#"{"email": " Ada@Bücher.Example "}"#.as_bytes()).unwrap();
        let stored = submitter(br#"{"email": "ada@xn--bcher-kva.example"}"#).unwrap();
        assert_eq!(typed, stored);
        assert_eq!(
            stored,
            Selection::Submitter {
                email_hash: email_hash("ada@xn--bcher-kva.example")
            }
        );
    }

    #[test]
    fn bodies_that_name_no_address_are_refused_with_the_field() {
        let not_an_address = submitter(br#"{"email": "ada"}"#).unwrap_err();
        assert_eq!(not_an_address.to_http().0, 400);
        assert_eq!(field_of(&not_an_address).as_deref(), Some("email"));
        for body in [
            &b"{}"[..],
            b"{\"email\": 1}",
            b"[]",
            b"{\"email\": \"a@b.c\", \"x\": 1}",
        ] {
            let e = submitter(body).unwrap_err();
            assert_eq!(e.to_http().0, 400, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn every_selection_is_bound_to_the_site() {
        for s in [
            Selection::Inquiry("i".into()),
            Selection::Submitter {
                email_hash: "h".into(),
            },
        ] {
            assert!(s.matching().contains("site_id = ?1"), "{s:?}");
        }
    }
}
