"""The membership form as a page: registering a new household, or editing one in place.

Saving checks the whole form first (problems go beside their fields), then, for a new household,
asks the store for people who look like the ones on the form before registering it. While the
form is open every change is autosaved as a draft about a second after typing stops, so an
interrupted visit loses nothing; leaving with unsaved changes asks what to do with them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from centre_desk.domain.drafts import Draft
from centre_desk.domain.duplicates import LikelyDuplicate
from centre_desk.domain.errors import Conflict, ValidationFailed
from centre_desk.domain.household import Household, household_title
from centre_desk.domain.ids import uuid7
from centre_desk.formspec.submission import validate_submission
from centre_desk.services.drafts import discard_draft, save_draft
from centre_desk.services.households import (
    MEMBERSHIP,
    find_likely_duplicates,
    open_household,
    register_household,
    update_household,
)
from centre_desk.services.profile import form as form_definition
from centre_desk.services.session import DeskSession

from .a11y import StatusLabel
from .duplicates_dialog import DuplicateChoice, DuplicateDialog
from .errors import describe, show_error
from .forms import FormView, display_values
from .forms.merge import merge_edits
from .questions import Answer, SafeQuestion
from .tasks import TaskRunner
from .widgets import heading, named

AUTOSAVE_MS = 1000
SAVE_KEYS = "Ctrl+S"


class LeaveChoice(Enum):
    SAVE = "save"
    KEEP_DRAFT = "keep"
    DISCARD = "discard"
    CANCEL = "cancel"


def ask_about_changes(parent: QWidget, what: str, decide: Callable[[LeaveChoice], None]) -> SafeQuestion:
    """Save / Keep as draft / Discard changes / Cancel, without blocking: ``decide`` hears the answer.

    Cancel (stay on the form, nothing changes) is the default and has the focus; Discard has no
    mnemonic, and no letter alone answers (see ``ui/questions.py``)."""
    box = SafeQuestion(parent, "unsavedChangesQuestion", "Unsaved changes",
                       f"{what} has changes that are not saved yet.",
                       "Save them now, keep them as a draft to finish later (drafts are listed on the start "
                       "page), or discard them. Cancel goes back to the form.",
                       [Answer("&Save", "saveChanges", QMessageBox.ButtonRole.AcceptRole),
                        Answer("&Keep as draft", "keepChanges", QMessageBox.ButtonRole.ActionRole),
                        Answer("Discard changes", "discardChanges", QMessageBox.ButtonRole.DestructiveRole,
                               destructive=True),
                        Answer("Cancel", "cancelChanges", QMessageBox.ButtonRole.RejectRole)],
                       safe="cancelChanges")
    choices = {"saveChanges": LeaveChoice.SAVE, "keepChanges": LeaveChoice.KEEP_DRAFT,
               "discardChanges": LeaveChoice.DISCARD, "cancelChanges": LeaveChoice.CANCEL}
    box.finished.connect(lambda _result: decide(choices.get(box.answer() or "", LeaveChoice.CANCEL)))
    box.finished.connect(lambda _result: box.deleteLater())
    box.open()
    return box


def _names(data: Mapping[str, Any]) -> list[str]:
    names = []
    for i, person in enumerate(data.get("members") or []):
        name = " ".join(str(person.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
        names.append(name or f"Person {i + 1}")
    return names


class HouseholdFormPage(QWidget):
    """``saved(Household)`` after a save; ``open_existing(id)`` when a duplicate is chosen instead;
    ``closed`` when the person closes the form."""

    saved = Signal(object)
    # After ``saved``, for a household that is new (not one saved on the way out: signing out, quitting).
    registered = Signal(object)
    open_existing = Signal(str)
    closed = Signal()
    drafts_changed = Signal()

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("householdFormPage")
        self._tasks = tasks
        self._session = session
        self.definition = form_definition(MEMBERSHIP)
        self.household: Household | None = None
        self._base: dict[str, Any] = {}
        self._expected_version: int | None = None
        self.draft_id = uuid7()
        self.active = False
        self._busy = False
        self._draft_kept = False
        self._question: SafeQuestion | None = None

        self.title = heading("New household", 18, "householdFormTitle")
        self.subtitle = QLabel("Fields marked * are required. Everything you type is kept as a draft until you "
                               "save, so nothing is lost if you are interrupted.")
        self.subtitle.setWordWrap(True)
        self.subtitle.setStyleSheet("color: palette(placeholder-text);")
        self.form = FormView(self.definition, today=lambda: self._session().clock.today())
        self.form.changed.connect(self._changed)

        self.status = StatusLabel("draftStatus", "Draft status")
        self.status.setStyleSheet("color: palette(placeholder-text);")
        self.close_button = named(QPushButton("&Close"), "closeFormButton", "Close the form")
        self.close_button.setAutoDefault(True)
        self.close_button.clicked.connect(lambda: self.ask_to_leave(self.closed.emit))
        self.save_button = named(QPushButton("&Save household"), "saveHouseholdButton", "Save household",
                                 f"Shortcut: {SAVE_KEYS}")
        self.save_button.setToolTip(SAVE_KEYS)
        self.save_button.setAutoDefault(True)
        self.save_button.clicked.connect(lambda: self.save())
        shortcut = QShortcut(QKeySequence(SAVE_KEYS), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(lambda: self.save())

        top = QVBoxLayout()
        top.setContentsMargins(24, 14, 24, 8)
        top.setSpacing(4)
        top.addWidget(self.title)
        top.addWidget(self.subtitle)
        footer = QHBoxLayout()
        footer.setContentsMargins(24, 8, 24, 10)
        footer.addWidget(self.status, 1)
        footer.addWidget(self.save_button)
        footer.addWidget(self.close_button)
        bar = QWidget()
        bar.setObjectName("formFooter")
        bar.setLayout(footer)
        bar.setStyleSheet("#formFooter { border-top: 1px solid palette(mid); }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.form, 1)
        layout.addWidget(bar)
        self.form.set_tail([self.save_button, self.close_button])

        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_draft_now)

    # -- starting ---------------------------------------------------------------------------------

    def start_new(self, draft: Draft | None = None) -> None:
        self._begin(None, draft)
        self.title.setText("New household")
        self.save_button.setText("&Save household")

    def start_edit(self, household: Household, draft: Draft | None = None) -> None:
        self._begin(household, draft)
        self.title.setText(f"Edit household: {household_title(household)}")
        self.save_button.setText("&Save changes")

    def _begin(self, household: Household | None, draft: Draft | None) -> None:
        self._autosave.stop()
        self.household = household
        current = display_values(self.definition, household.submission()) if household else {}
        if draft is not None and draft.base is not None:
            self._base = dict(draft.base)
        else:
            self._base = current
        self._expected_version = (draft.base_version if draft is not None and draft.base_version is not None
                                  else household.version if household else None)
        self.draft_id = draft.id if draft is not None else uuid7()
        self._draft_kept = draft is not None
        self._busy = False
        self.active = True
        self.form.set_values(draft.data if draft is not None else current)
        if draft is not None:
            self.form.mark_dirty()
            self.status.setText(f"Draft from {draft.updated_at.astimezone():%d/%m/%Y %H:%M} — not saved yet.")
        else:
            self.status.setText("")
        self.form.focus_first()

    # -- drafts -----------------------------------------------------------------------------------

    def _changed(self) -> None:
        if self.active:
            self.status.setText("Changes not saved yet.")
            self._autosave.start()

    def save_draft_now(self) -> None:
        """Queue the draft's save at once (before a lock or sign-out, which queue behind it)."""
        self._autosave.stop()
        if not self.active or not self.form.dirty:
            return
        data = self.form.values()
        session = self._session()
        if session.store.locked:
            return
        draft_id, household = self.draft_id, self.household
        base, version = self._base, self._expected_version

        def work() -> Draft:
            return save_draft(session, draft_id, MEMBERSHIP, data, household.id if household else None,
                              base_version=version if household else None, base=base if household else None)

        self._draft_kept = True
        self._tasks.run(work, self._draft_saved, self._draft_failed, owner=self)

    def _draft_saved(self, draft: Draft) -> None:
        if self.active and not self._autosave.isActive() and draft.id == self.draft_id:
            self.status.show_quietly(f"Draft saved at {draft.updated_at.astimezone():%H:%M}. Not saved to the "
                                "household records yet.")
        self.drafts_changed.emit()

    def _draft_failed(self, error: BaseException) -> None:
        # Usually the desk locking under it; the answers are still on screen and are saved again
        # after the next change.
        self.status.setText(f"The draft could not be saved just now. {describe(error)}")

    def _discard_draft(self) -> None:
        if not self._draft_kept:
            return
        session, draft_id = self._session(), self.draft_id
        self._draft_kept = False
        self._tasks.run(lambda: discard_draft(session, draft_id), lambda _gone: self.drafts_changed.emit(),
                        lambda _error: None, owner=self)

    # -- leaving ----------------------------------------------------------------------------------

    def ask_to_leave(self, proceed: Callable[[], object]) -> None:
        """Call ``proceed`` once it is fine to leave the form: at once if nothing is unsaved."""
        if not self.active or not self.form.dirty:
            self._finish()
            proceed()
            return
        if self._question is not None:
            return
        what = "This household" if self.household else "The new household"

        def decide(choice: LeaveChoice) -> None:
            self._question = None
            if choice is LeaveChoice.SAVE:
                self.save(then=proceed)
            elif choice is LeaveChoice.KEEP_DRAFT:
                self.save_draft_now()
                self._finish()
                proceed()
            elif choice is LeaveChoice.DISCARD:
                self._discard_draft()
                self._finish()
                proceed()
            else:
                self._refocus(self.form)

        self._question = ask_about_changes(self, what, decide)

    def _refocus(self, widget: QWidget) -> None:
        # After a dialog closes the window does not always get the keyboard back by itself.
        self.window().activateWindow()
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _finish(self) -> None:
        self._autosave.stop()
        self.active = False
        self.form.mark_clean()

    # -- saving -----------------------------------------------------------------------------------

    def save(self, then: Callable[[], object] | None = None) -> None:
        if self._busy or not self.active:
            return
        self._autosave.stop()
        session = self._session()
        try:
            clean = validate_submission(self.definition, self.form.values(), today=session.clock.today())
        except ValidationFailed as exc:
            self.form.show_problems(exc.problems)
            self.status.setText("Not saved: please check the problems listed at the top of the form.")
            return
        self.form.clear_problems()
        self._set_busy(True)
        if self.household is None:
            self.status.setText("Checking for people already registered…")
            self._tasks.run(lambda: find_likely_duplicates(session, clean),
                            lambda found: self._checked_duplicates(clean, found, then), self._failed, owner=self)
        else:
            household_id, version = self.household.id, self._expected_version or self.household.version
            self._tasks.run(lambda: update_household(session, household_id, clean, version)[0],
                            lambda saved: self._saved(saved, then), self._failed, owner=self)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.save_button.setEnabled(not busy)
        if busy:
            self.status.setText("Saving…")

    def _checked_duplicates(self, clean: dict[str, Any], found: list[LikelyDuplicate],
                            then: Callable[[], object] | None) -> None:
        if not found:
            self._register(clean, then)
            return
        dialog = DuplicateDialog(found, _names(self.form.values()), self)
        self.status.setText("Not saved yet: check the people who may already be registered.")

        def decided(_result: int) -> None:
            dialog.deleteLater()
            if dialog.choice is DuplicateChoice.SAVE_ANYWAY:
                self._register(clean, then)
                return
            self._set_busy(False)
            if dialog.choice is DuplicateChoice.OPEN_EXISTING and dialog.household_id:
                # The same family: its record is the existing household, so the answers typed for a
                # second registration are not left waiting in Unfinished forms (the dialog says so).
                self._autosave.stop()
                self._discard_draft()
                self._finish()
                self.open_existing.emit(dialog.household_id)
            else:
                self.status.setText("Not saved yet.")
                self._refocus(self.form)

        dialog.finished.connect(decided)
        dialog.open()

    def _register(self, clean: dict[str, Any], then: Callable[[], object] | None) -> None:
        self._set_busy(True)
        session = self._session()
        self._tasks.run(lambda: register_household(session, clean), lambda saved: self._saved(saved, then),
                        self._failed, owner=self)

    def _saved(self, household: Household, then: Callable[[], object] | None) -> None:
        self._set_busy(False)
        self._discard_draft()
        self._finish()
        new = self.household is None
        self.household = household
        self.status.setText("Saved.")
        if then is not None:
            then()
        else:
            self.saved.emit(household)
            if new:
                self.registered.emit(household)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, ValidationFailed):
            self.form.show_problems(error.problems)
            self.status.setText("Not saved: please check the problems listed at the top of the form.")
        elif isinstance(error, Conflict) and self.household is not None:
            self._conflict()
        else:
            self.status.setText("Not saved.")
            show_error(self, error)

    # -- someone else saved first -----------------------------------------------------------------

    def _conflict(self) -> None:
        self.status.setText("Not saved: someone else saved this household meanwhile.")
        self._offer_reload("Saved by someone else meanwhile",
                           "Someone else saved changes to this household after you opened it, so your changes "
                           "have not been saved yet.")

    def check_newer(self) -> None:
        """After a sync brought records: if this household changed on another device, an
        untouched form shows the new details; one with changes keeps them and offers Reload."""
        if not self.active or self.household is None or self._question is not None:
            return
        session, household_id, expected = self._session(), self.household.id, self._expected_version

        def compare(latest: Household) -> None:
            if not self.active or self.household is None or self.household.id != latest.id:
                return
            if latest.version == expected:
                return
            if not self.form.dirty:
                self.start_edit(latest)
                self.status.setText("Newer details arrived from another device and are shown.")
                return
            self.status.setText("Newer details for this household arrived from another device.")
            self._offer_reload("Newer details arrived",
                               "Newer details for this household arrived from another device while you were "
                               "editing. Your changes have not been saved yet.")

        self._tasks.run(lambda: open_household(session, household_id), compare, lambda _error: None, owner=self)

    def _offer_reload(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("conflictMessage")
        box.setAccessibleName(title)
        box.setInformativeText("Reload to bring in their changes. Your own changes stay in the form on top of "
                               "theirs: check them, then save again.")
        reload_button = named(box.addButton("&Reload", QMessageBox.ButtonRole.AcceptRole), "reloadButton", "Reload")
        later = named(box.addButton("Not now", QMessageBox.ButtonRole.RejectRole), "notNowButton", "Not now")
        box.setDefaultButton(reload_button)
        box.setEscapeButton(later)
        box.finished.connect(lambda _r: self._reload() if box.clickedButton() is reload_button
                             else self._refocus(self.save_button))
        box.finished.connect(lambda _r: box.deleteLater())
        box.open()

    def _reload(self) -> None:
        assert self.household is not None
        session, household_id = self._session(), self.household.id
        self._tasks.run(lambda: open_household(session, household_id), self._reloaded,
                        lambda error: show_error(self, error), owner=self)

    def _reloaded(self, latest: Household) -> None:
        theirs = display_values(self.definition, latest.submission())
        merged = merge_edits(self._base, self.form.values(), theirs)
        self.household = latest
        self._base = theirs
        self._expected_version = latest.version
        self.form.set_values(merged)
        self.form.mark_dirty()
        self.save_draft_now()
        self.status.setText("Their changes are loaded and yours are kept on top. Check the form, then save again.")
        self.window().activateWindow()
        self.form.focus_first()
