"""Referrals: recorded from the form, moved on by append-only steps, safeguarding flagged everywhere."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from centre_desk.domain.errors import ValidationFailed
from centre_desk.services.households import open_household, register_household, search_households
from centre_desk.services.referrals import add_status, household_referrals, record_referral
from tests.integration.test_admin_cli import run

REFERRAL = {
    "source": "agency", "agency_organisation": "Hillside Surgery", "referrer_name": "Dr A Example",
    "referrer_role": "GP", "referrer_phone": "07700 900001", "referrer_secure_email": "gp@example.org",
    "date_received": "2026-11-02", "received_via": "secure-email", "service": "early-help",
    "reasons": "Family would like support with sleep routines", "urgency": "routine",
    "safeguarding_concern": True, "safeguarding_details": "Noted by GP", "family_aware": True,
    "family_agrees": True,
}


def _household(session):  # type: ignore[no-untyped-def]
    return register_household(session, {
        "address_line1": "2 Hill Road", "town": "Nailsea", "postcode": "BS48 2AB",
        "members": [{"first_name": "Hodan", "last_name": "Warsame", "role": "parent"},
                    {"first_name": "Mahad", "last_name": "Warsame", "role": "child", "date_of_birth": "2023-01-01"}],
    })


def test_safeguarding_concern_flags_the_household_in_search_and_view(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _household(admin_session)
    assert not search_households(admin_session, "warsame")[0].safeguarding_concern
    r = record_referral(admin_session, h.id, REFERRAL, [h.members[1].id])
    assert r.status == "received" and r.events[0].on == date(2026, 11, 2)
    assert search_households(admin_session, "warsame")[0].safeguarding_concern
    assert open_household(admin_session, h.id).safeguarding_concern


def test_status_steps_go_forward_only_and_are_kept(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _household(admin_session)
    r = record_referral(admin_session, h.id, {**REFERRAL, "safeguarding_concern": False,
                                               "safeguarding_details": None})
    add_status(admin_session, r.id, "accepted", date(2026, 11, 3))
    with pytest.raises(ValidationFailed) as backwards:
        add_status(admin_session, r.id, "received", date(2026, 11, 4))
    assert backwards.value.problems[0].field == "status"
    with pytest.raises(ValidationFailed) as early:
        add_status(admin_session, r.id, "allocated", date(2026, 11, 1))
    assert early.value.problems[0].field == "date"
    add_status(admin_session, r.id, "closed", date(2026, 11, 5))
    [saved] = household_referrals(admin_session, h.id)
    assert [e.status for e in saved.events] == ["received", "accepted", "closed"]
    with pytest.raises(ValidationFailed):
        add_status(admin_session, r.id, "allocated", date(2026, 11, 6))


def test_a_bad_referral_names_every_problem_and_saves_nothing(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _household(admin_session)
    bad = {**REFERRAL, "service": "astrology", "date_received": "2099-01-01", "safeguarding_details": None}
    with pytest.raises(ValidationFailed) as caught:
        record_referral(admin_session, h.id, bad)
    fields = {p.field for p in caught.value.problems}
    assert {"service", "date_received", "safeguarding_details"} <= fields
    assert household_referrals(admin_session, h.id) == []


def test_referral_cli(tmp_path: Path) -> None:
    data = tmp_path / "d"
    assert run(data, "init", "--profile", "somerset-childrens-services", "--centre-name", "Taunton",
               "--admin", "admin").returncode == 0
    assert run(data, "--user", "admin", "demo-data", "--households", "3").returncode == 0
    hid = json.loads(run(data, "--user", "admin", "search", "a", "--json").stdout.splitlines()[0])["household_id"]
    src = tmp_path / "ref.json"
    src.write_text(json.dumps({**REFERRAL, "service": "child-protection"}), encoding="utf-8")
    added = run(data, "--user", "admin", "referral", "add", hid, "--file", str(src))
    assert added.returncode == 0 and "safeguarding concern flagged" in added.stdout
    rid = json.loads(run(data, "--user", "admin", "referral", "list", hid, "--json").stdout)["referral_id"]
    moved = run(data, "--user", "admin", "referral", "status", rid, "--status", "accepted", "--date", "2026-11-03")
    assert moved.returncode == 0, moved.stderr
    listed = json.loads(run(data, "--user", "admin", "referral", "list", hid, "--json").stdout)
    assert listed["status"] == "accepted" and listed["safeguarding_concern"] is True
