"""Recording a household's consent decisions: per person, per consent-based purpose, and for
per-partner purposes per service or partner; Given or Refused; signed on screen or verbal.

Every decided row is recorded in one go when the person presses Save; a row the services refuse
keeps its problem beside it and the rest are saved. The dialog names the privacy-notice version the
family was given, and offers to print it, because a consent is only as good as the notice behind it.
A second tab shows staff which lawful basis covers which purpose, so they can explain why some
things need the family's agreement and others do not.

Several people may decide in one sitting (a mother for herself and her daughter, a father for
himself): each person signing has their own method and signature ("Person signing"), attached to
their own decisions only, and to a child's decisions when they decided for her. The dialog follows
the rows being marked, and Save refuses until everyone who decided has signed or said so.

Keyboard: in the table, G marks the selected rows Given, R Refused, N (or Delete) Not asked.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QComboBox,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.consent import Decision, Method
from centre_desk.domain.documents import NoticeTemplate, lawful_basis_text, long_date
from centre_desk.domain.errors import CentreDeskError
from centre_desk.domain.household import Household, Member, household_title
from centre_desk.domain.organisation import Organisation
from centre_desk.services.consent import ConsentLine, consent_history, record_decision
from centre_desk.services.documents import DocumentRenderer
from centre_desk.services.profile import profile_of
from centre_desk.services.session import DeskSession

from .consent_models import ChoiceRow, ConsentChoicesModel, LawfulBasisModel, build_choices, partner_choices
from .errors import describe
from .help import install_help
from .print_actions import PRINT_NOTICE, DocumentPrinter
from .signature_pad import InkPoint, SignatureField, strokes_png
from .style import points
from .tasks import TaskRunner
from .widgets import MessageLabel, comfortable_rows, heading, named, note

NOTE_MAX = 500
SAVE_KEYS = "Ctrl+S"
DECISION_KEYS = {Qt.Key.Key_G: Decision.GIVEN, Qt.Key.Key_R: Decision.REFUSED, Qt.Key.Key_N: None,
                 Qt.Key.Key_Delete: None, Qt.Key.Key_Backspace: None}


@dataclass(frozen=True)
class ConsentSetup:
    """What the dialog needs from the store and the printing adapter, read in one background task."""

    org: Organisation
    notice: NoticeTemplate
    history: list[ConsentLine]


def load_consent_setup(session: DeskSession, renderer: DocumentRenderer, household_id: str) -> ConsentSetup:
    org = profile_of(session)
    return ConsentSetup(org, renderer.notice_template(org.id), consent_history(session, household_id))


@dataclass
class SignerState:
    """How one person signing decided, kept while staff move between the people signing."""

    method: Method | None = None
    strokes: list[list[InkPoint]] = field(default_factory=list)
    on_paper: bool = False


@dataclass(frozen=True)
class SignedBy:
    """One person's way of deciding, attached to their decisions (and the children's they decided)."""

    method: Method
    signature_png: bytes | None
    note: str


@dataclass(frozen=True)
class DecisionsToRecord:
    rows: list[ChoiceRow]
    notice_version: str
    signers: dict[str, SignedBy]  # by the person id of who signed or said it


def record_decisions(session: DeskSession, household_id: str, what: DecisionsToRecord,
                     ) -> dict[tuple[str, str, str | None], str | None]:
    """Record each row with its own signer's method and signature; a row the services refuse gets
    its problem in words, the others ``None``."""
    results: dict[tuple[str, str, str | None], str | None] = {}
    for row in what.rows:
        assert row.decision is not None and row.signer_id is not None
        signed = what.signers[row.signer_id]
        try:
            record_decision(session, household_id, row.person_id, row.purpose_id, row.decision,
                            method=signed.method, notice_version=what.notice_version, partner_id=row.partner_id,
                            given_by=row.given_by if row.is_child else None, signature_png=signed.signature_png,
                            note=signed.note)
        except CentreDeskError as error:
            results[row.key] = describe(error).replace("\n", " ")
        else:
            results[row.key] = None
    return results


def household_names(household: Household) -> str:
    """As the household view's title names the household: the adults who live there."""
    return household_title(household)


