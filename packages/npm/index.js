// @fitmate/schemas: the Fitmate partner API's schemas, and validate(), which gives a request
// body the verdict the server gives it, naming each field at fault as the server does.
//
// The JSON Schemas state nearly every rule, rules across fields included (sex and gender
// agree, no pregnant male, one of sex or gender given); ajv checks them. rules.js adds the
// few JSON Schema cannot state. The server (fitmate-rules) stays the authority: the
// project's shared test vectors hold both to the same verdicts.
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { rulesBeyondSchemas } from "./rules.js";

const read = (name) => JSON.parse(readFileSync(new URL(name, import.meta.url), "utf8"));
const table = read("./operations.json");

/** The API versions, oldest first. */
export const versions = Object.freeze([...table.versions]);
/** The operations, named as in the project's test vectors. */
export const operations = Object.freeze(Object.keys(table.operations[versions[0]]));

// Strict: a schema ajv finds ambiguous fails to compile rather than being half-read.
// allowUnionTypes: metadata values are ["null", "boolean", "number"], plain 2020-12.
// allErrors: the server reports every fault of a body, not the first.
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
addFormats(ajv);

const documents = new Map();
const validators = new Map();

function bodyFile(version, operation, kind) {
  const ofVersion = table.operations[version];
  if (!ofVersion) {
    throw new RangeError(`unknown API version ${JSON.stringify(version)}: use one of ${versions.join(", ")}`);
  }
  const bodies = ofVersion[operation];
  if (!bodies) {
    throw new RangeError(`unknown operation ${JSON.stringify(operation)}: use one of ${operations.join(", ")}`);
  }
  if (!(kind in bodies)) {
    throw new RangeError(`unknown kind of body ${JSON.stringify(kind)}: use request, response or error`);
  }
  return bodies[kind];
}

function document(file) {
  if (!documents.has(file)) documents.set(file, read(`./schemas/${file}`));
  return documents.get(file);
}

/** The JSON Schema of a body: kind is "request" (the default), "response" or "error". */
export function schema(version, operation, kind = "request") {
  return structuredClone(document(bodyFile(version, operation, kind)));
}

/** The OpenAPI document of a version, or the combined one of every version. */
export function openapi(version) {
  if (version === undefined) return read("./schemas/openapi.json");
  bodyFile(version, operations[0], "request");
  return read(`./schemas/${version}/openapi.json`);
}

function check(file, body) {
  if (!validators.has(file)) validators.set(file, ajv.compile(document(file)));
  const validator = validators.get(file);
  return validator(body) ? [] : faults(document(file), validator.errors);
}

/**
 * The server's verdict on a request body (the parsed JSON): `{ valid, errors }`, each error
 * `{ field, message }` with the field named as the server names it (`update.location.latitude`).
 */
export function validate(version, operation, body) {
  const found = check(bodyFile(version, operation, "request"), body);
  const faulted = new Set(found.map((f) => f.field));
  for (const fault of rulesBeyondSchemas(operation, body, faulted)) {
    if (!faulted.has(fault.field)) found.push(fault);
  }
  return { valid: found.length === 0, errors: found };
}

/** Whether a request body is valid, as a type guard. */
export function isValid(version, operation, body) {
  return validate(version, operation, body).valid;
}

/**
 * Checks an answer against its schema: a 2xx answer of the operation, or else its error body.
 * Answers come from the server, so this is the schema's verdict only.
 */
export function validateResponse(version, operation, body, status = 200) {
  const kind = status >= 200 && status < 300 ? "response" : "error";
  const found = check(bodyFile(version, operation, kind), body);
  return { valid: found.length === 0, errors: found };
}

// --- From ajv's errors to the server's faults ------------------------------------------------

// Metadata objects are faulted whole, whatever lies inside them.
const WHOLE = new Set(["metadata", "secureMetadata"]);

