"""Stand-in for ``services.erasure.erase_household`` until the rights work is merged.

Same signature as the rights helper's function (``erase_household(session, household_id, *,
reason, authority)``), so ``services.retention.destroy_due`` takes either. It does what erasure
does to the local store: the household and every record hanging off it are deleted in one unit
of work, its words overwritten in the search index (``secure-delete``), and the erasure audited
with the reason and authority (no personal data). When ``services.erasure`` exists, the
composition roots pass that instead and this module can go.
"""

from __future__ import annotations

from centre_desk.domain.errors import NotFound
from centre_desk.domain.staff import Permission

from .session import DeskSession


def erase_household(session: DeskSession, household_id: str, *, reason: str, authority: str) -> None:
    session.require(Permission.ERASE)
    with session.uow() as uow:
        if not uow.households.exists(household_id):
            raise NotFound("no such household")
        uow.households.delete_everything(household_id)
        session.audit(uow, "household.erased", household_id, f"{reason}; {authority}")
        uow.commit()
