//! `POST /users/create`, `/users/update` and `/users/retrieve`, in every version.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use fitmate_model::{
    ApiVersion, CreateUserResponse, RetrieveUserRequest, v2023_08_01, v2023_10_04,
};
use fitmate_store::Store;

use super::App;
use super::apply::{self, Target};
use super::error::ApiError;
use super::extract::{Caller, JsonBody};

/// A version this build reads but does not serve: cannot happen while every version in
/// `ApiVersion::ALL` has an arm below (the end-to-end tests use each).
fn unserved(version: ApiVersion) -> ApiError {
    ApiError::internal(&format_args!("version {version} has no handler"))
}

pub(crate) async fn create<S: Store>(
    State(app): State<App<S>>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let user = match caller.version {
        ApiVersion::V2023_08_01 => {
            v2023_08_01::CreateUserRequest::from_slice(&body)?.into_user()?
        }
        ApiVersion::V2023_10_04 => {
            v2023_10_04::CreateUserRequest::from_slice(&body)?.into_user()?
        }
        other => return Err(unserved(other)),
    };
    let stored = app.store().create_user(&caller.project, &user).await?;
    if caller.settings.settings.welcome_email {
        app.wake_mail();
    }
    Ok(Json(CreateUserResponse::new(&stored.user.email, stored.id)).into_response())
}

pub(crate) async fn update<S: Store>(
    State(app): State<App<S>>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let (email, changes) = match caller.version {
        ApiVersion::V2023_08_01 => {
            v2023_08_01::UpdateUserRequest::from_slice(&body)?.into_changes()
        }
        ApiVersion::V2023_10_04 => {
            v2023_10_04::UpdateUserRequest::from_slice(&body)?.into_changes()
        }
        other => return Err(unserved(other)),
    };
    let stored =
        apply::update_user(&app, &caller.settings, Target::Email(&email), &changes).await?;
    Ok(match caller.version {
        ApiVersion::V2023_08_01 => Json(v2023_08_01::UpdateUserResponse::new(
            stored.id,
            &stored.user,
        ))
        .into_response(),
        _ => Json(v2023_10_04::UpdateUserResponse::new(
            stored.id,
            &stored.user,
        ))
        .into_response(),
    })
}

pub(crate) async fn retrieve<S: Store>(
    State(app): State<App<S>>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let email = RetrieveUserRequest::from_slice(&body)?.email;
    let stored = app
        .store()
        .user_by_email(&caller.project, &email)
        .await?
        .ok_or(ApiError::UserNotFound)?;
    Ok(match caller.version {
        ApiVersion::V2023_08_01 => Json(v2023_08_01::RetrieveUserResponse::new(
            stored.id,
            &stored.user,
        ))
        .into_response(),
        _ => Json(v2023_10_04::RetrieveUserResponse::new(
            stored.id,
            &stored.user,
        ))
        .into_response(),
    })
}