function segments(pointer) {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function fieldOf(path) {
  const whole = path.findIndex((s) => WHOLE.has(s));
  return (whole < 0 ? path : path.slice(0, whole + 1)).join(".");
}

// The request's own objects (the body, and the project API's `update`) name an unknown
// field; a value that is an object (a location) is faulted whole, as the server does.
const isRequestObject = (path) => path.length === 0 || (path.length === 1 && path[0] === "update");

function resolve(root, pointer) {
  return segments(pointer.replace(/^#/, "")).reduce((node, key) => node?.[key], root);
}

function deref(root, node) {
  let seen = 0;
  while (node && typeof node.$ref === "string" && seen++ < 16) node = resolve(root, node.$ref);
  if (node && Array.isArray(node.allOf) && node.allOf.length === 1 && !node.properties) {
    return { ...deref(root, node.allOf[0]), ...node, allOf: undefined };
  }
  return node;
}

/** What the schema says of the value at `path`: the rule's description, else the field's. */
function describe(root, path) {
  let node = root;
  let said;
  for (const key of path) {
    node = deref(root, node);
    node = node?.properties?.[key];
    said = node?.description;
  }
  const rule = deref(root, node)?.description;
  return rule ?? said ?? root.description;
}

function crossField(root, branches) {
  // A rule across fields: branches that only name fields (required, or properties holding
  // consts), like "sex or gender given" and "sex and gender agree".
  if (!Array.isArray(branches) || branches.length === 0) return null;
  const plain = branches.every(
    (b) =>
      b &&
      Object.keys(b).every((k) => k === "required" || k === "properties") &&
      Object.values(b.properties ?? {}).every((p) => Object.keys(p).every((k) => k === "const")),
  );
  if (!plain) return null;
  const names = [...new Set(branches.flatMap((b) => [...(b.required ?? []), ...Object.keys(b.properties ?? {})]))];
  const deprecated = (name) => root.properties?.[name]?.deprecated === true;
  const current = names.find((n) => !deprecated(n)) ?? names[0];
  const old = names.find(deprecated);
  if (branches.every((b) => Array.isArray(b.required) && b.required.length > 0)) {
    // One of the alternatives must be given: the server asks for the current name.
    const message = old ? `${current} is required (or the deprecated ${old})` : `one of ${names.join(", ")} is required`;
    return { name: current, message, names };
  }
  // Fields that must agree: the server faults the deprecated one.
  const name = old ?? names[names.length - 1];
  return { name, message: `${name} (deprecated) disagrees with ${current}; send ${current} alone`, names, agree: true };
}

function faults(root, errors) {
  const alternatives = errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf");
  const within = (inner, outer) => outer === "" || inner === outer || inner.startsWith(`${outer}/`);
  // Errors of the branches of a failed anyOf speak of alternatives, not faults.
  const inBranch = (e) =>
    alternatives.some((a) => e.schemaPath.startsWith(`${a.schemaPath}/`) && within(e.instancePath, a.instancePath));
  const found = [];
  // `agree`: the fields a rule of agreement compares (void when one has a fault of its own);
  // `via`: the deprecated field an `if` read (void when it has a fault: the server then
  // reads the field that replaced it).
  const add = (path, message, extra = {}) => found.push({ field: fieldOf(path), message, ...extra });
  const deprecatedIf = (e) => {
    const rule = /^#\/allOf\/(\d+)\/then\//.exec(e.schemaPath);
    const names = rule ? root.allOf[Number(rule[1])]?.if?.required ?? [] : [];
    return names.find((n) => root.properties?.[n]?.deprecated === true);
  };
  const invalid = (path) => {
    const field = fieldOf(path);
    if (field === "") return "the body must be a JSON object of this request's fields";
    return `${field} is invalid: ${describe(root, segments("/" + field.split(".").join("/")))}`;
  };
  for (const e of errors) {
    // `if` reports that its `then` failed; the `then`'s own errors say where.
    if (e.keyword === "if" || inBranch(e)) continue;
    const path = segments(e.instancePath);
    if (e.keyword === "required") {
      add([...path, e.params.missingProperty], `${e.params.missingProperty} is required`);
    } else if (e.keyword === "additionalProperties") {
      const name = e.params.additionalProperty;
      if (isRequestObject(path)) add([...path, name], `${name} is not a field of this request`);
      else add(path, invalid(path));
    } else if (e.keyword === "anyOf" || e.keyword === "oneOf") {
      const rule = crossField(root, resolve(root, e.schemaPath));
      if (rule) add([...path, rule.name], rule.message, rule.agree ? { agree: rule.names } : {});
      else add(path, invalid(path));
    } else {
      add(path, invalid(path), { via: deprecatedIf(e) });
    }
  }
  const own = (list, field, except) => list.some((f) => f !== except && f.field === field && !f.agree);
  let kept = found.filter((f) => !(f.agree && f.agree.some((n) => own(found, n, f))));
  kept = kept.filter((f) => !(f.via && kept.some((g) => g !== f && g.field === f.via)));
  const byField = new Map();
  for (const { field, message } of kept) if (!byField.has(field)) byField.set(field, { field, message });
  // The project API reads `update` first: missing, not an object or empty, it is the only
  // fault (user/missing-data), whatever stands beside it.
  if (byField.has("update")) return [byField.get("update")];
  // A value faulted whole (a location sent as GeoJSON) is one fault, not one per part.
  const all = [...byField.values()];
  return all.filter((f) => !all.some((g) => g.field !== "" && f.field.startsWith(`${g.field}.`)));
}
