"""The package's own tests, run by pytest against the installed wheel (.ci/packages copies them
into a fresh virtual environment's scratch folder). They read the project's shared test
vectors and seed fixtures: validate() must give the server's verdict on each, naming the same
fields."""
import json
import os
import pathlib
from datetime import datetime, timedelta, timezone

import pytest

import fitmate_schemas
from fitmate_schemas import (
    OPERATIONS,
    VERSIONS,
    openapi,
    schema,
    validate,
    validate_response,
)


def checkout() -> pathlib.Path:
    here = pathlib.Path(os.environ.get("FITMATE_CHECKOUT", os.getcwd())).resolve()
    for folder in (here, *here.parents):
        if (folder / "tests" / "vectors").is_dir():
            return folder
    raise RuntimeError("run from inside the fitmate checkout, or set FITMATE_CHECKOUT")


ROOT = checkout()
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
    "diabetes": 0,
    "glp1drugs": False,
    "paymentPlan": 1,
    "planStartDate": "2026-12-01",
    "medicalClearance": "full",
}


def seed(name):
    return json.loads((ROOT / "tests" / "fixtures" / "seeds" / name).read_text(encoding="utf-8"))


def fields(result):
    return sorted(e["field"] for e in result["errors"])


def test_the_installed_package_is_tested():
    # Not the source tree: .ci/packages installs the wheel and runs these from elsewhere.
    if os.environ.get("FITMATE_INSTALLED"):
        assert "site-packages" in fitmate_schemas.__file__, fitmate_schemas.__file__


def test_every_shared_test_vector_gets_the_server_verdict_naming_the_same_fields():
    vectors = [
        (path.name, vector)
        for path in sorted((ROOT / "tests" / "vectors").glob("*.json"))
        for vector in json.loads(path.read_text(encoding="utf-8"))["vectors"]
    ]
    assert len(vectors) >= 300
    disagreements = []
    for file, v in vectors:
        result = validate(v["version"], v["operation"], v["payload"])
        assert result["valid"] == (not result["errors"])
        if result["valid"] != v["valid"] or fields(result) != sorted(v["faults"]):
            disagreements.append(f"{file}: {v['description']}: faults {fields(result)}, server {sorted(v['faults'])}")
    assert disagreements == [], f"{len(disagreements)} of {len(vectors)} vectors disagree"


# The table of tests/it/seeds.rs (the_endpoint_check_accepts_the_seeds_...).
SEED_REQUESTS = [
    (V1, "update-user", "000-update-request-payload.json", []),
    (V1, "update-user", "000-update-request-axios.json", []),
    (V2, "create-user", "001-create-request-payload.json", []),
    (V2, "create-user", "001-create-request-axios.json", []),
    (V2, "patch-user", "002-patch-request.json", ["update.location.latitude"]),
    (V1, "create-user", "001-create-request-payload.json", [
        "allergies", "currentWeight", "desiredWeight", "diabetes", "doctorFullname", "glp1drugs",
        "medicalClearance", "medicalClearanceDescription", "nutritionPreferences", "paymentPlan",
        "planStartDate", "religiousDietaryRestrictions", "weight",
    ]),
]


@pytest.mark.parametrize("version,operation,fixture,faults", SEED_REQUESTS)
def test_the_seed_requests_get_the_server_verdict(version, operation, fixture, faults):
    assert fields(validate(version, operation, seed(fixture))) == sorted(faults)


def test_every_seed_fixture_gets_its_verdict_from_verdicts_json():
    bodies = {}
    for version in VERSIONS:
        for operation in OPERATIONS:
            for kind in ("request", "response", "error"):
                bodies[schema(version, operation, kind)["$id"].split("/schemas/")[1]] = (version, operation, kind)
    cases = json.loads((ROOT / "tests" / "fixtures" / "seeds" / "verdicts.json").read_text())
    assert len(cases) == 11
    for case in cases:
        version, operation, kind = bodies[case["schema"]]
        body = seed(case["fixture"])
        if kind == "request":
            result = validate(version, operation, body)
        else:
            result = validate_response(version, operation, body, 404 if kind == "error" else 200)
        assert result["valid"] == case["valid"], (case, result["errors"])


def day(offset_days):
    now = datetime.now(timezone.utc) + timedelta(hours=14, days=offset_days)
    return now.date().isoformat()


def test_a_date_of_birth_is_judged_against_today_at_utc_plus_14():
    assert validate(V2, "create-user", {**CREATE_V2, "dateOfBirth": day(-1)})["errors"] == []
    tomorrow = validate(V2, "create-user", {**CREATE_V2, "dateOfBirth": day(1)})
    assert fields(tomorrow) == ["dateOfBirth"]
    assert "future" in tomorrow["errors"][0]["message"]
    patch = validate(V2, "patch-user", {"update": {"birthdate": f"{day(2)}T00:00:00Z"}})
    assert fields(patch) == ["update.birthdate"]
    # A birth date before 1900 is the schema's to refuse, in every version.
    assert fields(validate(V1, "update-user", {"email": "jane@doe.com", "dateOfBirth": "1850-06-01"})) == ["dateOfBirth"]


