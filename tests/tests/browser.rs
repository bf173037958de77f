//! The built widget in headless Chromium: a visitor submits from the demo page, and the
//! widget and its host page keep their styles to themselves.
//!
//! Widget DOM contract these tests rely on: the loader mounts `<switchboard-form
//! data-site=..>` with an open shadow root holding `<form part="form">`, one control per
//! field with `name` = field id, `<button type="submit" part="submit">`, and after a
//! successful submit `[part="success"]` containing `[part="reference"]`.

use crate::env::{Env, Test};
use fantoccini::Locator;
use serde_json::Value;
use std::time::Duration;
use switchboard_tests::browser::{Browser, HOST_TAG};
use switchboard_tests::pages::{demo_page, host_page, with_error_capture};
use switchboard_tests::{Result, ensure};

pub const TRIALS: &[(&str, Test)] = &[
    (
        "browser::demo_page_submit_shows_the_reference",
        demo_page_submit_shows_the_reference,
    ),
    (
        "browser::host_page_css_does_not_reach_the_widget",
        host_css_does_not_reach_widget,
    ),
    (
        "browser::widget_css_does_not_reach_the_host_page",
        widget_css_does_not_reach_host,
    ),
];

/// Cold wasm compile and form fetch on a busy 2-core machine.
const MOUNT_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `f` with a fresh browser and closes it whatever `f` returned.
async fn with_browser(f: impl AsyncFnOnce(&Browser) -> Result<()>) -> Result<()> {
    let browser = Browser::start().await?;
    let outcome = f(&browser).await;
    browser.close().await;
    outcome
}

fn demo_page_submit_shows_the_reference(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let html = demo_page(&env.worker.origin, site)?;
        // Its <noscript> link leads to the site's form without JavaScript.
        let no_js = format!("{}/v1/sites/{site}/form.html", env.worker.origin);
        ensure(
            html.contains(&format!("<noscript><p><a href=\"{no_js}\"")),
            || format!("the demo page offers no link to {no_js}"),
        )?;
        let page = env.http.get(&no_js).send().await?;
        ensure(page.status() == 200, || {
            format!("GET {no_js}: {}", page.status())
        })?;
        let url = env
            .pages
            .put(&format!("/demo/{site}.html"), with_error_capture(&html));
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            let root = b.widget(MOUNT_TIMEOUT).await?;
            for (name, text) in [
                ("name", "Grace Hopper"),
                ("email", "grace@example.com"),
                ("message", "A moth is stuck in relay 70, panel F."),
            ] {
                let control = b
                    .find_in(&root, &format!("[name=\"{name}\"]"), MOUNT_TIMEOUT)
                    .await?;
                control.click().await?;
                control.send_keys(text).await?;
            }
            // The line under the topic field: empty until a topic is chosen, then the team
            // and when it answers, before anything is sent.
            let hint = format!(
                "const h = document.querySelector('{HOST_TAG}').shadowRoot \
                   .querySelector('[part=\"topic-hint\"]'); return h ? h.textContent : null;"
            );
            let before = b.eval(&hint, vec![]).await?;
            ensure(before.as_str() == Some(""), || {
                format!("the topic hint before a topic is chosen: {before}")
            })?;
            let topic = b.find_in(&root, "[name=\"topic\"]", MOUNT_TIMEOUT).await?;
            if topic.tag_name().await?.eq_ignore_ascii_case("select") {
                topic.select_by_value("support").await?;
            } else {
                b.find_in(&root, "[name=\"topic\"][value=\"support\"]", MOUNT_TIMEOUT)
                    .await?
                    .click()
                    .await?;
            }
            let told = b
                .wait_for_js(
                    &format!("const t = (() => {{ {hint} }})(); return t ? t : null;"),
                    MOUNT_TIMEOUT,
                    "the topic hint",
                )
                .await?;
            let told = told.as_str().unwrap_or_default();
            ensure(told.starts_with("Support · ") && told.len() > 20, || {
                format!("the topic hint for `support` says {told:?}")
            })?;
            b.find_in(&root, "button[part=\"submit\"]", MOUNT_TIMEOUT)
                .await?
                .click()
                .await?;

            let shown = b
                .find_in(
                    &root,
                    "[part=\"success\"] [part=\"reference\"]",
                    MOUNT_TIMEOUT,
                )
                .await?;
            let reference = shown.text().await?.trim().to_owned();
            ensure(!reference.is_empty(), || {
                "the confirmation shows an empty reference".to_owned()
            })?;
            let stored = env.admin.inquiries(&admin_site).await?;
            ensure(
                stored.len() == 1 && stored[0]["reference"].as_str() == Some(reference.as_str()),
                || format!("the page shows reference {reference}, the store holds {stored:?}"),
            )?;
            let success = b
                .find_in(&root, "[part=\"success\"]", MOUNT_TIMEOUT)
                .await?
                .text()
                .await?;
            ensure(success.contains("Support"), || {
                format!("the confirmation does not name the team: {success:?}")
            })
        })
        .await
    })
}

