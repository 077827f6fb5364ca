//! Versions as a chain of changes: the head types are written once, and each version
//! lists what it changed, so that every older version can be derived from the one after it.
//!
//! A [`VersionChange`] is a named delta with a one-line description for people. Its
//! instructions speak of the head's bodies ([`Shape`]) by the field names of the version
//! that introduced the change, in the past tense: "`sex` did not exist", "`currentWeight`
//! had the name `weight`", "update could change `firstname`". Reading a request of an old
//! version, rendering an answer in it, its JSON Schemas and `docs/api-versions.md` all come
//! from the same instructions.

use std::fmt::Write as _;

#[cfg(feature = "json-schema")]
use schemars::SchemaGenerator;
use serde_json::{Map, Value};

use crate::ApiVersion;

/// A body whose form changes between versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Shape {
    /// The body of `POST /users/create`.
    CreateUserRequest,
    /// The body of `POST /users/update`.
    UpdateUserRequest,
    /// A user as answers render it: the `data` of retrieve and of update (which keeps the
    /// email and the fields update may change), and the changes in the `data` of the
    /// validation webhook.
    User,
}

impl Shape {
    /// The name people read in `docs/api-versions.md`.
    pub const fn name(self) -> &'static str {
        match self {
            Shape::CreateUserRequest => "create request",
            Shape::UpdateUserRequest => "update request",
            Shape::User => "user in answers and webhook data",
        }
    }

    /// Whether the shape is a request body (read by the server) rather than an answer.
    pub const fn is_request(self) -> bool {
        match self {
            Shape::CreateUserRequest | Shape::UpdateUserRequest => true,
            Shape::User => false,
        }
    }
}

/// One version's change: a one-line description and what each field was before it.
#[derive(Debug)]
pub struct VersionChange {
    /// One line for people: what the version changed.
    pub description: &'static str,
    /// What the fields were before the change, by their names after it.
    pub fields: &'static [FieldChange],
}

/// What one field of one body was before a change.
#[derive(Debug, Clone, Copy)]
pub struct FieldChange {
    /// The body.
    pub shape: Shape,
    /// The field's JSON name after the change.
    pub field: &'static str,
    /// What it was before.
    pub was: Was,
}

/// What a field was before a change.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Was {
    /// The field did not exist: requests reject it as unknown, answers leave it out.
    Absent,
    /// The field had another name.
    Named(&'static str),
    /// The field was required.
    Required,
    /// The field was optional.
    Optional,
    /// Update could change the field (the head lets update name it, but not change it).
    Changeable,
    /// The field was not deprecated.
    NotDeprecated,
    /// The field's values were written another way (answers only).
    Written(&'static Conversion),
}

/// How a field's values were written before a change, for answers: the value as the head
/// renders it, turned into the older form.
pub struct Conversion {
    /// The older value, or `None` to leave the field out.
    pub back: fn(Value) -> Option<Value>,
    /// The field's JSON Schema in the older form.
    #[cfg(feature = "json-schema")]
    #[cfg_attr(docsrs, doc(cfg(feature = "json-schema")))]
    pub schema: fn(&mut SchemaGenerator) -> Value,
    /// The field's description in the older form.
    pub description: &'static str,
}

impl std::fmt::Debug for Conversion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Conversion")
    }
}

/// A field of a body, to say what it was: `field(Shape::User, "sex").had_name("gender")`.
#[derive(Debug, Clone, Copy)]
pub struct FieldRef {
    shape: Shape,
    field: &'static str,
}

/// Names a field of a body, by its name in the version that makes the change.
pub const fn field(shape: Shape, field: &'static str) -> FieldRef {
    FieldRef { shape, field }
}

impl FieldRef {
    const fn was(self, was: Was) -> FieldChange {
        FieldChange {
            shape: self.shape,
            field: self.field,
            was,
        }
    }
    /// The field did not exist.
    pub const fn did_not_exist(self) -> FieldChange {
        self.was(Was::Absent)
    }
    /// The field had another name.
    pub const fn had_name(self, name: &'static str) -> FieldChange {
        self.was(Was::Named(name))
    }
    /// The field was required.
    pub const fn was_required(self) -> FieldChange {
        self.was(Was::Required)
    }
    /// The field was optional.
    pub const fn was_optional(self) -> FieldChange {
        self.was(Was::Optional)
    }
    /// Update could change the field.
    pub const fn could_be_changed(self) -> FieldChange {
        self.was(Was::Changeable)
    }
    /// The field was not deprecated.
    pub const fn was_not_deprecated(self) -> FieldChange {
        self.was(Was::NotDeprecated)
    }
    /// The field's values were written another way.
    pub const fn was_written(self, conversion: &'static Conversion) -> FieldChange {
        self.was(Was::Written(conversion))
    }
}

