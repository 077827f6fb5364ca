// Reads NDJSON request bodies on standard input and prints, per line, the sorted fields the
// installed package's validate() faults: the JavaScript side of packages/agree.py.
// Usage: node fields.mjs VERSION OPERATION < bodies.ndjson
import { readFileSync } from "node:fs";
import { validate } from "@fitmate/schemas";

const [version, operation] = process.argv.slice(2);
for (const line of readFileSync(0, "utf8").split("\n")) {
  if (line === "") continue;
  const result = validate(version, operation, JSON.parse(line));
  console.log(JSON.stringify(result.errors.map((e) => e.field).sort()));
}
