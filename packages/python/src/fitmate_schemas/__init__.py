"""fitmate-schemas: the Fitmate partner API's JSON Schemas and OpenAPI documents, pydantic v2
models of each API version (``fitmate_schemas.v2023_10_04``, ...), and ``validate``, which
gives a request body the verdict the server gives it, naming each field at fault as the
server does.

The JSON Schemas state nearly every rule, rules across fields included (sex and gender
agree, no pregnant male, one of sex or gender given); ``jsonschema`` checks them with format
checking on. ``_rules`` adds the few JSON Schema cannot state. The pydantic models check
types and formats only: ``validate`` is the authority.
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources
from typing import Any, Dict, List, Optional, TypedDict

from jsonschema import Draft202012Validator, FormatChecker

from ._rules import rules_beyond_schemas
from ._version import __version__

__all__ = [
    "Fault",
    "ValidationResult",
    "VERSIONS",
    "OPERATIONS",
    "validate",
    "validate_response",
    "schema",
    "openapi",
    "__version__",
]


class Fault(TypedDict):
    """One fault of a body: the field as the server names it, and why."""

    field: str
    message: str


class ValidationResult(TypedDict):
    """A verdict: ``valid`` is true exactly when ``errors`` is empty."""

    valid: bool
    errors: List[Fault]


def _read(name: str) -> Any:
    return json.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))


_TABLE = _read("operations.json")
#: The API versions, oldest first.
VERSIONS: tuple = tuple(_TABLE["versions"])
#: The operations, named as in the project's test vectors.
OPERATIONS: tuple = tuple(_TABLE["operations"][VERSIONS[0]])


def _body_file(version: str, operation: str, kind: str) -> str:
    if version not in _TABLE["operations"]:
        raise ValueError(f"unknown API version {version!r}: use one of {', '.join(VERSIONS)}")
    bodies = _TABLE["operations"][version]
    if operation not in bodies:
        raise ValueError(f"unknown operation {operation!r}: use one of {', '.join(OPERATIONS)}")
    if kind not in bodies[operation]:
        raise ValueError(f"unknown kind of body {kind!r}: use request, response or error")
    return bodies[operation][kind]


@lru_cache(maxsize=None)
def _document(path: str) -> Any:
    return _read(f"schemas/{path}")


@lru_cache(maxsize=None)
def _validator(path: str) -> Draft202012Validator:
    return Draft202012Validator(_document(path), format_checker=FormatChecker())


def schema(version: str, operation: str, kind: str = "request") -> Dict[str, Any]:
    """The JSON Schema (2020-12) of a body, as a fresh copy: kind is "request", "response" or
    "error"."""
    return copy.deepcopy(_document(_body_file(version, operation, kind)))


def openapi(version: Optional[str] = None) -> Dict[str, Any]:
    """The OpenAPI document of a version, or without a version the combined one."""
    if version is None:
        return _read("schemas/openapi.json")
    _body_file(version, OPERATIONS[0], "request")
    return _read(f"schemas/{version}/openapi.json")


def _check(path: str, body: Any) -> List[Fault]:
    return _faults(_document(path), _validator(path).iter_errors(body), body)


def validate(version: str, operation: str, body: Any) -> ValidationResult:
    """The server's verdict on a request body (the parsed JSON): ``{"valid", "errors"}``, each
    error ``{"field", "message"}`` with the field named as the server names it
    (``update.location.latitude``). Raises ValueError for an unknown version or operation."""
    found = _check(_body_file(version, operation, "request"), body)
    faulted = {f["field"] for f in found}
    for fault in rules_beyond_schemas(operation, body, faulted):
        if fault["field"] not in faulted:
            found.append(fault)
    return {"valid": not found, "errors": found}


def validate_response(version: str, operation: str, body: Any, status: int = 200) -> ValidationResult:
    """An answer checked against its schema: the operation's 2xx answer, or else its error body.
    Answers come from the server, so this is the schema's verdict only."""
    kind = "response" if 200 <= status < 300 else "error"
    found = _check(_body_file(version, operation, kind), body)
    return {"valid": not found, "errors": found}


# --- From jsonschema's errors to the server's faults -----------------------------------------

# Metadata objects are faulted whole, whatever lies inside them.
_WHOLE = {"metadata", "secureMetadata"}


def _field_of(path: List[Any]) -> str:
    parts = [str(p) for p in path]
    for i, part in enumerate(parts):
        if part in _WHOLE:
            parts = parts[: i + 1]
            break
    return ".".join(parts)


def _is_request_object(path: List[Any]) -> bool:
    # The request's own objects (the body, and the project API's `update`) name an unknown
    # field; a value that is an object (a location) is faulted whole, as the server does.
    return len(path) == 0 or (len(path) == 1 and path[0] == "update")


