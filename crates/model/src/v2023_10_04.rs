//! API version `2023-10-04` (current): `sex` and `currentWeight` replace `gender` and
//! `weight`, which are still accepted; the coaching fields arrive; update may change only
//! `glp1drugs`, `diabetes`, `doctorFullname`, `medicalClearanceDescription` and `metadata`.

use fitmate_rules::{
    BirthDate, CalendarDate, Diabetes, Email, FreeText, Gender, Height, MedicalClearance, Metadata,
    Name, PaymentPlan, PhoneNumber, Pounds, Report, Sex,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::canonical::{User as CanonicalUser, UserChanges};
use crate::checks;
use crate::wire::request;

pub use crate::common::{CreateUserResponse, RetrieveUserRequest};

request! {
    /// `POST /users/create` in 2023-10-04.
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
        /// Deprecated: use sex. Accepted when sex is absent (then sex = gender); both given must agree.
        "gender" => gender: optional Gender,
        /// The sex at birth of the user; required unless the deprecated gender is given.
        "sex" => sex: optional Sex,
        /// The height of the user, e.g. 6ft 1in.
        "height" => height: required Height,
        /// Whether the user is pregnant (false by default); never true for a male user.
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
        /// The current weight in pounds; required unless the deprecated weight is given.
        "currentWeight" => current_weight: optional Pounds,
        /// Deprecated: use currentWeight. Accepted when currentWeight is absent; both given must agree.
        "weight" => weight: optional Pounds,
        /// The desired weight in pounds.
        "desiredWeight" => desired_weight: optional Pounds,
        /// Allergies.
        "allergies" => allergies: optional FreeText,
        /// Nutrition preferences.
        "nutritionPreferences" => nutrition_preferences: optional FreeText,
        /// Religious dietary restrictions.
        "religiousDietaryRestrictions" => religious_dietary_restrictions: optional FreeText,
        /// The full name of the doctor.
        "doctorFullname" => doctor_fullname: optional Name,
        /// Additional information about the user from the partner's system.
        "metadata" => metadata: optional Metadata,
    }
    check = |d, p, r| {
        checks::sex_or_gender_given(d.sex, d.gender, p, r);
        checks::sex_matches_gender(d.sex, d.gender, p, r);
        checks::current_weight_given(d.current_weight, d.weight, p, r);
        checks::current_weight_matches_weight(d.current_weight, d.weight, p, r);
        checks::not_pregnant_if_male(d.pregnant, d.sex.or(d.gender.map(Into::into)), p, r);
    };
    schema = |s| {
        checks::all_of(s, [
            checks::schema_either_given("sex", "gender"),
            checks::schema_either_given("currentWeight", "weight"),
            checks::schema_sex_matches_gender(),
            checks::schema_not_pregnant_if_male("sex"),
            checks::schema_not_pregnant_if_male("gender"),
        ]);
    };
}

request! {
    /// `POST /users/update` in 2023-10-04: the email names the user; only `glp1drugs`,
    /// `diabetes`, `doctorFullname`, `medicalClearanceDescription` and `metadata` may change.
    pub struct UpdateUserRequest / UpdateUserDraft {
        /// The email address of the user to update (it cannot be changed).
        "email" => email: required Email,
        /// Whether the patient takes GLP-1 drugs.
        "glp1drugs" => glp1drugs: optional bool,
        /// Diabetes: 0 none, 1 pre-diabetes, 2 type 1, 3 type 2.
        "diabetes" => diabetes: optional Diabetes,
        /// The full name of the doctor.
        "doctorFullname" => doctor_fullname: optional Name,
        /// A description of the medical clearance.
        "medicalClearanceDescription" => medical_clearance_description: optional FreeText,
        /// Replaces the stored metadata whole: send every key to keep.
        "metadata" => metadata: optional Metadata,
    }
    frozen = [
        "firstname", "lastname", "phonenumber", "dateOfBirth", "gender", "sex", "height",
        "pregnant", "paymentPlan", "planStartDate", "medicalClearance", "currentWeight", "weight",
        "desiredWeight", "allergies", "nutritionPreferences", "religiousDietaryRestrictions",
    ], "API version 2023-10-04 updates only glp1drugs, diabetes, doctorFullname, medicalClearanceDescription and metadata";
}

