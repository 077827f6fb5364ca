//! API version `2023-08-01`: `gender` and `weight`, every create field required.

use fitmate_rules::{
    BirthDate, Email, Gender, Height, Metadata, Name, PhoneNumber, Pounds, Report,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::canonical::{User as CanonicalUser, UserChanges};
use crate::checks;
use crate::wire::request;

pub use crate::common::{CreateUserResponse, RetrieveUserRequest};

request! {
    /// `POST /users/create` in 2023-08-01.
    pub struct CreateUserRequest / CreateUserDraft {
        /// The email address of the user (unique per project).
        "email" => email: required Email,
        /// The first name of the user.
        "firstname" => firstname: required Name,
        /// The last name of the user.
        "lastname" => lastname: required Name,
        /// The phone number of the user.
        "phonenumber" => phonenumber: required PhoneNumber,
        /// The date of birth of the user, YYYY-MM-DD.
        "dateOfBirth" => date_of_birth: required BirthDate,
        /// The gender at birth of the user: male or female.
        "gender" => gender: required Gender,
        /// The height of the user, e.g. 5ft 6in.
        "height" => height: required Height,
        /// The weight of the user in pounds.
        "weight" => weight: required Pounds,
        /// Whether the user is pregnant; never true with gender male.
        "pregnant" => pregnant: required bool,
        /// Additional information about the user from the partner's system.
        "metadata" => metadata: optional Metadata,
    }
    check = |d, p, r| {
        checks::not_pregnant_if_male(d.pregnant, d.gender.map(Into::into), p, r);
    };
    schema = |s| {
        checks::all_of(s, [checks::schema_not_pregnant_if_male("gender")]);
    };
}

request! {
    /// `POST /users/update` in 2023-08-01: the email names the user, every other field given
    /// replaces the stored one.
    pub struct UpdateUserRequest / UpdateUserDraft {
        /// The email address of the user to update (it cannot be changed).
        "email" => email: required Email,
        /// The first name of the user.
        "firstname" => firstname: optional Name,
        /// The last name of the user.
        "lastname" => lastname: optional Name,
        /// The phone number of the user.
        "phonenumber" => phonenumber: optional PhoneNumber,
        /// The date of birth of the user, YYYY-MM-DD.
        "dateOfBirth" => date_of_birth: optional BirthDate,
        /// The gender at birth of the user: male or female.
        "gender" => gender: optional Gender,
        /// The height of the user, e.g. 5ft 6in.
        "height" => height: optional Height,
        /// The weight of the user in pounds.
        "weight" => weight: optional Pounds,
        /// Whether the user is pregnant; never true for a male user.
        "pregnant" => pregnant: optional bool,
        /// Replaces the stored metadata whole: send every key to keep.
        "metadata" => metadata: optional Metadata,
    }
    check = |d, p, r| {
        checks::not_pregnant_if_male(d.pregnant, d.gender.map(Into::into), p, r);
    };
    schema = |s| {
        checks::all_of(s, [checks::schema_not_pregnant_if_male("gender")]);
    };
}

impl CreateUserRequest {
    /// The canonical user this request creates, once the rules across fields hold.
    pub fn into_user(self) -> Result<CanonicalUser, Report> {
        self.check()?;
        Ok(CanonicalUser {
            email: self.email,
            firstname: self.firstname,
            lastname: self.lastname,
            phonenumber: self.phonenumber,
            date_of_birth: self.date_of_birth,
            sex: self.gender.into(),
            height: self.height,
            current_weight: self.weight,
            pregnant: self.pregnant,
            diabetes: None,
            glp1drugs: None,
            payment_plan: None,
            plan_start_date: None,
            medical_clearance: None,
            medical_clearance_description: None,
            desired_weight: None,
            allergies: None,
            nutrition_preferences: None,
            religious_dietary_restrictions: None,
            doctor_fullname: None,
            metadata: self.metadata.unwrap_or_default(),
            name: None,
            username: None,
            avatar: None,
            bio: None,
            location: None,
            secure_metadata: Metadata::default(),
        })
    }
}

impl UpdateUserRequest {
    /// The email naming the user, and the canonical changes.
    pub fn into_changes(self) -> (Email, UserChanges) {
        let changes = UserChanges {
            firstname: self.firstname,
            lastname: self.lastname,
            phonenumber: self.phonenumber,
            date_of_birth: self.date_of_birth,
            sex: self.gender.map(Into::into),
            height: self.height,
            current_weight: self.weight,
            pregnant: self.pregnant,
            metadata: self.metadata,
            ..UserChanges::default()
        };
        (self.email, changes)
    }
}

/// A user as 2023-08-01 renders it (the `data` of update and retrieve answers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "v2023_08_01.User")]
pub struct User {
    /// The email address of the user.
    pub email: Email,
    /// First name.
    pub firstname: Name,
    /// Last name.
    pub lastname: Name,
    /// Phone number.
    pub phonenumber: PhoneNumber,
    /// Date of birth.
    #[serde(rename = "dateOfBirth")]
    pub date_of_birth: BirthDate,
    /// Gender at birth; absent for a user whose sex is intersex, which gender cannot say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// Height.
    pub height: Height,
    /// Weight in pounds.
    pub weight: Pounds,
    /// Pregnant.
    pub pregnant: bool,
    /// The partner's metadata.
    pub metadata: Metadata,
}

impl From<&CanonicalUser> for User {
    fn from(user: &CanonicalUser) -> Self {
        User {
            email: user.email.clone(),
            firstname: user.firstname.clone(),
            lastname: user.lastname.clone(),
            phonenumber: user.phonenumber.clone(),
            date_of_birth: user.date_of_birth,
            gender: user.sex.gender(),
            height: user.height,
            weight: user.current_weight,
            pregnant: user.pregnant,
            metadata: user.metadata.clone(),
        }
    }
}

/// `POST /users/update` answered 200 in 2023-08-01.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "v2023_08_01.UpdateUserResponse")]
pub struct UpdateUserResponse {
    /// `User updated successfully`.
    pub message: String,
    /// The user's identifier.
    pub identifier: Uuid,
    /// The user after the update.
    pub data: User,
}

impl UpdateUserResponse {
    /// The answer for `user` after an update.
    pub fn new(identifier: Uuid, user: &CanonicalUser) -> Self {
        UpdateUserResponse {
            message: crate::common::UPDATED_MESSAGE.to_owned(),
            identifier,
            data: user.into(),
        }
    }
}

/// `POST /users/retrieve` answered 200 in 2023-08-01.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "v2023_08_01.RetrieveUserResponse")]
pub struct RetrieveUserResponse {
    /// `User retrieved successfully`.
    pub message: String,
    /// The user's identifier.
    pub identifier: Uuid,
    /// The user.
    pub data: User,
}

impl RetrieveUserResponse {
    /// The answer for `user`.
    pub fn new(identifier: Uuid, user: &CanonicalUser) -> Self {
        RetrieveUserResponse {
            message: crate::common::RETRIEVED_MESSAGE.to_owned(),
            identifier,
            data: user.into(),
        }
    }
}
