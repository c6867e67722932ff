"""Printing from the desk: make a document through the services in the background, then preview it.

``DocumentPrinter`` is what a window asks for a privacy notice, a consent receipt or "what we hold
about you"; ``NoticePrintActions`` puts "Print privacy notice" in the main window's File menu and
toolbar. The preview (and with it QtPdf and QtPrintSupport) is imported on first use, not at
start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from centre_desk.domain.staff import Permission
from centre_desk.services.documents import DocumentRenderer, print_privacy_notice
from centre_desk.services.family_documents import print_consent_receipt, print_household_summary
from centre_desk.services.profile import profile_of
from centre_desk.services.session import DeskSession

from .errors import show_error
from .tasks import TaskRunner
from .widgets import named

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .print_preview import PrintPreviewDialog

PRINT_NOTICE = "Print privacy notice"
PRINT_NOTICE_LARGE = "Print privacy notice in large print"
PRINT_RECEIPT = "Print consent receipt"
PRINT_SUMMARY = "Print what we hold"


class DocumentPrinter(QObject):
    """``previewed(PrintPreviewDialog)`` once a preview is on screen."""

    previewed = Signal(object)

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession],
                 renderer: Callable[[], DocumentRenderer], parent: QWidget) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._session = session
        self._renderer = renderer
        self._parent = parent
        self.preview: PrintPreviewDialog | None = None

    def privacy_notice(self, large_print: bool = False) -> None:
        session, renderer = self._session(), self._renderer

        def make(large: bool) -> bytes:
            return print_privacy_notice(session, renderer(), profile_of(session), large_print=large)

        self._preview("Privacy notice", "privacy-notice", make, large_print)

    def consent_receipt(self, household_id: str, large_print: bool = False) -> None:
        session, renderer = self._session(), self._renderer

        def make(large: bool) -> bytes:
            return print_consent_receipt(session, renderer(), household_id, large_print=large)

        self._preview("Consent receipt", "consent-receipt", make, large_print)

    def household_summary(self, household_id: str, large_print: bool = False) -> None:
        session, renderer = self._session(), self._renderer

        def make(large: bool) -> bytes:
            return print_household_summary(session, renderer(), household_id, large_print=large)

        self._preview("What we hold about you", "what-we-hold", make, large_print)

    def sharing_notice(self, household_id: str, disclosure_id: str, large_print: bool = False) -> None:
        from centre_desk.services.rights_letters import print_sharing_notice

        session, renderer = self._session(), self._renderer

        def make(large: bool) -> bytes:
            return print_sharing_notice(session, renderer(), household_id, disclosure_id, large_print=large)

        self._preview("We have shared your information", "sharing-notice", make, large_print)

    def blank_form(self, form_id: str, large_print: bool = False) -> None:
        from centre_desk.services.documents import BLANK_FORMS, print_blank_form_by_id

        session, renderer = self._session(), self._renderer

        def make(large: bool) -> bytes:
            return print_blank_form_by_id(session, renderer(), profile_of(session), form_id, large_print=large)

        self._preview(f"Blank {dict(BLANK_FORMS)[form_id].lower()}", f"blank-{form_id}-form", make, large_print)

    def recovery_sheet(self, key: str, large_print: bool = False) -> None:
        """The printable recovery sheet for a key just made; the key lives only in this call and the preview."""
        from centre_desk.services.keys import print_recovery_sheet

        session, renderer = self._session(), self._renderer

        def make(large: bool) -> bytes:
            return print_recovery_sheet(session, renderer(), key, large_print=large)

        self._preview("Recovery key sheet", "recovery-key", make, large_print)

    def rectification(self, household_id: str, large_print: bool = False) -> None:
        from centre_desk.services.rights_letters import print_rectification

        session, renderer = self._session(), self._renderer

        def make(large: bool) -> bytes:
            return print_rectification(session, renderer(), household_id, large_print=large)

        self._preview("We have corrected your information", "correction", make, large_print)

    def quick_guide(self, large_print: bool = False) -> None:
        from centre_desk.services.help import QUICK_GUIDE_TITLE, print_quick_guide

        session, renderer = self._session(), self._renderer

        def make(large: bool) -> bytes:
            return print_quick_guide(session, renderer(), large_print=large)

        self._preview(QUICK_GUIDE_TITLE, "quick-guide", make, large_print)

    def _preview(self, title: str, file_name: str, make: Callable[[bool], bytes], large_print: bool) -> None:
        # On the asking window, not application-wide: if that window closes first, nothing is left spinning.
        self._parent.setCursor(Qt.CursorShape.BusyCursor)

        def shown(pdf: bytes) -> None:
            self._parent.unsetCursor()
            from .print_preview import PdfUnreadable, PrintPreviewDialog

            try:
                dialog = PrintPreviewDialog(title, pdf, file_name=file_name, tasks=self._tasks, regenerate=make,
                                            large_print=large_print, parent=self._parent)
            except PdfUnreadable as error:
                show_error(self._parent, error)
                return
            dialog.finished.connect(lambda _result: dialog.deleteLater())
            place_preview(dialog)
            dialog.open()
            self.preview = dialog
            self.previewed.emit(dialog)

        def failed(error: BaseException) -> None:
            self._parent.unsetCursor()
            show_error(self._parent, error)

        self._tasks.run(lambda: make(large_print), shown, failed, owner=self._parent)


def place_preview(dialog: QWidget) -> None:
    """As tall as the screen allows: an A4 page at a readable size needs the height."""
    screen = dialog.screen() or QApplication.primaryScreen()
    if screen is None:
        return
    area = screen.availableGeometry()
    dialog.resize(min(1000, area.width() - 40), area.height() - 40)


class NoticePrintActions(QObject):
    """File ▸ Print privacy notice (and in large print), and a toolbar button for the first."""

    def __init__(self, window: MainWindow, renderer: Callable[[], DocumentRenderer]) -> None:
        super().__init__(window)
        self.window = window
        self.printer = DocumentPrinter(window.context.tasks, lambda: window.session, renderer, window)
        may_print = window.session.actor.may(Permission.PRINT)

        self.notice_action = QAction("Print privacy &notice", window)
        self.notice_action.setObjectName("printNoticeAction")
        self.notice_action.setToolTip(f"{PRINT_NOTICE} (Ctrl+Shift+P): preview, print or save the family's "
                                      "copy of the privacy notice")
        self.notice_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.notice_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.notice_action.triggered.connect(lambda: self.print_notice(False))
        self.large_action = QAction("Print privacy notice in &large print", window)
        self.large_action.setObjectName("printNoticeLargeAction")
        self.large_action.setToolTip(PRINT_NOTICE_LARGE)
        self.large_action.triggered.connect(lambda: self.print_notice(True))
        for action in (self.notice_action, self.large_action):
            action.setEnabled(may_print)

        menu = window.findChild(QMenu, "fileMenu")
        if menu is not None and menu.actions():
            first = menu.actions()[0]
            menu.insertAction(first, self.notice_action)
            menu.insertAction(first, self.large_action)
            menu.insertSeparator(first)
        elif menu is not None:
            menu.addAction(self.notice_action)
            menu.addAction(self.large_action)

        toolbar = window.toolbar
        actions = toolbar.actions()
        names = [a.objectName() for a in actions]
        # After the households' own buttons (Start page, New household), before the search box.
        after = names.index("newHouseholdAction") + 1 if "newHouseholdAction" in names else 0
        if after < len(actions):
            toolbar.insertAction(actions[after], self.notice_action)
        else:
            toolbar.addAction(self.notice_action)
        named(toolbar.widgetForAction(self.notice_action), "printNoticeButton", PRINT_NOTICE,
              "Preview, print or save the family's copy of the privacy notice (Ctrl+Shift+P)")

    def print_notice(self, large_print: bool = False) -> None:
        if self.window.locked or not self.notice_action.isEnabled():
            return
        self.printer.privacy_notice(large_print)