/// The changes that lead from the head back to `version`, newest first: those of every
/// version after it.
pub(crate) fn steps_back(version: ApiVersion) -> impl Iterator<Item = &'static VersionChange> {
    ApiVersion::NEWEST_FIRST
        .iter()
        .take_while(move |v| **v != version)
        .flat_map(|v| v.changes())
}

/// The instructions of one version step that speak of `shape`, in two passes: everything
/// but names first, then the names, so every instruction of a step finds its field by the
/// newer name.
fn instructions_of(
    change: &'static VersionChange,
    shape: Shape,
) -> impl Iterator<Item = &'static FieldChange> {
    let of_shape = move |f: &&FieldChange| f.shape == shape;
    let named = |f: &&FieldChange| matches!(f.was, Was::Named(_));
    let others = change
        .fields
        .iter()
        .filter(of_shape)
        .filter(move |f| !named(f));
    let names = change.fields.iter().filter(of_shape).filter(named);
    others.chain(names)
}

/// How a head field of a request body is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    /// The body must have it.
    Required,
    /// The body may have it.
    Optional,
    /// Known to the body but not changeable: an update naming it is told so.
    Frozen,
    /// Not a field of the body in this version.
    Absent,
}

impl Presence {
    /// Whether a body may carry the field.
    pub(crate) fn accepted(self) -> bool {
        matches!(self, Presence::Required | Presence::Optional)
    }
}

/// One field of a head request body, as the head declares it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeadField {
    /// The JSON name in the head.
    pub(crate) name: &'static str,
    /// Required, optional or frozen in the head.
    pub(crate) presence: Presence,
    /// Deprecated in the head.
    pub(crate) deprecated: bool,
    /// What the field holds, for people.
    #[cfg_attr(not(feature = "json-schema"), allow(dead_code))]
    pub(crate) doc: &'static str,
}

impl HeadField {
    /// The doc comment as one line of text, for a version where the field is `deprecated`
    /// or not: the head's "Deprecated: ..." sentences are left out where it is not.
    #[cfg(feature = "json-schema")]
    pub(crate) fn description(&self, deprecated: bool) -> String {
        let text = crate::text::one_line(self.doc);
        match text.split_once(" Deprecated:") {
            Some((current, _)) if !deprecated => current.to_owned(),
            _ => text,
        }
    }
}

/// A request body's fields as one version reads them, in the head's order.
#[derive(Debug)]
pub(crate) struct View {
    pub(crate) fields: Vec<ViewField>,
    /// Whether some field has another name than in the head.
    pub(crate) renamed: bool,
    /// The names a body may carry, for did-you-mean.
    pub(crate) accepted: Vec<&'static str>,
    /// Why a frozen field cannot be changed: "API version V updates only a, b and c".
    pub(crate) frozen_reason: String,
}

/// One head field in a version.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ViewField {
    pub(crate) name: &'static str,
    pub(crate) presence: Presence,
    pub(crate) deprecated: bool,
}

impl View {
    /// The view of a body that is the same in every version.
    pub(crate) fn unversioned(head: &[HeadField]) -> View {
        View::build(
            None,
            head.iter().map(|f| ViewField::from_head(*f)).collect(),
            false,
        )
    }

    /// The view of `shape` in `version`, from the head's fields and the chain.
    pub(crate) fn of(shape: Shape, head: &[HeadField], version: ApiVersion) -> View {
        View::through(shape, head, version, steps_back(version))
    }

