/*! Switchboard loader: finds its script tag, gives each form an isolated shadow root,
 * fetches the site's form definition, shows the edge's prerendered form from it, and
 * hands over to the WebAssembly form (with what the visitor typed) once the visitor
 * engages and it is ready.
 *
 * Embed:  <script async src="https://EDGE/widget.js" data-site="SITE"
 *           integrity="sha384-..." crossorigin="anonymous"></script>
 * Optional attributes (on the script tag or on a <switchboard-form> element):
 *   data-lang    BCP 47 tag; default: the browser's languages
 *   data-theme   "light" | "dark" | "auto" (follows the visitor's system; the default,
 *                except with the plain look)
 *   data-mode    "inline" (default: the form sits in the page) | "launcher" (a floating
 *                button opens the form in a panel)
 *   data-label   the launcher's label (default: "Contact us" in the visitor's language)
 *   data-look    "card" (default: framed) | "plain" (no frame, blends into the page; without
 *                data-theme, light or dark to match the page's text where it sits)
 *   data-target  (script only) CSS selector of elements to put a form into
 *   data-load    "interaction" (default) | "visible" | "eager": when the wasm downloads
 *   data-height  a CSS length (bare number: px) the form's place keeps from the start
 * Without data-target, <switchboard-form> elements are used (also ones added later), else
 * one form is inserted right after the script tag (launcher: at the end of the body).
 *
 * `cargo xtask build` bundles this file with the wasm-bindgen glue and the stylesheet into
 * one minified script (widget/dist/widget.js) and writes the wasm's SHA-384 into it, so the
 * one integrity hash on the script tag covers the glue, the styles and the wasm.
 * On a site that uses Cloudflare Turnstile it adds Turnstile's script (the URL the edge
 * names) to the page and draws the challenge in the live form; the page's CSP then also
 * needs https://challenges.cloudflare.com in script-src and frame-src.
 *
 * No eval, no inline styles: it runs under a CSP that allows only the edge origin
 * (script-src, connect-src, style-src) plus 'wasm-unsafe-eval', and with Trusted Types
 * enforced (its one policy is named `switchboard`).
 */
import init, { mount } from "../dist/switchboard_widget.js";
// Both built into widget/dist (minified) before `cargo xtask build` bundles this file.
import css from "../dist/widget.css";

// Replaced by the build (esbuild --define) with the SHA-384 of the shipped files.
/* global SB_WASM_SRI, SB_CSS_SRI */
var WASM_SRI = typeof SB_WASM_SRI === "string" ? SB_WASM_SRI : "";
var CSS_SRI = typeof SB_CSS_SRI === "string" ? SB_CSS_SRI : "";

// The loader's first statement; `cargo xtask bench-widget` also measures from here.
mark("switchboard:start");

var TAG = "switchboard-form";
var script = document.currentScript || document.querySelector("script[data-site]");
var edge = script && script.src ? new URL(script.src, document.baseURI).origin : "";

// Words shown before the WebAssembly form (which carries its own translations) runs:
// loading, load failure, the launcher's label, the panel's close button.
var WORDS = {
  en: ["Loading form…", "The contact form could not be loaded. Please try again later.", "Contact us", "Close"],
  de: ["Formular wird geladen…", "Das Kontaktformular konnte nicht geladen werden. Bitte später erneut versuchen.", "Kontakt", "Schließen"],
  fr: ["Chargement du formulaire…", "Le formulaire de contact n'a pas pu être chargé. Veuillez réessayer plus tard.", "Nous contacter", "Fermer"],
  es: ["Cargando el formulario…", "No se pudo cargar el formulario de contacto. Inténtalo de nuevo más tarde.", "Contacto", "Cerrar"]
};

var started = null;
// The wasm is fetched (integrity-checked) and compiled once per page, however many forms.
// Called when a form is engaged (see `watch`), or at once with data-load="eager".
function start() {
  if (!started) {
    mark("switchboard:engaged");
    engageNow();
    var wasm = fetch(edge + "/switchboard_widget_bg.wasm", { integrity: WASM_SRI, credentials: "omit" });
    started = init({ module_or_path: wasm }).then(function (exports) {
      mark("switchboard:wasm-ready");
      return exports;
    });
  }
  return started;
}

