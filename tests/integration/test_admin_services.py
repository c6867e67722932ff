"""The services behind the window's administration pages, on a real store: the audit trail read a
page at a time, changing a role, the staff overview, and the import check that saves nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from centre_desk.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from centre_desk.domain.staff import Role
from centre_desk.services.audit import AuditQuery, audit_page, audit_trail
from centre_desk.services.auth import sign_in, sign_out
from centre_desk.services.importing import import_households, parse_import
from centre_desk.services.staff import add_staff, change_role, staff_overview
from tests.conftest import ADMIN, STAFF_RULES

PASSWORD = "a long desk password"


def read_all(session, query: AuditQuery, limit: int) -> list[int]:  # type: ignore[no-untyped-def]
    seqs: list[int] = []
    before = None
    while True:
        page = audit_page(session, query, before, limit)
        assert len(page.entries) <= limit
        seqs.extend(e.seq for e in page.entries)
        if page.next_before is None:
            return seqs
        before = page.next_before


def test_the_trail_read_page_by_page_is_the_whole_trail_once_newest_first(admin_session, wiring):  # type: ignore[no-untyped-def]
    for n in range(12):
        add_staff(admin_session, f"worker{n}", Role.RECEPTION, PASSWORD, **STAFF_RULES)
    everything = [e.seq for e in reversed(audit_trail(admin_session, AuditQuery()))]
    query = AuditQuery(action="staff.")
    expected = [e.seq for e in reversed(audit_trail(admin_session, query))]
    assert len(expected) >= 12
    for limit in (1, 5, 7, 500):
        assert read_all(admin_session, query, limit) == expected
    assert read_all(admin_session, AuditQuery(), 9)[-len(everything):] == everything[-len(everything):]
    # Each reading is recorded once (its first page), not once per page.
    with admin_session.uow() as uow:
        reads = [e for e in uow.audit.entries() if e.action == "audit.read"]
    assert len(reads) == 2 + 4 + 1  # two audit_trail calls, four paged readings, one more


def test_the_trail_filtered_by_member_action_and_dates(admin_session, wiring):  # type: ignore[no-untyped-def]
    add_staff(admin_session, "rita", Role.RECEPTION, PASSWORD, **STAFF_RULES)
    rita = sign_in(wiring.gate, wiring.throttle, wiring.clock, "rita", PASSWORD)
    sign_out(rita)
    today = admin_session.clock.today()
    mine = audit_page(admin_session, AuditQuery(actor=rita.actor.id)).entries
    assert {e.action for e in mine} == {"sign-in", "sign-out"}
    assert [e.action for e in audit_page(admin_session, AuditQuery(actor=rita.actor.id, action="sign-in")).entries] \
        == ["sign-in"]
    assert audit_page(admin_session, AuditQuery(since=today, until=today)).entries
    assert audit_page(admin_session, AuditQuery(until=today - timedelta(days=1))).entries == ()
    page = audit_page(admin_session, AuditQuery(since=today + timedelta(days=1)))
    assert page.entries == () and page.next_before is None
    assert page.actors[rita.actor.id] == "rita"


def test_a_manager_may_read_the_trail_but_not_manage_staff(admin_session, wiring):  # type: ignore[no-untyped-def]
    add_staff(admin_session, "mona", Role.MANAGER, PASSWORD, **STAFF_RULES)
    mona = sign_in(wiring.gate, wiring.throttle, wiring.clock, "mona", PASSWORD)
    try:
        assert audit_page(mona, AuditQuery()).entries
        with pytest.raises(PermissionDenied):
            staff_overview(mona)
        with pytest.raises(PermissionDenied):
            change_role(mona, ADMIN, Role.RECEPTION)
    finally:
        sign_out(mona)


def test_changing_a_role(admin_session, wiring):  # type: ignore[no-untyped-def]
    add_staff(admin_session, "sam", Role.RECEPTION, PASSWORD, **STAFF_RULES)
    changed = change_role(admin_session, "sam", "administrator")
    assert changed.role is Role.ADMINISTRATOR
    with pytest.raises(ValidationFailed, match="already has"):
        change_role(admin_session, "sam", Role.ADMINISTRATOR)
    with pytest.raises(ValidationFailed, match="own role"):
        change_role(admin_session, ADMIN, Role.MANAGER)
    sam = sign_in(wiring.gate, wiring.throttle, wiring.clock, "sam", PASSWORD)
    try:
        assert sam.actor.role is Role.ADMINISTRATOR
        change_role(sam, ADMIN, Role.MANAGER)  # two administrators: one may step down
        with pytest.raises(ValidationFailed, match="own role"):
            change_role(sam, "sam", Role.MANAGER)
    finally:
        sign_out(sam)
    # Now sam is the last administrator: the admin (a manager) cannot demote him, nor can anyone else.
    with pytest.raises(ValidationFailed, match="role"):
        change_role(admin_session, "sam", "nobody")
    with pytest.raises(NotFound):
        change_role(admin_session, "ghost", Role.MANAGER)
    with admin_session.uow() as uow:
        entries = [e for e in uow.audit.entries() if e.action == "staff.role-changed"]
    assert [e.detail for e in entries] == ["reception to administrator", "administrator to manager"]


def test_the_last_administrator_keeps_the_role(admin_session, wiring):  # type: ignore[no-untyped-def]
    add_staff(admin_session, "ada", Role.ADMINISTRATOR, PASSWORD, **STAFF_RULES)
    ada = sign_in(wiring.gate, wiring.throttle, wiring.clock, "ada", PASSWORD)
    try:
        change_role(ada, ADMIN, Role.MANAGER)
    finally:
        sign_out(ada)
    # The admin's session opened before the change still acts as an administrator until it ends,
    # but ada is now the only administrator in the store: she keeps the role.
    with pytest.raises(ValidationFailed, match="last administrator"):
        change_role(admin_session, "ada", Role.MANAGER)
    again = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, "correct horse battery")
    try:
        assert again.actor.role is Role.MANAGER
        with pytest.raises(PermissionDenied):
            change_role(again, "ada", Role.MANAGER)
    finally:
        sign_out(again)


def test_staff_are_managed_on_the_server_once_enrolled(admin_session):  # type: ignore[no-untyped-def]
    add_staff(admin_session, "sam", Role.RECEPTION, PASSWORD, **STAFF_RULES)
    with admin_session.uow() as uow:
        uow.sync.enrol("https://sync.invalid", "device-1", "token", "org-1", queue_existing=False)
        uow.commit()
    overview = staff_overview(admin_session)
    assert overview.enrolled and {m.username for m in overview.members} == {ADMIN, "sam"}
    with pytest.raises(Conflict, match="managed on the server"):
        change_role(admin_session, "sam", Role.MANAGER)


def test_the_overview_knows_when_each_person_last_signed_in(admin_session, wiring):  # type: ignore[no-untyped-def]
    add_staff(admin_session, "sam", Role.RECEPTION, PASSWORD, **STAFF_RULES)
    before = staff_overview(admin_session)
    sam_id = next(m.id for m in before.members if m.username == "sam")
    assert sam_id not in before.last_sign_in and admin_session.actor.id in before.last_sign_in
    for _ in range(2):
        sign_out(sign_in(wiring.gate, wiring.throttle, wiring.clock, "sam", PASSWORD))
    after = staff_overview(admin_session)
    with admin_session.uow() as uow:
        last = [e for e in uow.audit.entries() if e.action == "sign-in" and e.actor == sam_id][-1]
    assert after.last_sign_in[sam_id] == last.at


CSV = ("household,first_name,last_name,date_of_birth,role,address_line1,town,postcode\n"
       "OLD-1,Zofia,Nowak,1990-01-01,parent,1 Sea Road,Clevedon,BS21 7AA\n")


def test_the_import_check_saves_nothing_and_says_what_would_be_saved(admin_session):  # type: ignore[no-untyped-def]
    records = parse_import(CSV.encode("utf-8-sig"), "csv")
    checked = import_households(admin_session, records, check_only=True)
    assert (checked.households, checked.members) == (1, 1)
    assert [(r.record, r.ref, r.household_id) for r in checked.records] == [(1, "OLD-1", "")]
    with admin_session.uow() as uow:
        assert uow.households.count() == 0
        assert [e.action for e in uow.audit.entries()].count("import.checked") == 1
    done = import_households(admin_session, records)
    assert done.records[0].household_id
    with admin_session.uow() as uow:
        assert uow.households.count() == 1


@pytest.mark.parametrize(("data", "words"), [
    (CSV.encode("utf-16"), "UTF-16"), (b"PK\x03\x04\x00\x00", "binary"), (b"abc\x00def", "binary"),
    ("household,naïve\n".encode("latin-1"), "not UTF-8")])
def test_a_file_that_is_not_a_member_list_is_named_as_such(data: bytes, words: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_import(data, "csv")
    [problem] = refused.value.problems
    assert problem.field == "file" and words in problem.problem