    /// The view of `shape` after `steps`, the changes back from the head, newest first.
    fn through(
        shape: Shape,
        head: &[HeadField],
        version: ApiVersion,
        steps: impl Iterator<Item = &'static VersionChange>,
    ) -> View {
        let mut fields: Vec<ViewField> = head.iter().map(|f| ViewField::from_head(*f)).collect();
        for change in steps {
            for instruction in instructions_of(change, shape) {
                let Some(field) = fields
                    .iter_mut()
                    .find(|f| f.name == instruction.field && f.presence != Presence::Absent)
                else {
                    // A change naming a field the body does not have: the test
                    // `every_instruction_names_a_field_its_body_has` refuses such a chain.
                    continue;
                };
                match instruction.was {
                    Was::Absent => field.presence = Presence::Absent,
                    Was::Named(name) => field.name = name,
                    Was::Required => field.presence = Presence::Required,
                    Was::Optional => field.presence = Presence::Optional,
                    Was::Changeable => field.presence = Presence::Optional,
                    Was::NotDeprecated => field.deprecated = false,
                    Was::Written(_) => {}
                }
            }
        }
        let renamed = fields.iter().zip(head).any(|(f, h)| f.name != h.name);
        View::build(Some(version), fields, renamed)
    }

    fn build(version: Option<ApiVersion>, fields: Vec<ViewField>, renamed: bool) -> View {
        let accepted: Vec<&'static str> = fields
            .iter()
            .filter(|f| f.presence.accepted())
            .map(|f| f.name)
            .collect();
        let changeable: Vec<&str> = fields
            .iter()
            .filter(|f| f.presence == Presence::Optional)
            .map(|f| f.name)
            .collect();
        let frozen_reason = match version {
            Some(version) => format!(
                "API version {version} updates only {}",
                crate::text::and_list(&changeable)
            ),
            None => String::new(),
        };
        View {
            renamed,
            fields,
            accepted,
            frozen_reason,
        }
    }

    /// The head name of a field this version calls `name`, if it has one.
    pub(crate) fn head_name(&self, head: &[HeadField], name: &str) -> Option<&'static str> {
        self.fields
            .iter()
            .zip(head)
            .find(|(f, _)| f.name == name && f.presence != Presence::Absent)
            .map(|(_, h)| h.name)
    }
}

impl ViewField {
    fn from_head(head: HeadField) -> ViewField {
        ViewField {
            name: head.name,
            presence: head.presence,
            deprecated: head.deprecated,
        }
    }
}

/// Renders a head answer's user (`value`, an object in the head's form) in `version`.
pub(crate) fn render_user(value: &mut Map<String, Value>, version: ApiVersion) {
    for change in steps_back(version) {
        for instruction in instructions_of(change, Shape::User) {
            let Some(current) = value.remove(instruction.field) else {
                continue;
            };
            match instruction.was {
                Was::Absent => {}
                Was::Named(name) => {
                    value.insert(name.to_owned(), current);
                }
                Was::Written(conversion) => {
                    if let Some(older) = (conversion.back)(current) {
                        value.insert(instruction.field.to_owned(), older);
                    }
                }
                Was::Required | Was::Optional | Was::Changeable | Was::NotDeprecated => {
                    value.insert(instruction.field.to_owned(), current);
                }
            }
        }
    }
}

/// The JSON Schema of a head answer's user (`schema`, an object schema in the head's form)
/// in `version`.
#[cfg(feature = "json-schema")]
pub(crate) fn user_schema(
    schema: &mut Map<String, Value>,
    version: ApiVersion,
    generator: &mut SchemaGenerator,
) {
    for change in steps_back(version) {
        for instruction in instructions_of(change, Shape::User) {
            apply_to_schema(schema, instruction, generator);
        }
    }
}