var engageNow;
// Settles when the first form on the page wants the wasm: every form then takes it.
var engaged = new Promise(function (resolve) {
  engageNow = resolve;
});

// data-load: "interaction" (the default) fetches the wasm on the visitor's first pointer,
// touch, focus or key inside the form; "visible" also once the form is in view and the
// browser idle; "eager" at once. One wasm serves the page: the first form that wants it
// starts it for all. data-height keeps the form's place at least that high from the
// loader's first statement on, so nothing below it moves when the form arrives.
var ENGAGING = ["pointerover", "pointerdown", "touchstart", "focusin", "keydown"];

// Starts the wasm on the visitor's first pointer, touch, focus or key anywhere in the
// form's shadow root (so on the launcher's button too: hovering or focusing it), and with
// `visible` also once `place` is in view and the browser has nothing else to do. A
// launcher's place sits in its hidden panel, so only opening it brings it into view.
function watch(root, place, visible) {
  var seen = null;
  function go() {
    ENGAGING.forEach(function (type) {
      root.removeEventListener(type, go, true);
    });
    if (seen) seen.disconnect();
    start();
  }
  ENGAGING.forEach(function (type) {
    root.addEventListener(type, go, { capture: true, passive: true });
  });
  if (!visible) return;
  if (!window.IntersectionObserver) return idle(go);
  seen = new IntersectionObserver(function (entries) {
    for (var i = 0; i < entries.length; i++) {
      if (entries[i].isIntersecting) {
        seen.disconnect();
        return idle(go);
      }
    }
  });
  seen.observe(place);
}

// Runs `f` when the browser is idle (within 2 s at the latest).
function idle(f) {
  if (window.requestIdleCallback) requestIdleCallback(f, { timeout: 2000 });
  else setTimeout(f, 300);
}

// `data-height` as a CSS length, or "" when it is absent or not one.
function reserved(host) {
  var value = attr(host, "height").trim();
  if (/^\d+(\.\d+)?$/.test(value)) value += "px";
  return value && window.CSS && CSS.supports && CSS.supports("min-height", value) ? value : "";
}

// Marks on the page's performance timeline (read by `cargo xtask bench-widget`).
function mark(name) {
  if (window.performance && performance.mark) performance.mark(name);
}

function attr(host, name) {
  return host.getAttribute("data-" + name) || (script && script.getAttribute("data-" + name)) || "";
}

// `data-lang`, else the first of the browser's languages the form speaks; "" when none
// is: the edge then uses the site's `default_locale` and says which in the definition.
function pickLocale(host) {
  var tags = [attr(host, "lang")].concat(navigator.languages || [navigator.language]);
  for (var i = 0; i < tags.length; i++) {
    var primary = String(tags[i] || "").toLowerCase().split(/[-_]/)[0];
    if (WORDS[primary]) return primary;
  }
  return "";
}

function timeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    return "";
  }
}

var sheet = null;
// Constructed stylesheets need no network and no 'unsafe-inline'; browsers without them
// get the same file as an integrity-checked <link>. Resolves once styles apply, so the
// form never shows unstyled.
function styles(root) {
  try {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
    }
    root.adoptedStyleSheets = [sheet];
    return Promise.resolve();
  } catch (e) {
    return new Promise(function (resolve) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = edge + "/widget.css";
      if (CSS_SRI) {
        link.integrity = CSS_SRI;
        link.crossOrigin = "anonymous";
      }
      link.onload = link.onerror = function () {
        resolve();
      };
      root.appendChild(link);
    });
  }
}

function element(tag, className, part) {
  var el = document.createElement(tag);
  el.className = className;
  el.setAttribute("part", part);
  return el;
}

