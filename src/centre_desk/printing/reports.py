"""Reach statistics (tables and bar charts) and destruction certificates as PDF.

A chart draws only what the table beside it publishes: a suppressed cell (``<5`` or ``*``) has
no bar, and is labelled with the same mark, so a chart can never show more than the numbers do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.colors import HexColor
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from centre_desk.domain.documents import long_date
from centre_desk.domain.organisation import Organisation
from centre_desk.domain.retention import DestructionCertificate
from centre_desk.domain.statistics import ReachReport
from centre_desk.domain.suppression import HIDDEN, SMALL, PublishedTable

from .fonts import SANS
from .styles import FRAME_WIDTH, DocumentInfo, Styles, build_pdf, get_styles, grid_style, text

BAR_HEIGHT = 11
CHART_ROWS_MAX = 30


def _period(start: date | None, end: date) -> str:
    return f"{long_date(start)} to {long_date(end)}" if start else f"up to {long_date(end)}"


def _table(t: PublishedTable, st: Styles) -> Table:
    header = t.header()
    rows: list[list[Paragraph]] = [[Paragraph(f"<b>{text(h)}</b>", st.cell) for h in header]]
    rows += [[Paragraph(text(cell), st.cell) for cell in line] for line in t.lines()]
    first = 0.28
    rest = (1 - first) / (len(header) - 1)
    return Table(rows, colWidths=[FRAME_WIDTH * first, *[FRAME_WIDTH * rest] * (len(header) - 1)],
                 repeatRows=1, style=grid_style(st, header=True), hAlign="LEFT")


def _chart(t: PublishedTable, st: Styles) -> Drawing | None:
    """Row totals as horizontal bars; a withheld total gets no bar, only its mark."""
    labels = list(t.table.rows)[:CHART_ROWS_MAX]
    if not labels:
        return None
    total_col = len(t.table.columns)
    values, marks = [], []
    for r in range(len(labels)):
        cell = t.text(r, total_col)
        shown = cell not in (SMALL, HIDDEN)
        values.append(t.values[r][total_col] if shown else 0)
        marks.append(cell)
    height = BAR_HEIGHT * 1.6 * len(labels) + 30
    d = Drawing(FRAME_WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = FRAME_WIDTH * 0.32, 15
    chart.width, chart.height = FRAME_WIDTH * 0.55, height - 25
    chart.data = [values[::-1]]
    chart.categoryAxis.categoryNames = [lab[:34] for lab in labels[::-1]]
    chart.categoryAxis.labels.fontName = SANS
    chart.categoryAxis.labels.fontSize = st.base_size * 0.75
    chart.valueAxis.labels.fontName = SANS
    chart.valueAxis.labels.fontSize = st.base_size * 0.7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = HexColor("#2F5D8A")
    # Each bar's label is the table's own text: a withheld total gets its mark and no bar.
    chart.barLabelFormat = "values"
    chart.barLabelArray = [marks[::-1]]
    chart.barLabels.fontName = SANS
    chart.barLabels.fontSize = st.base_size * 0.7
    chart.barLabels.nudge = 8
    d.add(chart)
    top = max(values) if any(values) else 1
    d.add(String(0, 2, f"Bars: row totals; largest {top}", fontName=SANS, fontSize=st.base_size * 0.65))
    return d


def render_reach_report(org: Organisation, report: ReachReport, centre_name: str) -> bytes:
    st = get_styles(False)
    story: list[Flowable] = [
        Paragraph("Who we reach", st.title),
        Paragraph(text(f"{centre_name or org.name}: {_period(report.start, report.end)}"), st.subtitle),
        Paragraph(text("Counts of 1 to 4 are shown as <5. A cell marked * is hidden as well, so that no <5 "
                       "cell can be worked out from the totals. No names, dates of birth or full postcodes "
                       "are used."), st.body),
        Spacer(1, st.base_size),
    ]
    for t in report.tables:
        block: list[Flowable] = [Paragraph(text(t.table.title), st.h2)]
        chart = _chart(t, st)
        if chart is not None:
            block.append(chart)
        story.append(KeepTogether(block))
        story += [_table(t, st), Spacer(1, st.base_size)]
    info = DocumentInfo("Reach statistics", "Anonymised reach statistics with small numbers suppressed", org.name,
                        ("Reach statistics", _period(report.start, report.end)))
    return build_pdf(story, info, st)


def render_destruction_certificates(org: Organisation, certificates: Sequence[DestructionCertificate]) -> bytes:
    st = get_styles(False)
    story: list[Flowable] = [
        Paragraph("Destruction certificates", st.title),
        Paragraph(text(org.data_controller or org.name), st.subtitle),
        Paragraph(text("Each record below was destroyed at the end of its retention period, when no legal "
                       "hold applied. The certificate holds no personal data."), st.body),
        Spacer(1, st.base_size),
    ]
    if not certificates:
        story.append(Paragraph("No records have been destroyed.", st.body))
    head = ["Record", "Category and rule", "Retention from", "Due", "Destroyed", "Authorised by"]
    rows: list[list[Paragraph]] = [[Paragraph(f"<b>{h}</b>", st.cell) for h in head]]
    for c in certificates:
        rows.append([Paragraph(text(v), st.cell) for v in (
            f"{c.record_id}\n(certificate {c.id})", f"{c.category}: {c.rule}", c.start.isoformat(), c.due.isoformat(),
            c.destroyed_at.strftime("%Y-%m-%d %H:%M UTC"), c.authorised_by_name or c.authorised_by)])
    if certificates:
        shares = (0.22, 0.30, 0.12, 0.11, 0.13, 0.12)
        story.append(Table(rows, colWidths=[FRAME_WIDTH * s for s in shares], repeatRows=1,
                           style=grid_style(st, header=True), hAlign="LEFT"))
    info = DocumentInfo("Destruction certificates", "Records destroyed at the end of their retention", org.name,
                        ("Destruction certificates", f"{len(certificates)} records"))
    return build_pdf(story, info, st)
