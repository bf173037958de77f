//! The embedded widget in headless Chromium: inline and launcher modes, two forms on one
//! page, keyboard-only completion, a lost network followed by success with exactly one
//! stored inquiry, a host page under a strict Content-Security-Policy (also one that
//! enforces Trusted Types), and axe-core
//! (WCAG 2.2 A/AA rules) with zero violations in the idle, error, sending and success states,
//! also in the dark theme inside the launcher's panel.
//! And the form without JavaScript: plain HTTP, urlencoded posts, HTML answers. And the
//! prerendered form the loader shows before the wasm runs: the same elements as the live
//! form, and what the visitor typed (and where the caret was) carries over. And a site
//! that uses Turnstile: the challenge is drawn in the form, and its answer is sent.
//!
//! The DOM contract is the one `browser.rs` states; launcher mode adds
//! `button[part="launcher"]` and `[part="panel"]` (hidden until opened).

use crate::env::{Env, Test};
use fantoccini::Locator;
use fantoccini::elements::ShadowRoot;
use serde_json::{Value, json};
use std::time::Duration;
use switchboard_tests::admin::Site;
use switchboard_tests::browser::Browser;
use switchboard_tests::pages::ERROR_CAPTURE;
use switchboard_tests::{Error, Result, ensure, repo};

pub const TRIALS: &[(&str, Test)] = &[
    (
        "widget::launcher_opens_closes_and_returns_focus",
        launcher_mode,
    ),
    ("widget::two_forms_on_one_page", two_forms),
    ("widget::keyboard_only_completion", keyboard_only),
    (
        "widget::network_failure_then_success_stores_one_inquiry",
        network_failure_then_success,
    ),
    ("widget::strict_csp_host_page", strict_csp),
    (
        "widget::trusted_types_host_page",
        strict_csp_with_trusted_types,
    ),
    ("widget::axe_finds_no_violations_in_four_states", axe_states),
    (
        "widget::axe_finds_no_violations_in_the_dark_launcher",
        axe_dark_launcher,
    ),
    ("widget::no_js_form_posts_and_answers_html", no_js_form),
    (
        "widget::prerendered_form_shows_first_and_hands_over",
        prerendered_then_live,
    ),
    (
        "widget::turnstile_challenge_guards_the_submit",
        turnstile_challenge,
    ),
    (
        "widget::a_short_429_is_waited_out_a_long_one_is_named",
        rate_limits,
    ),
    (
        "widget::an_unsupported_language_gets_the_site_default",
        site_default_language,
    ),
    ("widget::a_form_open_for_a_day_still_sends", day_old_form),
    (
        "widget::without_its_wasm_the_prerendered_form_still_sends",
        without_wasm,
    ),
    ("widget::the_plain_look_takes_the_page_s_side", plain_look),
    (
        "widget::without_intl_segmenter_fields_are_still_checked",
        without_segmenter,
    ),
    (
        "widget::forced_colours_keep_focus_and_the_select_arrow",
        forced_colours,
    ),
    (
        "widget::a_page_outside_allowed_origins_is_named_in_the_console",
        origin_not_allowed,
    ),
];

/// WebDriver key codes.
pub(crate) const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";

/// Cold wasm compile and form fetch on a busy 2-core machine.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(30);
/// Every automatic attempt (1 + 2 retries with 0.8 s and 2.4 s pauses) has to fail first.
const OFFLINE_TIMEOUT: Duration = Duration::from_secs(40);

/// A host page: `head` (after the error capture), `body`, then the loader's script tag
/// with `attrs` (e.g. `data-site="x" data-mode="launcher"`).
pub(crate) fn page(edge: &str, head: &str, body: &str, attrs: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>host page</title>\
         {ERROR_CAPTURE}{head}</head>\n<body><h1>Contact us</h1>{body}\n\
         <script async src=\"{edge}/widget.js\" {attrs}></script>\n</body></html>\n"
    )
}

pub(crate) async fn with_browser(f: impl AsyncFnOnce(&Browser) -> Result<()>) -> Result<()> {
    with_browser_args(&[], f).await
}

/// Like [`with_browser`], with Chromium started with more command-line switches.
async fn with_browser_args(
    args: &[String],
    f: impl AsyncFnOnce(&Browser) -> Result<()>,
) -> Result<()> {
    let browser = Browser::start_with(args).await?;
    let outcome = f(&browser).await;
    browser.close().await;
    outcome
}

/// Types the fixture's valid answers into the form in `root` and submits it.
pub(crate) async fn fill_and_submit(b: &Browser, root: &ShadowRoot) -> Result<()> {
    for (name, text) in [
        ("name", "Grace Hopper"),
        ("email", "grace@example.com"),
        ("message", "A moth is stuck in relay 70, panel F."),
    ] {
        let control = b
            .find_in(root, &format!("[name=\"{name}\"]"), TIMEOUT)
            .await?;
        control.click().await?;
        control.send_keys(text).await?;
    }
    b.find_in(root, "[name=\"topic\"]", TIMEOUT)
        .await?
        .select_by_value("support")
        .await?;
    b.find_in(root, "button[part=\"submit\"]", TIMEOUT)
        .await?
        .click()
        .await?;
    Ok(())
}

/// The reference the success view shows, once it shows one.
pub(crate) async fn shown_reference(
    b: &Browser,
    root: &ShadowRoot,
    timeout: Duration,
) -> Result<String> {
    let shown = b
        .find_in(root, "[part=\"success\"] [part=\"reference\"]", timeout)
        .await?;
    Ok(shown.text().await?.trim().to_owned())
}

/// The store holds exactly one inquiry for the site: the one whose reference the visitor
/// was shown.
pub(crate) async fn stored_once(env: &Env, site: &Site, reference: &str) -> Result<()> {
    let stored = env.admin.inquiries(site).await?;
    ensure(
        stored.len() == 1 && stored[0]["reference"].as_str() == Some(reference),
        || format!("the visitor was shown {reference:?}, the store holds {stored:?}"),
    )
}

/// Waits for the edge's prerendered form in the first widget (a launcher's waits in its
/// closed panel, and fetches no wasm until the visitor reaches for it); returns its root.
pub(crate) async fn prerendered(b: &Browser) -> Result<ShadowRoot> {
    b.wait_for_js(
        &format!(
            "const r = {}; return !!(r && r.querySelector('form'));",
            root_js(0)
        ),
        TIMEOUT,
        "the prerendered form",
    )
    .await?;
    Ok(b.client
        .find(Locator::Css("switchboard-form"))
        .await?
        .shadow_root()
        .await?)
}

/// JS expression: the shadow root of the `n`th widget host on the page.
pub(crate) fn root_js(n: usize) -> String {
    format!("document.querySelectorAll('switchboard-form')[{n}].shadowRoot")
}