// Launcher mode: a floating button that opens a panel holding the form. Escape or the
// close button shut it and give focus back to the button. Returns where the form goes.
// Its words come from `label`.
function launcher(container) {
  var button = element("button", "sb-launcher", "launcher");
  button.type = "button";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "sb-panel");
  var panel = element("div", "sb-panel", "panel");
  panel.id = "sb-panel";
  panel.setAttribute("role", "dialog");
  panel.tabIndex = -1;
  panel.hidden = true;
  var close = element("button", "sb-close", "close");
  close.type = "button";
  close.textContent = "×";
  var body = document.createElement("div");
  panel.appendChild(close);
  panel.appendChild(body);

  function open() {
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    var first = body.querySelector("input:not([tabindex='-1']), select, textarea");
    (first || panel).focus();
  }
  function shut() {
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }
  button.addEventListener("click", function () {
    if (panel.hidden) open();
    else shut();
  });
  close.addEventListener("click", shut);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") {
      event.stopPropagation();
      shut();
    }
  });
  container.appendChild(button);
  container.appendChild(panel);
  return body;
}

function setup(host) {
  if (host.shadowRoot || !edge) return;
  var site = attr(host, "site");
  if (!site) return;
  ["theme", "mode", "look"].forEach(function (name) {
    var value = attr(host, name);
    if (value) host.setAttribute("data-" + name, value);
  });
  if (attr(host, "look") === "plain" && !attr(host, "theme")) followPage(host);
  var locale = pickLocale(host);
  // The language of the words shown before the live form: the visitor's, else English
  // until the definition names the site's default.
  var shown = locale || "en";
  var root = host.attachShadow({ mode: "open" });
  var styled = styles(root);
  var container = element("div", "sb-root", "root");
  root.appendChild(container);
  var place = attr(host, "mode") === "launcher" ? launcher(container) : container;
  // The space the form will take, held from now on (a CSSOM property, which a strict
  // style-src allows, unlike a style attribute).
  var height = reserved(host);
  if (height) place.style.minHeight = height;
  var load = attr(host, "load");
  if (load === "eager") start();
  else watch(root, place, load === "visible");
  var status = element("p", "sb-loading", "loading");
  status.setAttribute("role", "status");
  place.appendChild(status);
  label(container, status, shown, attr(host, "label"));

  var fetched = definition(site, locale);
  var tz = "";
  var visible = false;
  var early = false;
  var def = null;
  var posts = false;
  Promise.all([fetched, styled])
    .then(function (done) {
      def = done[0];
      if (!locale && WORDS[def.locale] && def.locale !== shown) {
        shown = def.locale;
        label(container, status, shown, attr(host, "label"));
      }
      var form = done[0].html ? prerender(place, status, done[0].html) : null;
      // Without a prerendered form (a Trusted Types page that does not allow the loader's
      // policy) nothing shows until the wasm runs: it is wanted at once.
      if (!form) start();
      if (form) {
        visible = true;
        // A submit waits for the widget, which sends it as soon as it runs.
        form.addEventListener("submit", function (event) {
          if (posts) return;
          event.preventDefault();
          start();
          early = true;
          form.setAttribute("aria-busy", "true");
          var spinner = form.querySelector(".spinner");
          if (spinner) spinner.hidden = false;
        });
      }
      return painted(form)
        .then(function () {
          return engaged;
        })
        .then(function () {
          // The browser's zone costs tens of milliseconds (Intl starts up), so it is read
          // only for the live form, while its wasm downloads. The definition names the
          // zone its sentences use (Cloudflare's guess); if the browser's differs, ask again.
          tz = timeZone();
          var ours = !tz || done[0].time_zone === tz ? done[0] : definition(site, locale, tz).catch(function () {
            return done[0];
          });
          return Promise.all([ours, start(), form]);
        });
    })
    .then(function (done) {
      var form = done[2];
      var draft = form ? draftOf(form) : undefined;
      var focus = form ? focusOf(root) : null;
      // The loading line or the prerendered form is all the place holds.
      while (place.firstChild) place.removeChild(place.firstChild);
      challenges(root, done[0], locale || done[0].locale, attr(host, "theme"));
      mount(place, edge, site, done[0], locale, tz, draft);
      mark("switchboard:mounted");
      if (!visible) mark("switchboard:visible");
      if (focus) refocus(place, focus);
      var live = place.querySelector("form");
      if (early && live) {
        if (live.requestSubmit) live.requestSubmit();
        else live.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
      }
    })
    .catch(function (error) {
      if (window.console) console.error(error);
      var form = place.querySelector("form[data-prerendered]");
      // A Turnstile site's plain form is refused (the check needs JavaScript).
      if (form && def && !def.turnstile_site_key) {
        posts = true;
        plain(form, site, def, locale || def.locale, tz || def.time_zone);
        if (early) {
          if (form.requestSubmit) form.requestSubmit();
          else form.submit();
        }
        return;
      }
      if (!status.parentNode) {
        while (place.firstChild) place.removeChild(place.firstChild);
        place.appendChild(status);
      }
      status.className = "sb-loading sb-failed";
      status.textContent = WORDS[shown][1];
    });
}

