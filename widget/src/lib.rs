//! The Switchboard contact form widget: Leptos (CSR) compiled to WebAssembly. The loader
//! (`loader/widget.js`) fetches the form definition and calls [`mount`] with an element
//! inside the shadow root it created.

mod browser;
mod contact_form;
mod error_summary;
mod field;
mod field_state;
mod hint;
mod send;
mod success_view;
mod topic_hint;
mod unicode;
mod wire;

use contact_form::{ContactForm, Setup};
use leptos::prelude::*;
use switchboard_shared::Locale;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

/// Mounts the form for `site` into `container`. `definition` is the body of
/// `GET {edge}/v1/sites/{site}/form`, as a JSON string or an already parsed object.
/// `locale` is a BCP 47 tag (empty: the definition's locale); `time_zone` an IANA name.
/// `draft` (field id -> value, or `undefined`) holds what the visitor already typed into
/// the prerendered form the loader showed while the wasm was on its way.
#[wasm_bindgen]
pub fn mount(
    container: HtmlElement,
    edge: String,
    site: String,
    definition: JsValue,
    locale: String,
    time_zone: String,
    draft: JsValue,
) -> Result<(), JsValue> {
    unicode::install();
    let parsed = match definition.as_string() {
        Some(text) => wire::parse(&text),
        None => Ok(definition),
    };
    let definition = parsed
        .and_then(|v| wire::form_definition(&v))
        .map_err(|e| JsValue::from_str(&format!("switchboard: bad form definition: {e}")))?;
    let locale = if locale.is_empty() {
        definition.locale
    } else {
        Locale::from_tag(&locale)
    };
    let site = String::from(js_sys::encode_uri_component(&site));
    let setup = Setup {
        definition,
        submit_url: format!("{edge}/v1/sites/{site}/inquiries"),
        definition_url: format!("{edge}/v1/sites/{site}/form"),
        preview_url: format!("{edge}/v1/sites/{site}/preview"),
        locale,
        time_zone,
        initial: wire::draft(&draft),
    };
    leptos::mount::mount_to(container, move || view! { <ContactForm setup /> }).forget();
    Ok(())
}

/// Checks `draft` (field id -> value) against the form of `definition` (the body of
/// `GET /v1/sites/{site}/form`) with the same parse function the edge runs. Returns
/// `{ ok: true, fields }` or `{ ok: false, errors: [{ field, code, limit }] }`. Site owners
/// can use it to pre-check data; the tests use it to compare the browser with the edge.
#[wasm_bindgen]
pub fn validate(definition: JsValue, draft: JsValue) -> Result<JsValue, JsValue> {
    unicode::install();
    let definition = wire::form_definition(&definition)
        .map_err(|e| JsValue::from_str(&format!("switchboard: bad form definition: {e}")))?;
    let result = switchboard_shared::parse_inquiry(&definition.form, &wire::draft(&draft));
    Ok(wire::parse_result(&result))
}
