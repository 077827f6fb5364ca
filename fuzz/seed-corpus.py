#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets from tests/vectors/ and the seed fixtures.

Each target gets, in fuzz/corpus/<target>/, one file per distinct input, named by its
SHA-1 as libFuzzer names its own finds, so running this again adds nothing twice:

- request_body: every vector payload and seed request, prefixed with the byte that picks
  its endpoint and version (see fuzz_targets/request_body.rs);
- height, phone, username: every string value of that field in the vectors;
- dates: every date-like value in the vectors, once for each of the three parsers.
"""

import hashlib
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "vectors"
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
CORPUS = ROOT / "fuzz" / "corpus"

# The first byte of a request_body input, as fuzz_targets/request_body.rs reads it: the
# low three bits pick the endpoint, the rest the version (0: 2023-10-04, 1: 2023-08-01).
PICK = {
    ("2023-10-04", "create-user"): 0,
    ("2023-08-01", "create-user"): 8,
    ("2023-10-04", "update-user"): 1,
    ("2023-08-01", "update-user"): 9,
    ("2023-10-04", "retrieve-user"): 6,
    ("2023-08-01", "retrieve-user"): 14,
    ("2023-10-04", "patch-user"): 5,
}

FIELDS = {
    "height": {"height"},
    "phone": {"phonenumber"},
    "username": {"username"},
    "dates": {"dateOfBirth", "birthdate", "planStartDate"},
}


def strings(value, names):
    """Every string under a key in `names`, at any depth."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in names and isinstance(inner, str):
                yield inner
            else:
                yield from strings(inner, names)
    elif isinstance(value, list):
        for inner in value:
            yield from strings(inner, names)


def write(target, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main():
    bodies = []
    for path in sorted(VECTORS.glob("*.json")):
        for vector in json.loads(path.read_text())["vectors"]:
            pick = PICK[(vector["version"], vector["operation"])]
            bodies.append((pick, vector["payload"]))
    seeds = {
        "001-create-request-payload.json": 0,
        "000-update-request-payload.json": 9,
        "002-patch-request.json": 5,
    }
    for name, pick in seeds.items():
        bodies.append((pick, json.loads((SEEDS / name).read_text())))

    for pick, payload in bodies:
        write("request_body", bytes([pick]) + json.dumps(payload).encode())
        for target, names in FIELDS.items():
            for s in strings(payload, names):
                if target == "dates":
                    for parser in range(3):
                        write(target, bytes([parser]) + s.encode())
                else:
                    write(target, s.encode())

    for target in ["request_body", *FIELDS]:
        print(f"{target}: {len(list((CORPUS / target).iterdir()))} inputs")


if __name__ == "__main__":
    main()