fn launcher_mode(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let url = env.pages.put(
            &format!("/launcher/{site}.html"),
            page(
                &env.worker.origin,
                "",
                "<p>Page text.</p>",
                &format!("data-site=\"{site}\" data-mode=\"launcher\" data-label=\"Questions?\""),
            ),
        );
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            let root = prerendered(b).await?;
            let r = root_js(0);
            let hidden = b
                .eval(
                    &format!("return {r}.querySelector('[part=panel]').hidden;"),
                    vec![],
                )
                .await?;
            ensure(hidden == json!(true), || {
                format!("the panel starts open ({hidden})")
            })?;
            let button = b
                .find_in(&root, "button[part=\"launcher\"]", TIMEOUT)
                .await?;
            // The site owner's `data-label` names the button and the panel.
            let names = b
                .eval(
                    &format!(
                        "const r = {r}; return [r.querySelector('[part=launcher]').textContent, \
                         r.querySelector('[part=panel]').getAttribute('aria-label')];"
                    ),
                    vec![],
                )
                .await?;
            ensure(names == json!(["Questions?", "Questions?"]), || {
                format!("[launcher label, panel name] = {names}, not the page's data-label")
            })?;
            button.click().await?;
            let state = b
                .eval(
                    &format!(
                        "const r = {r}; return [r.querySelector('[part=panel]').hidden, \
                         r.querySelector('[part=launcher]').getAttribute('aria-expanded'), \
                         r.activeElement && r.activeElement.getAttribute('name')];"
                    ),
                    vec![],
                )
                .await?;
            ensure(state == json!([false, "true", "name"]), || {
                format!("after opening: [panel hidden, aria-expanded, focused field] = {state}")
            })?;
            // Opening it brought the live form.
            b.widget(TIMEOUT).await?;
            b.client.active_element().await?.send_keys(ESCAPE).await?;
            let state = b
                .eval(
                    &format!(
                        "const r = {r}; return [r.querySelector('[part=panel]').hidden, \
                         r.querySelector('[part=launcher]').getAttribute('aria-expanded'), \
                         r.activeElement === r.querySelector('[part=launcher]')];"
                    ),
                    vec![],
                )
                .await?;
            ensure(state == json!([true, "false", true]), || {
                format!("after Escape: [panel hidden, aria-expanded, focus on launcher] = {state}")
            })?;
            // Reopened, the form still works.
            button.click().await?;
            fill_and_submit(b, &root).await?;
            let reference = shown_reference(b, &root, TIMEOUT).await?;
            ensure(!reference.is_empty(), || "empty reference".to_owned())
        })
        .await
    })
}

fn two_forms(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let url = env.pages.put(
            &format!("/two/{site}.html"),
            page(
                &env.worker.origin,
                "",
                "<switchboard-form data-lang=\"de\"></switchboard-form>\
                 <p>Between the forms.</p><switchboard-form data-lang=\"fr\"></switchboard-form>",
                &format!("data-site=\"{site}\""),
            ),
        );
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            // The first form brings the wasm, and both take it.
            b.widget(TIMEOUT).await?;
            let both = "return [0, 1].map(i => { const r = document.querySelectorAll('switchboard-form')[i].shadowRoot; \
                 const s = r && r.querySelector('form:not([data-prerendered]) button[part=submit]'); return s ? s.textContent.trim() : null; });";
            let waited = b
                .wait_for_js(
                    &format!("const l = (function() {{ {both} }})(); return l.every(x => x) ? l : null;"),
                    TIMEOUT,
                    "both forms",
                )
                .await;
            let labels = match waited {
                Ok(labels) => labels,
                Err(e) => {
                    return Err(Error::msg(format!("{e}; the page reported: {}", b.page_errors().await)));
                }
            };
            ensure(labels == json!(["Nachricht senden", "Envoyer le message"]), || {
                format!("submit buttons of the German and French forms: {labels}")
            })?;
            let hosts = b.client.find_all(fantoccini::Locator::Css("switchboard-form")).await?;
            let second = hosts
                .get(1)
                .ok_or_else(|| Error::msg("no second form"))?
                .shadow_root()
                .await?;
            fill_and_submit(b, &second).await?;
            let reference = shown_reference(b, &second, TIMEOUT).await?;
            let first_still_editing = b
                .eval(
                    &format!("return !!{}.querySelector('form[part=form]');", root_js(0)),
                    vec![],
                )
                .await?;
            ensure(first_still_editing == json!(true), || {
                "submitting the second form changed the first".to_owned()
            })?;
            stored_once(env, &admin_site, &reference).await
        })
        .await
    })
}

fn keyboard_only(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let url = env.pages.put(
            &format!("/keys/{site}.html"),
            page(&env.worker.origin, "", "", &format!("data-site=\"{site}\"")),
        );
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            let root = b.widget(TIMEOUT).await?;
            let focused = format!(
                "const a = {}.activeElement; return a ? (a.getAttribute('name') || a.getAttribute('part') || a.localName) : null;",
                root_js(0)
            );
            let answers = [
                ("name", "Grace Hopper"),
                ("email", "grace@example.com"),
                ("topic", "t"),
                ("message", "A moth is stuck in relay 70, panel F."),
            ];
            let mut seen = Vec::new();
            // Tab from the page into the form, answering each field as focus reaches it.
            for _ in 0..20 {
                b.client.active_element().await?.send_keys(TAB).await?;
                let now = b.eval(&focused, vec![]).await?;
                let name = now.as_str().unwrap_or_default().to_owned();
                seen.push(name.clone());
                if name == "submit" {
                    break;
                }
                if let Some((_, text)) = answers.iter().find(|(n, _)| *n == name) {
                    b.client.active_element().await?.send_keys(text).await?;
                }
            }
            ensure(seen.last().map(String::as_str) == Some("submit"), || {
                format!("Tab never reached the submit button; focus went {seen:?}")
            })?;
            b.client.active_element().await?.send_keys(ENTER).await?;
            let reference = match shown_reference(b, &root, TIMEOUT).await {
                Ok(r) => r,
                Err(e) => {
                    let form = b
                        .eval(
                            &format!(
                                "const r = {}; return [r.querySelector('[part=error-summary]').textContent,                                  Array.from(r.querySelectorAll('[name]')).map(c => c.name + '=' + c.value)];",
                                root_js(0)
                            ),
                            vec![],
                        )
                        .await?;
                    return Err(Error::msg(format!("{e}; focus went {seen:?}; summary and values: {form}")));
                }
            };
            // Focus moves to the confirmation so keyboard and screen reader users land there.
            let heading = b
                .eval(
                    &format!("const a = {}.activeElement; return a && a.localName;", root_js(0)),
                    vec![],
                )
                .await?;
            ensure(heading == json!("h2"), || {
                format!("after success focus is on {heading}, not the confirmation heading")
            })?;
            stored_once(env, &admin_site, &reference).await
        })
        .await
    })
}

