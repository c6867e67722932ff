"""Importing a centre's existing member list (CSV or JSON, as ``centre-desk-admin import`` takes).

All or nothing: "Check the file" validates every record exactly as the import would and lists each
problem by record number, field and problem, saving nothing. Import is offered only once the
check has found none; then every household is saved in one transaction, and the table shows which
new household id each old reference became (and can be saved as CSV).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.errors import ValidationFailed
from centre_desk.services.importing import ImportResult, import_households, parse_import
from centre_desk.services.session import DeskSession

from ..errors import describe
from ..table_model import SORT_ROLE
from ..tasks import TaskRunner
from ..widgets import MessageLabel, heading, line_edit, named, note, record_table
from .models import ImportedModel, ProblemsModel, fit_columns

NOTHING = "Nothing was imported."


def _kind(path: Path) -> str:
    return "csv" if path.suffix.lower() == ".csv" else "json"


def _read(path: Path) -> list[dict[str, Any]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValidationFailed.one("file", "is not there: choose the member list to import") from None
    except OSError as exc:
        raise ValidationFailed.one("file", f"cannot be read ({exc.strerror})") from None
    return parse_import(data, _kind(path))


def mapping_csv(result: ImportResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["record", "ref", "household_id", "person_ids"])
    for r in result.records:
        writer.writerow([r.record, r.ref or "", r.household_id, " ".join(r.person_ids)])
    return out.getvalue()


class ImportPage(QWidget):
    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._session = tasks, session
        self.setObjectName("importPage")
        self.setAccessibleName("Import a member list")
        self.file = line_edit("importFile", "Member list file (CSV or JSON)", max_length=1000)
        self.file.setPlaceholderText("A .csv or .json file, as described in docs/import-formats.md")
        self.file.textChanged.connect(lambda _t: self._forget_check())
        self.choose_button = named(QPushButton("Choo&se…"), "importChoose", "Choose the member list file")
        self.choose_button.clicked.connect(self.choose)
        self.check_button = named(QPushButton("&Check the file"), "importCheck", "Check the file")
        self.check_button.setDefault(True)
        self.check_button.clicked.connect(self.check)
        self.file.returnPressed.connect(self.check)
        self.import_button = named(QPushButton("Im&port these households"), "importRun", "Import these households")
        self.import_button.clicked.connect(self.run_import)
        self.import_button.setEnabled(False)
        self.save_button = named(QPushButton("Sa&ve the list of new ids…"), "importSaveMapping",
                                 "Save the list of new ids")
        self.save_button.clicked.connect(self.save_mapping)
        self.save_button.hide()
        self.summary = MessageLabel("importSummary")
        self.problems = ProblemsModel()
        self.problems_proxy, self.problems_view = record_table(
            self, self.problems, SORT_ROLE, 0, "importProblems", "Problems found",
            "Each problem: the record's number in the file, the field, and what is wrong.")
        self.problems_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        fit_columns(self.problems_view, (10, 30, 40), 2)
        self.problems_view.hide()
        self.records = ImportedModel()
        self.records_proxy, self.records_view = record_table(
            self, self.records, SORT_ROLE, 0, "importRecords", "Households in the file",
            "Each household of the file: its number, the old system's reference, and its new id once imported.")
        self.records_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        fit_columns(self.records_view, (10, 24, 38, 8), 2)
        self.records_view.hide()
        self.result: ImportResult | None = None
        self._checked: Path | None = None

        where = QHBoxLayout()
        label = QLabel("&Member list file")
        label.setBuddy(self.file)
        where.addWidget(label)
        where.addWidget(self.file, 1)
        where.addWidget(self.choose_button)
        buttons = QHBoxLayout()
        for button in (self.check_button, self.import_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(heading("Import a member list", 18, "importHeading"))
        layout.addWidget(note("Households from the centre's old list, as CSV (one row per person, a household "
                              "column grouping them) or JSON. Check the file first: every problem is listed and "
                              "nothing is saved unless every record is right. Then import it all at once.",
                              "importIntro"))
        layout.addLayout(where)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addWidget(self.problems_view, 1)
        layout.addWidget(self.records_view, 1)

    def choose(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, "Choose the member list", self.file.text(),
                                                      "Member lists (*.csv *.json);;All files (*)")
        if chosen:
            self.file.setText(chosen)
            self.check_button.setFocus()

    def _forget_check(self) -> None:
        if self.result is not None and self.result.records and self.result.records[0].household_id:
            return  # an import is shown: keep it until another check
        self._checked = None
        self.import_button.setEnabled(False)

    def _path(self) -> Path | None:
        text = self.file.text().strip()
        if not text:
            self.summary.show_problem("Member list file: choose the file to import.")
            self.file.setFocus()
            return None
        return Path(text).expanduser()

    def check(self) -> None:
        path = self._path()
        if path is None:
            return
        self._start(path, check_only=True)

    def run_import(self) -> None:
        path = self._checked
        if path is None or not self.import_button.isEnabled():
            return
        self._start(path, check_only=False)

    def _start(self, path: Path, *, check_only: bool) -> None:
        session = self._session()
        self.check_button.setEnabled(False)
        self.import_button.setEnabled(False)
        self.save_button.hide()
        self.summary.show_info("Checking every record…" if check_only else "Importing…")

        def work() -> ImportResult:
            return import_households(session, _read(path), check_only=check_only)

        def done(result: ImportResult) -> None:
            self.check_button.setEnabled(True)
            self.result = result
            self.problems_view.hide()
            self.records.set_records(result.records)
            self.records_view.show()
            people = f"{result.households} household{'s' if result.households != 1 else ''} " \
                     f"({result.members} people, {result.contacts} contacts)"
            if check_only:
                self._checked = path
                self.import_button.setEnabled(result.households > 0)
                self.summary.show_info(f"No problems found: {people} can be imported. Nothing has been saved "
                                       "yet; choose Import these households.")
                self.import_button.setFocus()
            else:
                self._checked = None
                self.save_button.show()
                self.summary.show_info(f"Imported {people}. The table shows each record's new household id.")
                self.records_view.setFocus()

        def failed(error: BaseException) -> None:
            self.check_button.setEnabled(True)
            self.result = None
            self._checked = None
            self.records_view.hide()
            if isinstance(error, ValidationFailed):
                self.problems.set_problems(error.problems)
                self.problems_view.show()
                n = len(error.problems)
                self.summary.show_problem(f"{NOTHING} {n} problem{'s' if n != 1 else ''} found in {path.name}: "
                                          "correct the file and check it again.")
                self.problems_view.setFocus()
            else:
                self.problems_view.hide()
                self.summary.show_problem(f"{NOTHING} {describe(error)}")

        self._tasks.run(work, done, failed, owner=self)

    def save_mapping(self) -> Path | None:
        if self.result is None:
            return None
        chosen, _filter = QFileDialog.getSaveFileName(self, "Save the list of new ids", "imported-ids.csv",
                                                      "CSV files (*.csv)")
        return self.save_mapping_to(Path(chosen)) if chosen else None

    def save_mapping_to(self, path: Path) -> Path | None:
        if self.result is None:
            return None
        try:
            path.write_text(mapping_csv(self.result), encoding="utf-8")
        except OSError as exc:
            self.summary.show_problem(f"The list was not saved: {exc.strerror}.")
            return None
        self.summary.show_info(f"Saved the list of new ids to {path}.")
        return path

    def clear(self) -> None:
        """On lock: ids off the screen."""
        self.result = None
        self._checked = None
        self.records.set_records([])
        self.problems.set_problems([])
        self.import_button.setEnabled(False)
        self.save_button.hide()
        self.summary.clear_message()
