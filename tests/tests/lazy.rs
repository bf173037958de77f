//! What the widget costs a host page before a visitor engages (issue 20): the wasm is
//! fetched only when the visitor engages with the form (pointer, focus or key in it, or the
//! launcher's button; the default `data-load="interaction"`), with `visible` also once the
//! form is in view and the browser idle, and with `eager` at once. What is typed while the live form
//! takes over, the caret, and a submit made before it are kept. `data-height` holds the
//! form's space (and the launcher panel's) from the loader's first statement on.

use crate::env::{Env, Test};
use crate::widget::{
    TAB, TIMEOUT, fill_and_submit, page, prerendered, root_js, shown_reference, stored_once,
    with_browser,
};
use fantoccini::Locator;
use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use serde_json::json;
use std::time::Duration;
use switchboard_tests::browser::{Browser, LIVE_FORM};
use switchboard_tests::pages::ERROR_CAPTURE;
use switchboard_tests::{Result, ensure};

pub const TRIALS: &[(&str, Test)] = &[
    (
        "lazy::visible_mode_waits_until_the_form_is_in_view",
        visible_mode,
    ),
    (
        "lazy::interaction_mode_waits_for_the_visitor",
        interaction_mode,
    ),
    ("lazy::eager_mode_fetches_at_once", eager_mode),
    (
        "lazy::the_launcher_fetches_when_its_button_is_focused",
        launcher_focus,
    ),
    (
        "lazy::the_launcher_fetches_when_its_button_is_hovered",
        launcher_hover,
    ),
    (
        "lazy::typing_during_the_takeover_loses_nothing",
        typing_during_takeover,
    ),
    (
        "lazy::a_submit_before_the_live_form_is_sent_once",
        early_submit,
    ),
    (
        "lazy::the_form_and_the_panel_hold_their_space",
        holds_its_space,
    ),
];

/// Installed before the loader: `window.__sbWasm` lists when the page asked for the wasm
/// (ms), at the moment of the call, not when it arrived. With `window.__sbHold` set, the
/// wasm download waits until `window.__sbOpen()`; so does the form definition with
/// `window.__sbHoldDefinition`.
const WATCHED_FETCH: &str = "<script>window.__sbWasm=[];(function(){var real=window.fetch,open;\
window.__sbHeld=new Promise(function(r){open=r;});window.__sbOpen=function(){open();};\
window.fetch=function(input,init){var u=String(input&&input.url||input);\
if(/\\.wasm$/.test(u)){window.__sbWasm.push(Math.round(performance.now()));\
if(window.__sbHold)return window.__sbHeld.then(function(){return real(input,init);});}\
if(/\\/form\\?/.test(u)&&window.__sbHoldDefinition)return window.__sbHeld.then(function(){return real(input,init);});\
return real(input,init);};})();</script>";

/// Page content that puts whatever follows it below the fold.
const TALL: &str = "<div style=\"height:3000px\">Above the form.</div>";

/// How long a page is left alone to show that nothing is fetched: past the 2 s the loader
/// gives the browser to become idle once a form is in view.
const QUIET: Duration = Duration::from_millis(3000);

/// JS: `[wasm requests so far, the wasm in the resource timeline, engaged mark]`.
const FETCHED: &str = "return [window.__sbWasm.length, \
    performance.getEntriesByType('resource').filter(e => /\\.wasm$/.test(e.name)).length, \
    performance.getEntriesByName('switchboard:engaged').length];";

/// Waits for the edge's prerendered form in the first widget, then for [`QUIET`].
async fn prerendered_then_quiet(b: &Browser) -> Result<()> {
    prerendered(b).await?;
    tokio::time::sleep(QUIET).await;
    Ok(())
}

/// Nothing of the wasm was asked for, and no live form is there.
async fn nothing_fetched(b: &Browser, when: &str) -> Result<()> {
    let fetched = b.eval(FETCHED, vec![]).await?;
    let live = b
        .eval(
            &format!("return !!{}.querySelector('{LIVE_FORM}');", root_js(0)),
            vec![],
        )
        .await?;
    ensure(fetched == json!([0, 0, 0]) && live == json!(false), || {
        format!(
            "{when}: [wasm requests, wasm resources, engaged marks] = {fetched}, live form {live}; \
             expected nothing fetched"
        )
    })
}

/// The wasm was asked for exactly once and the live form is there (waited for without
/// engaging, see [`Browser::live_widget`]).
async fn fetched_once(b: &Browser, when: &str) -> Result<()> {
    b.live_widget(TIMEOUT).await?;
    let fetched = b.eval(FETCHED, vec![]).await?;
    ensure(fetched == json!([1, 1, 1]), || {
        format!(
            "{when}: [wasm requests, wasm resources, engaged marks] = {fetched}; expected one of each"
        )
    })
}

