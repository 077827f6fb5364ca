//! What API version `2023-10-04` changed, as the way back to `2023-08-01`.
//!
//! Each change names the fields of the head's bodies (by their 2023-10-04 names) and says
//! what they were in 2023-08-01. From this list come the 2023-08-01 reader, its answers,
//! its schemas and its part of `docs/api-versions.md`.

#[cfg(feature = "json-schema")]
use fitmate_rules::Gender;
use fitmate_rules::Sex;
use serde_json::Value;

use crate::Shape::{CreateUserRequest, UpdateUserRequest, User};
use crate::chain::{Conversion, VersionChange, field};

/// The changes of 2023-10-04, each with what the fields were before it.
pub const CHANGES: &[VersionChange] = &[
    VersionChange {
        description: "`sex` (male, female or intersex) replaces `gender` (male or female); \
            requests still accept `gender`, deprecated, and answers say `sex`.",
        fields: &[
            field(CreateUserRequest, "sex").did_not_exist(),
            field(CreateUserRequest, "gender").was_required(),
            field(CreateUserRequest, "gender").was_not_deprecated(),
            field(UpdateUserRequest, "sex").did_not_exist(),
            field(User, "sex").had_name("gender"),
            field(User, "sex").was_written(&SEX_AS_GENDER),
            field(User, "sex").was_optional(),
        ],
    },
    VersionChange {
        description: "`currentWeight` replaces `weight`; requests still accept `weight`, \
            deprecated, and answers say `currentWeight`.",
        fields: &[
            field(CreateUserRequest, "currentWeight").did_not_exist(),
            field(CreateUserRequest, "weight").was_required(),
            field(CreateUserRequest, "weight").was_not_deprecated(),
            field(UpdateUserRequest, "currentWeight").did_not_exist(),
            field(User, "currentWeight").had_name("weight"),
        ],
    },
    VersionChange {
        description: "`pregnant` is optional on create, false when not given.",
        fields: &[field(CreateUserRequest, "pregnant").was_required()],
    },
    VersionChange {
        description: "The coaching fields arrive: `diabetes`, `glp1drugs`, `paymentPlan`, \
            `planStartDate` and `medicalClearance` (required on create), and \
            `medicalClearanceDescription`, `desiredWeight`, `allergies`, \
            `nutritionPreferences`, `religiousDietaryRestrictions` and `doctorFullname`.",
        fields: &[
            field(CreateUserRequest, "diabetes").did_not_exist(),
            field(CreateUserRequest, "glp1drugs").did_not_exist(),
            field(CreateUserRequest, "paymentPlan").did_not_exist(),
            field(CreateUserRequest, "planStartDate").did_not_exist(),
            field(CreateUserRequest, "medicalClearance").did_not_exist(),
            field(CreateUserRequest, "medicalClearanceDescription").did_not_exist(),
            field(CreateUserRequest, "desiredWeight").did_not_exist(),
            field(CreateUserRequest, "allergies").did_not_exist(),
            field(CreateUserRequest, "nutritionPreferences").did_not_exist(),
            field(CreateUserRequest, "religiousDietaryRestrictions").did_not_exist(),
            field(CreateUserRequest, "doctorFullname").did_not_exist(),
            field(UpdateUserRequest, "paymentPlan").did_not_exist(),
            field(UpdateUserRequest, "planStartDate").did_not_exist(),
            field(UpdateUserRequest, "medicalClearance").did_not_exist(),
            field(UpdateUserRequest, "desiredWeight").did_not_exist(),
            field(UpdateUserRequest, "allergies").did_not_exist(),
            field(UpdateUserRequest, "nutritionPreferences").did_not_exist(),
            field(UpdateUserRequest, "religiousDietaryRestrictions").did_not_exist(),
            field(User, "diabetes").did_not_exist(),
            field(User, "glp1drugs").did_not_exist(),
            field(User, "paymentPlan").did_not_exist(),
            field(User, "planStartDate").did_not_exist(),
            field(User, "medicalClearance").did_not_exist(),
            field(User, "medicalClearanceDescription").did_not_exist(),
            field(User, "desiredWeight").did_not_exist(),
            field(User, "allergies").did_not_exist(),
            field(User, "nutritionPreferences").did_not_exist(),
            field(User, "religiousDietaryRestrictions").did_not_exist(),
            field(User, "doctorFullname").did_not_exist(),
        ],
    },
    VersionChange {
        description: "Update may change only `glp1drugs`, `diabetes`, `doctorFullname`, \
            `medicalClearanceDescription` and `metadata` (before: every field given at \
            create), and its answer's `data` holds the email and those fields.",
        fields: &[
            field(UpdateUserRequest, "firstname").could_be_changed(),
            field(UpdateUserRequest, "lastname").could_be_changed(),
            field(UpdateUserRequest, "phonenumber").could_be_changed(),
            field(UpdateUserRequest, "dateOfBirth").could_be_changed(),
            field(UpdateUserRequest, "gender").could_be_changed(),
            field(UpdateUserRequest, "height").could_be_changed(),
            field(UpdateUserRequest, "weight").could_be_changed(),
            field(UpdateUserRequest, "pregnant").could_be_changed(),
            field(UpdateUserRequest, "glp1drugs").did_not_exist(),
            field(UpdateUserRequest, "diabetes").did_not_exist(),
            field(UpdateUserRequest, "doctorFullname").did_not_exist(),
            field(UpdateUserRequest, "medicalClearanceDescription").did_not_exist(),
        ],
    },
];

/// `sex` as 2023-08-01's `gender`: male and female as they are, intersex left out (gender
/// cannot say it).
const SEX_AS_GENDER: Conversion = Conversion {
    back: sex_as_gender,
    #[cfg(feature = "json-schema")]
    schema: |generator| generator.subschema_for::<Gender>().to_value(),
    description: "The gender at birth of the user: male or female; absent for a user whose \
        sex is intersex, which gender cannot say.",
};

fn sex_as_gender(value: Value) -> Option<Value> {
    let sex: Sex = serde_json::from_value(value).ok()?;
    serde_json::to_value(sex.gender()?).ok()
}
