//! The API reference at `/docs`: a page that loads only same-origin assets, each answered
//! with its type; an init script that lists every version's OpenAPI document (each served);
//! a Content-Security-Policy without inline scripts; and 404s in JSON for unknown assets.

use fitmate_model::ApiVersion;
use serde_json::Value;

use crate::harness::TestServer;

/// What `GET path` answered: status, headers and body.
struct Got {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

async fn get(server: &TestServer, path: &str) -> Got {
    let response = reqwest::get(format!("{}{path}", server.base))
        .await
        .unwrap();
    Got {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.bytes().await.unwrap().to_vec(),
    }
}

/// The values of every `name="..."` attribute in `html`.
fn attributes<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let opening = format!(" {name}=\"");
    html.match_indices(&opening)
        .map(|(at, _)| {
            let rest = &html[at + opening.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

/// The values of every `"url": "..."` in the init script.
fn document_urls(script: &str) -> Vec<&str> {
    let key = "\"url\": \"";
    script
        .match_indices(key)
        .map(|(at, _)| {
            let rest = &script[at + key.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

/// The content type an asset must be answered with, by its path's extension.
fn expected_type(path: &str) -> &'static str {
    let path = path.split('?').next().unwrap();
    if path.ends_with(".js") {
        "text/javascript; charset=utf-8"
    } else if path.ends_with(".css") {
        "text/css; charset=utf-8"
    } else if path.ends_with(".json") {
        "application/json"
    } else {
        panic!("an asset of unexpected kind: {path}")
    }
}

/// The init script's path: the page's script that is not a vendored Swagger UI file.
fn init_script_path(html: &str) -> String {
    let ours: Vec<&str> = attributes(html, "src")
        .into_iter()
        .filter(|src| !src.starts_with("/docs/assets/swagger-ui"))
        .collect();
    assert_eq!(ours.len(), 1, "one script of ours: {ours:?}");
    ours[0].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_loads_only_same_origin_assets_each_with_its_type() {
    let server = TestServer::start().await;
    let page = get(&server, "/docs").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(page.header("cache-control"), "no-cache");
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    let html = page.text();
    assert!(
        html.contains("<title>Fitmate API reference</title>"),
        "{html}"
    );
    assert!(html.contains("<div id=\"swagger-ui\"></div>"), "{html}");
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script src=\"").count(),
        "no inline script: {html}"
    );

    let srcs = attributes(&html, "src");
    let hrefs = attributes(&html, "href");
    assert!(srcs.len() >= 3, "{srcs:?}");
    for reference in srcs.iter().chain(&hrefs) {
        if reference.starts_with("data:") {
            continue; // inline, loads nothing (the empty favicon)
        }
        assert!(
            reference.starts_with('/') && !reference.starts_with("//"),
            "not a same-origin path: {reference}"
        );
        assert!(!reference.contains("http://") && !reference.contains("https://"));
        let asset = get(&server, reference).await;
        assert_eq!(asset.status, 200, "{reference}");
        assert_eq!(
            asset.header("content-type"),
            expected_type(reference),
            "{reference}"
        );
        assert!(!asset.body.is_empty(), "{reference}");
        if reference.starts_with("/docs/assets/") {
            assert_eq!(
                asset.header("cache-control"),
                "public, max-age=86400",
                "{reference}"
            );
            assert_eq!(asset.header("x-content-type-options"), "nosniff");
        }
    }
    for vendored in [
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "swagger-ui.css",
    ] {
        assert!(
            srcs.iter()
                .chain(&hrefs)
                .any(|r| r.starts_with(&format!("/docs/assets/{vendored}"))),
            "the page loads {vendored}"
        );
    }

    // The files are served as vendored, byte for byte.
    for file in [
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "LICENSE",
        "swagger-ui-bundle.js.LICENSE.txt",
    ] {
        let served = get(&server, &format!("/docs/assets/{file}")).await;
        assert_eq!(served.status, 200, "{file}");
        let vendored = std::fs::read(format!(
            "{}/crates/transport/assets/swagger-ui/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert!(served.body == vendored, "{file} is served as vendored");
    }

    // With a trailing slash, the same page (its asset paths are absolute).
    let slash = get(&server, "/docs/").await;
    assert_eq!(slash.status, 200);
    assert_eq!(slash.text(), html);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_init_script_lists_every_versions_document_current_first() {
    let server = TestServer::start().await;
    let html = get(&server, "/docs").await.text();
    let script = get(&server, &init_script_path(&html)).await;
    assert_eq!(script.status, 200);
    assert_eq!(
        script.header("content-type"),
        "text/javascript; charset=utf-8"
    );
    let script = script.text();
    for needed in [
        "SwaggerUIBundle(",
        "SwaggerUIStandalonePreset",
        "\"StandaloneLayout\"",
        "dom_id: \"#swagger-ui\"",
        "validatorUrl: null",
    ] {
        assert!(script.contains(needed), "{needed} in {script}");
    }
    let current = ApiVersion::CURRENT.as_str();
    assert!(
        script.contains(&format!("\"urls.primaryName\": \"{current} (current)\"")),
        "{script}"
    );

    let urls = document_urls(&script);
    let mut expected: Vec<String> = vec![format!("/openapi/{current}.json")];
    expected.extend(
        ApiVersion::NEWEST_FIRST
            .iter()
            .filter(|v| **v != ApiVersion::CURRENT)
            .map(|v| format!("/openapi/{}.json", v.as_str())),
    );
    expected.push("/openapi.json".to_owned());
    assert_eq!(
        urls, expected,
        "the current version first, the combined last"
    );

    for url in urls {
        let document = get(&server, url).await;
        assert_eq!(document.status, 200, "{url}");
        assert_eq!(document.header("content-type"), "application/json", "{url}");
        let body: Value = serde_json::from_slice(&document.body).unwrap();
        assert!(body["openapi"].is_string(), "{url} has an openapi field");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_forbids_inline_scripts_and_other_origins() {
    let server = TestServer::start().await;
    let page = get(&server, "/docs").await;
    let csp = page.header("content-security-policy");
    let directives: Vec<(&str, Vec<&str>)> = csp
        .split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace();
            Some((words.next()?, words.collect()))
        })
        .collect();
    let of = |name: &str| {
        directives
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, sources)| sources.clone())
            .unwrap_or_else(|| panic!("no {name} in {csp:?}"))
    };
    assert_eq!(of("default-src"), ["'self'"]);
    assert_eq!(of("script-src"), ["'self'"]);
    assert_eq!(of("connect-src"), ["'self'"]);
    assert_eq!(of("style-src"), ["'self'", "'unsafe-inline'"]);
    assert_eq!(of("img-src"), ["'self'", "data:"]);
    assert_eq!(of("frame-ancestors"), ["'none'"]);
    for (name, sources) in &directives {
        for source in sources {
            assert!(
                source.starts_with('\'') || *source == "data:",
                "{name} allows {source}, not only this origin"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_asset_is_a_404_in_json() {
    let server = TestServer::start().await;
    for path in [
        "/docs/assets/nope.js",
        "/docs/assets/swagger-ui-bundle.js.map",
        "/docs/assets/index.html",
        "/docs/assets/..%2F..%2FCargo.toml",
        "/docs/assets/",
        "/docs/nope",
    ] {
        let answer = server.raw(|c, base| c.get(format!("{base}{path}"))).await;
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(answer.content_type, "application/json", "{path}");
        assert!(
            answer.body["message"].is_string(),
            "{path}: {}",
            answer.body
        );
    }
}
