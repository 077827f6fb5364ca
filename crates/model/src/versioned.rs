//! What the server, the client, `import` and `validate` ask of a version: read a request
//! body as the version has it, and render an answer or a webhook's data in it. Every
//! version goes through the same code: the head's types and the chain of changes.

use fitmate_rules::{Email, Report};
#[cfg(feature = "json-schema")]
use schemars::SchemaGenerator;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::body_reader::{HeadBody, read_in};
use crate::canonical::{User, UserChanges};
use crate::chain::{self, Presence};
use crate::common::{RETRIEVED_MESSAGE, RetrieveUserRequest, UPDATED_MESSAGE};
use crate::head::{self, CreateUserDraft, UpdateUserDraft};
use crate::{ApiVersion, projects};

impl ApiVersion {
    /// Reads a `POST /users/create` body as this version has it: the canonical user it
    /// makes, or every fault, named as this version names its fields.
    ///
    /// ```
    /// use fitmate_model::ApiVersion;
    /// let user = ApiVersion::V2023_08_01.read_create(br#"{
    ///     "email": "jane@doe.com", "firstname": "jane", "lastname": "doe",
    ///     "phonenumber": "1234567890", "dateOfBirth": "1990-12-23", "gender": "female",
    ///     "height": "5ft 6in", "weight": 130, "pregnant": false
    /// }"#)?;
    /// assert_eq!((user.sex.as_str(), user.current_weight.get()), ("female", 130.0));
    ///
    /// // `sex` did not exist in 2023-08-01.
    /// let report = ApiVersion::V2023_08_01.read_create(br#"{"sex": "female"}"#).unwrap_err();
    /// assert_eq!(report.faults()[0].message, "sex is not a field of this request");
    /// # Ok::<(), fitmate_model::rules::Report>(())
    /// ```
    pub fn read_create(self, body: &[u8]) -> Result<User, Report> {
        read_in::<CreateUserDraft>(body, self)?.into_user()
    }

    /// Reads a `POST /users/update` body as this version has it: the email naming the
    /// user and the canonical changes.
    pub fn read_update(self, body: &[u8]) -> Result<(Email, UserChanges), Report> {
        read_in::<UpdateUserDraft>(body, self)?
            .into_changes()
            .ok_or_else(Report::new)
    }

    /// Reads a `POST /users/retrieve` body: the email of the user to render.
    pub fn read_retrieve(self, body: &[u8]) -> Result<Email, Report> {
        Ok(read_in::<RetrieveUserRequest>(body, self)?.email)
    }

    /// Reads a `PATCH /{projectId}/users/{userId}` body (the same in every version).
    pub fn read_profile_update(self, body: &[u8]) -> Result<UserChanges, Report> {
        Ok(read_in::<projects::UpdateUserRequest>(body, self)?.into_changes())
    }

    /// A user as this version renders it: the `data` of a retrieve answer.
    ///
    /// ```
    /// # use fitmate_model::ApiVersion;
    /// let user = ApiVersion::V2023_10_04.read_create(br#"{
    ///     "email": "jane@doe.com", "firstname": "jane", "lastname": "doe",
    ///     "phonenumber": "1234567890", "dateOfBirth": "1990-12-23", "sex": "female",
    ///     "height": "5ft 6in", "currentWeight": 130, "diabetes": 0, "glp1drugs": false,
    ///     "paymentPlan": 1, "planStartDate": "2023-10-30", "medicalClearance": "full"
    /// }"#)?;
    /// let old = ApiVersion::V2023_08_01.render_user(&user);
    /// assert_eq!((old["gender"].as_str(), old["weight"].as_u64()), (Some("female"), Some(130)));
    /// assert!(old.get("sex").is_none() && old.get("diabetes").is_none());
    /// # Ok::<(), fitmate_model::rules::Report>(())
    /// ```
    pub fn render_user(self, user: &User) -> Map<String, Value> {
        let Ok(Value::Object(mut rendered)) = serde_json::to_value(head::User::from(user)) else {
            // The head's user serialises to an object: its fields are plain values.
            return Map::new();
        };
        chain::render_user(&mut rendered, self);
        rendered
    }

