/*! Switchboard loader: finds its script tag, gives each form an isolated shadow root,
 * fetches the site's form definition and starts the WebAssembly form.
 *
 * Embed:  <script async src="https://EDGE/widget.js" data-site="SITE"></script>
 * Optional attributes (on the script tag or on a <switchboard-form> element):
 *   data-lang    BCP 47 tag; default: the browser's languages
 *   data-theme   "light" | "dark" | "auto" (default: follows the visitor's system)
 *   data-mode    "card" (default: framed) | "plain" (no frame, blends into the page)
 *   data-target  (script only) CSS selector of elements to put a form into
 * Without data-target, existing <switchboard-form> elements are used, else one form is
 * inserted right after the script tag.
 *
 * Plain ES, no build step, no eval, no inline styles: it runs under a CSP that allows
 * only the edge origin (script-src, connect-src, style-src) plus 'wasm-unsafe-eval'.
 */
(function () {
  "use strict";

  var TAG = "switchboard-form";
  var script = document.currentScript || document.querySelector("script[data-site]");
  if (!script || !script.src) return;
  var edge = new URL(script.src, document.baseURI).origin;

  // Words shown before the WebAssembly form (which carries its own translations) runs.
  var WORDS = {
    en: ["Loading form…", "The contact form could not be loaded. Please try again later."],
    de: ["Formular wird geladen…", "Das Kontaktformular konnte nicht geladen werden. Bitte später erneut versuchen."],
    fr: ["Chargement du formulaire…", "Le formulaire de contact n'a pas pu être chargé. Veuillez réessayer plus tard."],
    es: ["Cargando el formulario…", "No se pudo cargar el formulario de contacto. Inténtalo de nuevo más tarde."]
  };

  var started = null;
  // The glue module and the wasm are fetched once per page, however many forms it has.
  function start() {
    if (!started) {
      started = import(edge + "/switchboard_widget.js").then(function (glue) {
        return glue.default({ module_or_path: edge + "/switchboard_widget_bg.wasm" }).then(function () {
          return glue;
        });
      });
    }
    return started;
  }

  function attr(host, name) {
    return host.getAttribute("data-" + name) || script.getAttribute("data-" + name) || "";
  }

  function pickLocale(host) {
    var tags = [attr(host, "lang")].concat(navigator.languages || [navigator.language]);
    for (var i = 0; i < tags.length; i++) {
      var primary = String(tags[i] || "").toLowerCase().split(/[-_]/)[0];
      if (WORDS[primary]) return primary;
    }
    return "en";
  }

  function timeZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return "";
    }
  }

  // Resolves when the stylesheet has loaded or failed, so the form never shows unstyled.
  function linkStyles(root) {
    return new Promise(function (resolve) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = edge + "/widget.css";
      link.onload = link.onerror = function () {
        resolve();
      };
      root.appendChild(link);
    });
  }

  function setup(host) {
    if (host.shadowRoot) return;
    var site = attr(host, "site");
    if (!site) return;
    ["theme", "mode"].forEach(function (name) {
      var value = attr(host, name);
      if (value) host.setAttribute("data-" + name, value);
    });
    var locale = pickLocale(host);
    var words = WORDS[locale];
    var root = host.attachShadow({ mode: "open" });
    var styled = linkStyles(root);
    var container = document.createElement("div");
    container.className = "sb-root";
    container.setAttribute("part", "root");
    var status = document.createElement("p");
    status.className = "sb-loading";
    status.setAttribute("part", "loading");
    status.setAttribute("role", "status");
    status.textContent = words[0];
    container.appendChild(status);
    root.appendChild(container);

    var tz = timeZone();
    var query = "?locale=" + encodeURIComponent(locale) + "&tz=" + encodeURIComponent(tz);
    var definition = fetch(edge + "/v1/sites/" + encodeURIComponent(site) + "/form" + query, {
      credentials: "omit"
    }).then(function (response) {
      if (!response.ok) throw new Error("switchboard: form definition answered " + response.status);
      return response.text();
    });

    Promise.all([definition, start(), styled])
      .then(function (done) {
        container.removeChild(status);
        done[1].mount(container, edge, site, done[0], locale, tz);
      })
      .catch(function (error) {
        status.className = "sb-loading sb-failed";
        status.textContent = words[1];
        if (window.console) console.error(error);
      });
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
      return !el.shadowRoot && (!own || own === site);
    });
    if (found.length) return found;
    var host = document.createElement(TAG);
    var parent = script.parentNode;
    if (parent && parent !== document.head && parent !== document.documentElement) {
      parent.insertBefore(host, script.nextSibling);
    } else {
      document.body.appendChild(host);
    }
    return [host];
  }

  function run() {
    hosts().forEach(function (host) {
      if (!host.getAttribute("data-site") && script.getAttribute("data-site")) {
        host.setAttribute("data-site", script.getAttribute("data-site"));
      }
      setup(host);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
