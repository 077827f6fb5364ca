//! Reading request bodies: every field checked, every fault reported, nothing dropped.
//!
//! Each head request body is declared once with [`request!`]; the macro writes the typed
//! struct, its `Serialize`, its strict `Deserialize`, its JSON Schema, and the lenient reader
//! that the server and `fitmate validate` use. The reader reads a body as any version has
//! it: the version's [`View`](crate::chain::View) of the head's fields, derived from the
//! chain of changes, says which fields the version has, under which names, and which are
//! required.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use fitmate_rules::{Code, Fault, FromWire, Report, RuleError};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
#[cfg(feature = "json-schema")]
use serde_json::{Map, Value};

use crate::ApiVersion;
#[cfg(feature = "json-schema")]
use crate::chain::Presence;
use crate::chain::{HeadField, View};

/// A request body type that can be read leniently from a JSON object.
pub trait RequestBody: Sized {
    /// Reads the members of an object whose fields sit under `prefix` (empty at top level),
    /// as `version` has the body, checking every one. The outer `Err` is malformed JSON only.
    #[doc(hidden)]
    fn visit_members<'de, A: MapAccess<'de>>(
        map: A,
        prefix: &str,
        version: ApiVersion,
    ) -> Result<Result<Self, Report>, A::Error>;
}

/// Reads a request body from bytes as the current version has it: `Err` lists every fault,
/// a malformed body included.
pub fn parse_body<T: RequestBody>(bytes: &[u8]) -> Result<T, Report> {
    read_in(bytes, ApiVersion::CURRENT)
}

/// Reads a request body from bytes as `version` has it.
pub(crate) fn read_in<T: RequestBody>(bytes: &[u8], version: ApiVersion) -> Result<T, Report> {
    // One UTF-8 check of the whole body spares serde_json one per string. A body that fails
    // it is read from the bytes, so its error names the position as it always has.
    match std::str::from_utf8(bytes) {
        Ok(text) => read_body(serde_json::Deserializer::from_str(text), version),
        Err(_) => read_body(serde_json::Deserializer::from_slice(bytes), version),
    }
}

fn read_body<'de, T: RequestBody, R: serde_json::de::Read<'de>>(
    mut deserializer: serde_json::Deserializer<R>,
    version: ApiVersion,
) -> Result<T, Report> {
    let parsed = Body::<T>::new("", version)
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
    version: ApiVersion,
    marker: PhantomData<T>,
}

