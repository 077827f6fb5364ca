//! Rules across fields, shared by the versions that have the fields.

use fitmate_rules::{Code, Fault, Gender, Pounds, Report, Sex};
use serde_json::{Value, json};

use crate::wire::join;

/// True when the report already holds a fault for `path` (so a rule on it is moot).
fn faulted(report: &Report, path: &str) -> bool {
    report.faults().iter().any(|f| f.field == path)
}

/// `sex` and the deprecated `gender`, both given, must say the same.
pub(crate) fn sex_matches_gender(
    sex: Option<Sex>,
    gender: Option<Gender>,
    prefix: &str,
    report: &mut Report,
) {
    if let (Some(sex), Some(gender)) = (sex, gender)
        && Sex::from(gender) != sex
    {
        report.push(Fault::new(
            join(prefix, "gender"),
            Code::SexGenderMismatch,
            format!("gender {gender} (deprecated) disagrees with sex {sex}; send sex alone"),
        ));
    }
}

/// One of `sex` or the deprecated `gender` must be given.
pub(crate) fn sex_or_gender_given(
    sex: Option<Sex>,
    gender: Option<Gender>,
    prefix: &str,
    report: &mut Report,
) {
    field_or_deprecated_given(
        sex.is_some() || gender.is_some(),
        ("sex", "gender"),
        prefix,
        report,
    );
}

/// A required field that a deprecated one may stand in for: unless either was given, the
/// field is required, except when one of the two already has a fault of its own.
fn field_or_deprecated_given(
    given: bool,
    (field, deprecated): (&str, &str),
    prefix: &str,
    report: &mut Report,
) {
    if given {
        return;
    }
    let path = join(prefix, field);
    if !faulted(report, &path) && !faulted(report, &join(prefix, deprecated)) {
        report.push(Fault::new(
            path,
            Code::Required,
            format!("{field} is required (or the deprecated {deprecated})"),
        ));
    }
}

/// `currentWeight` and the deprecated `weight`, both given, must be the same weight.
pub(crate) fn current_weight_matches_weight(
    current: Option<Pounds>,
    weight: Option<Pounds>,
    prefix: &str,
    report: &mut Report,
) {
    if let (Some(current), Some(weight)) = (current, weight)
        && current != weight
    {
        report.push(Fault::new(
            join(prefix, "weight"),
            Code::WeightMismatch,
            format!("weight {weight} (deprecated) disagrees with currentWeight {current}; send currentWeight alone"),
        ));
    }
}

/// One of `currentWeight` or the deprecated `weight` must be given.
pub(crate) fn current_weight_given(
    current: Option<Pounds>,
    weight: Option<Pounds>,
    prefix: &str,
    report: &mut Report,
) {
    field_or_deprecated_given(
        current.is_some() || weight.is_some(),
        ("currentWeight", "weight"),
        prefix,
        report,
    );
}

/// A male user cannot be pregnant.
pub(crate) fn not_pregnant_if_male(
    pregnant: Option<bool>,
    sex: Option<Sex>,
    prefix: &str,
    report: &mut Report,
) {
    if pregnant == Some(true) && sex == Some(Sex::Male) {
        report.push(pregnant_male(prefix));
    }
}

pub(crate) fn pregnant_male(prefix: &str) -> Fault {
    Fault::new(
        join(prefix, "pregnant"),
        Code::PregnantMale,
        "pregnant cannot be true for a male user",
    )
}

/// The schema of "`field` is `male`, so `pregnant` is not true".
pub(crate) fn schema_not_pregnant_if_male(field: &str) -> Value {
    json!({
        "if": {
            "required": [field, "pregnant"],
            "properties": {field: {"const": "male"}, "pregnant": true},
        },
        "then": {"properties": {"pregnant": {"const": false}}},
    })
}

/// The schema of "`sex` and `gender`, both given, agree".
pub(crate) fn schema_sex_matches_gender() -> Value {
    json!({
        "if": {"required": ["sex", "gender"], "properties": {"sex": true, "gender": true}},
        "then": {"anyOf": [
            {"properties": {"sex": {"const": "male"}, "gender": {"const": "male"}}},
            {"properties": {"sex": {"const": "female"}, "gender": {"const": "female"}}},
        ]},
    })
}

/// The schema of "`a` or `b` is given". Each branch names its field among its properties
/// too, so strict validators (ajv's strictRequired) see the required field defined.
pub(crate) fn schema_either_given(a: &str, b: &str) -> Value {
    json!({"anyOf": [
        {"required": [a], "properties": {a: true}},
        {"required": [b], "properties": {b: true}},
    ]})
}

/// Appends rules to a schema's `allOf`.
pub(crate) fn all_of(schema: &mut Value, rules: impl IntoIterator<Item = Value>) {
    if let Some(object) = schema.as_object_mut() {
        let list = object
            .entry("allOf")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Some(list) = list.as_array_mut() {
            list.extend(rules);
        }
    }
}