/// Installed before the loader: the first inquiry POST reaches the edge but its answer is
/// lost, the next two fail outright, later ones pass. `window.__sbPosts` counts them.
/// Routing previews (also POSTs) pass untouched, so the count is the submit's own.
const FLAKY_NETWORK: &str = "<script>window.__sbPosts=0;(function(){var real=window.fetch.bind(window);\
window.fetch=function(input,init){var m=(init&&init.method)||(input&&input.method)||'GET';\
var u=String((input&&input.url)||input);\
if(String(m).toUpperCase()!=='POST'||u.indexOf('/inquiries')<0)return real(input,init);var n=++window.__sbPosts;\
if(n===1)return real(input,init).then(function(){throw new TypeError('answer lost');});\
if(n<=3)return Promise.reject(new TypeError('network down'));return real(input,init);};})();</script>";

fn network_failure_then_success(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let url = env.pages.put(
            &format!("/flaky/{site}.html"),
            page(
                &env.worker.origin,
                FLAKY_NETWORK,
                "",
                &format!("data-site=\"{site}\""),
            ),
        );
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            let root = b.widget(TIMEOUT).await?;
            fill_and_submit(b, &root).await?;
            let retry = b
                .find_in(&root, "button[part=\"retry\"]", OFFLINE_TIMEOUT)
                .await?;
            let posts = b.eval("return window.__sbPosts;", vec![]).await?;
            ensure(posts == json!(3), || {
                format!("{posts} POSTs before the retry button, expected 3 automatic attempts")
            })?;
            let status = b
                .eval(
                    &format!(
                        "return {}.querySelector('[part=status]').textContent;",
                        root_js(0)
                    ),
                    vec![],
                )
                .await?;
            ensure(
                status
                    .as_str()
                    .is_some_and(|s| s.contains("could not be sent")),
                || format!("status line while offline: {status}"),
            )?;
            retry.click().await?;
            let reference = shown_reference(b, &root, TIMEOUT).await?;
            stored_once(env, &admin_site, &reference).await
        })
        .await
    })
}

/// The policy the README gives site owners, with `{edge}` for the edge origin.
pub fn strict_policy(edge: &str) -> String {
    format!(
        "default-src 'none'; script-src {edge} 'wasm-unsafe-eval'; connect-src {edge}; style-src {edge}"
    )
}

/// [`strict_policy`] plus Trusted Types enforcement, allowing the widget's policy name.
pub fn trusted_types_policy(edge: &str) -> String {
    format!(
        "{}; require-trusted-types-for 'script'; trusted-types switchboard",
        strict_policy(edge)
    )
}

fn strict_csp(env: &Env, site: &str) -> Result<()> {
    strict_host_page(env, site, &strict_policy(&env.worker.origin))
}

fn strict_csp_with_trusted_types(env: &Env, site: &str) -> Result<()> {
    strict_host_page(env, site, &trusted_types_policy(&env.worker.origin))
}

/// Under `policy` the prerendered form shows first, the styles apply, and a submit is
/// stored once.
fn strict_host_page(env: &Env, site: &str, policy: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let edge = &env.worker.origin;
        // No inline script at all: the policy would block it.
        let html = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>strict</title></head>\n\
             <body><h1>Contact us</h1><script async src=\"{edge}/widget.js\" data-site=\"{site}\"></script></body></html>\n"
        );
        let url = env.pages.put_with_csp(&format!("/csp/{site}.html"), html, policy);
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            let root = b.widget(TIMEOUT).await?;
            // The loader's marks: `visible` comes before `mounted` only when the edge's
            // prerendered form was shown before the wasm one.
            let marks = b
                .eval(
                    "const at = n => (performance.getEntriesByName(n)[0] || {}).startTime; \
                     return [at('switchboard:visible'), at('switchboard:mounted')];",
                    vec![],
                )
                .await?;
            ensure(
                marks[0].as_f64().zip(marks[1].as_f64()).is_some_and(|(v, m)| v < m),
                || format!("no prerendered form under `{policy}` (visible, mounted: {marks})"),
            )?;
            // The stylesheet applied: the submit button wears the accent colour.
            let style = b
                .computed_style(
                    &format!("{}.querySelector('button[part=submit]')", root_js(0)),
                    &["background-color"],
                )
                .await?;
            ensure(style["background-color"] == json!("rgb(36, 84, 214)"), || {
                format!("widget styles did not apply under the strict policy: {style}")
            })?;
            fill_and_submit(b, &root).await?;
            let reference = shown_reference(b, &root, TIMEOUT).await?;
            stored_once(env, &admin_site, &reference).await
        })
        .await
    })
}

/// Holds every POST until `window.__sbRelease()`, so the sending state can be inspected.
const HELD_NETWORK: &str = "<script>(function(){var real=window.fetch.bind(window),held=[];\
window.__sbRelease=function(){held.splice(0).forEach(function(f){f();});};\
window.fetch=function(input,init){var m=(init&&init.method)||(input&&input.method)||'GET';\
if(String(m).toUpperCase()!=='POST')return real(input,init);\
return new Promise(function(ok,fail){held.push(function(){real(input,init).then(ok,fail);});});};})();</script>";

/// Runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the page, shadow roots included;
/// returns one line per violation.
pub async fn axe(b: &Browser) -> Result<Vec<String>> {
    let loaded = b.eval("return !!window.axe;", vec![]).await?;
    if loaded != json!(true) {
        let source = std::fs::read_to_string(repo::path("node_modules/axe-core/axe.min.js"))
            .map_err(|e| {
                Error::msg(format!(
                    "axe-core is missing ({e}); run `cargo xtask setup`"
                ))
            })?;
        b.eval(
            &format!("{source}\n;window.axe = axe; return true;"),
            vec![],
        )
        .await?;
    }
    let result = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }) \
               .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => JSON.stringify(n.target)).join(', ')))) \
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await?;
    Ok(result
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_else(|| vec![format!("unexpected axe answer {result}")]))
}

fn axe_states(env: &Env, site: &str) -> Result<()> {
    axe_in_four_states(env, site, "")
}

/// The same four states in the dark theme, in the launcher's panel.
fn axe_dark_launcher(env: &Env, site: &str) -> Result<()> {
    axe_in_four_states(env, site, "data-theme=\"dark\" data-mode=\"launcher\"")
}