impl<'p, T> Body<'p, T> {
    pub(crate) fn new(prefix: &'p str, version: ApiVersion) -> Self {
        Body {
            prefix,
            version,
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
        T::visit_members(map, self.prefix, self.version)
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

/// The fault for a member that is not a field of the request, with the closest field name.
pub(crate) fn unknown_member(path: String, name: &str, fields: &[&str]) -> Fault {
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

/// The fault for a field the version knows but does not let the endpoint change.
pub(crate) fn frozen_member(path: String, name: &str, why: &str) -> Fault {
    Fault::new(
        path,
        Code::NotUpdatable,
        format!("{name} cannot be changed here: {why}"),
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
// Every type a body field can have: a required field of any of them is always written.
never_skip!(
    bool,
    fitmate_rules::AvatarUrl,
    fitmate_rules::Coordinates,
    fitmate_rules::FreeText,
    fitmate_rules::Metadata,
    fitmate_rules::ProjectBirthdate,
    fitmate_rules::Username,
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

/// Declares a head request body. See `head.rs` for uses.
///
/// ```text
/// request! {
///     /// docs
///     pub struct Name / NameDraft {
///         /// docs: the field's description in the schemas
///         "jsonName" => field: required Type,
///         "other" => other: optional Type,
///         "old" => old: deprecated Type,       // optional, and marked deprecated
///         "kept" => kept: frozen Type,         // known, but this endpoint may not change it
///     }
///     check = |draft, paths, report| {...};   // optional: rules across fields on the draft
///     rules = vec![...];                      // optional: the same rules for the JSON Schema
///     shape = Shape::X;                       // optional: the body changes between versions
/// }
/// ```
///
/// The typed struct holds the head's fields (frozen ones left out); the draft holds every
/// field as read, in any version, each `None` until given.
macro_rules! request {
    (@ty required $ty:ty) => { $ty };
    (@ty optional $ty:ty) => { Option<$ty> };
    (@ty deprecated $ty:ty) => { Option<$ty> };
    (@presence required) => { $crate::chain::Presence::Required };
    (@presence optional) => { $crate::chain::Presence::Optional };
    (@presence deprecated) => { $crate::chain::Presence::Optional };
    (@presence frozen) => { $crate::chain::Presence::Frozen };
    (@deprecated deprecated) => { true };
    (@deprecated $kind:ident) => { false };
    (@finish required $v:expr) => { $v? };
    (@finish $kind:ident $v:expr) => { $v };
    (@view required $v:expr) => { Some($v.clone()) };
    (@view frozen $v:expr) => { None };
    (@view $kind:ident $v:expr) => { $v.clone() };
    (@or_empty) => { Vec::new() };
    (@or_empty $rules:expr) => { $rules };
    (@option) => { None };
    (@option $value:expr) => { Some($value) };
    // Splits the fields: the typed struct has all but the frozen ones.
    (@split $head:tt $all:tt [$($typed:tt)*] [] $($tail:tt)*) => {
        $crate::body_reader::request!(@emit $head $all [$($typed)*] $($tail)*);
    };
    (@split $head:tt $all:tt [$($typed:tt)*]
        [$(#[doc = $doc:literal])* $json:literal => $field:ident : frozen $ty:ty, $($rest:tt)*]
        $($tail:tt)*
    ) => {
        $crate::body_reader::request!(@split $head $all [$($typed)*] [$($rest)*] $($tail)*);
    };
    (@split $head:tt $all:tt [$($typed:tt)*]
        [$(#[doc = $doc:literal])* $json:literal => $field:ident : $kind:ident $ty:ty, $($rest:tt)*]
        $($tail:tt)*
    ) => {
        $crate::body_reader::request!(@split $head $all
            [$($typed)* $(#[doc = $doc])* $json => $field : $kind $ty,] [$($rest)*] $($tail)*);
    };
    (@emit
        [$(#[doc = $sdoc:literal])* pub struct $name:ident / $draft:ident]
        [$($(#[doc = $doc:literal])* $json:literal => $field:ident : $kind:ident $ty:ty,)*]
        [$($(#[doc = $tdoc:literal])* $tjson:literal => $tfield:ident : $tkind:ident $tty:ty,)*]
        $(check = |$d:ident, $p:ident, $r:ident| $check:block;)?
        $(rules = $rules:expr;)?
        $(shape = $shape:expr;)?
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Clone, PartialEq, serde::Serialize)]
        pub struct $name {
            $(
                $(#[doc = $tdoc])*
                #[serde(rename = $tjson, skip_serializing_if = "crate::body_reader::Skip::skip")]
                pub $tfield: $crate::body_reader::request!(@ty $tkind $tty),
            )*
        }

        /// Every field of the body as read in some version, each `None` until given.
        #[derive(Clone, Default, PartialEq)]
        pub(crate) struct $draft {
            $( pub(crate) $field: Option<$ty>, )*
        }

        fitmate_rules::redacted_debug!($name, $draft);

        const _: () = {
            use $crate::body_reader::{HeadBody, Slot, frozen_member, join, unknown_member};
            use $crate::chain::{HeadField, Presence, View};

            #[allow(non_camel_case_types, clippy::enum_variant_names)]
            enum Index { $($field),* }

            impl HeadBody for $name {
                type Draft = $draft;
                const HEAD: &'static [HeadField] = &[$(
                    HeadField {
                        name: $json,
                        presence: $crate::body_reader::request!(@presence $kind),
                        deprecated: $crate::body_reader::request!(@deprecated $kind),
                        doc: concat!($($doc, "\n"),*),
                    },
                )*];

                fn view(version: $crate::ApiVersion) -> &'static View {
                    static VIEWS: std::sync::OnceLock<Vec<View>> = std::sync::OnceLock::new();
                    let views = VIEWS.get_or_init(|| {
                        let shape: Option<$crate::Shape> =
                            $crate::body_reader::request!(@option $($shape)?);
                        $crate::ApiVersion::NEWEST_FIRST
                            .iter()
                            .map(|version| match shape {
                                Some(shape) => View::of(shape, Self::HEAD, *version),
                                None => View::unversioned(Self::HEAD),
                            })
                            .collect()
                    });
                    &views[version.index()]
                }

                #[cfg(feature = "json-schema")]
                fn schema_rules() -> Vec<$crate::cross_field::SchemaRule> {
                    $crate::body_reader::request!(@or_empty $($rules)?)
                }

                #[cfg(feature = "json-schema")]
                fn field_schemas(
                    generator: &mut schemars::SchemaGenerator,
                    view: &View,
                ) -> Vec<Option<serde_json::Value>> {
                    vec![$(
                        view.fields[Index::$field as usize]
                            .presence
                            .accepted()
                            .then(|| generator.subschema_for::<$ty>().to_value())
                    ),*]
                }

                fn read_draft<'de, A: serde::de::MapAccess<'de>>(
                    mut map: A,
                    prefix: &str,
                    version: $crate::ApiVersion,
                ) -> Result<Result<$draft, fitmate_rules::Report>, A::Error> {
                    let view = Self::view(version);
                    let mut report = fitmate_rules::Report::new();
                    $( let mut $field = Slot::<$ty>::Absent; )*
                    while let Some(key) = map.next_key::<$crate::body_reader::Key<'de>>()? {
                        let head_name: Option<&str> = if view.renamed {
                            view.head_name(Self::HEAD, &key.0)
                        } else {
                            Some(&key.0)
                        };
                        match head_name {
                            $(
                                Some($json) => {
                                    let field = view.fields[Index::$field as usize];
                                    match field.presence {
                                        Presence::Required | Presence::Optional => {
                                            $field.read(&mut map, (prefix, field.name), &mut report)?
                                        }
                                        Presence::Frozen => {
                                            map.next_value::<serde::de::IgnoredAny>()?;
                                            report.push(frozen_member(
                                                join(prefix, field.name), field.name, &view.frozen_reason,
                                            ));
                                        }
                                        Presence::Absent => {
                                            map.next_value::<serde::de::IgnoredAny>()?;
                                            report.push_with(|| unknown_member(
                                                join(prefix, &key.0), &key.0, &view.accepted,
                                            ));
                                        }
                                    }
                                }
                            )*
                            _ => {
                                map.next_value::<serde::de::IgnoredAny>()?;
                                report.push_with(|| {
                                    unknown_member(join(prefix, &key.0), &key.0, &view.accepted)
                                });
                            }
                        }
                    }
                    let draft = $draft {
                        $( $field: {
                            let field = view.fields[Index::$field as usize];
                            $field.take(
                                (prefix, field.name),
                                field.presence == Presence::Required,
                                &mut report,
                            )
                        }, )*
                    };
                    $(
                        {
                            let $d = &draft;
                            let $p = $crate::cross_field::Paths::of(prefix, view, Self::HEAD);
                            let $r = &mut report;
                            $check
                        }
                    )?
                    if !report.is_empty() {
                        return Ok(Err(report));
                    }
                    Ok(Ok(draft))
                }
            }

            impl $crate::body_reader::RequestBody for $draft {
                fn visit_members<'de, A: serde::de::MapAccess<'de>>(
                    map: A,
                    prefix: &str,
                    version: $crate::ApiVersion,
                ) -> Result<Result<Self, fitmate_rules::Report>, A::Error> {
                    <$name as HeadBody>::read_draft(map, prefix, version)
                }
            }

            impl $crate::body_reader::RequestBody for $name {
                fn visit_members<'de, A: serde::de::MapAccess<'de>>(
                    map: A,
                    prefix: &str,
                    _version: $crate::ApiVersion,
                ) -> Result<Result<Self, fitmate_rules::Report>, A::Error> {
                    Ok(<$name as HeadBody>::read_draft(map, prefix, $crate::ApiVersion::CURRENT)?
                        .and_then(|draft| {
                            $name::from_draft(draft).ok_or_else(fitmate_rules::Report::new)
                        }))
                }
            }
        };

        impl $name {
            /// Reads a request body in the current version, checking every field and every
            /// rule across fields; `Err` lists every fault found, a malformed body included.
            pub fn from_slice(bytes: &[u8]) -> Result<Self, fitmate_rules::Report> {
                $crate::body_reader::parse_body(bytes)
            }

            /// The typed request from a draft read in the current version, whose required
            /// fields are all there.
            #[allow(unused_variables)]
            fn from_draft(draft: $draft) -> Option<Self> {
                Some($name {
                    $( $tfield: $crate::body_reader::request!(@finish $tkind draft.$tfield), )*
                })
            }

            /// The draft of this request: every field it has, given.
            #[allow(dead_code)]
            pub(crate) fn to_draft(&self) -> $draft {
                $draft {
                    $( $field: $crate::body_reader::request!(@view $kind self.$field), )*
                }
            }

            /// Checks the rules across fields (each field's own rule holds by its type), as
            /// reading the request from JSON does: for requests built in Rust before sending.
            pub fn check(&self) -> Result<(), fitmate_rules::Report> {
                #[allow(unused_mut)]
                let mut report = fitmate_rules::Report::new();
                #[allow(unused_variables)]
                let draft = self.to_draft();
                $(
                    {
                        let $d = &draft;
                        let $p = $crate::cross_field::Paths::plain("");
                        let $r = &mut report;
                        $check
                    }
                )?
                report.into_result(())
            }
        }

        #[cfg(feature = "garde")]
        #[cfg_attr(docsrs, doc(cfg(feature = "garde")))]
        impl garde::Validate for $name {
            type Context = ();
            fn validate_into(
                &self,
                _context: &(),
                parent: &mut dyn FnMut() -> garde::Path,
                report: &mut garde::Report,
            ) {
                $crate::body_reader::into_garde(self.check(), parent, report);
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                serde::de::DeserializeSeed::deserialize(
                    $crate::body_reader::Body::<$name>::new("", $crate::ApiVersion::CURRENT),
                    deserializer,
                )?
                .map_err(<D::Error as serde::de::Error>::custom)
            }
        }

        #[cfg(feature = "json-schema")]
        #[cfg_attr(docsrs, doc(cfg(feature = "json-schema")))]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn schema_id() -> std::borrow::Cow<'static, str> {
                concat!(module_path!(), "::", stringify!($name)).into()
            }
            fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let mut schema = $crate::body_reader::body_schema::<$name>(
                    $crate::ApiVersion::CURRENT,
                    generator,
                );
                let doc = concat!($($sdoc, "\n"),*);
                $crate::body_reader::describe(&mut schema, &$crate::text::one_line(doc), false);
                $crate::body_reader::to_schema(schema)
            }
        }
    };
    (
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident / $draft:ident { $($fields:tt)* }
        $($tail:tt)*
    ) => {
        $crate::body_reader::request!(@split
            [$(#[doc = $sdoc])* pub struct $name / $draft]
            [$($fields)*]
            []
            [$($fields)*]
            $($tail)*
        );
    };
}
pub(crate) use request;

/// A head request body: its fields, how each version reads them, and its schema.
pub(crate) trait HeadBody {
    /// Every field as read in any version.
    type Draft;
    /// The head's fields, in order.
    const HEAD: &'static [HeadField];
    /// The body's fields in `version`.
    fn view(version: ApiVersion) -> &'static View;
    /// The rules across fields, for the JSON Schema.
    #[cfg(feature = "json-schema")]
    fn schema_rules() -> Vec<crate::cross_field::SchemaRule>;
    /// The value schema of each head field `view` accepts, in the order of
    /// [`HeadBody::HEAD`]; `None` for the others.
    #[cfg(feature = "json-schema")]
    fn field_schemas(generator: &mut schemars::SchemaGenerator, view: &View) -> Vec<Option<Value>>;
    /// Reads the members of an object as `version` has the body.
    fn read_draft<'de, A: MapAccess<'de>>(
        map: A,
        prefix: &str,
        version: ApiVersion,
    ) -> Result<Result<Self::Draft, Report>, A::Error>;
}

/// The JSON Schema of a head body `T` as `version` has it: its fields with their
/// descriptions, the required ones, and the rules across fields whose fields it has.
#[cfg(feature = "json-schema")]
pub(crate) fn body_schema<T: HeadBody>(
    version: ApiVersion,
    generator: &mut schemars::SchemaGenerator,
) -> Value {
    let view = T::view(version);
    let values = T::field_schemas(generator, view);
    let mut properties = Map::new();
    let mut required: Vec<&str> = Vec::new();
    for ((field, head), property) in view.fields.iter().zip(T::HEAD).zip(values) {
        let Some(mut property) = property else {
            continue;
        };
        describe(
            &mut property,
            &head.description(field.deprecated),
            field.deprecated,
        );
        properties.insert(field.name.to_owned(), property);
        if field.presence == Presence::Required {
            required.push(field.name);
        }
    }
    let mut schema = serde_json::json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    });
    let rules: Vec<Value> = T::schema_rules()
        .into_iter()
        .filter_map(|rule| rule.in_view(view, T::HEAD))
        .collect();
    if !rules.is_empty() {
        schema["allOf"] = Value::Array(rules);
    }
    schema
}

/// Adds the faults of a check to a garde report.
#[cfg(feature = "garde")]
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

/// Puts a field's description (and `deprecated`) beside its value schema, a `$ref` or an
/// inline schema (siblings of `$ref` are allowed in 2020-12).
#[cfg(feature = "json-schema")]
pub(crate) fn describe(property: &mut Value, doc: &str, deprecated: bool) {
    if let Some(object) = property.as_object_mut() {
        if !doc.is_empty() {
            object.insert("description".to_owned(), Value::String(doc.to_owned()));
        }
        if deprecated {
            object.insert("deprecated".to_owned(), Value::Bool(true));
        }
    }
}

#[cfg(feature = "json-schema")]
pub(crate) fn to_schema(value: serde_json::Value) -> schemars::Schema {
    schemars::Schema::try_from(value).expect("request schemas are JSON objects")
}

// The seed payload comes with the schema examples; the tests run with the default features.
#[cfg(all(test, feature = "json-schema"))]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::head::CreateUserRequest;

    /// The create payload of the partner documentation.
    const SEED: &[u8] = crate::examples::SEED_CREATE_2023_10_04.as_bytes();

    /// The reader before the one UTF-8 check: every byte through serde_json's slice reader.
    fn from_bytes(bytes: &[u8]) -> Result<CreateUserRequest, Report> {
        read_body(
            serde_json::Deserializer::from_slice(bytes),
            ApiVersion::CURRENT,
        )
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
