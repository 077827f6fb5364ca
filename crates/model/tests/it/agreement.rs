use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

use fitmate_model::{ApiVersion, Endpoint, RetrieveUserRequest, projects};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value, json};

/// The shipped schema at `path` under `schemas/`, compiled once with format assertion.
fn schema(path: &'static str) -> &'static jsonschema::Validator {
    static CACHE: LazyLock<Mutex<HashMap<&'static str, &'static jsonschema::Validator>>> =
        LazyLock::new(Default::default);
    let mut cache = CACHE.lock().unwrap();
    cache.entry(path).or_insert_with(|| {
        let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../schemas")
            .join(path);
        let schema: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        Box::leak(Box::new(
            jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .unwrap(),
        ))
    })
}

/// One request type: how Rust reads it, where its schema is, and its fields.
struct Kind {
    endpoint: Endpoint,
    version: ApiVersion,
    schema: &'static str,
    /// Fields whose removal is a fault naming them.
    required: &'static [&'static str],
    /// Fields under this prefix (`update` for the project API).
    prefix: Option<&'static str>,
}

const fn kind(
    endpoint: Endpoint,
    version: ApiVersion,
    schema: &'static str,
    required: &'static [&'static str],
) -> Kind {
    Kind {
        endpoint,
        version,
        schema,
        required,
        prefix: None,
    }
}

const V1_CREATE: Kind = kind(
    Endpoint::Create,
    ApiVersion::V2023_08_01,
    "2023-08-01/create-user.request.schema.json",
    &[
        "email",
        "firstname",
        "lastname",
        "phonenumber",
        "dateOfBirth",
        "gender",
        "height",
        "weight",
        "pregnant",
    ],
);
const V1_UPDATE: Kind = kind(
    Endpoint::Update,
    ApiVersion::V2023_08_01,
    "2023-08-01/update-user.request.schema.json",
    &["email"],
);
const V2_CREATE: Kind = kind(
    Endpoint::Create,
    ApiVersion::V2023_10_04,
    "2023-10-04/create-user.request.schema.json",
    &[
        "email",
        "firstname",
        "lastname",
        "phonenumber",
        "dateOfBirth",
        "height",
        "diabetes",
        "glp1drugs",
        "paymentPlan",
        "planStartDate",
        "medicalClearance",
    ],
);
const V2_UPDATE: Kind = kind(
    Endpoint::Update,
    ApiVersion::V2023_10_04,
    "2023-10-04/update-user.request.schema.json",
    &["email"],
);
const RETRIEVE: Kind = kind(
    Endpoint::Retrieve,
    ApiVersion::V2023_10_04,
    "2023-10-04/retrieve-user.request.schema.json",
    &["email"],
);
const PATCH: Kind = Kind {
    prefix: Some("update"),
    ..kind(
        Endpoint::Patch,
        ApiVersion::V2023_10_04,
        "projects/update-user.request.schema.json",
        &[],
    )
};

// ---- valid values ----

fn email() -> impl Strategy<Value = Value> {
    "[a-z]{1,8}(\\.[a-z0-9]{1,5})?(\\+[a-z]{1,4})?@[a-z]{1,8}(-[a-z]{1,4})?\\.(com|org|co\\.uk)"
        .prop_map(Value::from)
}
fn name() -> impl Strategy<Value = Value> {
    "[A-Za-zéü][A-Za-zéü .'-]{0,30}[A-Za-z]".prop_map(Value::from)
}
fn phone() -> impl Strategy<Value = Value> {
    prop_oneof![
        "\\+?[0-9]{7,15}",
        "\\+1 \\([0-9]{3}\\) [0-9]{3}-[0-9]{4}",
        "[0-9]{3}\\.[0-9]{3}\\.[0-9]{4}"
    ]
    .prop_map(Value::from)
}
fn date(years: std::ops::RangeInclusive<i32>) -> impl Strategy<Value = String> {
    (years, 1..=12u8, 1..=28u8).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
}
fn birth_date() -> impl Strategy<Value = Value> {
    date(1900..=2020).prop_map(Value::from)
}
fn height() -> impl Strategy<Value = Value> {
    (1..=8u8, 0..=11u8).prop_map(|(f, i)| Value::from(format!("{f}ft {i}in")))
}
fn pounds() -> impl Strategy<Value = Value> {
    prop_oneof![
        (1..=1500u32).prop_map(Value::from),
        (1..=14999u32).prop_map(|t| json!(f64::from(t) / 10.0)),
        (1..=1499u32, 0..=9u8).prop_map(|(w, d)| Value::from(format!("{w}.{d}"))),
    ]
}
fn free_text() -> impl Strategy<Value = Value> {
    "[a-zA-Z ,.\n]{0,60}".prop_map(Value::from)
}
fn metadata() -> impl Strategy<Value = Value> {
    proptest::collection::btree_map(
        "[a-zA-Z_]{1,12}",
        prop_oneof![
            any::<bool>().prop_map(Value::from),
            (0..1000i32).prop_map(Value::from),
            "[a-z ]{0,20}".prop_map(Value::from),
            Just(json!({"nested": [1, {"deep": true}]}))
        ],
        0..6,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect()))
}

