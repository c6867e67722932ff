"""Drafts in a real encrypted store: private to whoever started them, replaced as they are typed."""

from __future__ import annotations

import pytest

from centre_desk.domain.errors import NotFound, ValidationFailed
from centre_desk.domain.ids import uuid7
from centre_desk.services.auth import sign_in, sign_out
from centre_desk.services.drafts import discard_draft, list_drafts, load_draft, save_draft
from centre_desk.services.setup import CentreDetails
from centre_desk.services.staff import add_staff
from centre_desk.services.training import create_training_store, training_data_dir
from centre_desk.wiring import Wiring
from tests.conftest import PROFILE, STAFF_RULES


def _answers(first: str = "Zoë") -> dict:
    return {"postcode": "bs23 1aa", "members": [{"first_name": first, "last_name": "Brontë",
                                                 "date_of_birth": "12/3/2019"}]}


def test_a_draft_is_replaced_as_it_is_typed_and_comes_back_as_typed(admin_session) -> None:  # type: ignore[no-untyped-def]
    draft_id = uuid7()
    save_draft(admin_session, draft_id, "membership", _answers("Zo"))
    save_draft(admin_session, draft_id, "membership", _answers())
    drafts = list_drafts(admin_session)
    assert [d.id for d in drafts] == [draft_id]
    loaded = load_draft(admin_session, draft_id)
    assert loaded.data == _answers()
    assert loaded.kind == "new"
    assert loaded.people() == ["Zoë Brontë"]
    assert loaded.postcode == "BS23 1AA"
    actions = [e.action for e in _audit(admin_session)]
    assert actions.count("draft.started") == 1
    assert "draft.resumed" in actions
    assert discard_draft(admin_session, draft_id) is True
    assert discard_draft(admin_session, draft_id) is False
    assert list_drafts(admin_session) == []


def _audit(session):  # type: ignore[no-untyped-def]
    with session.store.reader() as uow:
        return list(uow.audit.entries())


def test_drafts_are_private_to_the_member_of_staff_who_started_them(wiring, admin_session) -> None:  # type: ignore[no-untyped-def]
    add_staff(admin_session, "rita", "reception", "a long enough password", **STAFF_RULES)
    draft_id = uuid7()
    save_draft(admin_session, draft_id, "membership", _answers(), base_version=None)
    rita = sign_in(wiring.gate, wiring.throttle, wiring.clock, "rita", "a long enough password")
    try:
        assert list_drafts(rita) == []
        with pytest.raises(NotFound):
            load_draft(rita, draft_id)
        with pytest.raises(NotFound):
            save_draft(rita, draft_id, "membership", {"postcode": "overwritten"})
        assert discard_draft(rita, draft_id) is False
    finally:
        sign_out(rita)
    assert load_draft(admin_session, draft_id).data == _answers()


def test_an_edit_draft_remembers_the_version_it_was_made_against(admin_session) -> None:  # type: ignore[no-untyped-def]
    draft = save_draft(admin_session, uuid7(), "membership", _answers(), "household-1", base_version=3)
    loaded = load_draft(admin_session, draft.id)
    assert (loaded.kind, loaded.household_id, loaded.base_version) == ("edit", "household-1", 3)


def test_what_is_not_a_form_answer_is_refused(admin_session) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed):
        save_draft(admin_session, uuid7(), "membership", {"postcode": object()})
    with pytest.raises(ValidationFailed):
        save_draft(admin_session, "", "membership", {})
    with pytest.raises(NotFound):
        save_draft(admin_session, uuid7(), "no-such-form", {})


def test_a_training_store_sits_beside_the_real_one_full_of_synthetic_households(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.services.households import search_households

    real = tmp_path / "CentreDesk"
    place = training_data_dir(real)
    assert place == tmp_path / "CentreDesk-training"
    assert training_data_dir(place) == place
    wiring = Wiring(place)
    result = create_training_store(wiring.gate, CentreDetails(PROFILE, "Practice"), "trainer",
                                   "practice makes perfect", wiring.clock, wiring.passwords,
                                   households=20)
    try:
        with result.session.store.reader() as uow:
            assert uow.settings.get("training") == "1"
            assert uow.households.count() == 20
        assert search_households(result.session, "BS")
    finally:
        sign_out(result.session)
    assert not real.exists()
