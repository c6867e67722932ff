"""Text helpers shared by search, validation and printing: folding for matching, UK postcodes,
which characters stored text may hold, and making stored text safe to show in a terminal or a
spreadsheet.

Standard library only, like the rest of ``domain``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

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


# --- what stored text may hold -------------------------------------------------------------------

# C0 and C1 controls (NUL, BEL, ESC, DEL, the 8-bit CSI ...): they ring bells, move the cursor and
# recolour terminals, and no name or note needs them. Tab and line breaks are judged separately.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Embeddings, overrides and isolates reorder the characters around them: "abc\u202egpj.exe"
# shows as "abcexe.jpg", and a name could be made to look like someone else's.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Direction marks are invisible; right-to-left notes may need them, a name or address does not,
# and there they only make two look-alike records differ.
_MARKS = re.compile("[\u200e\u200f\u061c]")
_LINE_BREAKS = re.compile("[\n\r\u2028\u2029]")
# Lone surrogates (JSON can spell them: "\\ud800") cannot be encoded as UTF-8, so the store and
# every export would fail on them later.
_INVALID = re.compile("[\ud800-\udfff\ufffe\uffff]")

CONTROL_CHARACTERS = "must not contain control characters"
DIRECTION_CHARACTERS = "must not contain characters that change the direction of the text"
ONE_LINE = "must be on one line"
INVALID_CHARACTERS = "contains characters that are not valid text"


def text_problem(text: str, *, multiline: bool = False) -> str | None:
    """Why ``text`` may not be stored as a name, an address or a note; None when it may.

    Multi-line text (notes) may hold line breaks and direction marks; single-line text (names,
    addresses, anything typed on one line) neither. A tab is whitespace pasted from a spreadsheet,
    allowed in both: single-line fields turn it into a space. The answer never quotes the text.
    """
    if _INVALID.search(text):
        return INVALID_CHARACTERS
    if _CONTROL.search(text):
        return CONTROL_CHARACTERS
    if _BIDI.search(text) or (not multiline and _MARKS.search(text)):
        return DIRECTION_CHARACTERS
    if not multiline and _LINE_BREAKS.search(text):
        return ONE_LINE
    return None


# Free-text notes outside a form definition (contact notes, referral steps, consent notes).
NOTE_MAX_LENGTH = 2000
# The earliest date anyone types here (a birth, a referral, a contact): 0001-01-01 is a typing or
# export mistake, not a fact.
EARLIEST_DATE = date(1900, 1, 1)


def check_text(text: str, *, multiline: bool = False, max_length: int | None = None) -> str | None:
    """``text_problem``, then the length limit: the one problem to report, or None."""
    problem = text_problem(text, multiline=multiline)
    if problem is None and max_length is not None and len(text) > max_length:
        problem = f"is longer than {max_length:,} characters"
    return problem


# --- showing stored text safely ------------------------------------------------------------------

# Everything a terminal would act on rather than show, line breaks included (one record is one
# line of output), plus the invisible direction characters.
_UNSAFE_FOR_TERMINAL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _visible_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """``text`` with every control, line-break and direction character shown as ``\\x1b`` / ``\\u202e``.

    Input checks already refuse them, but stores made before those checks, and imports, may hold
    them; printing one raw would let a stored name move the cursor or recolour the terminal.
    """
    return _UNSAFE_FOR_TERMINAL.sub(_visible_escape, text)


def json_safe(text: str) -> str:
    """JSON text with the same characters as ``terminal_safe`` written as ``\\uXXXX`` escapes.

    Still the same JSON: outside strings JSON is printable ASCII, and inside one the escape means
    the character it replaces.
    """
    return _UNSAFE_FOR_TERMINAL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# A spreadsheet treats a cell starting with one of these as a formula (=HYPERLINK(...) runs when
# the file is opened), or, for tab and carriage return, as the start of another cell.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading ``'`` when the cell could start a formula."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell
