//! `POST /users/create`, `/users/update` and `/users/retrieve`, in every version: the
//! caller's version reads the body and renders the answer.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use fitmate_model::CreateUserResponse;
use fitmate_store::{AuditAction, Store};
use http::{HeaderMap, Method};

use super::App;
use super::apply::{self, Target};
use super::error::ApiError;
use super::extract::{Caller, JsonBody};
use super::idempotency;

pub(crate) async fn create<S: Store>(
    State(app): State<App<S>>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let user = caller.version.read_create(&body)?;
    let given = caller.version.render_user(&user);
    let audit = caller.audit(AuditAction::Create, given.keys());
    let write = async {
        let stored = app
            .store()
            .create_user(&caller.project, &user, &audit)
            .await?;
        if caller.settings.settings.welcome_email {
            app.wake_mail();
        }
        caller.concerns(stored.id);
        let answer = Json(CreateUserResponse::new(&stored.user.email, stored.id));
        Ok((answer.into_response(), Some(stored.id)))
    };
    idempotency::once(
        &app,
        &caller,
        &Method::POST,
        "/users/create",
        &headers,
        &body,
        write,
    )
    .await
}

pub(crate) async fn update<S: Store>(
    State(app): State<App<S>>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let (email, changes) = caller.version.read_update(&body)?;
    let audit = caller.audit(
        AuditAction::Update,
        apply::changed_fields(caller.version, &changes),
    );
    let write = async {
        let stored = apply::update_user(
            &app,
            &caller.settings,
            Target::Email(&email),
            &changes,
            &audit,
            caller.trace.as_ref().map(|slot| slot.trace()),
        )
        .await?;
        caller.concerns(stored.id);
        let answer = Json(caller.version.render_updated(stored.id, &stored.user));
        Ok((answer.into_response(), Some(stored.id)))
    };
    idempotency::once(
        &app,
        &caller,
        &Method::POST,
        "/users/update",
        &headers,
        &body,
        write,
    )
    .await
}

pub(crate) async fn retrieve<S: Store>(
    State(app): State<App<S>>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let email = caller.version.read_retrieve(&body)?;
    let stored = app
        .store()
        .user_by_email(&caller.project, &email)
        .await?
        .ok_or(ApiError::UserNotFound)?;
    caller.concerns(stored.id);
    let answer = caller.version.render_retrieved(stored.id, &stored.user);
    // The answer leaves only once the trail says who read which fields.
    let audit = caller.audit(AuditAction::Retrieve, answer.data.keys());
    app.store()
        .record_read(&caller.project, stored.id, &audit)
        .await?;
    Ok(Json(answer).into_response())
}
