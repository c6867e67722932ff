"""The one application style: a palette tuned for contrast and one style sheet, set on the QApplication.

WCAG 2.2 AA asks for text at 4.5:1 (3:1 when large), and control boundaries and focus indicators at
3:1 against what is next to them (1.4.3, 1.4.11). Qt's Fusion palette derives its grey secondary
text, input borders and indicator outlines from the window colour and misses all three, so:

- ``tuned_palette`` darkens (on a light theme) or lightens (on a dark one) only the roles that
  fail — placeholder/secondary text, highlight, mid/dark/shadow — until each passes against the
  backgrounds it is drawn on. In the platform's high-contrast mode the palette is left exactly as
  the platform gives it (it is already high contrast, and the person chose it).
- ``style_sheet`` draws every boundary and every focus indicator from colours computed from that
  palette, so the same rules hold in a dark or high-contrast theme. Sizes are in ``em`` so a 200 %
  text size grows the controls with the text instead of clipping it.
- ``DeskStyle`` (a proxy over Fusion) redraws the check box and radio outlines and the focus frame
  that Fusion paints in its own faint derived colours.

``apply_theme(app)`` does all of it, and again whenever the platform palette or contrast setting
changes. The contrast arithmetic here (``contrast``) is the WCAG relative-luminance formula; the
accessibility checker (``ui/a11y_check.py``) measures the result with the same function.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleFactory, QStyleOption, QWidget

BASE_POINT_SIZE = 11
TEXT_RATIO = 4.5
LARGE_TEXT_RATIO = 3.0
BOUNDARY_RATIO = 3.0
# A little above the thresholds, so rounding in a screen grab never tips a colour under them.
_MARGIN = 0.25

_R = QPalette.ColorRole
_G = QPalette.ColorGroup


# -- WCAG arithmetic --------------------------------------------------------------------------------

def _channel(value: float) -> float:
    c = value / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: QColor) -> float:
    """WCAG relative luminance of an opaque colour."""
    return 0.2126 * _channel(colour.red()) + 0.7152 * _channel(colour.green()) + 0.0722 * _channel(colour.blue())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio, 1.0 to 21.0."""
    la, lb = luminance(a), luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def blend(front: QColor, back: QColor) -> QColor:
    """``front`` drawn with its alpha over opaque ``back``: the colour a person sees."""
    alpha = front.alphaF()
    return QColor.fromRgbF(front.redF() * alpha + back.redF() * (1 - alpha),
                           front.greenF() * alpha + back.greenF() * (1 - alpha),
                           front.blueF() * alpha + back.blueF() * (1 - alpha))


def is_dark(colour: QColor) -> bool:
    return luminance(colour) < 0.18


def ensure_contrast(colour: QColor, against: Iterable[QColor], ratio: float) -> QColor:
    """``colour`` (alpha flattened onto the first background) moved towards black on light
    backgrounds, or white on dark ones, in small steps until it reaches ``ratio`` against each."""
    backs = list(against)
    target = ratio + _MARGIN
    current = blend(colour, backs[0]) if colour.alpha() < 255 else QColor(colour)
    towards = QColor("#ffffff") if is_dark(backs[0]) else QColor("#000000")
    found = _first_mix(current, towards, backs, target)
    return found if found is not None else towards


def _first_mix(colour: QColor, towards: QColor, backs: list[QColor], target: float) -> QColor | None:
    """The first of ``colour`` mixed towards ``towards`` in 1 % steps that reaches ``target``
    against every one of ``backs``, or None."""
    for step in range(0, 101):
        t = step / 100
        mixed = QColor.fromRgbF(colour.redF() * (1 - t) + towards.redF() * t,
                                colour.greenF() * (1 - t) + towards.greenF() * t,
                                colour.blueF() * (1 - t) + towards.blueF() * t)
        if all(contrast(mixed, back) >= target for back in backs):
            return mixed
    return None


# -- the palette ------------------------------------------------------------------------------------

