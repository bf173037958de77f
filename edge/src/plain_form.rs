//! The form without JavaScript: `GET /v1/sites/{site}/form.html` serves a plain HTML form
//! (for `<noscript>` or a link) that posts `application/x-www-form-urlencoded` back to the
//! same address, which runs the inquiry endpoint's checks and storage and answers with an
//! HTML page: the confirmation with the reference and expected response, or the form
//! again, refilled, with every field error listed.
//! Rendering and decoding are plain functions of plain values, tested natively.

use crate::auth::issue_render_token;
use crate::bench_timing::Steps;
use crate::error::{EdgeError, MAX_INQUIRY_BODY};
use crate::http::{Reply, query_param};
use crate::platform;
use switchboard_shared::Locale;
use switchboard_shared::api::{
    ErrorBody, FieldErrorView, SubmitAccepted, SubmitRequest, TopicInfo,
};
use switchboard_shared::config::SiteConfig;
use switchboard_shared::form::{FieldKind, FieldSpec, FormSpec};
use switchboard_shared::inquiry::{Draft, RawValue};
use switchboard_shared::markup::TURNSTILE_RESPONSE;
use switchboard_shared::words::ui;

/// Content type of every page here.
pub const HTML: &str = "text/html; charset=utf-8";

/// Hidden fields the page carries besides the form's own.
const KEY: &str = "idempotency_key";
const LOCALE: &str = "locale";
const TZ: &str = "time_zone";
const TOKEN: &str = "render_token";

/// The page's own words, per locale: its title, the summary lines and the refusals only a
/// page without JavaScript meets. Everything else is the widget's wording
/// (`switchboard_shared::words`), so both forms say the same.
struct Words {
    title: &'static str,
    summary: &'static str,
    /// The summary line when the refusal names no field.
    refused: &'static str,
    expired: &'static str,
    too_fast: &'static str,
    challenge: &'static str,
}

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::En => &Words {
            title: "Contact us",
            summary: "Please correct these fields:",
            refused: "Your message was not sent:",
            expired: "The form had expired and has been renewed. Please send it again.",
            too_fast: "That was faster than anyone types. Please wait a few seconds and send it again.",
            challenge: "This site asks for a security check that needs JavaScript. Please turn JavaScript on, or reach us another way.",
        },
        Locale::De => &Words {
            title: "Kontakt",
            summary: "Bitte diese Felder korrigieren:",
            refused: "Die Nachricht wurde nicht gesendet:",
            expired: "Das Formular war abgelaufen und wurde erneuert. Bitte erneut senden.",
            too_fast: "Das ging schneller, als jemand tippen kann. Bitte einige Sekunden warten und erneut senden.",
            challenge: "Diese Website verlangt eine Sicherheitsprüfung, die JavaScript braucht. Bitte JavaScript einschalten oder uns auf anderem Weg erreichen.",
        },
        Locale::Fr => &Words {
            title: "Nous contacter",
            summary: "Veuillez corriger ces champs :",
            refused: "Votre message n'a pas été envoyé :",
            expired: "Le formulaire avait expiré et a été renouvelé. Veuillez l'envoyer à nouveau.",
            too_fast: "C'était plus rapide que quiconque ne tape. Veuillez patienter quelques secondes et l'envoyer à nouveau.",
            challenge: "Ce site demande une vérification de sécurité qui nécessite JavaScript. Veuillez activer JavaScript ou nous joindre autrement.",
        },
        Locale::Es => &Words {
            title: "Contacto",
            summary: "Corrige estos campos:",
            refused: "Tu mensaje no se ha enviado:",
            expired: "El formulario había caducado y se ha renovado. Envíalo de nuevo.",
            too_fast: "Ha sido más rápido de lo que nadie escribe. Espera unos segundos y envíalo de nuevo.",
            challenge: "Este sitio pide una verificación de seguridad que necesita JavaScript. Activa JavaScript o contáctanos de otra forma.",
        },
    }
}

/// A refusal that names no field, in the visitor's words (the edge's own message is
/// English and written for developers).
fn refusal_line(code: &str, locale: Locale) -> &'static str {
    let w = words(locale);
    match code {
        "render_token_expired" => w.expired,
        "too_fast" => w.too_fast,
        "turnstile_failed" => w.challenge,
        "rate_limited" => ui(locale).limited,
        _ => ui(locale).failed,
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page: no scripts, no inline styles (a strict CSP on the edge origin holds).
fn page(locale: Locale, title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title></head>\n<body>\n<main>\n{body}</main>\n</body></html>\n",
        locale.tag(),
        esc(title)
    )
}

