"""Households and their members, as the membership form records them.

A household is a document: the form's normalised answers (``fields``) and its members, each with a
stable person id that consents, referrals and contacts refer to. The form definition owns which
fields exist; this module owns identity, who counts as an adult or a child, change history and the
text that search indexes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .text import fold, normalise_postcode

MEMBERS_KEY = "members"
ADULT_ROLES = frozenset({"parent", "carer", "partner"})


@dataclass(frozen=True)
class Member:
    id: str
    fields: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)

    @property
    def first_name(self) -> str:
        return str(self.fields.get("first_name", ""))

    @property
    def last_name(self) -> str:
        return str(self.fields.get("last_name", ""))

    @property
    def full_name(self) -> str:
        preferred = self.fields.get("preferred_name")
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return f"{name} ({preferred})" if preferred and preferred != self.first_name else name

    @property
    def date_of_birth(self) -> date | None:
        dob = self.fields.get("date_of_birth")
        return date.fromisoformat(dob) if dob else None

    @property
    def role(self) -> str:
        return str(self.fields.get("role", ""))

    @property
    def lives_here(self) -> bool:
        """Lives at the household's address. Not known (older records) counts as living there."""
        return self.fields.get("lives_at_address") is not False

    def is_child(self, today: date | None = None) -> bool:
        if self.role == "child":
            return True
        if self.role in ADULT_ROLES:
            return False
        dob = self.date_of_birth
        return bool(dob and today and age_on(dob, today) < 18)


def age_on(dob: date, today: date) -> int:
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


@dataclass(frozen=True)
class Household:
    id: str
    version: int
    fields: Mapping[str, Any]
    members: tuple[Member, ...]
    form_id: str
    form_version: int
    created_at: datetime
    updated_at: datetime
    last_contact: date | None = None
    safeguarding_concern: bool = False
    # The old system's or spreadsheet's id for this household (import: CSV ``household`` column,
    # JSON ``ref``), kept outside the form's fields so an edit never drops it; found by search.
    external_ref: str | None = None

    @property
    def postcode(self) -> str:
        return str(self.fields.get("postcode", ""))

    def member(self, person_id: str) -> Member:
        for m in self.members:
            if m.id == person_id:
                return m
        raise KeyError(person_id)

    def adults(self, today: date | None = None) -> list[Member]:
        return [m for m in self.members if not m.is_child(today)]

    def children(self, today: date | None = None) -> list[Member]:
        return [m for m in self.members if m.is_child(today)]

    def submission(self) -> dict[str, Any]:
        """The household as form data again (for editing and re-validation)."""
        data = dict(self.fields)
        data[MEMBERS_KEY] = [{"id": m.id, **m.fields} for m in self.members]
        return data


def household_title(household: Household) -> str:
    """What a household is called on screen: the adults who live there ("Zofia Wiśniewska and
    Adam Nowak"), never a parent who lives elsewhere, whose name does not belong at this address.
    With no adult living there, the people who do (the children); failing that, everyone."""
    residents = [m for m in household.members if m.lives_here]
    people = [m for m in residents if not m.is_child()] or residents or list(household.members)
    names = [m.full_name for m in people]
    if len(names) > 3:
        names = [*names[:2], f"{len(names) - 2} others"]
    if not names:
        return "Household"
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]


def split_submission(data: Mapping[str, Any], new_id: Any) -> tuple[dict[str, Any], tuple[Member, ...]]:
    """Household fields and members from normalised form data; new members get ``new_id()``."""
    fields = {k: v for k, v in data.items() if k != MEMBERS_KEY}
    members = []
    for entry in data.get(MEMBERS_KEY) or []:
        values = {k: v for k, v in entry.items() if k != "id"}
        members.append(Member(str(entry.get("id") or new_id()), values))
    return fields, tuple(members)


@dataclass(frozen=True)
class FieldChange:
    """One field of one household or member changed: what the history view shows."""

    field: str  # e.g. "postcode" or "member:<person id>.last_name"
    old: Any
    new: Any