def high_contrast_requested(palette: QPalette) -> bool:
    """The platform's high-contrast setting (Qt 6.10+), or a palette that is already high contrast."""
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication):
        try:
            if app.styleHints().accessibility().contrastPreference() == Qt.ContrastPreference.HighContrast:
                return True
        except (AttributeError, RuntimeError):
            pass
    return contrast(palette.color(_R.WindowText), palette.color(_R.Window)) >= 15 and \
        contrast(palette.color(_R.Mid), palette.color(_R.Window)) >= 4.5


def tuned_palette(base: QPalette) -> QPalette:
    """``base`` with the roles that fail WCAG AA moved just far enough to pass."""
    palette = QPalette(base)
    for group in (_G.Active, _G.Inactive):
        window, field, alternate = palette.color(group, _R.Window), palette.color(group, _R.Base), \
            palette.color(group, _R.AlternateBase)
        backs = [window, field, alternate, palette.color(group, _R.Button)]
        placeholder = palette.color(group, _R.PlaceholderText)
        if placeholder.alpha() == 255 and placeholder == palette.color(group, _R.Text):
            placeholder = QColor(palette.color(group, _R.Text))
            placeholder.setAlpha(128)  # Qt's default: the text colour at half strength
        palette.setColor(group, _R.PlaceholderText, ensure_contrast(placeholder, backs, TEXT_RATIO))
        for role in (_R.Mid, _R.Dark, _R.Shadow):
            palette.setColor(group, role, ensure_contrast(palette.color(group, role), backs, BOUNDARY_RATIO))
        highlighted_text = palette.color(group, _R.HighlightedText)
        palette.setColor(group, _R.Highlight,
                         ensure_contrast(palette.color(group, _R.Highlight), [highlighted_text, *backs], TEXT_RATIO))
        palette.setColor(group, _R.Link, ensure_contrast(palette.color(group, _R.Link), backs, TEXT_RATIO))
    # Disabled text may be faint (WCAG exempts inactive controls) but must still be legible.
    disabled = palette.color(_G.Disabled, _R.Window)
    for role in (_R.WindowText, _R.Text, _R.ButtonText):
        palette.setColor(_G.Disabled, role, ensure_contrast(palette.color(_G.Disabled, role), [disabled], 3.0))
    return palette


def points(size: float) -> float:
    """A font size written for the 11 pt desk, at the person's text size (22 at 200 %)."""
    app = QGuiApplication.instance()
    base = QGuiApplication.font().pointSizeF() if isinstance(app, QGuiApplication) else BASE_POINT_SIZE
    return round(size * max(base, 1.0) / BASE_POINT_SIZE, 1)


def boundary_colour(palette: QPalette) -> QColor:
    """Input, button, tab and table borders: 3:1 against the window and field backgrounds."""
    return ensure_contrast(palette.color(_R.Mid), [palette.color(_R.Window), palette.color(_R.Base),
                                                   palette.color(_R.Button)], BOUNDARY_RATIO)


def focus_colour(palette: QPalette) -> QColor:
    """The focus ring: 3:1 against every background it is drawn on, and against the boundary it
    replaces, so the change when focus arrives is itself 3:1 (2.4.7, 2.4.11, 1.4.11)."""
    backs = [palette.color(_R.Window), palette.color(_R.Base), palette.color(_R.Button),
             palette.color(_R.AlternateBase)]
    return ensure_contrast(palette.color(_R.Highlight), backs, BOUNDARY_RATIO)


PROBLEM_COLOUR = "#a4161a"


def problem_colour(palette: QPalette | None = None) -> str:
    """The red of problems and required marks, made lighter on a dark or high-contrast theme so it
    still reads at 4.5:1 there."""
    palette = palette if palette is not None else QGuiApplication.palette()
    backs = [palette.color(_R.Window), palette.color(_R.Base), palette.color(_R.AlternateBase)]
    return ensure_contrast(QColor(PROBLEM_COLOUR), backs, TEXT_RATIO).name()


