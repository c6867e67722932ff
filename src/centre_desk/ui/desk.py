"""Households at the desk: the pages, actions and search box the main window gets for them.

``HouseholdDesk(window)`` adds a Households menu, toolbar buttons and the search box (Ctrl+F), the
search, form and household pages, and the unfinished forms on the start page. It also decides how
to leave a form: every way off the form page (another page, signing out, quitting) asks first when
something is unsaved, and a lock saves the draft before the key is dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu, QSizePolicy, QWidget

from centre_desk.domain.drafts import Draft
from centre_desk.domain.errors import NotFound
from centre_desk.domain.household import Household
from centre_desk.domain.staff import Permission
from centre_desk.services.drafts import load_draft
from centre_desk.services.duplicates import count_duplicates, store_mark
from centre_desk.services.households import open_household, purge_removed_words
from centre_desk.services.session import DeskSession

from .a11y import announce
from .drafts_panel import DraftsPanel
from .duplicates_review import DuplicatesReviewPage
from .errors import show_error
from .household_form import HouseholdFormPage
from .household_view import HouseholdView
from .requests_panel import RequestsPanel
from .search import SEARCH_NAME, HouseholdSearch, SearchBox, SearchPage
from .widgets import ActionButton, named

if TYPE_CHECKING:
    from .main_window import MainWindow

START_PAGE = "start"
SEARCH_PAGE = "household-search"
FORM_PAGE = "household-form"
HOUSEHOLD_PAGE = "household"
REVIEW_PAGE = "duplicates-review"
# A save that removes words (a corrected surname) leaves them in an older index segment until the
# index is merged; that is done here in short steps on the store's queue, starting after a quiet
# spell, so searches and saves queued meanwhile slip in between the steps.
MERGED_DRAFT = ("This unfinished form was for a household that has since been merged into the one shown, so its "
                "changes were not applied. Make them here if they are still needed, then discard the unfinished "
                "form from the start page.")
# The manager's review queue is recounted when the store gained records: after a sync that pulled
# some, and when the store's mark moved (an import by the admin tool, a sync run outside the window),
# which is looked at every QUEUE_CHECK_MS. Recounts are at least QUEUE_GAP_MS apart: a review reads
# every household (about 25 s of work at 100,000 households).
QUEUE_CHECK_MS = 30_000
QUEUE_GAP_MS = 120_000
QUEUE_SETTLE_MS = 1_500
PURGE_AFTER_MS = 20_000
PURGE_STEP_GAP_MS = 50
PURGE_STEPS_PER_TASK = 8


REVIEW_WORDS = "People who may have been registered twice: merge them, or say they are not the same."


class HouseholdDesk(QObject):
    review_count_changed = Signal(int)  # the review queue was recounted (after a sync or an import)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        tasks = window.context.tasks
        session: Callable[[], DeskSession] = lambda: window.session  # noqa: E731 - asked afresh after each unlock

        self.search_page = SearchPage()
        self.form_page = HouseholdFormPage(tasks, session)
        self.view = HouseholdView(tasks, session, renderer=window.context.renderer,
                                  sync_connect=lambda: window.context.sync_connect)
        window.add_page(SEARCH_PAGE, self.search_page)
        window.add_page(FORM_PAGE, self.form_page)
        window.add_page(HOUSEHOLD_PAGE, self.view)
        self.review_page = DuplicatesReviewPage(tasks, session, window.context.matcher)
        window.add_page(REVIEW_PAGE, self.review_page)
        self.review_page.open_household.connect(self.show_household)
        self.drafts = DraftsPanel(tasks, session)
        window.add_start_panel(self.drafts)
        self.requests = RequestsPanel(tasks, session)
        window.add_start_panel(self.requests)

        self.box = named(SearchBox(), "householdSearchBox", SEARCH_NAME,
                         "Type a name, postcode, phone number or date of birth. Down goes to the results.")
        # Short enough to be read whole in the box, which leaves the toolbar room for Lock and
        # Sign out on a 1024 px screen.
        self.box.setPlaceholderText("Name, postcode, phone or date of birth (Ctrl+F)")
        self.box.setClearButtonEnabled(True)
        self.box.setMinimumWidth(round(self.box.fontMetrics().horizontalAdvance(self.box.placeholderText()) + 48))
        self.box.setMaxLength(200)
        self.search = HouseholdSearch(self.box, self.search_page, tasks, session, self)
        self._make_actions()

        self.search.wanted.connect(self._show_search)
        self.box.enter.connect(self._enter_in_box)
        self.search_page.view.open_requested.connect(self.open_household)
        self.form_page.saved.connect(lambda household: self.show_household(household.id))
        self.form_page.registered.connect(self.view.consent.offer_after_registration)
        self.form_page.open_existing.connect(self.open_household)
        self.form_page.closed.connect(self._form_closed)
        self.form_page.drafts_changed.connect(self.drafts.refresh)
        self.view.edit_requested.connect(self.edit_household)
        self.drafts.resume_requested.connect(self.resume_draft)
        window.about_to_lock.connect(self.form_page.save_draft_now)
        window.locked_changed.connect(self._locked)
        window.leave_check = self.ask_to_leave
        self.drafts.refresh()
        self.requests.refresh()

        self._purge_timer = QTimer(self)
        self._purge_timer.setSingleShot(True)
        self._purge_timer.timeout.connect(self._purge_some)
        self.form_page.saved.connect(lambda _household: self._purge_timer.start(PURGE_AFTER_MS))
        self._purge_timer.start(PURGE_AFTER_MS)  # words a previous session left behind

        self.queue_count: int | None = None
        self._queue_mark: int | None = None
        self._queue_busy = False
        self._queue_timer = QTimer(self)  # a recount asked for, waiting for things to settle
        self._queue_timer.setSingleShot(True)
        self._queue_timer.timeout.connect(self._recount_queue)
        self._queue_watch = QTimer(self)
        self._queue_watch.timeout.connect(self._check_store_mark)
        self._queue_last = 0.0
        if window.session.actor.may(Permission.MERGE_HOUSEHOLDS):
            self._queue_watch.start(QUEUE_CHECK_MS)
            self.queue_changed(0)

    def _purge_some(self) -> None:
        if self.window.locked:
            return
        session = self.window.session

        def then(done: bool) -> None:
            if not done and not self._purge_timer.isActive():
                self._purge_timer.start(PURGE_STEP_GAP_MS)

        self.window.context.tasks.run(lambda: purge_removed_words(session, PURGE_STEPS_PER_TASK), then,
                                      lambda _error: None, owner=self.window)

    def _make_actions(self) -> None:
        window, actor = self.window, self.window.session.actor

        def action(text: str, name: str, keys: str, slot: Callable[[], object], tip: str) -> QAction:
            made = QAction(text, window)
            made.setObjectName(name)
            made.setShortcut(QKeySequence(keys))
            made.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            made.setToolTip(f"{tip} ({keys})")
            made.triggered.connect(slot)
            return made

        self.home_action = action("&Start page", "homeAction", "Alt+Home", self.home, "Start page")
        self.new_action = action("&New household", "newHouseholdAction", "Ctrl+N", self.new_household,
                                 "Register a new household")
        self.find_action = action("&Find a household", "findHouseholdAction", "Ctrl+F", self.focus_search,
                                  "Find a household")
        self.review_action = action("&Review likely duplicates", "reviewDuplicatesAction", "Ctrl+Shift+D",
                                    self.review_duplicates, "People who may have been registered twice")
        self.review_action.setEnabled(actor.may(Permission.MERGE_HOUSEHOLDS))
        self.new_action.setEnabled(actor.may(Permission.REGISTER_HOUSEHOLD))
        self.find_action.setEnabled(actor.may(Permission.VIEW_HOUSEHOLD))
        self.box.setEnabled(actor.may(Permission.VIEW_HOUSEHOLD))

        menu = named(QMenu("H&ouseholds", window), "householdsMenu", "Households")
        for item in (self.new_action, self.find_action, self.review_action, self.home_action):
            menu.addAction(item)
        bar = window.menuBar()
        bar.insertMenu(bar.actions()[-1], menu)  # before Help

        toolbar = window.toolbar
        first = toolbar.actions()[0]  # Lock: the desk's own buttons stay at the far end
        for item, name, words in ((self.home_action, "homeButton", "Start page"),
                                  (self.new_action, "newHouseholdButton", "New household")):
            toolbar.insertAction(first, item)
            named(toolbar.widgetForAction(item), name, words)
        toolbar.insertSeparator(first)
        self.box_action = toolbar.insertWidget(first, self.box)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.insertWidget(first, spacer)

    # -- going places -------------------------------------------------------------------------------

    def _leave_page(self, then: Callable[[], object]) -> None:
        """Leave the current page, asking about unsaved changes first if it is the form."""
        if self.window.current_page_name() == FORM_PAGE and self.form_page.active:
            self.form_page.ask_to_leave(then)
        else:
            then()

    def ask_to_leave(self, proceed: Callable[[], object]) -> None:
        """For the main window: before signing out or quitting."""
        if self.form_page.active:
            self.form_page.ask_to_leave(proceed)
        else:
            proceed()

    def home(self) -> None:
        def go() -> None:
            self.drafts.refresh()
            self.requests.refresh()
            self.window.show_page(START_PAGE)

        self._leave_page(go)

    def new_household(self) -> None:
        if self.window.locked or not self.new_action.isEnabled():
            return

        def go() -> None:
            self.window.show_page(FORM_PAGE)
            self.form_page.start_new()

        self._leave_page(go)

    def review_duplicates(self) -> None:
        if self.window.locked or not self.review_action.isEnabled():
            return

        def go() -> None:
            self.window.show_page(REVIEW_PAGE)
            self.review_page.table.setFocus(Qt.FocusReason.OtherFocusReason)
            self.review_page.refresh()

        self._leave_page(go)

    def focus_search(self) -> None:
        self.box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.box.selectAll()

    def _show_search(self, deliberate: bool = True) -> None:
        if self.window.current_page_name() == SEARCH_PAGE:
            return
        if not deliberate and self._form_has_changes():
            # Typing in the search box never takes the person off a changed form, and never opens
            # a question that the next letters they type could answer: the results wait for Down
            # or Enter, which ask about the form first.
            words = (f"Searching for “{self.box.text().strip()}”. Press Down or Enter in the search box to see "
                     "the households found; you will be asked about the unsaved form first.")
            self.window.statusBar().showMessage(words, 15_000)
            announce(self.box, words)
            return
        self._leave_page(lambda: self.window.show_page(SEARCH_PAGE))

    def _form_has_changes(self) -> bool:
        return (self.window.current_page_name() == FORM_PAGE and self.form_page.active
                and self.form_page.form.dirty)

    def _enter_in_box(self) -> None:
        household_id = self.search_page.first_household()
        if household_id and not self.search.pending and self.search.last_query == self.box.text().strip():
            self.open_household(household_id)
        elif self.box.text().strip():
            self.search.box.down.emit()

    def open_household(self, household_id: str) -> None:
        self._leave_page(lambda: self.show_household(household_id))

    def show_household(self, household_id: str) -> None:
        def shown() -> None:
            self.window.show_page(HOUSEHOLD_PAGE)
            self.view.members_view.setFocus(Qt.FocusReason.OtherFocusReason)

        self.view.load(household_id, then=shown)

    def edit_household(self, household: Household) -> None:
        self.window.show_page(FORM_PAGE)
        self.form_page.start_edit(household)

    def _form_closed(self) -> None:
        if self.form_page.household is not None:
            self.show_household(self.form_page.household.id)
        else:
            self.home()

    def resume_draft(self, draft_id: str) -> None:
        session = self.window.session

        def work() -> tuple[Draft, Household | None]:
            draft = load_draft(session, draft_id)
            household = open_household(session, draft.household_id) if draft.household_id else None
            return draft, household

        def resume(found: tuple[Draft, Household | None]) -> None:
            draft, household = found
            if household is not None and household.id != draft.household_id:
                # The household was merged into another since: its form would overwrite the one it
                # joined (dropping that household's people), so show where it went instead.
                self.show_household(household.id)
                show_error(self.window, NotFound(MERGED_DRAFT))
                return
            self.window.show_page(FORM_PAGE)
            if household is not None:
                self.form_page.start_edit(household, draft)
            else:
                self.form_page.start_new(draft)

        self._leave_page(lambda: self.window.context.tasks.run(
            work, resume, lambda error: show_error(self.window, error), owner=self.window))

    # -- the review queue kept current -------------------------------------------------------------
    def queue_changed(self, delay_ms: int = QUEUE_SETTLE_MS) -> None:
        """Records arrived: recount the manager's review queue (or refresh it, when it is on screen)."""
        if not self.review_action.isEnabled():
            return
        if not self._queue_timer.isActive():
            wait = delay_ms
            if self._queue_last:  # not sooner than QUEUE_GAP_MS after the last recount
                wait = max(delay_ms, int((self._queue_last + QUEUE_GAP_MS / 1000 - time.monotonic()) * 1000))
            self._queue_timer.start(wait)

    def _check_store_mark(self) -> None:
        if self.window.locked or self._queue_busy or self._queue_timer.isActive():
            return
        session = self.window.session

        def seen(mark: int) -> None:
            if self._queue_mark is not None and mark != self._queue_mark:
                self.queue_changed()

        self.window.context.tasks.run(lambda: store_mark(session), seen, lambda _e: None, owner=self.window)

    def _recount_queue(self) -> None:
        if self.window.locked or self._queue_busy:
            if not self.window.locked:
                self._queue_timer.start(QUEUE_SETTLE_MS)
            return
        self._queue_busy = True
        self._queue_last = time.monotonic()
        if self.window.current_page_name() == REVIEW_PAGE:
            # On screen: the list itself is refreshed (audited as a review, names shown).
            self.review_page.refresh(lambda: self._counted(self.review_page.model.rowCount(), None))
            return
        session, matcher = self.window.session, self.window.context.matcher

        def work() -> tuple[int, int]:
            mark = store_mark(session)
            return count_duplicates(session, matcher()), mark

        self.window.context.tasks.run(work, lambda done: self._counted(*done), self._count_failed,
                                      owner=self.window)

    def _counted(self, count: int, mark: int | None) -> None:
        self._queue_busy = False
        self.queue_count = count
        if mark is not None:
            self._queue_mark = mark
        else:
            self._check_store_mark_after_refresh()
        button = self.window.findChild(ActionButton, f"start:{self.review_action.objectName()}")
        words = (f"{count} likely duplicate pair{'s' if count != 1 else ''} to look at now." if count
                 else "No likely duplicates now.")
        if button is not None:
            keys = self.review_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            button.set_description(f"{REVIEW_WORDS} {words} ({keys})")
        self.review_count_changed.emit(count)

    def _check_store_mark_after_refresh(self) -> None:
        session = self.window.session

        def seen(mark: int) -> None:
            self._queue_mark = mark

        self.window.context.tasks.run(lambda: store_mark(session), seen, lambda _e: None, owner=self.window)

    def _count_failed(self, _error: BaseException) -> None:
        self._queue_busy = False

    def after_sync(self, pulled: int) -> None:
        """A sync brought records: the household on screen is read again; an open form is told
        (it keeps unsaved changes and offers Reload, as when someone saved first); the review
        queue is recounted."""
        if not pulled or self.window.locked:
            return
        self.queue_changed()
        page = self.window.current_page_name()
        if page == HOUSEHOLD_PAGE and self.view.household is not None:
            self.view.load(self.view.household.id)
        elif page == FORM_PAGE and self.form_page.household is not None:
            self.form_page.check_newer()

    def _locked(self, locked: bool) -> None:
        if locked:
            self._purge_timer.stop()
            # Results, or a dialog naming people, left on screen beside the lock screen would be
            # records in view of anyone passing. Closing a dialog is its Cancel: nothing is lost.
            self.search.clear()
            self.review_page.clear()
            for dialog in self.window.findChildren(QDialog):
                if dialog.isVisible():
                    dialog.reject()
        self.box.setEnabled(not locked and self.window.session.actor.may(Permission.VIEW_HOUSEHOLD))
