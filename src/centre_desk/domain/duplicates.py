"""Likely duplicates: is the person being registered already on the system?

Names are compared by a phonetic-ish skeleton that forgives accents, case and the common ways one
name is written in English letters (Mohammed / Muhammad / Mohamed, Aleksandra / Alexandra,
Wójcik / Wojcik / Voytsik), then by edit similarity. A similar name alone is not enough: it must
come with the same date of birth or the same postcode, or the name must match exactly with one of
them — staff are shown the reasons and decide.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, NamedTuple

from .household import Household, Member
from .text import fold, normalise_postcode

# Applied in order to a folded name. Each rule maps spellings that are said alike onto one form.
_RULES: tuple[tuple[str, str], ...] = (
    (r"[^a-z]", ""),
    (r"^mo?h?a?m+[aeiou]+d$", "mhmd"),
    (r"^mu?h?a?m+[aeiou]+d$", "mhmd"),
    (r"ph", "f"),
    (r"ck", "k"),
    (r"x", "ks"),
    (r"q", "k"),
    (r"ts", "s"),
    (r"sch", "sh"),
    (r"sz", "sh"),
    (r"cz", "ch"),
    (r"tch", "ch"),
    (r"kh", "h"),
    (r"dh", "d"),
    (r"th", "t"),
    (r"w", "v"),
    (r"y", "i"),
    (r"j", "i"),
    (r"c(?=[eiy])", "s"),
    (r"c", "k"),
    (r"ou", "u"),
    (r"oo", "u"),
    (r"ee", "i"),
    (r"([a-z])\1+", r"\1"),
)
_COMPILED = tuple((re.compile(p), r) for p, r in _RULES)


def skeleton(name: str) -> str:
    text = fold(name)
    for pattern, repl in _COMPILED:
        text = pattern.sub(repl, text)
    # Vowels carry most of the variation between transliterations; keep the first letter whole.
    return text[:1] + re.sub(r"[aeiou]", "", text[1:]) if text else ""


def name_similarity(a: str, b: str) -> float:
    fa, fb = fold(a).strip(), fold(b).strip()
    if not fa or not fb:
        return 0.0
    if fa == fb:
        return 1.0
    sa, sb = skeleton(a), skeleton(b)
    if sa and sa == sb:
        return 0.95
    return max(SequenceMatcher(None, fa, fb).ratio(), SequenceMatcher(None, sa, sb).ratio() * 0.95)


SIMILAR = 0.84


@dataclass(frozen=True)
class LikelyDuplicate:
    household_id: str
    person_id: str
    name: str
    date_of_birth: str | None
    postcode: str
    reasons: tuple[str, ...]
    score: float
    new_member_index: int  # which member of the form being saved it resembles


def match_member(index: int, new: Mapping[str, Any], new_postcode: str | None, household: Household,
                 existing: Member) -> LikelyDuplicate | None:
    first = name_similarity(str(new.get("first_name", "")), existing.first_name)
    last = name_similarity(str(new.get("last_name", "")), existing.last_name)
    same_dob = bool(new.get("date_of_birth")) and new.get("date_of_birth") == existing.get("date_of_birth")
    same_postcode = bool(new_postcode) and new_postcode == normalise_postcode(household.postcode or "")
    similar_name = first >= SIMILAR and last >= SIMILAR
    reasons: list[str] = []
    if similar_name:
        reasons.append("same name" if first == last == 1.0 else "similar name")
    if same_dob:
        reasons.append("same date of birth")
    if same_postcode:
        reasons.append("same postcode")
    likely = (similar_name and (same_dob or same_postcode)) or (same_dob and last >= SIMILAR and first >= 0.6)
    if not likely:
        return None
    score = (first + last) / 2 + (0.5 if same_dob else 0) + (0.25 if same_postcode else 0)
    return LikelyDuplicate(household.id, existing.id, existing.full_name, existing.get("date_of_birth"),
                           household.postcode, tuple(reasons), round(score, 3), index)


def likely_duplicates(members: list[Mapping[str, Any]], postcode: str | None,
                      candidates: list[Household], exclude_household: str | None = None) -> list[LikelyDuplicate]:
    pc = normalise_postcode(postcode or "") if postcode else None
    found: list[LikelyDuplicate] = []
    for household in candidates:
        if household.id == exclude_household:
            continue
        for i, new in enumerate(members):
            for existing in household.members:
                if new.get("id") == existing.id:
                    continue
                match = match_member(i, new, pc, household, existing)
                if match:
                    found.append(match)
    return sorted(found, key=lambda d: -d.score)


# -- Across the whole store: the review queue ---------------------------------------------------
# The reasons a matcher may give. Each is words for staff and never holds a name, date or postcode
# itself, so a reason can go into a log line or an audit entry's detail.
REASONS = (
    "same name",
    "name sounds alike",
    "name spelt alike",
    "first and last names swapped",
    "known nickname or other spelling",
    "shares part of a double surname",
    "same date of birth",
    "date of birth with day and month swapped",
    "date of birth one digit apart",
    "same postcode",
    "postcode one character apart",
    "same postcode sector",
    "same address",
    "different postcode (moved?)",
)


class PersonRecord(NamedTuple):
    """What the matcher compares of one person: the person's own fields and where the household lives.

    A named tuple: a review makes one per person in the store (358,000 at 100,000 households), and
    a tuple is made several times faster than a frozen dataclass."""

    person_id: str
    household_id: str
    first_name: str
    last_name: str
    date_of_birth: str | None  # ISO date
    postcode: str | None
    address: str  # first address line


@dataclass(frozen=True)
class DuplicatePair:
    """Two people in different households who are probably one person. ``score`` is 0-1."""

    person_ids: tuple[str, str]
    household_ids: tuple[str, str]
    score: float
    reasons: tuple[str, ...]

    @property
    def key(self) -> frozenset[str]:
        return frozenset(self.person_ids)


def pair_key(a: str, b: str) -> tuple[str, str]:
    """The order a pair of person ids is stored and shown in, whichever way it was given."""
    return (a, b) if a <= b else (b, a)


DEFAULT_THRESHOLD = 0.76  # chosen on bench/duplicates.py seed 1 (see docs/ARCHITECTURE.md)