#[cfg(feature = "json-schema")]
fn apply_to_schema(
    schema: &mut Map<String, Value>,
    instruction: &FieldChange,
    generator: &mut SchemaGenerator,
) {
    let name = instruction.field;
    let required = |schema: &mut Map<String, Value>| -> Vec<Value> {
        match schema.remove("required") {
            Some(Value::Array(list)) => list,
            _ => Vec::new(),
        }
    };
    let set_required = |schema: &mut Map<String, Value>, list: Vec<Value>| {
        schema.insert("required".to_owned(), Value::Array(list));
    };
    let properties = schema
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(properties) = properties.as_object_mut() else {
        return;
    };
    match instruction.was {
        Was::Absent => {
            properties.remove(name);
            let list = required(schema).into_iter().filter(|r| r != name).collect();
            set_required(schema, list);
        }
        Was::Named(older) => crate::cross_field::rename_property(schema, name, older),
        Was::Written(conversion) => {
            let mut older = (conversion.schema)(generator);
            if let Some(object) = older.as_object_mut() {
                object.insert("description".to_owned(), conversion.description.into());
            }
            properties.insert(name.to_owned(), older);
        }
        Was::Required => {
            let mut list = required(schema);
            if !list.iter().any(|r| r == name) {
                list.push(Value::from(name));
            }
            set_required(schema, list);
        }
        Was::Optional => {
            let list = required(schema).into_iter().filter(|r| r != name).collect();
            set_required(schema, list);
        }
        Was::NotDeprecated => {
            if let Some(Value::Object(property)) = properties.get_mut(name) {
                property.remove("deprecated");
            }
        }
        Was::Changeable => {}
    }
}

/// `docs/api-versions.md`: every version, newest first, with what it changed.
pub fn versions_markdown() -> String {
    let mut out = String::new();
    out.push_str("# API versions\n\n");
    out.push_str(
        "<!-- Generated from the version chain in crates/model (`fitmate schemas` writes it; \
         `fitmate schemas --check` fails when it is stale). Do not edit by hand. -->\n\n",
    );
    out.push_str(
        "A request names its version in the `Fitmate-Version` header (else the API key's \
         pinned version is used), and every answer says which version it was rendered in. \
         Newest first; each version lists what it changed from the one before it.\n",
    );
    for version in ApiVersion::NEWEST_FIRST {
        let current = if *version == ApiVersion::CURRENT {
            " (current)"
        } else {
            ""
        };
        let _ = write!(out, "\n## {version}{current}\n\n");
        let changes = version.changes();
        if changes.is_empty() {
            out.push_str("The first version.\n");
        }
        for change in changes {
            let _ = writeln!(out, "- {}", change.description);
            let mut shapes: Vec<Shape> = Vec::new();
            for f in change.fields {
                if !shapes.contains(&f.shape) {
                    shapes.push(f.shape);
                }
            }
            for shape in shapes {
                let before = describe_before(change, shape);
                let _ = writeln!(out, "  - {}, before: {before}", shape.name());
            }
        }
        let _ = writeln!(
            out,
            "\nSchemas: `schemas/{version}/`; OpenAPI: `schemas/{version}/openapi.json` \
             (served at `/openapi/{version}.json`)."
        );
    }
    out.push_str(HOW_TO_ADD_A_VERSION);
    out
}

/// What the fields of `shape` were before `change`, grouped: "no `a` or `b`; `c` required".
fn describe_before(change: &VersionChange, shape: Shape) -> String {
    let fields: Vec<&FieldChange> = change.fields.iter().filter(|f| f.shape == shape).collect();
    let names = |keep: fn(&Was) -> bool| -> Vec<String> {
        fields
            .iter()
            .filter(|f| keep(&f.was))
            .map(|f| format!("`{}`", f.field))
            .collect()
    };
    let list = |names: Vec<String>, joiner: &str| -> String {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        match names.as_slice() {
            [rest @ .., last] if !rest.is_empty() => format!("{} {joiner} {last}", rest.join(", ")),
            _ => names.join(""),
        }
    };
    let mut parts: Vec<String> = Vec::new();
    let mut add = |names: Vec<String>, joiner: &str, phrase: &dyn Fn(String) -> String| {
        if !names.is_empty() {
            parts.push(phrase(list(names, joiner)));
        }
    };
    add(names(|w| matches!(w, Was::Absent)), "or", &|l| {
        format!("no {l}")
    });
    add(names(|w| matches!(w, Was::Required)), "and", &|l| {
        format!("{l} required")
    });
    add(names(|w| matches!(w, Was::Optional)), "and", &|l| {
        format!("{l} optional")
    });
    add(names(|w| matches!(w, Was::NotDeprecated)), "and", &|l| {
        format!("{l} not deprecated")
    });
    add(names(|w| matches!(w, Was::Changeable)), "and", &|l| {
        format!("{l} changeable")
    });
    for f in &fields {
        match f.was {
            Was::Named(older) => parts.push(format!("`{}` named `{older}`", f.field)),
            Was::Written(_) => parts.push(format!("`{}` written in the older form", f.field)),
            _ => {}
        }
    }
    parts.join("; ")
}

