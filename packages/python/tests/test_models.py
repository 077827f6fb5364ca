"""The generated pydantic v2 models: one module per API version, a model per body. They check
types and formats; the rules across fields are validate()'s, as the README says."""
import json
import pathlib

import pydantic
import pytest

from fitmate_schemas import validate, v2023_08_01, v2023_10_04

from test_validate import CREATE_V2, ROOT


def seed(name):
    return json.loads((ROOT / "tests" / "fixtures" / "seeds" / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("module,model,fixture", [
    (v2023_08_01, "CreateUserRequest", "000-update-request-axios.json"),
    (v2023_08_01, "UpdateUserRequest", "000-update-request-payload.json"),
    (v2023_08_01, "UpdateUserResponse", "000-update-response.json"),
    (v2023_10_04, "CreateUserRequest", "001-create-request-payload.json"),
    (v2023_10_04, "CreateUserRequest", "001-create-request-axios.json"),
    (v2023_10_04, "CreateUserResponse", "001-create-response.json"),
    (v2023_10_04, "UserProfile", "002-patch-response.json"),
    (v2023_10_04, "ProjectErrorBody", "002-error-not-found.json"),
])
def test_each_version_has_a_model_per_body_that_reads_the_seeds(module, model, fixture):
    getattr(module, model).model_validate(seed(fixture))


def test_the_models_check_types_and_formats():
    with pytest.raises(pydantic.ValidationError):
        v2023_10_04.CreateUserRequest.model_validate({**CREATE_V2, "diabetes": 4})
    with pytest.raises(pydantic.ValidationError):
        v2023_10_04.CreateUserRequest.model_validate({**CREATE_V2, "height": "5ft 13in"})
    with pytest.raises(pydantic.ValidationError):
        v2023_10_04.CreateUserRequest.model_validate({**CREATE_V2, "planStartDate": "2023-02-29"})
    with pytest.raises(pydantic.ValidationError):
        v2023_08_01.CreateUserRequest.model_validate(seed("001-create-request-payload.json"))


def test_the_models_read_answers_with_weights_as_numbers():
    answer = v2023_08_01.UpdateUserResponse.model_validate(seed("000-update-response.json"))
    assert answer.data.weight == 130


def test_validate_not_the_models_is_the_authority_on_rules_across_fields():
    # What the README warns of: a body only validate() refuses.
    future = {**CREATE_V2, "dateOfBirth": "2999-01-01"}
    v2023_10_04.CreateUserRequest.model_validate(future)
    assert [e["field"] for e in validate("2023-10-04", "create-user", future)["errors"]] == ["dateOfBirth"]
