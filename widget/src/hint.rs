//! What the hint under the topic says and when it asks again: the edge's preview of the
//! draft (`POST /v1/sites/{site}/preview`), asked when the topic or a field a routing rule
//! reads changed and lost focus, and again on focus once its promise went stale.
//!
//! Plain state behind one `Rc` and one native listener on the form's container, rather
//! than stored values and three Leptos event attributes: every generic instantiation
//! lands in the wasm each visitor downloads.

use crate::browser::sleep;
use crate::field_state::FieldState;
use crate::send::preview;
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use switchboard_shared::Locale;
use switchboard_shared::api::{SubmitRequest, TopicInfo};
use switchboard_shared::inquiry::{Draft, RawValue};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Element, Event};

/// Quiet time after a change before the preview is asked, so a visitor moving through the
/// form in quick steps costs one request, not one per step.
const DEBOUNCE_MS: i32 = 250;

/// What the latest preview was asked for and until when its sentence holds.
#[derive(Default)]
struct Asked {
    /// The routing fields' values it was asked with; `None` before the first.
    values: Option<Vec<RawValue>>,
    /// The promised instant (ms since the epoch): past it, the sentence is stale.
    deadline_ms: f64,
    /// The day of the month it was answered on: "today" turns over at midnight.
    day: u32,
    /// Bumped by every ask; an answer to an older one is dropped.
    turn: u32,
}

/// The hint's source of truth for one form.
pub struct Hint {
    /// What the hint shows.
    pub shown: RwSignal<Option<TopicInfo>>,
    url: String,
    locale: Locale,
    time_zone: String,
    /// The fields whose values can change who answers, by id.
    fields: Vec<(String, FieldState)>,
    /// The topic field, when the form has one: no topic, no hint.
    topic: Option<FieldState>,
    /// Each topic's line from the form definition, for when a preview fails.
    topics: Vec<TopicInfo>,
    asked: RefCell<Asked>,
}

impl Hint {
    pub fn new(
        url: String,
        locale: Locale,
        time_zone: String,
        fields: Vec<(String, FieldState)>,
        topic: Option<FieldState>,
        topics: Vec<TopicInfo>,
    ) -> Rc<Hint> {
        Rc::new(Hint {
            shown: RwSignal::new(None),
            url,
            locale,
            time_zone,
            fields,
            topic,
            topics,
            asked: RefCell::new(Asked::default()),
        })
    }

    /// Listens on `root` (the form's container, which outlives the form): a change or a
    /// field losing focus may ask for a preview, a field gaining focus checks staleness.
    pub fn listen(self: &Rc<Hint>, root: &Element) {
        let hint = Rc::clone(self);
        let on_event = Closure::<dyn Fn(Event)>::new(move |e: Event| {
            if e.type_() == "focusin" {
                hint.refresh_if_stale();
            } else {
                hint.refresh(false);
            }
        });
        let f = on_event.as_ref().unchecked_ref();
        for kind in ["change", "focusout", "focusin"] {
            let _ = root.add_event_listener_with_callback(kind, f);
        }
        // Lives as long as the page: the container is never removed by the widget.
        on_event.forget();
    }

    fn topic_text(&self) -> Option<String> {
        self.topic.map(|t| t.value.with_untracked(text_of))
    }

    /// Asks the edge who would answer the draft now, unless nothing a rule reads changed
    /// since the last ask (`force`: ask anyway, the last answer went stale).
    pub fn refresh(self: &Rc<Hint>, force: bool) {
        if self.topic_text().is_some_and(|t| t.is_empty()) {
            let mut asked = self.asked.borrow_mut();
            asked.turn += 1;
            asked.values = None;
            self.shown.set(None);
            return;
        }
        let values: Vec<RawValue> = self
            .fields
            .iter()
            .map(|(_, f)| f.value.get_untracked())
            .collect();
        let turn = {
            let mut asked = self.asked.borrow_mut();
            if !force && asked.values.as_ref() == Some(&values) {
                return;
            }
            asked.turn += 1;
            asked.turn
        };
        let mut fields = Draft::new();
        for ((id, _), value) in self.fields.iter().zip(&values) {
            fields.insert(id.clone(), value.clone());
        }
        self.asked.borrow_mut().values = Some(values);
        // Only what the rules read leaves the page before the visitor sends.
        let request = SubmitRequest {
            idempotency_key: String::new(),
            locale: Some(self.locale.tag().to_owned()),
            time_zone: Some(self.time_zone.clone()),
            render_token: None,
            turnstile_token: None,
            fields,
        };
        let hint = Rc::clone(self);
        leptos::task::spawn_local(async move {
            sleep(DEBOUNCE_MS).await;
            if hint.asked.borrow().turn != turn {
                return;
            }
            let answer = preview(&hint.url, &request).await;
            if hint.asked.borrow().turn != turn {
                return;
            }
            hint.answered(answer);
        });
    }

    /// Shows a preview's answer, or the topic's own line when there is none.
    fn answered(&self, answer: Option<TopicInfo>) {
        let info = match answer {
            Some(info) => {
                let mut asked = self.asked.borrow_mut();
                asked.deadline_ms = js_sys::Date::parse(&info.expected.deadline);
                asked.day = js_sys::Date::new_0().get_date();
                Some(info)
            }
            None => self
                .topic_text()
                .and_then(|chosen| self.topics.iter().find(|t| t.topic == chosen).cloned()),
        };
        self.shown.set(info);
    }

    /// A form left open past the promised minute or past midnight says it again.
    fn refresh_if_stale(self: &Rc<Hint>) {
        let stale = {
            let asked = self.asked.borrow();
            asked.values.is_some()
                && (js_sys::Date::now() > asked.deadline_ms
                    || js_sys::Date::new_0().get_date() != asked.day)
        };
        if stale {
            self.refresh(true);
        }
    }

    /// True once the visitor has filled any field a rule reads (in the prerendered form,
    /// before the widget took over).
    pub fn has_input(&self) -> bool {
        self.fields
            .iter()
            .any(|(_, f)| f.value.with_untracked(|v| !is_empty(v)))
    }
}

/// The text of a text value ("" for lists and flags).
fn text_of(value: &RawValue) -> String {
    match value {
        RawValue::Text(s) => s.clone(),
        _ => String::new(),
    }
}

/// True for a value the visitor has not filled in.
fn is_empty(value: &RawValue) -> bool {
    match value {
        RawValue::Text(s) => s.trim().is_empty(),
        RawValue::List(items) => items.is_empty(),
        RawValue::Bool(b) => !b,
    }
}