// The words shown before the live form, in `locale`, whatever the page's language: the
// loading line and, in launcher mode, the button, the panel's name and its close button.
// The site owner's `data-label`, if any, names the button and the panel instead.
function label(container, status, locale, custom) {
  var words = WORDS[locale];
  container.setAttribute("lang", locale);
  status.textContent = words[0];
  var button = container.querySelector(".sb-launcher");
  if (!button) return;
  button.textContent = custom || words[2];
  container.querySelector(".sb-panel").setAttribute("aria-label", custom || words[2]);
  container.querySelector(".sb-close").setAttribute("aria-label", words[3]);
}

// The plain look has no background of its own, so it takes the page's side: dark when
// the page's text where the form sits is light, light when it is dark. The visitor's
// system setting could say the opposite of what the page shows. Checked again when that
// setting changes, since pages that follow it change with it. A colour that is not
// plain sRGB leaves the choice to the visitor's system, as with `data-theme="auto"`.
function followPage(host) {
  function apply() {
    var parent = host.parentElement;
    var rgb = parent && /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)/.exec(getComputedStyle(parent).color);
    if (!rgb) return host.removeAttribute("data-theme");
    // Relative luminance (WCAG), from the page's text colour.
    var lin = rgb.slice(1, 4).map(function (c) {
      c = c / 255;
      return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var light = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2] > 0.3;
    host.setAttribute("data-theme", light ? "dark" : "light");
  }
  apply();
  if (window.matchMedia) {
    var query = matchMedia("(prefers-color-scheme: dark)");
    if (query.addEventListener) query.addEventListener("change", apply);
  }
}

// When the WebAssembly form cannot run (its download failed or was refused, a policy
// blocks wasm), the prerendered form, with what the visitor typed, still sends: like the
// form without JavaScript, as a plain POST to the edge, which answers with its HTML
// confirmation page (or the form again, with the errors).
function plain(form, site, def, locale, tz) {
  form.action = edge + "/v1/sites/" + encodeURIComponent(site) + "/form.html";
  form.method = "post";
  form.acceptCharset = "utf-8";
  form.setAttribute("aria-busy", "false");
  var key;
  try {
    key = crypto.randomUUID();
  } catch (e) {
    key = "sb-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  [
    ["idempotency_key", key],
    ["locale", locale || ""],
    ["time_zone", tz || ""],
    ["render_token", def.render_token || ""]
  ].forEach(function (pair) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = pair[0];
    input.value = pair[1];
    form.appendChild(input);
  });
}

var definitions = {};
// GET /v1/sites/{site}/form, parsed; one request per site, language and zone. Without
// `tz` (the first request, started as early as possible) it asks for the prerendered
// form and lets the edge guess the zone; with it, only for sentences in that zone.
function definition(site, locale, tz) {
  var query = (locale ? "?locale=" + encodeURIComponent(locale) + "&" : "?") + (tz ? "tz=" + encodeURIComponent(tz) : "prerender=1");
  var url = edge + "/v1/sites/" + encodeURIComponent(site) + "/form" + query;
  if (!definitions[url]) {
    definitions[url] = fetch(url, { credentials: "omit" })
      .then(null, function () {
        // Most often the edge's CORS refusal, which the page cannot read: say what to check.
        throw new Error("switchboard: no form definition from " + edge + "; is " + location.origin + " in the site's allowed_origins?");
      })
      .then(function (response) {
        if (!response.ok) throw new Error("switchboard: form definition answered " + response.status);
        return response.json();
      })
      .then(function (parsed) {
        if (!tz) mark("switchboard:definition");
        return parsed;
      });
  }
  return definitions[url];
}