/// Everything the form page shows besides the form spec.
pub struct FormPage<'a> {
    pub form: &'a FormSpec,
    pub topics: &'a [TopicInfo],
    pub locale: Locale,
    /// Absolute URL the form posts to: `/v1/sites/{site}/form.html`.
    pub action: &'a str,
    pub key: &'a str,
    pub time_zone: &'a str,
    pub render_token: &'a str,
    /// What the visitor typed (refill after errors); empty for a fresh form.
    pub values: &'a Draft,
    pub errors: &'a [FieldErrorView],
}

fn text_value(values: &Draft, id: &str) -> String {
    match values.get(id) {
        Some(RawValue::Text(t)) => t.clone(),
        _ => String::new(),
    }
}

fn control(f: &FieldSpec, p: &FormPage<'_>, described: &str) -> String {
    let id = esc(&f.id);
    let required = if f.required { " required" } else { "" };
    let invalid = if described.is_empty() {
        String::new()
    } else {
        format!(" aria-invalid=\"true\" aria-describedby=\"{described}\"")
    };
    let value = esc(&text_value(p.values, &f.id));
    let input = |kind: &str, autocomplete: &str| {
        format!(
            "<input type=\"{kind}\" id=\"f-{id}\" name=\"{id}\" value=\"{value}\" autocomplete=\"{autocomplete}\"{required}{invalid}>"
        )
    };
    match f.kind {
        FieldKind::Text => input("text", if f.id == "name" { "name" } else { "off" }),
        FieldKind::Email => input("email", "email"),
        FieldKind::Phone => input("tel", "tel"),
        FieldKind::Url => input("url", "url"),
        FieldKind::LongText => format!(
            "<textarea id=\"f-{id}\" name=\"{id}\" rows=\"6\"{required}{invalid}>{value}</textarea>"
        ),
        FieldKind::Choice => {
            let chosen = text_value(p.values, &f.id);
            let mut s = format!(
                "<select id=\"f-{id}\" name=\"{id}\"{required}{invalid}><option value=\"\">{}</option>",
                esc(ui(p.locale).choose)
            );
            for o in &f.options {
                let selected = if o.value == chosen { " selected" } else { "" };
                let hint = p
                    .topics
                    .iter()
                    .find(|t| f.topic && t.topic == o.value)
                    // A page without JavaScript cannot follow the rules as the visitor
                    // types, so it says what usually happens; its confirmation is exact.
                    .map(|t| format!(" — {}: {} {}", t.team, usually(p.locale), t.expected.within))
                    .unwrap_or_default();
                s.push_str(&format!(
                    "<option value=\"{}\"{selected}>{}{}</option>",
                    esc(&o.value),
                    esc(o.label.get(p.locale)),
                    esc(&hint)
                ));
            }
            s.push_str("</select>");
            s
        }
        FieldKind::MultiChoice => {
            let chosen = match p.values.get(&f.id) {
                Some(RawValue::List(l)) => l.clone(),
                _ => Vec::new(),
            };
            f.options
                .iter()
                .map(|o| {
                    let checked = if chosen.contains(&o.value) { " checked" } else { "" };
                    format!(
                        "<label><input type=\"checkbox\" name=\"{id}\" value=\"{}\"{checked}> {}</label>",
                        esc(&o.value),
                        esc(o.label.get(p.locale))
                    )
                })
                .collect()
        }
        FieldKind::Checkbox => {
            let checked = matches!(p.values.get(&f.id), Some(RawValue::Bool(true)));
            format!(
                "<input type=\"checkbox\" id=\"f-{id}\" name=\"{id}\" value=\"true\"{}{required}{invalid}>",
                if checked { " checked" } else { "" }
            )
        }
    }
}