/// axe-core on the idle, error, sending and success states of a form embedded with
/// `attrs`; in launcher mode the panel is opened first.
fn axe_in_four_states(env: &Env, site: &str, attrs: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let url = env.pages.put(
            &format!("/axe/{site}.html"),
            page(&env.worker.origin, HELD_NETWORK, "", &format!("data-site=\"{site}\" {attrs}")),
        );
        let launcher = attrs.contains("launcher");
        with_browser(async move |b| {
            b.client
                .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                    Some(Duration::from_secs(60)),
                    None,
                    None,
                ))
                .await?;
            b.client.goto(&url).await?;
            let root = if launcher {
                // A launcher brings its live form when opened.
                let root = prerendered(b).await?;
                b.find_in(&root, "button[part=\"launcher\"]", TIMEOUT).await?.click().await?;
                b.widget(TIMEOUT).await?
            } else {
                b.widget(TIMEOUT).await?
            };
            let mut report = Vec::new();
            report.push(("idle", axe(b).await?));

            b.find_in(&root, "button[part=\"submit\"]", TIMEOUT).await?.click().await?;
            b.wait_for_js(
                &format!("return !{}.querySelector('[part=error-summary]').hidden;", root_js(0)),
                TIMEOUT,
                "the error summary",
            )
            .await?;
            report.push(("error", axe(b).await?));

            fill_and_submit(b, &root).await?;
            b.wait_for_js(
                &format!("return {}.querySelector('form[part=form]').getAttribute('aria-busy') === 'true';", root_js(0)),
                TIMEOUT,
                "the sending state",
            )
            .await?;
            report.push(("sending", axe(b).await?));

            b.eval("window.__sbRelease(); return true;", vec![]).await?;
            shown_reference(b, &root, TIMEOUT).await?;
            report.push(("success", axe(b).await?));

            let failures: Vec<String> = report
                .iter()
                .flat_map(|(state, v)| v.iter().map(move |line| format!("{state}: {line}")))
                .collect();
            ensure(failures.is_empty(), || {
                format!("axe-core violations:\n  {}", failures.join("\n  "))
            })
        })
        .await
    })
}

/// `pairs` as a browser encodes a form (`application/x-www-form-urlencoded`).
pub(crate) fn urlencode(pairs: &[(&str, String)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_owned(),
                b => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The value of the hidden input `name` in `html`.
fn hidden_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_owned())
}

fn no_js_form(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let base = format!("{}/v1/sites/{site}", env.worker.origin);
        let page = env
            .http
            .get(format!("{base}/form.html?locale=de"))
            .send()
            .await?;
        ensure(page.status() == 200, || {
            format!("form.html answered {}", page.status())
        })?;
        let html = page.text().await?;
        ensure(
            html.contains(&format!("action=\"{base}/form.html\""))
                && html.contains("Nachricht senden")
                && !html.contains("<script"),
            || format!("the plain form page is not a German form posting to the endpoint:\n{html}"),
        )?;
        let key = hidden_value(&html, "idempotency_key")
            .ok_or_else(|| Error::msg("no idempotency key in the form"))?;
        let post = |form: Vec<(&'static str, String)>| {
            env.http
                .post(format!("{base}/form.html"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(urlencode(&form))
                .send()
        };
        // Missing message and a bad email: the form again, refilled, errors on their fields.
        let refused = post(vec![
            ("name", "Grace Hopper".into()),
            ("email", "not-an-email".into()),
            ("topic", "support".into()),
            ("message", String::new()),
            ("idempotency_key", key.clone()),
            ("locale", "de".into()),
        ])
        .await?;
        let status = refused.status().as_u16();
        let html = refused.text().await?;
        ensure(
            status == 422
                && html.contains("value=\"Grace Hopper\"")
                && html.contains("aria-describedby=\"e-email\"")
                && html.contains("aria-describedby=\"e-message\"")
                && html.contains("role=\"alert\""),
            || format!("refused post answered {status} with:\n{html}"),
        )?;
        let key = hidden_value(&html, "idempotency_key")
            .ok_or_else(|| Error::msg("no idempotency key in the refilled form"))?;
        // A page kept open for over a day: refused in the visitor's words, and renewed.
        let day_old = day_old_token(site)?;
        let old_form = |token: String, key: &str| {
            vec![
                ("name", "Grace Hopper".into()),
                ("email", "not-an-email".into()),
                ("topic", "support".into()),
                ("message", "A moth.".into()),
                ("idempotency_key", key.to_owned()),
                ("locale", "de".into()),
                ("render_token", token),
            ]
        };
        let expired = post(old_form(day_old.clone(), &format!("{key}-old"))).await?;
        let status = expired.status().as_u16();
        let html = expired.text().await?;
        let renewed = hidden_value(&html, "render_token").unwrap_or_default();
        ensure(
            status == 422
                && html.contains("Die Nachricht wurde nicht gesendet:")
                && html.contains("Das Formular war abgelaufen")
                && !renewed.is_empty()
                && renewed != day_old,
            || format!("a day-old page answered {status} with token {renewed:?}:\n{html}"),
        )?;
        let after = post(old_form(renewed, &format!("{key}-renewed"))).await?;
        let status = after.status().as_u16();
        let html = after.text().await?;
        ensure(
            status == 422
                && html.contains("aria-describedby=\"e-email\"")
                && !html.contains("abgelaufen"),
            || format!("the renewed page's token was not accepted (answered {status}):\n{html}"),
        )?;
        let valid = vec![
            ("name", "Grace Hopper".into()),
            ("email", "grace@example.com".into()),
            ("topic", "support".into()),
            ("message", "A moth is stuck in relay 70, panel F.".into()),
            ("idempotency_key", key),
            ("locale", "de".into()),
        ];
        let accepted = post(valid.clone()).await?;
        let status = accepted.status().as_u16();
        let html = accepted.text().await?;
        let stored = env.admin.inquiries(&admin_site).await?;
        let reference = stored
            .first()
            .and_then(|i| i["reference"].as_str())
            .unwrap_or_default()
            .to_owned();
        ensure(
            status == 202
                && stored.len() == 1
                && html.contains(&format!("<strong id=\"reference\">{reference}</strong>"))
                && html.contains("Support")
                && html.contains("Vielen Dank"),
            || {
                format!(
                    "accepted post answered {status}, the store holds {stored:?}, the page:\n{html}"
                )
            },
        )?;
        // Sending the page again (back button, double click) stores nothing new.
        let again = post(valid).await?.text().await?;
        let stored = env.admin.inquiries(&admin_site).await?;
        ensure(stored.len() == 1 && again.contains(&reference), || {
            format!("a resubmitted page stored {} inquiries", stored.len())
        })
    })
}

