//! Reading request bodies: every field checked, every fault reported, nothing dropped.
//!
//! Each request type is declared once with [`request!`]; the macro writes the typed struct,
//! its `Serialize`, its strict `Deserialize`, its JSON Schema and the lenient reader that the
//! server and `fitmate validate` use.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use fitmate_rules::{Code, Fault, FromWire, Report, RuleError};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A request body type that can be read leniently from a JSON object.
pub trait RequestBody: Sized {
    /// The JSON names of the fields, in declaration order.
    const FIELDS: &'static [&'static str];

    /// Reads the members of an object whose fields sit under `prefix` (empty at top level),
    /// checking every one. The outer `Err` is malformed JSON only.
    #[doc(hidden)]
    fn visit_members<'de, A: MapAccess<'de>>(
        map: A,
        prefix: &str,
    ) -> Result<Result<Self, Report>, A::Error>;
}

/// Reads a request body from bytes: `Err` lists every fault, a malformed body included.
pub fn parse_body<T: RequestBody>(bytes: &[u8]) -> Result<T, Report> {
    // One UTF-8 check of the whole body spares serde_json one per string. A body that fails
    // it is read from the bytes, so its error names the position as it always has.
    match std::str::from_utf8(bytes) {
        Ok(text) => read_body(serde_json::Deserializer::from_str(text)),
        Err(_) => read_body(serde_json::Deserializer::from_slice(bytes)),
    }
}

fn read_body<'de, T: RequestBody, R: serde_json::de::Read<'de>>(
    mut deserializer: serde_json::Deserializer<R>,
) -> Result<T, Report> {
    let parsed = Body::<T>::new("")
        .deserialize(&mut deserializer)
        .and_then(|parsed| {
            deserializer.end()?;
            Ok(parsed)
        });
    match parsed {
        Ok(result) => result,
        Err(error) => Err(Fault::new("", Code::InvalidJson, malformed(&error)).into()),
    }
}

/// The message for a body that is not JSON: serde_json's description with its position.
pub fn malformed(error: &serde_json::Error) -> String {
    format!("the body is not valid JSON: {error}")
}

/// A seed that reads one object as `T`, naming faults under `prefix`.
pub(crate) struct Body<'p, T> {
    prefix: &'p str,
    marker: PhantomData<T>,
}

impl<'p, T> Body<'p, T> {
    pub(crate) fn new(prefix: &'p str) -> Self {
        Body {
            prefix,
            marker: PhantomData,
        }
    }
}

impl<'de, T: RequestBody> DeserializeSeed<'de> for Body<'_, T> {
    type Value = Result<T, Report>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: RequestBody> Visitor<'de> for Body<'_, T> {
    type Value = Result<T, Report>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::visit_members(map, self.prefix)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err(self.not_an_object("an array")))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Err(self.not_an_object("null")))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(self.not_an_object("a boolean")))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err(self.not_an_object("a number")))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err(self.not_an_object("a number")))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err(self.not_an_object("a number")))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Err(self.not_an_object("a string")))
    }
}

impl<T> Body<'_, T> {
    fn not_an_object(&self, found: &str) -> Report {
        let what = if self.prefix.is_empty() {
            "the body"
        } else {
            self.prefix
        };
        Fault::new(
            self.prefix,
            Code::NotAnObject,
            format!("{what} must be a JSON object, not {found}"),
        )
        .into()
    }
}

/// An object key, borrowed from the input where it holds no escapes.
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Reads one field's value through [`FromWire`].
pub(crate) struct Field<T>(PhantomData<T>);

impl<T> Field<T> {
    pub(crate) fn seed() -> Self {
        Field(PhantomData)
    }
}

impl<'de, T: FromWire> DeserializeSeed<'de> for Field<T> {
    type Value = Result<T, RuleError>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        T::from_wire(deserializer)
    }
}

/// One field as read: not sent, or sent and then good or bad.
pub(crate) enum Slot<T> {
    Absent,
    Present(Result<T, RuleError>),
}