/// The form page: fields with labels, required markers, help, errors (each tied to its
/// control by `aria-describedby`), an error summary first when there are errors.
pub fn render_form(p: &FormPage<'_>) -> String {
    let w = words(p.locale);
    let ui = ui(p.locale);
    let mut body = format!("<h1>{}</h1>\n", esc(w.title));
    if !p.errors.is_empty() {
        let heading = if p.errors.iter().all(|e| e.field.is_empty()) {
            w.refused
        } else {
            w.summary
        };
        body.push_str(&format!(
            "<div role=\"alert\" id=\"errors\"><p>{}</p><ul>",
            esc(heading)
        ));
        for e in p.errors {
            let label = p
                .form
                .field(&e.field)
                .map(|f| f.label.get(p.locale).to_owned())
                .unwrap_or_else(|| e.field.clone());
            if e.field.is_empty() {
                body.push_str(&format!("<li>{}</li>", esc(&e.message)));
                continue;
            }
            body.push_str(&format!(
                "<li><a href=\"#f-{}\">{}: {}</a></li>",
                esc(&e.field),
                esc(&label),
                esc(&e.message)
            ));
        }
        body.push_str("</ul></div>\n");
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}\" accept-charset=\"utf-8\">\n<p>{}</p>\n",
        esc(p.action),
        esc(ui.required_note)
    ));
    for f in &p.form.fields {
        let error = p.errors.iter().find(|e| e.field == f.id);
        let described = if error.is_some() {
            format!("e-{}", esc(&f.id))
        } else {
            String::new()
        };
        let marker = if f.required {
            format!(" <abbr title=\"{}\">*</abbr>", esc(ui.required))
        } else {
            String::new()
        };
        let label = esc(f.label.get(p.locale));
        if f.kind == FieldKind::MultiChoice {
            body.push_str(&format!("<fieldset><legend>{label}{marker}</legend>"));
        } else {
            body.push_str(&format!(
                "<p><label for=\"f-{}\">{label}{marker}</label><br>",
                esc(&f.id)
            ));
        }
        body.push_str(&control(f, p, &described));
        if !f.help.is_empty() {
            body.push_str(&format!("<br><small>{}</small>", esc(f.help.get(p.locale))));
        }
        if let Some(e) = error {
            body.push_str(&format!(
                "<br><strong id=\"{described}\">{}</strong>",
                esc(&e.message)
            ));
        }
        body.push_str(if f.kind == FieldKind::MultiChoice {
            "</fieldset>\n"
        } else {
            "</p>\n"
        });
    }
    let hidden = |name: &str, value: &str| {
        format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n",
            esc(value)
        )
    };
    body.push_str(&format!(
        "<p hidden><label>{} <input type=\"text\" name=\"{}\" tabindex=\"-1\" autocomplete=\"off\"></label></p>\n",
        esc(ui.honeypot),
        esc(&p.form.honeypot)
    ));
    body.push_str(&hidden(KEY, p.key));
    body.push_str(&hidden(LOCALE, p.locale.tag()));
    body.push_str(&hidden(TZ, p.time_zone));
    body.push_str(&hidden(TOKEN, p.render_token));
    body.push_str(&format!(
        "<p><button type=\"submit\">{}</button></p>\n</form>\n",
        esc(ui.submit)
    ));
    page(p.locale, w.title, &body)
}

/// The confirmation page: reference, team, expected response and, when the POC has one,
/// the site's own confirmation text.
pub fn render_confirmation(answer: &SubmitAccepted, locale: Locale, form_url: &str) -> String {
    let ui = ui(locale);
    let own = answer
        .confirmation
        .as_deref()
        .map(|text| format!("<p id=\"confirmation\">{}</p>\n", esc(text)))
        .unwrap_or_default();
    let body = format!(
        "<h1>{}</h1>\n<p>{}: <strong id=\"reference\">{}</strong></p>\n<p id=\"expected\"><strong>{}</strong> · {}</p>\n{own}<p><a href=\"{}\">{}</a></p>\n",
        esc(ui.success_title),
        esc(ui.reference),
        esc(&answer.reference),
        esc(&answer.team),
        esc(&answer.expected.sentence),
        esc(form_url),
        esc(ui.send_another)
    );
    page(locale, ui.success_title, &body)
}

