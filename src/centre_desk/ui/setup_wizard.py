"""First run: choose the organisation, describe the centre, create the first administrator, and
show the recovery key once.

Creating the store (Argon2id twice, a new SQLCipher database) takes a second or two, so it runs as a
background task while the page shows that it is busy. The administrator page is a commit page:
once the store exists there is no going back, and the wizard cannot be closed until the person
confirms that the recovery key is stored.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QLabel,
    QListView,
    QPlainTextEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from centre_desk.domain.errors import CentreDeskError, ValidationFailed
from centre_desk.domain.organisation import CentreContact
from centre_desk.domain.staff import PASSWORD_MIN, check_password, check_username
from centre_desk.services.centre import OPENING_HOURS_MAX, check_centre_contact
from centre_desk.services.setup import CENTRE_NAME_MAX, CentreDetails, initialise_store
from centre_desk.services.training import TRAINING_HOUSEHOLDS

from .context import AppContext, SignedIn, read_workplace, remember_centre_name
from .errors import describe
from .widgets import APP_NAME, MessageLabel, friendly_path, line_edit, named, note

log = logging.getLogger(__name__)

ProfileRow = tuple[str, str]
PASSWORD_HINT = (f"At least {PASSWORD_MIN} characters and hard to guess: three or four unrelated words "
                 "are easy to remember. Common passwords are refused.")
_Index = QModelIndex | QPersistentModelIndex


class ProfileListModel(QAbstractListModel):
    """The organisation profiles, by name; ``ID_ROLE`` gives the profile id."""

    ID_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, rows: list[ProfileRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows = list(rows)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        profile_id, name = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return name
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Profile: {profile_id}"
        if role == self.ID_ROLE:
            return profile_id
        return None


class ProfilePage(QWizardPage):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("profilePage")
        self.setTitle("Which organisation is this desk for?")
        self.setSubTitle("The organisation's profile sets its privacy notices, services, how long records "
                         "are kept, and how soon the desk locks itself when left alone.")
        self.message = MessageLabel("profileMessage")
        rows: list[ProfileRow] = []
        try:
            rows = context.profiles.list_profiles()
        except CentreDeskError as exc:
            self.message.show_problem(describe(exc))
        if not rows and not self.message.text():
            self.message.show_problem("No organisation profiles were found. Please tell your IT support.")
        self.model = ProfileListModel(rows, self)
        self.view = named(QListView(), "profileList", "Organisation",
                          "Use the arrow keys to choose the organisation, then press Enter")
        self.view.setModel(self.model)
        self.view.setSpacing(4)
        self.view.setUniformItemSizes(True)
        self.view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        if rows:
            self.view.setCurrentIndex(self.model.index(0, 0))
        self.view.selectionModel().currentChanged.connect(lambda *_: self.completeChanged.emit())
        label = QLabel("&Organisation")
        label.setBuddy(self.view)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message)

    def initializePage(self) -> None:
        self.view.setFocus()

    def isComplete(self) -> bool:
        return self.view.currentIndex().isValid()

    def profile_id(self) -> str:
        return str(self.view.currentIndex().data(ProfileListModel.ID_ROLE) or "")


class CentrePage(QWizardPage):
    def __init__(self, context: AppContext | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("centrePage")
        self.setTitle("About this centre")
        self.setSubTitle("Its name appears in the title bar and on printed notices and receipts.")
        self.name = line_edit("centreName", "Centre name", max_length=CENTRE_NAME_MAX)
        self.name.textChanged.connect(lambda _text: self.completeChanged.emit())
        self.address = named(QPlainTextEdit(), "centreAddress", "Centre address",
                             "Optional. Press Tab to move on.")
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.address.fontMetrics().lineSpacing() * 4 + 16)
        # How families reach the centre: printed on receipts and privacy notices.
        self._context = context
        self._offered_for = ""
        self.phone = line_edit("centrePhone", "Centre phone number", max_length=40)
        self.email = line_edit("centreEmail", "Centre email address", max_length=254)
        self.hours = line_edit("centreOpeningHours", "Opening hours", max_length=OPENING_HOURS_MAX)
        self.hours.setPlaceholderText("For example: Monday to Friday, 9am to 4pm")
        self.contact_problem = MessageLabel("centreContactProblem")
        self.contact_problem.setMinimumHeight(0)
        self.training = named(QCheckBox("This is a &training desk: practice records only"),
                              "trainingDesk", "This is a training desk: practice records only",
                              "A training desk shows a banner so that nobody mistakes it for real records")
        # A training store is a second store beside the real one, so it is only offered when the
        # application knows where that is (services.training: "<data dir>-training").
        training = context.training if context is not None else None
        # Both stores are made: the real one, which the desk opens from now on, and beside it a
        # training store for practising (the wording promised both, and staff expect both).
        self.training_store = named(QCheckBox("Also create a training &store with synthetic households"),
                                    "trainingStore", "Also create a training store with synthetic households",
                                    "Practice records, kept apart from the real store")
        self.training_store_note = note(
            f"The real store is made as usual. The training store is made as well, in "
            f"{friendly_path(training.data_dir)}, with {TRAINING_HOUSEHOLDS} made-up families to practise on "
            "and the same administrator name and password. Open it with centre-desk --training."
            if training is not None else "", "trainingStoreNote")
        self.training_store.setVisible(training is not None)
        self.training_store_note.setVisible(training is not None)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setVerticalSpacing(10)
        name_label = QLabel("&Centre name")  # Alt+N is the wizard's Next
        name_label.setBuddy(self.name)
        address_label = QLabel("&Address")
        address_label.setBuddy(self.address)
        form.addRow(name_label, self.name)
        form.addRow(address_label, self.address)
        form.addRow("", note("Optional. Use a new line for each part of the address."))
        for text_, edit in (("&Phone", self.phone), ("&Email", self.email), ("Opening &hours", self.hours)):
            label = QLabel(text_)
            label.setBuddy(edit)
            form.addRow(label, edit)
        form.addRow("", note("Printed on consent receipts and privacy notices, so that families know how "
                             "to reach you."))
        form.addRow("", self.contact_problem)
        form.addRow("", self.training)
        form.addRow("", self.training_store)
        form.addRow("", self.training_store_note)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        self.setTabOrder(self.name, self.address)
        self.setTabOrder(self.address, self.phone)
        self.setTabOrder(self.phone, self.email)
        self.setTabOrder(self.email, self.hours)
        self.setTabOrder(self.hours, self.training)
        self.setTabOrder(self.training, self.training_store)

    def initializePage(self) -> None:
        self._offer_profile_contact()
        self.name.setFocus()

    def _offer_profile_contact(self) -> None:
        """Fill in the profile's usual phone, email and hours once per chosen profile, leaving
        anything already typed alone."""
        wizard = self.wizard()
        if self._context is None or not isinstance(wizard, SetupWizard):
            return
        profile_id = wizard.profile_page.profile_id()
        if not profile_id or profile_id == self._offered_for:
            return
        self._offered_for = profile_id
        try:
            offered = self._context.profiles.load_profile(profile_id).centre_contact
        except CentreDeskError:
            return
        for edit, value in ((self.phone, offered.phone), (self.email, offered.email),
                            (self.hours, offered.opening_hours)):
            if not edit.text().strip():
                edit.setText(value)

    def contact(self) -> CentreContact:
        return check_centre_contact(self.phone.text(), self.email.text(), self.hours.text())

    def validatePage(self) -> bool:
        """Refuse to go on with a phone or email that is not one, saying which and focusing it."""
        try:
            self.contact()
        except ValidationFailed as exc:
            first = exc.problems[0]
            self.contact_problem.show_problem(f"The {first.field} {first.problem}.")
            target = {"centre phone": self.phone, "centre email": self.email}.get(first.field, self.hours)
            target.setFocus()
            target.selectAll()
            return False
        self.contact_problem.clear_message()
        return True

    def isComplete(self) -> bool:
        return bool(self.name.text().strip())


class AdminPage(QWizardPage):
    """The first administrator. Pressing "Create store" creates it, off the GUI thread."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._busy = False
        self._created = False
        self.setObjectName("adminPage")
        self.setTitle("The first administrator")
        self.setSubTitle("This person manages staff accounts and backups at this desk. You will sign in "
                         "with this username and password.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Create store")

        self.username = line_edit("adminUsername", "Username", max_length=64)
        self.password = line_edit("adminPassword", "Password", password=True, max_length=1024)
        self.confirm = line_edit("adminPasswordConfirm", "Confirm password", password=True, max_length=1024)
        self.username_problem = MessageLabel("adminUsernameProblem")
        self.username_problem.setMinimumHeight(0)
        self.password_hint = note(PASSWORD_HINT,
                                  "adminPasswordHint")
        self.confirm_problem = MessageLabel("adminPasswordMismatch")
        self.confirm_problem.setMinimumHeight(0)
        self.message = MessageLabel("adminMessage")
        self.busy = QProgressBar()
        self.busy.setObjectName("createStoreBusy")
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setVisible(False)
        for edit in (self.username, self.password, self.confirm):
            edit.textChanged.connect(self._changed)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setVerticalSpacing(6)
        for text, edit in (("&Username", self.username), ("&Password", self.password),
                           ("C&onfirm password", self.confirm)):
            label = QLabel(text)
            label.setBuddy(edit)
            form.addRow(label, edit)
            if edit is self.username:
                form.addRow("", self.username_problem)
            elif edit is self.password:
                form.addRow("", self.password_hint)
            else:
                form.addRow("", self.confirm_problem)
        form.addRow(self.busy)
        form.addRow(self.message)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        self.setTabOrder(self.username, self.password)
        self.setTabOrder(self.password, self.confirm)

    def initializePage(self) -> None:
        self.username.setFocus()

    def _problems(self) -> tuple[str, str, str]:
        """(username problem, password problem, confirmation problem), each empty when fine."""
        user = pw = match = ""
        if self.username.text().strip():
            try:
                check_username(self.username.text())
            except ValidationFailed as exc:
                user = describe(exc)
        password, confirm = self.password.text(), self.confirm.text()
        if password:
            try:
                check_password(password)
            except ValidationFailed as exc:
                pw = describe(exc)
        if confirm and confirm != password:
            match = "The passwords do not match."
        return user, pw, match

    def _changed(self) -> None:
        user, pw, match = self._problems()
        if user:
            self.username_problem.show_problem(user)
        else:
            self.username_problem.clear_message()
        if pw:
            self.password_hint.setText(pw)
        else:
            self.password_hint.setText(PASSWORD_HINT)
        if match:
            self.confirm_problem.show_problem(match)
        else:
            self.confirm_problem.clear_message()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        if self._busy:
            return False
        if self._created:
            return True
        user, pw, match = self._problems()
        return (bool(self.username.text().strip()) and bool(self.password.text())
                and self.password.text() == self.confirm.text() and not (user or pw or match))

    @property
    def busy_creating(self) -> bool:
        return self._busy

    def validatePage(self) -> bool:
        if self._created:
            return True
        if not self._busy and self.isComplete():
            self._create()
        return False

    def _create(self) -> None:
        wizard = self.wizard()
        assert isinstance(wizard, SetupWizard)
        contact = wizard.centre_page.contact()
        details = CentreDetails(wizard.profile_page.profile_id(), wizard.centre_page.name.text(),
                                wizard.centre_page.address.toPlainText(), wizard.centre_page.training.isChecked(),
                                contact.phone, contact.email, contact.opening_hours)
        username, password = self.username.text().strip(), self.password.text()
        training = self._context.training if wizard.centre_page.training_store.isChecked() else None
        context = self._context
        wizard.context = context

        def work() -> tuple[SignedIn, str, str]:
            parts = context.parts()
            result = initialise_store(parts.gate, details, username, password, parts.clock, parts.passwords)
            try:
                workplace = read_workplace(result.session, context.profiles)
            except BaseException:
                result.session.store.lock()
                raise
            remember_centre_name(context.data_dir, workplace.centre_name)
            return SignedIn(result.session, workplace), result.recovery_key, make_training(training, details,
                                                                                           username, password)

        self._set_busy(True)
        context.tasks.run(work, self._created_store, self._failed, owner=self)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy.setVisible(busy)
        for edit in (self.username, self.password, self.confirm):
            edit.setEnabled(not busy)
        wizard = self.wizard()
        if busy and isinstance(wizard, SetupWizard) and wizard.centre_page.training_store.isChecked():
            self.message.show_info(f"Creating the encrypted store, then the training store and its "
                                   f"{TRAINING_HOUSEHOLDS} practice households. This takes a few seconds…")
        elif busy:
            self.message.show_info("Creating the encrypted store. This takes a few seconds…")
        # After completeChanged, which makes QWizard refresh its buttons (and re-enable Back).
        self.completeChanged.emit()
        wizard = self.wizard()
        if wizard is not None:
            wizard.button(QWizard.WizardButton.BackButton).setEnabled(not busy)
            wizard.button(QWizard.WizardButton.CancelButton).setEnabled(not busy)

    def _created_store(self, outcome: tuple[SignedIn, str, str]) -> None:
        signed_in, recovery_key, training_words = outcome
        wizard = self.wizard()
        assert isinstance(wizard, SetupWizard)
        wizard.signed_in = signed_in
        wizard.key_page.show_key(recovery_key)
        wizard.key_page.show_training(training_words)
        self._created = True
        for edit in (self.password, self.confirm):
            edit.clear()
        self._set_busy(False)
        self.message.clear_message()
        wizard.next()

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self.message.show_problem(describe(error))
        if isinstance(error, ValidationFailed) and any("password" in p.field for p in error.problems):
            self.password.setFocus()  # a password too easy to guess: the field to change
        else:
            self.username.setFocus()


