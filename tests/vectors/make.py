#!/usr/bin/env python3
"""Writes the shared test vectors of tests/vectors/*.json from the tables below.

Each vector names the API version, the operation, the request schema that describes it,
the payload, whether the server accepts it ("valid") and the fields it faults ("faults",
as the server's reports name them). "schemaCannotTell" marks the few rules JSON Schema
cannot state (today's date, the 8 KiB size of metadata, two fields holding equal values):
schema validators accept those payloads and the server rejects them, for the reason given.

The expectations come from the API's rules (docs/api.md), not from running the server. The Rust tests
(tests/it/vectors.rs), ajv (.ci/ajv) and Python jsonschema (.ci/validate_schemas.py) all
read the files; `python3 tests/vectors/make.py --check` fails when they differ from this
script's output.
"""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
V1, V2 = "2023-08-01", "2023-10-04"

CREATE_V2 = {
    "email": "jane@doe.com",
    "firstname": "Jane",
    "lastname": "Doe",
    "phonenumber": "+1 555 010 2030",
    "dateOfBirth": "1990-12-23",
    "sex": "female",
    "height": "5ft 6in",
    "currentWeight": 130,
    "pregnant": False,
    "diabetes": 0,
    "glp1drugs": False,
    "paymentPlan": 1,
    "planStartDate": "2026-12-01",
    "medicalClearance": "full",
}
CREATE_V1 = {
    "email": "jane@doe.com",
    "firstname": "Jane",
    "lastname": "Doe",
    "phonenumber": "1234567890",
    "dateOfBirth": "1990-12-23",
    "gender": "female",
    "height": "5ft 6in",
    "weight": 130,
    "pregnant": False,
}
SCHEMAS = {
    "create-user": "{v}/create-user.request.schema.json",
    "update-user": "{v}/update-user.request.schema.json",
    "retrieve-user": "{v}/retrieve-user.request.schema.json",
    "patch-user": "projects/update-user.request.schema.json",
}
DROP = object()  # a field value meaning "leave the field out"


def changed(base, **changes):
    payload = dict(base)
    for key, value in changes.items():
        key = key.rstrip("_")
        if value is DROP:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


def vector(description, operation, version, payload, faults=(), cannot=None):
    out = {
        "description": description,
        "version": version,
        "operation": operation,
        "schema": SCHEMAS[operation].format(v=version),
        "payload": payload,
        "valid": not faults,
        "faults": sorted(set(faults)),
    }
    if cannot:
        out["schemaCannotTell"] = cannot
    return out


def create(description, faults=(), version=V2, cannot=None, **changes):
    base = CREATE_V2 if version == V2 else CREATE_V1
    return vector(description, "create-user", version, changed(base, **changes), faults, cannot)


def field_cases(field, good, bad, version=V2, **extra):
    """A valid create per good value and an invalid one, faulting `field`, per bad value."""
    cases = [create(f"{field} {value!r} is accepted", version=version, **extra, **{field: value}) for value in good]
    cases += [create(f"{field} {value!r} is refused", [field], version=version, **extra, **{field: value}) for value in bad]
    return cases


def longest_email():
    local = "a" * 64
    domain = "b" * 63 + "." + "c" * 63 + "." + "d" * 61
    return local + "@" + domain  # 254 characters


FUTURE = "not in the future: JSON Schema has no notion of today's date"

FILES = {}

FILES["email"] = field_cases(
    "email",
    ["jane@doe.com", "Jane.Doe+tag@clinic.example.org", "o'brien@doe.co.uk", longest_email()],
    ["jane@", "jane.doe.com", "jane@doe", "jane doe@doe.com", "", "@doe.com", longest_email() + "e", 42],
)

FILES["phone"] = field_cases(
    "phonenumber",
    ["1234567890", "+1 (555) 010-2030", "1234567", "123456789012345", "+44.20.7946.0958", "555-0102"],
    ["123456", "1234567890123456", "+1 555 CALL NOW", "++15550102030", "", "555 0102 x3", "+", 5550102030],
)

FILES["names"] = (
    field_cases(
        "firstname",
        ["J", "a" * 100, "  Jane  ", "José", "Mary Ann", "  " + "b" * 100 + "  "],
        ["", "   ", "a" * 101, "Ja\nne", "Ja\u0000ne", "Jane\u0085", None, 7],
    )
    + field_cases("lastname", ["O'Neill-Smith"], ["", "x" * 101])
    + field_cases("doctorFullname", ["Dr. Ada Lovelace"], ["", "\u0007"])
)

