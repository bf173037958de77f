//! The live state of one form field (value as typed, error shown, whether the visitor
//! has edited it) and its validation through the shared parse function.

use leptos::prelude::*;
use switchboard_shared::Locale;
use switchboard_shared::form::{FieldKind, FieldSpec};
use switchboard_shared::inquiry::{RawValue, parse_field};

/// Signals for one field. `Copy`, so event handlers can hold it freely.
#[derive(Clone, Copy)]
pub struct FieldState {
    pub value: RwSignal<RawValue>,
    /// The message shown under the field, in the visitor's language.
    pub error: RwSignal<Option<String>>,
    /// Set once the visitor has changed the value; from then on blur validates. Untouched
    /// fields stay quiet when tabbed through and are checked on submit.
    pub touched: RwSignal<bool>,
}

impl FieldState {
    /// A field holding `initial` when it has the kind's shape (what the visitor typed into
    /// the prerendered form), else the kind's empty value.
    pub fn new(kind: FieldKind, initial: Option<RawValue>) -> Self {
        let empty = empty_value(kind);
        let value = initial
            .filter(|v| std::mem::discriminant(v) == std::mem::discriminant(&empty))
            .unwrap_or(empty);
        FieldState {
            value: RwSignal::new(value),
            error: RwSignal::new(None),
            touched: RwSignal::new(false),
        }
    }

    pub fn reset(&self, kind: FieldKind) {
        self.value.set(empty_value(kind));
        self.error.set(None);
        self.touched.set(false);
    }

    /// Runs the shared parse on the current value and shows or clears the error.
    pub fn validate(&self, spec: &FieldSpec, locale: Locale) {
        let result = self
            .value
            .with_untracked(|raw| parse_field(spec, Some(raw)));
        self.error.set(result.err().map(|e| e.message(locale)));
    }

    /// The current value as text (empty for lists and flags).
    pub fn text(&self) -> String {
        self.value.with(|v| match v {
            RawValue::Text(s) => s.clone(),
            _ => String::new(),
        })
    }
}

/// What a field holds before the visitor touches it, in the shape the edge expects.
pub fn empty_value(kind: FieldKind) -> RawValue {
    match kind {
        FieldKind::Checkbox => RawValue::Bool(false),
        FieldKind::MultiChoice => RawValue::List(Vec::new()),
        _ => RawValue::Text(String::new()),
    }
}
