// The package's own tests, run by node's test runner against the installed package (.ci/packages
// copies them into a fresh project that installed the packed file). They read the project's
// shared test vectors and seed fixtures: validate() must give the server's verdict on each,
// naming the same fields.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { openapi, operations, schema, validate, validateResponse, versions } from "@fitmate/schemas";

function checkout() {
  let dir = resolve(process.env.FITMATE_CHECKOUT ?? process.cwd());
  while (!existsSync(join(dir, "tests", "vectors"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("run from inside the fitmate checkout, or set FITMATE_CHECKOUT");
    dir = up;
  }
  return dir;
}

const root = checkout();
const read = (path) => JSON.parse(readFileSync(join(root, path), "utf8"));
const seed = (name) => read(`tests/fixtures/seeds/${name}`);
const fields = (result) => result.errors.map((e) => e.field).sort();

const V1 = "2023-08-01";
const V2 = "2023-10-04";

const CREATE_V2 = {
  email: "jane@doe.com",
  firstname: "Jane",
  lastname: "Doe",
  phonenumber: "+1 555 010 2030",
  dateOfBirth: "1990-12-23",
  sex: "female",
  height: "5ft 6in",
  currentWeight: 130,
  diabetes: 0,
  glp1drugs: false,
  paymentPlan: 1,
  planStartDate: "2026-12-01",
  medicalClearance: "full",
};

test("every shared test vector gets the server's verdict, naming the same fields", () => {
  const vectors = readdirSync(join(root, "tests", "vectors"))
    .filter((name) => name.endsWith(".json"))
    .flatMap((name) => read(`tests/vectors/${name}`).vectors.map((v) => [name, v]));
  assert.ok(vectors.length >= 300, `only ${vectors.length} vectors`);
  const disagreements = [];
  for (const [file, v] of vectors) {
    const result = validate(v.version, v.operation, v.payload);
    const expected = [...v.faults].sort();
    if (result.valid !== v.valid || JSON.stringify(fields(result)) !== JSON.stringify(expected)) {
      disagreements.push(`${file}: ${v.description}: faults ${JSON.stringify(fields(result))}, server ${JSON.stringify(expected)}`);
    }
    assert.equal(result.valid, result.errors.length === 0);
  }
  assert.deepEqual(disagreements, [], `${disagreements.length} of ${vectors.length} vectors disagree`);
});

test("the seed requests get the server's verdict", () => {
  // The table of tests/it/seeds.rs (the_endpoint_check_accepts_the_seeds_...).
  const cases = [
    [V1, "update-user", "000-update-request-payload.json", []],
    [V1, "update-user", "000-update-request-axios.json", []],
    [V2, "create-user", "001-create-request-payload.json", []],
    [V2, "create-user", "001-create-request-axios.json", []],
    [V2, "patch-user", "002-patch-request.json", ["update.location.latitude"]],
    [V1, "create-user", "001-create-request-payload.json", [
      "allergies", "currentWeight", "desiredWeight", "diabetes", "doctorFullname", "glp1drugs",
      "medicalClearance", "medicalClearanceDescription", "nutritionPreferences", "paymentPlan",
      "planStartDate", "religiousDietaryRestrictions", "weight",
    ]],
  ];
  for (const [version, operation, fixture, faults] of cases) {
    const result = validate(version, operation, seed(fixture));
    assert.deepEqual(fields(result), [...faults].sort(), `${version} ${operation} ${fixture}`);
  }
});

test("every seed fixture gets its verdict from tests/fixtures/seeds/verdicts.json", () => {
  // Map each schema file to the body it describes, through the package's own table.
  const bodies = new Map();
  for (const version of versions) {
    for (const operation of operations) {
      for (const kind of ["request", "response", "error"]) {
        bodies.set(schema(version, operation, kind).$id.split("/schemas/")[1], [version, operation, kind]);
      }
    }
  }
  const cases = read("tests/fixtures/seeds/verdicts.json");
  assert.equal(cases.length, 11);
  for (const c of cases) {
    const [version, operation, kind] = bodies.get(c.schema);
    const body = seed(c.fixture);
    const result =
      kind === "request"
        ? validate(version, operation, body)
        : validateResponse(version, operation, body, kind === "error" ? 404 : 200);
    assert.equal(result.valid, c.valid, `${c.schema} on ${c.fixture}: ${JSON.stringify(result.errors)}`);
  }
});

test("a date of birth is judged against today at UTC+14", () => {
  const day = (offsetDays) =>
    new Date(Date.now() + 14 * 3600e3 + offsetDays * 86400e3).toISOString().slice(0, 10);
  assert.deepEqual(validate(V2, "create-user", { ...CREATE_V2, dateOfBirth: day(-1) }).errors, []);
  const tomorrow = validate(V2, "create-user", { ...CREATE_V2, dateOfBirth: day(1) });
  assert.deepEqual(fields(tomorrow), ["dateOfBirth"]);
  assert.match(tomorrow.errors[0].message, /future/);
  const patch = validate(V2, "patch-user", { update: { birthdate: `${day(2)}T00:00:00Z` } });
  assert.deepEqual(fields(patch), ["update.birthdate"]);
  // A birth date before 1900 is the schema's to refuse, in every version.
  assert.deepEqual(fields(validate(V1, "update-user", { email: "jane@doe.com", dateOfBirth: "1850-06-01" })), ["dateOfBirth"]);
});

test("metadata is at most 8 KiB of compact JSON, counted in UTF-8 bytes", () => {
  // {"k":"..."} is 8 bytes around the string.
  const sized = (bytes, char = "x") => ({ k: char.repeat((bytes - 8) / Buffer.byteLength(char)) });
  assert.equal(validate(V2, "create-user", { ...CREATE_V2, metadata: sized(8192) }).valid, true);
  assert.deepEqual(fields(validate(V2, "create-user", { ...CREATE_V2, metadata: sized(8193) })), ["metadata"]);
  // Two-byte characters: 4092 of them make 8192 bytes, one more is over.
  assert.equal(validate(V1, "update-user", { email: "jane@doe.com", metadata: sized(8192, "é") }).valid, true);
  assert.deepEqual(fields(validate(V1, "update-user", { email: "jane@doe.com", metadata: sized(8194, "é") })), ["metadata"]);
  assert.deepEqual(fields(validate(V2, "patch-user", { update: { secureMetadata: sized(9000) } })), ["update.secureMetadata"]);
});

test("the deprecated names must agree with the current ones", () => {
  assert.equal(validate(V2, "create-user", { ...CREATE_V2, weight: "130.0" }).valid, true);
  const weights = validate(V2, "create-user", { ...CREATE_V2, weight: 131 });
  assert.deepEqual(weights.errors, [
    { field: "weight", message: "weight 131 (deprecated) disagrees with currentWeight 130; send currentWeight alone" },
  ]);
  const sexes = validate(V2, "create-user", { ...CREATE_V2, gender: "male" });
  assert.deepEqual(sexes.errors, [
    { field: "gender", message: "gender (deprecated) disagrees with sex; send sex alone" },
  ]);
  // A field with a fault of its own is not also said to disagree; sex given, the server
  // judges pregnancy by it, not by the deprecated gender.
  assert.deepEqual(fields(validate(V2, "create-user", { ...CREATE_V2, sex: "Female", gender: "female" })), ["sex"]);
  assert.deepEqual(fields(validate(V2, "create-user", { ...CREATE_V2, gender: "male", pregnant: true })), ["gender"]);
  const { sex, currentWeight, ...neither } = CREATE_V2;
  const missing = validate(V2, "create-user", neither);
  assert.deepEqual(missing.errors, [
    { field: "sex", message: "sex is required (or the deprecated gender)" },
    { field: "currentWeight", message: "currentWeight is required (or the deprecated weight)" },
  ]);
  assert.equal(validate(V2, "create-user", { ...neither, gender: sex, weight: currentWeight }).valid, true);
});

test("every fault has a field and a sentence about it", () => {
  const result = validate(V2, "create-user", { ...CREATE_V2, email: "jane@", height: "5ft 13in", emial: "x", pregnant: true, sex: "male" });
  assert.deepEqual(fields(result), ["email", "emial", "height", "pregnant"]);
  for (const error of result.errors) {
    assert.deepEqual(Object.keys(error).sort(), ["field", "message"]);
    assert.ok(error.message.startsWith(error.field), error.message);
  }
  assert.match(result.errors.find((e) => e.field === "height").message, /5ft 0in/);
  assert.deepEqual(validate(V2, "create-user", []).errors.map((e) => e.field), [""]);
  // The project API's `update` missing, not an object or empty is the only fault.
  assert.deepEqual(fields(validate(V2, "patch-user", { name: "x" })), ["update"]);
  assert.deepEqual(fields(validate(V2, "patch-user", { update: {}, name: "x" })), ["update"]);
  assert.deepEqual(fields(validate(V2, "patch-user", { update: { bio: "x" }, name: "x" })), ["name"]);
});

test("unknown versions and operations are refused, naming the known ones", () => {
  assert.throws(() => validate("2024-01-01", "create-user", {}), /2023-08-01, 2023-10-04/);
  assert.throws(() => validate(V2, "delete-user", {}), /create-user/);
});

test("answers are checked against their schemas", () => {
  assert.equal(validateResponse(V2, "create-user", seed("001-create-response.json")).valid, true);
  const answer = seed("000-update-response.json");
  assert.equal(validateResponse(V1, "update-user", answer).valid, true);
  // Answers render weights as numbers only.
  answer.data.weight = "130";
  assert.deepEqual(fields(validateResponse(V1, "update-user", answer)), ["data.weight"]);
  assert.equal(validateResponse(V2, "patch-user", seed("002-error-not-found.json"), 404).valid, true);
  assert.equal(validateResponse(V2, "patch-user", seed("002-error-not-found.json"), 200).valid, false);
});

test("the documents ship with the package", () => {
  assert.deepEqual(versions, ["2023-08-01", "2023-10-04"]);
  assert.ok(openapi(V1).components.schemas.CreateUserRequest.required.includes("gender"));
  assert.ok(!openapi(V2).components.schemas.CreateUserRequest.required.includes("gender"));
  assert.match(openapi().openapi, /^3\./);
  for (const version of versions) {
    assert.ok(openapi(version).paths["/users/create"], version);
    assert.equal(schema(version, "create-user").title, "CreateUserRequest");
  }
  // A copy: changing it does not change what validate() reads.
  schema(V2, "create-user").required.length = 0;
  assert.equal(validate(V2, "create-user", {}).valid, false);
});
