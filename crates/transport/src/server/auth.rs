//! `POST /auth/magic-link/redeem`: a welcome email's link, used once.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use fitmate_model::rules::{Code, Fault, TOKEN_CHARS};
use fitmate_store::{Store, magic_token_hash};

use super::App;
use super::client_limit::Client;
use super::error::ApiError;
use super::extract::JsonBody;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Redeem {
    token: String,
}

/// 200 with the user's identifier the first time; 410 once used, expired, or for a token
/// that never existed (the two are not told apart, so the endpoint reveals nothing about
/// which tokens exist); 400 for a body that is not `{"token": "<the token>"}`.
pub(crate) async fn redeem<S: Store>(
    State(app): State<App<S>>,
    Client(client): Client,
    headers: http::HeaderMap,
    body: JsonBody,
) -> Result<Response, ApiError> {
    take_budget(&app, client)?;
    let redeem: Redeem = body.parse()?;
    let hash = magic_token_hash(&redeem.token).ok_or_else(|| {
        ApiError::Invalid(
            Fault::new(
                "token",
                Code::InvalidToken,
                format!("token must be the {TOKEN_CHARS}-character token of a magic link"),
            )
            .into(),
        )
    })?;
    match use_up(&app, hash, &headers).await? {
        Some(identifier) => Ok(Json(serde_json::json!({"identifier": identifier})).into_response()),
        None => Err(ApiError::LinkGone),
    }
}

/// Takes one request from the client address's budget of unauthenticated work: every
/// redeem costs a database write for a caller nobody has identified yet.
fn take_budget<S: Store>(app: &App<S>, client: Option<std::net::IpAddr>) -> Result<(), ApiError> {
    if let Some((limiter, client)) = app.clients().zip(client) {
        limiter.take(client).map_err(ApiError::RateLimited)?;
    }
    Ok(())
}

/// Uses up the magic link whose token hashes to `hash`: its user's identifier, or `None`
/// when it was used, has expired (by its project's clock) or never existed.
async fn use_up<S: Store>(
    app: &App<S>,
    hash: [u8; 32],
    headers: &http::HeaderMap,
) -> Result<Option<uuid::Uuid>, ApiError> {
    let request_id = super::request_id_of(headers);
    Ok(app
        .store()
        .redeem_magic_link(hash, jiff::Timestamp::now(), request_id)
        .await?)
}

/// The query of `GET /auth/magic-link`.
#[derive(serde::Deserialize)]
pub(crate) struct LinkQuery {
    token: Option<String>,
}

/// `GET /auth/magic-link?token=…`: the page a welcome email's link opens on a server whose
/// links point at itself (the default). It redeems the token, as `POST
/// /auth/magic-link/redeem` does, and says what came of it: signed in (200), or used or
/// expired (410), or not a link at all (400). A deployment whose links open its own app
/// sets `--magic-link-base` and never sends anyone here.
pub(crate) async fn page<S: Store>(
    State(app): State<App<S>>,
    Client(client): Client,
    headers: http::HeaderMap,
    query: Result<axum::extract::Query<LinkQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    take_budget(&app, client)?;
    let token = query.ok().and_then(|q| q.0.token);
    let Some(hash) = token.as_deref().and_then(magic_token_hash) else {
        return Ok(link_page(
            http::StatusCode::BAD_REQUEST,
            "This is not a sign-in link",
            "The address is missing its token or has a broken one. Open the link from the \
             welcome email again, whole.",
        ));
    };
    Ok(match use_up(&app, hash, &headers).await? {
        Some(identifier) => link_page(
            http::StatusCode::OK,
            "Signed in",
            &format!(
                "Welcome to Fitmate. This link signed in user {identifier}. It works only \
                 once: opening it again will not sign anyone in."
            ),
        ),
        None => link_page(
            http::StatusCode::GONE,
            "This link was already used or has expired",
            "A sign-in link works once, for a limited time. Ask your care team for a new \
             welcome email.",
        ),
    })
}

/// A small page of our own words (nothing a user or a client wrote), with a policy that
/// lets it run no script and send the token-bearing address to nobody.
fn link_page(status: http::StatusCode, title: &str, message: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Fitmate</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1d2733}}\
         h1{{font-size:1.6rem}}p{{line-height:1.5}}</style></head>\
         <body><main><h1>{title}</h1><p>{message}</p></main></body></html>\n"
    );
    (
        status,
        [
            (
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                http::header::CONTENT_SECURITY_POLICY,
                http::HeaderValue::from_static(
                    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
                ),
            ),
            (
                http::header::REFERRER_POLICY,
                http::HeaderValue::from_static("no-referrer"),
            ),
            (
                http::header::CACHE_CONTROL,
                http::HeaderValue::from_static("no-store"),
            ),
        ],
        html,
    )
        .into_response()
}