def area_focus_colour(palette: QPalette) -> QColor:
    """The focused frame of a table, list or text area: 3:1 against the boundary colour it
    replaces (the frame keeps its width) and against the backgrounds beside it."""
    backs = [palette.color(_R.Window), palette.color(_R.Base), boundary_colour(palette)]
    found = ensure_contrast(focus_colour(palette), backs, BOUNDARY_RATIO)
    if all(contrast(found, back) >= BOUNDARY_RATIO for back in backs):
        return found
    # A high-contrast theme's white frames on black: neither lighter nor darker than both. The
    # focus colour's hue in the middle band (3:1 from black and from white) is.
    focus = focus_colour(palette)
    for towards in (QColor("#000000"), QColor("#ffffff")):
        mixed = _first_mix(focus, towards, backs, BOUNDARY_RATIO + _MARGIN)
        if mixed is not None:
            return mixed
    return found


def style_sheet(palette: QPalette) -> str:
    """The application style sheet. Every colour is a palette role or computed from one."""
    border = boundary_colour(palette).name()
    focus = focus_colour(palette).name()
    area_focus = area_focus_colour(palette).name()
    return f"""
QPushButton, QToolButton {{
    border: 1px solid {border}; border-radius: 3px; padding: 4px 14px; min-height: 1.5em;
    background: palette(button); color: palette(button-text);
}}
QToolButton {{ padding: 3px 8px; }}
QPushButton:default {{ border-width: 2px; padding: 3px 13px; }}
QPushButton:hover, QToolButton:hover {{ background: palette(midlight); }}
QPushButton:pressed, QToolButton:pressed {{ background: palette(mid); }}
QPushButton:focus {{ border: 3px solid {focus}; padding: 2px 12px; }}
QToolButton:focus {{ border: 3px solid {focus}; padding: 1px 6px; }}
QPushButton:disabled, QToolButton:disabled {{ color: palette(placeholder-text); }}
QCommandLinkButton {{ border: 1px solid {border}; border-radius: 3px; }}
QCommandLinkButton:focus {{ border: 3px solid {focus}; }}
QLineEdit, QAbstractSpinBox, QComboBox {{
    border: 1px solid {border}; border-radius: 2px; padding: 3px 4px;
    background: palette(base); color: palette(text); selection-background-color: palette(highlight);
    selection-color: palette(highlighted-text);
}}
QLineEdit:focus, QAbstractSpinBox:focus, QComboBox:focus {{ border: 3px solid {focus}; padding: 1px 2px; }}
QPlainTextEdit, QTextEdit, QTextBrowser {{
    border: 2px solid {border}; background: palette(base); color: palette(text);
    selection-background-color: palette(highlight); selection-color: palette(highlighted-text);
}}
QCheckBox, QRadioButton {{ border: 2px solid transparent; padding: 1px 3px; spacing: 0.4em; }}
QCheckBox:focus, QRadioButton:focus {{ border: 2px solid {focus}; }}
QAbstractItemView {{
    border: 2px solid {border}; background: palette(base); alternate-background-color: palette(alternate-base);
    selection-background-color: palette(highlight); selection-color: palette(highlighted-text);
}}
QHeaderView {{ border: 0; }}
/* A scroll area's frame width is fixed when it is styled, so focus changes the colour of a frame
   of the same width: a colour 3:1 from the unfocused one. */
QAbstractItemView:focus, QPlainTextEdit:focus, QTextEdit:focus, QTextBrowser:focus {{ border-color: {area_focus}; }}
QHeaderView::section {{
    background: palette(button); color: palette(button-text); border: 0; border-right: 1px solid {border};
    border-bottom: 1px solid {border}; padding: 0.2em 0.4em; min-height: 1.4em;
}}
QTabWidget::pane {{ border: 1px solid {border}; top: -1px; }}
QTabBar::tab {{
    border: 1px solid {border}; border-bottom: 0; padding: 0.3em 0.6em; margin-right: 2px;
    background: palette(button); color: palette(button-text); min-height: 1.3em;
}}
QTabBar::tab:selected {{ background: palette(base); font-weight: bold; border-top: 3px solid {border}; }}
QTabBar:focus {{ border: 0; }}
QTabBar::tab:selected:focus {{ border: 3px solid {focus}; border-bottom: 0; }}
QProgressBar {{ border: 1px solid {border}; border-radius: 2px; background: palette(base); }}
QProgressBar::chunk {{ background: palette(highlight); }}
QMenu {{ border: 1px solid {border}; }}
QToolTip {{ border: 1px solid {border}; color: palette(tooltip-text); background: palette(tooltip-base); }}
"""