/// Properties that give away styles crossing the shadow boundary.
const PROPS: &[&str] = &[
    "color",
    "background-color",
    "font-family",
    "font-size",
    "font-weight",
    "line-height",
    "display",
    "visibility",
    "margin-top",
    "padding-top",
    "border-top-width",
    "border-top-style",
    "text-transform",
    "letter-spacing",
    "box-sizing",
    "width",
];

/// Styles a hostile page might carry: every element and every control restyled, with !important.
const HOSTILE_CSS: &str = "<style>
* { color: red !important; font-size: 40px !important; font-family: 'Comic Sans MS', cursive !important;
    line-height: 3 !important; letter-spacing: 4px !important; text-transform: uppercase !important;
    box-sizing: content-box !important; }
input, textarea, select, button { display: none !important; }
form, div, p, span, label { background-color: yellow !important; margin: 50px !important; padding: 30px !important; }
button { border: 9px dashed green !important; }
</style>";

/// Computed styles of the widget's form and controls on the page at `url`.
async fn widget_styles(b: &Browser, url: &str) -> Result<Value> {
    b.client.goto(url).await?;
    b.widget(MOUNT_TIMEOUT).await?;
    let mut out = serde_json::Map::new();
    for inner in [
        "form[part=\"form\"]",
        "[name=\"name\"]",
        "[name=\"message\"]",
        "button[part=\"submit\"]",
        "label",
    ] {
        let selector = format!(
            "document.querySelector('{HOST_TAG}').shadowRoot.querySelector('{}')",
            inner.replace('\'', "\\'")
        );
        out.insert(inner.to_owned(), b.computed_style(&selector, PROPS).await?);
    }
    Ok(Value::Object(out))
}

/// Differences between two `{element: {property: value}}` maps, one line each.
fn differences(expected: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let (Some(expected), Some(actual)) = (expected.as_object(), actual.as_object()) {
        for (element, props) in expected {
            for (prop, value) in props.as_object().into_iter().flatten() {
                let other = &actual[element][prop];
                if other != value {
                    out.push(format!("{element} {prop}: {value} vs {other}"));
                }
            }
        }
    }
    out
}

fn host_css_does_not_reach_widget(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let edge = &env.worker.origin;
        let plain = env.pages.put(
            &format!("/plain/{site}.html"),
            host_page(edge, site, "", "<h1>Contact us</h1>"),
        );
        let hostile = env.pages.put(
            &format!("/hostile/{site}.html"),
            host_page(edge, site, HOSTILE_CSS, "<h1>Contact us</h1>"),
        );
        with_browser(async move |b| {
            let calm = widget_styles(b, &plain).await?;
            let attacked = widget_styles(b, &hostile).await?;
            let diff = differences(&calm, &attacked);
            ensure(diff.is_empty(), || {
                format!(
                    "host page CSS changed the widget (plain vs hostile page):\n  {}",
                    diff.join("\n  ")
                )
            })
        })
        .await
    })
}

/// Host elements whose looks the widget must leave alone.
const HOST_BODY: &str = "<h1>Contact us</h1><p id=\"host-text\">Questions? Write to us.</p>\
    <form id=\"host-form\"><input id=\"host-input\" name=\"q\"><button id=\"host-button\">Search</button></form>";

async fn host_styles(b: &Browser, url: &str, wait_for_widget: bool) -> Result<Value> {
    b.client.goto(url).await?;
    if wait_for_widget {
        b.widget(MOUNT_TIMEOUT).await?;
    } else {
        b.client.find(Locator::Id("host-button")).await?;
    }
    let mut out = serde_json::Map::new();
    for id in ["host-text", "host-input", "host-button", "host-form"] {
        out.insert(
            id.to_owned(),
            b.computed_style(&format!("document.getElementById('{id}')"), PROPS)
                .await?,
        );
    }
    let body = b.computed_style("document.body", PROPS).await?;
    out.insert("body".to_owned(), body);
    Ok(Value::Object(out))
}

fn widget_css_does_not_reach_host(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let edge = &env.worker.origin;
        let without = env.pages.put(&format!("/without/{site}.html"), without_widget(HOST_BODY));
        let with = env.pages.put(&format!("/with/{site}.html"), host_page(edge, site, "", HOST_BODY));
        with_browser(async move |b| {
            let before = host_styles(b, &without, false).await?;
            let after = host_styles(b, &with, true).await?;
            let diff = differences(&before, &after);
            ensure(diff.is_empty(), || format!("the widget changed host page styles (without vs with widget):\n  {}", diff.join("\n  ")))?;
            let leaked: Value = b
                .eval("return Array.from(document.querySelectorAll('style, link[rel=stylesheet]')).map(e => e.outerHTML.slice(0, 120));", vec![])
                .await?;
            ensure(leaked.as_array().is_none_or(Vec::is_empty), || format!("the widget added styles to the host document: {leaked}"))
        })
        .await
    })
}

/// The same page as [`host_page`] builds, minus the widget's script.
fn without_widget(body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>host page</title></head>\n<body>{body}\n</body></html>\n"
    )
}
