"""Check the shipped JSON Schemas with Python's jsonschema (an outside implementation):
every schema against the 2020-12 meta-schema, then, with format checking on, the seed
fixtures and every test vector of tests/vectors get the verdict they name."""
import json
import pathlib
import sys

from jsonschema import Draft202012Validator, FormatChecker

root = pathlib.Path(__file__).resolve().parent.parent
schemas = root / "schemas"
fixtures = root / "tests" / "fixtures" / "seeds"
vectors_dir = root / "tests" / "vectors"

validators = {}


def validator(name):
    if name not in validators:
        schema = json.loads((schemas / name).read_text())
        validators[name] = Draft202012Validator(schema, format_checker=FormatChecker())
    return validators[name]


count = 0
for path in sorted(schemas.rglob("*.schema.json")):
    Draft202012Validator.check_schema(json.loads(path.read_text()))
    count += 1

failures = 0

# (schema, fixture, expected verdict): the table the Rust test reads too.
cases = json.loads((fixtures / "verdicts.json").read_text())
for case in cases:
    instance = json.loads((fixtures / case["fixture"]).read_text())
    valid = validator(case["schema"]).is_valid(instance)
    if valid != case["valid"]:
        failures += 1
        errors = [e.message for e in validator(case["schema"]).iter_errors(instance)]
        print(f"FAIL {case['schema']} on {case['fixture']}: valid={valid}, expected {case['valid']}: {errors}")

vectors = []
for path in sorted(vectors_dir.glob("*.json")):
    vectors += [(path.name, v) for v in json.loads(path.read_text(encoding="utf-8"))["vectors"]]
for file, vector in vectors:
    # Where JSON Schema cannot state the rule, the schema accepts what the server refuses.
    expected = vector["valid"] or "schemaCannotTell" in vector
    valid = validator(vector["schema"]).is_valid(vector["payload"])
    if valid != expected:
        failures += 1
        errors = [e.message[:200] for e in validator(vector["schema"]).iter_errors(vector["payload"])]
        print(f"FAIL {file}: {vector['description']}: valid={valid}, expected {expected}: {errors}")

print(
    f"{count} schemas are valid 2020-12; {len(cases) + len(vectors) - failures}/{len(cases) + len(vectors)} "
    f"verdicts agree ({len(cases)} seed fixtures, {len(vectors)} vectors)"
)
sys.exit(1 if failures else 0)
