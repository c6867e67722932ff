"""A horizontal bar chart drawn with QPainter: one bar per row of a published table (its total).

Withheld totals (``<5``, ``*``) get no bar, only their mark, so the chart shows no more than the
table beside it; the table is the accessible form of the same numbers.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from centre_desk.domain.suppression import HIDDEN, SMALL, PublishedTable

BAR = QColor("#2F5D8A")


class BarChart(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.bars: list[tuple[str, int | None, str]] = []  # label, value (None: withheld), text
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the table beside it takes the keyboard

    def set_table(self, table: PublishedTable | None) -> None:
        self.bars = []
        if table is not None:
            col = len(table.table.columns)
            for r, label in enumerate(table.table.rows):
                cell = table.text(r, col)
                self.bars.append((label, None if cell in (SMALL, HIDDEN) else table.values[r][col], cell))
        self.setAccessibleDescription("; ".join(f"{label}: {text}" for label, _, text in self.bars))
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(480, max(80, 22 * len(self.bars) + 10))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = p.fontMetrics()
        label_w = min(self.width() // 3, max((metrics.horizontalAdvance(b[0]) for b in self.bars), default=0) + 8)
        top = max((v for _, v, _ in self.bars if v is not None), default=0) or 1
        room = self.width() - label_w - 60
        for i, (label, value, text) in enumerate(self.bars):
            y = 5 + i * 22
            p.setPen(self.palette().windowText().color())
            p.drawText(QRectF(0, y, label_w - 4, 20), int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                       metrics.elidedText(label, Qt.TextElideMode.ElideRight, label_w - 4))
            width = 0.0 if value is None else room * value / top
            if width:
                p.fillRect(QRectF(label_w, y + 3, width, 14), BAR)
            p.drawText(QRectF(label_w + width + 4, y, 56, 20), int(Qt.AlignmentFlag.AlignVCenter), text)
        p.end()
