"""Page set-up and text styles shared by every printed document.

Two sizes: standard (11 pt body) and large print (16 pt body, and nothing smaller than 16 pt,
footer included). A4, generous margins, one sans-serif family, dark text on white, and a
footer on every page with what the document is (e.g. the notice version and date) and
"Page n of N".
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .fonts import SANS, SANS_BOLD, register_fonts

PAGE_SIZE = A4
PAGE_WIDTH, PAGE_HEIGHT = A4
LANGUAGE = "en-GB"
CREATOR = "Centre Desk"

SIDE_MARGIN = 20 * mm
TOP_MARGIN = 18 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * SIDE_MARGIN

TEXT = HexColor("#1b1b1b")
HEADING = HexColor("#12355b")  # dark navy: 12:1 contrast on white
MUTED = HexColor("#444444")  # help and footer text: still 9.7:1 on white
RULE = HexColor("#7a7a7a")
SHADE = HexColor("#e8eef5")  # light background behind table headings
BOX = HexColor("#333333")  # outlines of boxes to write in
HINT = HexColor("#6b6b6b")  # "DD / MM / YYYY" inside a box: 5.3:1 on white


@dataclass(frozen=True)
class Styles:
    large_print: bool
    base_size: float
    title: ParagraphStyle
    subtitle: ParagraphStyle
    meta: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    body: ParagraphStyle
    lead_in: ParagraphStyle  # body text that introduces what follows and stays on its page
    bullet: ParagraphStyle
    small: ParagraphStyle  # help text: same size as body in large print
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    label: ParagraphStyle
    tick: ParagraphStyle  # a tick-box option: the box hangs to the left of its wrapped label
    footer_size: float
    box_height: float  # height of a one-line box to write in
    line_gap: float  # distance between ruled lines in a box for several lines


def _style(name: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
    font = kw.pop("fontName", SANS)
    # No single line of a paragraph left alone at the foot or the head of a page.
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, textColor=kw.pop("textColor", TEXT),
                          bulletFontName=SANS, allowWidows=0, allowOrphans=0, **kw)


def _hanging(bullet_indent: float, bullet: str, bullet_size: float) -> float:
    return bullet_indent + float(stringWidth(bullet, SANS, bullet_size)) + 0.6 * bullet_size


@lru_cache(maxsize=2)
def get_styles(large_print: bool = False) -> Styles:
    """The styles for standard (11 pt) or large print (nothing below 16 pt). Registers the fonts first."""
    register_fonts()
    # (size, leading) pairs in points.
    if large_print:
        base, lead = 16.0, 22.5
        title_s, subtitle_s, meta_s = (28.0, 34.0), (19.0, 24.0), (16.0, 21.0)
        h2_s, h3_s, small_s, cell_s, tick_lead = (21.0, 26.0), (17.5, 22.5), (16.0, 21.0), (16.0, 21.0), 21.0
        footer, box, gap = 16.0, 12 * mm, 12 * mm
    else:
        base, lead = 11.0, 15.5
        title_s, subtitle_s, meta_s = (21.0, 26.0), (13.0, 17.0), (10.5, 14.0)
        h2_s, h3_s, small_s, cell_s, tick_lead = (15.0, 19.0), (12.0, 15.5), (10.0, 13.5), (10.5, 14.0), 14.0
        footer, box, gap = 8.5, 8.5 * mm, 8 * mm
    p = "large" if large_print else "standard"

    title = _style(f"{p}-title", *title_s, fontName=SANS_BOLD, textColor=HEADING, spaceAfter=base * 0.3)
    subtitle = _style(f"{p}-subtitle", *subtitle_s, fontName=SANS_BOLD, spaceAfter=base * 0.2)
    meta = _style(f"{p}-meta", *meta_s, textColor=MUTED, spaceAfter=base * 0.2)
    h2 = _style(f"{p}-h2", *h2_s, fontName=SANS_BOLD, textColor=HEADING, spaceBefore=base * 1.3,
                spaceAfter=base * 0.45, keepWithNext=1)
    h3 = _style(f"{p}-h3", *h3_s, fontName=SANS_BOLD, spaceBefore=base * 0.7, spaceAfter=base * 0.15,
                keepWithNext=1)
    body = _style(f"{p}-body", base, lead, spaceAfter=base * 0.55)
    lead_in = _style(f"{p}-lead-in", base, lead, spaceAfter=base * 0.55, keepWithNext=1)
    # ReportLab starts a bulleted line at bulletIndent + bullet width + 0.6 × bullet size; a left
    # indent of exactly that lines wrapped lines up with the first.
    bullet = _style(f"{p}-bullet", base, lead, leftIndent=_hanging(base * 0.3, "•", base),
                    bulletIndent=base * 0.3, spaceAfter=base * 0.3, bulletFontSize=base)
    small = _style(f"{p}-small", *small_s, textColor=MUTED, spaceAfter=base * 0.2)
    cell = _style(f"{p}-cell", *cell_s)
    cell_bold = _style(f"{p}-cell-bold", *cell_s, fontName=SANS_BOLD)
    label = _style(f"{p}-label", *cell_s, fontName=SANS_BOLD)
    tick_size = cell_s[0] * 1.35
    tick = _style(f"{p}-tick", cell_s[0], tick_lead, leftIndent=_hanging(0, "☐", tick_size), bulletIndent=0,
                  bulletFontSize=tick_size)
    return Styles(large_print, base, title, subtitle, meta, h2, h3, body, lead_in, bullet, small, cell, cell_bold,
                  label, tick, footer, box, gap)


def text(value: str) -> str:
    """Escape text for a Paragraph: names and profile text may hold &, < or >."""
    return escape(value)


def grid_style(st: Styles, *, header: bool = False, boxed: bool = True) -> TableStyle:
    """The table style used throughout: thin grey rules, padding that scales with the text."""
    pad = st.base_size * 0.35
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), SANS),
        ("FONTSIZE", (0, 0), (-1, -1), st.cell.fontSize),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), pad),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), pad * 0.8),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.9),
    ]
    if boxed:
        commands += [("BOX", (0, 0), (-1, -1), 0.6, RULE), ("INNERGRID", (0, 0), (-1, -1), 0.4, RULE)]
    if header:
        commands += [("BACKGROUND", (0, 0), (-1, 0), SHADE)]
    return TableStyle(commands)


def label_value_table(rows: Sequence[tuple[str, str]], st: Styles, *, label_share: float | None = None,
                      width: float = FRAME_WIDTH) -> Table:
    """A two-column table of labels (bold) and values, both escaped here."""
    if label_share is None:
        label_share = 0.42 if st.large_print else 0.36
    data = [[Paragraph(text(label), st.label), Paragraph(text(value) or "–", st.cell)] for label, value in rows]
    return Table(data, colWidths=[width * label_share, width * (1 - label_share)], style=grid_style(st),
                 hAlign="LEFT")


def bullets(items: Sequence[str], st: Styles) -> list[Flowable]:
    """A bulleted list of Paragraph markup, with a little space after the last item."""
    out: list[Flowable] = [Paragraph(item, st.bullet, bulletText="•") for item in items]
    if out:
        out.append(Spacer(1, st.base_size * 0.35))
    return out


def footer_parts(parts: Sequence[str], organisation: str, st: Styles) -> tuple[str, ...]:
    """What the footer says; large print leaves out the organisation (it heads the first page) so
    that a 16 pt footer still fits on two lines."""
    return tuple(parts) if st.large_print else (*parts, organisation)


@dataclass(frozen=True)
class DocumentInfo:
    """PDF metadata and what the footer of every page says."""

    title: str
    subject: str
    author: str  # the organisation
    # Short parts, packed into as few lines as fit: ("Privacy notice version 2026.1", "in effect from ...").
    footer: tuple[str, ...]


class _FooterCanvas(Canvas):  # type: ignore[misc]  # ReportLab has no type hints
    """Holds every page back until the end so that the footer can say "Page n of N"."""

    def __init__(self, *args: Any, footer_lines: Sequence[str] = (), footer_size: float = 8.5,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._footer_lines = tuple(footer_lines)
        self._footer_size = footer_size

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        size = self._footer_size
        leading = size * 1.35
        page_label = f"Page {self._pageNumber} of {total}"
        lines = list(self._footer_lines) or [""]
        top = _footer_top(size, len(lines))
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(SIDE_MARGIN, top, PAGE_WIDTH - SIDE_MARGIN, top)
        self.setFillColor(MUTED)
        self.setFont(SANS, size)
        y = top - leading
        for line in lines:
            self.drawString(SIDE_MARGIN, y, line)
            y -= leading
        # The page number goes at the right of the last line when there is room, else below it.
        last = lines[-1]
        if stringWidth(last, SANS, size) + stringWidth(page_label, SANS, size) + size * 2 <= FRAME_WIDTH:
            y += leading
        self.drawRightString(PAGE_WIDTH - SIDE_MARGIN, y, page_label)
        self.restoreState()


def wrap_footer(parts: Sequence[str], size: float) -> tuple[str, ...]:
    """Footer parts packed into lines that fit the page, joined by " · " and broken between parts
    (a single part too long for a line is wrapped at spaces), so nothing is cut short."""
    lines: list[str] = []
    for part in parts:
        joined = f"{lines[-1]} · {part}" if lines else part
        if lines and stringWidth(joined, SANS, size) <= FRAME_WIDTH:
            lines[-1] = joined
        else:
            lines += simpleSplit(part, SANS, size, FRAME_WIDTH) or [""]
    return tuple(lines) or ("",)


def _footer_top(size: float, lines: int) -> float:
    """Where the rule above the footer sits: room for the lines plus one for the page number."""
    return float(10 * mm) + size * 1.35 * (max(lines, 1) + 1)


def _stacked_height(flowables: Sequence[Flowable]) -> float:
    return float(sum(f.wrap(FRAME_WIDTH, PAGE_HEIGHT)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowables))


def keep_headings_with_content(story: Sequence[Flowable], frame_height: float) -> list[Flowable]:
    """Keep each heading (any paragraph with keepWithNext) on the same page as what follows it.

    ReportLab's own keepWithNext does not reach into a KeepTogether (a container), so a heading
    before one could be left alone at the foot of a page: such a heading joins the KeepTogether.
    Before a long table, holding heading and table together would push the whole table to the
    next page and leave a gap; instead the heading starts a new page only when there is no room
    for it and the table's first rows.
    """
    out: list[Flowable] = []
    pending: list[Flowable] = []
    for flowable in story:
        if isinstance(flowable, Paragraph) and flowable.getKeepWithNext():
            pending.append(flowable)
            continue
        if pending and isinstance(flowable, KeepTogether):
            out.append(KeepTogether([*pending, *flowable._content]))
        elif pending and isinstance(flowable, Table) and _stacked_height([flowable]) > frame_height * 0.4:
            first_rows = sum(flowable._rowHeights[:3])
            out.append(CondPageBreak(_stacked_height(pending) + first_rows))
            for heading in pending:
                heading.__dict__["keepWithNext"] = 0
            out += [*pending, flowable]
        else:
            out += [*pending, flowable]
        pending = []
    return out + pending


def build_pdf(story: list[Flowable], info: DocumentInfo, st: Styles) -> bytes:
    """Lay ``story`` out on A4 with the footer, set the PDF's metadata and language, return the bytes."""
    footer = wrap_footer(info.footer, st.footer_size)
    bottom_margin = _footer_top(st.footer_size, len(footer)) + 5 * mm
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=SIDE_MARGIN,
        rightMargin=SIDE_MARGIN,
        topMargin=TOP_MARGIN,
        bottomMargin=bottom_margin,
        title=info.title,
        author=info.author,
        subject=info.subject,
        creator=CREATOR,
        producer=CREATOR,
        lang=LANGUAGE,
        displayDocTitle=True,
        # Without these ReportLab names Helvetica, which is not embedded, at the top of every page.
        initialFontName=SANS,
        initialFontSize=st.base_size,
        initialLeading=st.body.leading,
    )
    maker = partial(_FooterCanvas, footer_lines=footer, footer_size=st.footer_size)
    doc.build(keep_headings_with_content(story, PAGE_HEIGHT - TOP_MARGIN - bottom_margin), canvasmaker=maker)
    return buffer.getvalue()
