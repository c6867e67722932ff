"""What the window's rights workbench relies on, on a real SQLCipher store: parental
responsibility decides whose children a subject access pack holds, a released item needs its
reason, "who has seen" is an index look-up (it never reads the audit chain), and erasing the last
person living at the address takes the address with them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from centre_desk.domain.errors import ValidationFailed
from centre_desk.domain.rights import SAR_RELEASE
from centre_desk.printing.renderer import PdfRenderer
from centre_desk.services.disclosures import seen_and_received
from centre_desk.services.erasure import erase_person, erasure_effect
from centre_desk.services.family_documents import print_household_summary
from centre_desk.services.households import open_household, register_household, search_households
from centre_desk.services.referrals import record_referral
from centre_desk.services.rights import add_request, request_register
from centre_desk.services.subject_access import (
    PR_EXCLUDED,
    PR_NOT_HELD,
    PR_PRESUMED,
    PR_RECORDED,
    build_subject_access,
    portability_package,
    preview_subject_access,
    release_subject_access,
)
from tests.integration.test_referrals import REFERRAL


def _family(session: Any, *, mum_pr: bool | None = None, dad_pr: bool | None = None,
            dad_lives_here: bool = False) -> Any:
    mum: dict[str, Any] = {"first_name": "Ioana", "last_name": "Rădulescu", "role": "parent",
                           "date_of_birth": "1991-07-08"}
    dad: dict[str, Any] = {"first_name": "Grzegorz", "last_name": "Łęcki", "role": "parent",
                           "date_of_birth": "1989-09-09", "lives_at_address": dad_lives_here}
    if mum_pr is not None:
        mum["parental_responsibility"] = mum_pr
    if dad_pr is not None:
        dad["parental_responsibility"] = dad_pr
    return register_household(session, {
        "address_line1": "12 Brontë Close", "town": "Weston-super-Mare", "postcode": "BS22 8XY",
        "phone": "07700 900777", "email": "ioana.family@example.org",
        "members": [mum, {"first_name": "Zoë", "last_name": "Rădulescu", "role": "child",
                          "date_of_birth": "2022-02-02"}, dad],
    })


def test_parental_responsibility_recorded_on_the_form_decides_whose_children_are_in_the_pack(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _family(admin_session, mum_pr=False, dad_pr=True)
    mum, zoe, dad = h.members
    # A parent at the address recorded as not holding it: her own details only.
    pack = build_subject_access(admin_session, mum.id)
    assert pack.data["children"] == [] and pack.data["children_basis"] == PR_NOT_HELD
    assert "Zoë" not in pack.json_bytes().decode()
    # A father living elsewhere who holds it: his daughter's details are his to see.
    pack = build_subject_access(admin_session, dad.id)
    assert [c["id"] for c in pack.data["children"]] == [zoe.id] and pack.data["children_basis"] == PR_RECORDED
    # The reviewer may still leave them out.
    pack = build_subject_access(admin_session, dad.id, include_children=False)
    assert pack.data["children"] == [] and pack.data["children_basis"] == PR_EXCLUDED


def test_unrecorded_parental_responsibility_is_presumed_only_for_a_parent_at_the_address(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _family(admin_session)  # as every version 1 household: nobody's recorded
    mum, zoe, dad = h.members
    pack = build_subject_access(admin_session, mum.id)
    assert [c["id"] for c in pack.data["children"]] == [zoe.id] and pack.data["children_basis"] == PR_PRESUMED
    pack = build_subject_access(admin_session, dad.id)  # lives elsewhere, nothing recorded: not presumed
    assert pack.data["children"] == [] and pack.data["children_basis"] == PR_NOT_HELD


def test_a_released_item_needs_a_reason_and_the_reason_is_kept(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _family(admin_session)
    mum, zoe, _dad = h.members
    referral = record_referral(admin_session, h.id, dict(REFERRAL), [zoe.id])
    item = f"referral:{referral.id}.referrer_name"
    pack = build_subject_access(admin_session, mum.id)
    [shown] = [w for w in pack.withheld if w.item == item]
    assert shown.value == "Dr A Example" and "Dr A Example" not in repr(shown)  # for the reviewer's eyes only
    assert shown.what.startswith("Referral of ")
    with pytest.raises(ValidationFailed) as refused:
        release_subject_access(admin_session, PdfRenderer(), mum.id, release=[item], reasons={item: "  "})
    assert "reason for releasing" in str(refused.value)
    with admin_session.store.reader() as uow:
        assert uow.rights.of_kind(SAR_RELEASE, h.id) == []  # nothing half-recorded
    released = release_subject_access(admin_session, PdfRenderer(), mum.id, release=[item],
                                      reasons={item: "the GP agreed"})
    assert "Dr A Example" in released.json.decode()
    with admin_session.store.reader() as uow:
        [record] = uow.rights.of_kind(SAR_RELEASE, h.id)
    assert record.body["released"] == [{"item": item, "reason": "the GP agreed"}]
    assert record.body["children_basis"] == PR_PRESUMED
    assert "Dr A Example" not in str(record.body)


def test_who_has_seen_is_one_index_look_up_and_lists_prints_exports_and_previews(admin_session,  # type: ignore[no-untyped-def]
                                                                                 monkeypatch) -> None:
    from centre_desk.storage.repositories import SqlAuditLog

    h = _family(admin_session)
    other = _family(admin_session)
    open_household(admin_session, h.id)
    print_household_summary(admin_session, PdfRenderer(), h.id)
    portability_package(admin_session, h.id)
    preview_subject_access(admin_session, PdfRenderer(), h.members[0].id)
    print_household_summary(admin_session, PdfRenderer(), other.id)  # another family's: not listed

    def no_scan(self: Any) -> Any:
        raise AssertionError("seen_and_received read the whole audit chain")

    monkeypatch.setattr(SqlAuditLog, "entries", no_scan)
    what = [r.what for r in seen_and_received(admin_session, h.id)]
    assert what.count("printed summary") == 1
    assert "exported portability" in what
    assert "previewed a subject access pack for review" in what
    assert "opened the household" in what


def test_erasing_the_last_person_living_at_the_address_clears_it(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = register_household(admin_session, {
        "address_line1": "4 Quay Street", "town": "Minehead", "postcode": "TA24 5UL", "phone": "07700 900123",
        "members": [{"first_name": "Siân", "last_name": "Pryce", "role": "parent", "date_of_birth": "1990-03-03"},
                    {"first_name": "Dewi", "last_name": "Pryce", "role": "parent", "date_of_birth": "1988-04-04",
                     "lives_at_address": False}],
    })
    sian, dewi = h.members
    effect = erasure_effect(admin_session, sian.id)
    assert set(effect.cleared) == {"address_line1", "town", "postcode", "phone"} and effect.offered == ()
    erase_person(admin_session, sian.id, reason="erasure request")
    after = open_household(admin_session, h.id)
    assert [m.id for m in after.members] == [dewi.id]
    assert not any(after.fields.get(f) for f in ("address_line1", "town", "postcode", "phone"))
    assert search_households(admin_session, "TA24 5UL") == []
    assert search_households(admin_session, "07700 900123") == []


def test_erasing_one_of_two_residents_keeps_the_address_and_offers_the_contact_fields(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _family(admin_session, dad_lives_here=True)
    mum = h.members[0]
    effect = erasure_effect(admin_session, mum.id)
    assert effect.cleared == () and set(effect.offered) == {"phone", "email"}
    erase_person(admin_session, mum.id, reason="erasure request", clear_fields=["email"])
    after = open_household(admin_session, h.id)
    assert after.fields["postcode"] == "BS22 8XY" and after.fields["phone"] == "07700 900777"
    assert not after.fields.get("email")


def test_the_register_names_the_person_and_the_household(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _family(admin_session)
    add_request(admin_session, h.members[0].id, "access", received=date(2026, 1, 5), identity_method="passport")
    [entry] = request_register(admin_session)
    assert entry.person == "Ioana Rădulescu" and "Ioana Rădulescu" in entry.household
