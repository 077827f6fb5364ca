"""Build pydantic v2 models with datamodel-code-generator from every shipped schema file and
each OpenAPI document, import them, and have each schema's root model accept the schema's
own examples and the seed payloads of its version: what a Python team gets from schemas/."""
import importlib.util
import json
import pathlib
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parents[2]
schemas = root / "schemas"
out = pathlib.Path(__file__).resolve().parent / "out" / "python"
out.mkdir(parents=True, exist_ok=True)
codegen = pathlib.Path(sys.executable).parent / "datamodel-codegen"


def generate(source, kind):
    name = str(source.relative_to(schemas)).replace("/", "_").replace("-", "_").replace(".", "_")
    target = out / f"{name}.py"
    subprocess.run(
        [codegen, "--input", source, "--input-file-type", kind, "--output", target,
         "--output-model-type", "pydantic_v2.BaseModel", "--disable-timestamp",
         "--formatters", "builtin"],
        check=True,
    )
    spec = importlib.util.spec_from_file_location(name, target)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


failures = 0
checked = 0
files = sorted(schemas.rglob("*.schema.json"))
for path in files:
    module = generate(path, "jsonschema")
    schema = json.loads(path.read_text())
    model = getattr(module, schema["title"])
    for example in schema.get("examples", []):
        try:
            model.model_validate(example)
            checked += 1
        except Exception as error:  # a generated model that refuses its schema's example
            failures += 1
            print(f"FAIL {path.relative_to(schemas)}: {schema['title']} refuses {example}: {error}")

seeds = root / "tests" / "fixtures" / "seeds"
documents = ["openapi.json", "2023-08-01/openapi.json", "2023-10-04/openapi.json"]
modules = {doc: generate(schemas / doc, "openapi") for doc in documents}
cases = [
    ("2023-08-01/openapi.json", "CreateUserRequest", "000-update-request-payload.json"),
    ("2023-08-01/openapi.json", "UpdateUserRequest", "000-update-request-payload.json"),
    ("2023-08-01/openapi.json", "UpdateUserResponse", "000-update-response.json"),
    ("2023-10-04/openapi.json", "CreateUserRequest", "001-create-request-payload.json"),
    ("2023-10-04/openapi.json", "CreateUserResponse", "001-create-response.json"),
    ("openapi.json", "CreateUserRequest20230801", "000-update-request-payload.json"),
    ("openapi.json", "UserProfile", "002-patch-response.json"),
]
for document, name, fixture in cases:
    try:
        getattr(modules[document], name).model_validate(json.loads((seeds / fixture).read_text()))
        checked += 1
    except Exception as error:
        failures += 1
        print(f"FAIL {document}: {name} refuses {fixture}: {error}")

print(f"datamodel-code-generator: models from {len(files)} schemas and {len(documents)} OpenAPI documents; "
      f"{checked} examples and seeds accepted, {failures} refused")
sys.exit(1 if failures else 0)