def _resolve(root: Any, ref: str) -> Any:
    node = root
    for key in ref.lstrip("#").split("/")[1:]:
        node = node.get(key.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
    return node


def _deref(root: Any, node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 16:
        node, seen = _resolve(root, node["$ref"]), seen + 1
    if isinstance(node, dict) and len(node.get("allOf", [])) == 1 and "properties" not in node:
        merged = dict(_deref(root, node["allOf"][0]) or {})
        merged.update({k: v for k, v in node.items() if k != "allOf"})
        return merged
    return node


def _describe(root: Any, field: str) -> str:
    """What the schema says of the value at `field`: the rule's description, else the field's."""
    node: Any = root
    said = None
    for key in field.split("."):
        node = _deref(root, node)
        node = (node or {}).get("properties", {}).get(key)
        said = (node or {}).get("description")
    rule = (_deref(root, node) or {}).get("description")
    return rule or said or root.get("description", "")


def _cross_field(root: Any, branches: Any) -> Optional[Fault]:
    """A rule across fields: branches that only name fields (required, or properties holding
    consts), like "sex or gender given" and "sex and gender agree"."""
    if not isinstance(branches, list) or not branches:
        return None
    plain = all(
        isinstance(b, dict)
        and set(b) <= {"required", "properties"}
        and all(set(p) <= {"const"} for p in b.get("properties", {}).values())
        for b in branches
    )
    if not plain:
        return None
    names: List[str] = []
    for b in branches:
        for name in [*b.get("required", []), *b.get("properties", {})]:
            if name not in names:
                names.append(name)
    properties = root.get("properties", {})
    deprecated = [n for n in names if properties.get(n, {}).get("deprecated") is True]
    current = next((n for n in names if n not in deprecated), names[0])
    old = deprecated[0] if deprecated else None
    if all(b.get("required") for b in branches):
        # One of the alternatives must be given: the server asks for the current name.
        message = f"{current} is required (or the deprecated {old})" if old else f"one of {', '.join(names)} is required"
        return {"field": current, "message": message, "names": names}
    # Fields that must agree: the server faults the deprecated one.
    name = old or names[-1]
    return {"field": name, "message": f"{name} (deprecated) disagrees with {current}; send {current} alone",
            "names": names, "agree": True}


def _faults(root: Any, errors: Any, body: Any) -> List[Fault]:
    found: List[Dict[str, Any]] = []

    # `agree`: the fields a rule of agreement compares (void when one has a fault of its
    # own); `via`: the deprecated field an `if` read (void when it has a fault: the server
    # then reads the field that replaced it).
    def add(path: List[Any], message: str, **extra: Any) -> None:
        found.append({"field": _field_of(path), "message": message, **extra})

    def deprecated_if(error: Any) -> Optional[str]:
        where = list(error.absolute_schema_path)
        if len(where) < 3 or where[0] != "allOf" or where[2] != "then":
            return None
        names = root["allOf"][where[1]].get("if", {}).get("required", [])
        return next((n for n in names if root.get("properties", {}).get(n, {}).get("deprecated") is True), None)

    def invalid(path: List[Any]) -> str:
        field = _field_of(path)
        if field == "":
            return "the body must be a JSON object of this request's fields"
        return f"{field} is invalid: {_describe(root, field)}"

    # jsonschema reports an anyOf once, its branches' errors inside it, and the errors of an
    # `if`'s `then` directly: each error here is one fault.
    for error in errors:
        path = list(error.absolute_path)
        if error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    add([*path, name], f"{name} is required")
        elif error.validator == "additionalProperties":
            known = error.schema.get("properties", {})
            for name in error.instance:
                if name in known:
                    continue
                if _is_request_object(path):
                    add([*path, name], f"{name} is not a field of this request")
                else:
                    add(path, invalid(path))
        elif error.validator in ("anyOf", "oneOf"):
            rule = _cross_field(root, error.validator_value)
            if rule:
                add([*path, rule["field"]], rule["message"], **({"agree": rule["names"]} if rule.get("agree") else {}))
            else:
                add(path, invalid(path))
        else:
            add(path, invalid(path), via=deprecated_if(error))
    own = lambda field, but: any(f is not but and f["field"] == field and not f.get("agree") for f in found)  # noqa: E731
    kept = [f for f in found if not any(own(n, f) for n in f.get("agree", []))]
    kept = [f for f in kept if not (f.get("via") and any(g is not f and g["field"] == f["via"] for g in kept))]
    by_field: Dict[str, Fault] = {}
    for f in kept:
        by_field.setdefault(f["field"], {"field": f["field"], "message": f["message"]})
    # The project API reads `update` first: missing, not an object or empty, it is the only
    # fault (user/missing-data), whatever stands beside it.
    if "update" in by_field:
        return [by_field["update"]]
    # A value faulted whole (a location sent as GeoJSON) is one fault, not one per part.
    faults = list(by_field.values())
    return [
        f for f in faults
        if not any(g["field"] and f["field"].startswith(g["field"] + ".") for g in faults)
    ]