def diff(before: Household, fields: Mapping[str, Any], members: Iterable[Member]) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for key in sorted(set(before.fields) | set(fields)):
        if before.fields.get(key) != fields.get(key):
            changes.append(FieldChange(key, before.fields.get(key), fields.get(key)))
    old_members = {m.id: m for m in before.members}
    new_members = {m.id: m for m in members}
    for pid in new_members.keys() - old_members.keys():
        changes.append(FieldChange(f"member:{pid}", None, "added"))
    for pid in old_members.keys() - new_members.keys():
        changes.append(FieldChange(f"member:{pid}", "present", "removed"))
    for pid in old_members.keys() & new_members.keys():
        a, b = old_members[pid].fields, new_members[pid].fields
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                changes.append(FieldChange(f"member:{pid}.{key}", a.get(key), b.get(key)))
    return changes


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


# A phone number is also found from its last digits: its digits reversed, marked with "_" (a
# character the index keeps inside words and that queries never contain), so "900123" is a prefix
# of the reversed number and no prefix search for letters or leading digits ever sees these words.
TAIL_MARK = "_"
TAIL_MIN_DIGITS = 6


def phone_tail(digits: str) -> str:
    return TAIL_MARK + digits[::-1]


def _word_forms(value: str) -> str:
    """A folded name as the index sees it, plus its letters joined when punctuation or spaces
    split it: ``O'Brien`` is then found from ``obrien`` as well as ``o brien``, and
    ``Smith-Jones`` from ``smithjones`` as well as ``jones``."""
    folded = fold(value).replace(TAIL_MARK, " ").strip()
    joined = "".join(c for c in folded if c.isalnum())
    if joined and joined != folded:
        return f"{folded} {joined}"
    return folded


def ref_words(ref: str | None) -> str:
    """The words an external reference is found by: folded, split where it is not a letter or
    digit, and joined (``HH-0042`` -> ``hh 0042 hh0042``)."""
    if not ref:
        return ""
    parts = [p for p in re.split(r"[^0-9a-z]+", fold(ref)) if p]
    joined = "".join(parts)
    return " ".join(parts + ([joined] if len(parts) > 1 else []))


def search_terms(household_fields: Mapping[str, Any], member: Member, ref: str | None = None) -> str:
    """The folded words one person is found by: names (and their joined forms), postcode (with and
    without its space), the household's phone numbers and the person's own (digits only, and
    reversed for the last digits), the part of
    the email before the @ (the domain would put one word on most rows and tell nobody apart), and
    date of birth (dd/mm/yyyy, ddmmyyyy and ISO)."""
    words: list[str] = []
    for key in ("first_name", "middle_names", "last_name", "preferred_name"):
        value = member.fields.get(key)
        if value:
            words.append(_word_forms(str(value)))
    postcode = normalise_postcode(str(household_fields.get("postcode") or ""))
    if postcode:
        words.append(fold(postcode))
        words.append(fold(postcode.replace(" ", "")))
    phones = [household_fields.get("phone"), household_fields.get("phone_other"), member.fields.get("own_phone")]
    for value in phones:
        if value:
            digits = _digits(str(value))
            if not digits:
                continue
            words.append(digits)
            if digits.startswith("44"):
                words.append("0" + digits[2:])
            words.append(phone_tail(digits))
    for email in (household_fields.get("email"), member.fields.get("own_email")):
        if email:
            local = str(email).rpartition("@")[0] or str(email)
            words.append(fold(local).replace(TAIL_MARK, " "))
    dob = member.date_of_birth
    if dob:
        words.append(f"{dob:%d/%m/%Y} {dob:%d%m%Y} {dob.isoformat()}")
    words.append(ref_words(ref))
    return " ".join(w for w in words if w)


def query_terms(query: str) -> list[str]:
    """Folded words of a search box query. ``bs23 1aa``, ``12/03/2019`` and ``07700 900123`` keep
    working as typed: a date is one token, a spaced postcode or phone is also tried joined. The
    tail mark is dropped, so nobody can list the reversed phone numbers by typing it. An email's
    domain is dropped too, because only the part before the @ is indexed: a whole address typed
    or pasted still finds its household."""
    query = " ".join(word.partition("@")[0] for word in query.split())
    return [w for w in fold(query).replace("/", " ").replace(TAIL_MARK, " ").split() if w]


@dataclass(frozen=True)
class SearchHit:
    household_id: str
    adults: tuple[str, ...]
    children: tuple[str, ...]
    postcode: str
    last_contact: date | None
    safeguarding_concern: bool = False
    members: tuple[Member, ...] = field(default=())
    # What tells two families of the same names apart at the desk: the first line of the address,
    # and each child's date of birth (None where none is known), in the order of ``children``.
    address_line: str = ""
    child_births: tuple[date | None, ...] = ()
