"""Qt table models for one household: its people, contacts and history of changes (referrals are
in ``referral_models``).

Each model has column constants, a sort role (dates sort as dates, ages as numbers) and an
accessible text per cell, and is tested with ``qtmodeltester``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QObject, Qt

from centre_desk.domain.household import FieldChange, Household, Member
from centre_desk.domain.rights import BASIS_NAMES, Disclosure
from centre_desk.formspec.model import FieldDef, FormDefinition
from centre_desk.services.households import CONTACT_TYPE_LABELS

from .forms.values import age_words, choice_label, describe_value, iso_to_uk, yes_no
from .table_model import ID_ROLE, SORT_ROLE, HeaderedTableModel
from .table_model import Index as _Index

__all__ = ["ID_ROLE", "SORT_ROLE"]


def uk_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.astimezone().strftime("%d/%m/%Y %H:%M") if value.tzinfo else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return iso_to_uk(str(value))




class _TableModel(HeaderedTableModel):
    """Rows of prepared cells: each is text, or (text, sort key)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[Any, ...]] = []

    def _count(self) -> int:
        return len(self._rows)

    def _set(self, rows: list[tuple[Any, ...]]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def cell(self, row: int, column: int) -> Any:
        """What the row holds for ``column``: (text, sort key) or just text."""
        return self._rows[row][column]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        value = self.cell(index.row(), index.column())
        text, key = value if isinstance(value, tuple) else (value, value)
        return self._text_roles(index, role, text, key)


class MembersModel(_TableModel):
    NAME, DATE_OF_BIRTH, AGE, ROLE, LIVES_HERE = range(5)
    HEADERS = ("Name", "Date of birth", "Age", "Role", "Lives here")

    def set_household(self, household: Household | None, form: FormDefinition, today: date) -> None:
        rows: list[tuple[Any, ...]] = []
        role_field = _field(form, "role")
        for member in household.members if household else ():
            dob = member.date_of_birth
            age, months = age_words(dob, today)
            role = choice_label(role_field.choices, member.role) if role_field else member.role
            rows.append(((member.full_name, member.full_name.casefold()),
                         (uk_date(dob), dob.isoformat() if dob else ""),
                         (age, months), role, yes_no(member.get("lives_at_address")), member.id))
        self._set(rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == ID_ROLE and index.isValid() and 0 <= index.row() < len(self._rows):
            return self._rows[index.row()][-1]
        return super().data(index, role)


class ContactsModel(_TableModel):
    DATE, TYPE, NOTE, RECORDED_BY = range(4)
    HEADERS = ("Date", "Type", "Note", "Recorded by")

    def set_contacts(self, contacts: Sequence[Mapping[str, Any]]) -> None:
        rows: list[tuple[Any, ...]] = []
        for c in contacts:
            kind = str(c.get("type", ""))
            rows.append(((uk_date(str(c.get("date", ""))), str(c.get("date", ""))),
                         CONTACT_TYPE_LABELS.get(kind, kind), str(c.get("note") or ""),
                         str(c.get("recorded_by") or "")))
        self._set(rows)


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    who: str
    what: str
    before: str
    after: str


def _field(form: FormDefinition, field_id: str) -> FieldDef | None:
    """The field, or the answer that replaced a retired one (``carried_from``: version 2's one
    relationship to the children is version 3's relationship to each child), so older history
    lines read in words too."""
    try:
        return form.field(field_id)
    except KeyError:
        pass
    for f in form.all_fields():
        for item in f.item_fields:
            if item.carried_from == field_id:
                return replace(item, label=f"{item.label} (to all the children, as recorded before form version 3)")
    return None


HOUSEHOLD_LEVEL = {"merged_from": "Merged with another household (its old id)",
                   "external_ref": "Old system's reference"}


FOLDED_INTO = "folded_into"  # member:<folded id>.folded_into -> the surviving person (services.duplicates)


def describe_change(change: FieldChange, household: Household | None, form: FormDefinition,
                    folded: Mapping[str, str] | None = None) -> tuple[str, str, str]:
    """(what changed, before, after) in words: ``Jane Smith: Last name``, not ``member:…last_name``.
    ``folded``: entries folded into another person (folded id -> surviving id), named as hers."""
    if change.field in HOUSEHOLD_LEVEL:  # written by a merge (services.duplicates), not by the form
        return HOUSEHOLD_LEVEL[change.field], str(change.old or ""), str(change.new or "")
    if change.field.startswith("contact:"):
        key = change.field.rpartition(".")[2]
        words = {"date": "Contact: date", "type": "Contact: type", "note": "Contact: note"}.get(key, change.field)

        def said(value: object) -> str:
            if key == "type":
                return CONTACT_TYPE_LABELS.get(str(value), str(value or ""))
            return uk_date(str(value)) if key == "date" and value else str(value or "")

        return words, said(change.old), said(change.new)
    if not change.field.startswith("member:"):
        f = _field(form, change.field)
        if f is None:
            return change.field, str(change.old or ""), str(change.new or "")
        return f.label, describe_value(f, change.old), describe_value(f, change.new)
    person, _, key = change.field[len("member:"):].partition(".")
    member: Member | None = None
    if household is not None:
        member = next((m for m in household.members if m.id == person), None)
    survivor = None
    if member is None and household is not None and folded and person in folded:
        survivor = next((m for m in household.members if m.id == folded[person]), None)
    if member is not None:
        who = member.full_name
    elif survivor is not None:
        who = f"{survivor.full_name} (second entry)"
    else:
        who = "A person no longer in the household"
    if key == FOLDED_INTO:
        return who, "Entered twice", f"Folded into {survivor.full_name}" if survivor else "Folded into another entry"
    if not key:
        before, after = ("", "Added") if change.new == "added" else ("In the household", "Removed")
        return who, before, after
    f = _field(form, key)
    if f is None:
        return f"{who}: {key}", str(change.old or ""), str(change.new or "")
    names = {m.id: m.first_name for m in household.members} if household is not None else None
    return (f"{who}: {f.label}", describe_value(f, change.old, people=names),
            describe_value(f, change.new, people=names))


class HistoryModel(_TableModel):
    WHEN, WHO, WHAT, BEFORE, AFTER = range(5)
    HEADERS = ("When", "Who", "What changed", "Before", "After")

    def set_history(self, history: Sequence[tuple[datetime, str, list[FieldChange]]],
                    household: Household | None, form: FormDefinition) -> None:
        rows: list[tuple[Any, ...]] = []
        folded = {c.field[len("member:"):].partition(".")[0]: str(c.new) for _, _, cs in history for c in cs
                  if c.field.startswith("member:") and c.field.endswith("." + FOLDED_INTO) and c.new}
        for at, who, changes in history:
            for change in changes:
                what, before, after = describe_change(change, household, form, folded)
                rows.append(((uk_date(at), at.isoformat()), who, what, before or "—", after or "—"))
        self._set(rows)

    def rows(self) -> list[HistoryRow]:
        return [HistoryRow(datetime.fromisoformat(r[0][1]), r[1], r[2], r[3], r[4]) for r in self._rows]


class DisclosuresModel(_TableModel):
    """The household's disclosure log: one row per share."""

    DATE, RECIPIENT, PURPOSE, BASIS, SHARED, TOLD = range(6)
    HEADERS = ("Date", "Shared with", "Purpose", "Lawful basis", "What was shared", "Family told")

    def set_disclosures(self, disclosures: Sequence[Disclosure]) -> None:
        rows: list[tuple[Any, ...]] = []
        for d in disclosures:
            told = f"Yes, {d.told_on:%d/%m/%Y}" if d.told_on else f"No: {d.not_told_reason}"
            rows.append(((uk_date(d.on), d.on.isoformat()), d.recipient_name, d.purpose, BASIS_NAMES[d.basis],
                         d.shared, told, d.id))
        self._set(rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == ID_ROLE and index.isValid() and 0 <= index.row() < len(self._rows):
            return self._rows[index.row()][-1]
        return super().data(index, role)
