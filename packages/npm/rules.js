// The server's rules that JSON Schema cannot state (the test vectors mark them
// `schemaCannotTell`), checked here on fields the schema found no fault in:
// - a date of birth is not in the future, judged at UTC+14 (where the date is latest);
// - a metadata object is at most 8 KiB as compact JSON;
// - `currentWeight` and the deprecated `weight`, both given, are the same weight.
// The limits are those of fitmate-rules (crates/rules); the Python package has the same
// layer, and both are tested on the same vectors.

const METADATA_MAX_BYTES = 8 * 1024;
const HOURS_AHEAD = 14;

/** Today's date where it is latest on Earth (UTC+14), as YYYY-MM-DD. */
export function latestToday(now = Date.now()) {
  return new Date(now + HOURS_AHEAD * 3600 * 1000).toISOString().slice(0, 10);
}

function at(body, field) {
  let value = body;
  for (const key of field.split(".")) {
    if (value === null || typeof value !== "object" || Array.isArray(value) || !(key in value)) return undefined;
    value = value[key];
  }
  return value;
}

const notInFuture = (field) => (body) => {
  const value = at(body, field);
  // The schema let it through: YYYY-MM-DD, or a date-time whose date part is taken as written.
  if (typeof value !== "string") return null;
  return value.slice(0, 10) > latestToday() ? { field, message: `${field} must not be in the future` } : null;
};

const metadataSize = (field) => (body) => {
  const value = at(body, field);
  if (value === undefined) return null;
  const bytes = Buffer.byteLength(JSON.stringify(value), "utf8");
  return bytes > METADATA_MAX_BYTES
    ? { field, message: `${field} must be at most ${METADATA_MAX_BYTES} bytes as compact JSON, not ${bytes}` }
    : null;
};

const sameWeight = (field, deprecated) => (body, faulted) => {
  const [value, old] = [at(body, field), at(body, deprecated)];
  if (value === undefined || old === undefined || faulted.has(field)) return null;
  return Number(value) === Number(old)
    ? null
    : {
        field: deprecated,
        message: `${deprecated} ${old} (deprecated) disagrees with ${field} ${value}; send ${field} alone`,
      };
};

const RULES = {
  "create-user": [notInFuture("dateOfBirth"), metadataSize("metadata"), sameWeight("currentWeight", "weight")],
  "update-user": [notInFuture("dateOfBirth"), metadataSize("metadata")],
  "retrieve-user": [],
  "patch-user": [notInFuture("update.birthdate"), metadataSize("update.metadata"), metadataSize("update.secureMetadata")],
};

/** The faults of `body` under the rules above, on fields not already in `faulted`. */
export function rulesBeyondSchemas(operation, body, faulted) {
  return RULES[operation]
    .map((rule) => rule(body, faulted))
    .filter((fault) => fault !== null && !faulted.has(fault.field));
}