/// Decodes an urlencoded body into the JSON endpoint's request: each form field by its
/// kind (lists for multi choice, booleans for checkboxes), the honeypot, and the hidden
/// fields. Decoding never fails; the shared parse judges the values.
pub fn decode(body: &[u8], form: &FormSpec) -> SubmitRequest {
    let pairs: Vec<(String, String)> = form_pairs(body);
    let first = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut fields = Draft::new();
    for f in &form.fields {
        let value = match f.kind {
            FieldKind::MultiChoice => RawValue::List(
                pairs
                    .iter()
                    .filter(|(k, _)| *k == f.id)
                    .map(|(_, v)| v.clone())
                    .collect(),
            ),
            FieldKind::Checkbox => RawValue::Bool(first(&f.id).is_some()),
            _ => RawValue::Text(first(&f.id).unwrap_or_default()),
        };
        fields.insert(f.id.clone(), value);
    }
    fields.insert(
        form.honeypot.clone(),
        RawValue::Text(first(&form.honeypot).unwrap_or_default()),
    );
    let optional = |name: &str| first(name).filter(|v| !v.is_empty());
    SubmitRequest {
        idempotency_key: first(KEY).unwrap_or_default(),
        locale: optional(LOCALE),
        time_zone: optional(TZ),
        render_token: optional(TOKEN),
        // The field Turnstile's script adds to a form. Without JavaScript there is none, so a
        // site that requires Turnstile refuses the plain form with `turnstile_failed`.
        turnstile_token: optional(TURNSTILE_RESPONSE),
        fields,
    }
}