FILES["dates"] = (
    field_cases(
        "dateOfBirth",
        ["1900-01-01", "2000-02-29", "1990-12-23", "2024-02-29"],
        ["1899-12-31", "2023-02-29", "1990-13-01", "1990-00-10", "1990-04-31", "1990-1-1",
         "1990-12-23T00:00:00Z", "23/12/1990", "", 19901223],
    )
    + [create("dateOfBirth in the future is refused", ["dateOfBirth"], cannot=FUTURE, dateOfBirth="2999-01-01")]
    + field_cases(
        "planStartDate",
        ["2026-12-01", "2024-02-29", "2031-01-31", "1999-12-31"],
        ["2023-02-29", "2023-04-31", "20231201", "2023/12/01", "2023-12-1", "tomorrow", "0000-02-29"],
    )
    + field_cases("dateOfBirth", ["1990-12-23"], ["1990-02-30", "2100-02-29"], version=V1)
)

FILES["sex-and-gender"] = (
    field_cases("sex", ["female", "intersex"], ["Female", "other", "f", "", "FEMALE"])
    + [create("sex male (not pregnant) is accepted", sex="male")]
    + [
        create("gender alone (deprecated) stands for sex", sex=DROP, gender="female"),
        create("gender male alone is accepted", sex=DROP, gender="male"),
        create("sex and gender that agree are accepted", sex="male", gender="male"),
        create("sex and gender that disagree are refused", ["gender"], sex="male", gender="female"),
        create("gender intersex is refused: gender is male or female", ["gender"], sex=DROP, gender="intersex"),
        create("neither sex nor gender is refused", ["sex"], sex=DROP),
        create("gender near miss is refused", ["gender"], sex=DROP, gender="Male"),
    ]
    + field_cases("gender", ["male", "female"], ["intersex", "Female", "m"], version=V1)
    + [create("sex is not a 2023-08-01 field", ["sex"], version=V1, sex="female")]
)

FILES["height"] = field_cases(
    "height",
    ["1ft 0in", "8ft 11in", "5ft 6in", "6ft 1in", "5ft 0in", "4ft 10in"],
    ["0ft 11in", "9ft 0in", "5ft 12in", "5ft6in", "5 ft 6 in", "5ft 06in", "5ft 6in ", " 5ft 6in",
     "5'6\"", "5ft 6.5in", "5ft", "10ft 0in", "5FT 6IN", "", 66],
) + field_cases("height", ["8ft 11in"], ["5ft 13in"], version=V1)

WEIGHT_GOOD = [130, 130.5, "130.5", "130", 1500, "1500", "1500.0", 0.1, "0.5", 1, 999.99]
WEIGHT_BAD = [0, -5, 1500.01, 1501, "1500.5", "abc", "", " 130", "0130", "1e3", "130.", "-1", "0", True]
FILES["weights"] = (
    field_cases("currentWeight", WEIGHT_GOOD, WEIGHT_BAD)
    + field_cases("desiredWeight", [120, "119.5"], [0, "1500.01"])
    + field_cases("weight", [130, "130.5"], [0, 1600, "x"], version=V1)
    + [
        create("weight alone (deprecated) stands for currentWeight", currentWeight=DROP, weight=140),
        create("weight and currentWeight that agree are accepted", currentWeight=140, weight="140"),
        create("weight and currentWeight that disagree are refused", ["weight"],
               cannot="two fields holding equal values: JSON Schema cannot compare two numbers",
               currentWeight=140, weight=141),
        create("neither currentWeight nor weight is refused", ["currentWeight"], currentWeight=DROP),
        create("weight alone is checked as currentWeight would be", ["weight"], currentWeight=DROP, weight=0),
    ]
)

FILES["pregnant"] = [
    create("pregnant female is accepted", pregnant=True),
    create("pregnant intersex is accepted", sex="intersex", pregnant=True),
    create("pregnant male is refused", ["pregnant"], sex="male", pregnant=True),
    create("pregnant with deprecated gender male is refused", ["pregnant"], sex=DROP, gender="male", pregnant=True),
    create("pregnant left out defaults to false", pregnant=DROP),
    create("pregnant left out with sex male is accepted", sex="male", pregnant=DROP),
    create("pregnant as a string is refused", ["pregnant"], pregnant="yes"),
    create("pregnant as a number is refused", ["pregnant"], pregnant=1),
    create("pregnant female is accepted in 2023-08-01", version=V1, pregnant=True),
    create("pregnant with gender male is refused in 2023-08-01", ["pregnant"], version=V1, gender="male", pregnant=True),
    create("pregnant is required in 2023-08-01", ["pregnant"], version=V1, pregnant=DROP),
]

