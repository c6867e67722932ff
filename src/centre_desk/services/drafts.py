"""Drafts: autosaving a form while it is filled in, and offering it again later.

The screen saves a draft about a second after each change, so a closed lid, a flat battery or an
idle lock in the middle of a home visit loses nothing. Drafts live in the encrypted store with
everything else but are private to the member of staff who started them.

Starting, resuming and discarding a draft are audited; the autosaves in between are not, because
an entry per keystroke pause would bury the audit trail without saying anything new.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from centre_desk.domain.drafts import EDIT, NEW, Draft
from centre_desk.domain.errors import NotFound, ValidationFailed
from centre_desk.domain.staff import Permission

from .profile import form
from .session import DeskSession

# A household of twenty with every box full is well under this; anything bigger is not typing.
MAX_DRAFT_BYTES = 1_000_000
_ID_MAX = 36


def _permission(form_id: str, household_id: str | None) -> Permission:
    if form_id == "membership":
        return Permission.EDIT_HOUSEHOLD if household_id else Permission.REGISTER_HOUSEHOLD
    if form_id == "referral":
        return Permission.RECORD_REFERRAL
    return Permission.VIEW_HOUSEHOLD


def _check_id(draft_id: str) -> str:
    draft_id = draft_id.strip() if isinstance(draft_id, str) else ""
    if not draft_id or len(draft_id) > _ID_MAX:
        raise ValidationFailed.one("draft", "needs an id of at most 36 characters")
    return draft_id


def _plain(data: Mapping[str, Any]) -> dict[str, Any]:
    """The answers as JSON would give them back; refused if they are not JSON or far too large."""
    try:
        text = json.dumps(dict(data), ensure_ascii=False)
    except (TypeError, ValueError):
        raise ValidationFailed.one("draft", "holds something that is not a form answer") from None
    if len(text.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise ValidationFailed.one("draft", "is too large to keep")
    plain: dict[str, Any] = json.loads(text)
    return plain


def save_draft(session: DeskSession, draft_id: str, form_id: str, data: Mapping[str, Any],
               household_id: str | None = None, *, base_version: int | None = None,
               base: Mapping[str, Any] | None = None) -> Draft:
    """Keep ``data`` (the answers as typed) under ``draft_id``, replacing what was kept before.

    ``household_id`` makes it a draft of changes to that household: ``base_version`` and ``base``
    are the version and answers the changes were made against. Another member of staff's draft
    id is refused as unknown.
    """
    session.require(_permission(form_id, household_id))
    draft_id = _check_id(draft_id)
    definition = form(form_id)
    draft = Draft(
        id=draft_id,
        kind=EDIT if household_id and form_id == "membership" else NEW,
        form_id=definition.id,
        form_version=definition.version,
        household_id=household_id,
        staff_id=session.actor.id,
        updated_at=session.clock.now(),
        data=_plain(data),
        base_version=base_version,
        base=_plain(base) if base is not None else None,
    )
    with session.uow() as uow:
        existing = uow.drafts.get(draft_id)
        if existing is not None and existing.staff_id != session.actor.id:
            raise NotFound("no such draft")
        uow.drafts.put(draft)
        if existing is None:
            session.audit(uow, "draft.started", draft_id, form_id)
        uow.commit()
    return draft


def list_drafts(session: DeskSession) -> list[Draft]:
    """The signed-in member of staff's drafts, the most recently changed first."""
    session.require(Permission.VIEW_HOUSEHOLD)
    with session.store.reader() as uow:
        return uow.drafts.for_staff(session.actor.id)


def load_draft(session: DeskSession, draft_id: str) -> Draft:
    """A draft to carry on with. NotFound for an unknown id or someone else's draft."""
    with session.uow() as uow:
        draft = uow.drafts.get(_check_id(draft_id))
        if draft is None or draft.staff_id != session.actor.id:
            raise NotFound("no such draft")
        session.require(_permission(draft.form_id, draft.household_id))
        session.audit(uow, "draft.resumed", draft.id, draft.form_id)
        uow.commit()
    return draft


def discard_draft(session: DeskSession, draft_id: str) -> bool:
    """Delete a draft (after its form was saved, or when staff throw it away).

    Returns False when there was nothing to delete, which is not an error: the form may never
    have been changed enough to be autosaved.
    """
    with session.uow() as uow:
        draft = uow.drafts.get(_check_id(draft_id))
        if draft is None or draft.staff_id != session.actor.id:
            return False
        uow.drafts.delete(draft.id)
        session.audit(uow, "draft.discarded", draft.id, draft.form_id)
        uow.commit()
    return True