/// Holds the wasm download back until the test calls `window.__sbOpen()`, and gives the
/// test `window.__sbShape(el)`: every element under `el` with all its attributes (but the
/// prerender marker) and, for leaves, its text.
const HELD_WASM: &str = "<script>(function(){var real=window.fetch,open;\
window.__sbHeld=new Promise(function(r){open=r;});window.__sbOpen=function(){open();};\
window.fetch=function(input,init){if(/\\.wasm$/.test(String(input&&input.url||input)))\
return window.__sbHeld.then(function(){return real(input,init);});return real(input,init);};\
window.__sbShape=function(top){return [top].concat(Array.prototype.slice.call(top.querySelectorAll('*')))\
.map(function(el){return el.localName+' '+el.getAttributeNames().filter(function(n){return n!=='data-prerendered';})\
.sort().map(function(n){return n+'='+el.getAttribute(n);}).join(' ')+(el.children.length?'':' :: '+el.textContent);});};})();</script>";

fn prerendered_then_live(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let url = env.pages.put(
            &format!("/prerendered/{site}.html"),
            page(&env.worker.origin, HELD_WASM, "", &format!("data-site=\"{site}\"")),
        );
        // The API: HTML only when asked for, and the zone the sentences use is the one
        // given when the edge knows it.
        let form = format!("{}/v1/sites/{site}/form", env.worker.origin);
        let tokyo: serde_json::Value = env.http.get(format!("{form}?locale=en&tz=Asia/Tokyo")).send().await?.json().await?;
        let bare: serde_json::Value = env.http.get(format!("{form}?locale=en&tz=Mars/Olympus&prerender=1")).send().await?.json().await?;
        ensure(
            tokyo["time_zone"] == "Asia/Tokyo" && tokyo.get("html").is_none()
                && bare["time_zone"] != "Mars/Olympus" && bare["html"].as_str().is_some_and(|h| h.contains("data-prerendered")),
            || format!("definition with tz=Asia/Tokyo: time_zone {} html {}; with an unknown zone and prerender=1: time_zone {} html {}",
                tokyo["time_zone"], tokyo.get("html").is_some(), bare["time_zone"], bare.get("html").is_some()),
        )?;
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            let root = root_js(0);
            let shown = b
                .wait_for_js(
                    &format!(
                        "const r = {root}; const f = r && r.querySelector('form[data-prerendered]'); \
                         if (!f || !performance.getEntriesByName('switchboard:visible').length) return null; \
                         return {{ fields: f.querySelectorAll('[part=field]').length, \
                                  visible: performance.getEntriesByName('switchboard:visible').length, \
                                  mounted: performance.getEntriesByName('switchboard:mounted').length, \
                                  shape: window.__sbShape(r.querySelector('.sb')) }};"
                    ),
                    TIMEOUT,
                    "the prerendered form",
                )
                .await?;
            ensure(shown["fields"] == json!(4) && shown["visible"] == json!(1) && shown["mounted"] == json!(0), || {
                format!("before the wasm: 4 fields, visible marked, not mounted; got {}", json!({"fields": shown["fields"], "visible": shown["visible"], "mounted": shown["mounted"]}))
            })?;
            let prerendered = b.client.find(fantoccini::Locator::Css("switchboard-form")).await?.shadow_root().await?;
            b.find_in(&prerendered, "[name=\"name\"]", TIMEOUT).await?.send_keys("Ada Lovelace").await?;
            let email = b.find_in(&prerendered, "[name=\"email\"]", TIMEOUT).await?;
            email.click().await?;
            email.send_keys("ada@exa").await?;

            b.eval("window.__sbOpen();", vec![]).await?;
            let live = b.widget(TIMEOUT).await?;
            let after = b
                .eval(
                    &format!(
                        "const r = {root}; return {{ name: r.querySelector('[name=name]').value, \
                         email: r.querySelector('[name=email]').value, focused: r.activeElement && r.activeElement.name, \
                         shape: window.__sbShape(r.querySelector('.sb')) }};"
                    ),
                    vec![],
                )
                .await?;
            ensure(after["name"] == "Ada Lovelace" && after["email"] == "ada@exa" && after["focused"] == "email", || {
                format!("the live form should hold what was typed and keep the caret in email; got {}", json!({"name": after["name"], "email": after["email"], "focused": after["focused"]}))
            })?;
            let elements = shown["shape"].as_array().map_or(0, Vec::len);
            ensure(elements > 20, || format!("the prerendered form has {elements} elements: {}", shown["shape"]))?;
            ensure(after["shape"] == shown["shape"], || {
                let (a, b) = (shown["shape"].as_array().cloned().unwrap_or_default(), after["shape"].as_array().cloned().unwrap_or_default());
                let first = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
                format!(
                    "prerendered and live forms differ ({} vs {} elements), first at element {first}:\n  prerendered: {}\n  live:        {}",
                    a.len(), b.len(), a.get(first).unwrap_or(&json!(null)), b.get(first).unwrap_or(&json!(null))
                )
            })?;

            b.find_in(&live, "[name=\"email\"]", TIMEOUT).await?.send_keys("mple.com").await?;
            b.find_in(&live, "[name=\"message\"]", TIMEOUT).await?.send_keys("Typed before and after the wasm.").await?;
            b.find_in(&live, "[name=\"topic\"]", TIMEOUT).await?.select_by_value("support").await?;
            b.find_in(&live, "button[part=\"submit\"]", TIMEOUT).await?.click().await?;
            let reference = shown_reference(b, &live, TIMEOUT).await?;
            let detail = env.admin.get(&admin_site, &format!("inquiries/{reference}")).await?;
            ensure(
                detail.body["fields"]["name"] == "Ada Lovelace" && detail.body["fields"]["email"] == "ada@example.com",
                || format!("the stored inquiry {reference} should carry the typed name and email: {}", detail.raw),
            )
        })
        .await
    })
}

/// The refused-field line the form shows for a missing or refused Turnstile answer.
fn challenge_message() -> &'static str {
    switchboard_shared::words::ui(switchboard_shared::Locale::En).challenge
}