fn scroll_to_form() -> String {
    "document.querySelector('switchboard-form').scrollIntoView(); return true;".to_owned()
}

/// `data-load="visible"`: a form below the fold fetches no wasm, however long the page
/// sits idle; scrolled into view, it fetches it with no interaction and the live form
/// takes over.
fn visible_mode(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let url = env.pages.put(
            &format!("/lazy-visible/{site}.html"),
            page(
                &env.worker.origin,
                WATCHED_FETCH,
                TALL,
                &format!("data-site=\"{site}\" data-load=\"visible\""),
            ),
        );
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            prerendered_then_quiet(b).await?;
            nothing_fetched(b, "a form below the fold").await?;
            b.eval(&scroll_to_form(), vec![]).await?;
            fetched_once(b, "the form scrolled into view").await
        })
        .await
    })
}

/// The default, `data-load="interaction"`: in view and idle is not enough; a click in the
/// form is.
fn interaction_mode(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let url = env.pages.put(
            &format!("/lazy-interaction/{site}.html"),
            page(
                &env.worker.origin,
                WATCHED_FETCH,
                TALL,
                &format!("data-site=\"{site}\""),
            ),
        );
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            prerendered_then_quiet(b).await?;
            nothing_fetched(b, "a form below the fold").await?;
            b.eval(&scroll_to_form(), vec![]).await?;
            tokio::time::sleep(QUIET).await;
            nothing_fetched(b, "the form in view, never touched").await?;
            let root = prerendered(b).await?;
            b.find_in(&root, "[name=\"name\"]", TIMEOUT)
                .await?
                .click()
                .await?;
            fetched_once(b, "after a click in the form").await
        })
        .await
    })
}

/// `data-load="eager"`: the wasm is fetched at once and the live form mounted, though the
/// form is below the fold and nobody touched it.
fn eager_mode(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let url = env.pages.put(
            &format!("/lazy-eager/{site}.html"),
            page(
                &env.worker.origin,
                WATCHED_FETCH,
                TALL,
                &format!("data-site=\"{site}\" data-load=\"eager\""),
            ),
        );
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            fetched_once(b, "eager, below the fold").await?;
            let below = b
                .eval(
                    "return document.querySelector('switchboard-form').getBoundingClientRect().top > innerHeight;",
                    vec![],
                )
                .await?;
            ensure(below == json!(true), || {
                "the form was not below the fold".to_owned()
            })
        })
        .await
    })
}

/// The launcher: its button is in view from the start, but the wasm waits until the
/// visitor focuses it (here from the keyboard); the panel stays closed.
fn launcher_focus(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let url = env.pages.put(
            &format!("/lazy-launcher/{site}.html"),
            page(
                &env.worker.origin,
                WATCHED_FETCH,
                "",
                &format!("data-site=\"{site}\" data-mode=\"launcher\""),
            ),
        );
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            prerendered_then_quiet(b).await?;
            nothing_fetched(b, "a launcher nobody touched").await?;
            b.client.active_element().await?.send_keys(TAB).await?;
            let focused = b
                .eval(
                    &format!(
                        "const a = {}.activeElement; return a && a.getAttribute('part');",
                        root_js(0)
                    ),
                    vec![],
                )
                .await?;
            ensure(focused == json!("launcher"), || {
                format!("Tab focused {focused}, not the launcher button")
            })?;
            fetched_once(b, "the launcher button focused").await?;
            let hidden = b
                .eval(
                    &format!(
                        "return {}.querySelector('[part=panel]').hidden;",
                        root_js(0)
                    ),
                    vec![],
                )
                .await?;
            ensure(hidden == json!(true), || {
                "focusing the button opened the panel".to_owned()
            })
        })
        .await
    })
}

/// The launcher again: moving the pointer over its button brings the wasm; the panel
/// stays closed.
fn launcher_hover(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let url = env.pages.put(
            &format!("/lazy-hover/{site}.html"),
            page(
                &env.worker.origin,
                WATCHED_FETCH,
                "",
                &format!("data-site=\"{site}\" data-mode=\"launcher\""),
            ),
        );
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            prerendered_then_quiet(b).await?;
            nothing_fetched(b, "a launcher nobody touched").await?;
            let root = prerendered(b).await?;
            let button = b
                .find_in(&root, "button[part=\"launcher\"]", TIMEOUT)
                .await?;
            let hover = MouseActions::new("mouse".to_owned()).then(PointerAction::MoveToElement {
                element: button,
                duration: None,
                x: 0.0,
                y: 0.0,
            });
            b.client.perform_actions(hover).await?;
            fetched_once(b, "the pointer over the launcher button").await?;
            let hidden = b
                .eval(
                    &format!(
                        "return {}.querySelector('[part=panel]').hidden;",
                        root_js(0)
                    ),
                    vec![],
                )
                .await?;
            ensure(hidden == json!(true), || {
                "hovering the button opened the panel".to_owned()
            })
        })
        .await
    })
}