class DeskStyle(QProxyStyle):
    """Fusion, with the check box and radio outlines and the focus frame drawn in palette colours
    that meet 3:1 (Fusion draws them in a grey derived from the window colour: 1.7:1)."""

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption, painter: QPainter,
                      widget: QWidget | None = None) -> None:
        if element == QStyle.PrimitiveElement.PE_FrameFocusRect:
            painter.save()
            pen = QPen(focus_colour(option.palette), 2)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(option.rect.adjusted(1, 1, -1, -1))
            painter.restore()
            return
        super().drawPrimitive(element, option, painter, widget)
        if element in (QStyle.PrimitiveElement.PE_IndicatorCheckBox, QStyle.PrimitiveElement.PE_IndicatorRadioButton,
                       QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck):
            painter.save()
            radio = element == QStyle.PrimitiveElement.PE_IndicatorRadioButton
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, radio)
            pen = QPen(boundary_colour(option.palette), 2)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            rect: QRect = option.rect
            if radio:
                painter.drawEllipse(QRectF(rect).adjusted(1, 1, -1, -1))
            else:
                painter.drawRect(rect.adjusted(1, 1, -1, -1))
            painter.restore()


class _ThemeWatcher(QObject):
    """Applies the theme again when the platform's theme or contrast setting changes (not when
    the application sets its own palette: that is this module doing it)."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self.palette: QPalette | None = None  # one given explicitly, kept across changes
        app.installEventFilter(self)
        try:
            app.styleHints().colorSchemeChanged.connect(self.reapply)
            app.styleHints().accessibility().contrastPreferenceChanged.connect(self.reapply)
        except (AttributeError, RuntimeError):
            pass

    def reapply(self, *_args: object) -> None:
        _apply(self._app, self.palette)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._app and event.type() == QEvent.Type.ThemeChange:
            self.reapply()
        return False


def _apply(app: QApplication, platform: QPalette | None = None) -> None:
    if platform is None:
        # An empty palette hands the application back to the platform's own (its high-contrast
        # or dark theme included), which is then the starting point.
        app.setPalette(QPalette())
    base = platform if platform is not None else QGuiApplication.palette()
    palette = QPalette(base) if high_contrast_requested(base) else tuned_palette(base)
    app.setPalette(palette)
    app.setStyleSheet(style_sheet(palette))


def apply_theme(app: QApplication, *, text_scale: float = 1.0, palette: QPalette | None = None) -> None:
    """The desk's look, for the whole application: Fusion with contrast fixed, the style sheet, and
    a slightly larger base font than Qt's default (the desk is read at arm's length). ``text_scale``
    is the person's text-size setting (2.0 is 200 %); ``palette`` a platform palette to start from
    (a high-contrast one, in tests)."""
    if not isinstance(app.style(), DeskStyle):
        fusion = QStyleFactory.create("Fusion")
        app.setStyle(DeskStyle(fusion))
    font = QFont(app.font())
    size = max(font.pointSizeF(), float(BASE_POINT_SIZE)) if text_scale == 1.0 else BASE_POINT_SIZE * text_scale
    # No kerning: Qt draws a label's mnemonic letter (the T of "&To") as a run of its own, which
    # loses the kerning its size was measured with, so at large sizes the last letter was cut
    # ("To" drawn "Tc"). Without kerning a text is as wide drawn as measured.
    if size != font.pointSizeF() or font.kerning():
        font.setPointSizeF(size)
        font.setKerning(False)
        app.setFont(font)
    watcher = app.findChild(_ThemeWatcher) or _ThemeWatcher(app)
    watcher.palette = palette
    _apply(app, palette)
    from . import window_fit  # it builds on widgets, which build on this module

    window_fit.install(app)
