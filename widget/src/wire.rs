//! The HTTP wire types read from and written to browser JSON without serde: the browser's
//! own `JSON.parse`/`JSON.stringify` do the text work and this module maps values onto
//! `switchboard_shared::api` types. It saves the visitor the bytes of a JSON library;
//! struct literals below make the compiler flag any field added to the shared types.

use js_sys::{Array, JSON, Object, Reflect};
use switchboard_shared::Locale;
use switchboard_shared::api::{
    ExpectedResponse, FieldErrorView, FormDefinition, SubmitAccepted, SubmitRequest, TopicInfo,
};
use switchboard_shared::form::{ChoiceOption, FieldKind, FieldSpec, FormSpec};
use switchboard_shared::inquiry::{Draft, Inquiry, RawValue, Value};
use switchboard_shared::locale::Localized;
use switchboard_shared::{FieldError, LiteMap};
use wasm_bindgen::JsValue;

/// Why a body could not be read: the path of the missing or mistyped member.
pub type WireError = String;

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn text(obj: &JsValue, key: &str) -> Result<String, WireError> {
    get(obj, key)
        .as_string()
        .ok_or_else(|| format!("`{key}` must be a string"))
}

fn opt_text(obj: &JsValue, key: &str) -> String {
    get(obj, key).as_string().unwrap_or_default()
}

fn flag(obj: &JsValue, key: &str) -> bool {
    get(obj, key).as_bool().unwrap_or(false)
}

fn count(obj: &JsValue, key: &str) -> Option<usize> {
    get(obj, key)
        .as_f64()
        .filter(|n| *n >= 0.0)
        .map(|n| n as usize)
}

fn list<T>(
    obj: &JsValue,
    key: &str,
    item: impl Fn(&JsValue) -> Result<T, WireError>,
) -> Result<Vec<T>, WireError> {
    let value = get(obj, key);
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    if !Array::is_array(&value) {
        return Err(format!("`{key}` must be a list"));
    }
    Array::from(&value).iter().map(|v| item(&v)).collect()
}

/// A string (the English text) or an object of language tag to text.
fn localized(obj: &JsValue, key: &str) -> Localized {
    let value = get(obj, key);
    if let Some(plain) = value.as_string() {
        return Localized::en(&plain);
    }
    let mut map = LiteMap::new();
    if value.is_object() {
        for entry in Object::entries(&Object::from(value)).iter() {
            let pair = Array::from(&entry);
            if let (Some(tag), Some(t)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                map.insert(tag, t);
            }
        }
    }
    Localized(map)
}

fn kind(name: &str) -> Result<FieldKind, WireError> {
    Ok(match name {
        "text" => FieldKind::Text,
        "email" => FieldKind::Email,
        "long_text" => FieldKind::LongText,
        "choice" => FieldKind::Choice,
        "multi_choice" => FieldKind::MultiChoice,
        "checkbox" => FieldKind::Checkbox,
        "phone" => FieldKind::Phone,
        "url" => FieldKind::Url,
        other => return Err(format!("unknown field kind `{other}`")),
    })
}

fn field(v: &JsValue) -> Result<FieldSpec, WireError> {
    Ok(FieldSpec {
        id: text(v, "id")?,
        kind: kind(&text(v, "kind")?)?,
        label: localized(v, "label"),
        required: flag(v, "required"),
        min_len: count(v, "min_len"),
        max_len: count(v, "max_len"),
        help: localized(v, "help"),
        placeholder: localized(v, "placeholder"),
        options: list(v, "options", |o| {
            Ok(ChoiceOption {
                value: text(o, "value")?,
                label: localized(o, "label"),
            })
        })?,
        topic: flag(v, "topic"),
    })
}

fn expected(v: &JsValue) -> ExpectedResponse {
    let e = get(v, "expected");
    ExpectedResponse {
        deadline: opt_text(&e, "deadline"),
        deadline_local: opt_text(&e, "deadline_local"),
        within: opt_text(&e, "within"),
        open_now: flag(&e, "open_now"),
        sentence: opt_text(&e, "sentence"),
    }
}

/// `GET /v1/sites/{site}/form`, already parsed by `JSON.parse`.
pub fn form_definition(v: &JsValue) -> Result<FormDefinition, WireError> {
    let form = get(v, "form");
    let honeypot = get(&form, "honeypot")
        .as_string()
        .unwrap_or_else(|| "website".to_owned());
    Ok(FormDefinition {
        site: text(v, "site")?,
        locale: Locale::from_tag(&opt_text(v, "locale")),
        form: FormSpec {
            fields: list(&form, "fields", field)?,
            honeypot,
        },
        topics: list(v, "topics", |t| {
            Ok(TopicInfo {
                topic: text(t, "topic")?,
                team: text(t, "team")?,
                scope: opt_text(t, "scope"),
                expected: expected(t),
            })
        })?,
        render_token: opt_text(v, "render_token"),
        turnstile_site_key: Some(opt_text(v, "turnstile_site_key")).filter(|k| !k.is_empty()),
        // The loader has used these: it loads the Turnstile script, passes the browser's
        // zone to `mount` and has shown the prerendered form; the widget draws its own.
        turnstile_script: None,
        time_zone: None,
        html: None,
        routing_fields: list(v, "routing_fields", |f| {
            f.as_string()
                .ok_or_else(|| "`routing_fields` must hold strings".to_owned())
        })?,
    })
}

/// The `200` body of a routing preview, as the hint shows it.
pub fn preview_answer(v: &JsValue) -> Result<TopicInfo, WireError> {
    Ok(TopicInfo {
        topic: opt_text(v, "topic"),
        team: text(v, "team")?,
        scope: opt_text(v, "scope"),
        expected: expected(v),
    })
}

