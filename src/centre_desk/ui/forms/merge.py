"""Carrying on after someone else saved the same household: their version, with your edits on top.

Done field by field, as sync does (docs/ARCHITECTURE.md): a field you changed keeps your answer, a field
you did not change takes theirs; people are matched by their id. Everything compared is in the
shape the form's editors use, so "" and a missing answer count as the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MEMBERS = "members"


def _plain(value: Any) -> Any:
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, Mapping):
        kept = {k: _plain(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None} or None
    if isinstance(value, list):
        items = [_plain(v) for v in value]
        return [v for v in items if v is not None] or None
    if isinstance(value, str):
        return value.strip() or None
    return value


def _same(a: Any, b: Any) -> bool:
    return bool(_plain(a) == _plain(b))


def _merge_fields(base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any],
                  skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in dict.fromkeys([*theirs, *mine, *base]):
        if key in skip:
            continue
        out[key] = mine.get(key) if not _same(mine.get(key), base.get(key)) else theirs.get(key)
    return out


def merge_edits(base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> dict[str, Any]:
    """``mine`` is ``base`` as edited here; ``theirs`` is what was saved meanwhile."""
    merged = _merge_fields(base, mine, theirs, frozenset({MEMBERS}))
    base_people = {p.get("id"): p for p in base.get(MEMBERS) or [] if isinstance(p, Mapping) and p.get("id")}
    their_people = {p.get("id"): p for p in theirs.get(MEMBERS) or [] if isinstance(p, Mapping) and p.get("id")}
    people: list[dict[str, Any]] = []
    seen: set[Any] = set()
    for person in mine.get(MEMBERS) or []:
        if not isinstance(person, Mapping):
            continue
        pid = person.get("id")
        seen.add(pid)
        if pid and pid in their_people:
            people.append({**_merge_fields(base_people.get(pid, {}), person, their_people[pid]), "id": pid})
        else:
            # Added here, or removed there while changed here: keep it, the person can remove it again.
            people.append(dict(person))
    for pid, person in their_people.items():
        if pid not in seen and pid not in base_people:
            people.append(dict(person))  # added by them
    merged[MEMBERS] = people
    return merged
