// Reads every shipped JSON Schema with ajv in strict mode (a schema ajv finds ambiguous or
// unknown keywords in fails to compile), then checks that ajv gives every seed fixture and
// every test vector of tests/vectors the verdict it names. Formats via ajv-formats.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const root = join(fileURLToPath(import.meta.url), "..", "..", "..");
const schemas = join(root, "schemas");
const read = (path) => JSON.parse(readFileSync(path, "utf8"));

function schemaFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return schemaFiles(path);
    return name.endsWith(".schema.json") ? [path] : [];
  });
}

// strict: unknown keywords, ignored keywords and ambiguous types are errors. Union types
// (["null", "boolean", "number"] for metadata values) are allowed explicitly: they are
// plain 2020-12 and mean what they say.
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
addFormats(ajv);

const validators = new Map();
let failures = 0;
for (const path of schemaFiles(schemas).sort()) {
  const name = relative(schemas, path);
  try {
    validators.set(name, ajv.compile(read(path)));
  } catch (error) {
    failures += 1;
    console.log(`FAIL ${name} does not compile in strict mode: ${error.message}`);
  }
}

function check(label, schema, instance, expected) {
  const validate = validators.get(schema);
  if (!validate) return; // reported above
  const valid = validate(instance);
  if (valid !== expected) {
    failures += 1;
    const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath} ${e.message}`);
    console.log(`FAIL ${label}: valid=${valid}, expected ${expected}: ${errors.join("; ")}`);
  }
}

const fixtures = join(root, "tests", "fixtures", "seeds");
const cases = read(join(fixtures, "verdicts.json"));
for (const c of cases) {
  check(`${c.schema} on ${c.fixture}`, c.schema, read(join(fixtures, c.fixture)), c.valid);
}

const vectorsDir = join(root, "tests", "vectors");
let vectors = 0;
for (const file of readdirSync(vectorsDir).filter((n) => n.endsWith(".json")).sort()) {
  for (const v of read(join(vectorsDir, file)).vectors) {
    vectors += 1;
    // Where JSON Schema cannot state the rule, the schema accepts what the server refuses.
    const expected = v.valid || "schemaCannotTell" in v;
    check(`${file}: ${v.description}`, v.schema, v.payload, expected);
  }
}

const total = cases.length + vectors;
console.log(
  `ajv ${ajv.constructor.name}: ${validators.size} schemas compile in strict mode; ` +
    `${total - failures}/${total} verdicts agree (${cases.length} seed fixtures, ${vectors} vectors)`,
);
process.exit(failures ? 1 : 0);
