//! The browser's Unicode algorithms for `shared`'s text rules: NFC through
//! `String.prototype.normalize`, grapheme clusters through `Intl.Segmenter`, lowercase
//! through `toLowerCase`. They implement the same Unicode specifications as the edge's
//! tables, without shipping those tables in the widget's wasm.

use js_sys::{Array, Intl, JsString, Object};
use switchboard_shared::text::{UnicodeOps, install_unicode_ops};

struct Browser;

impl UnicodeOps for Browser {
    fn nfc(&self, s: &str) -> String {
        JsString::from(s).normalize("NFC").into()
    }

    fn grapheme_count(&self, s: &str) -> usize {
        // The default granularity of Intl.Segmenter is "grapheme" (extended clusters).
        let segmenter = Intl::Segmenter::new(&Array::new(), &Object::new());
        Array::from(&segmenter.segment(s).into()).length() as usize
    }

    fn lowercase(&self, s: &str) -> String {
        JsString::from(s).to_lower_case().into()
    }
}

/// Makes `shared` use the browser's Unicode implementation; safe to call more than once.
pub fn install() {
    install_unicode_ops(&Browser);
}
