"""Erasure on a real SQLCipher store: after it nothing is findable, nothing is left in the store's
decrypted bytes, a tombstone without personal data remains, and the audit chain still verifies."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from centre_desk.domain.errors import NotFound, ValidationFailed
from centre_desk.domain.rights import ErasureRefused
from centre_desk.services.audit import verify_audit
from centre_desk.services.consent import give_consent
from centre_desk.services.demo_data import make_demo_households
from centre_desk.services.drafts import save_draft
from centre_desk.services.erasure import erase_household, erase_person, register_hold_check, unregister_hold_check
from centre_desk.services.households import (
    open_household,
    purge_removed_words,
    record_contact,
    register_household,
    search_households,
    update_household,
)
from centre_desk.services.referrals import record_referral
from centre_desk.services.rights import add_request, close_request, list_requests
from tests.integration.test_referrals import REFERRAL
from tests.integration.test_search_cards import _plain_bytes

SIGNATURE = b"\x89PNG-signature-of-zofia-qwerty"


def _family(session: Any) -> Any:
    return register_household(session, {
        "address_line1": "7 Qwertyuiop Lane", "town": "Clevedon", "postcode": "BS21 7QX",
        "phone": "07700 918273", "email": "zofia.family@example.org",
        "members": [
            {"first_name": "Zofia", "last_name": "Wiśniewska-Qwerty", "role": "parent", "date_of_birth": "1988-04-05",
             "middle_names": "Kasztanka"},
            {"first_name": "Oskar", "last_name": "Brzęczyszczykiewicz", "role": "partner",
             "date_of_birth": "1986-01-02"},
            {"first_name": "Lenka", "last_name": "Brzęczyszczykiewicz", "role": "child", "date_of_birth": "2022-03-04"},
        ],
    })


def _ids(session: Any, query: str) -> list[str]:
    return [h.household_id for h in search_households(session, query)]


def _records(session: Any, household_id: str) -> list[tuple[str, int, str]]:
    with session.store.reader() as uow:
        return [tuple(r) for r in uow.session.execute(text(
            "SELECT kind, deleted, body FROM records WHERE household_id = :h ORDER BY kind"), {"h": household_id})]


def _rich_family(session: Any) -> Any:
    h = _family(session)
    zofia, _oskar, lenka = h.members
    give_consent(session, h.id, zofia.id, "email-contact", method="signed", notice_version="2026.1",
                 signature_png=SIGNATURE)
    give_consent(session, h.id, lenka.id, "coordinated-support", method="signed", notice_version="2026.1",
                 partner_id=None or _partner(session), given_by=zofia.id, signature_png=SIGNATURE)
    record_referral(session, h.id, {**REFERRAL, "safeguarding_concern": False, "safeguarding_details": None,
                                    "reasons": "Zofia asked for help with Qwertyuiop sleep"}, [zofia.id])
    record_contact(session, h.id, "drop-in", date(2026, 11, 20), "came in")
    data = open_household(session, h.id).submission()
    data["members"][0]["last_name"] = "Wiśniewska-Qwertz"  # a change history entry with her old name
    update_household(session, h.id, data, h.version)
    save_draft(session, "0190a0a0-0000-7000-8000-000000000001", "membership", data, h.id)
    return h


def _partner(session: Any) -> str:
    from centre_desk.services.profile import profile_of

    org = profile_of(session)
    purpose = org.purpose("coordinated-support")
    assert purpose.per_partner
    return org.services[0].id


def test_erasing_a_person_leaves_nothing_findable_or_in_the_bytes_and_the_chain_verifies(admin_session,  # type: ignore[no-untyped-def]
                                                                                        tmp_path) -> None:
    h = _rich_family(admin_session)
    zofia, oskar, lenka = h.members
    make_demo_households(admin_session, 30, seed=5)
    assert _ids(admin_session, "qwertz") == [h.id]
    before = _plain_bytes(admin_session, tmp_path)
    assert "Wiśniewska".encode() in before and b"Kasztanka" in before and b"signature-of-zofia" not in before  # base64

    result = erase_person(admin_session, zofia.id, reason="erasure request, art. 17", clear_fields=["email"])

    assert not result.household_erased and result.counts["consent"] == 1
    assert _ids(admin_session, "qwertz") == [] and _ids(admin_session, "wisniewskaqwerty") == []
    assert _ids(admin_session, "wisniewska") == [] and _ids(admin_session, "kasztanka") == []
    assert h.id not in _ids(admin_session, "zofia")  # (demo families may have a Zofia of their own)
    assert _ids(admin_session, "bs21 7qx") == [h.id]  # the household's address stays for the others
    # The others are still there and findable.
    assert _ids(admin_session, "brzeczyszczykiewicz") == [h.id]
    kept = open_household(admin_session, h.id)
    assert [m.id for m in kept.members] == [oskar.id, lenka.id]
    assert purge_removed_words(admin_session)
    after = _plain_bytes(admin_session, tmp_path)
    for value in ("Wiśniewska", "Qwertz", "Kasztanka", "1988-04-05", "zofia.family"):
        assert value.encode() not in after, value
    # Her signature went from the consent she gave for her daughter; the decision itself stays.
    assert b"signature_png" not in after
    kinds = _records(admin_session, h.id)
    assert ("consent", 1, '{"erased":true}') in kinds
    assert ("referral", 1, '{"erased":true}') in kinds
    assert [k for k in kinds if k[0] == "erasure"]
    with admin_session.store.reader() as uow:
        assert uow.session.execute(text("SELECT count(*) FROM drafts")).scalar() == 0
        assert uow.rights.household_of(zofia.id) is None
    assert verify_audit(admin_session).intact
    with pytest.raises(NotFound):
        erase_person(admin_session, zofia.id, reason="again")


def test_erasing_a_household_leaves_tombstones_only(admin_session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    h = _rich_family(admin_session)
    make_demo_households(admin_session, 20, seed=6)
    result = erase_household(admin_session, h.id, reason="retention period over", authority="retention: family-records")
    assert result.household_erased
    for q in ("qwertz", "brzeczyszczykiewicz", "bs21 7qx", "07700918273", "918273"):
        assert _ids(admin_session, q) == [], q
    with pytest.raises(NotFound):
        open_household(admin_session, h.id)
    rows = _records(admin_session, h.id)
    live = [(k, body) for k, deleted, body in rows if not deleted]
    assert [k for k, _ in live] == ["erasure"]
    assert json.loads(live[0][1])["authority"] == "retention: family-records"
    assert all(body == '{"erased":true}' for _k, deleted, body in rows if deleted)
    # The earlier correction of her surname deleted its words without secure-delete; those are
    # dropped by the purge the desk runs after saves (and the erase command runs at once).
    assert purge_removed_words(admin_session)
    plain = _plain_bytes(admin_session, tmp_path)
    for value in ("Wiśniewska", "Brzęczyszczykiewicz", "Qwertyuiop", "918273", "BS21 7QX", "zofia.family"):
        assert value.encode() not in plain, value
    assert verify_audit(admin_session).intact


def test_erasure_is_refused_in_plain_words_under_a_hold_or_an_open_request(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _family(admin_session)
    zofia = h.members[0]
    access = add_request(admin_session, zofia.id, "access", received=date(2026, 11, 1), identity_method="passport seen")
    with pytest.raises(ErasureRefused) as refused:
        erase_person(admin_session, zofia.id, reason="asked")
    assert "access request received on 01/11/2026 is still open" in str(refused.value)
    close_request(admin_session, access.id, outcome="pack sent")

    def hold(uow: Any, household_id: str) -> list[str]:
        return ["a complaint to the ombudsman is under way"] if household_id == h.id else []

    register_hold_check(hold)
    try:
        with pytest.raises(ErasureRefused) as held:
            erase_household(admin_session, h.id, reason="due", authority="retention")
        assert "on hold: a complaint to the ombudsman" in str(held.value)
    finally:
        unregister_hold_check(hold)
    assert _ids(admin_session, "qwerty") == [h.id]  # nothing was erased
    with pytest.raises(ValidationFailed) as no_reason:
        erase_person(admin_session, zofia.id, reason="  ")
    assert no_reason.value.problems[0].field == "reason"
    erasure = add_request(admin_session, zofia.id, "erasure", received=date(2026, 11, 2), identity_method="known",
                          detail="Zofia Wiśniewska-Qwerty wants everything gone")
    erase_person(admin_session, zofia.id, reason="asked")
    [closed] = [r for r in list_requests(admin_session) if r.id == erasure.id]
    assert closed.outcome == "erased" and closed.detail == ""  # the request stays as proof, without her words


def test_a_receptionist_may_not_erase(wiring, admin_session) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.domain.errors import PermissionDenied
    from centre_desk.services.auth import sign_in
    from centre_desk.services.staff import add_staff
    from tests.conftest import STAFF_RULES

    h = _family(admin_session)
    add_staff(admin_session, "rita", "reception", "a long receptionist password", "Rita", **STAFF_RULES)
    rita = sign_in(wiring.gate, wiring.throttle, wiring.clock, "rita", "a long receptionist password")
    with pytest.raises(PermissionDenied):
        erase_person(rita, h.members[0].id, reason="asked")


def test_tombstones_alone_erase_the_person_on_another_device(admin_session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """What sync will do, done by hand: copy the household's records to a second store, then copy
    the rows the erasure changed and refresh that store's search; nothing of hers is left there."""
    from centre_desk.services.auth import sign_out
    from centre_desk.services.setup import CentreDetails, initialise_store
    from centre_desk.wiring import Wiring
    from tests.conftest import ADMIN, ADMIN_PASSWORD, CENTRE, PROFILE

    h = _rich_family(admin_session)
    zofia = h.members[0]
    w = Wiring(tmp_path / "other-device")
    other = initialise_store(w.gate, CentreDetails(PROFILE, CENTRE, "1 High Street"), ADMIN, ADMIN_PASSWORD,
                             w.clock, w.passwords).session
    columns = ("id, kind, household_id, version, server_seq, created_by, created_at, updated_by, updated_at, "
               "form_id, form_version, deleted, body")

    def ship() -> None:
        with admin_session.store.reader() as uow:
            rows = [dict(r._mapping) for r in uow.session.execute(
                text(f"SELECT {columns} FROM records WHERE household_id = :h"), {"h": h.id})]
        with other.uow() as uow:
            uow.session.execute(text(f"INSERT OR REPLACE INTO records ({columns}) VALUES "
                                     f"({', '.join(':' + c.strip() for c in columns.split(','))})"), rows)
            uow.households.refresh_search([h.id])
            uow.commit()

    try:
        ship()
        assert _ids(other, "qwertz") == [h.id]
        erase_person(admin_session, zofia.id, reason="erasure request", clear_fields=["email"])
        ship()
        assert _ids(other, "qwertz") == [] and _ids(other, "kasztanka") == []
        assert [m.id for m in open_household(other, h.id).members] == [m.id for m in h.members[1:]]
        assert purge_removed_words(other)
        plain = _plain_bytes(other, tmp_path)
        for value in ("Wiśniewska", "Qwertz", "Kasztanka", "zofia.family"):
            assert value.encode() not in plain, value
    finally:
        sign_out(other)