def make_training(training: AppContext | None, details: CentreDetails, username: str, password: str) -> str:
    """Make the training store beside the real one just made; what to tell the person about it.

    The real store exists by now and is what matters, so a training store that cannot be made is
    reported rather than undoing the set-up. Its own recovery key is not kept: it holds only
    made-up families, and can be made again.
    """
    if training is None:
        return ""
    from centre_desk.services.training import create_training_store

    parts = training.parts()
    try:
        result = create_training_store(parts.gate, replace(details, training=True), username, password,
                                       parts.clock, parts.passwords)
    except Exception as error:  # any failure here leaves the real store as it is
        log.warning("training store not made: %s", type(error).__name__)
        return f"The training store could not be made: {describe(error)}"
    result.session.store.lock()
    return (f"A training store with {TRAINING_HOUSEHOLDS} made-up families was made too, in "
            f"{friendly_path(training.data_dir)}. Open it with centre-desk --training and the same name "
            "and password.")


class RecoveryKeyPage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryKeyPage")
        self.setTitle("Store the recovery key")
        self.setSubTitle("It is shown only this once.")
        warning = QLabel(
            "Write the key down or print it now, and keep it in a locked place away from this computer "
            "(or in your organisation's password safe). If every administrator forgets their password, "
            "the recovery key is the only way back into the records. Anyone who has both the key and "
            "this computer can read them."
        )
        warning.setObjectName("recoveryKeyWarning")
        warning.setWordWrap(True)
        warning.setStyleSheet("background: #fff4e0; border: 1px solid #d08a00; padding: 10px; color: #3a2a00;")
        self.key = QLabel()
        self.key.setObjectName("recoveryKey")
        self.key.setAccessibleName("Recovery key")  # the key itself is the description (set with the text)
        self.key.setTextFormat(Qt.TextFormat.PlainText)
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                         | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.key.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(18)
        font.setWeight(QFont.Weight.DemiBold)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.key.setFont(font)
        self.key.setFrameShape(QFrame.Shape.Box)
        self.key.setMargin(14)
        self.stored = named(QCheckBox("I have &stored the recovery key"), "recoveryKeyStored",
                            "I have stored the recovery key")
        self.stored.toggled.connect(lambda _on: self.completeChanged.emit())
        layout = QVBoxLayout(self)
        layout.setSpacing(14)
        layout.addWidget(warning)
        layout.addWidget(self.key)
        layout.addWidget(note("The key uses only capital letters and the digits 2 to 9, so that it "
                              "cannot be misread from paper."))
        self.training_note = note("", "trainingStoreMade")
        self.training_note.setVisible(False)
        layout.addWidget(self.training_note)
        layout.addStretch(1)
        layout.addWidget(self.stored)
        self.setTabOrder(self.key, self.stored)

    def show_key(self, recovery_key: str) -> None:
        self.key.setText(recovery_key)
        # Spoken as well as shown: a name alone ("Recovery key") would hide the key from a screen reader.
        self.key.setAccessibleDescription(" ".join(recovery_key))

    def show_training(self, words: str) -> None:
        self.training_note.setText(words)
        self.training_note.setVisible(bool(words))

    def initializePage(self) -> None:
        wizard = self.wizard()
        if wizard is not None:
            # Nothing can be undone now: the only way on is to confirm the key is stored.
            wizard.setOption(QWizard.WizardOption.NoCancelButton, True)
        self.key.setFocus()

    def isComplete(self) -> bool:
        return self.stored.isChecked()

    def forget_key(self) -> None:
        self.key.clear()
        self.key.setAccessibleDescription("")


