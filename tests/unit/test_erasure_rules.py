"""Why an erasure is refused, worked out from the profile and the records (fakes, no store)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from centre_desk.domain.referral import Referral
from centre_desk.formspec.profiles import load_profile
from centre_desk.services.erasure import _holds, _kept_by_retention, register_hold_check, unregister_hold_check

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _uow(*referrals: Referral) -> Any:
    # No retention holds (services.erasure also asks the retention review's holds).
    return SimpleNamespace(referrals=SimpleNamespace(for_household=lambda _hid: list(referrals)),
                           retention=SimpleNamespace(holds=lambda: []))


def _referral(service: str, people: tuple[str, ...]) -> Referral:
    return Referral("r1", "h1", people, {"service": service}, 1, "staff", NOW)


def test_a_child_protection_referral_keeps_the_record_and_says_why() -> None:
    somerset = load_profile("somerset-childrens-services")
    [reason] = _kept_by_retention(somerset, _uow(_referral("child-protection", ("p1",))), "h1", "p1")
    assert "Child Protection" in reason and "100 years from date of birth" in reason
    # Not about this person: no reason to keep *their* details.
    assert _kept_by_retention(somerset, _uow(_referral("child-protection", ("p2",))), "h1", "p1") == []


def test_a_general_retention_period_is_a_maximum_not_a_reason_to_keep() -> None:
    north = load_profile("north-somerset-children-centres")
    assert _kept_by_retention(north, _uow(_referral("early-help", ("p1",))), "h1", "p1") == []


def test_the_profiles_legal_hold_and_registered_holds_refuse() -> None:
    somerset = load_profile("somerset-childrens-services")
    assert somerset.legal_hold.active
    [hold] = _holds(somerset, _uow(), "h1")
    assert "legal hold" in hold and "Inquiry" in hold
    north = load_profile("north-somerset-children-centres")
    assert _holds(north, _uow(), "h1") == []

    def check(_uow: Any, household_id: str) -> list[str]:
        return ["court proceedings"] if household_id == "h1" else []

    register_hold_check(check)
    try:
        assert _holds(north, _uow(), "h1") == ["the household is on hold: court proceedings"]
        assert _holds(north, _uow(), "h2") == []
    finally:
        unregister_hold_check(check)
