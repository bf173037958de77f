//! Rules both sides of Switchboard compute identically: the form spec, the one inquiry
//! parse function, field errors with localized messages, and the HTTP wire types.
//!
//! With the `server` feature it also holds the decision code the edge and the CLI share
//! (site config, routing, calendars and deadlines, webhook signing, URL guard). That
//! code takes and returns plain values: no IO, no `worker`, no `web-sys`.

pub mod api;
pub mod confirmation;
pub mod errors;
pub mod form;
pub mod inquiry;
pub mod locale;
pub mod markup;
pub mod text;
pub mod words;

#[cfg(feature = "server")]
pub mod abuse;
#[cfg(feature = "server")]
pub mod availability;
#[cfg(feature = "server")]
pub mod calendar;
#[cfg(feature = "server")]
pub mod config;
#[cfg(feature = "server")]
pub mod continuity;
#[cfg(feature = "server")]
pub mod promise;
#[cfg(feature = "server")]
pub mod routing;
#[cfg(feature = "server")]
pub mod search;
#[cfg(feature = "server")]
pub mod signing;
#[cfg(feature = "server")]
pub mod synthetic;
#[cfg(feature = "server")]
pub mod url_guard;

pub use errors::{ErrorCode, FieldError};
pub use form::{FieldKind, FieldSpec, FormSpec};
pub use inquiry::{Draft, Inquiry, RawValue, parse_inquiry};
/// The map behind drafts, inquiries and localized text: a sorted vector. Its code is a
/// fraction of `BTreeMap`'s in the widget's wasm (5 KB gzip less), and these maps hold a
/// handful of entries. Keys iterate in order, as with `BTreeMap`.
pub use litemap::LiteMap;
pub use locale::Locale;
