"""Folded people as pure data: one person recorded twice, the second entry folded into the first.

A ``person-folded`` record's id is the folded person's id and its body ``{"folded_into": id}``.
Records naming a folded id are never rewritten; readers map person ids through the aliases these
functions work out, on a device (``storage.aliases``) and on the server (``server.stats``) alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FOLDED = "person-folded"
MAX_HOPS = 32  # chains are followed: A folded into B, later B into C, reads A as C


def follow(direct: Mapping[str, str], person_id: str) -> str:
    """Where ``person_id`` ends up through the folds ``direct`` (folded id -> folded into)."""
    current = person_id
    for _ in range(MAX_HOPS):
        nxt = direct.get(current)
        if nxt is None or nxt == person_id:
            return current
        current = nxt
    return current


def aliases_of(direct: Mapping[str, str]) -> dict[str, str]:
    """Every folded id -> the person it reads as now (every hop followed)."""
    return {pid: follow(direct, pid) for pid in direct}


def fold_target(body: Mapping[str, Any]) -> str | None:
    """The surviving person a ``person-folded`` record's body names, if it is well formed."""
    target = body.get("folded_into") if isinstance(body, Mapping) else None
    return str(target) if target else None
