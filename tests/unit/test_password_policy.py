"""Password strength, Argon2id calibration and look-alike usernames (issue 8, findings 4 and 10)."""

from __future__ import annotations

import pytest

from centre_desk.domain.errors import StoreError, ValidationFailed
from centre_desk.security.kdf import FLOOR, KdfParams, calibrate
from centre_desk.security.passwords import HomoglyphGuard, StrengthPolicy, skeleton


@pytest.mark.parametrize(("password", "why"), [
    ("aaaaaaaaaa", "repeated character"),
    ("1234567890", "too common"),
    ("password12", "too common"),
    ("qwertyuiop", "too common"),
    ("abcdefghijkl", "sequence"),
    ("Summer2026!", "too easy to guess"),
])
def test_weak_passwords_are_refused_with_the_reason_and_the_field(password: str, why: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        StrengthPolicy().check(password, field="new password")
    [problem] = err.value.problems
    assert problem.field == "new password" and why in problem.problem
    assert password not in str(err.value)  # the message never repeats the password


def test_the_username_itself_does_not_make_a_strong_password() -> None:
    with pytest.raises(ValidationFailed):
        StrengthPolicy().check("rosalind.quayle1", context=["rosalind.quayle"])


@pytest.mark.parametrize("password", ["correct horse battery", "lantern otter tuesday", "Hillside-otter-lantern-47"])
def test_strong_passwords_pass(password: str) -> None:
    StrengthPolicy().check(password)


def test_the_shape_rules_still_hold() -> None:
    with pytest.raises(ValidationFailed, match="at least 10"):
        StrengthPolicy().check("Zq8#rT!")
    with pytest.raises(ValidationFailed, match="space"):
        StrengthPolicy().check(" lantern otter tuesday")


def _fake_timer(seconds_per_unit: float):  # type: ignore[no-untyped-def]
    """A machine on which a derivation costs ``seconds_per_unit`` per (MiB/64 x time cost)."""
    calls: list[KdfParams] = []

    def timer(p: KdfParams) -> float:
        calls.append(p)
        return seconds_per_unit * (p.memory_kib / (64 * 1024)) * p.time_cost

    return timer, calls


def test_calibration_reaches_the_target_on_a_fast_machine() -> None:
    timer, _ = _fake_timer(0.01)  # 0.03 s at the floor
    params = calibrate(0.3, timer)
    assert 0.3 * 0.8 <= timer(params) <= 0.3 * 1.25
    assert params.memory_kib >= FLOOR.memory_kib and params.time_cost >= FLOOR.time_cost


def test_calibration_never_goes_below_the_floor_on_a_slow_machine() -> None:
    timer, calls = _fake_timer(0.5)  # 1.5 s at the floor already
    assert calibrate(0.3, timer) == FLOOR
    assert calls == [FLOOR]


def test_calibration_target_zero_is_the_floor_without_measuring() -> None:
    timer, calls = _fake_timer(0.01)
    assert calibrate(0, timer) == FLOOR and calls == []


def test_a_slot_below_the_floor_is_refused() -> None:
    with pytest.raises(StoreError):
        KdfParams.from_json({"memory_kib": 1024, "time_cost": 1, "parallelism": 1})


def test_a_cyrillic_look_alike_username_is_caught() -> None:
    guard = HomoglyphGuard()
    assert guard.confusable_with("\u0430lex", ["alex", "bob"]) == "alex"  # Cyrillic а
    assert guard.confusable_with("a1ex", ["alex"]) == "alex"
    assert guard.confusable_with("alexa", ["alex"]) is None
    assert skeleton("ＡＬＥＸ") == skeleton("alex")  # full-width letters fold with NFKC
