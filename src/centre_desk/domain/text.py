"""Text helpers shared by search, validation and printing: folding for matching, UK postcodes.

Standard library only, like the rest of ``domain``.
"""

from __future__ import annotations

import re
import unicodedata

# Letters that are distinct base letters in Unicode rather than a base letter plus a combining
# mark, so NFKD leaves them alone. Without this, a search for "lukasz" would miss "Łukasz".
# Keys are lower case because folding casefolds first.
_NON_DECOMPOSING = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ı": "i",
        "þ": "th",
        "ħ": "h",
        "ŧ": "t",
        # Typographic apostrophes arrive from word processors and phones; O’Brien must match O'Brien.
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
    }
)


def fold(text: str) -> str:
    """Fold text for accent- and case-insensitive matching: ``fold('Wiśniewska') == 'wisniewska'``.

    Only for comparing and indexing; what was typed is what is stored and printed.
    """
    # Casefold first so that capitals with no lower-case decomposition of their own (İ) still end
    # up as a base letter plus marks that the next step can drop.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # A second casefold: compatibility decomposition can produce capitals (e.g. ㎁ -> "nA").
    return stripped.casefold().translate(_NON_DECOMPOSING)


# The shapes Royal Mail issues: outward code (area, district, optional sub-district letter) and
# inward code (sector digit, two unit letters that avoid C, I, K, M, O and V). GIR 0AA is the one
# historic exception still in use.
_POSTCODE = re.compile(
    r"""
    ^(?:
        GIR0AA
      | (?:
            [A-PR-UWYZ][0-9]{1,2}               # A9, A99
          | [A-PR-UWYZ][A-HK-Y][0-9]{1,2}       # AA9, AA99
          | [A-PR-UWYZ][0-9][A-HJKPSTUW]        # A9A
          | [A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]  # AA9A
        )
        [0-9][ABD-HJLNP-UW-Z]{2}
    )$
    """,
    re.VERBOSE,
)


def normalise_postcode(text: str) -> str | None:
    """``'bs231aa'`` -> ``'BS23 1AA'``; None when the text is not shaped like a UK postcode.

    Checks the shape only: a well-formed postcode that Royal Mail never issued still passes.
    """
    # Splitting on any whitespace also removes the non-breaking and tab characters that
    # spreadsheets and copy-and-paste leave behind.
    compact = "".join(text.split()).upper()
    if not _POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def is_uk_postcode(text: str) -> bool:
    return normalise_postcode(text) is not None