impl<T> Slot<T> {
    /// Reads the field's value; a second occurrence of the field is a fault of its own.
    pub(crate) fn read<'de, A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
        (prefix, name): (&str, &str),
        report: &mut Report,
    ) -> Result<(), A::Error>
    where
        T: FromWire,
    {
        if matches!(self, Slot::Present(_)) {
            map.next_value::<IgnoredAny>()?;
            report.push(Fault::new(
                join(prefix, name),
                Code::DuplicateField,
                format!("{name} appears more than once"),
            ));
            return Ok(());
        }
        *self = Slot::Present(map.next_value_seed(Field::<T>::seed())?);
        Ok(())
    }

    /// The good value, if any; a bad one goes into the report, and so does an absent one
    /// when `required`. The path is built only for a fault: a good body allocates none.
    pub(crate) fn take(
        self,
        (prefix, name): (&str, &str),
        required: bool,
        report: &mut Report,
    ) -> Option<T> {
        match self {
            Slot::Absent => {
                if required {
                    report.push(Fault::new(
                        join(prefix, name),
                        Code::Required,
                        format!("{name} is required"),
                    ));
                }
                None
            }
            Slot::Present(Ok(value)) => Some(value),
            Slot::Present(Err(error)) => {
                report.push_rule(&join(prefix, name), &error);
                None
            }
        }
    }
}

/// `prefix.name`, or `name` at top level.
pub(crate) fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// The fault for a member that is not a field of the request. `frozen` lists fields this
/// version knows but does not let the endpoint change, which get their own code.
pub(crate) fn unknown_member(
    path: String,
    name: &str,
    fields: &[&str],
    frozen: Option<(&[&str], &str)>,
) -> Fault {
    if let Some((frozen, why)) = frozen
        && frozen.contains(&name)
    {
        return Fault::new(
            path,
            Code::NotUpdatable,
            format!("{name} cannot be changed here: {why}"),
        );
    }
    let closest = fields
        .iter()
        .map(|f| (strsim::damerau_levenshtein(f, name), *f))
        .filter(|(d, f)| *d <= 2 && *d < f.len())
        .min();
    let hint = match closest {
        Some((_, f)) => format!("; did you mean {f}?"),
        None => String::new(),
    };
    Fault::new(
        path,
        Code::UnknownField,
        format!("{name} is not a field of this request{hint}"),
    )
}

/// Whether `Serialize` leaves a field out: `None` is never written, other values always are.
pub(crate) trait Skip {
    fn skip(&self) -> bool;
}

impl<T> Skip for Option<T> {
    fn skip(&self) -> bool {
        self.is_none()
    }
}

macro_rules! never_skip {
    ($($ty:ty),*) => {$(
        impl Skip for $ty {
            fn skip(&self) -> bool {
                false
            }
        }
    )*};
}
never_skip!(
    bool,
    fitmate_rules::Email,
    fitmate_rules::Name,
    fitmate_rules::PhoneNumber,
    fitmate_rules::BirthDate,
    fitmate_rules::CalendarDate,
    fitmate_rules::Gender,
    fitmate_rules::Sex,
    fitmate_rules::Height,
    fitmate_rules::Pounds,
    fitmate_rules::Diabetes,
    fitmate_rules::PaymentPlan,
    fitmate_rules::MedicalClearance
);