/// A Turnstile site, with the local stand-in for Cloudflare's script (its site key makes
/// it wait for `__sbTurnstile.solve`): no answer stops the submit in the browser; a refused
/// one comes back as the check's error and the challenge is reset; a passing one is
/// verified once and stored once; "send another" draws a new challenge.
fn turnstile_challenge(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let mut config = env.site_config(site)?;
        config.push_str("\n[abuse.turnstile]\nsite_key = \"hold-switchboard-test\"\n");
        let admin_site = env.admin.provision(site, &config).await?;
        let url = env.pages.put(
            &format!("/turnstile/{site}.html"),
            page(&env.worker.origin, "", "", &format!("data-site=\"{site}\"")),
        );
        let count = |what: &str| format!("return window.__sbTurnstile ? window.__sbTurnstile.{what} : null;");
        let summary = format!(
            "const s = {}.querySelector('[part=error-summary]'); return s && !s.hidden && s.textContent;",
            root_js(0)
        );
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            let root = b.widget(TIMEOUT).await?;
            b.wait_for_js(
                &format!("return !!{}.querySelector('form [part=challenge][data-challenge] [name=cf-turnstile-response]');", root_js(0)),
                TIMEOUT,
                "the challenge drawn in the live form's slot",
            )
            .await?;

            fill_and_submit(b, &root).await?;
            let shown = b.wait_for_js(&summary, TIMEOUT, "the error summary").await?;
            ensure(shown.as_str().is_some_and(|t| t.contains(challenge_message())), || {
                format!("an unsolved challenge should stop the submit with the check's line; the summary says {shown}")
            })?;
            // The summary's line for the check takes keyboard users to it.
            b.find_in(&root, "[part=\"error-summary\"] a", TIMEOUT).await?.click().await?;
            let focused = b
                .eval(&format!("const a = {}.activeElement; return a && a.getAttribute('part');", root_js(0)), vec![])
                .await?;
            ensure(focused == json!("challenge"), || {
                format!("the summary's line for the check focused {focused}, not the challenge")
            })?;
            let posts = b.eval(POSTS_TO_INQUIRIES, vec![]).await?;
            ensure(posts == json!(0), || {
                format!("an unsolved challenge still sent {posts} submits to the edge")
            })?;

            let refused = solve(b, "fail-").await?;
            b.find_in(&root, "button[part=\"submit\"]", TIMEOUT).await?.click().await?;
            b.wait_for_js(&count("resets"), TIMEOUT, "the refused answer's challenge reset")
                .await?;
            let shown = b.wait_for_js(&summary, TIMEOUT, "the error summary").await?;
            ensure(shown.as_str().is_some_and(|t| t.contains(challenge_message())), || {
                format!("a refused answer should show the check's line; the summary says {shown}")
            })?;
            ensure(env.turnstile.requests_for(&refused).len() == 1, || {
                format!("siteverify saw {:?} for the refused answer", env.turnstile.requests_for(&refused))
            })?;

            let token = solve(b, "pass-").await?;
            b.find_in(&root, "button[part=\"submit\"]", TIMEOUT).await?.click().await?;
            let reference = shown_reference(b, &root, TIMEOUT).await?;
            let verified = env.turnstile.requests_for(&token);
            ensure(token.starts_with("pass-") && verified.len() == 1, || {
                format!("the passing answer {token:?} reached siteverify {} times", verified.len())
            })?;
            let stored = env.admin.inquiries(&admin_site).await?;
            ensure(
                stored.len() == 1
                    && stored[0]["reference"].as_str() == Some(reference.as_str())
                    && !stored[0]["tags"].as_array().is_some_and(|t| t.contains(&json!("turnstile_unverified"))),
                || format!("the page shows {reference}, the store holds {stored:?}"),
            )?;

            b.find_in(&root, "[part=\"again\"]", TIMEOUT).await?.click().await?;
            b.wait_for_js(
                "return window.__sbTurnstile.renders === 2 && window.__sbTurnstile.removes === 1;",
                TIMEOUT,
                "a new challenge in the new form, and the old one removed",
            )
            .await?;
            Ok(())
        })
        .await
    })
}

/// How many requests the page has sent to the inquiries endpoint.
const POSTS_TO_INQUIRIES: &str = "return performance.getEntriesByType('resource').filter(e => e.name.includes('/inquiries')).length;";

/// Waits until the page has sent `n` requests to the inquiries endpoint (an entry lands
/// once its body is in, a moment after the form has the answer), then for a later one
/// that should not come, and returns how many there were.
async fn posts_settled(b: &Browser, n: usize) -> Result<Value> {
    let at_least = format!("{} >= {n};", POSTS_TO_INQUIRIES.trim_end_matches(';'));
    b.wait_for_js(&at_least, TIMEOUT, &format!("{n} submits"))
        .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    b.eval(POSTS_TO_INQUIRIES, vec![]).await
}

/// Solves the open challenge with a `{prefix}…` answer (see the fake's script); returns it.
async fn solve(b: &Browser, prefix: &str) -> Result<String> {
    b.eval(&format!("window.__sbTurnstile.solve('{prefix}');"), vec![])
        .await?;
    let token = b
        .eval(
            &format!(
                "return {}.querySelector('[name=cf-turnstile-response]').value;",
                root_js(0)
            ),
            vec![],
        )
        .await?;
    let token = token.as_str().unwrap_or_default().to_owned();
    ensure(token.starts_with(prefix), || {
        format!("the challenge holds {token:?} after solving it with {prefix}")
    })?;
    Ok(token)
}

/// A site that wants 12 s between showing and sending the form, and one inquiry per
/// visitor: a quick first submit gets a `429 too_fast` with a short `Retry-After`, which
/// the form waits out and sends again by itself; the second inquiry gets the 12-hour
/// limit's long wait, and the form says so instead of blaming the network.
fn rate_limits(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let mut config = env.site_config(site)?;
        for (from, to) in [
            ("require_render_token = false", "require_render_token = true"),
            ("min_fill_seconds = 0", "min_fill_seconds = 12"),
            ("max_inquiries_per_12h = 10000", "max_inquiries_per_12h = 1"),
        ] {
            ensure(config.contains(from), || format!("the fixture has no `{from}`"))?;
            config = config.replacen(from, to, 1);
        }
        let admin_site = env.admin.provision(site, &config).await?;
        let url = env.pages.put(
            &format!("/limits/{site}.html"),
            page(&env.worker.origin, "", "", &format!("data-site=\"{site}\"")),
        );
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            let root = b.widget(TIMEOUT).await?;
            fill_and_submit(b, &root).await?;
            let reference = shown_reference(b, &root, TIMEOUT).await?;
            let posts = posts_settled(b, 2).await?;
            ensure(posts == json!(2), || {
                format!("{posts} submits for a form sent before its fill time: expected the 429 and one resend after its wait")
            })?;
            stored_once(env, &admin_site, &reference).await?;

            b.find_in(&root, "[part=\"again\"]", TIMEOUT).await?.click().await?;
            fill_and_submit(b, &root).await?;
            b.find_in(&root, "button[part=\"retry\"]", TIMEOUT).await?;
            let status = b
                .eval(&format!("return {}.querySelector('[part=status]').textContent;", root_js(0)), vec![])
                .await?;
            let limited = switchboard_shared::words::ui(switchboard_shared::Locale::En).limited;
            ensure(status.as_str() == Some(limited), || {
                format!("status line over the visitor's limit: {status}, expected {limited:?}")
            })?;
            let posts = posts_settled(b, 3).await?;
            ensure(posts == json!(3), || format!("{posts} submits in all; a long wait must not be retried"))?;
            let stored = env.admin.inquiries(&admin_site).await?;
            ensure(stored.len() == 1, || format!("the limit let a second inquiry through: {stored:?}"))
        })
        .await
    })
}

