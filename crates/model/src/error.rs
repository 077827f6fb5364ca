//! The error body of the Fitmate endpoints (`/users/create`, `/users/update`, `/users/retrieve`).

use fitmate_rules::{Code, Fault, Report};
#[cfg(feature = "json-schema")]
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `{"message": "Invalid email address", "errors": [{"field", "code", "message"}, ...]}`.
///
/// `message` is the first fault's; the documented sentences (`Email already exists`,
/// `Phone number already exists`, `Invalid email address`, `Invalid phone number`,
/// `User not found`) are used verbatim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(JsonSchema))]
#[cfg_attr(feature = "json-schema", schemars(rename = "ErrorBody"))]
pub struct ErrorBody {
    /// A sentence for people.
    pub message: String,
    /// Every fault of the request, each naming its field, rule and message; empty when the
    /// error is not about fields (an unknown key, a user not found).
    #[serde(default)]
    pub errors: Vec<Fault>,
    /// The request id, for errors on the server's side: quote it to support.
    #[serde(default, rename = "requestId", skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// `Email already exists`.
pub const EMAIL_EXISTS: &str = "Email already exists";
/// `Phone number already exists`.
pub const PHONE_EXISTS: &str = "Phone number already exists";
/// `User not found`.
pub const USER_NOT_FOUND: &str = "User not found";

impl ErrorBody {
    /// The body for a request whose faults are `report`.
    pub fn from_report(report: Report) -> Self {
        ErrorBody {
            message: report
                .first_message()
                .unwrap_or("Invalid request")
                .to_owned(),
            errors: report.into_faults(),
            request_id: None,
        }
    }

    /// A body with a sentence and no field faults.
    pub fn message(message: impl Into<String>) -> Self {
        ErrorBody {
            message: message.into(),
            errors: Vec::new(),
            request_id: None,
        }
    }

    /// `409 Email already exists`.
    pub fn email_exists() -> Self {
        Self::from_report(Fault::new("email", Code::EmailTaken, EMAIL_EXISTS).into())
    }

    /// `409 Phone number already exists`.
    pub fn phone_exists() -> Self {
        Self::from_report(Fault::new("phonenumber", Code::PhoneTaken, PHONE_EXISTS).into())
    }
}