FILES["diabetes"] = field_cases("diabetes", [0, 1, 2, 3, 2.0], [4, -1, 1.5, "2", None, True]) + [
    create("diabetes is required in 2023-10-04 create", ["diabetes"], diabetes=DROP),
    create("diabetes is not a 2023-08-01 field", ["diabetes"], version=V1, diabetes=0),
]

FILES["glp1drugs"] = field_cases("glp1drugs", [True, False], ["true", 1, None]) + [
    create("glp1drugs is required in 2023-10-04 create", ["glp1drugs"], glp1drugs=DROP),
]

FILES["payment-plan"] = field_cases("paymentPlan", [1, 6, 12, 12.0], [0, 3, 24, "6", 6.5, -1]) + [
    create("paymentPlan is required in 2023-10-04 create", ["paymentPlan"], paymentPlan=DROP),
]

FILES["medical-clearance"] = field_cases(
    "medicalClearance", ["full", "low", "nutrition"], ["Full", "none", "", "nutrition ", 1]
) + [create("medicalClearance is required in 2023-10-04 create", ["medicalClearance"], medicalClearance=DROP)]

FREE_GOOD = ["a" * 1000, "line one\nline two\ttabbed\r\n", "\U0001F600" * 1000, ""]
FREE_BAD = ["a" * 1001, "\U0001F600" * 1001, "bell\u0007", "nul\u0000", 12]
FILES["free-text"] = (
    field_cases("allergies", FREE_GOOD, FREE_BAD)
    + field_cases("nutritionPreferences", ["vegetarian"], ["b" * 1001])
    + field_cases("religiousDietaryRestrictions", ["halal"], ["c" * 1001])
    + field_cases("medicalClearanceDescription", ["cleared by cardiology"], ["d" * 1001])
)


def nested(depth):
    """An object `depth` levels deep, counting itself: nested(1) == {"k": 1}."""
    value = 1
    for _ in range(depth):
        value = {"k": value}
    return value


SIZE = "8 KiB of compact JSON: JSON Schema cannot measure a value's serialised size"
FILES["metadata"] = [
    create("metadata empty is accepted", metadata={}),
    create("metadata with 50 keys is accepted", metadata={f"k{i}": i for i in range(50)}),
    create("metadata with 51 keys is refused", ["metadata"], metadata={f"k{i}": i for i in range(51)}),
    create("metadata key of 40 characters is accepted", metadata={"k" * 40: 1}),
    create("metadata key of 41 characters is refused", ["metadata"], metadata={"k" * 41: 1}),
    create("metadata empty key is refused", ["metadata"], metadata={"": 1}),
    create("metadata nested 5 levels is accepted", metadata=nested(5)),
    create("metadata nested 6 levels is refused", ["metadata"], metadata=nested(6)),
    create("metadata with arrays within the depth is accepted", metadata={"a": [1, [2, {"b": "c"}]]}),
    create("metadata of every JSON type is accepted", metadata={"s": "x", "n": 1.5, "b": True, "z": None, "a": [], "o": {}}),
    create("metadata as an array is refused", ["metadata"], metadata=[1, 2]),
    create("metadata as a string is refused", ["metadata"], metadata="chart A-17"),
    create("metadata null is refused", ["metadata"], metadata=None),
    create("metadata with a NUL in a value is refused", ["metadata"], metadata={"k": "a\u0000b"}),
    create("metadata just under 8 KiB is accepted", metadata={"k": "x" * 8000}),
    create("metadata over 8 KiB is refused", ["metadata"], cannot=SIZE, metadata={"k": "x" * 8200}),
    create("metadata with 50 keys is accepted in 2023-08-01", version=V1, metadata={f"k{i}": i for i in range(50)}),
    create("metadata with 51 keys is refused in 2023-08-01", ["metadata"], version=V1, metadata={f"k{i}": i for i in range(51)}),
]

