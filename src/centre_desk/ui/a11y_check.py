"""An automated accessibility check of a window as it is on screen (WCAG 2.2 AA, the parts a
machine can measure). ``Checker.check(screen, window)`` walks it and records ``Finding``s:

- ``name``: an interactive widget (one that takes the focus) with no accessible name or objectName;
- ``label-in-name``: a button whose accessible name leaves out the words on it (2.5.3: speech
  users say what they see);
- ``label``: a label whose text a screen reader is not given (an accessibleName replaced it and
  no description or buddy carries it);
- ``heading``: text that looks like a heading (bold, clearly larger) not exposed as one;
- ``tab-reach``: an enabled, visible control that Tab never reaches;
- ``tab-trap``: Tab going round a loop that does not come back to where it started;
- ``focus``: focus not visible: the pixels of the focused widget, compared with the same widget
  unfocused, must change by 3:1 over at least a thin ring's worth of pixels (2.4.7, 1.4.11);
- ``contrast``: text below 4.5:1 (3:1 for large text) against the background it is drawn on;
- ``boundary``: an input, button, box or table whose edge is below 3:1 against what is around it;
- ``target``: table rows below 24 px (2.5.8); ``sorting``: a sortable table the keyboard cannot sort;
- ``clipped`` (``check_clipping``): a label or button smaller than the text it holds.

Colours come from the widgets' own palettes (which the application style sheet sets) and from
grabbed pixels, measured with the WCAG relative-luminance formula in ``ui/style.py``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAccessible, QColor, QFont, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollBar,
    QStyle,
    QStyleOptionButton,
    QTabBar,
    QTableView,
    QTextEdit,
    QToolButton,
    QWidget,
)

from .a11y import heading_level, plain
from .style import BOUNDARY_RATIO, LARGE_TEXT_RATIO, TEXT_RATIO, contrast

MIN_ROW_HEIGHT = 24
_COLOUR_IN_TEXT = re.compile(r"color:\s*(#[0-9a-fA-F]{6})")
# A visible label's explanation in brackets ("Verbal (told a member of staff)") may be left out of
# the name; the words before it may not.
_PARENTHESES = re.compile(r"\([^)]*\)")


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


@dataclass(frozen=True)
class Finding:
    screen: str
    rule: str
    widget: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.screen}] {self.rule}: {self.widget} — {self.detail}"


@dataclass
class Report:
    screens: list[str] = field(default_factory=list)
    widgets: int = 0
    findings: list[Finding] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {"screens": len(self.screens), "widgets_checked": self.widgets, "failures": len(self.findings)}


def describe(widget: QWidget) -> str:
    name = widget.objectName() or "(no objectName)"
    words = plain(widget.text()) if isinstance(widget, QLabel | QAbstractButton) else ""
    return f"{type(widget).__name__} {name!r}" + (f" “{words[:40]}”" if words else "")


def _shown(widget: QWidget) -> bool:
    return widget.isVisible() and widget.width() > 0 and widget.height() > 0


def _fully_in_view(widget: QWidget) -> bool:
    """Not scrolled partly out of sight or covered: only then do the window's pixels around it
    show what a person sees of it."""
    return widget.visibleRegion().boundingRect() == widget.rect()


def _internal(widget: QWidget) -> bool:
    """Parts of a compound control that are not controls of their own (a spin box's line edit,
    a scroll area's bars, a combo box's popup, a view's viewport)."""
    if isinstance(widget, QScrollBar) or widget.objectName().startswith("qt_"):
        return True
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractSpinBox | QComboBox | QTabBar):
            return True  # a tab bar's scroll arrows: the arrow keys on the tab bar do the same
        parent = parent.parentWidget()
    return False


def interactive(widget: QWidget) -> bool:
    return (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) == Qt.FocusPolicy.TabFocus and not _internal(widget)


