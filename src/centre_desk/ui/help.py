"""F1: a short help page for the screen in front of you, and the quick guide for reception.

A page of the main window has the help page of its own name (``resources/help/household.md`` for
the ``household`` page); a dialog says which with ``install_help(dialog, topic)``, which also gives
it its own F1 (a window shortcut of the main window does not reach into a modal dialog). The page is
shown in ``HelpDialog``: a heading, the words in a read-only text browser that takes the focus so a
screen reader starts reading at once (Tab leaves it, as in any text area), and, from the main window,
"Print quick guide for reception".
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QDialog, QHBoxLayout, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from centre_desk.domain.errors import DefinitionError
from centre_desk.services.help import QUICK_GUIDE_TITLE, HelpTopic, help_page

from .errors import show_error
from .widgets import heading, minimum_width, named

HELP_KEYS = "F1"
HELP_TOPIC = "helpTopic"  # the dynamic property naming a widget's help page
FALLBACK_TOPIC = "start"


def _body(topic: HelpTopic) -> str:
    """The page without its title line: the title is the dialog's heading."""
    return topic.markdown.split("\n", 1)[1].lstrip("\n") if "\n" in topic.markdown else ""


class HelpDialog(QDialog):
    def __init__(self, topic: HelpTopic, print_guide: Callable[[], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.topic = topic
        named(self, "helpDialog", f"Help: {topic.title}")
        self.setWindowTitle(f"Help: {topic.title}")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.title = heading(topic.title, 17, "helpTitle")
        self.text = named(QTextBrowser(), "helpText", f"Help: {topic.title}",
                          " ".join(topic.paragraphs))
        self.text.setMarkdown(_body(topic))
        self.text.setOpenLinks(False)
        self.text.setTabChangesFocus(True)
        self.text.setReadOnly(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        buttons = QHBoxLayout()
        buttons.setSpacing(10)
        self.print_button: QPushButton | None = None
        if print_guide is not None:
            self.print_button = named(QPushButton(f"Print &{QUICK_GUIDE_TITLE.lower()}"), "printQuickGuideButton",
                                      f"Print {QUICK_GUIDE_TITLE.lower()}",
                                      "Preview, print or save the one-page-per-screen guide for the desk")
            self.print_button.setAutoDefault(False)
            self.print_button.clicked.connect(print_guide)
            buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        self.close_button = named(QPushButton("&Close"), "closeHelpButton", "Close help")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        minimum_width(layout, 560)
        layout.addWidget(self.title)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        self.resize(640, 560)
        self.text.setFocus()


def topic_of(widget: QWidget | None) -> str | None:
    """The help page named by ``widget`` or the nearest widget around it."""
    while widget is not None:
        value = widget.property(HELP_TOPIC)
        if value:
            return str(value)
        widget = widget.parentWidget()
    return None


def show_help(parent: QWidget, topic: str, print_guide: Callable[[], None] | None = None) -> HelpDialog | None:
    try:
        page = help_page(topic)
    except DefinitionError:
        if topic == FALLBACK_TOPIC:
            raise
        page = help_page(FALLBACK_TOPIC)  # a screen without its own page yet: the general one
    dialog = HelpDialog(page, print_guide, parent)
    before = QApplication.focusWidget()

    def closed(_result: int) -> None:
        # Back to where F1 was pressed, so the person carries on where they were.
        dialog.deleteLater()
        parent.window().activateWindow()
        if before is not None and shiboken6.isValid(before) and before.isVisible():
            before.setFocus(Qt.FocusReason.OtherFocusReason)

    dialog.finished.connect(closed)
    dialog.open()
    return dialog


def install_help(dialog: QWidget, topic: str) -> QShortcut:
    """F1 in ``dialog`` opens ``topic``'s help page over it."""
    dialog.setProperty(HELP_TOPIC, topic)
    shortcut = QShortcut(QKeySequence(HELP_KEYS), dialog)
    shortcut.setContext(Qt.ShortcutContext.WindowShortcut)

    def opened() -> None:
        try:
            show_help(dialog, topic)
        except DefinitionError as error:
            show_error(dialog, error)

    shortcut.activated.connect(opened)
    return shortcut