class DecisionTable(QTableView):
    """The rows to decide. G, R and N decide the selected rows without leaving the keyboard."""

    decide = Signal(object)  # Decision | None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        if key in DECISION_KEYS and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.decide.emit(DECISION_KEYS[key])
            event.accept()
            return
        super().keyPressEvent(event)


class RecordConsentDialog(QDialog):
    """``recorded(count)`` each time decisions are saved (the history then needs reloading)."""

    recorded = Signal(int)

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession],
                 renderer: Callable[[], DocumentRenderer], household: Household,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        install_help(self, "consent")
        self.setObjectName("recordConsentDialog")
        self.setAccessibleName("Record consent")
        self.setWindowTitle("Record consent")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._tasks = tasks
        self._session = session
        self._renderer = renderer
        self.household = household
        self.setup: ConsentSetup | None = None
        self._busy = False
        self.saved_count = 0
        self.printer = DocumentPrinter(tasks, session, renderer, self)

        # -- the top: who, and which notice ---------------------------------------------------
        self.title = heading(f"Record consent: {household_names(household)}", 15, "consentTitle")
        self.title.setToolTip(", ".join(m.full_name for m in household.members))
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.notice_label = QLabel("Reading the privacy notice version…")
        self.notice_label.setObjectName("noticeVersion")
        self.notice_label.setTextFormat(Qt.TextFormat.PlainText)
        self.notice_label.setWordWrap(True)
        self.notice_label.setStyleSheet("font-weight: bold;")
        self.print_notice = named(QPushButton("Print privacy &notice"), "printNoticeFromConsentButton",
                                  PRINT_NOTICE, "Preview, print or save the notice to give the family")
        self.print_notice.setAutoDefault(False)
        self.print_notice.clicked.connect(lambda: self.printer.privacy_notice())

        # -- decisions ------------------------------------------------------------------------
        self.model = ConsentChoicesModel(self)
        self.table = named(DecisionTable(), "consentDecisions", "Consent decisions",
                           "Each row is one person and one purpose. Press G for given, R for refused, N for not "
                           "asked. Shift with the arrow keys selects several rows.")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        # Rows as tall as their wrapped words at the current column widths (a few dozen rows at most).
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        comfortable_rows(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.decide.connect(self.decide_selected)

        self.given_button = named(QPushButton("&Given"), "markGivenButton", "Mark given",
                                  "Mark the selected rows as given (G in the table)")
        self.refused_button = named(QPushButton("&Refused"), "markRefusedButton", "Mark refused",
                                    "Mark the selected rows as refused (R in the table)")
        self.clear_button = named(QPushButton("Not &asked"), "markNotAskedButton", "Mark not asked",
                                  "Leave the selected rows out of this save (N in the table)")
        for button, decision in ((self.given_button, Decision.GIVEN), (self.refused_button, Decision.REFUSED),
                                 (self.clear_button, None)):
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, d=decision: self.decide_selected(d))
        self.decided_by = named(QComboBox(), "decidedByChoice", "Decided by",
                                "For a child: the parent or carer who decided")
        self.decided_by.activated.connect(self._decided_by_chosen)
        # Room for a whole name: at 1024 px the box was squeezed to "Ioana Ră".
        self.decided_by.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.decided_by.setMinimumContentsLength(18)
        decided_by_label = QLabel("For a child, &decided by:")
        decided_by_label.setBuddy(self.decided_by)
        self.partner_choice = named(QComboBox(), "partnerChoice", "Service or partner to ask about")
        self.partner_choice.setMinimumContentsLength(28)
        self.partner_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.add_partner = named(QPushButton("Add ro&ws"), "addPartnerButton", "Add rows for this service or partner")
        self.add_partner.setAutoDefault(False)
        self.add_partner.clicked.connect(self._add_partner)
        self.partner_label = QLabel("Sharing with a further service or par&tner:")
        self.partner_label.setBuddy(self.partner_choice)

        # -- lawful basis ---------------------------------------------------------------------
        self.basis_model = LawfulBasisModel(self)
        self.basis_table = named(QTableView(), "lawfulBasisTable", "Lawful basis for each purpose",
                                 "Which lawful basis covers each purpose, and whether the family's consent is needed")
        self.basis_table.setModel(self.basis_model)
        self.basis_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.basis_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.basis_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.basis_table.setTabKeyNavigation(False)
        self.basis_table.setAlternatingRowColors(True)
        self.basis_table.setWordWrap(True)
        self.basis_table.verticalHeader().setVisible(False)
        basis_header = self.basis_table.horizontalHeader()
        basis_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        basis_header.setSectionResizeMode(LawfulBasisModel.PURPOSE, QHeaderView.ResizeMode.Stretch)
        self.basis_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        comfortable_rows(self.basis_table)
        self.basis_detail = QLabel()
        self.basis_detail.setObjectName("lawfulBasisDetail")
        self.basis_detail.setTextFormat(Qt.TextFormat.PlainText)
        self.basis_detail.setWordWrap(True)
        self.basis_detail.setStyleSheet("padding: 8px; background: palette(alternate-base);")

        self.tabs = named(QTabWidget(), "consentTabs", "Consent decisions and lawful basis")
        self.tabs.tabBar().setObjectName("consentTabBar")
        self.tabs.tabBar().setAccessibleName("Consent sections")
        self.tabs.addTab(self._decisions_page(decided_by_label), "Decisions")
        self.tabs.addTab(self._basis_page(), "Lawful basis: what covers what")

        # -- how the family decided -----------------------------------------------------------
        self.signed = named(QRadioButton("Signed on &screen"), "methodSigned", "Signed on screen",
                            "The family member signs in the box (or signed the paper form)")
        self.verbal = named(QRadioButton("&Verbal (told a member of staff)"), "methodVerbal", "Verbal",
                            "The family member said their decision aloud; you are recording it")
        self.method_group = QButtonGroup(self)
        self.method_group.addButton(self.signed)
        self.method_group.addButton(self.verbal)
        self.method_group.buttonToggled.connect(lambda _b, _on: self._method_changed())
        self.signature = SignatureField()
        self.signature.pad.started.connect(lambda: self.signed.setChecked(True))
        # One method and signature per person signing; the widgets above show the chosen person's.
        self._signers: dict[str, SignerState] = {}
        self._signer_id: str | None = None
        self.signer_choice = named(QComboBox(), "signerChoice", "Person signing",
                                   "Whose method and signature the box below shows: each person signs for "
                                   "their own decisions and for the children they decided for")
        self.signer_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.signer_choice.setMinimumContentsLength(22)
        self.signer_choice.currentIndexChanged.connect(lambda _i: self._signer_chosen())
        self.signer_label = QLabel("Person s&igning:")
        self.signer_label.setObjectName("signerLabel")
        self.signer_label.setBuddy(self.signer_choice)
        self.signer_summary = QLabel()
        self.signer_summary.setObjectName("signerSummary")
        self.signer_summary.setTextFormat(Qt.TextFormat.PlainText)
        self.signer_summary.setWordWrap(True)
        self.note_edit = named(QLineEdit(), "consentNote", "Note", "Optional, for example who interpreted")
        self.note_edit.setMaxLength(NOTE_MAX)
        self.note_edit.setPlaceholderText("Optional, e.g. interpreted by…")

        self.message = MessageLabel("consentMessage", self)
        self.save_button = named(QPushButton("Save decisions"), "saveConsentButton", "Save decisions")
        self.save_button.setDefault(True)
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        self.save_button.setToolTip(f"Save the decisions marked Given or Refused ({SAVE_KEYS})")
        save_shortcut = QShortcut(QKeySequence(SAVE_KEYS), self)
        save_shortcut.activated.connect(self.save)
        self.cancel_button = named(QPushButton("Cancel"), "cancelConsentButton", "Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)

        for combo in (self.decided_by, self.partner_choice, self.signer_choice):
            # The drop-down list is a widget of its own, found by screen readers and tests by name.
            named(combo.view(), f"{combo.objectName()}List", f"{combo.accessibleName()}: choices")
        self._lay_out()
        self._set_tab_order()
        self.table.selectionModel().currentRowChanged.connect(lambda _now, _before: self._row_changed())
        self.basis_table.selectionModel().currentRowChanged.connect(lambda now, _before: self._basis_row(now))
        self._method_changed()
        self._load()

    # -- layout ---------------------------------------------------------------------------------

    def _decisions_page(self, decided_by_label: QLabel) -> QWidget:
        page = QWidget()
        marks = QHBoxLayout()
        marks.setSpacing(8)
        mark_label = QLabel("Selected rows (or keys G, R, N in the table):")
        marks.addWidget(mark_label)
        marks.addWidget(self.given_button)
        marks.addWidget(self.refused_button)
        marks.addWidget(self.clear_button)
        marks.addStretch(1)
        # Who decided for a child and the sharing partner on rows of their own, labels aligned:
        # side by side with the buttons they made the dialog wider than a 1024 px screen.
        choices = QGridLayout()
        choices.setHorizontalSpacing(8)
        choices.setVerticalSpacing(8)
        choices.addWidget(decided_by_label, 0, 0)
        choices.addWidget(self.decided_by, 0, 1)
        choices.addWidget(self.partner_label, 1, 0)
        choices.addWidget(self.partner_choice, 1, 1)
        choices.addWidget(self.add_partner, 1, 2)
        choices.setColumnStretch(1, 1)
        box = QVBoxLayout(page)
        box.setContentsMargins(8, 8, 8, 8)
        box.setSpacing(8)
        box.addWidget(self.table, 1)
        box.addLayout(marks)
        box.addLayout(choices)
        return page

    def _basis_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(8, 8, 8, 8)
        box.setSpacing(8)
        box.addWidget(note("Decisions are recorded only for purposes that need consent. The others rest on another "
                           "lawful basis: the privacy notice tells the family about them, but it is not their "
                           "agreement that makes them lawful."))
        box.addWidget(self.basis_table, 1)
        box.addWidget(self.basis_detail)
        return page

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.setSpacing(12)
        names = QVBoxLayout()
        names.setSpacing(2)
        names.addWidget(self.title)
        names.addWidget(self.notice_label)
        top.addLayout(names, 1)
        top.addWidget(self.print_notice, 0, Qt.AlignmentFlag.AlignVCenter)

        method = QGroupBox("How each person decided")
        method.setObjectName("consentMethod")
        left = QVBoxLayout()
        left.setSpacing(8)
        who = QHBoxLayout()
        who.setSpacing(8)
        who.addWidget(self.signer_label)
        who.addWidget(self.signer_choice, 1)
        left.addLayout(who)
        left.addWidget(self.signer_summary)
        left.addWidget(self.signed)
        left.addWidget(self.verbal)
        left.addSpacing(6)
        note_label = QLabel("N&ote:")
        note_label.setBuddy(self.note_edit)
        left.addWidget(note_label)
        left.addWidget(self.note_edit)
        left.addStretch(1)
        inner = QHBoxLayout(method)
        inner.setSpacing(16)
        inner.addLayout(left, 2)
        inner.addWidget(self.signature, 3)

        footer = QHBoxLayout()
        footer.setSpacing(10)
        footer.addWidget(self.message, 1)
        footer.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignBottom)
        footer.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignBottom)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 12)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(method)
        layout.addLayout(footer)

    def _set_tab_order(self) -> None:
        """Reading order, as one closed loop: the notice button, the tab bar, the current tab's
        widgets (the other tab's are hidden and skipped), how the family decided, then Save and
        Cancel, and round to the top. Leaving the loop open let Tab on the Lawful basis tab fall
        into the hidden Decisions page and back to the tab bar, never reaching Save."""
        order = [self.print_notice, self.tabs.tabBar(),
                 self.table, self.given_button, self.refused_button, self.clear_button, self.decided_by,
                 self.partner_choice, self.add_partner,
                 self.basis_table,
                 self.signer_choice, self.signed, self.verbal, self.note_edit, self.signature.on_paper,
                 self.signature.clear_button,
                 self.save_button, self.cancel_button]
        for first, second in itertools.pairwise([*order, order[0]]):
            self.setTabOrder(first, second)

    def place(self) -> None:
        """As large as a 1366x768 laptop screen allows."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        self.resize(min(1240, area.width() - 40), min(740, area.height() - 24))

    def _fit_columns(self) -> None:
        widths = {ConsentChoicesModel.PERSON: 190, ConsentChoicesModel.PURPOSE: 250,
                  ConsentChoicesModel.SERVICE: 200, ConsentChoicesModel.ON_RECORD: 150,
                  ConsentChoicesModel.DECISION: 100, ConsentChoicesModel.DECIDED_BY: 170}
        for column, width in widths.items():
            self.table.setColumnWidth(column, round(points(width)))  # wider with larger text

    # -- loading --------------------------------------------------------------------------------

    def _load(self) -> None:
        session, renderer, household_id = self._session(), self._renderer, self.household.id
        self._tasks.run(lambda: load_consent_setup(session, renderer(), household_id), self._loaded,
                        self._load_failed, owner=self)

    def _load_failed(self, error: BaseException) -> None:
        self.notice_label.setText("The privacy notice version could not be read.")
        self.message.show_problem(describe(error))

    def _loaded(self, setup: ConsentSetup) -> None:
        self.setup = setup
        notice = setup.notice
        self.notice_label.setText(f"Privacy notice given to the family: version {notice.version}, "
                                  f"in force from {long_date(notice.effective_date)}")
        self.notice_label.setAccessibleName(self.notice_label.text())
        today = self._session().clock.today()
        self.model.set_rows(build_choices(setup.org, self.household, setup.history, today))
        self.basis_model.set_organisation(setup.org)
        self._fill_adults(self.household.adults(today))
        self._fill_signers(self.household.adults(today))
        self.model.dataChanged.connect(lambda *_args: self._refresh_signers())
        self._fill_partners()
        self._fit_columns()
        self.save_button.setEnabled(True)
        if self.model.rowCount():
            self.table.selectionModel().setCurrentIndex(
                self.model.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
        else:
            self.message.show_info("This organisation has no purposes that rest on consent.")
        self.table.setFocus()

    def _fill_adults(self, adults: list[Member]) -> None:
        self.decided_by.clear()
        for adult in adults:
            self.decided_by.addItem(adult.full_name, adult.id)
        if not adults:
            self.decided_by.addItem("No adult in the household", None)

    def _fill_signers(self, adults: list[Member]) -> None:
        """Every adult may sign: for themselves, and for the children they decide for."""
        self.signer_choice.blockSignals(True)
        self.signer_choice.clear()
        for adult in adults:
            self.signer_choice.addItem(adult.full_name, adult.id)
            self._signers.setdefault(adult.id, SignerState())
        self.signer_choice.blockSignals(False)
        self._signer_id = adults[0].id if adults else None
        self._show_signer()
        self._refresh_signers()

    def _decisions_of(self, signer_id: str) -> list[ChoiceRow]:
        return [r for r in self.model.pending() if r.signer_id == signer_id]

    def _refresh_signers(self) -> None:
        """Each name in the list says how many decisions it signs; the words under it say which."""
        for i in range(self.signer_choice.count()):
            person_id = str(self.signer_choice.itemData(i))
            name = next((a.full_name for a in self.household.members if a.id == person_id), "")
            count = len(self._decisions_of(person_id))
            self.signer_choice.setItemText(
                i, f"{name} ({count} decision{'s' if count != 1 else ''})" if count else name)
        self.signer_label.setVisible(self.signer_choice.count() > 1)
        self.signer_choice.setVisible(self.signer_choice.count() > 1)
        if self._signer_id is None:
            self.signer_summary.setText("")
            return
        theirs = self._decisions_of(self._signer_id)
        if not theirs:
            # With one adult there is nobody else to choose: say nothing until rows are marked.
            several = self.signer_choice.count() > 1
            self.signer_summary.setText("Nothing marked for this person to sign yet." if several else "")
            self.signer_summary.setVisible(several)
            return
        self.signer_summary.setVisible(True)
        parts = [r.purpose_name + (f" ({r.partner_name})" if r.partner_name else "")
                 + (f" for {r.person_name}" if r.is_child else "") for r in theirs]
        self.signer_summary.setText("Signs for: " + "; ".join(parts) + ".")

    def _keep_signer(self) -> None:
        """What the widgets show now, into the state of the person they belong to."""
        if self._signer_id is None:
            return
        self._signers[self._signer_id] = SignerState(self.method(), [list(s) for s in self.signature.pad.strokes],
                                                     self.signature.signed_on_paper())

    def _show_signer(self) -> None:
        state = self._signers.get(self._signer_id or "", SignerState())
        self.method_group.setExclusive(False)
        self.signed.setChecked(state.method is Method.SIGNED)
        self.verbal.setChecked(state.method is Method.VERBAL)
        self.method_group.setExclusive(True)
        self.signature.on_paper.setChecked(state.on_paper)
        self.signature.pad.set_strokes(state.strokes)
        self._method_changed()

    def _signer_chosen(self) -> None:
        chosen = self.signer_choice.currentData()
        if chosen is None or chosen == self._signer_id:
            return
        self._keep_signer()
        self._signer_id = str(chosen)
        self._show_signer()
        self._refresh_signers()

    def choose_signer(self, person_id: str | None) -> None:
        found = self.signer_choice.findData(person_id) if person_id else -1
        if found >= 0:
            self.signer_choice.setCurrentIndex(found)

    def _fill_partners(self) -> None:
        assert self.setup is not None
        per_partner = any(p.per_partner and p.needs_consent for p in self.setup.org.purposes)
        shown = {r.partner_id for r in self.model.rows() if r.partner_id}
        self.partner_choice.clear()
        for partner_id, name in partner_choices(self.setup.org):
            if partner_id not in shown:
                self.partner_choice.addItem(name, partner_id)
        for widget in (self.partner_label, self.partner_choice, self.add_partner):
            widget.setVisible(per_partner)
        self.add_partner.setEnabled(self.partner_choice.count() > 0)

    # -- deciding -------------------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        return rows

    def decide_selected(self, decision: Decision | None) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        self.model.set_decision(rows, decision)
        self.message.clear_message()
        if decision is not None:
            # Whoever decided these rows signs next.
            self.choose_signer(self.model.row(rows[-1]).signer_id)
        if len(rows) == 1 and rows[0] + 1 < self.model.rowCount():
            # One row at a time: move on to the next, as on a paper form.
            self.table.selectionModel().setCurrentIndex(
                self.model.index(rows[0] + 1, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)

    def _row_changed(self) -> None:
        rows = self.selected_rows()
        children = [self.model.row(r) for r in rows if self.model.row(r).is_child]
        self.decided_by.setEnabled(bool(children))
        if children and children[0].given_by:
            found = self.decided_by.findData(children[0].given_by)
            if found >= 0:
                self.decided_by.setCurrentIndex(found)

    def _decided_by_chosen(self, index: int) -> None:
        person_id = self.decided_by.itemData(index)
        if person_id:
            self.model.set_given_by(self.selected_rows(), str(person_id), self.decided_by.itemText(index))
            if any(self.model.row(r).pending for r in self.selected_rows()):
                self.choose_signer(str(person_id))

    def _add_partner(self) -> None:
        if self.setup is None or self.partner_choice.currentIndex() < 0:
            return
        partner_id = str(self.partner_choice.currentData())
        today = self._session().clock.today()
        fresh = [r for r in build_choices(self.setup.org, self.household, self.setup.history, today, [partner_id])
                 if r.partner_id == partner_id]
        first = self.model.rowCount()
        self.model.add_rows(fresh)
        self._fill_partners()
        if self.model.rowCount() > first:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(first, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
            self.table.scrollTo(self.model.index(first, 0))
            self.table.setFocus()

    def _basis_row(self, index: QModelIndex | QPersistentModelIndex) -> None:
        if not index.isValid():
            self.basis_detail.clear()
            return
        purpose = self.basis_model.purpose(index.row())
        self.basis_detail.setText(f"{purpose.name}: {purpose.description}\n{lawful_basis_text(purpose.basis)}")

    def _method_changed(self) -> None:
        self.signature.setEnabled(not self.verbal.isChecked())

    # -- saving ---------------------------------------------------------------------------------

    def method(self) -> Method | None:
        if self.signed.isChecked():
            return Method.SIGNED
        if self.verbal.isChecked():
            return Method.VERBAL
        return None

    def save(self) -> None:
        if self._busy or self.setup is None:
            return
        pending = self.model.pending()
        if not pending:
            self._problem("Mark at least one row Given or Refused (G or R in the table).", self.table)
            return
        undecided: dict[tuple[str, str, str | None], str | None] = {
            r.key: "Choose the adult who decided for this child." for r in pending
                     if r.is_child and not r.given_by}
        if undecided:
            self.model.set_results(undecided)
            self._problem("Say which adult decided for each child (the 'decided by' list).", self.decided_by)
            return
        self._keep_signer()
        shared_note = self.note_edit.text().strip()
        signers: dict[str, SignedBy] = {}
        several = len({r.signer_id for r in pending}) > 1
        for signer_id in dict.fromkeys(r.signer_id for r in pending):
            assert signer_id is not None
            state = self._signers.get(signer_id, SignerState())
            name = next((m.full_name for m in self.household.members if m.id == signer_id), "")
            who = name if several else "the family"
            if state.method is None:
                self.choose_signer(signer_id)
                self._problem(f"Choose how {who} decided: signed on screen, or verbal.", self.signed)
                return
            if state.method is Method.SIGNED and not state.on_paper and not any(state.strokes):
                self.choose_signer(signer_id)
                self._problem(f"Ask {name or 'the family member'} to sign in the box, or tick 'Family member "
                              "signed on paper instead'.", self.signature.on_paper)
                return
            note_text = (f"Signed on paper. {shared_note}".strip()
                         if state.method is Method.SIGNED and state.on_paper else shared_note)
            png = strokes_png(state.strokes) if state.method is Method.SIGNED and not state.on_paper else None
            signers[signer_id] = SignedBy(state.method, png, note_text)
        what = DecisionsToRecord(pending, self.setup.notice.version, signers)
        session, household_id = self._session(), self.household.id
        self._set_busy(True)
        self._tasks.run(lambda: record_decisions(session, household_id, what), self._saved, self._failed,
                        owner=self)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.save_button.setEnabled(not busy)
        if busy:
            self.message.show_info("Saving…")

    def _problem(self, text: str, widget: QWidget) -> None:
        self.message.show_problem(text)
        widget.setFocus()

    def _saved(self, results: dict[tuple[str, str, str | None], str | None]) -> None:
        self._set_busy(False)
        self.model.set_results(results)
        saved = sum(1 for problem in results.values() if problem is None)
        failed = len(results) - saved
        self.saved_count += saved
        if saved:
            self.recorded.emit(saved)
        if not failed:
            self.message.show_info(f"Saved {saved} decision{'s' if saved != 1 else ''}.")
            self.accept()
            return
        self._problem(f"{failed} decision{'s were' if failed != 1 else ' was'} not saved: see the Result column. "
                      f"{saved} saved." if saved else
                      "Nothing was saved: see the Result column.", self.table)

    def _failed(self, error: BaseException) -> None:
        # Some rows may have been saved before the error: the history is reloaded either way.
        self._set_busy(False)
        self.recorded.emit(0)
        self._problem(describe(error), self.save_button)
