"""Argon2id: the one slow step between a password and a key, and its calibration at set-up."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw

from centre_desk.domain.errors import StoreError

KEY_BYTES = 32
# docs/ARCHITECTURE.md: one derivation should take about 0.3 s, so that pressing Sign in still
# reaches the main window within 0.5 s.
TARGET_SECONDS = 0.3
MAX_TIME_COST = 12
MAX_MEMORY_KIB = 1024 * 1024


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters, stored per slot so they can be raised later without breaking old slots."""

    memory_kib: int = 64 * 1024
    time_cost: int = 3
    parallelism: int = 4

    FLOOR_MEMORY_KIB = 64 * 1024
    FLOOR_TIME = 3
    FLOOR_PARALLELISM = 4

    def check_floor(self) -> None:
        if (self.memory_kib < self.FLOOR_MEMORY_KIB or self.time_cost < self.FLOOR_TIME
                or self.parallelism < self.FLOOR_PARALLELISM):
            raise StoreError("a key slot's Argon2id parameters are below the required floor")

    def to_json(self) -> dict[str, int]:
        return {"memory_kib": self.memory_kib, "time_cost": self.time_cost, "parallelism": self.parallelism}

    @classmethod
    def from_json(cls, data: object) -> KdfParams:
        if not isinstance(data, dict):
            raise StoreError("the key slot file is damaged or unreadable")
        try:
            params = cls(int(data["memory_kib"]), int(data["time_cost"]), int(data["parallelism"]))
        except (KeyError, TypeError, ValueError):
            raise StoreError("the key slot file is damaged or unreadable") from None
        params.check_floor()
        return params


FLOOR = KdfParams()


def derive(secret: str, salt: bytes, params: KdfParams) -> bytearray:
    return bytearray(hash_secret_raw(
        secret.encode("utf-8"),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    ))


def calibrate(target_seconds: float = TARGET_SECONDS,
              timer: Callable[[KdfParams], float] | None = None) -> KdfParams:
    """The cheapest parameters at or above the floor that take about ``target_seconds`` here.

    Time cost is raised first (it costs no extra memory on a small laptop), then memory, in steps;
    the floor always holds, however fast or slow the machine. ``timer`` measures one derivation
    (injectable so the tests need not spend real seconds).
    """
    if target_seconds <= 0:
        return FLOOR  # asked for the floor itself (the test suite does, to stay fast)
    measure = timer or _time_one
    params = FLOOR
    taken = measure(params)
    while taken < target_seconds * 0.8:
        if params.time_cost < MAX_TIME_COST:
            step = max(1, min(MAX_TIME_COST - params.time_cost,
                              int(params.time_cost * (target_seconds / max(taken, 1e-6) - 1))))
            nxt = KdfParams(params.memory_kib, params.time_cost + step, params.parallelism)
        elif params.memory_kib < MAX_MEMORY_KIB:
            nxt = KdfParams(min(MAX_MEMORY_KIB, params.memory_kib * 2), params.time_cost, params.parallelism)
        else:
            break
        nxt_taken = measure(nxt)
        if nxt_taken > target_seconds * 1.25:
            break  # one step further overshoots: stay with the last one below
        params, taken = nxt, nxt_taken
    params.check_floor()
    return params


def _time_one(params: KdfParams) -> float:
    start = time.perf_counter()
    derive("calibration", b"\x00" * 16, params)
    return time.perf_counter() - start