fn object(fields: Vec<(&'static str, Option<Value>)>) -> Map<String, Value> {
    fields
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
        .collect()
}

fn v1_create() -> impl Strategy<Value = Map<String, Value>> {
    (
        email(),
        name(),
        name(),
        phone(),
        birth_date(),
        prop_oneof![Just("male"), Just("female")],
        height(),
        pounds(),
        any::<bool>(),
        proptest::option::of(metadata()),
    )
        .prop_map(|(e, f, l, p, d, g, h, w, preg, m)| {
            object(vec![
                ("email", Some(e)),
                ("firstname", Some(f)),
                ("lastname", Some(l)),
                ("phonenumber", Some(p)),
                ("dateOfBirth", Some(d)),
                ("gender", Some(g.into())),
                ("height", Some(h)),
                ("weight", Some(w)),
                ("pregnant", Some((preg && g == "female").into())),
                ("metadata", m),
            ])
        })
}

fn v1_update() -> impl Strategy<Value = Map<String, Value>> {
    let person = (
        proptest::option::of(name()),
        proptest::option::of(name()),
        proptest::option::of(phone()),
        proptest::option::of(birth_date()),
        proptest::option::of(prop_oneof![Just("male"), Just("female")]),
    );
    (
        email(),
        person,
        proptest::option::of(height()),
        proptest::option::of(pounds()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(metadata()),
    )
        .prop_map(|(e, (f, l, p, d, g), h, w, preg, m)| {
            // Pregnant may be true unless this update says the user is male.
            let preg = preg.map(|preg| preg && g != Some("male"));
            object(vec![
                ("email", Some(e)),
                ("firstname", f),
                ("lastname", l),
                ("phonenumber", p),
                ("dateOfBirth", d),
                ("gender", g.map(Value::from)),
                ("height", h),
                ("weight", w),
                ("pregnant", preg.map(Value::from)),
                ("metadata", m),
            ])
        })
}

fn v2_create() -> impl Strategy<Value = Map<String, Value>> {
    let person = (email(), name(), name(), phone(), birth_date(), height());
    let sex = prop_oneof![
        Just((Some("female"), None)),
        Just((Some("intersex"), None)),
        Just((None, Some("male"))),
        Just((Some("male"), Some("male"))),
        Just((Some("female"), Some("female"))),
    ];
    let weight = (pounds(), 0..3u8).prop_map(|(w, how)| match how {
        0 => (Some(w), None),
        1 => (None, Some(w)),
        _ => (Some(w.clone()), Some(w)),
    });
    let care = (
        0..=3u8,
        any::<bool>(),
        prop_oneof![Just(1u8), Just(6), Just(12)],
        date(2020..=2030),
        prop_oneof![Just("full"), Just("low"), Just("nutrition")],
    );
    let extra = (
        any::<bool>(),
        proptest::option::of(free_text()),
        proptest::option::of(pounds()),
        proptest::option::of(free_text()),
        proptest::option::of(name()),
        proptest::option::of(metadata()),
    );
    let diet = (
        proptest::option::of(free_text()),
        proptest::option::of(free_text()),
    );
    (person, sex, weight, care, extra, diet).prop_map(
        |(
            (e, f, l, p, d, h),
            (sex, gender),
            (current, old),
            (dia, glp, plan, start, clear),
            (preg, desc, desired, allergies, doctor, m),
            (nutrition, religious),
        )| {
            let female = sex == Some("female") || (sex.is_none() && gender == Some("female"));
            object(vec![
                ("email", Some(e)),
                ("firstname", Some(f)),
                ("lastname", Some(l)),
                ("phonenumber", Some(p)),
                ("dateOfBirth", Some(d)),
                ("sex", sex.map(Value::from)),
                ("gender", gender.map(Value::from)),
                ("height", Some(h)),
                ("pregnant", Some((preg && female).into())),
                ("diabetes", Some(dia.into())),
                ("glp1drugs", Some(glp.into())),
                ("paymentPlan", Some(plan.into())),
                ("planStartDate", Some(start.into())),
                ("medicalClearance", Some(clear.into())),
                ("medicalClearanceDescription", desc),
                ("currentWeight", current),
                ("weight", old),
                ("desiredWeight", desired),
                ("allergies", allergies),
                ("nutritionPreferences", nutrition),
                ("religiousDietaryRestrictions", religious),
                ("doctorFullname", doctor),
                ("metadata", m),
            ])
        },
    )
}

fn v2_update() -> impl Strategy<Value = Map<String, Value>> {
    (
        email(),
        proptest::option::of(any::<bool>()),
        proptest::option::of(0..=3u8),
        proptest::option::of(name()),
        proptest::option::of(free_text()),
        proptest::option::of(metadata()),
    )
        .prop_map(|(e, glp, dia, doctor, desc, m)| {
            object(vec![
                ("email", Some(e)),
                ("glp1drugs", glp.map(Value::from)),
                ("diabetes", dia.map(Value::from)),
                ("doctorFullname", doctor),
                ("medicalClearanceDescription", desc),
                ("metadata", m),
            ])
        })
}

fn retrieve() -> impl Strategy<Value = Map<String, Value>> {
    email().prop_map(|e| object(vec![("email", Some(e))]))
}

fn patch_update() -> impl Strategy<Value = Map<String, Value>> {
    let birthdate = prop_oneof![
        date(1900..=2020).prop_map(Value::from),
        (date(1900..=2020), 0..24u8, 0..60u8)
            .prop_map(|(d, h, m)| Value::from(format!("{d}T{h:02}:{m:02}:00.000Z"))),
    ];
    (
        proptest::option::of(name()),
        proptest::option::of("[A-Za-z0-9._][A-Za-z0-9._-]{0,19}"),
        proptest::option::of("https://[a-z]{1,10}\\.com/[a-z]{1,10}\\.png"),
        proptest::option::of(free_text()),
        proptest::option::of(birthdate),
        proptest::option::of((-180.0..=180.0f64, -90.0..=90.0f64)),
        proptest::option::of(metadata()),
        proptest::option::of(metadata()),
    )
        .prop_filter("at least one field", |t| {
            t.0.is_some() || t.1.is_some() || t.2.is_some() || t.6.is_some()
        })
        .prop_map(|(n, u, a, b, bd, loc, m, sm)| {
            object(vec![
                ("name", n),
                ("username", u.map(Value::from)),
                ("avatar", a.map(Value::from)),
                ("bio", b),
                ("birthdate", bd),
                (
                    "location",
                    loc.map(|(lon, lat)| json!({"longitude": lon, "latitude": lat})),
                ),
                ("metadata", m),
                ("secureMetadata", sm),
            ])
        })
}

// ---- broken values: each breaks the rule of its field in a way JSON Schema can state ----

fn bad_values(field: &str) -> Vec<Value> {
    let too_many: Map<String, Value> = (0..51).map(|i| (format!("k{i}"), json!(i))).collect();
    match field {
        "email" => vec![
            json!("jane@"),
            json!("jane doe@doe.com"),
            json!("jane@doe"),
            json!(42),
        ],
        "firstname" | "lastname" | "name" | "doctorFullname" => vec![
            json!(""),
            json!("  "),
            json!("x".repeat(101)),
            json!("a\u{7}b"),
            json!(7),
        ],
        "phonenumber" => vec![
            json!("123456"),
            json!("1234567890123456"),
            json!("call me"),
            json!(1234567890),
        ],
        "dateOfBirth" => vec![
            json!("1990-02-30"),
            json!("1899-12-31"),
            json!("23-12-1990"),
            json!("2023-02-29"),
        ],
        "birthdate" => vec![
            json!("1990-02-30"),
            json!("1990-01-01T25:00:00Z"),
            json!("01/01/1990"),
        ],
        "planStartDate" => vec![json!("2023-02-29"), json!("2023-13-01"), json!("next week")],
        "gender" => vec![json!("other"), json!("Female"), json!("intersex")],
        "sex" => vec![json!("other"), json!("MALE")],
        "height" => vec![
            json!("5ft 12in"),
            json!("167cm"),
            json!("9ft 0in"),
            json!(66),
        ],
        "weight" | "currentWeight" | "desiredWeight" => vec![
            json!(0),
            json!(1500.5),
            json!(-3),
            json!("abc"),
            json!("0130"),
            json!(true),
        ],
        "pregnant" | "glp1drugs" => vec![json!("yes"), json!(1)],
        "diabetes" => vec![json!(4), json!(1.5), json!("2")],
        "paymentPlan" => vec![json!(3), json!("12")],
        "medicalClearance" => vec![json!("none"), json!("FULL")],
        "medicalClearanceDescription"
        | "allergies"
        | "nutritionPreferences"
        | "religiousDietaryRestrictions"
        | "bio" => {
            vec![json!("x".repeat(1001)), json!("bell\u{7}")]
        }
        "metadata" | "secureMetadata" => vec![
            json!([]),
            json!("theme"),
            json!({"": 1}),
            Value::Object(too_many),
            json!({"a": {"b": {"c": {"d": {"e": {}}}}}}),
        ],
        "username" => vec![json!("!!!"), json!("a".repeat(31))],
        "avatar" => vec![json!("ftp://x.com/a.png"), json!("https://x.com/a b.png")],
        "location" => vec![
            json!({"longitude": 34.05, "latitude": -118.25}),
            json!({"longitude": 200, "latitude": 0}),
            json!({"longitude": 1}),
            json!([1, 2]),
        ],
        _ => vec![],
    }
}

/// Checks one payload both ways; `broken` names the field at fault, if any.
fn judge(kind: &Kind, body: &Value, broken: Option<&str>) -> Result<(), TestCaseError> {
    let bytes = serde_json::to_vec(body).unwrap();
    let rust = kind.endpoint.check(kind.version, &bytes);
    let schema_ok = schema(kind.schema).is_valid(body);
    prop_assert_eq!(
        rust.is_ok(),
        schema_ok,
        "Rust says {:?}, schema says {} on {}",
        rust,
        schema_ok,
        body
    );
    match broken {
        None => prop_assert!(
            rust.is_ok(),
            "valid payload rejected: {:?} on {}",
            rust,
            body
        ),
        Some(field) => {
            let report = rust.err().unwrap();
            prop_assert!(
                report
                    .faults()
                    .iter()
                    .any(|f| f.field == field || f.field.starts_with(&format!("{field}."))),
                "no fault names {}: {}",
                field,
                report
            );
        }
    }
    Ok(())
}

/// A valid body read, what was read written back out in the same version, and that read
/// again: the same user, changes or request. For create, what is written back is the user
/// as the version renders it in answers; for update, the changes as the version names them
/// (what its validation webhook receives).
fn round_trip(kind: &Kind, body: &[u8]) -> Result<(), TestCaseError> {
    let version = kind.version;
    match kind.endpoint {
        Endpoint::Create => {
            let user = version.read_create(body).unwrap();
            let rendered = serde_json::to_vec(&version.render_user(&user)).unwrap();
            prop_assert_eq!(version.read_create(&rendered).unwrap(), user);
        }
        Endpoint::Update => {
            let (email, changes) = version.read_update(body).unwrap();
            let mut rendered = version.render_changes(&changes);
            rendered.insert("email".to_owned(), json!(email.as_str()));
            let again = version
                .read_update(&serde_json::to_vec(&rendered).unwrap())
                .unwrap();
            prop_assert_eq!(again, (email, changes));
        }
        Endpoint::Retrieve => {
            let parsed = RetrieveUserRequest::from_slice(body).unwrap();
            let again =
                RetrieveUserRequest::from_slice(&serde_json::to_vec(&parsed).unwrap()).unwrap();
            prop_assert_eq!(parsed, again);
        }
        _ => {
            let parsed = projects::UpdateUserRequest::from_slice(body).unwrap();
            let again =
                projects::UpdateUserRequest::from_slice(&serde_json::to_vec(&parsed).unwrap())
                    .unwrap();
            prop_assert_eq!(parsed, again);
        }
    }
    Ok(())
}

fn wrap(kind: &Kind, members: Map<String, Value>) -> Value {
    match kind.prefix {
        Some(prefix) => json!({ prefix: members }),
        None => Value::Object(members),
    }
}

/// The payload with one field broken: a bad value, `null`, removed when required, or an
/// unknown field beside it. Returns the path of the field at fault.
fn break_one(
    kind: &Kind,
    mut members: Map<String, Value>,
    which: Index,
    how: Index,
) -> (Value, String) {
    let keys: Vec<String> = members.keys().cloned().collect();
    let key = keys[which.index(keys.len())].clone();
    let path = |k: &str| match kind.prefix {
        Some(p) => format!("{p}.{k}"),
        None => k.to_owned(),
    };
    let mut bads = bad_values(&key);
    bads.push(Value::Null);
    let choice = how.index(bads.len() + 2);
    if choice < bads.len() {
        members.insert(key.clone(), bads.swap_remove(choice));
        (wrap(kind, members), path(&key))
    } else if choice == bads.len() && kind.required.contains(&key.as_str()) {
        members.remove(&key);
        (wrap(kind, members), path(&key))
    } else {
        members.insert(format!("{key}X"), json!(1));
        (wrap(kind, members), path(&format!("{key}X")))
    }
}

macro_rules! suite {
    ($($name:ident: $kind:expr, $strategy:expr;)*) => {$(
        mod $name {
            use super::*;
            proptest! {
                #[test]
                fn valid_payloads_pass_both_sides_and_round_trip(members in $strategy) {
                    let body = wrap(&$kind, members);
                    judge(&$kind, &body, None)?;
                    round_trip(&$kind, &serde_json::to_vec(&body).unwrap())?;
                }

                #[test]
                fn one_broken_field_is_rejected_by_both_sides_naming_it(members in $strategy, which: Index, how: Index) {
                    let (body, field) = break_one(&$kind, members, which, how);
                    judge(&$kind, &body, Some(&field))?;
                }
            }
        }
    )*};
}

suite! {
    v2023_08_01_create: V1_CREATE, v1_create();
    v2023_08_01_update: V1_UPDATE, v1_update();
    v2023_10_04_create: V2_CREATE, v2_create();
    v2023_10_04_update: V2_UPDATE, v2_update();
    retrieve_user: RETRIEVE, retrieve();
    project_update: PATCH, patch_update();
}

#[test]
fn rules_the_schema_cannot_state_are_rust_only_and_named() {
    // Documented gaps: a future date of birth, metadata over 8 KiB, weight disagreeing with
    // currentWeight. The schema accepts these; the Rust side must reject them.
    let mut body: Value = serde_json::from_str(include_str!(
        "../../../../tests/fixtures/seeds/001-create-request-payload.json"
    ))
    .unwrap();
    body["dateOfBirth"] = json!("2999-01-01");
    body["metadata"] = json!({"blob": "x".repeat(9000)});
    body["weight"] = json!(131);
    assert!(schema(V2_CREATE.schema).is_valid(&body));
    let report = ApiVersion::V2023_10_04
        .read_create(body.to_string().as_bytes())
        .unwrap_err();
    let codes: Vec<&str> = report.faults().iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        codes,
        ["date_in_future", "metadata_too_large", "weight_mismatch"]
    );
}

#[test]
fn a_project_patch_without_an_update_object_is_missing_data_on_both_sides() {
    for body in [
        json!({}),
        json!({"update": {}}),
        json!({"update": null}),
        json!({"update": []}),
        json!({"update": "name"}),
        json!({"update": {"name": "Jane"}, "extra": 1}),
    ] {
        let report = projects::UpdateUserRequest::from_slice(body.to_string().as_bytes())
            .expect_err(&body.to_string());
        assert!(
            !schema(PATCH.schema).is_valid(&body),
            "schema accepts {body}"
        );
        let wrapper_fault = report.faults().iter().any(|f| {
            f.field == "update" && f.code.as_str() == "missing_data" || f.field == "extra"
        });
        assert!(wrapper_fault, "{body}: {report}");
    }
}
