"""What screen readers are told: headings, labels whose value is spoken, and announced status changes.

- ``mark_heading(label, level)``: the label is reported with the Heading role and its level (an
  accessibility factory installed once; Qt's own label interface has no heading role).
- ``expose(label, name)``: a label with a short name ("Postcode") keeps its text ("BS21 7AA")
  spoken, as the accessible description. An accessibleName alone replaces the text, and screen
  readers then never read it.
- ``announce(widget, text)``: a status change ("3 households match", "Saving…", "Referral
  recorded.") is sent as a ``QAccessibleAnnouncementEvent`` (Qt 6.8+, polite unless urgent), the
  live-region way Qt offers, so it is spoken without moving the focus. The last few are kept in
  ``recent_announcements`` for tests.
- ``StatusLabel``: a label whose every ``setText`` is exposed and announced.
"""

from __future__ import annotations

import html
import re
from collections import deque

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QAccessibleEvent
from PySide6.QtWidgets import QAccessibleWidget, QLabel, QWidget

HEADING_PROPERTY = "a11yHeadingLevel"
recent_announcements: deque[tuple[str, str]] = deque(maxlen=50)
_factory_installed = False
_TAGS = re.compile(r"<[^>]+>")
_MNEMONIC = re.compile(r"&(?=[^\W_])(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)")


def plain(text: str) -> str:
    """A label's text as spoken: no markup, no mnemonic ampersands, single spaces."""
    text = _TAGS.sub("", text.replace("<br>", " ").replace("<br/>", " "))
    text = _MNEMONIC.sub("", text.replace("&&", "\0"))
    return " ".join(html.unescape(text).replace("\0", "&").split())


class _HeadingInterface(QAccessibleWidget):
    """A label as a heading: its text as the name, the Heading role, and its level as an attribute."""

    def __init__(self, label: QLabel) -> None:
        super().__init__(label, QAccessible.Role.Heading)
        self._label = label

    def text(self, kind: QAccessible.Text) -> str:
        if kind == QAccessible.Text.Name:
            return self._label.accessibleName() or plain(self._label.text())
        return super().text(kind)


def _factory(_key: str, obj: QObject | None) -> QAccessibleWidget | None:
    if isinstance(obj, QLabel) and obj.property(HEADING_PROPERTY):
        return _HeadingInterface(obj)
    return None


def install() -> None:
    """Install the accessibility factory (once per process)."""
    global _factory_installed
    if not _factory_installed:
        QAccessible.installFactory(_factory)
        _factory_installed = True


def mark_heading(label: QLabel, level: int = 2) -> QLabel:
    install()
    label.setProperty(HEADING_PROPERTY, level)
    return label


def heading_level(widget: QWidget) -> int:
    """The level the widget is exposed with, 0 when it is not a heading (asked through Qt)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    if interface is None or interface.role() != QAccessible.Role.Heading:
        return 0
    return int(widget.property(HEADING_PROPERTY) or 1)


def expose(label: QLabel, name: str, description: str | None = None) -> QLabel:
    """Give a value label a short name and keep its text spoken (as the description)."""
    label.setAccessibleName(name)
    label.setAccessibleDescription(plain(label.text()) if description is None else description)
    return label


def announce(widget: QWidget, text: str, *, urgent: bool = False) -> None:
    """Have screen readers say ``text`` now, without moving the focus."""
    text = plain(text)
    if not text:
        return
    recent_announcements.append((widget.objectName(), text))
    if not QAccessible.isActive():
        return  # no assistive technology listening: nothing to send
    event = QAccessibleAnnouncementEvent(widget, text)
    event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive if urgent
                        else QAccessible.AnnouncementPoliteness.Polite)
    QAccessible.updateAccessibility(event)
    # Older bridges ignore announcements; a name change on the label is what they read.
    QAccessible.updateAccessibility(QAccessibleEvent(widget, QAccessible.Event.NameChanged))


class StatusLabel(QLabel):
    """A status line: its text is the accessible description and every change is announced."""

    def __init__(self, object_name: str, name: str, parent: QWidget | None = None, *, urgent: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName(name)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self._urgent = urgent

    def setText(self, text: str) -> None:
        changed = text != self.text()
        self.show_quietly(text)
        if changed:
            announce(self, text, urgent=self._urgent)

    def show_quietly(self, text: str) -> None:
        """Shown and exposed, but not announced: routine news (a draft autosaved after every
        pause in typing) that would talk over the person's own typing."""
        super().setText(text)
        self.setAccessibleDescription(plain(text))
