// Declarations of index.js. The body types are generated from the OpenAPI documents
// (types/, by packages/generate); this file is written by hand.
import type { Operation, Requests, Version } from "./types/index.js";

export * from "./types/index.js";

/** One fault of a body: the field as the server names it (`update.location.latitude`), and why. */
export interface Fault {
  field: string;
  message: string;
}

/** A verdict: `valid` is true exactly when `errors` is empty. */
export interface ValidationResult {
  valid: boolean;
  errors: Fault[];
}

/** The kinds of body an operation has: its request, its 2xx answer, its error answer. */
export type BodyKind = "request" | "response" | "error";

/** The API versions, oldest first. */
export declare const versions: readonly Version[];
/** The operations, named as in the project's test vectors. */
export declare const operations: readonly Operation[];

/**
 * The server's verdict on a request body (the parsed JSON), every fault listed with its field.
 * Throws a RangeError for an unknown version or operation.
 */
export declare function validate(version: Version, operation: Operation, body: unknown): ValidationResult;

/** `validate(...).valid`, as a type guard: a valid body has the request type of its version. */
export declare function isValid<V extends Version, O extends Operation>(
  version: V,
  operation: O,
  body: unknown,
): body is Requests[V][O];

/** An answer checked against its schema: the operation's 2xx answer, or its error body. */
export declare function validateResponse(
  version: Version,
  operation: Operation,
  body: unknown,
  status?: number,
): ValidationResult;

/** The JSON Schema (2020-12) of a body, as a fresh copy. */
export declare function schema(version: Version, operation: Operation, kind?: BodyKind): Record<string, unknown>;

/** The OpenAPI document of a version, or without a version the combined one. */
export declare function openapi(version?: Version): Record<string, any>;
