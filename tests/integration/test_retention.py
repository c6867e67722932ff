"""Retention review, legal holds and destruction, on a real encrypted store and through the CLI."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from centre_desk.domain.clock import FixedClock
from centre_desk.domain.retention import add_years
from centre_desk.services.households import record_contact, register_household, search_households
from centre_desk.services.retention import (
    default_eraser,
    destroy_due,
    destruction_certificates,
    lift_hold,
    list_holds,
    place_hold,
    retention_review,
)
from centre_desk.services.session import DeskSession
from tests.integration.test_admin_cli import run

TODAY = date(2026, 12, 1)
SEVEN_YEARS_AGO = date(2019, 11, 20)
FAMILY = {
    "address_line1": "14 Locking Road", "address_line2": "", "town": "Weston-super-Mare", "postcode": "BS23 1AA",
    "phone": "07700 900123", "email": "",
    "members": [{"first_name": "Zofia", "last_name": "Wiśniewska", "date_of_birth": "1991-04-02", "role": "parent"}],
}


def at(day: date) -> FixedClock:
    return FixedClock(datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC))


@pytest.fixture
def session(admin_session: DeskSession) -> DeskSession:
    return DeskSession(admin_session.store, admin_session.actor, at(TODAY))


def old_family(session: DeskSession, last_contact: date = SEVEN_YEARS_AGO) -> str:
    then = DeskSession(session.store, session.actor, at(last_contact))
    h = register_household(then, FAMILY)
    record_contact(then, h.id, "drop-in", last_contact)
    return h.id


def test_seven_year_old_contact_is_due_today_and_not_a_day_before_six_years(session: DeskSession) -> None:
    hid = old_family(session)
    recent = old_family(session, TODAY - timedelta(days=30))
    queue = retention_review(session)
    assert [e.review.household_id for e in queue] == [hid]
    entry = queue[0]
    assert entry.review.rule.id == "family-records" and entry.review.due == add_years(SEVEN_YEARS_AGO, 6)
    assert not entry.held
    day_before = add_years(SEVEN_YEARS_AGO, 6) - timedelta(days=1)
    assert retention_review(session, day_before) == []
    assert [e.review.household_id for e in retention_review(session, day_before + timedelta(days=1))] == [hid]
    # The next 90 days: the recent family is not due for six years yet.
    assert recent not in {e.review.household_id for e in retention_review(session, within_days=90)}


def test_a_new_contact_moves_the_review_date_on(session: DeskSession) -> None:
    hid = old_family(session)
    assert [e.review.household_id for e in retention_review(session)] == [hid]
    record_contact(session, hid, "phone-call", TODAY - timedelta(days=3))
    assert retention_review(session) == []
    soon = retention_review(session, add_years(TODAY - timedelta(days=3), 6))
    assert [e.review.household_id for e in soon] == [hid]


def test_organisation_hold_keeps_everything_then_destruction_leaves_a_certificate(session: DeskSession) -> None:
    hid = old_family(session)
    hold = place_hold(session, "Inquiry into the closure of the Sea Road centre", reference="SRC/2026/14")
    assert hold.reference == "SRC/2026/14"
    queue = retention_review(session)
    assert [(e.review.household_id, e.held) for e in queue] == [(hid, True)]
    assert [h.id for h in queue[0].holds] == [hold.id]
    done = destroy_due(session, default_eraser())
    assert done.certificates == () and done.held == 1
    with session.store.reader() as uow:
        assert uow.households.exists(hid)

    lift_hold(session, hold.id)
    assert list_holds(session) == []
    done = destroy_due(session, default_eraser())
    assert [c.record_id for c in done.certificates] == [hid]
    with session.store.reader() as uow:
        assert not uow.households.exists(hid)
        assert uow.households.contacts(hid) == []
    assert search_households(session, "Wiśniewska") == []
    (cert,) = destruction_certificates(session)
    assert (cert.record_id, cert.category, cert.start, cert.due) == (hid, "family-records", SEVEN_YEARS_AGO,
                                                                    add_years(SEVEN_YEARS_AGO, 6))
    assert cert.authorised_by == session.actor.id
    assert "Zofia" not in repr(cert) and "BS23" not in repr(cert)
    assert retention_review(session) == []


def test_a_hold_on_one_household_keeps_only_that_one(session: DeskSession) -> None:
    kept, gone = old_family(session), old_family(session)
    place_hold(session, "Complaint under investigation", kept)
    done = destroy_due(session, default_eraser())
    assert [c.record_id for c in done.certificates] == [gone]
    assert [(e.review.household_id, e.held) for e in retention_review(session)] == [(kept, True)]


def test_destroying_as_of_a_future_date_is_refused(session: DeskSession) -> None:
    old_family(session)
    from centre_desk.domain.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="as-of: is in the future"):
        destroy_due(session, default_eraser(), TODAY + timedelta(days=1))
    assert len(retention_review(session)) == 1


def test_hold_reason_is_required_and_checked(session: DeskSession) -> None:
    from centre_desk.domain.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="reason: is required"):
        place_hold(session, "   ")
    with pytest.raises(ValidationFailed, match="reason"):
        place_hold(session, "x\u202e")
    # Organisation-wide: the reference is required too, and both problems are named at once.
    with pytest.raises(ValidationFailed) as refused:
        place_hold(session, "", reference=" ")
    assert [p.field for p in refused.value.problems] == ["reason", "reference"]
    assert "reference: is required for an organisation-wide hold" in str(refused.value)
    assert list_holds(session) == []


# -- through the command line (real clock: the store's "today") ---------------------------------------


def _cli(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    assert run(data, "init", "--profile", "north-somerset-children-centres", "--centre-name", "Seaside Centre",
               "--admin", "admin").returncode == 0
    today = date.today()
    old = add_years(today, -7)
    members = {"households": [
        {**FAMILY, "contacts": [{"date": old.isoformat(), "type": "drop-in"}]},
        {**FAMILY, "postcode": "BS21 6XY", "contacts": [{"date": today.isoformat(), "type": "session"}]},
    ]}
    src = tmp_path / "m.json"
    src.write_text(json.dumps(members), encoding="utf-8")
    assert run(data, "--user", "admin", "import", "--form", "membership", str(src)).returncode == 0
    return data


def review(data: Path, *args: str) -> list[dict]:  # type: ignore[type-arg]
    r = run(data, "--user", "admin", "retention", "review", "--json", *args)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


def test_cli_review_hold_destroy_and_certificates(tmp_path: Path) -> None:
    data = _cli(tmp_path)
    (due,) = review(data)
    assert set(due) >= {"household_id", "category", "due", "held"}
    assert due["category"] == "family-records" and due["held"] is False
    old = date.fromisoformat(due["due"])
    assert review(data, "--as-of", (old - timedelta(days=1)).isoformat()) == []

    r = run(data, "--user", "admin", "retention", "hold", "add", "--organisation", "--reason", "Public inquiry",
            "--reference", "IICSA-2026")
    assert r.returncode == 0, r.stderr
    hold_id = r.stdout.split()[2]
    assert [d["held"] for d in review(data)] == [True]
    listed = run(data, "--user", "admin", "retention", "hold", "list", "--json")
    assert [(h["hold_id"], h["reference"]) for h in map(json.loads, listed.stdout.splitlines())] == [
        (hold_id, "IICSA-2026")]

    r = run(data, "--user", "admin", "retention", "destroy", "--confirm")
    assert r.returncode == 0, r.stderr
    assert "Destroyed 0 records; 1 held records kept" in r.stdout
    r = run(data, "--user", "admin", "retention", "destroy")
    assert r.returncode == 1 and "nothing was destroyed" in r.stdout

    assert run(data, "--user", "admin", "retention", "hold", "remove", hold_id).returncode == 0
    r = run(data, "--user", "admin", "retention", "destroy", "--as-of", date.today().isoformat(), "--confirm")
    assert r.returncode == 0, r.stderr
    assert "Destroyed 1 records" in r.stdout
    assert review(data) == []
    found = run(data, "--user", "admin", "search", "BS23 1AA", "--json")
    assert found.stdout.strip() == ""

    out = tmp_path / "certs.csv"
    r = run(data, "--user", "admin", "retention", "certificates", "--out", str(out))
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(row["record_id"], row["category"], row["due"]) for row in rows] == [
        (due["household_id"], "family-records", due["due"])]
    assert rows[0]["authorised_by_username"] == "admin"
    text = out.read_text(encoding="utf-8")
    assert "Wiśniewska" not in text and "BS23" not in text and "Zofia" not in text
    pdf = tmp_path / "certs.pdf"
    assert run(data, "--user", "admin", "retention", "certificates", "--out", str(pdf)).returncode == 0
    page_text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert due["household_id"] in page_text.replace("\n", "")
    assert "Zofia" not in page_text


def test_cli_refuses_bad_dates_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run(data, "init", "--profile", "north-somerset-children-centres", "--centre-name", "Seaside Centre",
               "--admin", "admin").returncode == 0
    r = run(data, "--user", "admin", "retention", "review", "--as-of", "01/12/2026")
    assert r.returncode == 1 and r.stderr.strip() == "centre-desk-admin: --as-of: must be a date as YYYY-MM-DD"
    future = (date.today() + timedelta(days=2)).isoformat()
    r = run(data, "--user", "admin", "retention", "destroy", "--as-of", future, "--confirm")
    assert r.returncode == 1 and "as-of: is in the future" in r.stderr
    assert isinstance(r, subprocess.CompletedProcess)


# -- Somerset: categories from referrals, and the inquiry hold in the profile ------------------------


@pytest.fixture
def somerset(tmp_path: Path):  # type: ignore[no-untyped-def]
    from centre_desk.services.auth import sign_out
    from centre_desk.services.setup import CentreDetails, initialise_store
    from centre_desk.wiring import Wiring

    w = Wiring(tmp_path / "somerset", clock=at(TODAY))
    result = initialise_store(w.gate, CentreDetails("somerset-childrens-services", "Taunton Office"), "admin",
                              "correct horse battery", w.clock, w.passwords)
    yield result.session
    sign_out(result.session)


def test_somerset_referral_categories_and_the_inquiry_hold(somerset: DeskSession) -> None:
    from centre_desk.services.referrals import add_status, record_referral

    then = DeskSession(somerset.store, somerset.actor, at(date(2019, 5, 1)))
    h = register_household(then, {**FAMILY, "members": [
        FAMILY["members"][0], {"first_name": "Łucja", "last_name": "Wiśniewska", "role": "child",
                               "date_of_birth": "2017-02-01"}]})
    child = h.members[1].id
    referral = {"source": "self", "date_received": "2019-05-01", "received_via": "phone",
                "service": "contact-and-referral", "reasons": "Advice", "urgency": "routine",
                "safeguarding_concern": False, "family_aware": True, "family_agrees": True}
    r = record_referral(then, h.id, referral, [child])
    summer = DeskSession(somerset.store, somerset.actor, at(date(2019, 8, 1)))
    add_status(summer, r.id, "closed", date(2019, 6, 1))
    (entry,) = retention_review(somerset)
    # Referral only, closed 1 June 2019: six years from closure.
    assert (entry.review.rule.id, entry.review.due) == ("contact-and-referral-only", date(2025, 6, 1))
    assert entry.held and [hold.id for hold in entry.holds] == ["profile"]
    assert "Independent Inquiry into Child Sexual Abuse" in entry.holds[0].reason
    done = destroy_due(somerset, default_eraser())
    assert done.certificates == () and done.held == 1
    with somerset.store.reader() as uow:
        assert uow.households.exists(h.id)
    from centre_desk.domain.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="organisation profile"):
        lift_hold(somerset, "profile")

    # A second, assessed referral (allocated) keeps the household 25 years from the child's birth.
    r2 = record_referral(then, h.id, referral, [child])
    add_status(summer, r2.id, "allocated", date(2019, 5, 10))
    add_status(summer, r2.id, "closed", date(2019, 7, 1))
    assert retention_review(somerset) == []
    (later,) = retention_review(somerset, date(2042, 2, 1))
    assert (later.review.rule.id, later.review.due) == ("contact-and-referral-assessment", date(2042, 2, 1))


def test_a_retention_hold_refuses_erasure_on_request_too(session: DeskSession) -> None:
    from centre_desk.domain.rights import ErasureRefused
    from centre_desk.services.erasure import erase_household

    hid = old_family(session)
    hold = place_hold(session, "Complaint under investigation", hid)
    with pytest.raises(ErasureRefused, match=hold.id):
        erase_household(session, hid, reason="family asked", authority="manager decision")
    with session.store.reader() as uow:
        assert uow.households.exists(hid)
    lift_hold(session, hold.id)
    erase_household(session, hid, reason="family asked", authority="manager decision")
    with session.store.reader() as uow:
        assert not uow.households.exists(hid)


# -- erasure and certificate are one unit of work ------------------------------------------------------


def _what_is_left(session: DeskSession, hid: str) -> dict[str, object]:
    from centre_desk.domain.rights import ERASURE

    with session.store.reader() as uow:
        actions = [e.action for e in uow.audit.entries()]
        return {"household": uow.households.exists(hid),
                "erasures": len(uow.rights.of_kind(ERASURE, hid)),
                "certificates": [c.record_id for c in uow.retention.certificates()],
                "erasure audits": actions.count("erasure.household"),
                "destroyed audits": actions.count("retention.destroyed")}


def test_a_fault_between_erasure_and_certificate_leaves_neither_and_a_rerun_finishes(
        session: DeskSession, monkeypatch: pytest.MonkeyPatch) -> None:
    from centre_desk.storage.retention import SqlRetentionRepository

    first, second = old_family(session), old_family(session)
    before = {"household": True, "erasures": 0, "certificates": [], "erasure audits": 0, "destroyed audits": 0}
    real = SqlRetentionRepository.add_certificate
    calls: list[str] = []

    def fails_on_the_second(self: SqlRetentionRepository, cert):  # type: ignore[no-untyped-def]
        calls.append(cert.record_id)
        if len(calls) == 2:
            raise OSError("disk full")  # after the second household's erasure was written, before its certificate
        real(self, cert)

    monkeypatch.setattr(SqlRetentionRepository, "add_certificate", fails_on_the_second)
    with pytest.raises(OSError, match="disk full"):
        destroy_due(session, default_eraser())
    done_first, failed = calls
    assert _what_is_left(session, done_first) == {"household": False, "erasures": 1, "certificates": [done_first],
                                                 "erasure audits": 1, "destroyed audits": 1}
    assert _what_is_left(session, failed) == {**before, "certificates": [done_first], "erasure audits": 1,
                                             "destroyed audits": 1}
    assert {e.review.household_id for e in retention_review(session)} == {failed}
    assert len(search_households(session, "Wiśniewska")) == 1  # the half-done one is wholly there

    monkeypatch.setattr(SqlRetentionRepository, "add_certificate", real)
    again = destroy_due(session, default_eraser())
    assert [c.record_id for c in again.certificates] == [failed]
    assert _what_is_left(session, failed) == {"household": False, "erasures": 1,
                                             "certificates": sorted([first, second], key=calls.index),
                                             "erasure audits": 2, "destroyed audits": 2}
    assert retention_review(session) == []


KILLED_WRITER = """
import os, sys
from pathlib import Path
from centre_desk.services.auth import sign_in
from centre_desk.services.retention import default_eraser, destroy_due
from centre_desk.storage.retention import SqlRetentionRepository
from centre_desk.wiring import Wiring