/// `application/x-www-form-urlencoded` pairs, decoded as browsers encode them.
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    let mut url = match worker::Url::parse("http://form.invalid/") {
        Ok(u) => u,
        Err(_) => return Vec::new(),
    };
    url.set_query(Some(&String::from_utf8_lossy(body)));
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A fresh idempotency key for one rendered form (a reload gets another; a resubmitted
/// page sends the same one and gets the stored answer).
pub fn fresh_key() -> Result<String, EdgeError> {
    let bytes = platform::random_bytes::<16>()?;
    Ok(format!(
        "form-{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

/// `https://EDGE/v1/sites/{site}/` for this request's edge origin.
fn site_base(req: &worker::Request, site: &str) -> Result<String, EdgeError> {
    let origin = req.url()?.origin().ascii_serialization();
    Ok(format!("{origin}/v1/sites/{site}/"))
}

/// The visitor's language: `?locale=`, else the first supported one of Accept-Language,
/// else the site's default.
fn locale_of(req: &worker::Request, config: &SiteConfig) -> Result<Locale, EdgeError> {
    if let Some(tag) = query_param(req, "locale")? {
        return Ok(Locale::from_tag(&tag));
    }
    let header = req.headers().get("accept-language")?.unwrap_or_default();
    Ok(Locale::negotiate(
        header
            .split(',')
            .map(|part| part.split(';').next().unwrap_or("").trim()),
        config.default_locale,
    ))
}

/// `GET /v1/sites/{site}/form.html[?locale=..&tz=..]`.
pub async fn get(
    req: &worker::Request,
    env: &worker::Env,
    config: &SiteConfig,
) -> Result<Reply, EdgeError> {
    let locale = locale_of(req, config)?;
    // Without `tz`, the zone Cloudflare places the visitor in, as for the widget; the page
    // posts it back, so the confirmation's reply time is in that zone too.
    let known = |name: &String| jiff::tz::TimeZone::get(name).is_ok();
    let tz = query_param(req, "tz")?
        .filter(known)
        .or_else(|| platform::request_time_zone(req).filter(known))
        .unwrap_or_default();
    let now = platform::now_ms();
    let secret = platform::secret(env, "RENDER_TOKEN_SECRET")?;
    let topics = crate::form::topics(
        config,
        locale,
        now,
        Some(tz.as_str()).filter(|t| !t.is_empty()),
    );
    let action = format!("{}form.html", site_base(req, &config.site)?);
    let html = render_form(&FormPage {
        form: &config.form,
        topics: &topics,
        locale,
        action: &action,
        key: &fresh_key()?,
        time_zone: &tz,
        render_token: &issue_render_token(&secret, &config.site, now),
        values: &Draft::new(),
        errors: &[],
    });
    Ok(Reply::text(200, HTML, html).with_header("cache-control", "no-store"))
}

/// `POST /v1/sites/{site}/form.html` with an urlencoded body (any other type: 415 JSON):
/// the JSON API's checks and storage (`submit::accept`), answered as HTML.
pub async fn post(
    req: &worker::Request,
    env: &worker::Env,
    ctx: &worker::Context,
    db: &worker::D1Database,
    config: &SiteConfig,
    steps: &mut Steps,
) -> Result<Reply, EdgeError> {
    let headers = req.headers();
    crate::intake::check_media_type(
        headers.get("content-type")?.as_deref(),
        crate::intake::BodyKind::UrlEncoded,
    )?;
    crate::intake::check_declared_length(headers.get("content-length")?.as_deref())?;
    let body = platform::read_body_limited(req, MAX_INQUIRY_BODY).await?;
    let request = decode(&body, &config.form);
    let locale = request
        .locale
        .as_deref()
        .map_or(config.default_locale, Locale::from_tag);
    let values = request.fields.clone();
    let tz = request.time_zone.clone().unwrap_or_default();
    let token = request.render_token.clone().unwrap_or_default();
    let json = match crate::submit::accept(req, env, ctx, db, config, request, steps).await {
        Ok(reply) => reply,
        Err(e) => Reply::from_error(&e),
    };
    let errors = match serde_json::from_str::<ErrorBody>(&json.body) {
        Ok(body) if !(200..300).contains(&json.status) && body.error.fields.is_empty() => {
            // Not about a field (an old form, too fast, a limit): said once, above the form.
            vec![FieldErrorView {
                field: String::new(),
                message: refusal_line(&body.error.code, locale).to_owned(),
                code: body.error.code,
                limit: None,
            }]
        }
        Ok(body) if !(200..300).contains(&json.status) => body.error.fields,
        _ => Vec::new(),
    };
    let base = site_base(req, &config.site)?;
    let action = format!("{base}form.html");
    let form_url = format!("{base}form.html?locale={}", locale.tag());
    let topics = crate::form::topics(
        config,
        locale,
        platform::now_ms(),
        Some(tz.as_str()).filter(|t| !t.is_empty()),
    );
    // Refused: nothing was stored under the old key, so the corrected form gets a new one.
    let key = fresh_key()?;
    // An expired form is renewed, so sending it again can work.
    let token = if errors.iter().any(|e| e.code == "render_token_expired") {
        let secret = platform::secret(env, "RENDER_TOKEN_SECRET")?;
        issue_render_token(&secret, &config.site, platform::now_ms())
    } else {
        token
    };
    Ok(html_reply(
        &json,
        &FormPage {
            form: &config.form,
            topics: &topics,
            locale,
            action: &action,
            key: &key,
            time_zone: &tz,
            render_token: &token,
            values: &values,
            errors: &errors,
        },
        &form_url,
    ))
}

/// The HTML answer for what the JSON path answered: confirmation for 2xx, the refilled
/// form with errors for a 422, and a short error page otherwise.
pub fn html_reply(json: &Reply, p: &FormPage<'_>, form_url: &str) -> Reply {
    if (200..300).contains(&json.status)
        && let Ok(answer) = serde_json::from_str::<SubmitAccepted>(&json.body)
    {
        return Reply::text(
            json.status,
            HTML,
            render_confirmation(&answer, p.locale, form_url),
        );
    }
    let mut reply = Reply::text(json.status, HTML, render_form(p));
    // A 429's wait holds for the page too.
    if let Some((_, wait)) = json.headers.iter().find(|(k, _)| *k == "retry-after") {
        reply = reply.with_header("retry-after", wait.clone());
    }
    reply
}

/// "usually", before a topic's reply time on the page without JavaScript.
fn usually(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "usually",
        Locale::De => "meist",
        Locale::Fr => "généralement",
        Locale::Es => "normalmente",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_shared::api::ExpectedResponse;
    use switchboard_shared::form::ChoiceOption;
    use switchboard_shared::locale::Localized;

    fn form() -> FormSpec {
        FormSpec::standard(vec![ChoiceOption {
            value: "support".into(),
            label: Localized::en("Support"),
        }])
    }

    #[test]
    fn decodes_browser_encoding() {
        let f = form();
        let body = b"name=Ada+Lovelace&email=ada%40example.com&topic=support&message=Hi%0D%0Athere&idempotency_key=form-1&locale=de&time_zone=&website=";
        let r = decode(body, &f);
        assert_eq!(r.idempotency_key, "form-1");
        assert_eq!(r.locale.as_deref(), Some("de"));
        assert_eq!(r.time_zone, None);
        assert_eq!(
            r.fields.get("name"),
            Some(&RawValue::Text("Ada Lovelace".into()))
        );
        assert_eq!(
            r.fields.get("email"),
            Some(&RawValue::Text("ada@example.com".into()))
        );
        assert_eq!(
            r.fields.get("message"),
            Some(&RawValue::Text("Hi\r\nthere".into()))
        );
        assert_eq!(r.fields[&f.honeypot], RawValue::Text(String::new()));
    }

    #[test]
    fn refilled_form_escapes_and_marks_errors() {
        let f = form();
        let mut values = Draft::new();
        values.insert("name".into(), RawValue::Text("<b>\"x\"</b>".into()));
        let errors = vec![FieldErrorView {
            field: "email".into(),
            code: "required".into(),
            message: "Please enter your email".into(),
            limit: None,
        }];
        let html = render_form(&FormPage {
            form: &f,
            topics: &[],
            locale: Locale::En,
            action: "https://edge.example/v1/sites/s/form.html",
            key: "form-1",
            time_zone: "",
            render_token: "t",
            values: &values,
            errors: &errors,
        });
        assert!(html.contains("value=\"&lt;b&gt;&quot;x&quot;&lt;/b&gt;\""));
        assert!(!html.contains("<b>\"x\""));
        assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"e-email\""));
        assert!(html.contains("<strong id=\"e-email\">Please enter your email</strong>"));
        assert!(html.contains("role=\"alert\""));
        assert!(html.contains("name=\"idempotency_key\" value=\"form-1\""));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn confirmation_names_reference_team_and_time() {
        let answer = SubmitAccepted {
            reference: "SB-AAAA-BBBB".into(),
            poc: "support".into(),
            team: "Support".into(),
            scope: String::new(),
            priority: "normal".into(),
            expected: ExpectedResponse {
                deadline: String::new(),
                deadline_local: String::new(),
                within: "within 1 day".into(),
                open_now: true,
                sentence: "Expect a reply by tomorrow.".into(),
            },
            confirmation: Some("Danke, Ada <3".into()),
        };
        let html = render_confirmation(&answer, Locale::De, "/form.html");
        assert!(html.contains("<p id=\"confirmation\">Danke, Ada &lt;3</p>"));
        assert!(html.contains("<html lang=\"de\">"));
        assert!(html.contains("SB-AAAA-BBBB"));
        assert!(html.contains("Support"));
        assert!(html.contains("Expect a reply by tomorrow."));
    }

    #[test]
    fn refusals_without_a_field_are_in_the_visitors_words() {
        for locale in [Locale::En, Locale::De, Locale::Fr, Locale::Es] {
            let lines = [
                "render_token_expired",
                "too_fast",
                "turnstile_failed",
                "rate_limited",
                "x",
            ]
            .map(|code| refusal_line(code, locale));
            assert_eq!(lines[3], ui(locale).limited);
            assert_eq!(lines[4], ui(locale).failed);
            let distinct = lines.iter().collect::<std::collections::BTreeSet<_>>();
            assert_eq!(distinct.len(), 5, "{locale:?}: {lines:?}");
        }
        let errors = vec![FieldErrorView {
            field: String::new(),
            code: "too_fast".into(),
            message: refusal_line("too_fast", Locale::De).to_owned(),
            limit: None,
        }];
        let json = Reply::raw_json(429, "{}".to_owned()).with_header("retry-after", "3");
        let f = form();
        let page = FormPage {
            form: &f,
            topics: &[],
            locale: Locale::De,
            action: "https://edge.example/v1/sites/s/form.html",
            key: "form-1",
            time_zone: "",
            render_token: "t",
            values: &Draft::new(),
            errors: &errors,
        };
        let reply = html_reply(&json, &page, "/form.html");
        assert_eq!(reply.status, 429);
        assert!(reply.headers.contains(&("retry-after", "3".to_owned())));
        assert!(
            reply.body.contains(words(Locale::De).refused),
            "{}",
            reply.body
        );
        assert!(reply.body.contains(words(Locale::De).too_fast));
        assert!(!reply.body.contains(words(Locale::De).summary));
    }
}
