//! Host pages that embed the widget: the demo page (demo/index.html with the edge origin
//! filled in) and pages the browser tests compose, served from a small local web server.

use crate::{Result, repo};
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

/// Collects the page's errors (script errors, failed loads, rejections, console.error) in
/// `window.__sbErrors`, so a test that times out can say what the browser saw.
pub const ERROR_CAPTURE: &str = "<script>window.__sbErrors=[];\
addEventListener('error',function(e){var t=e.target||{};__sbErrors.push(e.message||('failed to load '+(t.src||t.href||t.localName)));},true);\
addEventListener('unhandledrejection',function(e){__sbErrors.push('unhandled rejection: '+e.reason);});\
var __sbCE=console.error;console.error=function(){__sbErrors.push(Array.prototype.map.call(arguments,String).join(' '));__sbCE.apply(console,arguments);};\
</script>";

/// `html` with [`ERROR_CAPTURE`] as the first thing its `<head>` runs.
pub fn with_error_capture(html: &str) -> String {
    match html.find("<head>") {
        Some(at) => format!("{}{ERROR_CAPTURE}{}", &html[..at + 6], &html[at + 6..]),
        None => format!("{ERROR_CAPTURE}{html}"),
    }
}

/// demo/index.html with `{{EDGE}}` replaced and its site (script tag and no-JS link)
/// switched to `site`.
pub fn demo_page(edge: &str, site: &str) -> Result<String> {
    let file = repo::path("demo/index.html");
    let template = std::fs::read_to_string(&file)
        .map_err(|e| crate::Error::msg(format!("cannot read {}: {e}", file.display())))?;
    let page = template.replace("{{EDGE}}", edge);
    Ok(if site == "demo" {
        page
    } else {
        page.replace("data-site=\"demo\"", &format!("data-site=\"{site}\""))
            .replace("/v1/sites/demo/", &format!("/v1/sites/{site}/"))
    })
}

/// A minimal page that loads the widget for `site`, with `head` and `body` around it.
pub fn host_page(edge: &str, site: &str, head: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>host page</title>{ERROR_CAPTURE}{head}</head>\n\
         <body>{body}\n<script async src=\"{edge}/widget.js\" data-site=\"{site}\"></script>\n</body></html>\n"
    )
}

/// A page: its HTML and an optional `Content-Security-Policy` header value.
type Pages = Arc<Mutex<HashMap<String, (String, Option<String>)>>>;

/// Serves registered HTML pages by path; 404 for anything else. Serves until dropped.
pub struct PageServer {
    pub addr: SocketAddr,
    pages: Pages,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl PageServer {
    /// Listens on 127.0.0.1:`port` (0 for any free port). Must be called inside a tokio runtime.
    pub async fn start(port: u16) -> Result<PageServer> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let pages: Pages = Arc::default();
        let app = axum::Router::new()
            .fallback(serve)
            .with_state(pages.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(PageServer {
            addr,
            pages,
            _stop: stop,
        })
    }

    /// `http://127.0.0.1:PORT`: the origin the site config must allow.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves `html` at `path` (which starts with `/`) and returns its full URL.
    pub fn put(&self, path: &str, html: String) -> String {
        self.insert(path, html, None)
    }

    /// Like [`PageServer::put`], served with `Content-Security-Policy: csp`.
    pub fn put_with_csp(&self, path: &str, html: String, csp: &str) -> String {
        self.insert(path, html, Some(csp.to_owned()))
    }

    fn insert(&self, path: &str, html: String, csp: Option<String>) -> String {
        self.pages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(path.to_owned(), (html, csp));
        format!("{}{path}", self.origin())
    }
}

async fn serve(State(pages): State<Pages>, uri: Uri) -> Response {
    let page = pages
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(uri.path())
        .cloned();
    match page {
        Some((html, Some(csp))) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
                (header::CONTENT_SECURITY_POLICY, csp),
            ],
            html,
        )
            .into_response(),
        Some((html, None)) => {
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
        }
        None => (StatusCode::NOT_FOUND, "no such page").into_response(),
    }
}
