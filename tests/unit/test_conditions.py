"""shown_when / required_when across sections, and from a person to their household's answers."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from centre_desk.domain.errors import ValidationFailed
from centre_desk.formspec.forms import forms_dir, load_form, validate_submission

TODAY = date(2026, 3, 2)
SERVICES = [("early-help", "Early Help")]

# A household answer on the first page decides what is asked about each person on the second.
VISITS_FORM = """
id: visits
version: 1
title: Visits
sections:
  - id: home
    title: Home
    fields:
      - id: home_visits
        label: Home visits wanted
        type: boolean
        special_category: false
        purpose: service-delivery
  - id: people
    title: People
    repeat: people
    entry_label: Person
    fields:
      - id: name
        label: Name
        type: text
        required: true
        special_category: false
        purpose: service-delivery
      - id: at_home_days
        label: Days at home
        type: text
        required: true
        shown_when: {field: home_visits, equals: true}
        special_category: false
        purpose: service-delivery
      - id: role
        label: Role
        type: choice
        special_category: false
        purpose: service-delivery
        choices:
          - {value: parent, label: Parent}
          - {value: child, label: Child}
      - id: visit_note
        label: Note for the visitor
        type: text
        required_when: {field: home_visits, equals: true}
        special_category: false
        purpose: service-delivery
"""


@pytest.fixture
def visits(tmp_path: Path) -> Any:
    shutil.copy(forms_dir() / "schema.json", tmp_path / "schema.json")
    (tmp_path / "visits.yaml").write_text(VISITS_FORM, encoding="utf-8")
    return load_form("visits", root=tmp_path)


def problems(form: Any, data: dict[str, Any], **options: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        validate_submission(form, data, today=TODAY, **options)
    return [(p.field, p.problem) for p in caught.value.problems]


def agency_referral(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source": "agency", "agency_organisation": "Health visiting", "referrer_name": "Jo Bloggs",
        "date_received": "2026-03-01", "received_via": "phone", "service": "early-help",
        "reasons": "Sleep", "urgency": "soon", "safeguarding_concern": False,
    }
    data.update(changes)
    return data


def test_an_agency_referral_asks_about_the_familys_agreement_on_its_last_page() -> None:
    referral = load_form("referral")
    assert problems(referral, agency_referral(), services=SERVICES) == [("family_aware", "is required")]
    saved = validate_submission(referral, agency_referral(family_aware=True, family_agrees=True),
                                today=TODAY, services=SERVICES)
    assert saved["family_aware"] is True and saved["family_agrees"] is True


def test_a_self_referral_drops_the_agreement_answers_asked_only_of_agencies() -> None:
    referral = load_form("referral")
    saved = validate_submission(referral, agency_referral(source="self", family_aware=False, family_agrees=True),
                                today=TODAY, services=SERVICES)
    assert "family_aware" not in saved and "family_agrees" not in saved
    assert "referrer_name" not in saved


def test_a_persons_question_shown_by_a_household_answer(visits: Any) -> None:
    people = [{"name": "Ana"}, {"name": "Ben", "at_home_days": "Mondays"}]
    assert problems(visits, {"home_visits": True, "people": people}) == [
        ("people[0].at_home_days", "is required"),
        ("people[0].visit_note", "is required"),
        ("people[1].visit_note", "is required"),
    ]
    saved = validate_submission(visits, {"home_visits": False, "people": people}, today=TODAY)
    assert saved["people"] == [{"name": "Ana"}, {"name": "Ben"}]  # hidden answers are not kept


def test_a_household_answer_left_blank_shows_nothing_for_the_people(visits: Any) -> None:
    saved = validate_submission(visits, {"people": [{"name": "Ana", "at_home_days": "Fridays"}]}, today=TODAY)
    assert saved == {"people": [{"name": "Ana"}]}
