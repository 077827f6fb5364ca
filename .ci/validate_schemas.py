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

# (schema, fixture, expected verdict): the table the Rust test reads too.
cases = [(c["schema"], c["fixture"], c["valid"]) for c in json.loads((fixtures / "verdicts.json").read_text())]
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