impl CreateUserRequest {
    /// The canonical user this request creates, once the rules across fields hold: `sex`
    /// falls back to the deprecated `gender`, `currentWeight` to `weight`.
    pub fn into_user(self) -> Result<CanonicalUser, Report> {
        self.check()?;
        let (Some(sex), Some(current_weight)) = (
            self.sex.or(self.gender.map(Sex::from)),
            self.current_weight.or(self.weight),
        ) else {
            // `check` has already reported either absence; this keeps the types honest.
            let mut report = Report::new();
            checks::sex_or_gender_given(self.sex, self.gender, "", &mut report);
            checks::current_weight_given(self.current_weight, self.weight, "", &mut report);
            return Err(report);
        };
        Ok(CanonicalUser {
            email: self.email,
            firstname: self.firstname,
            lastname: self.lastname,
            phonenumber: self.phonenumber,
            date_of_birth: self.date_of_birth,
            sex,
            height: self.height,
            current_weight,
            pregnant: self.pregnant.unwrap_or(false),
            diabetes: Some(self.diabetes),
            glp1drugs: Some(self.glp1drugs),
            payment_plan: Some(self.payment_plan),
            plan_start_date: Some(self.plan_start_date),
            medical_clearance: Some(self.medical_clearance),
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

impl UpdateUserRequest {
    /// The email naming the user, and the canonical changes.
    pub fn into_changes(self) -> (Email, UserChanges) {
        let changes = UserChanges {
            glp1drugs: self.glp1drugs,
            diabetes: self.diabetes,
            doctor_fullname: self.doctor_fullname,
            medical_clearance_description: self.medical_clearance_description,
            metadata: self.metadata,
            ..UserChanges::default()
        };
        (self.email, changes)
    }
}

/// A user as 2023-10-04 renders it (the `data` of retrieve answers). Fields the user was
/// created without (by 2023-08-01) are absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "v2023_10_04.User")]
#[serde(rename_all = "camelCase")]
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
    pub date_of_birth: BirthDate,
    /// Sex at birth.
    pub sex: Sex,
    /// Height.
    pub height: Height,
    /// Pregnant.
    pub pregnant: bool,
    /// Diabetes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diabetes: Option<Diabetes>,
    /// Taking GLP-1 drugs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glp1drugs: Option<bool>,
    /// Payment plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_plan: Option<PaymentPlan>,
    /// Programme start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_start_date: Option<CalendarDate>,
    /// Medical clearance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_clearance: Option<MedicalClearance>,
    /// Medical clearance description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_clearance_description: Option<FreeText>,
    /// Current weight in pounds.
    pub current_weight: Pounds,
    /// Desired weight in pounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_weight: Option<Pounds>,
    /// Allergies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allergies: Option<FreeText>,
    /// Nutrition preferences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nutrition_preferences: Option<FreeText>,
    /// Religious dietary restrictions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub religious_dietary_restrictions: Option<FreeText>,
    /// The doctor's full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doctor_fullname: Option<Name>,
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

/// The `data` of a 2023-10-04 update answer: the email and the fields this version may change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "v2023_10_04.UpdatedUser")]
#[serde(rename_all = "camelCase")]
pub struct UpdatedUser {
    /// The email address of the user.
    pub email: Email,
    /// Taking GLP-1 drugs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glp1drugs: Option<bool>,
    /// Diabetes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diabetes: Option<Diabetes>,
    /// The doctor's full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doctor_fullname: Option<Name>,
    /// Medical clearance description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_clearance_description: Option<FreeText>,
    /// The partner's metadata.
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

/// `POST /users/update` answered 200 in 2023-10-04.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "v2023_10_04.UpdateUserResponse")]
pub struct UpdateUserResponse {
    /// `User updated successfully`.
    pub message: String,
    /// The user's identifier.
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

/// `POST /users/retrieve` answered 200 in 2023-10-04.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "v2023_10_04.RetrieveUserResponse")]
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
