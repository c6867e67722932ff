"""Signing in, locking, and recovering a forgotten password."""

from __future__ import annotations

from centre_desk.domain.audit import SOURCE_REPORTED
from centre_desk.domain.clock import Clock
from centre_desk.domain.errors import SignInFailed, SignInNeedsServer, SignInThrottled, ValidationFailed
from centre_desk.domain.signin import RECOVERY_HANDLE
from centre_desk.domain.staff import Role, StaffMember
from centre_desk.domain.sync import DEVICE_REVOKED, ServerRefused

from .keys import rotate_if_due
from .ports import EscrowTicket, OpenStore, PasswordPolicy, ReleaseConnect, SignInThrottle, StoreGate, UnitOfWork
from .session import DeskSession

SIGNIN_EPOCH_SETTING = "signin_state_epoch"
SLOT_CREDENTIALS_SETTING = "slot_credentials:"  # + staff id: the server's credentials stamp the slot was made at


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
            password: str, *, rotate_due: bool = True, kind: str = "sign-in",
            release: ReleaseConnect | None = None) -> DeskSession:
    """Unlock the store as one member of staff.

    Failures say only "sign-in failed" whether the username or the password was wrong. The
    attempt is counted before the password is checked (so parallel guesses all count); after
    five for one username the caller must wait, and every failure is audited at the next sign-in.
    A re-encryption left due by another process is done here (``rotate_due``), off the GUI thread
    because the window signs in from a background task.

    On an enrolled device (``release`` given and an escrow ticket present), a password the local
    slots do not accept is put to the server: a member's first sign-in here, or the first after
    their password was changed centrally (``first_sign_in_online``).
    """
    handle = gate.handle(username)
    attempt = _begin(throttle, handle, clock, kind)
    try:
        staff_id, store = gate.unlock(username, password)  # a failure stays counted
    except SignInFailed:
        if release is None:
            raise
        ticket = gate.escrow_ticket()
        if ticket is None:
            raise
        first_sign_in_online(gate, clock, ticket, release, username, password)
        staff_id, store = gate.unlock(username, password)  # the slot just written, checked like any other
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


def first_sign_in_online(gate: StoreGate, clock: Clock, ticket: EscrowTicket, release: ReleaseConnect,
                         username: str, password: str) -> None:
    """The server checks the password (throttled and audited there) and releases the device's
    sealed key; the member is added here with the role the server gives and a key slot for this
    password, so their later sign-ins work offline. Refusals: ``SignInFailed`` (wrong password or
    unknown member, as offline), ``ServerRefused`` (disabled member, the server's own back-off),
    ``SignInNeedsServer`` (no answer and no slot here). A revoked device wipes its store."""
    server = release(ticket)
    try:
        answer = server.release(username, password)
    except ServerRefused as exc:
        if exc.code == "server-unreachable":
            if gate.has_slot(username):
                raise SignInFailed() from None  # the local password was wrong, and the server cannot say
            raise SignInNeedsServer() from None
        if exc.code in ("sign-in-failed", "token-invalid", "token-missing"):
            raise SignInFailed() from None
        if exc.code == DEVICE_REVOKED:
            gate.wipe()
            raise ServerRefused(exc.code, "this device has been revoked on the server; its local store has been "
                                "wiped", exc.status) from None
        raise
    finally:
        server.close()
    try:
        member = StaffMember(str(answer["member_id"]), str(answer["member_username"]), Role(answer["member_role"]))
        stamp = str(answer.get("member_credentials_at") or "")
        box = dict(answer["escrow"])
    except (KeyError, TypeError, ValueError):
        raise ServerRefused("bad-answer", "the server's answer to the sign-in was not understood") from None
    store = gate.unlock_with_escrow(box)
    try:
        had_slot = False
        now = clock.now()
        with store.unit_of_work() as uow:
            known = uow.staff.get(member.id)
            if known is None:
                if uow.staff.by_username(member.username) is not None:
                    raise ServerRefused("member-mismatch", "a different member of staff with this username is "
                                        "already set up on this device; ask an administrator")
                uow.staff.add(member, now, "server")
                uow.audit.append(now, "server", "staff.added", member.id, member.role.value)
            elif known.disabled:
                raise SignInFailed()
            else:
                had_slot = store.vault.has_slot(member.id)
            uow.settings.set(SLOT_CREDENTIALS_SETTING + member.id, stamp)
            uow.audit.append(now, member.id, "key-slot.released", None, "first sign-in online")
            uow.commit()
        # After the entry: a kill in between leaves an entry and no slot (the next attempt asks again).
        if had_slot:
            # The password was changed on the server: the old one, in an old copy of the slot file,
            # must stop opening anything, so the store is re-encrypted (at the sign-in that follows).
            store.vault.set_password(member.id, member.username, password)
        else:
            store.vault.add_member(member.id, member.username, password)
    finally:
        store.lock()


def unlock_again(gate: StoreGate, throttle: SignInThrottle, clock: Clock, member: StaffMember,
                 password: str, release: ReleaseConnect | None = None) -> DeskSession:
    """After an idle lock: only the member who was signed in may unlock and carry on.

    The slots and the staff list are read afresh, so a member disabled by another process
    meanwhile cannot unlock again.
    """
    session = sign_in(gate, throttle, clock, member.username, password, release=release)
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
