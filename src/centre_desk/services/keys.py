"""Re-encrypting the store under a fresh key, after someone is disabled or a password changes.

Slow on a big store (it copies the whole database), so the window calls it from a background
task; the storage adapter blocks writers meanwhile and loses none of their work.
"""

from __future__ import annotations

from centre_desk.domain.errors import CentreDeskError
from centre_desk.domain.staff import Permission, require

from .documents import DocumentRenderer
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


def print_recovery_sheet(session: DeskSession, renderer: DocumentRenderer, key: str, *,
                         large_print: bool = False) -> bytes:
    """The printable recovery sheet for a key just made (administrators): the key, what it is for and
    how to keep it. Audited without the key, which never goes into the trail, a log or an error."""
    from centre_desk.domain.documents import PlainDocument, PlainSection, long_datetime

    from .profile import profile_of

    require(session.actor, Permission.MANAGE_STAFF)
    org = profile_of(session)
    now = session.clock.now()
    with session.uow() as uow:
        centre = uow.settings.get("centre_name") or ""
        doc = PlainDocument(
            title="Centre Desk recovery key", organisation_name=org.name,
            reference=f"recovery key made {now:%Y-%m-%d}", printed_at=now, subject=centre,
            intro=("This sheet opens every record on the desk if all the administrators' passwords are lost. "
                   "Keep it like a key to the filing cabinet: on paper, in a locked place, away from the "
                   "computer.",),
            sections=(
                PlainSection("The recovery key", rows=(("Recovery key", key), ("Made", long_datetime(now)),
                                                       ("Centre", centre or org.name))),
                PlainSection("When to use it", paragraphs=(
                    "Only when no administrator can sign in: with it, centre-desk-admin recover sets a new "
                    "password, and a backup can be restored.",
                    "A newer recovery key replaces this one: then destroy this sheet (shred it).")),
                PlainSection("Keep it safe", paragraphs=(
                    "Do not photograph it, e-mail it or keep it on the computer. Anyone holding it and a copy "
                    "of the store can read every family's records.",)),
            ),
        )
        pdf = renderer.plain_document(org, doc, large_print=large_print)
        session.audit(uow, "print.recovery-sheet")
        uow.commit()
    return pdf