/// A German site and a visitor whose browser speaks only Japanese: the widget (the
/// launcher's words included) and the form without JavaScript both fall back to the
/// site's `default_locale`, not to English.
fn site_default_language(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let config = env.site_config(site)?;
        ensure(config.contains("default_locale = \"en\""), || "the fixture has no default_locale".to_owned())?;
        env.admin
            .provision(site, &config.replacen("default_locale = \"en\"", "default_locale = \"de\"", 1))
            .await?;
        let german = switchboard_shared::words::ui(switchboard_shared::Locale::De);

        let plain = env
            .http
            .get(format!("{}/v1/sites/{site}/form.html", env.worker.origin))
            .header("accept-language", "ja-JP, zh;q=0.8")
            .send()
            .await?
            .text()
            .await?;
        ensure(plain.contains("lang=\"de\"") && plain.contains(german.submit), || {
            format!("the form without JavaScript for a Japanese-only visitor is not the site's German: {plain}")
        })?;

        // Launcher mode: the loader's own words (the button, the panel's name, its close
        // button) are in the site's language too, not only the form's.
        let url = env.pages.put(
            &format!("/default-lang/{site}.html"),
            page(&env.worker.origin, "", "", &format!("data-site=\"{site}\" data-mode=\"launcher\"")),
        );
        with_browser_args(&["--lang=ja".to_owned(), "--accept-lang=ja".to_owned()], async |browser| {
            browser.client.goto(&url).await?;
            let languages = browser.eval("return navigator.languages;", vec![]).await?;
            ensure(languages == json!(["ja"]), || format!("the browser should speak only Japanese: {languages}"))?;
            let root = prerendered(browser).await?;
            let r = root_js(0);
            let words = browser
                .eval(
                    &format!(
                        "const r = {r}; return [r.querySelector('[part=root]').lang, \
                         r.querySelector('[part=launcher]').textContent, \
                         r.querySelector('[part=panel]').getAttribute('aria-label'), \
                         r.querySelector('[part=close]').getAttribute('aria-label')];"
                    ),
                    vec![],
                )
                .await?;
            ensure(words == json!(["de", "Kontakt", "Kontakt", "Schließen"]), || {
                format!("the launcher's [lang, label, panel name, close] are not the site's German: {words}")
            })?;
            browser.find_in(&root, "button[part=\"launcher\"]", TIMEOUT).await?.click().await?;
            browser.widget(TIMEOUT).await?;
            let submit = browser.find_in(&root, "button[part=\"submit\"]", TIMEOUT).await?.text().await?;
            ensure(submit.trim() == german.submit, || {
                format!("the send button says {submit:?}, not the site's German {:?}", german.submit)
            })
        })
        .await
    })
}

/// Installed before the loader: the form definitions the loader fetches (`/form?…`) carry
/// `token` as their render token, as if the page had been open for a day.
fn stale_definitions(token: &str) -> String {
    format!(
        "<script>(function(){{var real=window.fetch.bind(window);\
window.fetch=function(input,init){{var url=String((input&&input.url)||input);var p=real(input,init);\
if(url.indexOf('/form?')<0)return p;return p.then(function(r){{return r.json().then(function(j){{\
j.render_token='{token}';return new Response(JSON.stringify(j),{{status:r.status,headers:{{'content-type':'application/json'}}}});}});}});}};}})();</script>"
    )
}

/// A form whose render token is 25 hours old: the edge answers `render_token_expired`, the
/// form fetches a fresh token and sends the same inquiry again, and it is stored once.
fn day_old_form(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let config = env.site_config(site)?;
        ensure(config.contains("require_render_token = false"), || {
            "the fixture has no require_render_token".to_owned()
        })?;
        let admin_site = env
            .admin
            .provision(
                site,
                &config.replacen(
                    "require_render_token = false",
                    "require_render_token = true",
                    1,
                ),
            )
            .await?;
        let stale = day_old_token(site)?;
        let url = env.pages.put(
            &format!("/stale/{site}.html"),
            page(
                &env.worker.origin,
                &stale_definitions(&stale),
                "",
                &format!("data-site=\"{site}\""),
            ),
        );
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            let root = b.widget(TIMEOUT).await?;
            fill_and_submit(b, &root).await?;
            let reference = shown_reference(b, &root, TIMEOUT).await?;
            let posts = posts_settled(b, 2).await?;
            ensure(posts == json!(2), || {
                format!("{posts} submits: expected the refused one and one with a fresh token")
            })?;
            stored_once(env, &admin_site, &reference).await
        })
        .await
    })
}

/// Installed before the loader: the wasm never arrives, as under a policy that blocks it.
const NO_WASM: &str = "<script>(function(){var real=window.fetch.bind(window);\
window.fetch=function(input,init){if(/\\.wasm$/.test(String((input&&input.url)||input)))\
return Promise.reject(new TypeError('wasm blocked'));return real(input,init);};})();</script>";

/// The wasm cannot load: the prerendered form stays, with what was typed, and sends as the
/// form without JavaScript does; the visitor lands on the edge's confirmation page. The
/// wasm is asked for (and refused) once the visitor clicks into the form.
fn without_wasm(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let url = env.pages.put(
            &format!("/no-wasm/{site}.html"),
            page(&env.worker.origin, NO_WASM, "", &format!("data-site=\"{site}\"")),
        );
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            prerendered(b).await?.find(Locator::Css("[name=\"name\"]")).await?.click().await?;
            b.wait_for_js(
                &format!("return !!{}.querySelector('form[data-prerendered] input[name=render_token]');", root_js(0)),
                TIMEOUT,
                "the prerendered form made ready to post by itself",
            )
            .await?;
            let root = b.client.find(Locator::Css("switchboard-form")).await?.shadow_root().await?;
            fill_and_submit(b, &root).await?;
            let shown = b
                .wait_for_js(
                    "const r = document.getElementById('reference'); return r && r.textContent.trim();",
                    TIMEOUT,
                    "the edge's confirmation page",
                )
                .await?;
            stored_once(env, &admin_site, shown.as_str().unwrap_or_default()).await
        })
        .await
    })
}

/// A render token for `site`, signed with the Worker's secret, issued 25 hours ago.
fn day_old_token(site: &str) -> Result<String> {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    Ok(switchboard_edge::auth::issue_render_token(
        &repo::dev_var("RENDER_TOKEN_SECRET")?,
        site,
        now_ms - 25 * 3600 * 1000,
    ))
}

