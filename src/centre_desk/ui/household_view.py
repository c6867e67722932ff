"""One household: who is in it, how to reach them, when the centre last saw them, what changed.

Opening the page is what gets audited (``open_household``). The address and contact details stay
in view on the left; people, contacts, referrals and the history of changes are tabs on the
right, each a table over a Qt model. A safeguarding concern is a red banner across the top that
cannot be missed or scrolled away.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.household import FieldChange, Household, household_title
from centre_desk.domain.rights import Disclosure, Objection, RequestStatus, RightKind
from centre_desk.domain.staff import Permission
from centre_desk.services.disclosures import list_disclosures
from centre_desk.services.documents import DocumentRenderer
from centre_desk.services.households import (
    CONTACT_TYPE_LABELS,
    MEMBERSHIP,
    household_contacts,
    household_history,
    open_household,
)
from centre_desk.services.profile import form as form_definition
from centre_desk.services.profile import profile_of
from centre_desk.services.rights import RestrictionState, household_objections, restriction_state
from centre_desk.services.session import DeskSession

from .a11y import expose
from .consent_section import ConsentSection
from .contact_dialog import RecordContactDialog
from .context import no_renderer
from .correct_contact_dialog import CorrectContactDialog
from .duplicates_review import FoldDialog, fold_all
from .errors import describe
from .forms.values import describe_value
from .household_models import ID_ROLE, ContactsModel, DisclosuresModel, HistoryModel, MembersModel, uk_date
from .person_details import PeopleOpener, PersonDetails
from .print_actions import DocumentPrinter
from .referrals_section import ReferralsSection
from .rights_dialogs import DisclosureDialog, EraseDialog, RestrictDialog
from .rights_workbench import TAB_TITLE as RIGHTS_TAB_TITLE
from .rights_workbench import PortabilityDialog, RightsSection, SeenDialog, uk
from .style import points
from .subject_access_dialog import SubjectAccessDialog
from .tasks import TaskRunner
from .widgets import heading, named, read_only_table

if TYPE_CHECKING:
    from centre_desk.services.sync import Connect

SAFEGUARDING_COLOUR = "#a4161a"
RESTRICTED_COLOUR = "#7a4b00"  # dark amber: 7.6:1 with white text
DETAILS_WIDTH = 360  # the address and contact column, on a wide screen
DETAILS_MIN_WIDTH = 220  # ... and on a 1024 px one, where the tabs need the room


@dataclass(frozen=True)
class HouseholdRecord:
    household: Household
    history: list[tuple[datetime, str, list[FieldChange]]]
    contacts: list[dict[str, Any]]
    disclosures: list[Disclosure] = field(default_factory=list)
    restriction: RestrictionState = field(default_factory=lambda: RestrictionState(False, frozenset()))
    objections: list[Objection] = field(default_factory=list)


def load_record(session: DeskSession, household_id: str) -> HouseholdRecord:
    """Everything the page shows, read in one background task."""
    household = open_household(session, household_id)  # a merged-away id opens the household it joined
    return HouseholdRecord(household, household_history(session, household.id),
                           household_contacts(session, household.id), list_disclosures(session, household.id),
                           restriction_state(session, household.id), household_objections(session, household.id))


def days_ago(on: date, today: date) -> str:
    days = (today - on).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 60:
        return f"{days} days ago"
    months = days // 30
    return f"about {months} months ago" if months < 24 else f"about {days // 365} years ago"


_table = read_only_table


def _empty_note(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(placeholder-text); padding: 12px 4px;")
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    return label


class HouseholdView(QWidget):
    """``edit_requested(Household)`` when Edit is pressed."""

    edit_requested = Signal(object)

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], parent: QWidget | None = None, *,
                 renderer: Callable[[], DocumentRenderer] | None = None,
                 sync_connect: Callable[[], Connect | None] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("householdView")
        self._tasks = tasks
        self._session = session
        self._renderer = renderer or no_renderer
        # The way to the sync server (asked afresh: the composition root may set it after this is
        # built); "who has seen" adds the other devices' entries with it.
        self._sync_connect = sync_connect or (lambda: None)
        self.definition = form_definition(MEMBERSHIP)
        self.household: Household | None = None
        self.contacts: list[dict[str, Any]] = []

        self.title = heading("", 18, "householdTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.address = QLabel()
        self.address.setObjectName("householdAddress")
        self.address.setTextFormat(Qt.TextFormat.PlainText)
        self.address.setWordWrap(True)
        self.external_ref = QLabel()
        self.external_ref.setObjectName("householdExternalRef")
        self.external_ref.setAccessibleName("Reference in the old system")
        self.external_ref.setTextFormat(Qt.TextFormat.PlainText)
        self.external_ref.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.contact_button = named(QPushButton("&Record contact"), "recordContactAction", "Record contact")
        self.contact_button.setAutoDefault(True)
        self.contact_button.clicked.connect(self.record_contact)
        self.edit_button = named(QPushButton("&Edit household"), "editHouseholdButton", "Edit household",
                                 "Shortcut: Ctrl+E")
        self.edit_button.setAutoDefault(True)
        self.edit_button.clicked.connect(self._edit)
        # Data protection, for managers: restrict processing (or lift it) and erase a person.
        self.restrict_button = named(QPushButton("Restrict…"), "restrictHouseholdButton", "Restrict processing",
                                     "Make the household read-only and keep it out of mailing and sharing")
        self.restrict_button.clicked.connect(self.restrict)
        self.erase_button = named(QPushButton("Erase person…"), "erasePersonButton", "Erase person",
                                  "Erase the person chosen in the People tab")
        self.erase_button.clicked.connect(self.erase)
        # For managers: one person entered twice in this household, folded into one.
        self.fold_button = named(QPushButton("Same person entered &twice…"), "foldPersonButton",
                                 "Same person entered twice",
                                 "Fold two entries of one person into one; everything recorded for either stays")
        self.fold_button.clicked.connect(self.fold)
        self.fold_dialog: FoldDialog | None = None
        self.restriction = RestrictionState(False, frozenset())
        self.rights_dialog: QDialog | None = None
        shortcut = QShortcut(QKeySequence("Ctrl+E"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self._edit)

        self.banner = QLabel("Safeguarding concern recorded for this household. Speak to the safeguarding lead "
                             "before sharing anything about this family.")
        self.banner.setObjectName("safeguardingBanner")
        expose(self.banner, "Safeguarding concern")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(f"background: {SAFEGUARDING_COLOUR}; color: white; font-weight: bold; "
                                  f"font-size: {points(13)}pt; padding: 10px 14px; border-radius: 4px;")
        self.banner.setVisible(False)
        self.restricted_banner = QLabel()
        self.restricted_banner.setObjectName("restrictedBanner")
        expose(self.restricted_banner, "Processing restricted")
        self.restricted_banner.setWordWrap(True)
        self.restricted_banner.setStyleSheet(f"background: {RESTRICTED_COLOUR}; color: white; font-weight: bold; "
                                             f"font-size: {points(12)}pt; padding: 8px 14px; border-radius: 4px;")
        self.restricted_banner.setVisible(False)
        # An upheld objection: that purpose is not used for the person (everyone at the desk sees it).
        self.objections_note = QLabel()
        self.objections_note.setObjectName("objectionsNote")
        self.objections_note.setWordWrap(True)
        self.objections_note.setTextFormat(Qt.TextFormat.PlainText)
        self.objections_note.setStyleSheet(f"border-left: 4px solid {RESTRICTED_COLOUR}; padding: 6px 12px; "
                                           "font-weight: bold;")
        self.objections_note.setVisible(False)
        self.last_contact = QLabel()
        self.last_contact.setObjectName("lastContact")
        self.last_contact.setTextFormat(Qt.TextFormat.PlainText)
        self.last_contact.setStyleSheet(f"font-size: {points(13)}pt; font-weight: bold; padding: 8px 12px; "
                                        "background: palette(alternate-base); border-left: 4px solid #2f6f9f;")
        self.message = QLabel()
        self.message.setObjectName("householdMessage")
        self.message.setWordWrap(True)
        self.message.setVisible(False)

        self.details = QWidget()
        self.details_form = QFormLayout(self.details)
        self.details_form.setContentsMargins(14, 12, 14, 12)
        self.details_form.setVerticalSpacing(8)
        self.details_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        details_scroll = QScrollArea()
        details_scroll.setObjectName("householdDetails")
        details_scroll.setWidgetResizable(True)
        details_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        details_scroll.setWidget(self.details)
        # Up to 360 px on a wide screen, down to 220 on a 1024 px one, where the tabs need the room.
        details_scroll.setMinimumWidth(DETAILS_MIN_WIDTH)
        details_scroll.setMaximumWidth(DETAILS_WIDTH)
        details_scroll.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.details_scroll = details_scroll
        details_box = QVBoxLayout()
        details_box.setSpacing(4)
        details_box.addWidget(heading("Address and contact", 12, "householdDetailsHeading"))
        details_box.addWidget(details_scroll, 1)

        self.members_model = MembersModel(self)
        self.contacts_model = ContactsModel(self)
        self.history_model = HistoryModel(self)
        self.members_view = _table("householdMembers", "People in the household")
        self.members_view.setModel(self.members_model)
        # The selected person's details under the table; Enter or a double-click opens them alone.
        self.person_details = PersonDetails(self.definition)
        self.person_scroll = QScrollArea()
        self.person_scroll.setObjectName("personDetailsScroll")
        self.person_scroll.setWidgetResizable(True)
        self.person_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.person_scroll.setWidget(self.person_details)
        self.people = PeopleOpener(self.members_view, self.person_details, self.definition)
        self.members_view.setAccessibleDescription("Enter or a double-click opens the person's details")
        self.contacts_view = _table("householdContacts", "Contacts with the household")
        self.contacts_view.setModel(self.contacts_model)
        # Notes are what grow; the rest are short.
        self.contacts_view.horizontalHeader().setStretchLastSection(False)
        self.contacts_view.horizontalHeader().setSectionResizeMode(ContactsModel.NOTE, QHeaderView.ResizeMode.Stretch)
        self.correct_button = named(QPushButton("Correct se&lected contact…"), "correctContactAction",
                                    "Correct selected contact", "The old details are kept in the changes")
        self.correct_button.clicked.connect(self.correct_contact)
        self.history_view = _table("householdHistory", "History of changes")
        self.history_view.setModel(self.history_model)
        self.no_contacts = _empty_note("No contacts recorded yet. Use Record contact when the family comes to "
                                       "a session, phones, or is visited.", "noContacts")
        self.no_history = _empty_note("", "noHistory")
        self.disclosures_model = DisclosuresModel(self)
        self.disclosures_view = _table("householdDisclosures", "Disclosures of this household's information")
        self.disclosures_view.setModel(self.disclosures_model)
        self.no_disclosures = _empty_note("Nothing about this household has been shared with another "
                                          "organisation.", "noDisclosures")
        self.tabs = named(QTabWidget(), "householdTabs", "Household record",
                          "Ctrl+Tab moves between people, contacts, referrals, changes and consent")
        self.tabs.tabBar().setObjectName("householdTabBar")
        # Every tab whole: scroll buttons left "Consent (5 in fo" cut at the edge on a 1024 px screen.
        self.tabs.setUsesScrollButtons(False)
        self.tabs.tabBar().setStyleSheet("QTabBar::tab { padding-left: 0.55em; padding-right: 0.55em; }")
        self.tabs.tabBar().setAccessibleName("Household record sections")
        for view, empty, name in ((self.members_view, None, "People"),
                                  (self.contacts_view, self.no_contacts, "Contacts"),
                                  (self.history_view, self.no_history, "Changes")):
            page = QWidget()
            box = QVBoxLayout(page)
            box.setContentsMargins(8, 8, 8, 8)
            if empty is not None:
                box.addWidget(empty)
            box.addWidget(view, 1)
            if view is self.members_view:
                box.addWidget(self.person_scroll, 1)
                box.addWidget(self.fold_button, 0, Qt.AlignmentFlag.AlignLeft)
            if view is self.contacts_view:
                box.addWidget(self.correct_button, 0, Qt.AlignmentFlag.AlignLeft)
            self.tabs.addTab(page, name)
        # Referrals: recording one and moving it on. A save reloads the page, so a safeguarding
        # concern just recorded shows in the banner at once.
        self.referrals = ReferralsSection(tasks, session)
        self.referrals_tab = self.tabs.insertTab(2, self.referrals, "Referrals")
        self.referrals.summary_changed.connect(lambda text: self.tabs.setTabText(self.referrals_tab, text))
        self.referrals.recorded.connect(self._referral_recorded)
        # Consent: its history, recording and withdrawing, and the family's printed documents.
        self.consent = ConsentSection(tasks, session, renderer or no_renderer)
        self.consent_tab = self.tabs.addTab(self.consent, "Consent")
        self.consent.summary_changed.connect(lambda text: self.tabs.setTabText(self.consent_tab, text))
        # Disclosures: every share with another organisation, from the disclosure log.
        self.printer = DocumentPrinter(tasks, session, renderer or no_renderer, self)
        self.sharing_letter_button = named(QPushButton("Print &sharing letter"), "printSharingLetterButton",
                                           "Print the letter telling the family about the chosen share")
        self.sharing_letter_button.clicked.connect(self.print_sharing_letter)
        self.correction_button = named(QPushButton("Print &correction confirmation"), "printCorrectionButton",
                                       "Print the confirmation of the newest change for the family")
        self.correction_button.clicked.connect(self.print_correction)
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(8, 8, 8, 8)
        box.addWidget(self.no_disclosures)
        box.addWidget(self.disclosures_view, 1)
        self.log_disclosure_button = named(QPushButton("&Log a disclosure…"), "logDisclosureButton",
                                           "Log a disclosure", "Record a share with another organisation")
        self.log_disclosure_button.clicked.connect(self.log_disclosure)
        disclosure_buttons = QHBoxLayout()
        disclosure_buttons.addWidget(self.log_disclosure_button)
        disclosure_buttons.addWidget(self.sharing_letter_button)
        disclosure_buttons.addStretch(1)
        box.addLayout(disclosure_buttons)
        self.disclosures_tab = self.tabs.addTab(page, "Sharing")  # short: every tab fits at 1024 px
        # Data protection, for managers: requests, objections, subject access, portability, who has seen.
        self.rights = RightsSection(tasks, session)
        self.rights_tab = self.tabs.addTab(self.rights, RIGHTS_TAB_TITLE)
        self.rights.summary_changed.connect(lambda text: self.tabs.setTabText(self.rights_tab, text))
        self.rights.chosen_person = self._chosen_person
        self.rights.changed.connect(lambda: self.load(self.household.id) if self.household else None)
        self.rights.subject_access_wanted.connect(self.subject_access)
        self.rights.portability_wanted.connect(self.portability)
        self.rights.seen_wanted.connect(self.who_has_seen)
        changes_page = self.tabs.widget(3)
        changes_layout = changes_page.layout() if changes_page is not None else None
        if changes_layout is not None:
            changes_layout.addWidget(self.correction_button)

        header = QHBoxLayout()
        names = QVBoxLayout()
        names.setSpacing(2)
        names.addWidget(self.title)
        names.addWidget(self.address)
        names.addWidget(self.external_ref)
        header.addLayout(names, 1)
        header.addWidget(self.contact_button, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.restrict_button, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.erase_button, 0, Qt.AlignmentFlag.AlignTop)
        body = QHBoxLayout()
        body.setSpacing(16)
        body.addLayout(details_box)
        body.addWidget(self.tabs, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 14, 24, 14)
        layout.setSpacing(10)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addWidget(self.restricted_banner)
        layout.addWidget(self.objections_note)
        layout.addWidget(self.last_contact)
        layout.addWidget(self.message)
        layout.addLayout(body, 1)
        self.setTabOrder(self.contact_button, self.edit_button)
        self.setTabOrder(self.edit_button, self.restrict_button)
        self.setTabOrder(self.restrict_button, self.erase_button)
        self.setTabOrder(self.erase_button, self.tabs)

    # -- loading ----------------------------------------------------------------------------------

    def load(self, household_id: str, then: Callable[[], object] | None = None) -> None:
        session = self._session()
        self.message.setVisible(False)

        def shown(record: HouseholdRecord) -> None:
            self.show_record(record)
            if then is not None:
                then()

        self._tasks.run(lambda: load_record(session, household_id), shown, self._failed, owner=self)

    def _failed(self, error: BaseException) -> None:
        self.message.setText(describe(error))
        self.message.setVisible(True)

    def show_record(self, record: HouseholdRecord) -> None:
        household = record.household
        self.household = household
        today = self._session().clock.today()
        self.title.setText(household_title(household))
        fields = household.fields
        where = [str(fields.get(k)) for k in ("address_line1", "address_line2", "town", "postcode") if fields.get(k)]
        self.address.setText(", ".join(where))
        self.external_ref.setText(f"Old system's reference: {household.external_ref}" if household.external_ref else "")
        self.external_ref.setVisible(bool(household.external_ref))
        self.banner.setVisible(household.safeguarding_concern)
        self.members_model.set_household(household, self.definition, today)
        self.people.set_household(household)
        self._show_contacts(record.contacts)
        self.history_model.set_history(record.history, household, self.definition)
        self.no_history.setText(f"No changes since the household was registered on "
                                f"{uk_date(household.created_at)}." if not record.history else "")
        self.no_history.setVisible(not record.history)
        self.history_view.setVisible(bool(record.history))
        self.tabs.setTabText(0, f"People ({len(household.members)})")
        self.tabs.setTabText(3, f"Changes ({self.history_model.rowCount()})")
        self._fill_details(household)
        self.consent.show_household(household)
        self.referrals.show_household(household)
        session = self._session()
        self.disclosures_model.set_disclosures(record.disclosures)
        self.no_disclosures.setVisible(not record.disclosures)
        self.disclosures_view.setVisible(bool(record.disclosures))
        if record.disclosures:
            self.disclosures_view.selectRow(0)
        may_print = session.actor.may(Permission.PRINT)
        self.sharing_letter_button.setVisible(bool(record.disclosures) and may_print)
        self.log_disclosure_button.setVisible(session.actor.may(Permission.LOG_DISCLOSURE))
        self.correction_button.setVisible(bool(record.history) and may_print)
        self.tabs.setTabText(self.disclosures_tab, f"Sharing ({len(record.disclosures)})")
        r = record.restriction
        if r.household:
            text = ("Processing of this household is restricted (a data protection request). It can be read "
                    "but not changed, shared, merged or mailed until the restriction is lifted.")
        elif r.people:
            who = ", ".join(m.full_name for m in household.members if m.id in r.people)
            text = (f"Processing is restricted for {who} (a data protection request): their details can be read "
                    "but not changed, shared or mailed until the restriction is lifted.")
        else:
            text = ""
        self.restricted_banner.setText(text)
        self.restricted_banner.setVisible(r.any)
        self.edit_button.setEnabled(session.actor.may(Permission.EDIT_HOUSEHOLD) and not r.household)
        self.restriction = r
        self.restrict_button.setVisible(session.actor.may(Permission.RIGHTS_REQUESTS))
        self._show_objections(household, record.objections)
        manager = session.actor.may(Permission.RIGHTS_REQUESTS)
        self.tabs.setTabVisible(self.rights_tab, manager)
        if manager:
            self.rights.show_household(household)
        self.restrict_button.setText("Lift restriction…" if r.household else "Restrict…")
        self.restrict_button.setAccessibleName("Lift the restriction" if r.household else "Restrict processing")
        self.erase_button.setVisible(session.actor.may(Permission.ERASE))
        self.fold_button.setVisible(session.actor.may(Permission.MERGE_HOUSEHOLDS) and len(household.members) > 1)
        self.contact_button.setEnabled(session.actor.may(Permission.RECORD_CONTACT))
        self.correct_button.setEnabled(session.actor.may(Permission.RECORD_CONTACT))

    def _show_objections(self, household: Household, objections: list[Objection]) -> None:
        upheld = [o for o in objections if o.upheld]
        names = {m.id: m.full_name for m in household.members}
        purposes = {p.id: p.name for p in profile_of(self._session()).purposes}
        lines = [f"Objection upheld ({uk(o.at)}): {names.get(o.person_id, 'a person since erased')} — "
                 f"“{purposes.get(o.purpose_id, o.purpose_id)}” is not used for them." for o in upheld
                 if o.person_id in names]
        self.objections_note.setText("\n".join(lines))
        expose(self.objections_note, "Objections upheld")
        self.objections_note.setVisible(bool(lines))

    def _show_contacts(self, contacts: list[dict[str, Any]]) -> None:
        self.contacts = contacts
        self.contacts_model.set_contacts(contacts)
        self.no_contacts.setVisible(not contacts)
        self.contacts_view.setVisible(bool(contacts))
        self.correct_button.setVisible(bool(contacts))
        self.tabs.setTabText(1, f"Contacts ({len(contacts)})")
        today = self._session().clock.today()
        if contacts:
            latest = contacts[0]
            on = date.fromisoformat(str(latest["date"]))
            kind = CONTACT_TYPE_LABELS.get(str(latest.get("type")), str(latest.get("type")))
            self.last_contact.setText(f"Last contact: {on:%d/%m/%Y} ({days_ago(on, today)}) — {kind}")
        else:
            self.last_contact.setText("Last contact: none recorded yet")
        expose(self.last_contact, "Last contact")

    def _fill_details(self, household: Household) -> None:
        while self.details_form.rowCount():
            self.details_form.removeRow(0)
        shown = 0
        for section in self.definition.sections:
            if section.repeated:
                continue
            for f in section.fields:
                text = describe_value(f, household.fields.get(f.id))
                if not text:
                    continue
                label = QLabel(f.label)
                label.setStyleSheet("color: palette(placeholder-text);")
                value = QLabel(text)
                value.setObjectName(f"detail:{f.id}")
                expose(value, f.label)
                value.setTextFormat(Qt.TextFormat.PlainText)
                value.setWordWrap(True)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.details_form.addRow(label, value)
                shown += 1
        if not shown:
            self.details_form.addRow(_empty_note("No details recorded.", "noDetails"))

    # -- actions ----------------------------------------------------------------------------------

    def _edit(self) -> None:
        if self.household is not None and self.edit_button.isEnabled():
            self.edit_requested.emit(self.household)

    def record_contact(self) -> RecordContactDialog | None:
        if self.household is None or not self.contact_button.isEnabled():
            return None
        dialog = RecordContactDialog(self._tasks, self._session, self.household.id, self)
        dialog.recorded.connect(lambda _contact: self._reload_contacts())
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        self.contact_dialog = dialog
        return dialog

    def print_sharing_letter(self) -> None:
        row = self.disclosures_view.currentIndex().row()
        if self.household is None or row < 0:
            return
        disclosure_id = self.disclosures_model.index(row, 0).data(ID_ROLE)
        self.printer.sharing_notice(self.household.id, str(disclosure_id))

    def print_correction(self) -> None:
        if self.household is not None:
            self.printer.rectification(self.household.id)

    def log_disclosure(self) -> DisclosureDialog | None:
        if self.household is None or not self.log_disclosure_button.isVisible():
            return None
        dialog = DisclosureDialog(self._tasks, self._session, self.household, self)
        self._open_dialog(dialog)
        return dialog

    def restrict(self) -> RestrictDialog | None:
        if self.household is None or not self.restrict_button.isVisible():
            return None
        dialog = RestrictDialog(self._tasks, self._session, self.household, self.restriction.household, self)
        self._open_dialog(dialog)
        return dialog

    def erase(self) -> EraseDialog | None:
        if self.household is None or not self.erase_button.isVisible():
            return None
        row = self.members_view.currentIndex().row()
        chosen = self.members_model.index(row, 0).data(ID_ROLE) if row >= 0 else None
        dialog = EraseDialog(self._tasks, self._session, self.household, chosen, self)
        self._open_dialog(dialog)
        return dialog

    def _chosen_person(self) -> str | None:
        row = self.members_view.currentIndex().row()
        chosen = self.members_model.index(row, 0).data(ID_ROLE) if row >= 0 else None
        return str(chosen) if chosen else None

    def _may_rights(self) -> bool:
        return self.household is not None and self._session().actor.may(Permission.RIGHTS_REQUESTS)

    def subject_access(self) -> SubjectAccessDialog | None:
        if not self._may_rights() or self.household is None:
            return None
        requests = [(e.request.id, e.request.person_id, f"Access request received {uk(e.request.received)}, due "
                     f"{uk(e.request.due)}") for e in self.rights.requests_model.entries()
                    if e.request.kind is RightKind.ACCESS and e.request.status is not RequestStatus.CLOSED]
        dialog = SubjectAccessDialog(self._tasks, self._session, self._renderer, self.household,
                                     self._chosen_person(), requests, self)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.finished.connect(lambda _r: self.rights.reload())
        dialog.open()
        self.rights_dialog = dialog
        return dialog

    def portability(self) -> PortabilityDialog | None:
        if not self._may_rights() or self.household is None or not self._session().actor.may(Permission.EXPORT):
            return None
        dialog = PortabilityDialog(self._tasks, self._session, self.household, self)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        self.rights_dialog = dialog
        return dialog

    def who_has_seen(self) -> SeenDialog | None:
        if self.household is None or not self._session().actor.may(Permission.VIEW_AUDIT):
            return None
        dialog = SeenDialog(self._tasks, self._session, self.household, household_title(self.household), self,
                            connect=self._sync_connect())
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        self.rights_dialog = dialog
        return dialog

    def fold(self) -> FoldDialog | None:
        """Two entries of one person: the dialog, then the folds as a background task."""
        if self.household is None or not self.fold_button.isVisible():
            return None
        household = self.household
        dialog = FoldDialog(household, self)
        session = self._session()

        def folded(_result: object) -> None:
            self.load(household.id)

        def failed(error: BaseException) -> None:
            self.message.setText(describe(error))
            self.message.setVisible(True)

        def accepted() -> None:
            folds = dialog.folds()  # read on the GUI thread, before the dialog goes
            self._tasks.run(lambda: fold_all(session, household, folds), folded, failed, owner=self)

        dialog.accepted.connect(accepted)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        self.fold_dialog = dialog
        return dialog

    def _open_dialog(self, dialog: RestrictDialog | EraseDialog | DisclosureDialog) -> None:
        household_id = self.household.id if self.household else ""
        dialog.completed.connect(lambda: self.load(household_id))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        self.rights_dialog = dialog

    def correct_contact(self) -> CorrectContactDialog | None:
        """The selected contact (the newest when none is), filled in to be put right."""
        if self.household is None or not self.contacts or not self.correct_button.isEnabled():
            return None
        index = self.contacts_view.currentIndex()
        contact = self.contacts[index.row() if index.isValid() else 0]
        dialog = CorrectContactDialog(self._tasks, self._session, self.household.id, contact, self)
        household_id = self.household.id
        dialog.recorded.connect(lambda _changes: self.load(household_id, then=lambda: self.tabs.setCurrentIndex(1)))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        self.contact_dialog = dialog
        return dialog

    def _referral_recorded(self) -> None:
        if self.household is not None:
            self.load(self.household.id)

    def _reload_contacts(self) -> None:
        if self.household is None:
            return
        session, household_id = self._session(), self.household.id
        self._tasks.run(lambda: household_contacts(session, household_id), self._contacts_reloaded, self._failed,
                        owner=self)

    def _contacts_reloaded(self, contacts: list[dict[str, Any]]) -> None:
        self._show_contacts(contacts)
        self.tabs.setCurrentIndex(1)
