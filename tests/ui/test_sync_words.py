"""What the sync indicator and the conflicts dialog say, from the data alone (no server)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from centre_desk.domain.errors import ValidationFailed
from centre_desk.domain.household import Household, Member
from centre_desk.services.profile import form as form_definition
from centre_desk.ui.conflicts_dialog import build_rows, corrected_value
from centre_desk.ui.sync_status import describe_state

FORM = form_definition("membership")
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _household() -> Household:
    return Household(
        id="h1", version=3, form_id="membership", form_version=1, created_at=AT, updated_at=AT,
        fields={"address_line1": "1 Sea Road", "town": "Clevedon", "postcode": "BS21 7AA", "phone": "07700 900111"},
        members=(Member(id="p1", fields={"first_name": "Ioana", "last_name": "Rădulescu", "role": "parent",
                                         "date_of_birth": "1990-01-01"}),))


def test_the_indicator_words() -> None:
    today = datetime.now().astimezone().replace(hour=14, minute=23, second=0, microsecond=0)
    assert describe_state("up-to-date", last_sync=today.isoformat()).text == "Up to date (synced 14:23)"
    assert describe_state("offline").text == "Offline (not synced yet)"
    assert describe_state("offline", last_sync=today.isoformat()).text == "Offline (last synced 14:23)"
    assert describe_state("up-to-date", conflicts=2).text == "2 conflicts to resolve"
    assert describe_state("up-to-date", conflicts=1).kind == "conflicts"
    assert describe_state("syncing", progress=("pull", 1000, 2000)).text == "Syncing: received 1000 records…"
    assert describe_state("syncing", progress=("pull", 0, 0)).text == "Syncing…"
    assert describe_state("syncing", progress=("push", 3, 5)).text == "Syncing: sent 3 of 5 changes…"
    assert describe_state("problem", problem="the server answered 500").text == "Sync failed: the server answered 500"
    old = datetime(2025, 1, 5, 8, 0).astimezone()
    assert describe_state("up-to-date", last_sync=old.isoformat()).text == "Up to date (synced 05/01/2025 08:00)"


def test_conflict_rows_name_the_household_the_person_and_the_form_label() -> None:
    household = _household()
    conflicts = [
        {"conflict_id": "c1", "household_id": "h1", "field": "date_of_birth", "person_id": "p1",
         "values": [{"value": "1990-01-01", "by": "alice", "at": AT.isoformat()},
                    {"value": "1990-01-10", "by": "bob", "at": AT.isoformat()}]},
        {"conflict_id": "c2", "household_id": "gone", "field": "phone", "person_id": None,
         "values": [{"value": "07700 900111", "by": "alice", "at": AT.isoformat()}]},
    ]
    person, other = build_rows(conflicts, {"h1": household, "gone": None}, FORM)
    assert person.title == "Ioana Rădulescu"
    assert person.what == "Ioana Rădulescu: Date of birth"
    assert [c.shown for c in person.candidates] == ["01/01/1990", "10/01/1990"]
    assert [c.by for c in person.candidates] == ["alice", "bob"]
    assert person.typed
    assert other.title == "A household not on this device" and other.what == "Main phone number"
    assert not other.typed  # nothing to check a typed value against


def test_a_corrected_value_is_checked_and_normalised_as_the_form_would() -> None:
    household = _household()
    rows = build_rows([
        {"conflict_id": "c1", "household_id": "h1", "field": "postcode", "person_id": None, "values": []},
        {"conflict_id": "c2", "household_id": "h1", "field": "date_of_birth", "person_id": "p1", "values": []},
    ], {"h1": household}, FORM)
    today = AT.date()
    assert corrected_value(rows[0], "bs23 1aa", FORM, today) == "BS23 1AA"
    assert corrected_value(rows[1], "12/04/1991", FORM, today) == "1991-04-12"
    with pytest.raises(ValidationFailed):
        corrected_value(rows[0], "not a postcode", FORM, today)
    with pytest.raises(ValidationFailed):
        corrected_value(rows[1], "31/02/1991", FORM, today)