/// Declares a request body type. See the version modules for uses.
///
/// ```text
/// request! {
///     /// docs
///     pub struct Name {
///         /// docs
///         "jsonName" => field: required Type,
///         "other" => other: optional Type,
///     }
///     frozen = ["firstname"], "why";       // optional: known fields this endpoint may not change
///     check = |draft, prefix, report| {...}; // optional: cross-field rules on the draft
///     schema = |schema| {...};               // optional: cross-field rules for the JSON Schema
/// }
/// ```
macro_rules! request {
    (@ty required $ty:ty) => { $ty };
    (@ty optional $ty:ty) => { Option<$ty> };
    (@req required) => { true };
    (@req optional) => { false };
    (@finish required $v:expr) => { $v? };
    (@finish optional $v:expr) => { $v };
    (@view required $v:expr) => { Some($v.clone()) };
    (@view optional $v:expr) => { $v.clone() };
    (
        $(#[$meta:meta])*
        pub struct $name:ident / $draft:ident {
            $(
                $(#[$fmeta:meta])*
                $json:literal => $field:ident : $kind:ident $ty:ty,
            )*
        }
        $(frozen = [$($frozen:literal),* $(,)?], $why:literal;)?
        $(check = |$d:ident, $p:ident, $r:ident| $check:block;)?
        $(schema = |$s:ident| $schema_fix:block;)?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
                pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(rename = $json, skip_serializing_if = "crate::wire::Skip::skip")]
                pub $field: $crate::wire::request!(@ty $kind $ty),
            )*
        }

        /// Every field of the request as read, good or not yet known to be good.
        #[allow(dead_code)]
        pub(crate) struct $draft {
            $( pub(crate) $field: Option<$ty>, )*
        }

        impl $crate::wire::RequestBody for $name {
            const FIELDS: &'static [&'static str] = &[$($json),*];

            fn visit_members<'de, A: serde::de::MapAccess<'de>>(
                mut map: A,
                prefix: &str,
            ) -> Result<Result<Self, fitmate_rules::Report>, A::Error> {
                let mut report = fitmate_rules::Report::new();
                $( let mut $field = $crate::wire::Slot::<$ty>::Absent; )*
                while let Some(key) = map.next_key::<$crate::wire::Key<'de>>()? {
                    match &*key.0 {
                        $( $json => $field.read(&mut map, (prefix, $json), &mut report)?, )*
                        other => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                            #[allow(unused_mut, unused_assignments)]
                            let mut frozen: Option<(&[&str], &str)> = None;
                            $( frozen = Some((&[$($frozen),*], $why)); )?
                            report.push($crate::wire::unknown_member(
                                $crate::wire::join(prefix, other), other, Self::FIELDS, frozen,
                            ));
                        }
                    }
                }
                let draft = $draft {
                    $( $field: $field.take(
                        (prefix, $json),
                        $crate::wire::request!(@req $kind),
                        &mut report,
                    ), )*
                };
                $(
                    {
                        let $d = &draft;
                        let $p = prefix;
                        let $r = &mut report;
                        $check
                    }
                )?
                if !report.is_empty() {
                    return Ok(Err(report));
                }
                let $draft { $($field),* } = draft;
                // `?` on each required field: all are `Some` when the report is empty.
                #[allow(clippy::redundant_closure_call)]
                let built = (|| Some($name {
                    $( $field: $crate::wire::request!(@finish $kind $field), )*
                }))();
                Ok(built.ok_or(report))
            }
        }

        impl $name {
            /// Reads a request body, checking every field and every cross-field rule; `Err`
            /// lists every fault found, a malformed body included.
            pub fn from_slice(bytes: &[u8]) -> Result<Self, fitmate_rules::Report> {
                $crate::wire::parse_body(bytes)
            }

            /// Checks the rules across fields (each field's own rule holds by its type), as
            /// reading the request from JSON does: for requests built in Rust before sending.
            pub fn check(&self) -> Result<(), fitmate_rules::Report> {
                #[allow(unused_mut)]
                let mut report = fitmate_rules::Report::new();
                #[allow(unused_variables)]
                let draft = $draft {
                    $( $field: $crate::wire::request!(@view $kind self.$field), )*
                };
                $(
                    {
                        let $d = &draft;
                        let $p = "";
                        let $r = &mut report;
                        $check
                    }
                )?
                report.into_result(())
            }
        }

        impl garde::Validate for $name {
            type Context = ();
            fn validate_into(
                &self,
                _context: &(),
                parent: &mut dyn FnMut() -> garde::Path,
                report: &mut garde::Report,
            ) {
                $crate::wire::into_garde(self.check(), parent, report);
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                serde::de::DeserializeSeed::deserialize($crate::wire::body_seed::<$name>(), deserializer)?
                    .map_err(<D::Error as serde::de::Error>::custom)
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $crate::wire::qualified(module_path!(), stringify!($name)).into()
            }
            fn schema_id() -> std::borrow::Cow<'static, str> {
                concat!(module_path!(), "::", stringify!($name)).into()
            }
            fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let mut properties = serde_json::Map::new();
                let mut required: Vec<&str> = Vec::new();
                $(
                    let mut property = generator.subschema_for::<$ty>().to_value();
                    let doc = $crate::wire::doc_of(&[$(stringify!($fmeta)),*]);
                    $crate::wire::describe(&mut property, doc);
                    properties.insert($json.to_owned(), property);
                    if $crate::wire::request!(@req $kind) {
                        required.push($json);
                    }
                )*
                #[allow(unused_mut)]
                let mut schema = serde_json::json!({
                    "type": "object",
                    "properties": properties,
                    "required": required,
                    "additionalProperties": false,
                });
                $(
                    {
                        let $s = &mut schema;
                        $schema_fix
                    }
                )?
                $crate::wire::to_schema(schema)
            }
        }
    };
}
pub(crate) use request;

