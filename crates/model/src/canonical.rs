//! The one user every version maps into and renders out of.

use fitmate_rules::{
    AvatarUrl, BirthDate, CalendarDate, Coordinates, Diabetes, Email, FreeText, Height,
    MedicalClearance, Metadata, Name, PaymentPlan, PhoneNumber, Pounds, Report, Sex, Username,
};

use serde::{Deserialize, Serialize};

use crate::cross_field;

/// A user as the server keeps it, whatever version created or changed it.
///
/// Fields a version does not know stay `None` when it creates the user (a 2023-08-01 user
/// has no `diabetes`), and a version renders only its own fields.
///
/// Its serde form is the one the store keeps: camelCase names, unset fields left out, and
/// `secureMetadata` never included (the store keeps it apart). Reading it back checks every
/// field again. Field names in this form are stable: renaming one is a breaking change of
/// stored data.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The email address: the user's key within a project; never changed by update.
    pub email: Email,
    /// First name.
    pub firstname: Name,
    /// Last name.
    pub lastname: Name,
    /// Phone number as sent.
    pub phonenumber: PhoneNumber,
    /// Date of birth (`dateOfBirth`; `birthdate` on the project API).
    pub date_of_birth: BirthDate,
    /// Sex at birth (2023-08-01's `gender` maps here).
    pub sex: Sex,
    /// Height.
    pub height: Height,
    /// Current weight (2023-08-01's `weight` maps here).
    pub current_weight: Pounds,
    /// Pregnant; never true for a male user.
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
    /// When the programme starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_start_date: Option<CalendarDate>,
    /// Medical clearance for exercise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_clearance: Option<MedicalClearance>,
    /// Description of the medical clearance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_clearance_description: Option<FreeText>,
    /// Desired weight.
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
    /// Display name on the project API (rendered as `firstname lastname` while unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// Username, sanitised; unique per project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<Username>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<AvatarUrl>,
    /// Biography.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio: Option<FreeText>,
    /// Location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Coordinates>,
    /// Secure metadata: stored, never returned by any endpoint, never logged.
    #[serde(skip)]
    pub secure_metadata: Metadata,
}

/// What one update changes: `None` leaves a field as it is. Metadata given replaces the
/// stored object whole.
///
/// Its serde form names the fields given as the head version does (it is the validation
/// webhook's `data` in the current version, from which [`ApiVersion::render_changes`]
/// derives the older ones), and never includes `secureMetadata`. It is never stored, so a
/// new version that renames a field renames it here too.
///
/// [`ApiVersion::render_changes`]: crate::ApiVersion::render_changes
#[derive(Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserChanges {
    /// New first name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firstname: Option<Name>,
    /// New last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lastname: Option<Name>,
    /// New phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phonenumber: Option<PhoneNumber>,
    /// New date of birth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<BirthDate>,
    /// New sex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// New height.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<Height>,
    /// New current weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_weight: Option<Pounds>,
    /// New pregnancy status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pregnant: Option<bool>,
    /// New diabetes status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diabetes: Option<Diabetes>,
    /// New GLP-1 status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub glp1drugs: Option<bool>,
    /// New doctor's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doctor_fullname: Option<Name>,
    /// New medical clearance description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medical_clearance_description: Option<FreeText>,
    /// New metadata, replacing the stored object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// New display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// New username.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<Username>,
    /// New avatar URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<AvatarUrl>,
    /// New biography.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bio: Option<FreeText>,
    /// New location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Coordinates>,
    /// New secure metadata, replacing the stored object.
    #[serde(skip)]
    pub secure_metadata: Option<Metadata>,
}

impl UserChanges {
    /// True when the update changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == UserChanges::default()
    }
}

impl User {
    /// The user after `changes`, or the faults that the combination would have (a male user
    /// set pregnant, say). `self` is left as it was either way.
    pub fn with_changes(&self, changes: &UserChanges) -> Result<User, Report> {
        let mut next = self.clone();
        macro_rules! set {
            ($($field:ident),*) => {$(
                if let Some(value) = &changes.$field {
                    next.$field = value.clone();
                }
            )*};
        }
        set!(
            firstname,
            lastname,
            phonenumber,
            date_of_birth,
            sex,
            height,
            current_weight,
            pregnant,
            metadata,
            secure_metadata
        );
        macro_rules! set_optional {
            ($($field:ident),*) => {$(
                if let Some(value) = &changes.$field {
                    next.$field = Some(value.clone());
                }
            )*};
        }
        set_optional!(
            diabetes,
            glp1drugs,
            doctor_fullname,
            medical_clearance_description,
            name,
            username,
            avatar,
            bio,
            location
        );
        let mut report = Report::new();
        cross_field::not_pregnant_if_male(
            Some(next.pregnant),
            Some(next.sex),
            cross_field::Paths::plain(""),
            &mut report,
        );
        report.into_result(next)
    }

    /// The display name of the project API: `name` if set, else `firstname lastname`.
    pub fn display_name(&self) -> String {
        match &self.name {
            Some(name) => name.as_str().to_owned(),
            None => format!("{} {}", self.firstname, self.lastname),
        }
    }
}

fitmate_rules::redacted_debug!(User, UserChanges);
