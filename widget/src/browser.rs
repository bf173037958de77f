//! The few browser calls the form makes outside Leptos: random keys, timers, focus, the
//! clipboard and the Turnstile challenge. Each one degrades quietly when the browser lacks
//! the feature.

use js_sys::{Function, Promise, Reflect};
use switchboard_shared::markup::{CHALLENGE_CLASS, TURNSTILE_RESPONSE, control_id};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, Event, HtmlElement};

/// A fresh idempotency key: `crypto.randomUUID()`, or an equivalent v4 UUID built from
/// `crypto.getRandomValues` where `randomUUID` is missing (pages served over plain http).
pub fn new_key() -> String {
    let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) else {
        return fallback_key(&[]);
    };
    let random_uuid = Reflect::get(&crypto, &JsValue::from_str("randomUUID")).ok();
    if let Some(f) = random_uuid.and_then(|f| f.dyn_into::<Function>().ok())
        && let Some(key) = f.call0(&crypto).ok().and_then(|k| k.as_string())
    {
        return key;
    }
    let mut bytes = [0u8; 16];
    if crypto.get_random_values_with_u8_array(&mut bytes).is_err() {
        // No randomness at all: a time-based key still keeps one inquiry's retries together.
        let now = js_sys::Date::now().to_bits().to_le_bytes();
        return fallback_key(&now);
    }
    fallback_key(&bytes)
}

fn fallback_key(seed: &[u8]) -> String {
    let mut b = [0u8; 16];
    for (i, byte) in seed.iter().take(16).enumerate() {
        b[i] = *byte;
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        const HEX: &[u8; 16] = b"0123456789abcdef";
        out.push(HEX[usize::from(byte >> 4)] as char);
        out.push(HEX[usize::from(byte & 0x0f)] as char);
    }
    out
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            // Without a window there is nothing to wait for; the retry simply comes sooner.
            if w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
                .is_ok()
            {
                return;
            }
        }
        let _ = resolve.call0(&JsValue::NULL);
    });
    let _ = JsFuture::from(promise).await;
}

/// Focuses the first control named `field` inside `root` (an input, select, textarea or
/// the first box of a group), or else the element whose id is the field's control id
/// (the Turnstile challenge's slot).
pub fn focus_field(root: &Element, field: &str) {
    let Ok(controls) = root.query_selector_all("[name]") else {
        return;
    };
    for i in 0..controls.length() {
        let Some(el) = controls
            .item(i)
            .and_then(|n| n.dyn_into::<HtmlElement>().ok())
        else {
            continue;
        };
        if el.get_attribute("name").as_deref() == Some(field) {
            let _ = el.focus();
            return;
        }
    }
    if let Ok(Some(el)) = root.query_selector(&format!("#{}", control_id(field)))
        && let Ok(el) = el.dyn_into::<HtmlElement>()
    {
        let _ = el.focus();
    }
}

/// Focuses `el` once the pending render has reached the DOM.
pub fn focus_soon(el: HtmlElement) {
    leptos::prelude::request_animation_frame(move || {
        let _ = el.focus();
    });
}

/// Focuses the first element matching `selector` inside `root` once the pending render
/// has reached the DOM (for views that are about to replace what `root` holds).
pub fn focus_soon_in(root: Element, selector: &'static str) {
    leptos::prelude::request_animation_frame(move || {
        if let Ok(Some(el)) = root.query_selector(selector)
            && let Ok(el) = el.dyn_into::<HtmlElement>()
        {
            let _ = el.focus();
        }
    });
}

/// Copies `text` to the clipboard; true when the browser accepted it.
pub async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let clipboard = window.navigator().clipboard();
    // `navigator.clipboard` is missing outside secure contexts.
    if clipboard.is_undefined() {
        return false;
    }
    JsFuture::from(clipboard.write_text(text)).await.is_ok()
}

/// The event the form sends from its empty challenge slot, and again once the slot's
/// answer is spent; the loader then draws (or resets) Cloudflare's Turnstile in it.
pub const CHALLENGE_EVENT: &str = "switchboard-challenge";

/// Asks the loader for a fresh Turnstile challenge in `form`'s slot.
pub fn ask_challenge(form: &Element) {
    if let Ok(Some(slot)) = form.query_selector(&format!(".{CHALLENGE_CLASS}"))
        && let Ok(event) = Event::new(CHALLENGE_EVENT)
    {
        let _ = slot.dispatch_event(&event);
    }
}

/// The answer of the solved challenge in `form`, if there is one.
pub fn challenge_token(form: &Element) -> Option<String> {
    let input = form
        .query_selector(&format!("[name=\"{TURNSTILE_RESPONSE}\"]"))
        .ok()??;
    Reflect::get(&input, &JsValue::from_str("value"))
        .ok()?
        .as_string()
        .filter(|t| !t.trim().is_empty())
}
