//! Integration and end-to-end tests: one binary, one Worker for all its trials.
//!
//! Index, one module per area:
//!
//! - `api`: the public HTTP API of the real Worker. An accepted inquiry and its expected
//!   response, field errors naming the field, idempotent retries, unknown sites.
//! - `webhooks`: deliveries reaching the local receiver with a valid Standard Webhooks
//!   signature, checked by an implementation independent of `shared::signing`, and a body
//!   and headers matching the `webhooks` of the served /openapi.json (the check fails on a
//!   body the schema does not describe). The `delivery` and `escalation` trials check
//!   their test events, escalations and owner alerts against it the same way.
//! - `delivery`: delivery that never loses an inquiry (issue 6): retries until the receiver
//!   is back, 410 disabling an endpoint, the dead-letter queue with the owner's alert and
//!   redelivery, 1,000 inquiries surviving an outage, submitter history, and a signature
//!   checked by the official npm `standardwebhooks` package.
//! - `sweeper`: the outbox sweeper behind every delivery (issue 21). Submits whose queue
//!   sends fail (a switch only the tests set) are each delivered exactly once after the
//!   cron runs; inquiries that were sent, delivered or pending with a failed attempt, are
//!   not sent again however often it runs. Each trial runs a Worker of its own.
//! - `browser`: the built widget in headless Chromium on a host page. Submitting from the
//!   demo page shows the reference; host and widget styles do not leak into each other.
//! - `preview`: the promise before sending (issue 19). `POST …/preview` answers what a
//!   submit at that instant answers (50 drafts), stores nothing, reveals no rule and
//!   refuses bad input with typed 4xx; in Chromium the hint follows a rule on the email
//!   domain before sending, the success view agrees, and typing asks for no preview.
//! - `admin`: the site owner's admin API. Pushed configs take effect, bad pushes are
//!   refused with located errors and leave the old config live, wrong keys get 401;
//!   config versions are listed, read and rolled back to, and stale pushes get 412.
//! - `inquiries`: the owner's view of a site's inquiries. Search by address, reference
//!   and text (quotes, backslashes and LIKE wildcards literal; non-ASCII letters in any
//!   case through the folded `search_text`, older rows through `fields_json`), pages that
//!   return every inquiry once across ties, CSV and NDJSON exports (formula cells
//!   neutralized, `bom=1` for Excel, the per-request cap continued by cursor, on a Worker
//!   of its own with 5,050 rows written straight into its D1), typed 400s and 401s,
//!   erasure of one submitter's inquiries and logs (and nobody else's), and the
//!   `switchboard` command in-process.
//! - `agreement`: the widget in Chromium, the Worker and the native reference tables give
//!   the same verdicts on the shared corpus of tricky Unicode inputs.
//! - `escalation`: the signed acknowledgement link (GET shows a page, POST acknowledges,
//!   forgeries refused) and the cron trigger escalating an overdue, unacknowledged inquiry
//!   to the backup POC exactly once while the acknowledged one stays quiet (about 75 s);
//!   the escalation is an `inquiry.escalated` event in the versioned envelope, signed with
//!   the endpoint's secret. More finished escalation ladders than one scan batch do not
//!   starve a newer inquiry of its step (migration 0005).
//! - `abuse`: the public endpoint under abuse. The CORS matrix, body limits, honeypot,
//!   render tokens, Turnstile against a local fake, both rate limits, retention purges,
//!   real answers checked against /openapi.json, and 10,000 adversarial requests.
//! - `widget`: embedding in Chromium. Inline and launcher modes, two forms on one page,
//!   keyboard-only completion, a lost network then success with one stored inquiry, a
//!   strict-CSP host page, axe-core with zero violations in four states.
//! - `lazy`: what the widget costs a page before a visitor engages (issue 20). The wasm is
//!   not fetched until the visitor touches the form (with `data-load="visible"`: until it
//!   is in view; with `eager`, at once); the launcher waits for its button to be hovered
//!   or focused. Keys typed during the takeover, the caret and an early submit are kept, and
//!   `data-height` holds the form's and the panel's space.
//!
//! `env` starts what the trials share, once, on first use: `wrangler dev` with fresh local
//! state, the webhook receiver and the host page server. Every trial provisions its own site
//! (its id is derived from the trial's name), so trials do not see each other's inquiries
//! and can run in parallel. Everything is stopped when the run ends.
//!
//! Run one area with a filter, e.g. `cargo test -p switchboard-tests -- api::`.

mod abuse;
mod admin;
mod agreement;
mod api;
mod browser;
mod delivery;
mod env;
mod escalation;
mod inquiries;
mod lazy;
mod preview;
mod sweeper;
mod webhooks;
mod widget;

use libtest_mimic::{Arguments, Trial};
use std::sync::Arc;

fn main() {
    let args = Arguments::from_args();
    let shared = Arc::new(env::Shared::default());
    let trials: Vec<Trial> = [
        api::TRIALS,
        preview::TRIALS,
        admin::TRIALS,
        inquiries::TRIALS,
        webhooks::TRIALS,
        browser::TRIALS,
        agreement::TRIALS,
        escalation::TRIALS,
        delivery::TRIALS,
        sweeper::TRIALS,
        abuse::TRIALS,
        widget::TRIALS,
        lazy::TRIALS,
    ]
    .concat()
    .into_iter()
    .map(|(name, test)| {
        let shared = Arc::clone(&shared);
        Trial::test(name, move || shared.run(name, test))
    })
    .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    // The trials (and their handles) are gone; this ends the Worker and the servers.
    drop(shared);
    conclusion.exit();
}
