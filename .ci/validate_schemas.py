"""Check the shipped JSON Schemas with Python's jsonschema (an outside implementation)."""
import json
import pathlib
import sys

from jsonschema import Draft202012Validator, FormatChecker

root = pathlib.Path(__file__).resolve().parent.parent
schemas = root / "schemas"
fixtures = root / "tests" / "fixtures" / "seeds"

failures = 0
count = 0
for path in sorted(schemas.rglob("*.schema.json")):
    Draft202012Validator.check_schema(json.loads(path.read_text()))
    count += 1

# (schema, fixture, expected verdict): the same verdicts the Rust side gives.
cases = [
    ("2023-08-01/update-user.request.schema.json", "000-update-request-payload.json", True),
    ("2023-08-01/update-user.request.schema.json", "000-update-request-axios.json", True),
    ("2023-08-01/update-user.response.schema.json", "000-update-response.json", True),
    ("2023-10-04/create-user.request.schema.json", "001-create-request-payload.json", True),
    ("2023-10-04/create-user.request.schema.json", "001-create-request-axios.json", True),
    ("2023-10-04/create-user.response.schema.json", "001-create-response.json", True),
    ("projects/update-user.request.schema.json", "002-patch-request.json", False),
    ("projects/update-user.response.schema.json", "002-patch-response.json", True),
    ("projects/error.schema.json", "002-error-not-found.json", True),
]
for schema_name, fixture_name, expected in cases:
    schema = json.loads((schemas / schema_name).read_text())
    instance = json.loads((fixtures / fixture_name).read_text())
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    valid = validator.is_valid(instance)
    if valid != expected:
        failures += 1
        errors = [e.message for e in validator.iter_errors(instance)]
        print(f"FAIL {schema_name} on {fixture_name}: valid={valid}, expected {expected}: {errors}")

print(f"{count} schemas are valid 2020-12; {len(cases) - failures}/{len(cases)} fixture verdicts agree")
sys.exit(1 if failures else 0)
