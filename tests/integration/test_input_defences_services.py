"""Issue 8 finding 7 in the services every screen and command goes through: referral free text,
referral step notes, contact notes and consent notes refuse control and direction characters and
overlong text, on a real encrypted store, and nothing is saved when they do."""

from __future__ import annotations

from datetime import date

import pytest

from centre_desk.domain.errors import FieldProblem, ValidationFailed
from centre_desk.services.consent import give_consent
from centre_desk.services.households import household_contacts, record_contact
from centre_desk.services.referrals import add_status, household_referrals, record_referral
from tests.integration.test_referrals import REFERRAL, _household


def refused(call, *args, **kwargs) -> list[FieldProblem]:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    return caught.value.problems


def test_referral_free_text_refuses_escapes_and_overrides(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _household(admin_session)
    problems = refused(record_referral, admin_session, h.id,
                       {**REFERRAL, "referrer_name": "Dr \x1b[8mHidden", "reasons": "Sleep \u202eevil"})
    assert problems == [
        FieldProblem("referrer_name", "must not contain control characters"),
        FieldProblem("reasons", "must not contain characters that change the direction of the text"),
    ]
    assert household_referrals(admin_session, h.id) == []


def test_referral_step_notes_are_checked(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _household(admin_session)
    r = record_referral(admin_session, h.id, {**REFERRAL, "safeguarding_concern": False,
                                               "safeguarding_details": None})
    assert refused(add_status, admin_session, r.id, "accepted", date(2026, 11, 3), "ok\x07") == [
        FieldProblem("note", "must not contain control characters")]
    assert refused(add_status, admin_session, r.id, "accepted", date(2026, 11, 3), "x" * 2001) == [
        FieldProblem("note", "is longer than 2,000 characters")]
    add_status(admin_session, r.id, "accepted", date(2026, 11, 3), "Allocated to Sam.\nFirst visit booked.")
    [saved] = household_referrals(admin_session, h.id)
    assert [e.status for e in saved.events] == ["received", "accepted"]


def test_contact_notes_and_dates_are_checked(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _household(admin_session)
    today = admin_session.clock.today()
    assert refused(record_contact, admin_session, h.id, "session", date(1, 1, 1)) == [
        FieldProblem("date", "is before 01/01/1900")]
    assert refused(record_contact, admin_session, h.id, "session", today, "\x00") == [
        FieldProblem("note", "must not contain control characters")]
    assert refused(record_contact, admin_session, h.id, "session", today, "n" * 130_000) == [
        FieldProblem("note", "is longer than 2,000 characters")]
    assert household_contacts(admin_session, h.id) == []


def test_consent_notes_are_checked(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _household(admin_session)
    assert refused(give_consent, admin_session, h.id, h.members[0].id, "email-contact", method="verbal",
                   notice_version="2026.1", note="Agreed \u2066on the phone\u2069") == [
        FieldProblem("note", "must not contain characters that change the direction of the text")]
