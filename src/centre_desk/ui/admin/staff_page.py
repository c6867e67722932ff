"""Managing staff from the window (administrators): the list, add, reset a password, change a
role, disable. Every action goes through ``services.staff`` (permission-checked and audited).

On an enrolled device staff are managed on the sync server: the page says so and offers nothing
that would only be refused.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.staff import PASSWORD_MIN, Role, StaffMember
from centre_desk.services.keys import rotate_store_key
from centre_desk.services.ports import PasswordPolicy, UsernameGuard
from centre_desk.services.session import DeskSession
from centre_desk.services.staff import (
    StaffOverview,
    add_staff,
    change_password,
    change_role,
    disable_staff,
    staff_overview,
)

from ..errors import describe
from ..forms.fields import SteadyComboBox
from ..questions import Answer, SafeQuestion
from ..table_model import SORT_ROLE
from ..tasks import TaskRunner
from ..widgets import MessageLabel, heading, line_edit, named, note, record_table
from .models import ROLE_WORDS, StaffModel, fit_columns

Session = Callable[[], DeskSession]
ENROLLED_WORDS = ("This desk is enrolled with the sync server, so staff are managed on the server "
                  "(centre-desk-server staff): adding, disabling or changing anyone here would be refused. "
                  "The list shows who can sign in on this desk.")
RE_ENCRYPT_WORDS = ("Their key slot is removed at once. The store is then re-encrypted under a new key, so "
                    "an old copy of the key file with their password opens nothing current; if the store "
                    "is busy, that happens at the next unlock.")
PASSWORD_RULE = (f"At least {PASSWORD_MIN} characters, and not easy to guess: a few unrelated words work well. "
                 "A weak password is refused with the reason.")


def role_box(object_name: str, current: Role | None = None) -> SteadyComboBox:
    box = named(SteadyComboBox(), object_name, "Role")
    for role in Role:
        box.addItem(ROLE_WORDS[role.value], role.value)
    if current is not None:
        box.setCurrentIndex(box.findData(current.value))
    named(box.view(), f"{object_name}Choices", "Role: choices")
    return box


def _buttons(dialog: QDialog, stem: str, ok_words: str) -> tuple[QDialogButtonBox, QPushButton]:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.setObjectName(f"{stem}Buttons")
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_words)
    named(ok, f"{stem}Ok", ok_words.replace("&", ""))
    named(buttons.button(QDialogButtonBox.StandardButton.Cancel), f"{stem}Cancel", "Cancel")
    ok.setDefault(True)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok


def _row(form: QFormLayout, text: str, widget: QWidget) -> None:
    label = QLabel(text)
    label.setBuddy(widget)
    form.addRow(label, widget)


class _StaffDialog(QDialog):
    """A small form that runs one staff service in the background; problems stay in the dialog."""

    succeeded = Signal(object)

    def __init__(self, tasks: TaskRunner, session: Session, name: str, title: str,
                 parent: QWidget | None) -> None:
        super().__init__(parent)
        self._tasks, self._session = tasks, session
        self.setObjectName(name)
        self.setAccessibleName(title)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.message = MessageLabel(f"{name}Message")
        self.setMinimumWidth(480)

    def _run(self, work: Callable[[], object], button: QPushButton) -> None:
        button.setEnabled(False)
        self.message.show_info("Working…")

        def finished(result: object) -> None:
            self.succeeded.emit(result)
            self.accept()

        def failed(error: BaseException) -> None:
            button.setEnabled(True)
            self.message.show_problem(describe(error))

        self._tasks.run(work, finished, failed, owner=self)


class AddStaffDialog(_StaffDialog):
    def __init__(self, tasks: TaskRunner, session: Session, policy: PasswordPolicy, usernames: UsernameGuard,
                 parent: QWidget | None = None) -> None:
        super().__init__(tasks, session, "addStaffDialog", "Add a member of staff", parent)
        self._policy, self._usernames = policy, usernames
        self.username = line_edit("newStaffUsername", "Username", max_length=64)
        self.display = line_edit("newStaffName", "Name shown (optional)", max_length=120)
        self.role = role_box("newStaffRole", Role.RECEPTION)
        self.password = line_edit("newStaffPassword", "First password", password=True, max_length=256)
        self.repeat = line_edit("newStaffRepeat", "First password again", password=True, max_length=256)
        form = QFormLayout()
        _row(form, "&Username", self.username)
        _row(form, "&Name shown", self.display)
        _row(form, "&Role", self.role)
        _row(form, "First &password", self.password)
        _row(form, "Password &again", self.repeat)
        rule = note(PASSWORD_RULE, "newStaffPasswordRule")
        self.password.setAccessibleDescription(PASSWORD_RULE)
        buttons, self.ok = _buttons(self, "addStaff", "&Add")
        buttons.accepted.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(note("They sign in with this username and password, and choose their own password "
                              "afterwards if they like.", "addStaffIntro"))
        layout.addLayout(form)
        layout.addWidget(rule)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.username.setFocus()

    def save(self) -> None:
        if self.password.text() != self.repeat.text():
            self.message.show_problem("The two passwords are not the same. Type the first password again.")
            self.repeat.setFocus()
            return
        session, policy, usernames = self._session(), self._policy, self._usernames
        username, display, password = self.username.text(), self.display.text(), self.password.text()
        role = str(self.role.currentData())
        self._run(lambda: add_staff(session, username, role, password, display, policy=policy, usernames=usernames),
                  self.ok)


class ResetPasswordDialog(_StaffDialog):
    def __init__(self, tasks: TaskRunner, session: Session, policy: PasswordPolicy, member: StaffMember,
                 parent: QWidget | None = None) -> None:
        super().__init__(tasks, session, "resetPasswordDialog", f"Reset the password of {member.username}", parent)
        self._policy, self._member = policy, member
        self.password = line_edit("resetPassword", "New password", password=True, max_length=256)
        self.repeat = line_edit("resetRepeat", "New password again", password=True, max_length=256)
        self.password.setAccessibleDescription(PASSWORD_RULE)
        form = QFormLayout()
        _row(form, "New &password", self.password)
        _row(form, "Password &again", self.repeat)
        buttons, self.ok = _buttons(self, "resetPassword", "&Set password")
        buttons.accepted.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(note(f"{member.username} signs in with the new password from now on; the old one stops "
                              "working. " + PASSWORD_RULE, "resetPasswordIntro"))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.password.setFocus()

    def save(self) -> None:
        if self.password.text() != self.repeat.text():
            self.message.show_problem("The two passwords are not the same. Type the new password again.")
            self.repeat.setFocus()
            return
        session, policy, username, password = self._session(), self._policy, self._member.username, self.password.text()

        def work() -> bool:
            change_password(session, username, password, policy=policy, rotate=False)
            return rotate_store_key(session)

        self._run(work, self.ok)


class ChangeRoleDialog(_StaffDialog):
    def __init__(self, tasks: TaskRunner, session: Session, member: StaffMember,
                 parent: QWidget | None = None) -> None:
        super().__init__(tasks, session, "changeRoleDialog", f"Change the role of {member.username}", parent)
        self._member = member
        self.role = role_box("changeRoleBox", member.role)
        form = QFormLayout()
        _row(form, "New &role", self.role)
        buttons, self.ok = _buttons(self, "changeRole", "&Change role")
        buttons.accepted.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(note(f"{member.username} is now {ROLE_WORDS[member.role.value].lower()}. The new role "
                              "decides what they may do from their next sign-in; their password stays the same.",
                              "changeRoleIntro"))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.role.setFocus()

    def save(self) -> None:
        session, username, role = self._session(), self._member.username, str(self.role.currentData())
        self._run(lambda: change_role(session, username, role), self.ok)


class StaffPage(QWidget):
    """``refresh()`` reads the list (audited as ``staff.listed``)."""

    changed = Signal(str)  # what was done, in words, after each change

    def __init__(self, tasks: TaskRunner, session: Session, policy: PasswordPolicy | None,
                 usernames: UsernameGuard | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._session = tasks, session
        self._policy, self._usernames = policy, usernames
        self.setObjectName("staffPage")
        self.setAccessibleName("Staff")
        self.model = StaffModel()
        self.proxy, self.table = record_table(self, self.model, SORT_ROLE, 0, "staffTable", "Staff",
                                              "Everyone who can sign in here: username, name, role, status and "
                                              "when they last signed in.")
        self.proxy.sort(0, Qt.SortOrder.AscendingOrder)
        fit_columns(self.table, (18, 24, 14, 10, 18), 1)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.enrolled_note = note(ENROLLED_WORDS, "staffEnrolledNote")
        self.enrolled_note.hide()
        self.status = MessageLabel("staffStatus")
        self.add_button = named(QPushButton("&Add a member of staff…"), "addStaffButton", "Add a member of staff")
        self.reset_button = named(QPushButton("Reset &password…"), "resetPasswordButton", "Reset password")
        self.role_button = named(QPushButton("Change &role…"), "changeRoleButton", "Change role")
        self.disable_button = named(QPushButton("&Disable…"), "disableStaffButton", "Disable")
        self.add_button.clicked.connect(self.add)
        self.reset_button.clicked.connect(self.reset_password)
        self.role_button.clicked.connect(self.change_role)
        self.disable_button.clicked.connect(self.disable)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.reset_button, self.role_button, self.disable_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self._buttons_row = buttons
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(heading("Staff", 18, "staffHeading"))
        layout.addWidget(note("Who can sign in on this desk, and with which role. Disabling someone stops "
                              "their sign-in at once. " + RE_ENCRYPT_WORDS, "staffIntro"))
        layout.addWidget(self.enrolled_note)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        self.enrolled = False
        self._enable()

    # -- reading --------------------------------------------------------------------------------

    def refresh(self, then: Callable[[], object] | None = None) -> None:
        session = self._session()

        def shown(overview: StaffOverview) -> None:
            keep = self.current_member()
            self.model.set_staff(overview.members, overview.last_sign_in)
            self.enrolled = overview.enrolled
            self.enrolled_note.setVisible(overview.enrolled)
            for button in (self.add_button, self.reset_button, self.role_button, self.disable_button):
                button.setVisible(not overview.enrolled)
            self.select(keep.username if keep else None)
            self._enable()
            if then is not None:
                then()

        self._tasks.run(lambda: staff_overview(session), shown,
                        lambda error: self.status.show_problem(describe(error)), owner=self)

    def select(self, username: str | None) -> None:
        row = self.model.row_of(username) if username else -1
        source = self.model.index(max(row, 0), 0)
        if self.model.rowCount():
            index = self.proxy.mapFromSource(source)
            self.table.setCurrentIndex(index)
            self.table.selectRow(index.row())

    def current_member(self) -> StaffMember | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.member(self.proxy.mapToSource(index).row())

    def _enable(self) -> None:
        member = self.current_member()
        me = self._session().actor.id
        usable = member is not None and not member.disabled
        can_manage = self._policy is not None and self._usernames is not None and not self.enrolled
        self.add_button.setEnabled(can_manage)
        self.reset_button.setEnabled(can_manage and usable)
        self.role_button.setEnabled(can_manage and usable and member is not None and member.id != me)
        self.disable_button.setEnabled(can_manage and usable and member is not None and member.id != me)

    # -- changing -------------------------------------------------------------------------------

    def _open(self, dialog: _StaffDialog, words: Callable[[object], str]) -> None:
        def done(result: object) -> None:
            text = words(result)
            self.refresh(lambda: self._tell(text))

        dialog.succeeded.connect(done)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def _tell(self, text: str) -> None:
        self.status.show_info(text)
        self.changed.emit(text)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def add(self) -> AddStaffDialog | None:
        if not self.add_button.isEnabled() or self._policy is None or self._usernames is None:
            return None
        dialog = AddStaffDialog(self._tasks, self._session, self._policy, self._usernames, self)

        def done_then_select(result: object) -> None:
            assert isinstance(result, StaffMember)
            words = f"Added {result.username} ({ROLE_WORDS[result.role.value].lower()}). They can sign in now."

            def then() -> None:
                self.select(result.username)
                self._tell(words)

            self.refresh(then)

        dialog.succeeded.connect(done_then_select)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        return dialog

    def reset_password(self) -> ResetPasswordDialog | None:
        member = self.current_member()
        if member is None or not self.reset_button.isEnabled() or self._policy is None:
            return None
        dialog = ResetPasswordDialog(self._tasks, self._session, self._policy, member, self)
        self._open(dialog, lambda done: f"New password set for {member.username}." + (
            "" if done else " The store is re-encrypted under a new key at the next unlock."))
        return dialog

    def change_role(self) -> ChangeRoleDialog | None:
        member = self.current_member()
        if member is None or not self.role_button.isEnabled():
            return None
        dialog = ChangeRoleDialog(self._tasks, self._session, member, self)
        self._open(dialog, lambda changed: f"{member.username} is now "
                   f"{ROLE_WORDS[changed.role.value].lower() if isinstance(changed, StaffMember) else 'changed'}.")
        return dialog

    def disable(self) -> SafeQuestion | None:
        member = self.current_member()
        if member is None or not self.disable_button.isEnabled():
            return None
        question = SafeQuestion(
            self, "disableStaffQuestion", "Disable a member of staff",
            f"Disable {member.username}? They will not be able to sign in any more.",
            RE_ENCRYPT_WORDS + " Their past work stays in the records and the audit trail.",
            [Answer("Keep them", "keep", QMessageBox.ButtonRole.RejectRole),
             Answer(f"Disable {member.username}", "disable", QMessageBox.ButtonRole.DestructiveRole,
                    destructive=True)],
            safe="keep")

        def answered(_result: int) -> None:
            if question.answer() == "disable":
                self._disable_now(member)
            question.deleteLater()

        question.finished.connect(answered)
        question.open()
        return question

    def _disable_now(self, member: StaffMember) -> None:
        session = self._session()
        self.disable_button.setEnabled(False)
        self.status.show_info(f"Disabling {member.username} and re-encrypting the store…")

        def work() -> bool:
            disable_staff(session, member.username, rotate=False)
            return rotate_store_key(session)

        def done(rotated: bool) -> None:
            later = "" if rotated else " The store is re-encrypted under a new key at the next unlock."
            self.refresh(lambda: self._tell(f"Disabled {member.username}; their key slot is removed.{later}"))

        def failed(error: BaseException) -> None:
            self._enable()
            self.status.show_problem(describe(error))

        self._tasks.run(work, done, failed, owner=self)
