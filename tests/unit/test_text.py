"""Folding for accent-insensitive search, and UK postcodes."""

from __future__ import annotations

import pytest

from centre_desk.domain.text import fold, is_uk_postcode, normalise_postcode


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Wiśniewska", "wisniewska"),
        ("Łukasz", "lukasz"),
        ("ŁUKASZ WÓJCIK", "lukasz wojcik"),
        ("Rădulescu", "radulescu"),
        ("Ștefănescu", "stefanescu"),
        ("Dž", "dz"),  # D + z with caron
        ("\u01c5", "dz"),  # the single Croatian digraph letter ǅ
        ("Đorđević", "dordevic"),
        ("Zoë Brontë", "zoe bronte"),
        ("Søren Kierkegaard", "soren kierkegaard"),
        ("Straße", "strasse"),
        ("Æthelred", "aethelred"),
        ("Œuvre", "oeuvre"),
        ("Kılıç", "kilic"),
        ("İstanbul", "istanbul"),
        ("Þóra", "thora"),
        ("Nguyễn", "nguyen"),
        ("O’Brien", "o'brien"),
        ("Ｆｕｌｌ", "full"),  # full-width letters from East Asian keyboards
        ("plain", "plain"),
    ],
)
def test_fold_matches_what_someone_types_without_accents(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def test_fold_leaves_spaces_and_hyphens_alone() -> None:
    assert fold("Anne-Marie  Ó Dónaill") == "anne-marie  o donaill"


def test_fold_is_stable_when_applied_twice() -> None:
    for text in ["Wiśniewska", "Łukasz", "ǅ", "Straße", "İ", "㎁", "Þ", "ĳ"]:
        assert fold(fold(text)) == fold(text)


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("bs231aa", "BS23 1AA"),
        (" BS23 1AA ", "BS23 1AA"),
        ("bs23  1aa", "BS23 1AA"),
        ("BS23\u00a01AA", "BS23 1AA"),  # non-breaking space from a spreadsheet
        ("sw1a1aa", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("ta1 4dy", "TA1 4DY"),
        ("gir 0aa", "GIR 0AA"),
    ],
)
def test_postcodes_are_upper_case_with_one_space(typed: str, normalised: str) -> None:
    assert normalise_postcode(typed) == normalised
    assert is_uk_postcode(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "BS23",
        "1AA",
        "BS23 1AAA",
        "BS231A",
        "QS1 1AA",  # Q never starts a postcode
        "BS23 1CA",  # C is never one of the last two letters
        "12345",
        "BS23-1AA",
        "not a postcode",
    ],
)
def test_malformed_postcodes_are_refused(typed: str) -> None:
    assert normalise_postcode(typed) is None
    assert not is_uk_postcode(typed)
