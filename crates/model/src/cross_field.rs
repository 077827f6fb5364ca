//! Rules across fields, written once on the head's bodies and run in every version on the
//! fields it has: a field the version lacks is never read, so it is `None` to the rule, and
//! the version's schema drops a rule one of whose fields it lacks. A rule reports under the
//! names the version reading the body gives the fields ([`Paths`]).

use fitmate_rules::{Code, Fault, Gender, Pounds, Report, Sex};
#[cfg(feature = "json-schema")]
use serde_json::{Map, Value, json};

use crate::body_reader::join;
use crate::chain::{HeadField, View};

/// Where the rules across fields report: each head field's path under a prefix, by the
/// name the version reading the body gives it.
#[derive(Clone, Copy)]
pub(crate) struct Paths<'a> {
    prefix: &'a str,
    names: Option<(&'a View, &'static [HeadField])>,
}

impl<'a> Paths<'a> {
    /// The head's names, under `prefix`.
    pub(crate) fn plain(prefix: &'a str) -> Self {
        Paths {
            prefix,
            names: None,
        }
    }

    /// The names `view` gives the fields of `head`, under `prefix`.
    pub(crate) fn of(prefix: &'a str, view: &'a View, head: &'static [HeadField]) -> Self {
        Paths {
            prefix,
            names: Some((view, head)),
        }
    }

    /// What the version calls the head's field `head_name`.
    pub(crate) fn name(&self, head_name: &'static str) -> &'static str {
        self.names
            .and_then(|(view, head)| {
                head.iter()
                    .position(|h| h.name == head_name)
                    .map(|i| view.fields[i].name)
            })
            .unwrap_or(head_name)
    }

    /// The path of the head's field `head_name`.
    pub(crate) fn path(&self, head_name: &'static str) -> String {
        join(self.prefix, self.name(head_name))
    }
}

/// True when the report already holds a fault for `path` (so a rule on it is moot).
fn faulted(report: &Report, path: &str) -> bool {
    report.faults().iter().any(|f| f.field == path)
}

/// `sex` and the deprecated `gender`, both given, must say the same.
pub(crate) fn sex_matches_gender(
    sex: Option<Sex>,
    gender: Option<Gender>,
    at: Paths<'_>,
    report: &mut Report,
) {
    if let (Some(sex), Some(gender)) = (sex, gender)
        && Sex::from(gender) != sex
    {
        report.push(deprecated_disagrees(
            at,
            ("sex", "gender"),
            Code::SexGenderMismatch,
            (sex, gender),
        ));
    }
}

/// The fault of a deprecated field given beside the field that replaced it, saying
/// something else: reported on the deprecated field.
fn deprecated_disagrees(
    at: Paths<'_>,
    (field, deprecated): (&'static str, &'static str),
    code: Code,
    (value, deprecated_value): (impl std::fmt::Display, impl std::fmt::Display),
) -> Fault {
    let (field_name, deprecated_name) = (at.name(field), at.name(deprecated));
    Fault::new(
        at.path(deprecated),
        code,
        format!(
            "{deprecated_name} {deprecated_value} (deprecated) disagrees with {field_name} {value}; send {field_name} alone"
        ),
    )
}

/// One of `sex` or the deprecated `gender` must be given.
pub(crate) fn sex_or_gender_given(
    sex: Option<Sex>,
    gender: Option<Gender>,
    at: Paths<'_>,
    report: &mut Report,
) {
    field_or_deprecated_given(
        sex.is_some() || gender.is_some(),
        ("sex", "gender"),
        at,
        report,
    );
}

/// A required field that a deprecated one may stand in for: unless either was given, the
/// field is required, except when one of the two already has a fault of its own.
fn field_or_deprecated_given(
    given: bool,
    (field, deprecated): (&'static str, &'static str),
    at: Paths<'_>,
    report: &mut Report,
) {
    if given {
        return;
    }
    let path = at.path(field);
    if !faulted(report, &path) && !faulted(report, &at.path(deprecated)) {
        report.push(Fault::new(
            path,
            Code::Required,
            format!(
                "{} is required (or the deprecated {})",
                at.name(field),
                at.name(deprecated)
            ),
        ));
    }
}

/// `currentWeight` and the deprecated `weight`, both given, must be the same weight.
pub(crate) fn current_weight_matches_weight(
    current: Option<Pounds>,
    weight: Option<Pounds>,
    at: Paths<'_>,
    report: &mut Report,
) {
    if let (Some(current), Some(weight)) = (current, weight)
        && current != weight
    {
        report.push(deprecated_disagrees(
            at,
            ("currentWeight", "weight"),
            Code::WeightMismatch,
            (current, weight),
        ));
    }
}

/// One of `currentWeight` or the deprecated `weight` must be given.
pub(crate) fn current_weight_given(
    current: Option<Pounds>,
    weight: Option<Pounds>,
    at: Paths<'_>,
    report: &mut Report,
) {
    field_or_deprecated_given(
        current.is_some() || weight.is_some(),
        ("currentWeight", "weight"),
        at,
        report,
    );
}

/// A male user cannot be pregnant.
pub(crate) fn not_pregnant_if_male(
    pregnant: Option<bool>,
    sex: Option<Sex>,
    at: Paths<'_>,
    report: &mut Report,
) {
    if pregnant == Some(true) && sex == Some(Sex::Male) {
        report.push(Fault::new(
            at.path("pregnant"),
            Code::PregnantMale,
            format!("{} cannot be true for a male user", at.name("pregnant")),
        ));
    }
}

/// A rule across fields as JSON Schema, with the head fields it speaks of.
#[cfg(feature = "json-schema")]
#[derive(Debug, Clone)]
pub(crate) struct SchemaRule {
    fields: Vec<&'static str>,
    schema: Value,
}

#[cfg(feature = "json-schema")]
impl SchemaRule {
    /// The rule as `view` has its body: `None` when the version lacks one of its fields,
    /// else the schema with the fields under the version's names.
    pub(crate) fn in_view(self, view: &View, head: &[HeadField]) -> Option<Value> {
        let mut schema = self.schema;
        for name in &self.fields {
            let (field, _) = view
                .fields
                .iter()
                .zip(head)
                .find(|(_, h)| h.name == *name)?;
            if !field.presence.accepted() {
                return None;
            }
            if field.name != *name {
                rename(&mut schema, name, field.name);
            }
        }
        Some(schema)
    }
}

/// Renames a property of one object schema, in place: its key in `properties` (keeping the
/// order) and its entry in `required`.
#[cfg(feature = "json-schema")]
pub(crate) fn rename_property(object: &mut Map<String, Value>, from: &str, to: &str) {
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        let renamed: Map<String, Value> = std::mem::take(properties)
            .into_iter()
            .map(|(k, v)| {
                if k == from {
                    (to.to_owned(), v)
                } else {
                    (k, v)
                }
            })
            .collect();
        *properties = renamed;
    }
    if let Some(Value::Array(required)) = object.get_mut("required") {
        for name in required.iter_mut() {
            if name == from {
                *name = Value::from(to);
            }
        }
    }
}

/// Renames a property in a schema and every schema inside it.
#[cfg(feature = "json-schema")]
fn rename(schema: &mut Value, from: &str, to: &str) {
    match schema {
        Value::Object(object) => {
            rename_property(object, from, to);
            for value in object.values_mut() {
                rename(value, from, to);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename(v, from, to)),
        _ => {}
    }
}

/// The schema of "`field` is `male`, so `pregnant` is not true".
#[cfg(feature = "json-schema")]
pub(crate) fn schema_not_pregnant_if_male(field: &'static str) -> SchemaRule {
    SchemaRule {
        fields: vec![field, "pregnant"],
        schema: json!({
            "if": {
                "required": [field, "pregnant"],
                "properties": {field: {"const": "male"}, "pregnant": {}},
            },
            "then": {"properties": {"pregnant": {"const": false}}},
        }),
    }
}

/// The schema of "`sex` and `gender`, both given, agree".
#[cfg(feature = "json-schema")]
pub(crate) fn schema_sex_matches_gender() -> SchemaRule {
    SchemaRule {
        fields: vec!["sex", "gender"],
        schema: json!({
            "if": {"required": ["sex", "gender"], "properties": {"sex": {}, "gender": {}}},
            "then": {"anyOf": [
                {"properties": {"sex": {"const": "male"}, "gender": {"const": "male"}}},
                {"properties": {"sex": {"const": "female"}, "gender": {"const": "female"}}},
            ]},
        }),
    }
}

/// The schema of "`a` or `b` is given". Each branch names its field among its properties
/// too, so strict validators (ajv's strictRequired) see the required field defined.
#[cfg(feature = "json-schema")]
pub(crate) fn schema_either_given(a: &'static str, b: &'static str) -> SchemaRule {
    SchemaRule {
        fields: vec![a, b],
        schema: json!({"anyOf": [
            {"required": [a], "properties": {a: {}}},
            {"required": [b], "properties": {b: {}}},
        ]}),
    }
}
