"""Both packages' validate() against the server's own rules (`fitmate validate`) on bodies
made by mutating the shared test vectors: fields dropped, swapped for values other vectors
use, unknown fields added. Every body must get the same faulted fields from all three.

Run by .ci/packages in the virtual environment where the wheel is installed:
    python packages/agree.py FITMATE_BINARY NPM_PROJECT [BODIES_PER_OPERATION]
"""
import json
import pathlib
import random
import subprocess
import sys
import tempfile

from fitmate_schemas import validate

ROOT = pathlib.Path(__file__).resolve().parent.parent
ENDPOINTS = {"create-user": "create", "update-user": "update", "retrieve-user": "retrieve", "patch-user": "patch"}


def vectors():
    for path in sorted((ROOT / "tests" / "vectors").glob("*.json")):
        yield from json.loads(path.read_text(encoding="utf-8"))["vectors"]


def mutate(rng, payload, pool):
    body = json.loads(json.dumps(payload))
    target = body["update"] if isinstance(body.get("update"), dict) and rng.random() < 0.8 else body
    for _ in range(rng.randint(1, 3)):
        move = rng.random()
        names = list(target)
        if move < 0.25 and names:
            target.pop(rng.choice(names))
        elif move < 0.9:
            name = rng.choice(names + sorted(pool)) if names or pool else "email"
            values = pool.get(name) or [None]
            target[name] = rng.choice(values)
        else:
            target[rng.choice(["nickname", "Email", "sexe"])] = "x"
    return body


def main():
    binary, npm_project = sys.argv[1], pathlib.Path(sys.argv[2])
    per_operation = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    rng = random.Random(20261130)
    groups = {}
    for v in vectors():
        groups.setdefault((v["version"], v["operation"]), []).append(v["payload"])
    disagreements, checked = [], 0
    for (version, operation), payloads in sorted(groups.items()):
        pool = {}
        for payload in payloads:
            fields = payload.get("update") if isinstance(payload.get("update"), dict) else payload
            for name, value in (fields or {}).items():
                if value not in pool.setdefault(name, []):
                    pool[name].append(value)
        bodies = payloads + [mutate(rng, rng.choice(payloads), pool) for _ in range(per_operation)]
        lines = "".join(json.dumps(b, ensure_ascii=False) + "\n" for b in bodies)
        with tempfile.NamedTemporaryFile("w", suffix=".ndjson", encoding="utf-8", delete=False) as f:
            f.write(lines)
        server = subprocess.run(
            [binary, "validate", "--version", version, "--endpoint", ENDPOINTS[operation], "--format", "json", f.name],
            capture_output=True, text=True,
        )
        pathlib.Path(f.name).unlink()
        if server.returncode not in (0, 1):
            sys.exit(f"fitmate validate failed: {server.stderr}")
        server_fields = [sorted({e["field"] for e in r["errors"]}) for r in json.loads(server.stdout)["results"]]
        node = subprocess.run(
            ["node", "test/fields.mjs", version, operation], input=lines, capture_output=True, text=True,
            cwd=npm_project, check=True,
        )
        js_fields = [json.loads(line) for line in node.stdout.splitlines()]
        assert len(server_fields) == len(js_fields) == len(bodies), (len(server_fields), len(js_fields), len(bodies))
        for body, expected, js in zip(bodies, server_fields, js_fields):
            py = sorted({e["field"] for e in validate(version, operation, body)["errors"]})
            checked += 1
            if not (py == js == expected):
                disagreements.append(f"{version} {operation}: server {expected}, npm {js}, Python {py}: {json.dumps(body)[:300]}")
    for line in disagreements:
        print("DISAGREE", line)
    print(f"{checked - len(disagreements)}/{checked} bodies get the same faulted fields from the server, npm and Python")
    sys.exit(1 if disagreements else 0)


if __name__ == "__main__":
    main()