const HOW_TO_ADD_A_VERSION: &str = "
## How to add a version

A version is the head types changed, one module of changes, and one line in the version list:

1. Change the head types in `crates/model/src/head.rs` to the new version's form (the
   present is maintained; the past is described). A field the new version drops stays in
   the head's request bodies (as `frozen` if update may no longer change it). A renamed
   field is renamed in `UserChanges` (`crates/model/src/canonical.rs`) too: its names are
   the head's, for the validation webhook. The examples of the head's types in
   `crates/model/README.md` and `crates/transport/README.md` show the new form.
2. Add `crates/model/src/vYYYY_MM_DD.rs` holding `pub const CHANGES: &[VersionChange]`: one
   `VersionChange` per change, each a one-line description and the instructions that say
   what the fields were before it (`field(Shape::User, \"sex\").had_name(\"gender\")`,
   `.did_not_exist()`, `.was_required()`, `.was_optional()`, `.could_be_changed()` for a
   field update may no longer change, `.was_not_deprecated()` for one the new version
   deprecates, `.was_written(&CONVERSION)` for an answer's value written another way).
3. Add one line at the top of the version list in `crates/model/src/lib.rs`:
   `VYYYY_MM_DD = \"YYYY-MM-DD\" => vYYYY_MM_DD,` (it declares the module too).
4. Run `cargo run -- schemas` to write `schemas/`, the OpenAPI documents and this file, and
   `cargo test --workspace`.

No Rust code outside the model matches on a version: the server, the client, `import`,
`validate` and the schema writer ask the model, whose matches on `ApiVersion` are written by
the version list. A test walks the list and refuses an instruction that names no field of
its body at that step. Besides the head and the new module, a version shows in the
generated files, in `docs/api.md` (the table of what each version takes) and
`docs/webhooks.md` (the webhook's names per version), which say it in words.
";

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::body_reader::HeadBody;
    use crate::head;

    /// The names of the head's answer `User`.
    fn user_fields() -> BTreeSet<String> {
        let schema = schemars::schema_for!(head::User);
        schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Walks the version list back from the head and checks each step's instructions: each
    /// names a field its body has at that step (by its name there), `was_written` speaks of
    /// answers only, `could_be_changed` of a field the update request froze, and no two
    /// fields end up with one name.
    #[test]
    fn every_instruction_names_a_field_its_body_has() {
        let requests = [
            (Shape::CreateUserRequest, head::CreateUserRequest::HEAD),
            (Shape::UpdateUserRequest, head::UpdateUserRequest::HEAD),
        ];
        let mut request_names: Vec<(Shape, Vec<(String, Presence)>)> = requests
            .iter()
            .map(|(shape, head)| {
                (
                    *shape,
                    head.iter()
                        .map(|f| (f.name.to_owned(), f.presence))
                        .collect(),
                )
            })
            .collect();
        let mut user: BTreeSet<String> = user_fields();
        assert!(user.contains("currentWeight"), "{user:?}");
        for version in ApiVersion::NEWEST_FIRST {
            for change in version.changes() {
                assert!(!change.description.is_empty());
                for instruction in change.fields {
                    let name = instruction.field;
                    let what = format!("{version}: {:?} {name}", instruction.shape);
                    if instruction.shape == Shape::User {
                        assert!(user.contains(name), "{what}: answers have no such field");
                        assert!(!matches!(instruction.was, Was::Changeable), "{what}");
                        continue;
                    }
                    let (_, fields) = request_names
                        .iter()
                        .find(|(s, _)| *s == instruction.shape)
                        .expect("every request shape is listed");
                    let found = fields
                        .iter()
                        .find(|(n, p)| n == name && *p != Presence::Absent);
                    assert!(found.is_some(), "{what}: the request has no such field");
                    assert!(
                        !matches!(instruction.was, Was::Written(_)),
                        "{what}: answers only"
                    );
                    if matches!(instruction.was, Was::Changeable) {
                        assert_eq!(instruction.shape, Shape::UpdateUserRequest, "{what}");
                        assert_eq!(found.map(|f| f.1), Some(Presence::Frozen), "{what}");
                    }
                }
                // Apply the step: what did not exist goes, renames last.
                for instruction in instructions_of(change, Shape::User) {
                    match instruction.was {
                        Was::Absent => {
                            user.remove(instruction.field);
                        }
                        Was::Named(older) => {
                            user.remove(instruction.field);
                            assert!(user.insert(older.to_owned()), "{older} twice");
                        }
                        _ => {}
                    }
                }
                for (shape, fields) in request_names.iter_mut() {
                    for instruction in instructions_of(change, *shape) {
                        let field = fields
                            .iter_mut()
                            .find(|(n, p)| n == instruction.field && *p != Presence::Absent);
                        let Some(field) = field else { continue };
                        match instruction.was {
                            Was::Absent => field.1 = Presence::Absent,
                            Was::Named(older) => field.0 = older.to_owned(),
                            Was::Changeable | Was::Optional => field.1 = Presence::Optional,
                            Was::Required => field.1 = Presence::Required,
                            Was::NotDeprecated | Was::Written(_) => {}
                        }
                    }
                    let live: Vec<&String> = fields
                        .iter()
                        .filter(|f| f.1 != Presence::Absent)
                        .map(|f| &f.0)
                        .collect();
                    let unique: BTreeSet<&String> = live.iter().copied().collect();
                    assert_eq!(
                        live.len(),
                        unique.len(),
                        "{version}: two {shape:?} fields share a name"
                    );
                }
            }
        }
    }

    /// What an update answer keeps is named as the version's update request names the
    /// fields, so those names must be names of the version's answers too.
    #[test]
    fn what_update_may_change_is_named_alike_in_its_answers() {
        for version in ApiVersion::NEWEST_FIRST {
            let mut generator = schemars::SchemaGenerator::default();
            let answers = crate::versioned::schema::user(*version, &mut generator);
            let names: BTreeSet<&str> = answers["properties"]
                .as_object()
                .map(|p| p.keys().map(String::as_str).collect())
                .unwrap_or_default();
            for field in version.updated_fields() {
                assert!(names.contains(field), "{version}: {field}");
            }
        }
    }

    #[test]
    fn versions_order_by_date_and_the_head_is_current() {
        assert!(ApiVersion::V2023_08_01 < ApiVersion::V2023_10_04);
        assert_eq!(ApiVersion::CURRENT, ApiVersion::NEWEST_FIRST[0]);
        let mut sorted = ApiVersion::NEWEST_FIRST.to_vec();
        sorted.sort();
        assert_eq!(sorted, ApiVersion::ALL);
        assert!(ApiVersion::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    /// A request field renamed by a change: the version reads it under the older name,
    /// reports under it, and its rules across fields name it so.
    #[test]
    fn a_renamed_request_field_is_read_and_reported_under_its_older_name() {
        const RENAME: &[VersionChange] = &[VersionChange {
            description: "`sex` was `sexAtBirth`",
            fields: &[field(Shape::CreateUserRequest, "sex").had_name("sexAtBirth")],
        }];
        let head = head::CreateUserRequest::HEAD;
        let view = View::through(
            Shape::CreateUserRequest,
            head,
            ApiVersion::V2023_08_01,
            RENAME.iter(),
        );
        assert!(view.renamed);
        assert_eq!(view.head_name(head, "sexAtBirth"), Some("sex"));
        assert_eq!(view.head_name(head, "sex"), None);
        assert!(view.accepted.contains(&"sexAtBirth") && !view.accepted.contains(&"sex"));
        let at = crate::cross_field::Paths::of("", &view, head);
        assert_eq!(
            (at.name("sex"), at.path("gender")),
            ("sexAtBirth", "gender".to_owned())
        );
        let mut report = fitmate_rules::Report::new();
        crate::cross_field::sex_or_gender_given(None, None, at, &mut report);
        assert_eq!(report.faults()[0].field, "sexAtBirth");
        assert_eq!(
            report.faults()[0].message,
            "sexAtBirth is required (or the deprecated gender)"
        );
        let rule = crate::cross_field::schema_sex_matches_gender()
            .in_view(&view, head)
            .expect("both fields are there");
        assert_eq!(
            rule["if"]["required"],
            serde_json::json!(["sexAtBirth", "gender"])
        );
    }
}