/// The plain look has no background: on a visitor's dark system it still shows dark text
/// on a light page and light text on a dark one, while the card look (which brings its
/// own background) follows the system, and `data-theme` still decides when it is given.
/// The page's script tag names no site, as when each element names its own.
fn plain_look(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let page_colours = "<style>body{background:#fff;color:#222}.night{background:#111;color:#eee}</style>";
        let body = format!(
            "<switchboard-form data-site=\"{site}\" data-look=\"plain\"></switchboard-form>\
             <div class=\"night\"><switchboard-form data-site=\"{site}\" data-look=\"plain\"></switchboard-form></div>\
             <switchboard-form data-site=\"{site}\"></switchboard-form>\
             <switchboard-form data-site=\"{site}\" data-look=\"plain\" data-theme=\"dark\"></switchboard-form>"
        );
        let url = env.pages.put(
            &format!("/plain/{site}.html"),
            page(&env.worker.origin, page_colours, &body, ""),
        );
        with_browser_args(&["--force-dark-mode".to_owned()], async |browser| {
            browser.client.goto(&url).await?;
            let dark = browser.eval("return matchMedia('(prefers-color-scheme: dark)').matches;", vec![]).await?;
            ensure(dark == json!(true), || "the browser should prefer a dark scheme".to_owned())?;
            browser.widget(TIMEOUT).await?;
            let colours = browser
                .wait_for_js(
                    "const hosts = [...document.querySelectorAll('switchboard-form[data-site]')]; \
                     const roots = hosts.map(h => h.shadowRoot && h.shadowRoot.querySelector('[part=root]')); \
                     if (roots.some(r => !r || !r.querySelector('form'))) return null; \
                     return roots.map(r => getComputedStyle(r).color);",
                    TIMEOUT,
                    "four forms",
                )
                .await?;
            let (dark_text, light_text) = ("rgb(27, 34, 48)", "rgb(231, 234, 240)");
            ensure(colours == json!([dark_text, light_text, light_text, light_text]), || {
                format!(
                    "text colours [plain on a light page, plain on a dark page, card, plain with \
                     data-theme=dark] are {colours}; expected dark text only on the light page"
                )
            })?;
            // The script names no site: it starts the four elements and adds none of its own.
            let hosts = browser.eval("return document.querySelectorAll('switchboard-form').length;", vec![]).await?;
            ensure(hosts == json!(4), || format!("{hosts} form elements on the page, not 4"))
        })
        .await
    })
}

/// A browser without `Intl.Segmenter` (Firefox before 125): the length rules still run in
/// the form (a too-short message is marked), and a valid inquiry is sent and stored once.
fn without_segmenter(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let url = env.pages.put(
            &format!("/no-segmenter/{site}.html"),
            page(
                &env.worker.origin,
                "<script>delete Intl.Segmenter;</script>",
                "",
                &format!("data-site=\"{site}\""),
            ),
        );
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            let gone = b.eval("return typeof Intl.Segmenter;", vec![]).await?;
            ensure(gone == json!("undefined"), || format!("Intl.Segmenter is still there: {gone}"))?;
            let root = b.widget(TIMEOUT).await?;
            let message = b.find_in(&root, "[name=\"message\"]", TIMEOUT).await?;
            message.click().await?;
            // Not ASCII, so the count needs grapheme clusters.
            message.send_keys("Hé").await?;
            b.find_in(&root, "button[part=\"submit\"]", TIMEOUT).await?.click().await?;
            b.wait_for_js(
                &format!("return {}.querySelector('[name=message]').getAttribute('aria-invalid') === 'true';", root_js(0)),
                TIMEOUT,
                "the two-character message marked as too short",
            )
            .await?;
            fill_and_submit(b, &root).await?;
            let reference = shown_reference(b, &root, TIMEOUT).await?;
            stored_once(env, &admin_site, &reference).await
        })
        .await
    })
}

/// Forced colours (Windows High Contrast): the focus shadow of a text field is dropped
/// there, so a focused field must show an outline in a system colour; and the select,
/// whose arrow is drawn with a background gradient, gets the system's own arrow.
fn forced_colours(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let url = env.pages.put(
            &format!("/forced-colours/{site}.html"),
            page(&env.worker.origin, "", "", &format!("data-site=\"{site}\"")),
        );
        with_browser_args(&["--force-high-contrast".to_owned()], async |browser| {
            browser.client.goto(&url).await?;
            let forced = browser
                .eval(
                    "return matchMedia('(forced-colors: active)').matches;",
                    vec![],
                )
                .await?;
            ensure(forced == json!(true), || {
                "the browser should force colours".to_owned()
            })?;
            let root = browser.widget(TIMEOUT).await?;
            browser
                .find_in(&root, "[name=\"email\"]", TIMEOUT)
                .await?
                .click()
                .await?;
            let r = root_js(0);
            let seen = browser
                .eval(
                    &format!(
                        "const r = {r}, f = getComputedStyle(r.activeElement), \
                         s = getComputedStyle(r.querySelector('select')); \
                         return [r.activeElement.name, f.outlineStyle, f.outlineWidth, \
                                 f.outlineColor !== 'rgba(0, 0, 0, 0)', s.appearance];"
                    ),
                    vec![],
                )
                .await?;
            ensure(
                seen == json!(["email", "solid", "2px", true, "auto"]),
                || format!("[focused, outline style, width, coloured, select appearance] = {seen}"),
            )
        })
        .await
    })
}

/// Embedded on a page whose origin the site does not allow: the visitor sees the failure
/// line, and the console tells the site owner which origin to add to `allowed_origins`
/// (the edge's CORS refusal itself is unreadable to the page).
fn origin_not_allowed(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let config = env.site_config(site)?;
        let pages = env.pages.origin();
        let allowed = format!("allowed_origins = [\"{pages}\"]");
        ensure(config.contains(&allowed), || {
            format!("the fixture has no `{allowed}`")
        })?;
        env.admin
            .provision(
                site,
                &config.replacen(
                    &allowed,
                    "allowed_origins = [\"https://www.example.com\"]",
                    1,
                ),
            )
            .await?;
        let url = env.pages.put(
            &format!("/elsewhere/{site}.html"),
            page(&env.worker.origin, "", "", &format!("data-site=\"{site}\"")),
        );
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            b.wait_for_js(
                &format!("return !!{}.querySelector('.sb-failed');", root_js(0)),
                TIMEOUT,
                "the failure line",
            )
            .await?;
            let errors = b.page_errors().await;
            ensure(
                errors.contains(&format!("is {pages} in the site's allowed_origins?")),
                || {
                    format!(
                        "the console does not name the page's origin and allowed_origins: {errors}"
                    )
                },
            )
        })
        .await
    })
}