    /// The `data` of an update answer: the user as this version renders it, cut to the
    /// email and the fields this version's update may change.
    pub fn render_updated_user(self, user: &User) -> Map<String, Value> {
        let keep = self.updated_fields();
        self.render_user(user)
            .into_iter()
            .filter(|(name, _)| keep.contains(&name.as_str()))
            .collect()
    }

    /// The 200 answer of `POST /users/retrieve` in this version.
    pub fn render_retrieved(self, identifier: Uuid, user: &User) -> UserAnswer {
        UserAnswer {
            message: RETRIEVED_MESSAGE.to_owned(),
            identifier,
            data: self.render_user(user),
        }
    }

    /// The 200 answer of `POST /users/update` in this version.
    pub fn render_updated(self, identifier: Uuid, user: &User) -> UserAnswer {
        UserAnswer {
            message: UPDATED_MESSAGE.to_owned(),
            identifier,
            data: self.render_updated_user(user),
        }
    }

    /// The changes of an update as this version names them: the `data` of the validation
    /// webhook. Fields this version did not have are left out; the project API's own fields
    /// (`name`, `username`, `avatar`, `bio`, `location`) are the same in every version.
    pub fn render_changes(self, changes: &UserChanges) -> Map<String, Value> {
        let Ok(Value::Object(mut rendered)) = serde_json::to_value(changes) else {
            return Map::new();
        };
        chain::render_user(&mut rendered, self);
        rendered
    }

    /// The names an update answer's `data` keeps: `email` and what update may change.
    pub(crate) fn updated_fields(self) -> Vec<&'static str> {
        let view = <head::UpdateUserRequest as HeadBody>::view(self);
        let mut keep = vec!["email"];
        keep.extend(
            view.fields
                .iter()
                .filter(|f| f.presence == Presence::Optional)
                .map(|f| f.name),
        );
        keep
    }
}

/// The 200 answer of update or retrieve in any version: the user as that version renders
/// it, untyped. Serialised in the documented order: `message`, `identifier`, `data`. The
/// current version's answers have typed forms too: [`head::UpdateUserResponse`] and
/// [`head::RetrieveUserResponse`].
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct UserAnswer {
    /// `User updated successfully` or `User retrieved successfully`.
    pub message: String,
    /// The user's identifier.
    pub identifier: Uuid,
    /// The user as the version renders it.
    pub data: Map<String, Value>,
}

/// The JSON Schemas of a version's bodies, for the schema files and the OpenAPI documents.
#[cfg(feature = "json-schema")]
pub(crate) mod schema {
    use super::*;

    /// The schema of a create body in `version`.
    pub(crate) fn create_request(version: ApiVersion, generator: &mut SchemaGenerator) -> Value {
        crate::body_reader::body_schema::<head::CreateUserRequest>(version, generator)
    }

    /// The schema of an update body in `version`.
    pub(crate) fn update_request(version: ApiVersion, generator: &mut SchemaGenerator) -> Value {
        crate::body_reader::body_schema::<head::UpdateUserRequest>(version, generator)
    }

    /// The schema of a user as `version` renders it.
    pub(crate) fn user(version: ApiVersion, generator: &mut SchemaGenerator) -> Value {
        let mut schema = inline::<head::User>(generator);
        if let Value::Object(object) = &mut schema {
            chain::user_schema(object, version, generator);
        }
        schema
    }

    /// The schema of an update answer's `data` in `version`.
    pub(crate) fn updated_user(version: ApiVersion, generator: &mut SchemaGenerator) -> Value {
        let keep = version.updated_fields();
        let mut schema = user(version, generator);
        if let Some(Value::Object(properties)) = schema.get_mut("properties") {
            properties.retain(|name, _| keep.contains(&name.as_str()));
        }
        if let Some(Value::Array(required)) = schema.get_mut("required") {
            required.retain(|name| name.as_str().is_some_and(|n| keep.contains(&n)));
        }
        schema
    }

    /// The schema of `T` written out, not as a `$ref`.
    fn inline<T: schemars::JsonSchema>(generator: &mut SchemaGenerator) -> Value {
        T::json_schema(generator).to_value()
    }
}

fitmate_rules::redacted_debug!(UserAnswer);