FILES["unknown-fields"] = [
    create("an unknown field is refused, naming it", ["emial"], emial="typo@doe.com"),
    create("an unknown field is refused in 2023-08-01", ["diabetes_type"], version=V1, diabetes_type=2),
    create("a missing required field is refused", ["firstname"], firstname=DROP),
    create("several faults are all reported", ["email", "height", "phonenumber"], email="jane@", height="5ft 13in", phonenumber="12"),
    vector("an empty body is refused", "create-user", V2, {},
           ["email", "firstname", "lastname", "phonenumber", "dateOfBirth", "height", "diabetes",
            "glp1drugs", "paymentPlan", "planStartDate", "medicalClearance", "sex", "currentWeight"]),
]


def update(description, version, payload, faults=(), cannot=None):
    return vector(description, "update-user", version, payload, faults, cannot)


FILES["update"] = [
    update("2023-10-04 update of glp1drugs is accepted", V2, {"email": "jane@doe.com", "glp1drugs": True}),
    update("2023-10-04 update of every field it may change is accepted", V2,
           {"email": "jane@doe.com", "glp1drugs": False, "diabetes": 2, "doctorFullname": "Dr. Who",
            "medicalClearanceDescription": "cleared", "metadata": {"chart": "A-18"}}),
    update("2023-10-04 update naming only the user is accepted", V2, {"email": "jane@doe.com"}),
    update("2023-10-04 update of firstname is refused: it may not change", V2, {"email": "jane@doe.com", "firstname": "Janet"}, ["firstname"]),
    update("2023-10-04 update of sex is refused: it may not change", V2, {"email": "jane@doe.com", "sex": "male"}, ["sex"]),
    update("2023-10-04 update of currentWeight is refused: it may not change", V2, {"email": "jane@doe.com", "currentWeight": 120}, ["currentWeight"]),
    update("2023-10-04 update with diabetes 4 is refused", V2, {"email": "jane@doe.com", "diabetes": 4}, ["diabetes"]),
    update("2023-10-04 update without email is refused", V2, {"glp1drugs": True}, ["email"]),
    update("2023-10-04 update with a bad email is refused", V2, {"email": "jane.doe.com"}, ["email"]),
    update("2023-10-04 update with metadata over 50 keys is refused", V2, {"email": "jane@doe.com", "metadata": {f"k{i}": i for i in range(51)}}, ["metadata"]),
    update("2023-08-01 update of a name is accepted (seed 000)", V1, {"email": "jane@doe.com", "firstname": "Jane", "lastname": "Doe"}),
    update("2023-08-01 update of every field is accepted", V1,
           {"email": "jane@doe.com", "firstname": "J", "lastname": "D", "phonenumber": "1234567",
            "dateOfBirth": "1990-01-01", "gender": "male", "height": "6ft 1in", "weight": "180.5",
            "pregnant": False, "metadata": {}}),
    update("2023-08-01 update with gender male and pregnant is refused", V1, {"email": "jane@doe.com", "gender": "male", "pregnant": True}, ["pregnant"]),
    update("2023-08-01 update with sex is refused: not a 2023-08-01 field", V1, {"email": "jane@doe.com", "sex": "female"}, ["sex"]),
    update("2023-08-01 update with a bad height is refused", V1, {"email": "jane@doe.com", "height": "5ft 12in"}, ["height"]),
    update("2023-08-01 update with a bad date of birth is refused", V1, {"email": "jane@doe.com", "dateOfBirth": "2023-02-29"}, ["dateOfBirth"]),
    update("2023-08-01 update with a date of birth in the future is refused", V1, {"email": "jane@doe.com", "dateOfBirth": "2999-12-31"}, ["dateOfBirth"], FUTURE),
    update("2023-08-01 update without email is refused", V1, {"firstname": "Jane"}, ["email"]),
]

FILES["retrieve"] = [
    vector(f"retrieve {desc}", "retrieve-user", version, payload, faults)
    for version in (V1, V2)
    for desc, payload, faults in [
        ("by email is accepted", {"email": "jane@doe.com"}, []),
        ("without email is refused", {}, ["email"]),
        ("with a bad email is refused", {"email": "jane"}, ["email"]),
        ("with another field is refused", {"email": "jane@doe.com", "firstname": "Jane"}, ["firstname"]),
        ("with email null is refused", {"email": None}, ["email"]),
    ]
]


def patch(description, update_, faults=(), cannot=None, whole=None):
    payload = whole if whole is not None else {"update": update_}
    return vector(description, "patch-user", V2, payload, faults, cannot)