def killed(self, cert):
    self.s.flush()  # the erasure's writes are in the database file's journal, not committed
    os._exit(9)

SqlRetentionRepository.add_certificate = killed
w = Wiring(Path(sys.argv[1]))
destroy_due(sign_in(w.gate, w.throttle, w.clock, sys.argv[2], sys.argv[3]), default_eraser())
"""


def test_a_process_killed_between_erasure_and_certificate_loses_both_and_the_cli_finishes(
        store, admin_session: DeskSession) -> None:  # type: ignore[no-untyped-def]
    import os
    import sys

    from tests.conftest import ADMIN, ADMIN_PASSWORD

    hid = old_family(admin_session, add_years(date.today(), -7))
    proc = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(store.data_dir), ADMIN, ADMIN_PASSWORD],
                          capture_output=True, text=True, env={**os.environ}, timeout=120)
    assert proc.returncode == 9, proc.stderr
    assert _what_is_left(admin_session, hid) == {"household": True, "erasures": 0, "certificates": [],
                                                 "erasure audits": 0, "destroyed audits": 0}
    r = run(store.data_dir, "--user", ADMIN, "retention", "destroy", "--confirm", password=ADMIN_PASSWORD)
    assert r.returncode == 0, r.stderr
    assert "Destroyed 1 records" in r.stdout
    assert _what_is_left(admin_session, hid) == {"household": False, "erasures": 1, "certificates": [hid],
                                                 "erasure audits": 1, "destroyed audits": 1}