/// Installed before the loader (with [`WATCHED_FETCH`], the wasm held): counts the
/// characters typed into the prerendered form and into the live one, and lets the wasm
/// through once the 10th has gone into the prerendered form.
const COUNT_KEYS: &str = "<script>window.__sbHold=true;window.__sbKeys={pre:0,live:0};\
    document.addEventListener('input',function(e){var t=e.composedPath()[0],f=t&&t.form;if(!f)return;\
    if(f.hasAttribute('data-prerendered')){if(++__sbKeys.pre===10)__sbOpen();}else __sbKeys.live++;},true);</script>";

/// A visitor types a long message while the live form takes over: the wasm is held until
/// 10 characters are in, then let through while the typing goes on, so the takeover falls
/// in the middle of it. Every key lands, in order, the caret stays at the
/// end, and focus stays in the field.
fn typing_during_takeover(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let url = env.pages.put(
            &format!("/lazy-typing/{site}.html"),
            page(
                &env.worker.origin,
                &format!("{WATCHED_FETCH}{COUNT_KEYS}"),
                "",
                &format!("data-site=\"{site}\" data-load=\"interaction\""),
            ),
        );
        let text = "Typed while the form wakes up: every key counts and none may go missing, \
                    not the first ten, not the ones during the download, not the ones after.";
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            let root = prerendered(b).await?;
            let message = b.find_in(&root, "[name=\"message\"]", TIMEOUT).await?;
            message.click().await?;
            // Two characters at a time, as fast as WebDriver sends them: each goes to
            // whichever field has focus, the prerendered one until the live form takes
            // over, then the live one.
            let chars: Vec<char> = text.chars().collect();
            for pair in chars.chunks(2) {
                let keys: String = pair.iter().collect();
                b.client.active_element().await?.send_keys(&keys).await?;
            }
            b.widget(TIMEOUT).await?;
            let seen = b
                .eval(
                    &format!(
                        "const r = {}, a = r.activeElement, f = r.querySelector('{LIVE_FORM}'); \
                         return [f.querySelector('[name=message]').value, a && a.name, \
                                 a && a.selectionStart, a && a.selectionEnd];",
                        root_js(0)
                    ),
                    vec![],
                )
                .await?;
            let keys = b.eval("return window.__sbKeys;", vec![]).await?;
            let n = text.chars().count();
            ensure(seen == json!([text, "message", n, n]), || {
                format!(
                    "[message, focused field, caret start, end] = {seen}; expected [{text:?}, \
                     \"message\", {n}, {n}] (characters typed into the prerendered and the live form: {keys})"
                )
            })?;
            let (pre, live) = (keys["pre"].as_u64().unwrap_or(0), keys["live"].as_u64().unwrap_or(0));
            ensure(pre >= 10 && live > 0, || {
                format!("the takeover did not fall in the typing: characters typed into the prerendered and the live form: {keys}")
            })
        })
        .await
    })
}

/// The whole form filled in and sent before the wasm arrives (held until then): the live
/// form sends that submit itself once it takes over, and it is stored once.
fn early_submit(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        let admin_site = env.provision(site).await?;
        let url = env.pages.put(
            &format!("/lazy-submit/{site}.html"),
            page(
                &env.worker.origin,
                &format!("{WATCHED_FETCH}<script>window.__sbHold=true;</script>"),
                "",
                &format!("data-site=\"{site}\" data-load=\"interaction\""),
            ),
        );
        with_browser(async move |b| {
            b.client.goto(&url).await?;
            prerendered_then_quiet(b).await?;
            let root = prerendered(b).await?;
            fill_and_submit(b, &root).await?;
            let waiting = b
                .eval(
                    &format!(
                        "const r = {}; return [window.__sbWasm.length, !!r.querySelector('{LIVE_FORM}'), \
                         r.querySelector('form[data-prerendered]').getAttribute('aria-busy')];",
                        root_js(0)
                    ),
                    vec![],
                )
                .await?;
            ensure(waiting == json!([1, false, "true"]), || {
                format!(
                    "after a submit with the wasm held: [wasm requests, live form, busy] = {waiting}"
                )
            })?;
            b.eval("window.__sbOpen(); return true;", vec![]).await?;
            let live = b.widget(TIMEOUT).await?;
            let reference = shown_reference(b, &live, TIMEOUT).await?;
            stored_once(env, &admin_site, &reference).await
        })
        .await
    })
}

