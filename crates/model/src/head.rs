//! The head: the newest version's bodies (`2023-10-04`, the current one), written once.
//!
//! Older versions are not written out: each is derived from the one after it by the
//! changes of the version list (`crate::v2023_10_04` holds what 2023-10-04 changed). The
//! request bodies here therefore also carry what the head keeps only for older versions: the
//! deprecated `gender` and `weight`, and the fields update may no longer change (`frozen`).
//! Every version's body is read into the same draft and lifted to the canonical user by the
//! functions below.

use fitmate_rules::{
    BirthDate, CalendarDate, Diabetes, Email, FreeText, Gender, Height, MedicalClearance, Metadata,
    Name, PaymentPlan, PhoneNumber, Pounds, Report, Sex,
};
#[cfg(feature = "json-schema")]
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Shape;
use crate::body_reader::request;
use crate::canonical::{User as CanonicalUser, UserChanges};
use crate::cross_field;

pub use crate::common::{CreateUserResponse, RetrieveUserRequest};

request! {
    /// `POST /users/create` in the current version.
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
        /// The gender at birth of the user, male or female. Deprecated: send sex; when sex is
        /// absent, sex is taken from gender, and both given must agree.
        "gender" => gender: deprecated Gender,
        /// The sex at birth of the user; required unless the deprecated gender is given.
        "sex" => sex: optional Sex,
        /// The height of the user, e.g. 6ft 1in.
        "height" => height: required Height,
        /// Whether the user is pregnant; never true for a male user.
        "pregnant" => pregnant: optional bool,
        /// Diabetes: 0 none, 1 pre-diabetes, 2 type 1, 3 type 2.
        "diabetes" => diabetes: required Diabetes,
        /// Whether the patient takes GLP-1 drugs.
        "glp1drugs" => glp1drugs: required bool,
        /// Periodicity of the plan in months: 1, 6 or 12.
        "paymentPlan" => payment_plan: required PaymentPlan,
        /// When the programme is to start, YYYY-MM-DD.
        "planStartDate" => plan_start_date: required CalendarDate,
        /// Medical clearance for exercise: full, low or nutrition.
        "medicalClearance" => medical_clearance: required MedicalClearance,
        /// A description of the medical clearance.
        "medicalClearanceDescription" => medical_clearance_description: optional FreeText,
        /// The current weight of the user in pounds; required unless the deprecated weight
        /// is given.
        "currentWeight" => current_weight: optional Pounds,
        /// The weight of the user in pounds. Deprecated: send currentWeight; when it is
        /// absent, currentWeight is taken from weight, and both given must agree.
        "weight" => weight: deprecated Pounds,
        /// The weight the user wants to reach, in pounds.
        "desiredWeight" => desired_weight: optional Pounds,
        /// The user's allergies.
        "allergies" => allergies: optional FreeText,
        /// The user's nutrition preferences.
        "nutritionPreferences" => nutrition_preferences: optional FreeText,
        /// The user's religious dietary restrictions.
        "religiousDietaryRestrictions" => religious_dietary_restrictions: optional FreeText,
        /// The full name of the user's doctor.
        "doctorFullname" => doctor_fullname: optional Name,
        /// Additional information about the user from the partner's system.
        "metadata" => metadata: optional Metadata,
    }
    check = |d, p, r| {
        cross_field::sex_or_gender_given(d.sex, d.gender, p, r);
        cross_field::sex_matches_gender(d.sex, d.gender, p, r);
        cross_field::current_weight_given(d.current_weight, d.weight, p, r);
        cross_field::current_weight_matches_weight(d.current_weight, d.weight, p, r);
        cross_field::not_pregnant_if_male(d.pregnant, d.sex.or(d.gender.map(Into::into)), p, r);
    };
    rules = vec![
        cross_field::schema_either_given("sex", "gender"),
        cross_field::schema_either_given("currentWeight", "weight"),
        cross_field::schema_sex_matches_gender(),
        cross_field::schema_not_pregnant_if_male("sex"),
        cross_field::schema_not_pregnant_if_male("gender"),
    ];
    shape = Shape::CreateUserRequest;
}

