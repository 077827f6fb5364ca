//! `/docs`: the API reference, rendered from the OpenAPI documents by a bundled viewer.
//!
//! The viewer is Swagger UI, npm's `swagger-ui-dist` at a pinned version, vendored in
//! `assets/swagger-ui/` (its README says how to update it; `.ci/docs-viewer` checks the files
//! against npm's) and compiled into the binary: the page loads nothing from another origin
//! and works with no network. Its version switcher lists one document per API version, the
//! current one first, then the combined `/openapi.json`. That list is made from
//! [`ApiVersion::NEWEST_FIRST`] by [`init_script`], served as a file of its own so that the
//! page's Content-Security-Policy can forbid inline scripts.
//!
//! The page holds no data and needs no key, so it is always on. Assets are cached for a day;
//! the page names them with the server's version in the query, so an upgrade is seen at once.

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fitmate_model::ApiVersion;
use fitmate_store::Store;
use http::HeaderValue;
use http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};

use super::{ApiError, App};

/// The routes of the API reference.
pub(crate) fn routes<S: Store>() -> Router<App<S>> {
    Router::new()
        .route("/docs", get(page))
        .route("/docs/", get(page))
        .route("/docs/assets/{file}", get(asset))
}

/// The page's policy: this origin only, no inline script, no framing. Swagger UI sets inline
/// styles and its stylesheet draws icons from `data:` URLs; "Try it out" calls this origin.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; connect-src 'self'; object-src 'none'; \
                   base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// The name of our init script under `/docs/assets/`.
const INIT: &str = "fitmate-docs.js";

/// A file of `assets/swagger-ui/`: its name, its content type and its bytes.
macro_rules! vendored {
    ($name:literal, $content_type:expr) => {
        (
            $name,
            $content_type,
            include_bytes!(concat!("../../assets/swagger-ui/", $name)),
        )
    };
}

/// The vendored files served under `/docs/assets/`: the viewer, and the licence texts (the
/// scripts' first lines point at their `.LICENSE.txt`).
const VENDORED: &[(&str, &str, &[u8])] = &[
    vendored!("swagger-ui-bundle.js", JS),
    vendored!("swagger-ui-standalone-preset.js", JS),
    vendored!("swagger-ui.css", CSS),
    vendored!("swagger-ui-bundle.js.LICENSE.txt", TEXT),
    vendored!("swagger-ui-standalone-preset.js.LICENSE.txt", TEXT),
    vendored!("LICENSE", TEXT),
    vendored!("NOTICE", TEXT),
];

/// `GET /docs` and `GET /docs/`: the page, always revalidated. Its asset paths are absolute,
/// so they work from both.
async fn page() -> Response {
    let v = env!("CARGO_PKG_VERSION");
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fitmate API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css?v={v}">
<style>body {{ margin: 0; }}</style>
</head>
<body>
<noscript>The API reference needs JavaScript. The OpenAPI documents are at
<a href="/openapi.json">/openapi.json</a> (every version) and /openapi/VERSION.json.</noscript>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js?v={v}"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js?v={v}"></script>
<script src="/docs/assets/{INIT}?v={v}"></script>
</body>
</html>
"#
    );
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(HTML)),
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
        ],
        html,
    )
        .into_response()
}

/// `GET /docs/assets/{file}`: a vendored file or the init script; 404 for any other name.
async fn asset(Path(file): Path<String>) -> Result<Response, ApiError> {
    let (content_type, body) = if file == INIT {
        (JS, Bytes::from(init_script()))
    } else {
        VENDORED
            .iter()
            .find(|(name, _, _)| *name == file)
            .map(|(_, content_type, bytes)| (*content_type, Bytes::from_static(bytes)))
            .ok_or(ApiError::RouteNotFound)?
    };
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
            (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        body,
    )
        .into_response())
}

/// The script that starts Swagger UI: the StandaloneLayout, whose top bar switches between
/// the documents of [`ApiVersion::NEWEST_FIRST`] (the current version's first and shown
/// first) and the combined one.
fn init_script() -> String {
    let current = format!("{} (current)", ApiVersion::CURRENT.as_str());
    let document = |version: ApiVersion| format!("/openapi/{}.json", version.as_str());
    let mut urls = vec![serde_json::json!({"url": document(ApiVersion::CURRENT), "name": current})];
    urls.extend(
        ApiVersion::NEWEST_FIRST
            .iter()
            .filter(|version| **version != ApiVersion::CURRENT)
            .map(
                |version| serde_json::json!({"url": document(*version), "name": version.as_str()}),
            ),
    );
    urls.push(serde_json::json!({"url": "/openapi.json", "name": "every version (combined)"}));
    let urls = serde_json::to_string_pretty(&urls).unwrap_or_default();
    let primary = serde_json::Value::from(current);
    format!(
        r##"// Made by the server from its API versions (crates/transport/src/server/docs.rs).
window.ui = SwaggerUIBundle({{
  urls: {urls},
  "urls.primaryName": {primary},
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  plugins: [SwaggerUIBundle.plugins.DownloadUrl],
  layout: "StandaloneLayout",
  // No badge: it would send the document's address to validator.swagger.io.
  validatorUrl: null,
}});
"##
    )
}
