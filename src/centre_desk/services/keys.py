"""Re-encrypting the store under a fresh key, after someone is disabled or a password changes.

Slow on a big store (it copies the whole database), so the window calls it from a background
task; the storage adapter blocks writers meanwhile and loses none of their work.
"""

from __future__ import annotations

from centre_desk.domain.errors import CentreDeskError

from .session import DeskSession


def rotate_store_key(session: DeskSession, *, actor: str | None = None) -> bool:
    """Re-encrypt now. Returns False when another program has the store open: it stays due, and
    the next sign-in that finds the store free does it."""
    done = session.store.rotate_key()
    if done:
        missed = session.store.left_out
        detail = f"{len(missed)} key slot(s) could not be given the new key" if missed else None
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