request! {
    /// `POST /users/update` in the current version: the email names the user; only
    /// `glp1drugs`, `diabetes`, `doctorFullname`, `medicalClearanceDescription` and
    /// `metadata` may change.
    pub struct UpdateUserRequest / UpdateUserDraft {
        /// The email address of the user to update (it cannot be changed).
        "email" => email: required Email,
        /// The first name of the user.
        "firstname" => firstname: frozen Name,
        /// The last name of the user.
        "lastname" => lastname: frozen Name,
        /// The phone number of the user.
        "phonenumber" => phonenumber: frozen PhoneNumber,
        /// The date of birth of the user, YYYY-MM-DD.
        "dateOfBirth" => date_of_birth: frozen BirthDate,
        /// The gender at birth of the user: male or female.
        "gender" => gender: frozen Gender,
        /// The sex at birth of the user.
        "sex" => sex: frozen Sex,
        /// The height of the user, e.g. 5ft 6in.
        "height" => height: frozen Height,
        /// The weight of the user in pounds.
        "weight" => weight: frozen Pounds,
        /// Whether the user is pregnant; never true for a male user.
        "pregnant" => pregnant: frozen bool,
        /// Whether the patient takes GLP-1 drugs.
        "glp1drugs" => glp1drugs: optional bool,
        /// Diabetes: 0 none, 1 pre-diabetes, 2 type 1, 3 type 2.
        "diabetes" => diabetes: optional Diabetes,
        /// The full name of the user's doctor.
        "doctorFullname" => doctor_fullname: optional Name,
        /// A description of the medical clearance.
        "medicalClearanceDescription" => medical_clearance_description: optional FreeText,
        /// Replaces the stored metadata whole: send every key to keep.
        "metadata" => metadata: optional Metadata,
        /// Periodicity of the plan in months.
        "paymentPlan" => payment_plan: frozen PaymentPlan,
        /// When the programme is to start.
        "planStartDate" => plan_start_date: frozen CalendarDate,
        /// Medical clearance for exercise.
        "medicalClearance" => medical_clearance: frozen MedicalClearance,
        /// The current weight of the user in pounds.
        "currentWeight" => current_weight: frozen Pounds,
        /// The weight the user wants to reach, in pounds.
        "desiredWeight" => desired_weight: frozen Pounds,
        /// The user's allergies.
        "allergies" => allergies: frozen FreeText,
        /// The user's nutrition preferences.
        "nutritionPreferences" => nutrition_preferences: frozen FreeText,
        /// The user's religious dietary restrictions.
        "religiousDietaryRestrictions" => religious_dietary_restrictions: frozen FreeText,
    }
    check = |d, p, r| {
        cross_field::not_pregnant_if_male(d.pregnant, d.sex.or(d.gender.map(Into::into)), p, r);
    };
    rules = vec![
        cross_field::schema_not_pregnant_if_male("sex"),
        cross_field::schema_not_pregnant_if_male("gender"),
    ];
    shape = Shape::UpdateUserRequest;
}

