"""Subject access review and release, for a manager: build the pack for one person, look at each
item withheld by default (safeguarding details, who referred, shares the family was not told of)
with its exemption and its text, release an item with a reason or keep it withheld, read the PDF
in a preview, then release: the PDF and the JSON go to a chosen folder and the release is recorded
(``services/subject_access.py``). Closing with decisions made and nothing released asks first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.household import Household
from centre_desk.files import write_private_file
from centre_desk.services.documents import DocumentRenderer
from centre_desk.services.session import DeskSession
from centre_desk.services.subject_access import (
    CHILDREN_BASIS,
    EXEMPT_SAFEGUARDING,
    EXEMPT_THIRD_PARTY,
    PR_EXCLUDED,
    PR_NOT_HELD,
    ReleasedPack,
    SubjectAccessPack,
    Withholding,
    build_subject_access,
    preview_subject_access,
    release_subject_access,
)

from .errors import describe
from .forms.fields import SteadyComboBox
from .questions import Answer, SafeQuestion
from .rights_workbench import FolderRow, button, check_folder, table
from .table_model import HeaderedTableModel
from .tasks import TaskRunner
from .widgets import MessageLabel, heading, named, note

_Index = QModelIndex | QPersistentModelIndex
EXEMPTION_WORDS = {EXEMPT_SAFEGUARDING: "Serious harm", EXEMPT_THIRD_PARTY: "Third-party information"}


class WithheldModel(HeaderedTableModel):
    WHAT, EXEMPTION, DECISION = range(3)
    HEADERS = ("Item", "Exemption", "Decision")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Withholding] = []
        self.reasons: dict[str, str] = {}  # released item -> why

    def set_items(self, items: Sequence[Withholding]) -> None:
        self.beginResetModel()
        self._rows = list(items)
        known = {w.item for w in items}
        self.reasons = {k: v for k, v in self.reasons.items() if k in known}
        self.endResetModel()

    def item(self, row: int) -> Withholding:
        return self._rows[row]

    def decide(self, row: int, release: bool, reason: str) -> None:
        key = self._rows[row].item
        if release:
            self.reasons[key] = reason
        else:
            self.reasons.pop(key, None)
        self.dataChanged.emit(self.index(row, self.DECISION), self.index(row, self.DECISION))

    def _count(self) -> int:
        return len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        w = self._rows[index.row()]
        col = index.column()
        if col == self.WHAT:
            text = w.what
        elif col == self.EXEMPTION:
            text = EXEMPTION_WORDS.get(w.exemption, w.exemption)
        else:
            text = "Released" if w.item in self.reasons else "Withheld"
        return self._text_roles(index, role, text, text)


@dataclass(frozen=True)
class WrittenPack:
    pdf: Path
    json: Path
    released: ReleasedPack


class SubjectAccessDialog(QDialog):
    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], renderer: Callable[[], DocumentRenderer],
                 household: Household, person_id: str | None = None,
                 requests: Sequence[tuple[str, str, str]] = (), parent: QWidget | None = None) -> None:
        """``requests``: (request id, person id, words) of the household's open access requests."""
        super().__init__(parent)
        self._tasks = tasks
        self._session = session
        self._renderer = renderer
        self.setObjectName("subjectAccessDialog")
        self.setAccessibleName("Subject access pack")
        self.setWindowTitle("Subject access pack")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.pack: SubjectAccessPack | None = None
        self.written: WrittenPack | None = None
        self._requests = list(requests)

        self.person = named(SteadyComboBox(), "sarPerson", "Person asking")
        for m in household.members:
            self.person.addItem(m.full_name, m.id)
        if person_id is not None:
            self.person.setCurrentIndex(max(self.person.findData(person_id), 0))
        named(self.person.view(), "sarPersonChoices", "Person asking: choices")
        self.person.currentIndexChanged.connect(lambda _i: self._person_changed())
        self.request = named(SteadyComboBox(), "sarRequest", "For request")
        named(self.request.view(), "sarRequestChoices", "For request: choices")
        self.build_button = button("&Build the pack", "sarBuild", "Build the pack")
        self.build_button.clicked.connect(self.build)
        self.include_children = named(QCheckBox("Include the &children's information"), "sarIncludeChildren",
                              "Include the children's information")
        self.include_children.setChecked(True)
        self.include_children.toggled.connect(lambda _on: self.build())
        self.children_basis = QLabel("")
        self.children_basis.setObjectName("sarChildrenBasis")
        self.children_basis.setWordWrap(True)
        self.model = WithheldModel(self)
        self.view = table("sarWithheld", "Withheld by default",
                          "Each item withheld from the copy, with its exemption; choose one to review it")
        self.view.setModel(self.model)
        self.view.setMinimumHeight(150)
        self.view.horizontalHeader().setStretchLastSection(False)
        self.view.horizontalHeader().setSectionResizeMode(WithheldModel.WHAT, QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().currentRowChanged.connect(lambda _a, _b: self._show_item())
        self.none_withheld = note("Nothing is withheld by default from this person's copy.", "sarNothingWithheld")
        self.value = QLabel("")
        self.value.setObjectName("sarWithheldText")
        self.value.setWordWrap(True)
        self.value.setTextFormat(Qt.TextFormat.PlainText)
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.value.setStyleSheet("padding: 6px; background: palette(alternate-base);")
        self.release = named(QCheckBox("R&elease this item in the copy"), "sarReleaseItem",
                             "Release this item in the copy")
        self.release.toggled.connect(lambda _on: self._decided())
        self.reason = named(QLineEdit(), "sarReleaseReason", "Reason for releasing",
                            "Why the exemption does not apply, for example: the referrer agreed")
        self.reason.setMaxLength(1000)
        self.reason.textEdited.connect(lambda _t: self._decided())
        self.folder = FolderRow("sar")
        self.preview_button = button("&Preview PDF", "sarPreview", "Preview PDF")
        self.preview_button.clicked.connect(self.preview)
        self.release_button = button("Release and &write pack", "sarRelease", "Release and write pack",
                                     "Writes the PDF and the JSON to the folder and records the release")
        self.release_button.clicked.connect(self.release_pack)
        self.close_button = button("Close", "sarClose", "Close")
        self.close_button.clicked.connect(self.reject)
        self.message = MessageLabel("sarMessage")

        top = QFormLayout()
        for label, widget in (("Person &asking", self.person), ("For re&quest", self.request)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            top.addRow(caption, widget)
        review = QFormLayout()
        review.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        text_caption = QLabel("Withheld text:")
        text_caption.setBuddy(self.value)
        review.addRow(text_caption, self.value)
        review.addRow(self.release)
        reason_caption = QLabel("Reason for re&leasing")
        reason_caption.setBuddy(self.reason)
        review.addRow(reason_caption, self.reason)
        folder_caption = QLabel("&Folder")
        folder_caption.setBuddy(self.folder.edit)
        folder_row = QFormLayout()
        folder_row.addRow(folder_caption, self.folder)
        buttons = QHBoxLayout()
        buttons.addWidget(self.preview_button)
        buttons.addStretch(1)
        buttons.addWidget(self.release_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(8)
        layout.addWidget(heading("Subject access pack", 15, "sarHeading"))
        layout.addWidget(note("Safeguarding details, who referred the family and shares the family was not told "
                              "about are withheld by default. Review each: release it with a reason, or keep it "
                              "withheld. The copy lists what was withheld in general terms.", "sarExplain"))
        layout.addLayout(top)
        layout.addWidget(self.build_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.children_basis)
        layout.addWidget(self.include_children)
        layout.addWidget(self.none_withheld)
        layout.addWidget(self.view, 1)
        layout.addLayout(review)
        layout.addLayout(folder_row)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.setTabOrder(self.person, self.request)
        self.setTabOrder(self.request, self.build_button)
        self.resize(900, 700)
        self._person_changed()

    # -- building ---------------------------------------------------------------------------------
    def _person_changed(self) -> None:
        pid = self.person.currentData()
        self.request.clear()
        self.request.addItem("Not linked to a request", None)
        for rid, person, words in self._requests:
            if person == pid:
                self.request.addItem(words, rid)
        if self.request.count() > 1:
            self.request.setCurrentIndex(1)
        self.pack = None
        self.model.set_items([])
        self.include_children.blockSignals(True)
        self.include_children.setChecked(True)
        self.include_children.blockSignals(False)
        self._set_built(False)

    def _set_built(self, built: bool) -> None:
        for w in (self.include_children, self.view, self.none_withheld, self.release, self.reason, self.value,
                  self.preview_button, self.release_button, self.folder):
            w.setEnabled(built)
        if not built:
            self.children_basis.setText("Build the pack to review it.")
            self.include_children.setVisible(False)
            self.none_withheld.setVisible(False)
            self.value.setText("")

    def build(self) -> None:
        session, pid, include = self._session(), str(self.person.currentData()), self.include_children.isChecked()
        self.build_button.setEnabled(False)
        self.message.show_info("Building the pack…")
        # The defaults only: the reviewer's decisions are kept here and applied at preview and release.
        self._tasks.run(lambda: build_subject_access(session, pid, include_children=include), self._built,
                        self._failed, owner=self)

    def _built(self, pack: SubjectAccessPack) -> None:
        self.pack = pack
        self.build_button.setEnabled(True)
        self._set_built(True)
        self.model.set_items(pack.withheld)
        basis = pack.data["children_basis"]
        has_children = bool(pack.data["children"]) or basis == PR_EXCLUDED
        self.include_children.setVisible(has_children and basis != PR_NOT_HELD)
        self.children_basis.setText(CHILDREN_BASIS[basis])
        self.children_basis.setAccessibleName(CHILDREN_BASIS[basis])
        self.none_withheld.setVisible(not pack.withheld)
        self.view.setVisible(bool(pack.withheld))
        self.message.show_info(f"{len(pack.withheld)} item(s) withheld by default. "
                               "Review each, then preview or release.")
        if pack.withheld:
            self.view.selectRow(0)
            self.view.setFocus()
        self._show_item()

    def _failed(self, error: BaseException) -> None:
        self.build_button.setEnabled(True)
        self.preview_button.setEnabled(self.pack is not None)
        self.release_button.setEnabled(self.pack is not None)
        self.message.show_problem(describe(error))

    # -- reviewing --------------------------------------------------------------------------------
    def _row(self) -> int:
        row = self.view.currentIndex().row()
        return row if 0 <= row < self.model.rowCount() else -1

    def _show_item(self) -> None:
        row = self._row()
        has = row >= 0
        for widget in (self.release, self.reason, self.value):
            widget.setEnabled(has)
        w = self.model.item(row) if has else None
        self.value.setText(w.value if w else "")
        self.value.setAccessibleName(f"Withheld text: {w.value}" if w else "Withheld text")
        self.release.blockSignals(True)
        self.release.setChecked(bool(w and w.item in self.model.reasons))
        self.release.blockSignals(False)
        self.reason.setText(self.model.reasons.get(w.item, "") if w else "")

    def _decided(self) -> None:
        row = self._row()
        if row >= 0:
            self.model.decide(row, self.release.isChecked(), self.reason.text())

    def decisions(self) -> dict[str, str]:
        return dict(self.model.reasons)

    # -- preview and release ----------------------------------------------------------------------
    def preview(self) -> None:
        if self.pack is None:
            return
        session, renderer, pid = self._session(), self._renderer, str(self.person.currentData())
        release, include = list(self.model.reasons), self.include_children.isChecked()
        self.preview_button.setEnabled(False)

        def make(_large: bool) -> bytes:
            return preview_subject_access(session, renderer(), pid, release=release, include_children=include)

        def shown(pdf: bytes) -> None:
            from .print_actions import place_preview
            from .print_preview import PrintPreviewDialog

            self.preview_button.setEnabled(True)
            dialog = PrintPreviewDialog("Subject access pack (for review)", pdf, file_name="subject-access",
                                        tasks=self._tasks, parent=self, can_keep=False)
            dialog.finished.connect(lambda _r: dialog.deleteLater())
            place_preview(dialog)
            dialog.open()
            self.preview_dialog = dialog

        self._tasks.run(lambda: make(False), shown, self._failed, owner=self)

    def release_pack(self) -> None:
        if self.pack is None:
            return
        session, renderer, pid = self._session(), self._renderer, str(self.person.currentData())
        reasons, include = self.decisions(), self.include_children.isChecked()
        missing = [self.model.item(row).what for row in range(self.model.rowCount())
                   if self.model.item(row).item in reasons and not reasons[self.model.item(row).item].strip()]
        if missing:
            self.message.show_problem(f"Reason for releasing is required for: {'; '.join(missing)}.")
            self.reason.setFocus()
            return
        request_id = self.request.currentData()
        folder_text = self.folder.edit.text()
        self.release_button.setEnabled(False)

        def work() -> WrittenPack:
            folder = check_folder(folder_text)  # before anything is released or recorded
            pack = release_subject_access(session, renderer(), pid, release=list(reasons), reasons=reasons,
                                          request_id=request_id, include_children=include)
            stem = f"subject-access-{pid}"
            pdf, body = folder / f"{stem}.pdf", folder / f"{stem}.json"
            write_private_file(pdf, lambda: pack.pdf)
            write_private_file(body, lambda: pack.json)
            return WrittenPack(pdf, body, pack)

        self._tasks.run(work, self._released, self._failed, owner=self)

    def _released(self, written: WrittenPack) -> None:
        self.written = written
        self.release_button.setEnabled(True)
        n = len(written.released.withheld)
        self.message.show_info(f"Released and recorded: the PDF and the JSON are in {written.pdf.parent} "
                               f"({n} item(s) withheld, listed in general terms in the copy).")
        self.message.setToolTip(f"{written.pdf.name}, {written.json.name}")
        self.close_button.setFocus()

    # -- closing ----------------------------------------------------------------------------------
    def _unsaved_review(self) -> bool:
        return self.written is None and bool(self.model.reasons)

    def reject(self) -> None:
        if not self._unsaved_review():
            super().reject()
            return
        question = SafeQuestion(self, "discardReviewQuestion", "Discard this review?",
                                "You have released items in this review, but the pack has not been released.",
                                "Closing now discards those decisions.",
                                [Answer("&Keep reviewing", "keepReviewing", QMessageBox.ButtonRole.RejectRole),
                                 Answer("Discard review", "discardReview", QMessageBox.ButtonRole.DestructiveRole,
                                        destructive=True)], safe="keepReviewing")
        question.finished.connect(lambda _r: self._answered(question))
        question.open()
        self.question = question

    def _answered(self, question: SafeQuestion) -> None:
        if question.answer() == "discardReview":
            self.model.reasons.clear()
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._unsaved_review():
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)