/// The `202` body.
pub fn submit_accepted(v: &JsValue) -> Result<SubmitAccepted, WireError> {
    Ok(SubmitAccepted {
        reference: text(v, "reference")?,
        poc: opt_text(v, "poc"),
        team: opt_text(v, "team"),
        scope: opt_text(v, "scope"),
        priority: opt_text(v, "priority"),
        expected: expected(v),
        confirmation: Some(opt_text(v, "confirmation")).filter(|c| !c.is_empty()),
    })
}

/// `error.code` of a 4xx body ("" when missing).
pub fn error_code(v: &JsValue) -> String {
    opt_text(&get(v, "error"), "code")
}

/// The `render_token` of a form definition, if it has a non-empty one.
pub fn render_token(v: &JsValue) -> Option<String> {
    Some(opt_text(v, "render_token")).filter(|t| !t.is_empty())
}

/// `error.fields` of a 4xx body.
pub fn error_fields(v: &JsValue) -> Vec<FieldErrorView> {
    list(&get(v, "error"), "fields", |f| {
        Ok(FieldErrorView {
            field: text(f, "field")?,
            code: opt_text(f, "code"),
            message: opt_text(f, "message"),
            limit: count(f, "limit"),
        })
    })
    .unwrap_or_default()
}

fn raw_value(value: &RawValue) -> JsValue {
    match value {
        RawValue::Bool(b) => JsValue::from_bool(*b),
        RawValue::Text(t) => JsValue::from_str(t),
        RawValue::List(items) => items
            .iter()
            .map(|s| JsValue::from_str(s))
            .collect::<Array>()
            .into(),
    }
}

/// The `POST /v1/sites/{site}/inquiries` body as JSON text.
pub fn submit_request(r: &SubmitRequest) -> Result<String, WireError> {
    // Every member is named, so a field added to the shared type fails to compile here.
    let SubmitRequest {
        idempotency_key,
        locale,
        time_zone,
        render_token,
        turnstile_token,
        fields: values,
    } = r;
    let fields = Object::new();
    let body = Object::new();
    let optional = |v: &Option<String>| v.as_deref().map_or(JsValue::NULL, JsValue::from_str);
    let set = |obj: &Object, key: &str, value: &JsValue| {
        Reflect::set(obj, &JsValue::from_str(key), value).map(|_| ())
    };
    let filled = values
        .iter()
        .try_for_each(|(id, value)| set(&fields, id, &raw_value(value)))
        .and_then(|()| {
            set(
                &body,
                "idempotency_key",
                &JsValue::from_str(idempotency_key),
            )
        })
        .and_then(|()| set(&body, "locale", &optional(locale)))
        .and_then(|()| set(&body, "time_zone", &optional(time_zone)))
        .and_then(|()| set(&body, "render_token", &optional(render_token)))
        .and_then(|()| set(&body, "turnstile_token", &optional(turnstile_token)))
        .and_then(|()| set(&body, "fields", &fields));
    filled
        .and_then(|()| JSON::stringify(&body))
        .map(String::from)
        .map_err(|_| "the request could not be encoded".to_owned())
}

/// Parses JSON text with the browser's parser.
pub fn parse(text: &str) -> Result<JsValue, WireError> {
    JSON::parse(text).map_err(|_| "the body is not JSON".to_owned())
}

/// A draft from a plain object of field id -> string, boolean or array of strings.
pub fn draft(v: &JsValue) -> Draft {
    let mut out = Draft::new();
    if !v.is_object() {
        return out;
    }
    let entries = Object::entries(&Object::from(v.clone()));
    for entry in entries.iter() {
        let pair = Array::from(&entry);
        let (Some(key), value) = (pair.get(0).as_string(), pair.get(1)) else {
            continue;
        };
        let raw = if let Some(b) = value.as_bool() {
            RawValue::Bool(b)
        } else if Array::is_array(&value) {
            RawValue::List(
                Array::from(&value)
                    .iter()
                    .filter_map(|s| s.as_string())
                    .collect(),
            )
        } else {
            RawValue::Text(value.as_string().unwrap_or_default())
        };
        out.insert(key, raw);
    }
    out
}

/// `{ ok: true, fields: {...} }` or `{ ok: false, errors: [{ field, code, limit }] }`.
pub fn parse_result(result: &Result<Inquiry, Vec<FieldError>>) -> JsValue {
    let set = |obj: &Object, key: &str, value: &JsValue| {
        let _ = Reflect::set(obj, &JsValue::from_str(key), value);
    };
    let out = Object::new();
    match result {
        Ok(inquiry) => {
            set(&out, "ok", &JsValue::TRUE);
            let fields = Object::new();
            for (id, value) in &inquiry.fields {
                let v = match value {
                    Value::Bool(b) => RawValue::Bool(*b),
                    Value::Text(t) => RawValue::Text(t.clone()),
                    Value::List(l) => RawValue::List(l.clone()),
                };
                set(&fields, id, &raw_value(&v));
            }
            set(&out, "fields", &fields);
        }
        Err(errors) => {
            set(&out, "ok", &JsValue::FALSE);
            let list = Array::new();
            for e in errors {
                let item = Object::new();
                set(&item, "field", &JsValue::from_str(&e.field));
                set(&item, "code", &JsValue::from_str(e.code.as_str()));
                if let Some(limit) = e.limit {
                    set(&item, "limit", &JsValue::from_f64(limit as f64));
                }
                list.push(&item);
            }
            set(&out, "errors", &list);
        }
    }
    out.into()
}
