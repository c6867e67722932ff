"""Print preview for every document the desk prints: the privacy notice, consent receipts and "what
we hold about you" (docs/ARCHITECTURE.md, Printing in the app).

The services hand over PDF bytes (ReportLab, fonts embedded). QtPdf shows them, page by page, in a
``QPdfView``; printing renders each page at the printer's resolution and paints it onto a
``QPrinter``, so what comes out of the printer is what was on screen. "Save as PDF…" writes the
bytes unchanged.

Importing this module loads QtPdf and QtPrintSupport, so the windows import it when they first
preview something rather than at start-up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, QStandardPaths, Qt
from PySide6.QtGui import QImage, QKeySequence, QPainter, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.errors import CentreDeskError
from centre_desk.files import write_private_file

from .errors import describe
from .help import install_help
from .tasks import TaskRunner
from .widgets import FocusRing, MessageLabel, heading, named, note

PRINT_DPI_CAP = 300  # plenty for text; a 600 dpi A4 page as an image would be 140 MB
SAVED_FILES_WARNING = ("Saved PDF files are not encrypted. Save them only to a work folder you are allowed to "
                       "use, and delete them when they are no longer needed.")


class PrintFailed(CentreDeskError):
    """The printer could not be started (no printer, driver error)."""


class PdfUnreadable(CentreDeskError):
    """The bytes given for preview are not a PDF QtPdf can open."""


def load_pdf(document: QPdfDocument, pdf: bytes, parent: QWidget | None = None) -> QBuffer:
    """Load ``pdf`` into ``document`` from memory; the returned buffer must outlive the document's use."""
    buffer = QBuffer(parent)
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
        raise PdfUnreadable("the document could not be shown")
    return buffer


def page_range(printer: QPrinter, page_count: int) -> range:
    """The pages to print (0-based): what the print dialog chose, else all of them."""
    first, last = printer.fromPage(), printer.toPage()
    if first <= 0 and last <= 0:
        return range(page_count)
    first = max(1, first)
    last = min(page_count, last if last > 0 else page_count)
    return range(first - 1, last)


def on_white(page: QImage) -> QImage:
    """QtPdf renders onto a transparent page; some printer drivers print transparency as black."""
    flat = QImage(page.size(), QImage.Format.Format_RGB32)
    flat.fill(Qt.GlobalColor.white)
    painter = QPainter(flat)
    painter.drawImage(0, 0, page)
    painter.end()
    return flat


def paint_pdf(document: QPdfDocument, printer: QPrinter) -> int:
    """Paint the document's pages onto ``printer``, each page scaled to fit the paper; returns how
    many pages were printed. The PDF has its own margins, so the whole sheet is used."""
    pages = page_range(printer, document.pageCount())
    printer.setFullPage(True)
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintFailed("the printer could not be started. Check it is switched on and set up, then try again")
    try:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        dpi = min(printer.resolution(), PRINT_DPI_CAP)
        for n, page in enumerate(pages):
            if n and not printer.newPage():
                raise PrintFailed("the printer stopped part of the way through")
            paper = QRectF(printer.paperRect(QPrinter.Unit.DevicePixel))
            points = document.pagePointSize(page)
            if points.isEmpty():
                continue
            scale = min(paper.width() / points.width(), paper.height() / points.height())
            target = QRectF(0, 0, points.width() * scale, points.height() * scale)
            target.moveCenter(QPointF(paper.width() / 2, paper.height() / 2))
            pixels = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
            painter.drawImage(target, on_white(document.render(page, pixels)))
        return len(pages)
    finally:
        painter.end()


def _safe_file_name(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "", name).strip(" .") or "document"
    return stem if stem.lower().endswith(".pdf") else f"{stem}.pdf"


