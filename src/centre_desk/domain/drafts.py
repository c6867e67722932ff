"""Drafts: a form as far as someone has filled it in, kept so that an interrupted visit loses nothing.

A draft is not a record. It belongs to the member of staff who started it, holds the answers as
they were typed (``12/3/2019``, not yet ``2019-03-12``) and is never synced, searched or shown to
anyone else. Submitting the form, or discarding it, deletes the draft.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

NEW = "new"  # a form that will create something (a household, a referral)
EDIT = "edit"  # changes to an existing household, not yet saved
DRAFT_KINDS = frozenset({NEW, EDIT})


@dataclass(frozen=True)
class Draft:
    id: str
    kind: str
    form_id: str
    form_version: int
    household_id: str | None
    staff_id: str
    updated_at: datetime
    data: Mapping[str, Any]
    # For an edit: the household version the changes were made against and its answers then, so
    # that saving the draft later notices someone else's save in between and can merge with it.
    base_version: int | None = None
    base: Mapping[str, Any] | None = None

    def people(self) -> list[str]:
        """Names typed so far, for telling drafts apart in a list."""
        names = []
        for entry in self.data.get("members") or []:
            if not isinstance(entry, Mapping):
                continue
            name = " ".join(str(entry.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
            if name:
                names.append(name)
        return names

    @property
    def postcode(self) -> str:
        return str(self.data.get("postcode") or "").strip().upper()
