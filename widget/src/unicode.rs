//! The browser's Unicode algorithms for `shared`'s text rules: NFC through
//! `String.prototype.normalize`, grapheme clusters through `Intl.Segmenter` (code points
//! where it is missing), lowercase through `toLowerCase`. They implement the same Unicode
//! specifications as the edge's tables, without shipping those tables in the widget's wasm.

use js_sys::{Array, Intl, JsString, Object, Reflect};
use switchboard_shared::text::{UnicodeOps, install_unicode_ops};

struct Browser;

impl UnicodeOps for Browser {
    fn nfc(&self, s: &str) -> String {
        JsString::from(s).normalize("NFC").into()
    }

    fn grapheme_count(&self, s: &str) -> usize {
        if !has_segmenter() {
            // Never fewer than the clusters, and the same for text without combining
            // marks or emoji sequences; the edge's count is the one that decides.
            return s.chars().count();
        }
        // The default granularity of Intl.Segmenter is "grapheme" (extended clusters).
        let segmenter = Intl::Segmenter::new(&Array::new(), &Object::new());
        Array::from(&segmenter.segment(s).into()).length() as usize
    }

    fn lowercase(&self, s: &str) -> String {
        JsString::from(s).to_lower_case().into()
    }
}

/// Whether the browser has `Intl.Segmenter` (Firefox has it from 125, Safari from 14.1);
/// calling a missing constructor would throw in the middle of a field check.
fn has_segmenter() -> bool {
    Reflect::get(&js_sys::global(), &"Intl".into())
        .and_then(|intl| Reflect::has(&intl, &"Segmenter".into()))
        .unwrap_or(false)
}

/// Makes `shared` use the browser's Unicode implementation; safe to call more than once.
pub fn install() {
    install_unicode_ops(&Browser);
}
