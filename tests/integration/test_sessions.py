"""Sessions, registers and contacts through the services and ``centre-desk-admin``, against real
encrypted stores; the centre's contact details and each person's own details on real PDFs."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from centre_desk.domain.errors import NotFound, ValidationFailed
from centre_desk.printing.renderer import PdfRenderer
from centre_desk.services.centre import set_centre_contact
from centre_desk.services.documents import print_privacy_notice
from centre_desk.services.family_documents import print_consent_receipt, print_household_summary
from centre_desk.services.households import (
    household_contacts,
    household_history,
    open_household,
    register_household,
    search_households,
    update_household,
)
from centre_desk.services.profile import profile_of
from centre_desk.services.session import DeskSession
from centre_desk.services.sessions import (
    add_session,
    correct_contact,
    record_attendance,
    session_register,
    todays_sessions,
)
from tests.integration.test_admin_cli import run


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def separated_family(session: DeskSession) -> str:
    return register_household(session, {
        "address_line1": "4 Marine Parade", "town": "Clevedon", "postcode": "BS21 7QS", "phone": "01275 111222",
        "members": [
            {"first_name": "Zofia", "last_name": "Wiśniewska", "role": "parent", "lives_at_address": True,
             "own_phone": "07700 900777", "parental_responsibility": True,
             "relationship_to_children": "birth-parent"},
            {"first_name": "Łukasz", "last_name": "Wójcik", "role": "parent", "lives_at_address": False,
             "own_phone": "07700 900461", "own_email": "lukasz.w@example.org", "parental_responsibility": True,
             "relationship_to_children": "birth-parent", "medical_alert": "Diabetic; carries insulin"},
            {"first_name": "Zuzanna", "last_name": "Wójcik", "role": "child", "lives_at_address": True,
             "date_of_birth": "2023-05-03", "nursery_school": "Little Acorns Nursery",
             "medical_alert": "Peanut allergy: EpiPen in her bag"},
        ],
    }).id


# --- each person properly -------------------------------------------------------------------------


def test_a_non_resident_adults_own_phone_email_and_health_are_not_on_the_family_copy(
        admin_session: DeskSession) -> None:
    household_id = separated_family(admin_session)
    summary = pdf_text(print_household_summary(admin_session, PdfRenderer(), household_id))
    receipt = pdf_text(print_consent_receipt(admin_session, PdfRenderer(), household_id))
    for words in ("07700 900461", "07700900461", "lukasz.w", "example.org", "Diabetic"):
        assert words not in summary and words not in receipt, words
    assert "Łukasz Wójcik" in summary  # named, and no more
    # The people who live there are shown in full: her own number, the child's nursery and allergy.
    assert "07700 900777" in summary and "Little Acorns Nursery" in summary and "Peanut allergy" in summary
    # Registered in version 2's shape (one answer for all the children): printed for each child.
    assert "Relationship to Zuzanna Birth parent, parental responsibility: yes" in summary


def test_a_household_saved_under_form_version_1_opens_and_saves(admin_session: DeskSession) -> None:
    household = register_household(admin_session, {
        "address_line1": "14 Locking Road", "town": "Weston-super-Mare", "postcode": "BS23 1AA",
        "members": [{"first_name": "Ioana", "last_name": "Rădulescu", "role": "carer"}]})
    with admin_session.store.unit_of_work() as uow:  # as an older release left it
        uow.session.execute(text("UPDATE records SET form_version = 1 WHERE id = :h"), {"h": household.id})
        uow.commit()
    old = open_household(admin_session, household.id)
    assert old.form_version == 1 and "own_phone" not in old.members[0].fields
    data = old.submission()
    data["members"][0]["own_phone"] = "07700 900999"
    saved, changes = update_household(admin_session, household.id, data, old.version)
    assert saved.form_version == 3 and open_household(admin_session, household.id).form_version == 3
    assert [c.field for c in changes] == [f"member:{old.members[0].id}.own_phone"]
    assert [h.household_id for h in search_households(admin_session, "07700 900999")] == [household.id]


# --- the centre's details on printouts ----------------------------------------------------------


def test_the_receipt_summary_and_notice_say_how_to_reach_the_centre(admin_session: DeskSession) -> None:
    household_id = separated_family(admin_session)
    before = pdf_text(print_consent_receipt(admin_session, PdfRenderer(), household_id))
    assert "01275 888123" not in before and "phone us." not in before
    set_centre_contact(admin_session, "01275 888123", "Hillside@Example.ORG", "Monday to Friday, 9am to 4pm")
    receipt = pdf_text(print_consent_receipt(admin_session, PdfRenderer(), household_id))
    assert "or phone us on 01275 888123" in receipt
    assert "Phone: 01275 888123" in receipt and "Email: Hillside@example.org" in receipt
    assert "Open: Monday to Friday, 9am to 4pm" in receipt
    summary = pdf_text(print_household_summary(admin_session, PdfRenderer(), household_id))
    assert "How to reach Hillside Children's Centre" in summary and "Phone: 01275 888123" in summary
    notice = pdf_text(print_privacy_notice(admin_session, PdfRenderer(), profile_of(admin_session)))
    assert "Phone: 01275 888123" in notice and "Open: Monday to Friday, 9am to 4pm" in notice


def test_centre_contact_details_are_checked_and_nothing_half_saved(admin_session: DeskSession) -> None:
    with pytest.raises(ValidationFailed) as caught:
        set_centre_contact(admin_session, "call us", "not-an-email", "Mondays")
    assert str(caught.value) == "centre phone: is not a phone number; centre email: is not an email address"
    household_id = separated_family(admin_session)
    receipt = pdf_text(print_consent_receipt(admin_session, PdfRenderer(), household_id))
    assert "Mondays" not in receipt


# --- sessions and the register ------------------------------------------------------------------


def test_ticking_who_came_records_contacts_and_moves_last_contact_on(admin_session: DeskSession) -> None:
    household_id = separated_family(admin_session)
    today = admin_session.clock.today()
    cs = add_session(admin_session, "stay-and-play", today, "10:00", "11:30", "Main hall")
    h = open_household(admin_session, household_id)
    mother, _father, child = (m.id for m in h.members)
    assert h.last_contact is None
    result = record_attendance(admin_session, cs.id, [mother, child], {mother: household_id, child: household_id})
    assert (result.recorded, result.already, result.households) == (2, 0, 1)
    assert open_household(admin_session, household_id).last_contact == today
    assert search_households(admin_session, "wisniewska")[0].last_contact == today
    # Ticking her again, by id alone (the admin tool's way), records nothing twice.
    again = record_attendance(admin_session, cs.id, [mother])
    assert (again.recorded, again.already, again.households) == (1 - 1, 1, 0)
    contacts = household_contacts(admin_session, household_id)
    assert [(c["type"], c["date"]) for c in contacts] == [("session", today.isoformat())]
    _, rows = session_register(admin_session, cs.id)
    assert [(r.name, r.came) for r in rows] == [("Zofia Wiśniewska", True), ("Zuzanna Wójcik", True)]
    assert [(t.session.id, t.attendees) for t in todays_sessions(admin_session)] == [
        (cs.id, ("Zofia Wiśniewska", "Zuzanna Wójcik"))]


def test_a_register_with_an_unknown_person_saves_nobody(admin_session: DeskSession) -> None:
    household_id = separated_family(admin_session)
    cs = add_session(admin_session, "baby-clinic", admin_session.clock.today(), "13:00", "15:00", "Clinic room")
    mother = open_household(admin_session, household_id).members[0].id
    with pytest.raises(ValidationFailed) as caught:
        record_attendance(admin_session, cs.id, [mother, "0190f000-0000-7000-8000-000000000000"])
    assert str(caught.value) == "person 2: is not anyone on the system"
    assert household_contacts(admin_session, household_id) == []
    assert open_household(admin_session, household_id).last_contact is None


def test_sessions_are_checked_when_added(admin_session: DeskSession) -> None:
    today = admin_session.clock.today()
    with pytest.raises(ValidationFailed) as caught:
        add_session(admin_session, "knitting", today, "11:00", "10:00", " ")
    assert [p.field for p in caught.value.problems] == ["type", "end", "place"]
    with pytest.raises(ValidationFailed) as caught:
        add_session(admin_session, "drop-in", today, "ten", "11:00", "Hall")
    assert str(caught.value) == "start: is not a time such as 10:00"
    later = add_session(admin_session, "drop-in", today + timedelta(days=7), "10:00", "11:00", "Hall")
    with pytest.raises(ValidationFailed, match="later day"):
        record_attendance(admin_session, later.id, ["x"])
    with pytest.raises(NotFound):
        record_attendance(admin_session, "no-such-session", ["x"])


def test_a_corrected_contact_keeps_the_old_details_in_history(admin_session: DeskSession) -> None:
    household_id = separated_family(admin_session)
    today = admin_session.clock.today()
    cs = add_session(admin_session, "drop-in", today, "09:00", "10:00", "Hall")
    mother = open_household(admin_session, household_id).members[0].id
    record_attendance(admin_session, cs.id, [mother])
    contact = household_contacts(admin_session, household_id)[0]
    yesterday = today - timedelta(days=1)
    changes = correct_contact(admin_session, household_id, contact["id"], "phone-call", yesterday, "Rang instead")
    assert {c.field.rpartition(".")[2] for c in changes} == {"date", "type", "note"}
    assert [(c["type"], c["date"]) for c in household_contacts(admin_session, household_id)] == [
        ("phone-call", yesterday.isoformat())]
    assert open_household(admin_session, household_id).last_contact == yesterday  # moved back with it
    _, _, history = household_history(admin_session, household_id)[0]
    assert {(c.field.rpartition(".")[2], c.old) for c in history} >= {("date", today.isoformat()),
                                                                     ("type", "session")}
    with pytest.raises(NotFound):
        correct_contact(admin_session, household_id, "0190f000-0000-7000-8000-000000000000", "phone-call", today)


def test_attendance_is_audited_per_household_without_names(admin_session: DeskSession) -> None:
    household_id = separated_family(admin_session)
    cs = add_session(admin_session, "drop-in", admin_session.clock.today(), "09:00", "10:00", "Hall")
    mother = open_household(admin_session, household_id).members[0].id
    record_attendance(admin_session, cs.id, [mother])
    with admin_session.store.reader() as uow:
        entries = [e for e in uow.audit.entries() if e.action in ("session.added", "attendance.recorded")]
    assert [(e.action, e.record_ref) for e in entries] == [("session.added", cs.id),
                                                          ("attendance.recorded", household_id)]
    assert all("Zofia" not in (e.detail or "") for e in entries)


# --- the admin tool -----------------------------------------------------------------------------


def test_session_add_list_and_attendance_record_from_the_admin_tool(tmp_path: Path) -> None:
    data = tmp_path / "data"
    r = run(data, "init", "--profile", "north-somerset-children-centres", "--centre-name", "Seaside Centre",
            "--admin", "admin", "--centre-phone", "01934 000111", "--opening-hours", "Weekdays 9 to 4")
    assert r.returncode == 0, r.stderr
    src = tmp_path / "members.json"
    src.write_text(json.dumps({"households": [{
        "address_line1": "3 Moor Lane", "address_line2": "", "town": "Clevedon", "postcode": "BS21 6XY",
        "phone": "", "email": "",
        "members": [{"first_name": "Ioana", "last_name": "Rădulescu", "role": "carer", "date_of_birth": "1988-12-24"},
                    {"first_name": "Mara", "last_name": "Rădulescu", "role": "child", "date_of_birth": "2024-01-02"}],
        "contacts": [{"date": "2025-10-01", "type": "drop-in"}]}]}, ensure_ascii=False), encoding="utf-8")
    assert run(data, "--user", "admin", "import", "--form", "membership", str(src)).returncode == 0
    today = date.today().isoformat()

    bad = run(data, "--user", "admin", "session", "add", "--type", "stay-and-play", "--date", today,
              "--start", "10:00", "--end", "9:00", "--place", "Hall")
    assert bad.returncode == 1 and bad.stderr.strip() == "centre-desk-admin: end: must be after the start"
    r = run(data, "--user", "admin", "session", "add", "--type", "stay-and-play", "--date", today,
            "--start", "10:00", "--end", "11:30", "--place", "Main hall")
    assert r.returncode == 0, r.stderr
    session_id = r.stdout.strip().rsplit("(", 1)[1].rstrip(")")
    listed = run(data, "--user", "admin", "session", "list", "--json")
    assert [json.loads(line) for line in listed.stdout.splitlines()] == [
        {"session_id": session_id, "type": "stay-and-play", "date": today, "start": "10:00", "end": "11:30",
         "place": "Main hall"}]

    hit = json.loads(run(data, "--user", "admin", "search", "radulescu", "--json").stdout.splitlines()[0])
    assert hit["last_contact"] == "2025-10-01"
    people = [m["person_id"] for m in hit["members"]]
    unknown = run(data, "--user", "admin", "attendance", "record", session_id, "--person", people[0],
                  "--person", "nobody")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "centre-desk-admin: person 2: is not anyone on the system"
    r = run(data, "--user", "admin", "attendance", "record", session_id, *[a for p in people for a in ("--person", p)])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "Recorded 2 people (1 households' contacts)"
    hit = json.loads(run(data, "--user", "admin", "search", "radulescu", "--json").stdout.splitlines()[0])
    assert hit["last_contact"] == today
    register = run(data, "--user", "admin", "session", "register", session_id)
    assert "2 came" in register.stdout and "Mara Rădulescu" in register.stdout

    contacts = run(data, "--user", "admin", "contact", "list", hit["household_id"]).stdout.splitlines()
    contact_id = contacts[0].split()[0]
    fixed = run(data, "--user", "admin", "contact", "correct", hit["household_id"], contact_id,
                "--type", "drop-in", "--date", today)
    assert fixed.returncode == 0 and "kept in the household's history" in fixed.stdout
    centre = run(data, "--user", "admin", "centre", "contact")
    assert centre.stdout.splitlines() == ["Phone: 01934 000111", "Open: Weekdays 9 to 4"]