/// Adds the faults of a check to a garde report.
pub(crate) fn into_garde(
    checked: Result<(), Report>,
    parent: &mut dyn FnMut() -> garde::Path,
    report: &mut garde::Report,
) {
    if let Err(faults) = checked {
        for fault in faults {
            let path = fault
                .field
                .split('.')
                .fold(parent(), |path, segment| path.join(segment));
            report.append(path, garde::Error::new(fault.message));
        }
    }
}

/// The seed that reads a whole request body (used by the strict `Deserialize`).
pub(crate) fn body_seed<T: RequestBody>() -> Body<'static, T> {
    Body::new("")
}

/// `module.Type`, the name of a type's schema: versions have types of the same name.
pub(crate) fn qualified(module_path: &str, name: &str) -> String {
    format!(
        "{}.{name}",
        module_path.rsplit("::").next().unwrap_or(module_path)
    )
}

/// The doc comment among a field's attributes, as `stringify!` renders them.
pub(crate) fn doc_of(attributes: &[&str]) -> String {
    let lines: Vec<String> = attributes
        .iter()
        .filter_map(|a| {
            let rest = a
                .trim()
                .strip_prefix("doc")?
                .trim_start()
                .strip_prefix('=')?
                .trim();
            let text: String = serde_json::from_str(rest).ok()?;
            Some(text.trim().to_owned())
        })
        .collect();
    lines.join(" ")
}

/// Puts a field's description beside a `$ref` (allowed in 2020-12).
pub(crate) fn describe(property: &mut serde_json::Value, doc: String) {
    if let (Some(object), false) = (property.as_object_mut(), doc.is_empty()) {
        object.insert("description".to_owned(), serde_json::Value::String(doc));
    }
}

pub(crate) fn to_schema(value: serde_json::Value) -> schemars::Schema {
    schemars::Schema::try_from(value).expect("request schemas are JSON objects")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::v2023_10_04::CreateUserRequest;

    const SEED: &[u8] =
        include_bytes!("../../../tests/fixtures/seeds/001-create-request-payload.json");

    /// The reader before the one UTF-8 check: every byte through serde_json's slice reader.
    fn from_bytes(bytes: &[u8]) -> Result<CreateUserRequest, Report> {
        read_body(serde_json::Deserializer::from_slice(bytes))
    }

    #[test]
    fn a_body_that_is_not_utf8_names_the_position() {
        let body = b"{\"email\": \"jane@d\xffoe.com\"}";
        let report = parse_body::<CreateUserRequest>(body).unwrap_err();
        assert_eq!(report.faults().len(), 1);
        let fault = &report.faults()[0];
        assert_eq!((fault.field.as_str(), fault.code), ("", Code::InvalidJson));
        assert_eq!(
            fault.message,
            "the body is not valid JSON: invalid unicode code point at line 1 column 18",
        );
    }

    proptest! {
        /// Reading from the checked text gives what reading the bytes gave, on any body.
        #[test]
        fn the_text_reader_agrees_with_the_byte_reader(
            edits in proptest::collection::vec((0..SEED.len(), any::<u8>()), 0..4),
            cut in 0..=SEED.len(),
        ) {
            let mut body = SEED.to_vec();
            for (at, byte) in edits {
                body[at] = byte;
            }
            body.truncate(cut.max(body.len() / 2));
            prop_assert_eq!(parse_body::<CreateUserRequest>(&body), from_bytes(&body));
        }
    }
}