impl CreateUserDraft {
    /// The canonical user a create body of any version makes, once its reader has found no
    /// fault: `sex` falls back to the deprecated `gender`, `currentWeight` to `weight`, and
    /// the fields a version did not have stay unset.
    pub(crate) fn into_user(self) -> Result<CanonicalUser, Report> {
        let sex = self.sex.or(self.gender.map(Sex::from));
        let current_weight = self.current_weight.or(self.weight);
        let (
            Some(email),
            Some(firstname),
            Some(lastname),
            Some(phonenumber),
            Some(date_of_birth),
            Some(sex),
            Some(height),
            Some(current_weight),
        ) = (
            self.email,
            self.firstname,
            self.lastname,
            self.phonenumber,
            self.date_of_birth,
            sex,
            self.height,
            current_weight,
        )
        else {
            // Every version requires these (or their deprecated stand-ins); its reader has
            // reported any absence already, so this keeps the types honest.
            let mut report = Report::new();
            let at = cross_field::Paths::plain("");
            cross_field::sex_or_gender_given(self.sex, self.gender, at, &mut report);
            cross_field::current_weight_given(self.current_weight, self.weight, at, &mut report);
            return Err(report);
        };
        Ok(CanonicalUser {
            email,
            firstname,
            lastname,
            phonenumber,
            date_of_birth,
            sex,
            height,
            current_weight,
            pregnant: self.pregnant.unwrap_or(false),
            diabetes: self.diabetes,
            glp1drugs: self.glp1drugs,
            payment_plan: self.payment_plan,
            plan_start_date: self.plan_start_date,
            medical_clearance: self.medical_clearance,
            medical_clearance_description: self.medical_clearance_description,
            desired_weight: self.desired_weight,
            allergies: self.allergies,
            nutrition_preferences: self.nutrition_preferences,
            religious_dietary_restrictions: self.religious_dietary_restrictions,
            doctor_fullname: self.doctor_fullname,
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

impl UpdateUserDraft {
    /// The email naming the user, and the canonical changes, from an update body of any
    /// version; `None` without an email (its reader has reported that already).
    pub(crate) fn into_changes(self) -> Option<(Email, UserChanges)> {
        let changes = UserChanges {
            firstname: self.firstname,
            lastname: self.lastname,
            phonenumber: self.phonenumber,
            date_of_birth: self.date_of_birth,
            sex: self.sex.or(self.gender.map(Into::into)),
            height: self.height,
            current_weight: self.current_weight.or(self.weight),
            pregnant: self.pregnant,
            diabetes: self.diabetes,
            glp1drugs: self.glp1drugs,
            doctor_fullname: self.doctor_fullname,
            medical_clearance_description: self.medical_clearance_description,
            metadata: self.metadata,
            ..UserChanges::default()
        };
        Some((self.email?, changes))
    }
}

impl CreateUserRequest {
    /// The canonical user this request creates, once the rules across fields hold: `sex`
    /// falls back to the deprecated `gender`, `currentWeight` to `weight`.
    pub fn into_user(self) -> Result<CanonicalUser, Report> {
        self.check()?;
        self.to_draft().into_user()
    }
}

impl UpdateUserRequest {
    /// The email naming the user, and the canonical changes.
    pub fn into_changes(self) -> (Email, UserChanges) {
        let changes = self
            .to_draft()
            .into_changes()
            .map(|(_, changes)| changes)
            .unwrap_or_default();
        (self.email, changes)
    }
}

/// A user as the current version renders it (the `data` of retrieve answers). Fields the
/// user was created without (by 2023-08-01) are absent.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The email address of the user: their key within the project.
    pub email: Email,
    /// The first name of the user.
    pub firstname: Name,
    /// The last name of the user.
    pub lastname: Name,
    /// The phone number of the user, as sent.
    pub phonenumber: PhoneNumber,
    /// The date of birth of the user, YYYY-MM-DD.
    pub date_of_birth: BirthDate,
    /// The sex at birth of the user: male, female or intersex.
    pub sex: Sex,
    /// The height of the user, e.g. 5ft 6in.
    pub height: Height,
    /// Whether the user is pregnant.
    pub pregnant: bool,
    /// Diabetes: 0 none, 1 pre-diabetes, 2 type 1, 3 type 2; absent for a user created without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diabetes: Option<Diabetes>,
    /// Whether the patient takes GLP-1 drugs; absent for a user created without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glp1drugs: Option<bool>,
    /// Periodicity of the plan in months (1, 6 or 12); absent for a user created without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_plan: Option<PaymentPlan>,
    /// When the programme starts, YYYY-MM-DD; absent for a user created without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_start_date: Option<CalendarDate>,
    /// Medical clearance for exercise: full, low or nutrition; absent for a user created without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_clearance: Option<MedicalClearance>,
    /// A description of the medical clearance, if one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_clearance_description: Option<FreeText>,
    /// The current weight of the user in pounds.
    #[cfg_attr(
        feature = "json-schema",
        schemars(schema_with = "fitmate_rules::Pounds::answer_schema")
    )]
    pub current_weight: Pounds,
    /// The weight the user wants to reach, in pounds, if one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "json-schema",
        schemars(schema_with = "fitmate_rules::Pounds::answer_schema")
    )]
    pub desired_weight: Option<Pounds>,
    /// The user's allergies, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allergies: Option<FreeText>,
    /// The user's nutrition preferences, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nutrition_preferences: Option<FreeText>,
    /// The user's religious dietary restrictions, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub religious_dietary_restrictions: Option<FreeText>,
    /// The full name of the user's doctor, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doctor_fullname: Option<Name>,
    /// The partner's metadata, as last sent.
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
            sex: user.sex,
            height: user.height,
            pregnant: user.pregnant,
            diabetes: user.diabetes,
            glp1drugs: user.glp1drugs,
            payment_plan: user.payment_plan,
            plan_start_date: user.plan_start_date,
            medical_clearance: user.medical_clearance,
            medical_clearance_description: user.medical_clearance_description.clone(),
            current_weight: user.current_weight,
            desired_weight: user.desired_weight,
            allergies: user.allergies.clone(),
            nutrition_preferences: user.nutrition_preferences.clone(),
            religious_dietary_restrictions: user.religious_dietary_restrictions.clone(),
            doctor_fullname: user.doctor_fullname.clone(),
            metadata: user.metadata.clone(),
        }
    }
}

/// The `data` of an update answer in the current version: the email and the fields this version may change.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpdatedUser {
    /// The email address of the user: their key within the project.
    pub email: Email,
    /// Whether the patient takes GLP-1 drugs; absent for a user created without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glp1drugs: Option<bool>,
    /// Diabetes: 0 none, 1 pre-diabetes, 2 type 1, 3 type 2; absent for a user created without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diabetes: Option<Diabetes>,
    /// The full name of the user's doctor, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doctor_fullname: Option<Name>,
    /// A description of the medical clearance, if one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_clearance_description: Option<FreeText>,
    /// The partner's metadata, as last sent.
    pub metadata: Metadata,
}

impl From<&CanonicalUser> for UpdatedUser {
    fn from(user: &CanonicalUser) -> Self {
        UpdatedUser {
            email: user.email.clone(),
            glp1drugs: user.glp1drugs,
            diabetes: user.diabetes,
            doctor_fullname: user.doctor_fullname.clone(),
            medical_clearance_description: user.medical_clearance_description.clone(),
            metadata: user.metadata.clone(),
        }
    }
}

/// `POST /users/update` answered 200 in the current version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(JsonSchema))]
pub struct UpdateUserResponse {
    /// `User updated successfully`.
    pub message: String,
    /// The user's identifier: also the `userId` of the project API.
    pub identifier: Uuid,
    /// The email and the fields this version may change, after the update.
    pub data: UpdatedUser,
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

/// `POST /users/retrieve` answered 200 in the current version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(JsonSchema))]
pub struct RetrieveUserResponse {
    /// `User retrieved successfully`.
    pub message: String,
    /// The user's identifier: also the `userId` of the project API.
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

fitmate_rules::redacted_debug!(User, UpdatedUser);
