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
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    // Every redeem costs a database write for a caller nobody has identified yet.
    if let Some((limiter, client)) = app.clients().zip(client) {
        limiter.take(client).map_err(ApiError::RateLimited)?;
    }
    let redeem: Redeem = serde_json::from_slice(&body).map_err(|e| {
        ApiError::Invalid(Fault::new("", Code::InvalidJson, fitmate_model::malformed(&e)).into())
    })?;
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
    match app
        .store()
        .redeem_magic_link(hash, jiff::Timestamp::now(), super::request_id_of(&headers))
        .await?
    {
        Some(identifier) => Ok(Json(serde_json::json!({"identifier": identifier})).into_response()),
        None => Err(ApiError::LinkGone),
    }
}
