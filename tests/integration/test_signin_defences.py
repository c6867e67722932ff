"""The sign-in throttle against a hostile ``signin-state.json`` and parallel guessing (issue 8, finding 4)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from centre_desk.domain.clock import FixedClock
from centre_desk.domain.errors import SignInFailed, SignInThrottled
from centre_desk.domain.signin import MAX_WAIT_SECONDS
from centre_desk.services.auth import recover, sign_in, sign_out
from centre_desk.wiring import Wiring
from tests.conftest import ADMIN, ADMIN_PASSWORD, POLICY

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def _reported(w: Wiring) -> list[tuple[str, str, datetime]]:
    session = sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD)
    with session.store.reader() as uow:
        entries = [(e.action, e.source, e.at) for e in uow.audit.entries() if e.source == "reported"]
    sign_out(session)
    return entries


def _state(data_dir: Path) -> Path:
    return data_dir / "signin-state.json"


@pytest.mark.parametrize("content", [
    b"\x00\xff not json at all",
    b"[1, 2, 3]",
    b"[" * 100_000 + b"]" * 100_000,  # nesting deep enough to break a recursive parser
    json.dumps({"epoch": "x", "failures": "everyone"}).encode(),
])
def test_a_corrupt_or_hostile_state_file_never_stops_anyone_signing_in(store, content: bytes) -> None:  # type: ignore[no-untyped-def]
    w = Wiring(store.data_dir, FixedClock(T0))
    sign_out(sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD))
    _state(store.data_dir).write_bytes(content)
    reported = _reported(w)
    assert ("sign-in-state.rebuilt", "reported", T0) in reported
    assert ("sign-in-state.replaced", "reported", T0) in reported  # a new epoch: noticed and written down
    json.loads(_state(store.data_dir).read_text())  # rebuilt as a readable file


def test_malformed_entries_are_dropped_with_one_note_and_times_are_clamped(store) -> None:  # type: ignore[no-untyped-def]
    clock = FixedClock(T0)
    w = Wiring(store.data_dir, clock)
    sign_out(sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD))
    handle = w.gate.handle(ADMIN)
    data = json.loads(_state(store.data_dir).read_text())
    future = (T0 + timedelta(days=365 * 1000)).isoformat()
    data["failures"] = {handle: {"count": 40, "last": future}, "bad handle!": {"count": 1, "last": future},
                        "deadbeef": {"count": "many", "last": "yesterday"}}
    data["pending_audit"] = [
        {"id": "f1", "at": future, "action": "sign-in.failed", "ref": "abcd"},
        {"id": "f2", "at": "2020-01-01T00:00:00+00:00", "action": "staff.added", "ref": "abcd"},
        {"id": "f3", "at": 12, "action": "sign-in.failed", "ref": "abcd"},
        "not even an object",
    ]
    _state(store.data_dir).write_text(json.dumps(data))
    # A `last` a thousand years ahead counts as now: the wait is the policy's, never more.
    with pytest.raises(SignInThrottled) as wait:
        sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD)
    assert wait.value.wait_seconds == MAX_WAIT_SECONDS
    clock.advance(MAX_WAIT_SECONDS + 1)
    reported = _reported(w)
    actions = [a for a, _, _ in reported]
    assert actions.count("sign-in-state.entries-dropped") == 1
    assert "staff.added" not in actions  # an action the sidecar may not report is not written
    failed = [at for a, _, at in reported if a == "sign-in.failed"]
    assert failed == [T0]  # clamped to the time it was read, not a thousand years on


def test_deleting_the_state_file_is_noticed_at_the_next_sign_in(store) -> None:  # type: ignore[no-untyped-def]
    w = Wiring(store.data_dir, FixedClock(T0))
    sign_out(sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD))
    for _ in range(4):
        with pytest.raises(SignInFailed):
            sign_in(w.gate, w.throttle, w.clock, ADMIN, "a wrong guess here")
    _state(store.data_dir).unlink()  # hides the failures waiting to be audited, and resets the count
    assert [a for a, _, _ in _reported(w)].count("sign-in-state.replaced") == 1


def test_sixteen_parallel_wrong_passwords_all_count(store) -> None:  # type: ignore[no-untyped-def]
    clock = FixedClock(T0)
    w = Wiring(store.data_dir, clock)
    outcomes: list[str] = []
    guard = threading.Lock()

    def guess(i: int) -> None:
        mine = Wiring(store.data_dir, clock)  # as if each were its own process: its own objects
        try:
            sign_in(mine.gate, mine.throttle, mine.clock, ADMIN, f"wrong guess number {i}")
        except SignInThrottled:
            result = "throttled"
        except SignInFailed:
            result = "failed"
        with guard:
            outcomes.append(result)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    # Counted before the derivation: only the five free attempts reached Argon2.
    assert sorted(outcomes) == ["failed"] * 5 + ["throttled"] * 11
    clock.advance(31)
    actions = [a for a, _, _ in _reported(w)]
    assert actions.count("sign-in.failed") == 5 and actions.count("sign-in.throttled") == 11


def test_recover_is_throttled_too(store) -> None:  # type: ignore[no-untyped-def]
    clock = FixedClock(T0)
    w = Wiring(store.data_dir, clock)
    wrong = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH"
    for _ in range(5):
        with pytest.raises(SignInFailed):
            recover(w.gate, w.throttle, w.clock, wrong, ADMIN, "a recovered passphrase", POLICY)
    with pytest.raises(SignInThrottled):  # even the right key waits now
        recover(w.gate, w.throttle, w.clock, store.recovery_key, ADMIN, "a recovered passphrase", POLICY)
    clock.advance(31)
    recover(w.gate, w.throttle, w.clock, store.recovery_key, ADMIN, "a recovered passphrase", POLICY)
    sign_out(sign_in(w.gate, w.throttle, w.clock, ADMIN, "a recovered passphrase"))