class PrintPreviewDialog(QDialog):
    """A PDF, page by page, with Print…, Save as PDF… and (when it can be made again) large print.

    ``regenerate(large_print)`` makes the document again in the other size; it runs on ``tasks``.
    ``can_keep=False`` is a preview to read only (a subject access pack under review, not yet
    released): no Print or Save, so nothing leaves the desk without its release being recorded.
    """

    def __init__(self, title: str, pdf: bytes, *, file_name: str, tasks: TaskRunner | None = None,
                 regenerate: Callable[[bool], bytes] | None = None, large_print: bool = False,
                 parent: QWidget | None = None, can_keep: bool = True) -> None:
        super().__init__(parent)
        self.can_keep = can_keep
        install_help(self, "print-preview")
        self.setObjectName("printPreviewDialog")
        self.setAccessibleName(f"Print preview: {title}")
        self.setWindowTitle(f"Print preview — {title}")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._title = title
        self._file_name = _safe_file_name(file_name)
        self._tasks = tasks
        self._regenerate = regenerate
        self._pdf = pdf
        self._buffer: QBuffer | None = None
        self.printed_pages = 0

        self.document = QPdfDocument(self)
        self.view = named(QPdfView(self), "pdfPreview", "Document preview",
                          "The pages as they will print. Arrow keys and Page Up/Page Down scroll.")
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(16)
        self.view.setDocument(self.document)
        self.view.pageNavigator().currentPageChanged.connect(lambda _page: self._show_page_count())

        self.large = named(QCheckBox("&Large print (16 pt)"), "largePrintCheck", "Large print",
                           "Make the document again in large print")
        self.large.setChecked(large_print)
        self.large.setVisible(regenerate is not None)
        self.large.toggled.connect(self._size_changed)
        self.zoom = named(QComboBox(), "zoomChoice", "Zoom")
        for text, mode in (("Fit to width", QPdfView.ZoomMode.FitToWidth),
                           ("Whole page", QPdfView.ZoomMode.FitInView),
                           ("Actual size", QPdfView.ZoomMode.Custom)):
            self.zoom.addItem(text, mode)
        self.zoom.currentIndexChanged.connect(self._zoom_changed)
        named(self.zoom.view(), "zoomChoiceList", "Zoom: choices")
        zoom_label = QLabel("&Zoom:")
        zoom_label.setBuddy(self.zoom)
        self.pages_label = QLabel()
        self.pages_label.setObjectName("previewPageCount")
        self.pages_label.setTextFormat(Qt.TextFormat.PlainText)

        self.print_button = named(QPushButton("&Print…"), "printButton", "Print", "Choose a printer and print")
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.choose_printer_and_print)
        self.save_button = named(QPushButton("&Save as PDF…"), "savePdfButton", "Save as PDF")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save_with_dialog)
        self.close_button = named(QPushButton("&Close"), "closePreviewButton", "Close preview")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        self.message = MessageLabel("previewMessage", self)
        if can_keep:
            shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self)
            shortcut.activated.connect(self.choose_printer_and_print)
        else:
            for button in (self.print_button, self.save_button):
                button.setEnabled(False)
                button.setVisible(False)
            self.close_button.setDefault(True)

        tools = QHBoxLayout()
        tools.setSpacing(12)
        tools.addWidget(self.large)
        tools.addSpacing(12)
        tools.addWidget(zoom_label)
        tools.addWidget(self.zoom)
        tools.addSpacing(12)
        tools.addWidget(self.pages_label)
        tools.addStretch(1)
        buttons = QHBoxLayout()
        buttons.setSpacing(10)
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(heading(title, 16, "previewTitle"))
        layout.addLayout(tools)
        layout.addWidget(FocusRing(self.view), 1)
        layout.addWidget(note(SAVED_FILES_WARNING if can_keep else
                              "For reading only: release the pack to write it, so that the release is recorded.",
                              "savedFilesWarning"))
        layout.addLayout(buttons)
        self.setTabOrder(self.view, self.large)
        self.setTabOrder(self.large, self.zoom)
        self.setTabOrder(self.zoom, self.print_button)
        self.setTabOrder(self.print_button, self.save_button)
        self.setTabOrder(self.save_button, self.close_button)
        self.finished.connect(self._forget)
        self.set_pdf(pdf)
        self.view.setFocus()

    # -- the document ---------------------------------------------------------------------------

    def set_pdf(self, pdf: bytes) -> None:
        old = self._buffer
        self.document.close()
        self._buffer = load_pdf(self.document, pdf, self)
        self._pdf = pdf
        if old is not None:
            old.close()
            old.deleteLater()
        self._show_page_count()

    def page_count(self) -> int:
        return self.document.pageCount()

    def pdf_bytes(self) -> bytes:
        return self._pdf

    def _show_page_count(self) -> None:
        count = self.page_count()
        current = self.view.pageNavigator().currentPage() + 1
        self.pages_label.setText(f"Page {current} of {count}" if count > 1 else "1 page")

    def _zoom_changed(self) -> None:
        mode = self.zoom.currentData()
        self.view.setZoomMode(mode)
        if mode == QPdfView.ZoomMode.Custom:
            self.view.setZoomFactor(1.0)

    def _size_changed(self, large: bool) -> None:
        if self._regenerate is None or self._tasks is None:
            return
        regenerate = self._regenerate
        self._set_busy(True, "Making the large-print version…" if large else "Making the standard version…")
        self._tasks.run(lambda: regenerate(large), self._regenerated, self._regenerate_failed, owner=self)

    def _regenerated(self, pdf: bytes) -> None:
        self.set_pdf(pdf)
        self._set_busy(False, "")

    def _regenerate_failed(self, error: BaseException) -> None:
        self._set_busy(False, "")
        self.large.blockSignals(True)
        self.large.setChecked(not self.large.isChecked())
        self.large.blockSignals(False)
        self.message.show_problem(describe(error))

    def _set_busy(self, busy: bool, text: str) -> None:
        for widget in (self.large, self.print_button, self.save_button):
            widget.setEnabled(not busy and (self.can_keep or widget is self.large))
        if text:
            self.message.show_info(text)
        else:
            self.message.clear_message()

    def _forget(self) -> None:
        # The pages name a family: do not keep them in memory once the preview is closed.
        self.document.close()
        self._pdf = b""
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.setData(QByteArray())

    # -- printing -------------------------------------------------------------------------------

    def print_to(self, printer: QPrinter) -> int:
        """Print on an already chosen printer (or PDF file); returns the number of pages sent."""
        if not self.can_keep:
            return 0
        printer.setDocName(self._title)
        try:
            pages = paint_pdf(self.document, printer)
        except PrintFailed as error:
            self.message.show_problem(describe(error))
            return 0
        self.printed_pages = pages
        where = printer.printerName() or printer.outputFileName() or "the printer"
        self.message.show_info(f"Sent {pages} page{'s' if pages != 1 else ''} to {where}.")
        return pages

    def choose_printer_and_print(self) -> None:
        if not self.print_button.isEnabled():
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self._title)
        dialog = QPrintDialog(printer, self)
        dialog.setObjectName("printDialog")
        dialog.setAccessibleName("Print")
        dialog.setWindowTitle(f"Print {self._title}")
        dialog.setMinMax(1, self.page_count())
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    # -- saving ---------------------------------------------------------------------------------

    def save_to(self, path: Path) -> bool:
        if not self.can_keep:
            return False
        pdf = self._pdf
        try:
            # Private (0600 on POSIX), and whole or not at all: it holds a family's details.
            write_private_file(path, lambda: pdf)
        except OSError:
            self.message.show_problem("The file could not be saved there. Choose another folder.")
            return False
        self.message.show_info(f"Saved as {path.name}.")
        return True

    def default_save_path(self) -> Path:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        return Path(folder or Path.home()) / self._file_name

    def save_with_dialog(self) -> None:
        if not self.save_button.isEnabled():
            return
        chosen, _filter = QFileDialog.getSaveFileName(self, "Save as PDF", str(self.default_save_path()),
                                                      "PDF files (*.pdf)")
        if chosen:
            path = Path(chosen)
            self.save_to(path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf"))