/// Installed before the loader: records in `window.__sbAt` where the paragraph `#after`
/// starts at the moment the loader inserts its form (a mutation observer runs before the
/// next paint; the loader creates the shadow root and reserves the space in that same task).
const RECORD_INSERTION: &str = "<script>window.__sbAt=[];\
    new MutationObserver(function(){var p=document.getElementById('after');\
    if(p&&!window.__sbAt.length&&document.querySelector('switchboard-form'))\
    window.__sbAt.push(Math.round(p.getBoundingClientRect().top+scrollY));})\
    .observe(document.documentElement,{childList:true,subtree:true});</script>";

/// JS: where `#after` starts now, in page pixels.
const AFTER: &str =
    "return Math.round(document.getElementById('after').getBoundingClientRect().top + scrollY);";

/// JS: the launcher panel's box, `[top, height]`.
const PANEL: &str = "const b = document.querySelector('switchboard-form').shadowRoot\
    .querySelector('[part=panel]').getBoundingClientRect(); \
    return [Math.round(b.top), Math.round(b.height)];";

/// `data-height` keeps the inline form's place the same size from the moment the loader
/// creates it, through the prerendered form, to the live one: the paragraph after it never
/// moves. The launcher's panel, opened while the definition is still on its way, keeps
/// its box when the form arrives and when the live form takes over.
fn holds_its_space(env: &Env, site: &str) -> Result<()> {
    env.block_on(async {
        env.provision(site).await?;
        let edge = &env.worker.origin;
        let inline = env.pages.put(
            &format!("/lazy-space/{site}.html"),
            format!(
                "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>host page</title>\
                 {ERROR_CAPTURE}{WATCHED_FETCH}{RECORD_INSERTION}</head>\n<body><h1>Contact us</h1>\
                 <script async src=\"{edge}/widget.js\" data-site=\"{site}\" data-height=\"{INLINE_HEIGHT}\"></script>\
                 <p id=\"after\">After the form.</p></body></html>\n"
            ),
        );
        let launcher = env.pages.put(
            &format!("/lazy-panel/{site}.html"),
            page(
                edge,
                &format!("{WATCHED_FETCH}<script>window.__sbHoldDefinition=true;</script>"),
                "",
                &format!("data-site=\"{site}\" data-mode=\"launcher\" data-height=\"{PANEL_HEIGHT}\""),
            ),
        );
        with_browser(async move |b| {
            b.client.goto(&inline).await?;
            b.wait_for_js(
                &format!("const r = {}; return !!(r && r.querySelector('form[data-prerendered]'));", root_js(0)),
                TIMEOUT,
                "the prerendered form",
            )
            .await?;
            let at_prerendered = b.eval(AFTER, vec![]).await?;
            b.widget(TIMEOUT).await?;
            let live = b.eval(AFTER, vec![]).await?;
            let inserted = b.eval("return window.__sbAt[0];", vec![]).await?;
            let form = b
                .eval(
                    &format!("return Math.round({}.querySelector('form').getBoundingClientRect().height);", root_js(0)),
                    vec![],
                )
                .await?;
            ensure(inserted.is_number() && at_prerendered == inserted && live == inserted, || {
                format!(
                    "the paragraph after the form starts at {inserted} px when the loader inserts \
                     the form, {at_prerendered} with the prerendered form, {live} with the live one \
                     (the live form is {form} px high)"
                )
            })?;
            ensure(form.as_f64().is_some_and(|h| h > 300.0 && h <= INLINE_HEIGHT), || {
                format!("the live form is {form} px high: {INLINE_HEIGHT} px does not hold it")
            })?;

            b.client.goto(&launcher).await?;
            b.wait_for_js(
                &format!("const r = {}; return !!(r && r.querySelector('[part=launcher]'));", root_js(0)),
                TIMEOUT,
                "the launcher",
            )
            .await?;
            let root = b.client.find(Locator::Css("switchboard-form")).await?.shadow_root().await?;
            b.find_in(&root, "button[part=\"launcher\"]", TIMEOUT).await?.click().await?;
            let loading = b.eval(PANEL, vec![]).await?;
            let shown = b
                .eval(&format!("return !!{}.querySelector('form');", root_js(0)), vec![])
                .await?;
            ensure(shown == json!(false), || "the definition was not held".to_owned())?;
            b.eval("window.__sbOpen(); return true;", vec![]).await?;
            b.widget(TIMEOUT).await?;
            let live = b.eval(PANEL, vec![]).await?;
            ensure(loading == live, || {
                format!("the panel's [top, height] is {loading} while loading and {live} with the live form")
            })
        })
        .await
    })
}

/// The reserved heights in the trial above, in px: above the form's height in the test
/// browser's window (1200 x 1000), and for the panel within its largest size there.
const INLINE_HEIGHT: f64 = 900.0;
const PANEL_HEIGHT: f64 = 760.0;
