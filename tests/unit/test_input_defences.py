"""Issue 8 findings 7 and 9 at the validator: what a name or a note may hold, length limits, dates
before 1900, choice errors that never echo, and the text helpers that make stored text safe to
show in a terminal or a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from centre_desk.domain.errors import FieldProblem, ValidationFailed
from centre_desk.domain.text import check_text, spreadsheet_safe, terminal_safe, text_problem
from centre_desk.formspec.forms import FormDefinition, load_form, validate_field, validate_submission
from centre_desk.ui.forms.values import problem_sentence
from tests.unit.test_forms import SERVICES, TODAY, agency_referral, household

HOSTILE = {
    "NUL": "Ann\x00e",
    "BEL": "Ann\x07e",
    "ANSI escape": "\x1b[31mAnne",
    "8-bit CSI": "Anne\x9b31m",
    "DEL": "Anne\x7f",
}
DIRECTION = {
    "right-to-left override": "Anne\u202egpj.exe",
    "left-to-right embedding": "\u202aAnne",
    "first strong isolate": "Anne\u2068x\u2069",
    "right-to-left mark": "Anne\u200f",
}


@pytest.fixture(scope="module")
def membership() -> FormDefinition:
    return load_form("membership")


def problems_of(form: FormDefinition, data: dict[str, Any]) -> list[FieldProblem]:
    with pytest.raises(ValidationFailed) as caught:
        validate_submission(form, data, today=TODAY, services=SERVICES)
    return caught.value.problems


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_name_with_control_characters_is_refused_naming_the_field(membership: FormDefinition, value: str) -> None:
    data = household()
    data["members"][0]["first_name"] = value
    assert problems_of(membership, data) == [
        FieldProblem("members[0].first_name", "must not contain control characters")]
    # As the form on screen words it (accessible name "Person 1 first name").
    assert problem_sentence("Person 1 first name", "must not contain control characters") == \
        "Person 1 first name must not contain control characters."


@pytest.mark.parametrize("value", DIRECTION.values(), ids=DIRECTION.keys())
def test_a_name_with_direction_overrides_is_refused(membership: FormDefinition, value: str) -> None:
    data = household()
    data["members"][1]["last_name"] = value
    assert problems_of(membership, data) == [
        FieldProblem("members[1].last_name", "must not contain characters that change the direction of the text")]


def test_single_line_fields_refuse_line_breaks_and_notes_keep_them(membership: FormDefinition) -> None:
    data = household()
    data["address_line1"] = "12 Orchard\nStreet"
    data["town"] = "Weston\r\nsuper-Mare"
    data["members"][0]["first_name"] = "Ann\u2028e"
    assert problems_of(membership, data) == [
        FieldProblem("address_line1", "must be on one line"),
        FieldProblem("town", "must be on one line"),
        FieldProblem("members[0].first_name", "must be on one line"),
    ]
    data = household()
    data["family_needs"] = "Sleep routines.\n\tAnd a right-to-left phrase: \u200fمرحبا\u200f"
    clean = validate_submission(membership, data, today=TODAY, services=SERVICES)
    assert clean["family_needs"] == data["family_needs"]


@pytest.mark.parametrize("value", [*HOSTILE.values(), "Anne\u202e"])
def test_notes_refuse_controls_and_overrides(membership: FormDefinition, value: str) -> None:
    data = household()
    data["family_needs"] = value
    assert [p.field for p in problems_of(membership, data)] == ["family_needs"]


def test_lone_surrogates_are_refused_not_left_to_fail_in_the_store(membership: FormDefinition) -> None:
    data = household()
    data["members"][0]["first_name"] = "Ann\ud800"
    assert problems_of(membership, data) == [
        FieldProblem("members[0].first_name", "contains characters that are not valid text")]


def test_inline_checks_refuse_the_same(membership: FormDefinition) -> None:
    assert validate_field(membership, "members[0].first_name", "\x1b[2J", today=TODAY) == \
        "must not contain control characters"
    assert validate_field(membership, "members[0].first_name", "Zoë-Ann O’Brien", today=TODAY) is None


def test_ordinary_names_in_many_scripts_pass(membership: FormDefinition) -> None:
    data = household()
    data["members"][0]["first_name"] = "Zoë-Ann"
    data["members"][0]["last_name"] = "محمد"  # Arabic: right-to-left by itself, no override needed
    data["members"][1]["first_name"] = "Nguyễn"
    data["members"][1]["last_name"] = "O’Brien"
    clean = validate_submission(membership, data, today=TODAY, services=SERVICES)
    assert clean["members"][0]["last_name"] == "محمد"


def test_a_choice_error_never_echoes_the_value(membership: FormDefinition) -> None:
    data = household()
    data["members"][0]["gender"] = "SecretGenderVal"
    problems = problems_of(membership, data)
    assert problems == [FieldProblem("members[0].gender", "is not one of the choices")]
    assert "SecretGenderVal" not in str(ValidationFailed(problems))


def test_an_unknown_key_is_named_only_when_it_looks_like_a_field_id(membership: FormDefinition) -> None:
    data = household()
    data["notes"] = "x"
    data["Wiśniewska 1991-04-02"] = "x"
    problems = problems_of(membership, data)
    assert FieldProblem("notes", "is not a field on this form") in problems
    assert FieldProblem("(a key that is not a field id)", "is not a field on this form") in problems
    assert "Wiśniewska" not in str(ValidationFailed(problems))


def test_text_without_a_limit_in_its_definition_still_has_one(membership: FormDefinition) -> None:
    # The referral form's referrer role has max_length 100; a field without one gets 200 (text) or
    # 4,000 (notes), so that no answer is unbounded.
    data = household()
    data["family_needs"] = "x" * 130_000
    data["members"][0]["first_name"] = "x" * 101
    assert problems_of(membership, data) == [
        FieldProblem("family_needs", "is longer than 4,000 characters"),
        FieldProblem("members[0].first_name", "is longer than 100 characters"),
    ]


@pytest.mark.parametrize("typed", ["0001-01-01", "31/12/1899", "1899-12-31"])
def test_dates_before_1900_are_refused(membership: FormDefinition, typed: str) -> None:
    data = household()
    data["members"][0]["date_of_birth"] = typed
    assert problems_of(membership, data) == [
        FieldProblem("members[0].date_of_birth", "date of birth is before 01/01/1900")]


def test_a_referral_received_before_1900_is_refused() -> None:
    referral = load_form("referral")
    data = agency_referral()
    data["date_received"] = "0001-01-01"
    assert problems_of(referral, data) == [FieldProblem("date_received", "date received is before 01/01/1900")]


def test_check_text_reports_length_after_characters() -> None:
    assert check_text("x" * 2001, multiline=True, max_length=2000) == "is longer than 2,000 characters"
    assert check_text("\x07" * 2001, multiline=True, max_length=2000) == "must not contain control characters"
    assert check_text("fine\nnote", multiline=True, max_length=2000) is None
    assert text_problem("a\u2028b") == "must be on one line"


def test_terminal_safe_shows_what_a_terminal_would_act_on() -> None:
    assert terminal_safe("\x1b[31mAnne\x07\u202eX\x00\n") == "\\x1b[31mAnne\\x07\\u202eX\\x00\\x0a"
    assert terminal_safe("Zoë محمد O’Brien") == "Zoë محمد O’Brien"
    assert terminal_safe("\ud800").encode("utf-8") == b"\\ud800"


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_spreadsheet_safe_cells_read_back_as_text(cell: str) -> None:
    out = io.StringIO()
    csv.writer(out).writerow([spreadsheet_safe(cell), "Anne"])
    (row,) = list(csv.reader(io.StringIO(out.getvalue())))
    assert row == ["'" + cell, "Anne"]
    assert spreadsheet_safe("Anne-Marie") == "Anne-Marie"
