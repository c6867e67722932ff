"""Dialogs that fit their text at any text size: one application-wide filter, installed with the theme.

Qt sizes a dialog by its layout's size hint for no particular width, so wrapped text (at 200 %
text, most of it) gets less height than it needs at the width the dialog really has, and the
layout squeezes labels and radio buttons to slivers. As each dialog is shown this gives it the
height its layout needs at its width; when that is more than the screen has, the dialog's contents
are moved into a scroll area, so that they scroll instead of being cut off (WCAG 1.4.4, 1.4.10).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QFrame,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from .widgets import keep_focus_in_view

SCROLLING_PROPERTY = "contentsScroll"
_SCREEN_SPARE = 48  # title bar and a little air


def fit(window: QWidget) -> None:
    """Give ``window`` the height its wrapped text needs; make it scroll when the screen is too small."""
    layout = window.layout()
    if layout is None or window.property(SCROLLING_PROPERTY):
        return
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    room = screen.availableGeometry().height() - _SCREEN_SPARE
    need = layout.totalHeightForWidth(window.width()) if layout.hasHeightForWidth() else \
        layout.totalMinimumSize().height()
    if need > room:
        _scroll_contents(window)
        window.resize(window.width(), room)
    elif need > window.height():
        window.resize(window.width(), need)


def _scroll_contents(window: QWidget) -> None:
    layout = window.layout()
    if layout is None:
        return
    focus = window.focusWidget()
    body = QWidget()
    body.setObjectName(f"{window.objectName() or 'window'}Body")
    body.setLayout(layout)  # takes the layout from the window, with the widgets in it
    area = QScrollArea()
    area.setObjectName(f"{window.objectName() or 'window'}Scroll")
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    area.setWidget(body)
    outer = QVBoxLayout(window)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(area)
    keep_focus_in_view(area)
    window.setProperty(SCROLLING_PROPERTY, True)
    if focus is not None:
        focus.setFocus(Qt.FocusReason.OtherFocusReason)


class WindowFit(QObject):
    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Show and isinstance(watched, QDialog)
                and not isinstance(watched, QMessageBox | QWizard | QFileDialog) and watched.isWindow()):
            fit(watched)
        return False


def install(app: QApplication) -> None:
    if app.findChild(WindowFit) is None:
        WindowFit(app)
