"""Signing in, locking, and recovering a forgotten password."""

from __future__ import annotations

from centre_desk.domain.audit import SOURCE_REPORTED
from centre_desk.domain.clock import Clock
from centre_desk.domain.errors import SignInFailed, SignInThrottled, ValidationFailed
from centre_desk.domain.signin import RECOVERY_HANDLE
from centre_desk.domain.staff import StaffMember

from .keys import rotate_if_due
from .ports import OpenStore, PasswordPolicy, SignInThrottle, StoreGate, UnitOfWork
from .session import DeskSession

SIGNIN_EPOCH_SETTING = "signin_state_epoch"


def _flush_pending(uow: UnitOfWork, throttle: SignInThrottle, clock: Clock) -> list[str]:
    """Move the sidecar's queued failures into the chain, marked as reported (unauthenticated).

    The sidecar's epoch is remembered in the store: a different one means the file was deleted,
    rebuilt or swapped since the last sign-in, and that is written down too.
    """
    now = clock.now()
    pending = throttle.pending_events(now)
    # Anyone with the files can write the sidecar, so its times are clamped between the chain's
    # newest entry and now: a reported event can neither be back-dated into the store's past
    # (finding: an entry dated 2020 verified as intact) nor dated into the future.
    last = uow.audit.head()
    floor = last.at if last is not None else None
    for e in pending:
        at = min(e.at, now)
        if floor is not None and at < floor:
            at = floor
        uow.audit.append(at, "unknown", e.action, e.ref, source=SOURCE_REPORTED)
    epoch = throttle.epoch(now)
    known = uow.settings.get(SIGNIN_EPOCH_SETTING)
    if known != epoch:
        if known:  # empty: first sign-in after set-up or a restore, nothing to compare with
            uow.audit.append(now, "unknown", "sign-in-state.replaced", None,
                             "the sign-in state file was deleted or replaced", source=SOURCE_REPORTED)
        uow.settings.set(SIGNIN_EPOCH_SETTING, epoch)
    return [e.id for e in pending]


def _begin(throttle: SignInThrottle, handle: str, clock: Clock, kind: str) -> str:
    wait, attempt = throttle.begin_attempt(handle, clock.now(), kind)
    if wait > 0:
        raise SignInThrottled(wait)
    return attempt


def sign_in(gate: StoreGate, throttle: SignInThrottle, clock: Clock, username: str,
            password: str, *, rotate_due: bool = True, kind: str = "sign-in") -> DeskSession:
    """Unlock the store as one member of staff.

    Failures say only "sign-in failed" whether the username or the password was wrong. The
    attempt is counted before the password is checked (so parallel guesses all count); after
    five for one username the caller must wait, and every failure is audited at the next sign-in.
    A re-encryption left due by another process is done here (``rotate_due``), off the GUI thread
    because the window signs in from a background task.
    """
    handle = gate.handle(username)
    attempt = _begin(throttle, handle, clock, kind)
    staff_id, store = gate.unlock(username, password)  # a failure stays counted
    now = clock.now()
    try:
        with store.unit_of_work() as uow:
            member = uow.staff.get(staff_id)
            if member is None or member.disabled:
                raise SignInFailed()
            throttle.record_success(handle, attempt, now)
            flushed = _flush_pending(uow, throttle, clock)
            uow.audit.append(now, member.id, "sign-in")
            uow.commit()
    except BaseException:
        store.lock()
        raise
    throttle.clear_pending(flushed, now)
    session = DeskSession(store, member, clock)
    if rotate_due:
        rotate_if_due(session)
    return session


def unlock_again(gate: StoreGate, throttle: SignInThrottle, clock: Clock, member: StaffMember,
                 password: str) -> DeskSession:
    """After an idle lock: only the member who was signed in may unlock and carry on.

    The slots and the staff list are read afresh, so a member disabled by another process
    meanwhile cannot unlock again.
    """
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


def recover(gate: StoreGate, throttle: SignInThrottle, clock: Clock, recovery_key: str, username: str,
            new_password: str, policy: PasswordPolicy) -> None:
    """Set a new password for a member of staff using the recovery key (throttled like a sign-in).

    The audit entry is committed before the slot is written: a kill in between leaves an entry
    for a change that did not happen, never a change without an entry.
    """
    policy.check(new_password, field="new password", context=[username])
    attempt = _begin(throttle, RECOVERY_HANDLE, clock, "recover")
    store: OpenStore = gate.unlock_with_recovery(recovery_key)
    try:
        throttle.record_success(RECOVERY_HANDLE, attempt, clock.now())
        with store.unit_of_work() as uow:
            member = uow.staff.by_username(username)
            if member is None or member.disabled:
                raise ValidationFailed.one("user", "no active member of staff has that username")
            uow.audit.append(clock.now(), "recovery", "staff.password-recovered", member.id)
            uow.commit()
        store.vault.set_password(member.id, member.username, new_password)
        session = DeskSession(store, StaffMember("recovery", "recovery", member.role), clock)
        rotate_if_due(session, actor="recovery")
    finally:
        store.lock()
