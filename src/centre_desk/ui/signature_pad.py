"""A signature pad: a family member signs with a finger, a pen or the mouse; staff get PNG bytes.

The drawing surface takes mouse, tablet (pen, with pressure) and touch input. Strokes are kept as
points and drawn as quadratic curves through the midpoints of successive points, which smooths
the jitter of a finger or a cheap mouse without lagging behind the hand.

Nobody can sign with a keyboard, so the field around the pad offers the keyboard alternative:
"Family member signed on paper instead" (the paper form is kept on file), and the consent dialog
offers "Verbal" beside it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QImageWriter,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from .widgets import named

INK = QColor("#10204a")
PAPER = QColor("#ffffff")
GUIDE = QColor("#6b6b6b")
PEN_WIDTH = 2.6  # at full pressure 1.6x this; a mouse draws at MOUSE_PRESSURE
MOUSE_PRESSURE = 0.6
MIN_STEP = 1.5  # points closer than this to the last one add nothing but noise
EXPORT_MAX_WIDTH = 900  # a stored signature is at most this wide; plenty for a printed receipt
EXPORT_MARGIN = 8
PAD_MIN_SIZE = QSize(360, 130)
PAD_MAX_HEIGHT = 190


@dataclass(frozen=True)
class InkPoint:
    x: float
    y: float
    pressure: float

    def point(self) -> QPointF:
        return QPointF(self.x, self.y)


def _width(pressure: float, scale: float = 1.0) -> float:
    return PEN_WIDTH * (0.4 + 1.2 * max(0.0, min(1.0, pressure))) * scale


def draw_stroke(painter: QPainter, stroke: list[InkPoint], offset: QPointF = QPointF(0, 0),  # noqa: B008
                scale: float = 1.0) -> None:
    """One stroke: a dot for a tap, else quadratic segments through the midpoints."""
    if not stroke:
        return

    def at(p: InkPoint) -> QPointF:
        return QPointF((p.x - offset.x()) * scale, (p.y - offset.y()) * scale)

    pen = QPen(INK)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if len(stroke) == 1:
        pen.setWidthF(_width(stroke[0].pressure, scale) * 1.2)
        painter.setPen(pen)
        painter.drawPoint(at(stroke[0]))
        return
    uniform = len({p.pressure for p in stroke}) == 1
    if uniform:
        # One path: joins between segments stay perfectly smooth.
        pen.setWidthF(_width(stroke[0].pressure, scale))
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        path = QPainterPath(at(stroke[0]))
        for before, here in itertools.pairwise(stroke):
            mid = (at(before) + at(here)) / 2
            path.quadTo(at(before), mid)
        path.lineTo(at(stroke[-1]))
        painter.drawPath(path)
        return
    # A pen's pressure changes along the stroke: one segment per point, each with its own width.
    start = at(stroke[0])
    for before, here in itertools.pairwise(stroke):
        mid = (at(before) + at(here)) / 2
        pen.setWidthF(_width((before.pressure + here.pressure) / 2, scale))
        painter.setPen(pen)
        segment = QPainterPath(start)
        segment.quadTo(at(before), mid)
        painter.drawPath(segment)
        start = mid
    pen.setWidthF(_width(stroke[-1].pressure, scale))
    painter.setPen(pen)
    painter.drawLine(start, at(stroke[-1]))


class SignaturePad(QWidget):
    """The drawing surface. ``changed`` after each stroke and after clearing; ``started`` when ink
    first touches an empty pad (the consent dialog then knows the family is signing on screen)."""

    changed = Signal()
    started = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "signaturePad", "Signature pad",
              "Sign here with a finger, a pen or the mouse. Keyboard users: tick 'Family member signed on "
              "paper instead', or record the decision as verbal.")
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        # Reached by pointer, never by Tab: there is nothing to do here with a keyboard.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setMinimumSize(PAD_MIN_SIZE)
        self.setMaximumHeight(PAD_MAX_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.strokes: list[list[InkPoint]] = []
        self._current: list[InkPoint] | None = None
        self._placeholder = "Sign here"

    # -- state ----------------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return not any(self.strokes) and not self._current

    def clear(self) -> None:
        self.strokes = []
        self._current = None
        self.update()
        self.changed.emit()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    # -- input ----------------------------------------------------------------------------------

    def _begin(self, x: float, y: float, pressure: float) -> None:
        if not self.isEnabled():
            return
        if self.is_empty():
            self.started.emit()
        self._current = [InkPoint(x, y, pressure)]
        self.update()

    def _extend(self, x: float, y: float, pressure: float) -> None:
        if self._current is None:
            return
        last = self._current[-1]
        if abs(x - last.x) + abs(y - last.y) < MIN_STEP:
            return
        self._current.append(InkPoint(x, y, pressure))
        self.update()

    def _end(self) -> None:
        if self._current is None:
            return
        self.strokes.append(self._current)
        self._current = None
        self.update()
        self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            p = event.position()
            self._begin(p.x(), p.y(), MOUSE_PRESSURE)
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        # Follows the stroke begun by a press, whatever buttons the move event says are held:
        # some drivers (and QTest) do not repeat them on every move.
        if self._current is not None:
            p = event.position()
            self._extend(p.x(), p.y(), MOUSE_PRESSURE)
            event.accept()
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._current is not None:
            p = event.position()
            self._extend(p.x(), p.y(), MOUSE_PRESSURE)
            self._end()
            event.accept()
        else:
            super().mouseReleaseEvent(event)

    def tabletEvent(self, event: QTabletEvent) -> None:
        # Accepting the tablet event stops Qt from also sending the mouse events it would make of it.
        p, pressure = event.position(), event.pressure() or MOUSE_PRESSURE
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin(p.x(), p.y(), pressure)
        elif kind == QEvent.Type.TabletMove:
            self._extend(p.x(), p.y(), pressure)
        elif kind == QEvent.Type.TabletRelease:
            self._extend(p.x(), p.y(), pressure)
            self._end()
        event.accept()

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd,
                    QEvent.Type.TouchCancel) and isinstance(event, QTouchEvent):
            self._touch(event)
            return True
        return super().event(event)

    def _touch(self, event: QTouchEvent) -> None:
        points = event.points()
        kind = event.type()
        if kind == QEvent.Type.TouchCancel:
            self._current = None
            self.update()
        elif points:
            # One finger signs; a second finger resting on the glass is ignored.
            first = points[0]
            p = first.position()
            pressure = first.pressure() if 0 < first.pressure() < 1 else MOUSE_PRESSURE
            if kind == QEvent.Type.TouchBegin:
                self._begin(p.x(), p.y(), pressure)
            else:
                self._extend(p.x(), p.y(), pressure)
                if kind == QEvent.Type.TouchEnd:
                    self._end()
        event.accept()

    # -- drawing --------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        enabled = self.isEnabled()
        painter.fillRect(area, PAPER if enabled else self.palette().window().color())
        painter.setPen(QPen(self.palette().mid().color() if enabled else GUIDE, 1.5))
        painter.drawRoundedRect(area, 6, 6)
        # The line to sign on, and the cross at its start, as on a paper form.
        base_y = area.height() * 0.74
        guide = QPen(GUIDE, 1.2)
        painter.setPen(guide)
        painter.drawLine(QPointF(48, base_y), QPointF(area.width() - 24, base_y))
        font = painter.font()
        font.setPointSizeF(max(font.pointSizeF(), 10.0) * 1.5)
        painter.setFont(font)
        painter.drawText(QRectF(18, base_y - 34, 30, 34), Qt.AlignmentFlag.AlignCenter, "✕")
        if self.is_empty():
            font.setPointSizeF(font.pointSizeF() * 0.8)
            painter.setFont(font)
            painter.drawText(QRectF(56, base_y + 4, area.width() - 80, area.height() - base_y - 6),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, self._placeholder)
        for stroke in self.strokes:
            draw_stroke(painter, stroke)
        if self._current:
            draw_stroke(painter, self._current)
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.update()

    # -- export ---------------------------------------------------------------------------------

    def ink_bounds(self) -> QRectF:
        return ink_bounds(self.strokes)

    def signature_png(self) -> bytes | None:
        """The ink on white, cropped to the signature, as greyscale PNG bytes; None if unsigned."""
        return strokes_png(self.strokes)

    def set_strokes(self, strokes: list[list[InkPoint]]) -> None:
        """Show a signature drawn earlier (the consent dialog keeps one per person signing)."""
        self.strokes = [list(stroke) for stroke in strokes]
        self._current = None
        self.update()
        self.changed.emit()


def ink_bounds(strokes: list[list[InkPoint]]) -> QRectF:
    points = [p for stroke in strokes for p in stroke]
    if not points:
        return QRectF()
    xs, ys = [p.x for p in points], [p.y for p in points]
    return QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


def strokes_png(strokes: list[list[InkPoint]]) -> bytes | None:
    """Strokes as ink on white, cropped to the signature, as greyscale PNG bytes; None if none."""
    if not any(strokes):
        return None
    bounds = ink_bounds(strokes).adjusted(-EXPORT_MARGIN, -EXPORT_MARGIN, EXPORT_MARGIN, EXPORT_MARGIN)
    scale = min(1.0, EXPORT_MAX_WIDTH / max(bounds.width(), 1.0))
    size = QSize(max(1, round(bounds.width() * scale)), max(1, round(bounds.height() * scale)))
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(PAPER)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for stroke in strokes:
        draw_stroke(painter, stroke, bounds.topLeft(), scale)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    QImageWriter(buffer, QByteArray(b"png")).write(image.convertToFormat(QImage.Format.Format_Grayscale8))
    buffer.close()
    return bytes(data.data())


class SignatureField(QWidget):
    """The pad with its Clear button and the keyboard alternative, "signed on paper instead"."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signatureField")
        self.pad = SignaturePad()
        self.clear_button = named(QPushButton("C&lear signature"), "clearSignatureButton", "Clear signature")
        self.clear_button.setAutoDefault(False)
        self.clear_button.clicked.connect(self.pad.clear)
        self.on_paper = named(QCheckBox("Family member signed on &paper instead"), "signedOnPaperCheck",
                              "Family member signed on paper instead",
                              "Tick when the family member signed the paper form; keep the paper on file.")
        self.on_paper.toggled.connect(self._paper_toggled)
        self.pad.changed.connect(self._pad_changed)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.on_paper, 1)
        row.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.pad, 1)
        layout.addLayout(row)
        self._pad_changed()

    def _paper_toggled(self, on_paper: bool) -> None:
        self.pad.setEnabled(not on_paper)
        self.pad.set_placeholder("Signed on paper" if on_paper else "Sign here")
        self._pad_changed()

    def _pad_changed(self) -> None:
        self.clear_button.setEnabled(not self.on_paper.isChecked() and not self.pad.is_empty())
        self.changed.emit()

    def signed_on_paper(self) -> bool:
        return self.on_paper.isChecked()

    def has_signature(self) -> bool:
        return not self.pad.is_empty()

    def signature_png(self) -> bytes | None:
        """The drawn signature, unless the family signed on paper instead."""
        return None if self.signed_on_paper() else self.pad.signature_png()

    def reset(self) -> None:
        self.on_paper.setChecked(False)
        self.pad.clear()