class SetupWizard(QWizard):
    """Emits ``completed(SignedIn)`` after Finish; ``rejected`` if cancelled before the store exists."""

    completed = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupWizard")
        self.setAccessibleName("Set up Centre Desk")
        self.setWindowTitle(f"Set up {APP_NAME}")
        if self.wizardStyle() == QWizard.WizardStyle.ClassicStyle:
            self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.signed_in: SignedIn | None = None
        # Where the store was made: this context, or its training store's.
        self.context = context
        self.profile_page = ProfilePage(context)
        self.centre_page = CentrePage(context)
        self.admin_page = AdminPage(context)
        self.key_page = RecoveryKeyPage()
        for page in (self.profile_page, self.centre_page, self.admin_page, self.key_page):
            self.addPage(page)
        for which, name, accessible in (
            (QWizard.WizardButton.BackButton, "backButton", "Back"),
            (QWizard.WizardButton.NextButton, "nextButton", "Next"),
            (QWizard.WizardButton.CommitButton, "createStoreButton", "Create store"),
            (QWizard.WizardButton.FinishButton, "finishButton", "Finish"),
            (QWizard.WizardButton.CancelButton, "cancelButton", "Cancel"),
        ):
            named(self.button(which), name, accessible)
        self.setMinimumSize(720, 540)

    def accept(self) -> None:
        if self.signed_in is None or not self.key_page.isComplete():
            return
        self.key_page.forget_key()
        super().accept()
        signed_in, self.signed_in = self.signed_in, None
        self.completed.emit(signed_in)

    def reject(self) -> None:
        # While the store is being made, and once it exists, there is nothing safe to cancel: the
        # recovery key would be lost unseen.
        if self.admin_page.busy_creating or self.signed_in is not None:
            return
        super().reject()