def sized(size, char="x"):
    # {"k":"..."} is 8 bytes around the string.
    return {"k": char * ((size - 8) // len(char.encode()))}


def test_metadata_is_at_most_8_kib_of_compact_json_counted_in_utf8_bytes():
    assert validate(V2, "create-user", {**CREATE_V2, "metadata": sized(8192)})["valid"]
    assert fields(validate(V2, "create-user", {**CREATE_V2, "metadata": sized(8193)})) == ["metadata"]
    assert validate(V1, "update-user", {"email": "jane@doe.com", "metadata": sized(8192, "é")})["valid"]
    assert fields(validate(V1, "update-user", {"email": "jane@doe.com", "metadata": sized(8194, "é")})) == ["metadata"]
    assert fields(validate(V2, "patch-user", {"update": {"secureMetadata": sized(9000)}})) == ["update.secureMetadata"]


def test_the_deprecated_names_must_agree_with_the_current_ones():
    assert validate(V2, "create-user", {**CREATE_V2, "weight": "130.0"})["valid"]
    assert validate(V2, "create-user", {**CREATE_V2, "weight": 131})["errors"] == [
        {"field": "weight", "message": "weight 131 (deprecated) disagrees with currentWeight 130; send currentWeight alone"},
    ]
    assert validate(V2, "create-user", {**CREATE_V2, "gender": "male"})["errors"] == [
        {"field": "gender", "message": "gender (deprecated) disagrees with sex; send sex alone"},
    ]
    # A field with a fault of its own is not also said to disagree; sex given, the server
    # judges pregnancy by it, not by the deprecated gender.
    assert fields(validate(V2, "create-user", {**CREATE_V2, "sex": "Female", "gender": "female"})) == ["sex"]
    assert fields(validate(V2, "create-user", {**CREATE_V2, "gender": "male", "pregnant": True})) == ["gender"]
    neither = {k: v for k, v in CREATE_V2.items() if k not in ("sex", "currentWeight")}
    assert sorted(validate(V2, "create-user", neither)["errors"], key=lambda e: e["field"]) == [
        {"field": "currentWeight", "message": "currentWeight is required (or the deprecated weight)"},
        {"field": "sex", "message": "sex is required (or the deprecated gender)"},
    ]
    assert validate(V2, "create-user", {**neither, "gender": "female", "weight": 130})["valid"]


def test_every_fault_has_a_field_and_a_sentence_about_it():
    body = {**CREATE_V2, "email": "jane@", "height": "5ft 13in", "emial": "x", "pregnant": True, "sex": "male"}
    result = validate(V2, "create-user", body)
    assert fields(result) == ["email", "emial", "height", "pregnant"]
    for error in result["errors"]:
        assert sorted(error) == ["field", "message"]
        assert error["message"].startswith(error["field"]), error
    assert "5ft 0in" in next(e for e in result["errors"] if e["field"] == "height")["message"]
    assert [e["field"] for e in validate(V2, "create-user", [])["errors"]] == [""]
    # The project API's `update` missing, not an object or empty is the only fault.
    assert fields(validate(V2, "patch-user", {"name": "x"})) == ["update"]
    assert fields(validate(V2, "patch-user", {"update": {}, "name": "x"})) == ["update"]
    assert fields(validate(V2, "patch-user", {"update": {"bio": "x"}, "name": "x"})) == ["name"]


def test_unknown_versions_and_operations_are_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="2023-08-01, 2023-10-04"):
        validate("2024-01-01", "create-user", {})
    with pytest.raises(ValueError, match="create-user"):
        validate(V2, "delete-user", {})


def test_answers_are_checked_against_their_schemas():
    assert validate_response(V2, "create-user", seed("001-create-response.json"))["valid"]
    answer = seed("000-update-response.json")
    assert validate_response(V1, "update-user", answer)["valid"]
    answer["data"]["weight"] = "130"  # answers render weights as numbers only
    assert fields(validate_response(V1, "update-user", answer)) == ["data.weight"]
    assert validate_response(V2, "patch-user", seed("002-error-not-found.json"), 404)["valid"]
    assert not validate_response(V2, "patch-user", seed("002-error-not-found.json"), 200)["valid"]


def test_the_documents_ship_with_the_package():
    assert VERSIONS == ("2023-08-01", "2023-10-04")
    assert "gender" in openapi(V1)["components"]["schemas"]["CreateUserRequest"]["required"]
    assert "gender" not in openapi(V2)["components"]["schemas"]["CreateUserRequest"]["required"]
    assert openapi()["openapi"].startswith("3.")
    for version in VERSIONS:
        assert "/users/create" in openapi(version)["paths"]
        assert schema(version, "create-user")["title"] == "CreateUserRequest"
    schema(V2, "create-user")["required"].clear()  # a copy
    assert not validate(V2, "create-user", {})["valid"]
