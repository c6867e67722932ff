"""Qt table models for consent: the decisions being recorded, the household's consent history, and
which lawful basis covers each purpose.

Each has column constants, a sort role and an accessible text per cell (``household_models``
does the same), and each is tested with ``qtmodeltester``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from centre_desk.domain.consent import Decision, Method, latest
from centre_desk.domain.household import Household
from centre_desk.domain.organisation import Organisation, Purpose
from centre_desk.services.consent import ConsentLine

from .household_models import uk_date
from .style import problem_colour
from .table_model import HeaderedTableModel

_Index = QModelIndex | QPersistentModelIndex

GIVEN_COLOUR = QColor("#1b5e20")
def refused_colour() -> QColor:
    """Refusals in red, readable on the theme in use (``style.problem_colour``)."""
    return QColor(problem_colour())

DECISION_WORDS = {Decision.GIVEN: "Given", Decision.REFUSED: "Refused", Decision.WITHDRAWN: "Withdrawn"}
NOT_ASKED = "—"


def method_words(decision: Decision, method: Method, has_signature: bool) -> str:
    if method is Method.VERBAL:
        return "Verbal"
    if has_signature:
        return "Signed on screen"
    return "In writing" if decision is Decision.WITHDRAWN else "Signed on paper"


def decision_colour(decision: Decision | None) -> QColor | None:
    if decision is Decision.GIVEN:
        return GIVEN_COLOUR
    if decision in (Decision.REFUSED, Decision.WITHDRAWN):
        return refused_colour()
    return None


_Table = HeaderedTableModel


# -- the decisions being recorded ------------------------------------------------------------------

@dataclass(frozen=True)
class ChoiceRow:
    """One thing to ask one person about: a purpose, and for per-partner purposes one partner."""

    person_id: str
    person_name: str
    is_child: bool
    purpose_id: str
    purpose_name: str
    partner_id: str | None
    partner_name: str
    on_record: str  # what the newest event says now: "Given 03/05/2026", "Not asked yet"
    decision: Decision | None = None
    given_by: str | None = None  # for a child: the adult deciding
    given_by_name: str = ""
    problem: str = ""
    saved: bool = False

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.person_id, self.purpose_id, self.partner_id)

    @property
    def pending(self) -> bool:
        return self.decision is not None and not self.saved

    @property
    def signer_id(self) -> str | None:
        """Who signs (or says) this decision: the adult themselves, or for a child the adult deciding."""
        return self.given_by if self.is_child else self.person_id


def consent_purposes(org: Organisation) -> list[Purpose]:
    return [p for p in org.purposes if p.needs_consent]


def partner_choices(org: Organisation) -> list[tuple[str, str]]:
    """Everyone a per-partner consent can name: the organisation's own services, then partners."""
    seen: set[str] = set()
    out = []
    for item_id, name in [*((s.id, s.name) for s in org.services), *((p.id, p.name) for p in org.partners)]:
        if item_id not in seen:
            seen.add(item_id)
            out.append((item_id, name))
    return out


def build_choices(org: Organisation, household: Household, history: Sequence[ConsentLine], today: date,
                  partners: Iterable[str] = ()) -> list[ChoiceRow]:
    """A row per person per consent-based purpose; per-partner purposes get a row per partner that
    is on record for this household or named in ``partners``. Adults first, then children."""
    events = [line.event for line in history]
    newest = latest(events)
    names = dict(partner_choices(org))
    adults = household.adults(today)
    first_adult = adults[0] if adults else None
    wanted = list(dict.fromkeys([*(e.partner_id for e in events if e.partner_id), *partners]))
    people = [*adults, *household.children(today)]
    rows = []
    for member in people:
        child = member.is_child(today)
        for purpose in consent_purposes(org):
            for partner in (wanted if purpose.per_partner else [None]):
                current = newest.get((member.id, purpose.id, partner))
                on_record = (f"{DECISION_WORDS[current.decision]} {uk_date(current.recorded_at.date())}"
                             if current else "Not asked yet")
                by = None
                if child:
                    by = current.given_by if current and current.given_by else (
                        first_adult.id if first_adult else None)
                by_name = next((a.full_name for a in adults if a.id == by), "") if by else ""
                rows.append(ChoiceRow(member.id, member.full_name, child, purpose.id, purpose.name, partner,
                                      names.get(partner, partner or "") if partner else "", on_record,
                                      given_by=by, given_by_name=by_name))
    return rows


