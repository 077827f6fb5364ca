//! Bodies shared by both versions.

use fitmate_rules::Email;
#[cfg(feature = "json-schema")]
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::body_reader::request;

request! {
    /// `POST /users/retrieve`: the user with this email, rendered in the request's version.
    pub struct RetrieveUserRequest / RetrieveUserDraft {
        /// The email address of the user.
        "email" => email: required Email,
    }
}

impl RetrieveUserRequest {
    /// A retrieve request for `email`.
    pub fn new(email: Email) -> Self {
        RetrieveUserRequest { email }
    }
}

/// `POST /users/create` answered 200: `{"message": "User created successfully", ...}`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(JsonSchema))]
pub struct CreateUserResponse {
    /// `User created successfully`.
    pub message: String,
    /// The email address of the new user.
    pub email: String,
    /// The user's identifier: also the `userId` of the project API.
    pub identifier: Uuid,
}

impl CreateUserResponse {
    /// The documented sentence of a successful create.
    pub const MESSAGE: &'static str = "User created successfully";

    /// The answer for a user created with this email and identifier.
    pub fn new(email: &Email, identifier: Uuid) -> Self {
        CreateUserResponse {
            message: Self::MESSAGE.to_owned(),
            email: email.to_string(),
            identifier,
        }
    }
}

/// The sentence of a successful update.
pub const UPDATED_MESSAGE: &str = "User updated successfully";
/// The sentence of a successful retrieve.
pub const RETRIEVED_MESSAGE: &str = "User retrieved successfully";

fitmate_rules::redacted_debug!(CreateUserResponse);
