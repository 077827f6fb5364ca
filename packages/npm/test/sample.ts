// Compiled by .ci/packages with `tsc --strict` against the declarations of the installed
// package: each version's bodies have their own named types, and validate() is typed.
// `@ts-expect-error` fails the compile if the line after it type-checks.
import {
  isValid,
  validate,
  versions,
  type Fault,
  type V2023_08_01,
  type V2023_10_04,
  type ValidationResult,
  type Version,
} from "@fitmate/schemas";

export const create: V2023_10_04.CreateUserRequest = {
  email: "jane@doe.com",
  firstname: "Jane",
  lastname: "Doe",
  phonenumber: "1234567890",
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

export const createOld: V2023_08_01.CreateUserRequest = {
  email: "jane@doe.com",
  firstname: "Jane",
  lastname: "Doe",
  phonenumber: "1234567890",
  dateOfBirth: "1990-12-23",
  gender: "female",
  height: "5ft 6in",
  weight: 130,
  pregnant: false,
};

// @ts-expect-error A 2023-08-01 body lacks what 2023-10-04 requires (diabetes, ...).
export const notCurrent: V2023_10_04.CreateUserRequest = createOld;

// @ts-expect-error 2023-08-01 had no `sex`.
export const noSexBefore: V2023_08_01.CreateUserRequest = { ...createOld, sex: "female" };

// @ts-expect-error diabetes is 0, 1, 2 or 3.
export const badDiabetes: V2023_10_04.CreateUserRequest = { ...create, diabetes: 4 };

export const patch: V2023_10_04.UpdateUserProfileRequest = {
  update: { location: { longitude: -118.25, latitude: 34.05 } },
};

// Answers render weights as numbers, in each version's names.
export const current = (answer: V2023_10_04.RetrieveUserResponse): number => answer.data.currentWeight;
export const old = (answer: V2023_08_01.RetrieveUserResponse): number => answer.data.weight;
export const identifier = (answer: V2023_10_04.CreateUserResponse): string => answer.identifier;
export const problems = (answer: V2023_10_04.ErrorBody): string[] => answer.errors.map((f) => f.field);

// validate() takes the versions and operations there are, and nothing else.
export const verdict: ValidationResult = validate("2023-10-04", "create-user", create);
export const faults: Fault[] = verdict.errors;
export const first: Version = versions[0];
// @ts-expect-error no such version
validate("2024-01-01", "create-user", create);
// @ts-expect-error no such operation
validate("2023-10-04", "delete-user", create);

// isValid narrows an unknown body to the request type of its version and operation.
export function height(body: unknown): string | undefined {
  if (isValid("2023-10-04", "create-user", body)) return body.height;
  // @ts-expect-error not narrowed here
  return body.height;
}
