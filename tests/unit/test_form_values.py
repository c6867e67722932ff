"""What the form renderer shows and how it merges edits: the parts that need no Qt."""

from __future__ import annotations

from centre_desk.formspec.forms import load_form
from centre_desk.ui.forms.merge import merge_edits
from centre_desk.ui.forms.values import display_values, problem_sentence, tidy_date

FORM = load_form("membership")


def test_dates_are_shown_and_tidied_as_dd_mm_yyyy() -> None:
    assert tidy_date("1/2/2019") == "01/02/2019"
    assert tidy_date("1-2-2019") == "01/02/2019"
    assert tidy_date("2019-02-01") == "01/02/2019"
    assert tidy_date("31/02/2019") == "31/02/2019"  # not a date: left for the message to point at
    assert tidy_date("soon") == "soon"


def test_a_saved_household_fills_the_form_as_typed() -> None:
    shown = display_values(FORM, {
        "postcode": "BS23 1AA",
        "other_services": [{"service": "Health visitor"}],
        "members": [{"id": "p1", "first_name": "Zoë", "date_of_birth": "2019-02-01", "lives_at_address": False}],
    })
    assert shown == {
        "postcode": "BS23 1AA",
        "other_services": [{"service": "Health visitor"}],
        "members": [{"first_name": "Zoë", "date_of_birth": "01/02/2019", "lives_at_address": False, "id": "p1"}],
    }


def test_problems_read_as_sentences_naming_the_field() -> None:
    assert problem_sentence("Postcode", "is not a UK postcode") == "Postcode is not a UK postcode."
    assert problem_sentence("Date of birth", "date of birth is in the future") == "Date of birth is in the future."
    assert problem_sentence("Gender", "'xx' is not one of the choices") == "Gender: 'xx' is not one of the choices."
    assert problem_sentence("GP practice", "is longer than 100 characters") == \
        "GP practice is longer than 100 characters."


def test_reloading_after_someone_elses_save_keeps_both_sets_of_changes() -> None:
    base = {"town": "Clevedon", "phone": "", "members": [{"id": "p1", "first_name": "Anne", "last_name": "Brontë"},
                                                         {"id": "p2", "first_name": "Emily", "last_name": "Brontë"}]}
    mine = {"town": "Clevedon", "phone": "07700 900456",
            "members": [{"id": "p1", "first_name": "Anne", "last_name": "Nicholls"},
                        {"first_name": "Arthur", "last_name": "Nicholls"}]}  # removed Emily, added Arthur
    theirs = {"town": "Clevedon North", "members": [
        {"id": "p1", "first_name": "Annie", "last_name": "Brontë"},
        {"id": "p2", "first_name": "Emily", "last_name": "Brontë"},
        {"id": "p3", "first_name": "Charlotte", "last_name": "Brontë"}]}
    merged = merge_edits(base, mine, theirs)
    assert merged["town"] == "Clevedon North"
    assert merged["phone"] == "07700 900456"
    assert merged["members"] == [
        {"first_name": "Annie", "last_name": "Nicholls", "id": "p1"},
        {"first_name": "Arthur", "last_name": "Nicholls"},
        {"id": "p3", "first_name": "Charlotte", "last_name": "Brontë"},
    ]