// Resolves once the browser has had a frame to paint the prerendered form (marking that
// moment), so the work that follows cannot hold the paint back. Hidden tabs get no
// frames: a timer stands in.
function painted(form) {
  return new Promise(function (resolve) {
    if (!form) return resolve();
    var done = false;
    function next() {
      if (done) return;
      done = true;
      mark("switchboard:visible");
      setTimeout(resolve, 0);
    }
    if (window.requestAnimationFrame) requestAnimationFrame(next);
    setTimeout(next, 200);
  });
}

// Elements the prerendered form is made of. Anything else, and any attribute that could
// run code or load something, is dropped: the definition carries words and structure,
// while code only ever comes from the integrity-checked files.
var SAFE_TAGS = /^(div|form|p|ul|li|label|span|strong|input|select|option|textarea|fieldset|legend|button)$/;
var UNSAFE_ATTRS = /^(on|style$|src|href$|action$|formaction$|xlink|srcdoc$)/i;

function clean(parent) {
  for (var i = parent.children.length - 1; i >= 0; i--) {
    var el = parent.children[i];
    if (!SAFE_TAGS.test(el.localName)) {
      parent.removeChild(el);
      continue;
    }
    for (var j = el.attributes.length - 1; j >= 0; j--) {
      if (UNSAFE_ATTRS.test(el.attributes[j].name)) el.removeAttribute(el.attributes[j].name);
    }
    clean(el);
  }
}

var policy = null;
// On a page that enforces Trusted Types, `innerHTML` and a script's `src` take only values
// from a policy the page allows by name (`trusted-types switchboard`); without that the
// prerendered form is skipped and the form appears once the wasm runs. The policy passes
// the HTML through unchanged: it goes into an inert template and is cleaned before any of
// it is adopted. The one script URL it passes is the Turnstile script the edge names.
function trusted() {
  if (policy === null) {
    policy = false;
    try {
      if (window.trustedTypes && trustedTypes.createPolicy) {
        policy = trustedTypes.createPolicy("switchboard", {
          createHTML: function (s) {
            return s;
          },
          createScriptURL: function (s) {
            if (s !== turnstileSrc) throw new TypeError("switchboard: not the Turnstile script");
            return s;
          }
        });
      }
    } catch (e) {}
  }
  return policy;
}

function trustedHTML(html) {
  return trusted() ? policy.createHTML(html) : html;
}

var turnstileSrc = "";
var turnstileReady = null;
// Cloudflare's Turnstile script, added to the page once, however many forms need it.
function turnstile(src) {
  if (!turnstileReady) {
    turnstileSrc = src;
    turnstileReady = new Promise(function (resolve, reject) {
      if (window.turnstile) return resolve(window.turnstile);
      var tag = document.createElement("script");
      tag.src = trusted() ? policy.createScriptURL(src) : src;
      tag.async = true;
      tag.onload = function () {
        if (window.turnstile) resolve(window.turnstile);
        else reject(new Error("switchboard: the Turnstile script defined no turnstile"));
      };
      tag.onerror = function () {
        reject(new Error("switchboard: the Turnstile script did not load"));
      };
      document.head.appendChild(tag);
    });
  }
  return turnstileReady;
}

// On a Turnstile site the live form sends `switchboard-challenge` from its empty slot
// (see widget/src/browser.rs), and again when the answer in it is spent: the first draws
// the challenge there, the next ones reset it. A slot the form re-created (after "send
// another") gets a new challenge, and the old one is removed.
function challenges(root, def, locale, theme) {
  if (!def.turnstile_site_key || !def.turnstile_script) return;
  var current = null;
  root.addEventListener(
    "switchboard-challenge",
    function (event) {
      var slot = event.target;
      turnstile(def.turnstile_script)
        .then(function (t) {
          var id = slot.getAttribute("data-challenge");
          if (id) return t.reset(id);
          if (current) t.remove(current);
          current = t.render(slot, {
            sitekey: def.turnstile_site_key,
            theme: theme === "light" || theme === "dark" ? theme : "auto",
            language: locale
          });
          if (current) slot.setAttribute("data-challenge", current);
        })
        .catch(function (error) {
          if (window.console) console.error(error);
        });
    },
    // The event does not bubble; a capturing listener on the root still hears it.
    true
  );
}

