"""Password strength (zxcvbn) and look-alike usernames (Unicode confusables): the adapters behind
the services' ``PasswordPolicy`` and ``UsernameGuard`` ports."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from centre_desk.domain.errors import ValidationFailed
from centre_desk.domain.staff import check_password

MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable: moderate protection from offline slow-hash attacks"


class StrengthPolicy:
    """A new password must score at least 3 with zxcvbn and must not be one it knows as common."""

    def check(self, password: str, *, field: str = "password", context: Sequence[str] = ()) -> None:
        check_password(password, field)
        from zxcvbn import zxcvbn  # loaded on first use: it is only needed when a password is set

        result = zxcvbn(password[:100], user_inputs=[c for c in context if c])
        common = any(m.get("pattern") == "dictionary" and m.get("dictionary_name") == "passwords"
                     and len(m.get("token", "")) >= len(password) - 2 for m in result["sequence"])
        if common:
            raise ValidationFailed.one(field, "is too common: it is on the lists attackers try first")
        if result["score"] >= MIN_SCORE:
            return
        raise ValidationFailed.one(field, f"is too easy to guess: {_why(result)}")


def _why(result: dict) -> str:  # type: ignore[type-arg]
    patterns = {m.get("pattern") for m in result["sequence"]}
    if "repeat" in patterns:
        reason = "it is a repeated character or pattern"
    elif "sequence" in patterns:
        reason = "it is a sequence like abcd or 1234"
    else:
        warning = (result.get("feedback") or {}).get("warning") or ""
        reason = warning.rstrip(".").lower() if warning else "it is short or made of common words"
    return f"{reason}; use three or four unrelated words, or a longer phrase"


@lru_cache(maxsize=8192)
def _glyphs(ch: str) -> frozenset[str]:
    """``ch``, its case fold, and the single characters Unicode lists as confusable with either."""
    from confusable_homoglyphs import confusables

    out = {ch, ch.casefold()}
    for probe in (ch, ch.casefold()):
        for entry in confusables.is_confusable(probe, greedy=True) or []:
            for glyph in entry["homoglyphs"]:
                c = unicodedata.normalize("NFKC", glyph["c"]).strip("\u200e\u200f")
                if len(c) == 1:
                    out.update((c, c.casefold()))
    return frozenset(out)


@lru_cache(maxsize=8192)
def _canonical(ch: str) -> str:
    # Two steps of the confusable relation (I ~ l ~ 1), so that look-alikes meet at one character.
    near = set(_glyphs(ch))
    for c in list(near):
        near |= _glyphs(c)
    return min(c.casefold() for c in near)


def skeleton(name: str) -> str:
    """Two names with the same skeleton can be mistaken for one another on screen (after the
    case fold that sign-in applies anyway)."""
    folded = unicodedata.normalize("NFKC", name.strip()).casefold()
    return "".join(_canonical(c) for c in folded)


def _cased_skeleton(name: str) -> str:
    """The same without the case fold: capital I and small l look alike, small i and l do not."""
    return "".join(_canonical(c) for c in unicodedata.normalize("NFKC", name.strip()))


class HomoglyphGuard:
    def confusable_with(self, username: str, existing: Sequence[str]) -> str | None:
        mine = (skeleton(username), _cased_skeleton(username))
        for other in existing:
            if other.casefold() == username.casefold():
                continue
            if skeleton(other) == mine[0] or _cased_skeleton(other) == mine[1]:
                return other
        return None
