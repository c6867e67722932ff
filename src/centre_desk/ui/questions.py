"""Questions about the person's work (unsaved changes, discard this?) that a stray keystroke cannot answer.

A QMessageBox answers to a button's letter alone, and Space presses the focused button: typing
"edward" into the search box while the unsaved-changes question opened answered it with the "d"
(Discard). So a ``SafeQuestion``:

- answers to no letter without Alt, and a destructive button has no mnemonic at all (it is reached
  with Tab and pressed with Space or Enter);
- has the safe choice (the one that changes nothing) as its default and escape button, with the
  focus on it;
- ignores every key but Esc (the safe answer) for ``TYPE_AHEAD_MS`` after it opens, so keys
  already on their way (typed before the question could be read) are dropped rather than taken
  as an answer.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QPushButton, QWidget

from .a11y import announce
from .widgets import named

TYPE_AHEAD_MS = 600


@dataclass(frozen=True)
class Answer:
    text: str  # what the button says; "&" before a letter gives it Alt+letter (never on destructive ones)
    key: str  # the answer's value, also the button's objectName stem
    role: QMessageBox.ButtonRole
    destructive: bool = False


class SafeQuestion(QMessageBox):
    def __init__(self, parent: QWidget | None, object_name: str, title: str, text: str, informative: str,
                 answers: Sequence[Answer], safe: str, icon: QMessageBox.Icon = QMessageBox.Icon.Warning) -> None:
        super().__init__(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
        named(self, object_name, title, " ".join(p for p in (text, informative) if p))
        if informative:
            self.setInformativeText(informative)
        self.buttons_by_key: dict[str, QAbstractButton] = {}
        for answer in answers:
            words = answer.text.replace("&", "") if answer.destructive else answer.text
            button = self.addButton(words, answer.role)
            named(button, f"{answer.key}Button", words.replace("&", ""))
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
            self.buttons_by_key[answer.key] = button
            button.installEventFilter(self)
        safe_button = self.buttons_by_key[safe]
        if isinstance(safe_button, QPushButton):
            self.setDefaultButton(safe_button)
        self.setEscapeButton(safe_button)
        self._shown_at = 0.0

    def answer(self) -> str | None:
        clicked = self.clickedButton()
        return next((key for key, button in self.buttons_by_key.items() if button is clicked), None)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._shown_at = time.monotonic()
        default = self.defaultButton()
        if default is not None:
            default.setFocus(Qt.FocusReason.OtherFocusReason)
        announce(self, f"{self.windowTitle()}. {self.text()}", urgent=True)

    def _typed_ahead(self) -> bool:
        return (time.monotonic() - self._shown_at) * 1000 < TYPE_AHEAD_MS

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Space on the focused button presses it before the box hears the key.
        if (event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and self._typed_ahead()
                and isinstance(event, QKeyEvent) and event.key() != Qt.Key.Key_Escape):
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._typed_ahead() and event.key() != Qt.Key.Key_Escape:  # Esc is the safe answer: always heard
            event.accept()  # typed before the question could have been read
            return
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        text = event.text()
        printable = bool(text) and text.isprintable() and not text.isspace()
        if printable and not mods & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier):
            event.accept()  # a letter alone answers nothing (QMessageBox would press its button)
            return
        super().keyPressEvent(event)