def _image(widget: QWidget, margin: int = 0) -> tuple[QImage, QPoint]:
    """The widget as drawn inside its window (children and surroundings included), and where the
    widget's top-left lands in the image."""
    window = widget.window()
    top_left = widget.mapTo(window, QPoint(0, 0))
    rect = QRect(top_left, widget.size()).adjusted(-margin, -margin, margin, margin).intersected(window.rect())
    image = window.grab(rect).toImage().convertToFormat(QImage.Format.Format_RGB32)
    dpr = image.devicePixelRatio()
    if dpr != 1.0:
        image = image.scaled(rect.width(), rect.height())
    return image, top_left - rect.topLeft()


class _FocusShot:
    """A focused widget drawn on its own, and with 4 px of its surroundings when it is fully in
    view (an indicator may be drawn just outside the widget, as a ring around it)."""

    def __init__(self, widget: QWidget) -> None:
        self.own = _own_image(widget)
        self.where = widget.mapTo(widget.window(), QPoint(0, 0))
        self.around = _image(widget, 4)[0] if _fully_in_view(widget) else None

    def changed_since(self, widget: QWidget) -> int | None:
        """Pixels changed by 3:1 between then (focused) and now (not)."""
        counts = []
        own = _own_image(widget)
        if own.size() == self.own.size():
            counts.append(_changed_pixels(own, self.own))
        unmoved = widget.mapTo(widget.window(), QPoint(0, 0)) == self.where
        if self.around is not None and _fully_in_view(widget) and unmoved:
            around = _image(widget, 4)[0]
            if around.size() == self.around.size():
                counts.append(_changed_pixels(around, self.around))
        return max(counts) if counts else None


