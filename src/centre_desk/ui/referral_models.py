"""The household's referrals as a Qt table model, and the words for one referral's detail line.

Service ids, urgency values and person ids are turned into the names staff use here, once, when
the rows are set; the model then only hands out prepared text and sort keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QBrush, QColor

from centre_desk.domain.household import Household
from centre_desk.domain.referral import STATUSES, Referral
from centre_desk.formspec.model import FormDefinition

from .forms.values import choice_label
from .table_model import ID_ROLE, SORT_ROLE, HeaderedTableModel
from .table_model import Index as _Index

__all__ = ["ID_ROLE", "SORT_ROLE", "ReferralRow", "ReferralsModel", "describe_referral", "next_steps",
           "status_word"]

SAFEGUARDING_YES = "⚠ Yes"
CONCERN_COLOUR = "#a4161a"


def status_word(status: str) -> str:
    return status.capitalize()


def next_steps(referral: Referral) -> tuple[str, ...]:
    """The statuses that may follow: any later one (a step may be skipped), none once closed."""
    if referral.closed or referral.status not in STATUSES:
        return ()
    return STATUSES[STATUSES.index(referral.status) + 1:]


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral
    service: str
    urgency: str
    people: str


class ReferralsModel(HeaderedTableModel):
    SERVICE, RECEIVED, URGENCY, STATUS, SAFEGUARDING, PEOPLE = range(6)
    HEADERS = ("Service", "Received", "Urgency", "Status", "Safeguarding", "About")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ReferralRow] = []

    def _count(self) -> int:
        return len(self._rows)

    def set_referrals(self, referrals: Sequence[Referral], household: Household | None, form: FormDefinition,
                      services: Mapping[str, str]) -> None:
        names = {m.id: m.full_name for m in household.members} if household is not None else {}
        urgency = form.field("urgency").choices
        rows = []
        for r in referrals:
            service = str(r.fields.get("service") or "")
            people = ", ".join(names.get(p, "A person no longer in the household") for p in r.person_ids)
            rows.append(ReferralRow(r, services.get(service, service),
                                    choice_label(urgency, r.fields.get("urgency")), people or "The household"))
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row(self, row: int) -> ReferralRow:
        return self._rows[row]

    def rows(self) -> list[ReferralRow]:
        return list(self._rows)

    def _cell(self, row: ReferralRow, column: int) -> tuple[str, Any]:
        r = row.referral
        if column == self.SERVICE:
            return row.service, row.service.casefold()
        if column == self.RECEIVED:
            received = r.events[0].on if r.events else r.recorded_at.date()
            return f"{received:%d/%m/%Y}", (received.isoformat(), r.recorded_at.isoformat())
        if column == self.URGENCY:
            order = {"urgent": 0, "soon": 1, "routine": 2}.get(str(r.fields.get("urgency")), 3)
            return row.urgency, order
        if column == self.STATUS:
            return status_word(r.status), STATUSES.index(r.status) if r.status in STATUSES else -1
        if column == self.SAFEGUARDING:
            return (SAFEGUARDING_YES, 0) if r.safeguarding_concern else ("No", 1)
        return row.people, row.people.casefold()

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        row = self._rows[index.row()]
        if role == ID_ROLE:
            return row.referral.id
        text, key = self._cell(row, index.column())
        if (role == Qt.ItemDataRole.ForegroundRole and index.column() == self.SAFEGUARDING
                and row.referral.safeguarding_concern):
            return QBrush(QColor(CONCERN_COLOUR))
        if role == Qt.ItemDataRole.AccessibleTextRole and index.column() == self.SAFEGUARDING:
            return "Safeguarding concern: yes" if row.referral.safeguarding_concern else "Safeguarding concern: no"
        return self._text_roles(index, role, text, key)


def describe_referral(row: ReferralRow) -> str:
    """The detail line under the table: why, what the family needs, and each step with its date."""
    r = row.referral
    parts = [f"{row.service} — about {row.people}."]
    for label, key in (("Reasons", "reasons"), ("Needs", "needs")):
        text = str(r.fields.get(key) or "").strip()
        if text:
            parts.append(f"{label}: {text}")
    steps = []
    for event in r.events:
        step = f"{status_word(event.status)} {event.on:%d/%m/%Y}"
        if event.note:
            step += f" ({event.note})"
        steps.append(step)
    if steps:
        parts.append("Steps: " + " → ".join(steps) + ".")
    return "\n".join(parts)