// Shows the edge's HTML of the idle form in place of the loading line, so the visitor
// sees (and can fill in) the form while the wasm arrives. Returns its <form>, or null.
function prerender(place, status, html) {
  try {
    // A template's content is inert (nothing in it runs or loads) and, unlike a
    // DOMParser document, costs no new document.
    var template = document.createElement("template");
    template.innerHTML = trustedHTML(html);
    var body = template.content;
    clean(body);
    var form = body.querySelector("form");
    if (!form || !status.parentNode) return null;
    var top = body.firstElementChild;
    place.replaceChild(document.adoptNode(top), status);
    return form;
  } catch (e) {
    return null;
  }
}

// What the visitor typed into the prerendered form: field id -> text, flag or list.
function draftOf(form) {
  var out = {};
  Array.prototype.forEach.call(form.elements, function (el) {
    if (!el.name) return;
    if (el.type === "checkbox" && el.closest("fieldset")) {
      if (!out[el.name]) out[el.name] = [];
      if (el.checked) out[el.name].push(el.value);
    } else if (el.type === "checkbox") {
      out[el.name] = el.checked;
    } else if (el.type === "radio") {
      if (el.checked || !(el.name in out)) out[el.name] = el.checked ? el.value : "";
    } else {
      out[el.name] = el.value;
    }
  });
  return out;
}

// Where the visitor's caret is, so the live form can put it back.
function focusOf(root) {
  var el = root.activeElement;
  if (!el || !el.name) return null;
  var at = { id: el.id, name: el.name, value: el.value, start: null, end: null };
  try {
    at.start = el.selectionStart;
    at.end = el.selectionEnd;
  } catch (e) {}
  return at;
}

function refocus(place, at) {
  var el = at.id ? place.querySelector("#" + CSS.escape(at.id)) : null;
  if (!el) {
    el = Array.prototype.filter.call(place.querySelectorAll("[name]"), function (c) {
      return c.name === at.name && c.value === at.value;
    })[0];
  }
  if (!el) return;
  el.focus();
  try {
    if (at.start !== null) el.setSelectionRange(at.start, at.end);
  } catch (e) {}
}

function adopt(host) {
  if (!host.getAttribute("data-site") && script && script.getAttribute("data-site")) {
    host.setAttribute("data-site", script.getAttribute("data-site"));
  }
  setup(host);
}

function hosts() {
  var target = script.getAttribute("data-target");
  if (target) {
    return Array.prototype.map.call(document.querySelectorAll(target), function (el) {
      if (el.localName === TAG) return el;
      var existing = el.querySelector(TAG);
      if (existing) return existing;
      var host = document.createElement(TAG);
      el.appendChild(host);
      return host;
    });
  }
  var site = script.getAttribute("data-site");
  var found = Array.prototype.filter.call(document.querySelectorAll(TAG), function (el) {
    var own = el.getAttribute("data-site");
    return !own || own === site;
  });
  // A script without `data-site` only starts the <switchboard-form> elements that name one.
  if (found.length || !site) return found;
  var host = document.createElement(TAG);
  var parent = script.parentNode;
  var launch = script.getAttribute("data-mode") === "launcher";
  if (!launch && parent && parent !== document.head && parent !== document.documentElement) {
    parent.insertBefore(host, script.nextSibling);
  } else {
    document.body.appendChild(host);
  }
  return [host];
}

function run() {
  hosts().forEach(adopt);
}

if (edge) {
  // The definition for the script's own site in the visitor's language starts now, before
  // the page has finished parsing: the form shows when it arrives. The wasm waits for the
  // visitor (see `watch`) unless the page asks for it at once.
  if (script.getAttribute("data-site")) {
    definition(script.getAttribute("data-site"), pickLocale(script));
  }
  if (script.getAttribute("data-load") === "eager") start();
  // <switchboard-form> elements a page adds later (single-page apps) start by themselves.
  if (window.customElements && !customElements.get(TAG)) {
    customElements.define(
      TAG,
      class extends HTMLElement {
        connectedCallback() {
          if (this.getAttribute("data-site")) setup(this);
        }
      }
    );
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
}