def _own_image(widget: QWidget) -> QImage:
    """The widget drawn on its own (as it is, wherever it is scrolled): for before/after focus."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    if image.devicePixelRatio() != 1.0:
        image = image.scaled(widget.width(), widget.height())
    return image


def _pixels(image: QImage, step: int = 1) -> Iterator[QColor]:
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            yield image.pixelColor(x, y)


def dominant(image: QImage) -> QColor:
    """The most common colour: the background the text or control is drawn on."""
    step = max(1, int((image.width() * image.height() / 20_000) ** 0.5))
    counts = Counter(c.rgb() for c in _pixels(image, step))
    return QColor.fromRgb(counts.most_common(1)[0][0]) if counts else QColor("white")


def _large(font: QFont) -> bool:
    points = font.pointSizeF()
    return points >= 18 or (font.bold() and points >= 14)


def _looks_like_heading(label: QLabel) -> bool:
    font, base = label.font(), QApplication.font()
    return font.bold() and font.pointSizeF() >= base.pointSizeF() * 1.2 and len(plain(label.text())) < 120


class Checker:
    """Collects findings over many screens; ``report`` holds the totals."""

    def __init__(self, shots: Path | None = None) -> None:
        """``shots``: a folder to save the before/after images of each focus failure in."""
        self.report = Report()
        self.shots = shots

    def _add(self, found: list[Finding], screen: str, rule: str, widget: QWidget, detail: str) -> None:
        found.append(Finding(screen, rule, describe(widget), detail))

    # -- the whole screen -----------------------------------------------------------------------

    def check(self, screen: str, window: QWidget, *, tab: bool = True) -> list[Finding]:
        """Check ``window`` (shown and active) as it is now."""
        QApplication.processEvents()
        found: list[Finding] = []
        widgets = [w for w in [window, *window.findChildren(QWidget)] if _shown(w)]
        self.report.screens.append(screen)
        self.report.widgets += len(widgets)
        for widget in widgets:
            if interactive(widget) and widget is not window:
                self._check_name(found, screen, widget)
            if isinstance(widget, QLabel):
                self._check_label(found, screen, widget)
            if widget.isEnabled():
                self._check_text_contrast(found, screen, widget)
                self._check_boundary(found, screen, widget)
            if isinstance(widget, QTableView):
                self._check_table(found, screen, widget)
        if tab:
            self._check_tabbing(found, screen, window, widgets)
        self.report.findings.extend(found)
        return found

    # -- names ----------------------------------------------------------------------------------

    def _check_name(self, found: list[Finding], screen: str, widget: QWidget) -> None:
        interface = QAccessible.queryAccessibleInterface(widget)
        name = interface.text(QAccessible.Text.Name) if interface is not None else ""
        if not widget.objectName() or not widget.accessibleName() or not name.strip():
            self._add(found, screen, "name", widget, "interactive widget without an objectName and accessibleName")
        elif isinstance(widget, QAbstractButton) and widget.text():
            visible = _words(_PARENTHESES.sub(" ", plain(widget.text())))
            if visible and visible not in _words(widget.accessibleName()):
                self._add(found, screen, "label-in-name", widget,
                          f"name {widget.accessibleName()!r} does not contain the visible label {visible!r} (2.5.3)")

    def _check_label(self, found: list[Finding], screen: str, label: QLabel) -> None:
        text = plain(label.text())
        if not text:
            return
        interface = QAccessible.queryAccessibleInterface(label)
        if interface is None:
            self._add(found, screen, "label", label, "no accessibility interface")
            return
        spoken = " ".join(plain(interface.text(kind)) for kind in (QAccessible.Text.Name, QAccessible.Text.Description))
        if " ".join(text.split()).casefold() not in spoken.casefold():
            self._add(found, screen, "label", label, f"text {text[:60]!r} is not exposed (spoken: {spoken[:60]!r})")
        if _looks_like_heading(label) and not heading_level(label):
            self._add(found, screen, "heading", label, f"{text[:60]!r} looks like a heading but is not exposed as one")

    # -- colours --------------------------------------------------------------------------------

    def _check_text_contrast(self, found: list[Finding], screen: str, widget: QWidget) -> None:
        text = ""
        if isinstance(widget, QLabel) and widget.pixmap().isNull():
            text = plain(widget.text())
        elif isinstance(widget, QAbstractButton):
            text = widget.text()
        if not text.strip() or not _fully_in_view(widget):
            return
        widget.ensurePolished()
        image, _at = _image(widget)
        back = dominant(image)
        fore = widget.palette().color(widget.foregroundRole())
        colours = [fore]
        if isinstance(widget, QLabel):
            colours += [QColor(c) for c in _COLOUR_IN_TEXT.findall(widget.text())]
        need = LARGE_TEXT_RATIO if _large(widget.font()) else TEXT_RATIO
        for colour in colours:
            ratio = contrast(colour, back)
            if ratio < need:
                self._add(found, screen, "contrast", widget,
                          f"text {colour.name()} on {back.name()} is {ratio:.2f}:1, needs {need}:1")
        if isinstance(widget, QLineEdit) and widget.placeholderText() and not widget.text():
            placeholder = widget.palette().color(widget.palette().ColorRole.PlaceholderText)
            ratio = contrast(placeholder, back)
            if ratio < TEXT_RATIO:
                self._add(found, screen, "contrast", widget, f"placeholder {placeholder.name()} is {ratio:.2f}:1")

    def _boundary_rect(self, widget: QWidget) -> QRect | None:
        """Where the control's visible edge is, in the widget's coordinates."""
        if isinstance(widget, QCheckBox | QRadioButton):
            option = QStyleOptionButton()
            option.initFrom(widget)
            element = (QStyle.SubElement.SE_CheckBoxIndicator if isinstance(widget, QCheckBox)
                       else QStyle.SubElement.SE_RadioButtonIndicator)
            return widget.style().subElementRect(element, option, widget)
        if isinstance(widget, QLineEdit | QComboBox | QAbstractSpinBox | QPlainTextEdit | QTextEdit
                      | QAbstractItemView | QPushButton) and not _internal(widget) \
                and not isinstance(widget, QHeaderView):  # part of its table, whose edge counts
            return widget.rect()
        return None

    def _check_boundary(self, found: list[Finding], screen: str, widget: QWidget) -> None:
        rect = self._boundary_rect(widget)
        if rect is None or rect.width() < 6 or rect.height() < 6 or widget.hasFocus() or not _fully_in_view(widget):
            return
        margin = 3
        image, at = _image(widget, margin)
        box = rect.translated(at)
        ratios = []
        for side in ("left", "right", "top", "bottom"):
            ratios.append(self._edge_ratio(image, box, side, margin))
        worst = min(ratios)
        if worst < BOUNDARY_RATIO:
            self._add(found, screen, "boundary", widget, f"edge contrast {worst:.2f}:1 against its surroundings")

    @staticmethod
    def _edge_ratio(image: QImage, box: QRect, side: str, margin: int) -> float:
        """The best contrast between a pixel just outside the edge and one of the first pixels
        inside it, at three points along the side; the weakest of the three."""
        results = []
        for fraction in (0.3, 0.5, 0.7):
            if side in ("left", "right"):
                y = box.top() + int(box.height() * fraction)
                outside = QPoint(box.left() - 2, y) if side == "left" else QPoint(box.right() + 2, y)
                inward = [QPoint(box.left() + i, y) if side == "left" else QPoint(box.right() - i, y)
                          for i in range(0, 4)]
            else:
                x = box.left() + int(box.width() * fraction)
                outside = QPoint(x, box.top() - 2) if side == "top" else QPoint(x, box.bottom() + 2)
                inward = [QPoint(x, box.top() + i) if side == "top" else QPoint(x, box.bottom() - i)
                          for i in range(0, 4)]
            if not image.rect().contains(outside):
                continue  # the window's own edge: nothing beside it
            back = image.pixelColor(outside)
            best = max((contrast(image.pixelColor(p), back) for p in inward if image.rect().contains(p)),
                       default=21.0)
            results.append(best)
        return min(results) if results else 21.0

    # -- tables ---------------------------------------------------------------------------------

    def _check_table(self, found: list[Finding], screen: str, view: QTableView) -> None:
        model = view.model()
        if model is not None and model.rowCount() > 0:
            height = view.rowHeight(0)
            if height < MIN_ROW_HEIGHT:
                self._add(found, screen, "target", view, f"rows {height} px high, at least {MIN_ROW_HEIGHT} needed")
        if view.isSortingEnabled() and not view.property("keyboardSorting"):
            self._add(found, screen, "sorting", view, "sortable with the mouse only")

    # -- the keyboard ---------------------------------------------------------------------------

    def _check_tabbing(self, found: list[Finding], screen: str, window: QWidget, widgets: list[QWidget]) -> None:
        reachable = [w for w in widgets if w is not window and interactive(w) and w.isEnabled()
                     and w.isVisibleTo(window)]
        if not reachable:
            return
        start = QApplication.focusWidget()
        if start is None or not window.isAncestorOf(start):
            reachable[0].setFocus(Qt.FocusReason.TabFocusReason)
            QApplication.processEvents()
            start = QApplication.focusWidget()
        if start is None:
            self._add(found, screen, "tab-reach", window, "nothing takes the keyboard focus")
            return
        if start not in reachable:
            # Focus put somewhere Tab does not stop (a page, a container): start from where Tab goes.
            QTest.keyClick(start, Qt.Key.Key_Tab)
            QApplication.processEvents()
            start = QApplication.focusWidget() or start
        seen: list[QWidget] = [start]
        focused_images: dict[int, _FocusShot] = {id(start): _FocusShot(start)}
        limit = 2 * len(reachable) + 10
        current = start
        trapped = False
        for _ in range(limit):
            before = current
            QTest.keyClick(current, Qt.Key.Key_Tab)
            QApplication.processEvents()
            current = QApplication.focusWidget() or before
            if current is not before:  # a lone focus stop keeps the focus: nothing to compare with
                self._compare_focus(found, screen, before, focused_images.pop(id(before), None))
            if current is start:
                break
            if current in seen:
                trapped = True
                break
            seen.append(current)
            focused_images[id(current)] = _FocusShot(current)
        else:
            trapped = True
        if trapped:
            self._add(found, screen, "tab-trap", current,
                      f"Tab goes round {len(seen)} widgets without coming back to {describe(start)}")
        visited = set(map(id, seen))
        visited_radios = [w for w in seen if isinstance(w, QRadioButton)]
        for widget in reachable:
            if isinstance(widget, QRadioButton) and any(_same_group(widget, r) for r in visited_radios):
                continue  # Tab reaches a radio group once; the arrow keys move within it
            if id(widget) not in visited and not any(id(p) in visited for p in _proxies(widget)):
                self._add(found, screen, "tab-reach", widget, "enabled and visible but Tab never reaches it")

    def _compare_focus(self, found: list[Finding], screen: str, widget: QWidget, with_focus: _FocusShot | None) -> None:
        if with_focus is None or not _shown(widget):
            return
        changed = with_focus.changed_since(widget)
        if changed is None:
            return
        size = widget.tabRect(widget.currentIndex()).size() if isinstance(widget, QTabBar) else widget.size()
        needed = 2 * (min(size.width(), 200) + min(size.height(), 60))
        if changed < needed:
            self._add(found, screen, "focus", widget,
                      f"focus changes {changed} pixels by 3:1 (a visible indicator needs {needed})")
            if self.shots is not None:
                self.shots.mkdir(parents=True, exist_ok=True)
                stem = re.sub(r"\W+", "-", f"{screen}-{widget.objectName()}")
                with_focus.own.save(str(self.shots / f"{stem}-focused.png"))
                _own_image(widget).save(str(self.shots / f"{stem}-unfocused.png"))

    # -- 200 % text -----------------------------------------------------------------------------

    def check_clipping(self, screen: str, window: QWidget) -> list[Finding]:
        """Labels and buttons given less room than their text needs."""
        QApplication.processEvents()
        found: list[Finding] = []
        for widget in window.findChildren(QWidget):
            if not _shown(widget):
                continue
            if isinstance(widget, QLabel) and plain(widget.text()) and widget.pixmap().isNull():
                if widget.wordWrap():
                    need = widget.heightForWidth(widget.width())
                    if need > widget.height() + 1:
                        self._add(found, screen, "clipped", widget, f"needs {need} px high, has {widget.height()}")
                else:
                    hint = widget.minimumSizeHint()
                    drawn = _mnemonic_width(widget)
                    if drawn > widget.contentsRect().width() + 1:
                        self._add(found, screen, "clipped", widget,
                                  f"its mnemonic letter is drawn apart: needs {drawn} px, has {widget.width()}")
                    elif hint.width() > widget.width() + 1 or hint.height() > widget.height() + 1:
                        self._add(found, screen, "clipped", widget,
                                  f"needs {hint.width()}x{hint.height()}, has {widget.width()}x{widget.height()}")
            elif isinstance(widget, QAbstractButton) and widget.text() and widget.hasHeightForWidth():
                need = widget.heightForWidth(widget.width())
                if need > widget.height() + 1:
                    self._add(found, screen, "clipped", widget, f"needs {need} px high, has {widget.height()}")
            elif (isinstance(widget, QPushButton | QToolButton | QCheckBox | QRadioButton) and widget.text()) \
                    or isinstance(widget, QTabBar):
                hint = widget.sizeHint() if not isinstance(widget, QTabBar) else widget.minimumSizeHint()
                if hint.height() > widget.height() + 1 or (
                        not isinstance(widget, QTabBar) and hint.width() > widget.width() + 1):
                    self._add(found, screen, "clipped", widget,
                              f"needs {hint.width()}x{hint.height()}, has {widget.width()}x{widget.height()}")
            elif isinstance(widget, QHeaderView) and widget.orientation() == Qt.Orientation.Horizontal:
                model = widget.model()
                for section in range(widget.count()):
                    if widget.isSectionHidden(section) or model is None:
                        continue
                    title = str(model.headerData(section, Qt.Orientation.Horizontal) or "")
                    need = widget.sectionSizeHint(section)
                    if title and widget.sectionSize(section) + 1 < need:
                        self._add(found, screen, "clipped", widget,
                                  f"column “{title}” needs {need} px, has {widget.sectionSize(section)}")
            if isinstance(widget, QTabBar):
                self._tabs_cut(found, screen, widget)
        self.report.findings.extend(found)
        return found

    def _tabs_cut(self, found: list[Finding], screen: str, bar: QTabBar) -> None:
        """A tab whose title does not fit ("Consent (5 in fo"), or that lies past the bar's edge."""
        metrics = bar.fontMetrics()
        padding = bar.style().pixelMetric(QStyle.PixelMetric.PM_TabBarTabHSpace, None, bar)
        for i in range(bar.count()):
            if not bar.isTabVisible(i):
                continue
            rect, words = bar.tabRect(i), bar.tabText(i).replace("&", "")
            need = metrics.horizontalAdvance(words) + padding
            if rect.width() + 1 < need:
                self._add(found, screen, "clipped", bar, f"tab '{words}' needs {need} px wide, has {rect.width()}")
            elif rect.right() > bar.width() or rect.left() < 0:
                self._add(found, screen, "clipped", bar, f"tab '{words}' lies past the edge of its tab bar")


