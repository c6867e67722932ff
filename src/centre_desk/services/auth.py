"""Signing in, locking, and recovering a forgotten password."""

from __future__ import annotations

from centre_desk.domain.audit import SOURCE_REPORTED
from centre_desk.domain.clock import Clock
from centre_desk.domain.errors import SignInFailed, SignInThrottled, ValidationFailed
from centre_desk.domain.staff import StaffMember, check_password

from .ports import OpenStore, SignInThrottle, StoreGate, UnitOfWork
from .session import DeskSession


def _flush_pending(uow: UnitOfWork, throttle: SignInThrottle) -> int:
    pending = throttle.pending_events()
    for at, action, ref in pending:
        uow.audit.append(at, "unknown", action, ref, source=SOURCE_REPORTED)
    return len(pending)


def sign_in(gate: StoreGate, throttle: SignInThrottle, clock: Clock, username: str,
            password: str) -> DeskSession:
    """Unlock the store as one member of staff.

    Failures say only "sign-in failed" whether the username or the password was wrong; after five
    for one username the caller must wait, and every failure is audited at the next sign-in.
    """
    handle = gate.handle(username)
    now = clock.now()
    wait = throttle.wait_seconds(handle, now)
    if wait > 0:
        throttle.record_throttled(handle, now)
        raise SignInThrottled(wait)
    try:
        staff_id, store = gate.unlock(username, password)
    except SignInFailed:
        throttle.record_failure(handle, now)
        raise
    try:
        with store.unit_of_work() as uow:
            member = uow.staff.get(staff_id)
            if member is None or member.disabled:
                raise SignInFailed()
            flushed = _flush_pending(uow, throttle)
            uow.audit.append(now, member.id, "sign-in")
            uow.commit()
    except SignInFailed:
        store.lock()
        throttle.record_failure(handle, now)
        raise
    except BaseException:
        store.lock()
        raise
    throttle.clear_pending(flushed)
    throttle.record_success(handle)
    return DeskSession(store, member, clock)


def unlock_again(gate: StoreGate, throttle: SignInThrottle, clock: Clock, member: StaffMember,
                 password: str) -> DeskSession:
    """After an idle lock: only the member who was signed in may unlock and carry on."""
    session = sign_in(gate, throttle, clock, member.username, password)
    if session.actor.id != member.id:
        session.store.lock()
        raise SignInFailed()
    with session.uow() as uow:
        session.audit(uow, "unlock")
        uow.commit()
    return session


def lock(session: DeskSession, reason: str = "manual") -> None:
    """Write the lock to the audit chain, then drop the key."""
    if session.store.locked:
        return
    with session.uow() as uow:
        session.audit(uow, "lock", detail=reason)
        uow.commit()
    session.store.lock()


def sign_out(session: DeskSession) -> None:
    if session.store.locked:
        return
    with session.uow() as uow:
        session.audit(uow, "sign-out")
        uow.commit()
    session.store.lock()


def recover(gate: StoreGate, clock: Clock, recovery_key: str, username: str, new_password: str) -> None:
    """Set a new password for a member of staff using the recovery key."""
    check_password(new_password)
    store: OpenStore = gate.unlock_with_recovery(recovery_key)
    try:
        with store.unit_of_work() as uow:
            member = uow.staff.by_username(username)
            if member is None or member.disabled:
                raise ValidationFailed.one("user", "no active member of staff has that username")
            store.vault.set_password(member.id, member.username, new_password)
            uow.audit.append(clock.now(), "recovery", "staff.password-recovered", member.id)
            uow.commit()
    finally:
        store.lock()