def patch_field(field, good, bad):
    cases = [patch(f"patch {field} {value!r} is accepted", {field: value}) for value in good]
    cases += [patch(f"patch {field} {value!r} is refused", {field: value}, [f"update.{field}"]) for value in bad]
    return cases


FILES["patch"] = (
    [
        patch("patch of a name is accepted", {"name": "Jane Doe"}),
        patch("patch of every field is accepted", {
            "name": "Jane Doe", "username": "Jane.Doe", "avatar": "https://cdn.example.com/a.png",
            "bio": "Runner", "birthdate": "1990-01-01", "location": {"longitude": -118.25, "latitude": 34.05},
            "metadata": {"chart": "A-17"}, "secureMetadata": {"mrn": "12345"}}),
        patch("patch without update is refused", None, ["update"], whole={}),
        patch("patch with update empty is refused", {}, ["update"]),
        patch("patch with update not an object is refused", "name", ["update"]),
        patch("patch with a field beside update is refused", None, ["name"], whole={"update": {"bio": "x"}, "name": "x"}),
        patch("patch with an unknown field in update is refused", {"nickname": "jd"}, ["update.nickname"]),
        patch("patch with the seed's swapped coordinates is refused", {"location": {"longitude": 34.05, "latitude": -118.25}}, ["update.location.latitude"]),
        patch("patch location at the bounds is accepted", {"location": {"longitude": 180, "latitude": -90}}),
        patch("patch location at the other bounds is accepted", {"location": {"longitude": -180, "latitude": 90}}),
        patch("patch longitude past 180 is refused", {"location": {"longitude": 180.0001, "latitude": 0}}, ["update.location.longitude"]),
        patch("patch latitude past -90 is refused", {"location": {"longitude": 0, "latitude": -90.5}}, ["update.location.latitude"]),
        patch("patch location without latitude is refused", {"location": {"longitude": 10}}, ["update.location.latitude"]),
        patch("patch location with coordinates as strings is refused", {"location": {"longitude": "10", "latitude": 20}}, ["update.location.longitude"]),
        patch("patch location as GeoJSON is refused", {"location": {"type": "Point", "coordinates": [10, 20]}}, ["update.location"]),
        patch("patch birthdate in the future is refused", {"birthdate": "2999-01-01"}, ["update.birthdate"], FUTURE),
        patch("patch metadata with 51 keys is refused", {"metadata": {f"k{i}": i for i in range(51)}}, ["update.metadata"]),
        patch("patch secureMetadata nested 6 levels is refused", {"secureMetadata": nested(6)}, ["update.secureMetadata"]),
    ]
    + patch_field("username", ["Jane.Doe", "jane_doe.99", " Jane Doe ", "a" * 30, "ABC", "a-b"],
                  ["!!!", "a" * 31, "", "   ", 12])
    + patch_field("avatar", ["https://cdn.example.com/a.png", "http://example.com/x?y=1",
                             "https://example.com/" + "a" * 2028],
                  ["ftp://example.com/a.png", "javascript:alert(1)", "example.com/a.png", "",
                   "https://example.com/" + "a" * 2029, "https://example.com/a b.png"])
    + patch_field("birthdate", ["1990-01-01", "1990-01-01T23:30:00-05:00", "1990-01-01T00:00:00.000Z", "1900-01-01"],
                  ["1990-02-30", "1899-12-31", "01/01/1990", "1990-01-01T25:00:00Z", ""])
    + patch_field("bio", ["b" * 1000, ""], ["b" * 1001])
    + patch_field("name", ["Jane"], ["", "n" * 101])
)


def render():
    return {
        name: json.dumps({"vectors": vectors}, indent=1, ensure_ascii=False) + "\n"
        for name, vectors in FILES.items()
    }


def main():
    files = render()
    if "--check" in sys.argv:
        stale = [n for n, text in files.items() if (HERE / f"{n}.json").read_text(encoding="utf-8") != text]
        extra = sorted(p.stem for p in HERE.glob("*.json") if p.stem not in files)
        if stale or extra:
            print(f"tests/vectors is out of date (stale: {stale}, unknown: {extra}): run python3 tests/vectors/make.py")
            sys.exit(1)
        print(f"{sum(len(v) for v in FILES.values())} vectors in {len(files)} files are current")
        return
    for name, text in files.items():
        (HERE / f"{name}.json").write_text(text, encoding="utf-8")
    print(f"wrote {sum(len(v) for v in FILES.values())} vectors in {len(files)} files")


if __name__ == "__main__":
    main()