def _changed_pixels(a: QImage, b: QImage) -> int:
    """How many pixels differ between two same-sized RGB32 images by at least 3:1. Rows and
    16-pixel chunks that are byte-for-byte equal are skipped without looking at their pixels."""
    width, height = a.width(), a.height()
    row_a, row_b = a.bytesPerLine(), b.bytesPerLine()
    bits_a, bits_b = bytes(a.constBits()), bytes(b.constBits())
    cache: dict[bytes, QColor] = {}

    def colour(raw: bytes) -> QColor:
        found = cache.get(raw)
        if found is None:
            found = cache[raw] = QColor(raw[2], raw[1], raw[0])
        return found

    changed = 0
    chunk = 16 * 4
    for y in range(height):
        line_a = bits_a[y * row_a:y * row_a + width * 4]
        line_b = bits_b[y * row_b:y * row_b + width * 4]
        if line_a == line_b:
            continue
        for start in range(0, width * 4, chunk):
            part_a, part_b = line_a[start:start + chunk], line_b[start:start + chunk]
            if part_a == part_b:
                continue
            for i in range(0, len(part_a), 4):
                pa, pb = part_a[i:i + 3], part_b[i:i + 3]
                if pa != pb and contrast(colour(pa), colour(pb)) >= BOUNDARY_RATIO:
                    changed += 1
    return changed


def _same_group(a: QRadioButton, b: QRadioButton) -> bool:
    if a.group() is not None:
        return a.group() is b.group()
    return a.autoExclusive() and b.autoExclusive() and a.parentWidget() is b.parentWidget()


def _proxies(widget: QWidget) -> Iterable[QWidget]:
    proxy = widget.focusProxy()
    return [proxy] if proxy is not None else []


def _mnemonic_width(label: QLabel) -> int:
    """How wide a buddy label's text is as Qt draws it: the underlined letter is a run of its own,
    so the text is as wide as its three parts measured apart (kerning across them is lost)."""
    text = label.text()
    if label.buddy() is None or label.textFormat() == Qt.TextFormat.RichText or "&" not in text:
        return 0
    at = text.replace("&&", "\0\0").find("&")
    if at < 0 or at + 1 >= len(text):
        return 0
    fm = label.fontMetrics()
    parts = (text[:at].replace("&&", "&"), text[at + 1], text[at + 2:].replace("&&", "&"))
    return sum(fm.horizontalAdvance(part) for part in parts if part)

