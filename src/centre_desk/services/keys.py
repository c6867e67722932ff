"""Re-encrypting the store under a fresh key, after someone is disabled or a password changes.

Slow on a big store (it copies the whole database), so the window calls it from a background
task; the storage adapter blocks writers meanwhile and loses none of their work.
"""

from __future__ import annotations

from centre_desk.domain.errors import CentreDeskError
from centre_desk.domain.staff import Permission, require

from .session import DeskSession

RECOVERY_OK, RECOVERY_LEGACY, RECOVERY_MISSING = "ok", "legacy", "missing"

RECOVERY_ADVICE = {
    RECOVERY_LEGACY: "The recovery key was made before key rotation existed: it still opens the store, but the "
                     "next re-encryption (after someone is disabled or a password changes) would stop it "
                     "working. Make a new recovery key now.",
    RECOVERY_MISSING: "This store has no working recovery key: if every administrator forgets their password, "
                      "nobody can open it. Make a new recovery key now.",
}


def rotate_store_key(session: DeskSession, *, actor: str | None = None) -> bool:
    """Re-encrypt now. Returns False when another program has the store open: it stays due, and
    the next sign-in that finds the store free does it."""
    had_recovery = session.store.vault.recovery_state() != RECOVERY_MISSING
    done = session.store.rotate_key()
    if done:
        missed = session.store.left_out
        detail = f"{len(missed)} key slot(s) could not be given the new key" if missed else None
        if had_recovery and session.store.vault.recovery_state() == RECOVERY_MISSING:
            detail = f"{detail}; the recovery key no longer opens the store" if detail else \
                "the recovery key no longer opens the store"
        with session.uow() as uow:
            uow.audit.append(session.clock.now(), actor or session.actor.id, "store.re-encrypted", None, detail)
            uow.commit()
    return done


def rotate_if_due(session: DeskSession, *, actor: str | None = None) -> bool:
    try:
        if not session.store.rotation_due():
            return False
    except CentreDeskError:
        return False
    return rotate_store_key(session, actor=actor)


def recovery_key_state(session: DeskSession) -> str:
    """``ok``, ``legacy`` or ``missing``; see ``RECOVERY_ADVICE`` for what to tell an administrator."""
    return session.store.vault.recovery_state()


def renew_recovery_key(session: DeskSession) -> str:
    """Replace the recovery key (administrators). Returns the new key, to be shown once; the old one
    stops opening the store when the store is re-encrypted, which is done here if nobody else has it
    open, else at the next sign-in that finds it free."""
    require(session.actor, Permission.MANAGE_STAFF)
    with session.uow() as uow:  # written before the slot, as for passwords: never a change without an entry
        uow.audit.append(session.clock.now(), session.actor.id, "recovery-key.renewed")
        uow.commit()
    key = session.store.vault.renew_recovery()
    rotate_store_key(session)
    return key
