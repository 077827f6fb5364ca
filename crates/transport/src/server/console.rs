//! `/console`: the sandbox's web console, a static page that calls the `/_sandbox` API with
//! the API key its user signs in with.
//!
//! The page, its script and its stylesheet are compiled into the binary (there is no build
//! step and nothing is fetched from elsewhere). The key is kept in the browser's
//! `sessionStorage` and sent only in `Authorization` headers, never in a URL. Every value
//! the console shows (names, emails, request bodies: untrusted, and medical test data) is
//! rendered with DOM text APIs; an email's HTML is shown in a sandboxed `<iframe srcdoc>`.
//!
//! Each file is answered with:
//!
//! - `Content-Type` with `charset=utf-8`;
//! - [`CONTENT_SECURITY_POLICY`]: scripts and styles only from this server, no inline
//!   script, no framing of the console itself;
//! - `X-Content-Type-Options: nosniff`, `Cache-Control: no-cache` (a new server version's
//!   console is picked up at once) and `Referrer-Policy: no-referrer`.

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fitmate_store::Store;
use http::HeaderValue;
use http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY as CSP, CONTENT_TYPE, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS,
};

use super::App;

/// The console's page.
const INDEX_HTML: &str = include_str!("../../assets/console/index.html");
/// The console's script, an ES module.
const CONSOLE_JS: &str = include_str!("../../assets/console/console.js");
/// The console's stylesheet.
const CONSOLE_CSS: &str = include_str!("../../assets/console/console.css");

/// The policy every console file is served with: only this server's scripts and styles,
/// `data:` images, frames of this origin (an email's HTML in a sandboxed `srcdoc` frame),
/// forms posting only here, and the console never framed by another page.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// The routes of the console's page and assets: `GET /console` (and `/console/`),
/// `GET /console/console.js` and `GET /console/console.css`.
pub(crate) fn routes<S: Store>() -> Router<App<S>> {
    Router::new()
        .route("/console", get(index))
        .route("/console/", get(index))
        .route("/console/console.js", get(script))
        .route("/console/console.css", get(stylesheet))
}

/// `GET /console`: the page.
async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

/// `GET /console/console.js`: the script.
async fn script() -> Response {
    asset("text/javascript; charset=utf-8", CONSOLE_JS)
}

/// `GET /console/console.css`: the stylesheet.
async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", CONSOLE_CSS)
}

/// A console file with its content type and the console's security and caching headers.
fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (CSP, HeaderValue::from_static(CONTENT_SECURITY_POLICY)),
            (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        ],
        body,
    )
        .into_response()
}