class ConsentChoicesModel(_Table):
    PERSON, PURPOSE, SERVICE, ON_RECORD, DECISION, DECIDED_BY, RESULT = range(7)
    HEADERS = ("Person", "Purpose", "Service or partner", "On record now", "Decision", "Decided by", "Result")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ChoiceRow] = []

    def _count(self) -> int:
        return len(self._rows)

    def set_rows(self, rows: list[ChoiceRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def add_rows(self, rows: list[ChoiceRow]) -> None:
        known = {r.key for r in self._rows}
        fresh = [r for r in rows if r.key not in known]
        if not fresh:
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(fresh) - 1)
        self._rows.extend(fresh)
        self.endInsertRows()

    def rows(self) -> list[ChoiceRow]:
        return list(self._rows)

    def row(self, number: int) -> ChoiceRow:
        return self._rows[number]

    def pending(self) -> list[ChoiceRow]:
        return [r for r in self._rows if r.pending]

    def _update(self, number: int, row: ChoiceRow) -> None:
        self._rows[number] = row
        self.dataChanged.emit(self.index(number, 0), self.index(number, len(self.HEADERS) - 1))

    def set_decision(self, rows: Iterable[int], decision: Decision | None) -> None:
        for number in rows:
            row = self._rows[number]
            if not row.saved:
                self._update(number, replace(row, decision=decision, problem=""))

    def set_given_by(self, rows: Iterable[int], person_id: str, person_name: str) -> None:
        for number in rows:
            row = self._rows[number]
            if row.is_child and not row.saved:
                self._update(number, replace(row, given_by=person_id, given_by_name=person_name, problem=""))

    def set_results(self, results: dict[tuple[str, str, str | None], str | None]) -> None:
        """After saving: ``None`` for a saved row, else the problem in words."""
        for number, row in enumerate(self._rows):
            if row.key in results:
                problem = results[row.key]
                self._update(number, replace(row, saved=problem is None, problem=problem or ""))

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == self.DECISION:
                return decision_colour(row.decision)
            if column == self.RESULT and row.problem:
                return refused_colour()
            return None
        if role == Qt.ItemDataRole.FontRole and column in (self.DECISION, self.RESULT) and (
                row.decision is not None or row.problem):
            font = QFont()
            font.setBold(True)
            return font
        text: str
        key: Any
        if column == self.PERSON:
            text = f"{row.person_name} (child)" if row.is_child else row.person_name
            key = row.person_name.casefold()
        elif column == self.PURPOSE:
            text = key = row.purpose_name
        elif column == self.SERVICE:
            text = key = row.partner_name or "—"
        elif column == self.ON_RECORD:
            text = key = row.on_record
        elif column == self.DECISION:
            if row.decision is None and role == Qt.ItemDataRole.AccessibleTextRole:
                return "Decision: not asked this time"
            text = DECISION_WORDS[row.decision] if row.decision else NOT_ASKED
            key = text
        elif column == self.DECIDED_BY:
            text = (row.given_by_name or "Choose an adult") if row.is_child else "Themselves"
            key = text
        else:
            text = "Saved" if row.saved else row.problem
            key = text
        return self._text_roles(index, role, text, key)


# -- the household's consent history ---------------------------------------------------------------

class ConsentHistoryModel(_Table):
    """Append-only: every decision and withdrawal, newest first; ``current`` marks the newest event
    for its person, purpose and partner (what is in force now)."""

    PERSON, PURPOSE, SERVICE, DECISION, METHOD, WHEN, RECORDED_BY, NOTICE, CURRENT = range(9)
    HEADERS = ("Person", "Purpose", "Service or partner", "Decision", "How", "When", "By", "Notice", "Current")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lines: list[ConsentLine] = []

    def _count(self) -> int:
        return len(self._lines)

    def set_history(self, lines: Sequence[ConsentLine]) -> None:
        self.beginResetModel()
        self._lines = sorted(lines, key=lambda line: (line.event.recorded_at, line.event.id), reverse=True)
        self.endResetModel()

    def line(self, row: int) -> ConsentLine:
        return self._lines[row]

    def lines(self) -> list[ConsentLine]:
        return list(self._lines)

    def current_given(self) -> list[ConsentLine]:
        return [line for line in self._lines if line.current and line.event.decision is Decision.GIVEN]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        line, column = self._lines[index.row()], index.column()
        e = line.event
        if role == Qt.ItemDataRole.ForegroundRole:
            return decision_colour(e.decision) if column == self.DECISION else None
        if role == Qt.ItemDataRole.FontRole and line.current and column in (self.DECISION, self.CURRENT):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.CURRENT:
            return Qt.AlignmentFlag.AlignCenter
        text: str
        key: Any
        if column == self.PERSON:
            text = (f"{line.person_name}, decided by {line.given_by_name}" if line.given_by_name
                    else line.person_name)
            key = line.person_name.casefold()
        elif column == self.PURPOSE:
            text = key = line.purpose_name
        elif column == self.SERVICE:
            text = key = line.partner_name or "—"
        elif column == self.DECISION:
            text = key = DECISION_WORDS[e.decision]
        elif column == self.METHOD:
            text = key = method_words(e.decision, e.method, e.signature_png is not None)
        elif column == self.WHEN:
            # The date in the table; the time too when pointed at or read out.
            full = uk_date(e.recorded_at)
            if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
                return f"Recorded on {full}" if role == Qt.ItemDataRole.ToolTipRole else f"When: {full}"
            text, key = full.split(" ")[0], e.recorded_at.isoformat()
        elif column == self.RECORDED_BY:
            text = key = line.recorded_by
        elif column == self.NOTICE:
            text = key = e.notice_version
        else:
            # A current withdrawal is no agreement in force: it never gets the tick.
            in_force = line.current and e.decision is not Decision.WITHDRAWN
            text, key = ("✓" if in_force else ""), int(in_force)
            if role == Qt.ItemDataRole.AccessibleTextRole:
                if line.current and not in_force:
                    return "Current: no, withdrawn; nothing is in force"
                return f"Current: {'yes' if in_force else 'no, replaced by a later decision'}"
        if role == Qt.ItemDataRole.ToolTipRole and e.note:
            return f"{text}\nNote: {e.note}"
        return self._text_roles(index, role, text, key)


def describe_line(line: ConsentLine) -> str:
    """One history line in a sentence: everything the table has room for and more (the note)."""
    e = line.event
    what = line.purpose_name + (f" with {line.partner_name}" if line.partner_name else "")
    how = method_words(e.decision, e.method, e.signature_png is not None).lower()
    parts = [f"{line.person_name}, {what}: {DECISION_WORDS[e.decision].lower()} ({how}) on {uk_date(e.recorded_at)}."]
    if line.given_by_name:
        parts.append(f"Decided by {line.given_by_name}.")
    parts.append(f"Recorded by {line.recorded_by}; privacy notice version {e.notice_version}.")
    if not line.current:
        parts.append("A later decision has replaced it.")
    if e.note:
        parts.append(f"Note: {e.note}")
    return " ".join(parts)


# -- which lawful basis covers what ----------------------------------------------------------------

def _title(text: str) -> str:
    return text[:1].upper() + text[1:]


class LawfulBasisModel(_Table):
    PURPOSE, BASIS, SPECIAL, CONSENT = range(4)
    HEADERS = ("Purpose", "Lawful basis (UK GDPR Article 6)", "Sensitive information (Article 9)",
               "Consent needed?")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._purposes: list[Purpose] = []

    def _count(self) -> int:
        return len(self._purposes)

    def set_organisation(self, org: Organisation | None) -> None:
        self.beginResetModel()
        self._purposes = list(org.purposes) if org is not None else []
        self.endResetModel()

    def purpose(self, row: int) -> Purpose:
        return self._purposes[row]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        purpose, column = self._purposes[index.row()], index.column()
        basis = purpose.basis
        if role == Qt.ItemDataRole.ForegroundRole and column == self.CONSENT and purpose.needs_consent:
            return GIVEN_COLOUR
        if role == Qt.ItemDataRole.FontRole and column == self.CONSENT and purpose.needs_consent:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return purpose.description or purpose.name
        text: str
        key: Any
        if column == self.PURPOSE:
            text = key = purpose.name
        elif column == self.BASIS:
            text, key = f"{_title(basis.article6_name)} — {basis.article6}", basis.article6
        elif column == self.SPECIAL:
            if basis.article9:
                text = f"{_title(basis.article9_name or 'special category condition')} — {basis.article9}"
            else:
                text = "None needed"
            key = basis.article9 or ""
        else:
            if not purpose.needs_consent:
                text = "No"
            elif purpose.per_partner:
                text = "Yes, for each service or partner"
            else:
                text = "Yes"
            key = (purpose.needs_consent, purpose.per_partner)
        return self._text_roles(index, role, text, key)
