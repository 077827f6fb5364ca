"""The server's rules that JSON Schema cannot state (the test vectors mark them
``schemaCannotTell``), checked on fields the schema found no fault in:

- a date of birth is not in the future, judged at UTC+14 (where the date is latest);
- a metadata object is at most 8 KiB as compact JSON;
- ``currentWeight`` and the deprecated ``weight``, both given, are the same weight.

The limits are those of fitmate-rules (crates/rules); the npm package has the same layer,
and both are tested on the same vectors.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional, Set

METADATA_MAX_BYTES = 8 * 1024
HOURS_AHEAD = 14

_ABSENT = object()


def latest_today(now: Optional[datetime] = None) -> str:
    """Today's date where it is latest on Earth (UTC+14), as YYYY-MM-DD."""
    now = now or datetime.now(timezone.utc)
    return (now.astimezone(timezone.utc) + timedelta(hours=HOURS_AHEAD)).date().isoformat()


def _at(body: Any, field: str) -> Any:
    value = body
    for key in field.split("."):
        if not isinstance(value, dict) or key not in value:
            return _ABSENT
        value = value[key]
    return value


Rule = Callable[[Any, Set[str]], Optional[Dict[str, str]]]


def _not_in_future(field: str) -> Rule:
    def rule(body: Any, faulted: Set[str]) -> Optional[Dict[str, str]]:
        value = _at(body, field)
        # The schema let it through: YYYY-MM-DD, or a date-time whose date part is taken as written.
        if not isinstance(value, str) or value[:10] <= latest_today():
            return None
        return {"field": field, "message": f"{field} must not be in the future"}

    return rule


def _metadata_size(field: str) -> Rule:
    def rule(body: Any, faulted: Set[str]) -> Optional[Dict[str, str]]:
        value = _at(body, field)
        if value is _ABSENT:
            return None
        size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        if size <= METADATA_MAX_BYTES:
            return None
        return {"field": field, "message": f"{field} must be at most {METADATA_MAX_BYTES} bytes as compact JSON, not {size}"}

    return rule


def _same_weight(field: str, deprecated: str) -> Rule:
    def rule(body: Any, faulted: Set[str]) -> Optional[Dict[str, str]]:
        value, old = _at(body, field), _at(body, deprecated)
        if value is _ABSENT or old is _ABSENT or faulted & {field, deprecated}:
            return None
        # Both passed the schema: JSON numbers or decimal strings.
        if float(value) == float(old):
            return None
        return {
            "field": deprecated,
            "message": f"{deprecated} {old} (deprecated) disagrees with {field} {value}; send {field} alone",
        }

    return rule


_RULES: Dict[str, List[Rule]] = {
    "create-user": [_not_in_future("dateOfBirth"), _metadata_size("metadata"), _same_weight("currentWeight", "weight")],
    "update-user": [_not_in_future("dateOfBirth"), _metadata_size("metadata")],
    "retrieve-user": [],
    "patch-user": [_not_in_future("update.birthdate"), _metadata_size("update.metadata"), _metadata_size("update.secureMetadata")],
}


def rules_beyond_schemas(operation: str, body: Any, faulted: Set[str]) -> List[Dict[str, str]]:
    """The faults of `body` under the rules above, on fields not already in `faulted`."""
    found = [rule(body, faulted) for rule in _RULES[operation]]
    return [f for f in found if f is not None and f["field"] not in faulted]
