"""Blank paper forms, generated from a form definition: the fallback when no laptop is to hand.

Everything comes from the definition (sections, labels, help, required markers, choices such as
the ONS ethnic groups, conditions) and from the organisation profile (services to choose from,
what needs consent), so the paper form always matches the form on screen, and staff who type it
in later know which form version it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, HRFlowable, KeepTogether, Paragraph, Spacer, Table

from centre_desk.domain.organisation import Organisation, Purpose
from centre_desk.formspec.model import Choice, Condition, FieldDef, FieldType, FormDefinition, Section

from .fonts import SANS, SANS_BOLD
from .styles import (
    BOX,
    FRAME_WIDTH,
    HINT,
    MUTED,
    RULE,
    SHADE,
    DocumentInfo,
    Styles,
    build_pdf,
    footer_parts,
    get_styles,
    grid_style,
    text,
)

TICK_BOX = "☐"
REQUIRED = "*"
DEFAULT_ENTRY_BLOCKS = 4  # "Person 1" to "Person 4" for a repeated section such as the household's members
LIST_ROWS = 3  # empty rows printed for a list field (other services)
MULTILINE_LINES = 4

_LABEL_SHARE = 0.36  # standard print: labels on the left, answers on the right
_CELL_PAD = 0.35  # × base size, as in grid_style


class _WriteBox(Flowable):  # type: ignore[misc]  # ReportLab has no type hints
    """A box to write in, optionally ruled into lines, optionally with a faint hint inside."""

    def __init__(self, height: float, *, share: float = 1.0, lines: int = 1, hint: str = "",
                 hint_size: float = 9.0) -> None:
        super().__init__()
        self.box_height = height
        self.share = share
        self.lines = lines
        self.hint = hint
        self.hint_size = hint_size
        self.box_width = 0.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.box_width = availWidth * self.share
        return self.box_width, self.box_height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setStrokeColor(BOX)
        c.setLineWidth(0.8)
        c.roundRect(0, 0, self.box_width, self.box_height, 2)
        if self.lines > 1:
            c.setStrokeColor(RULE)
            c.setLineWidth(0.3)
            step = self.box_height / self.lines
            for i in range(1, self.lines):
                c.line(4, i * step, self.box_width - 4, i * step)
        if self.hint:
            c.setFillColor(HINT)
            c.setFont(SANS, self.hint_size)
            c.drawString(self.hint_size * 0.5, self.box_height - self.hint_size * 1.35, self.hint)
        c.restoreState()


class _DateBoxes(Flowable):  # type: ignore[misc]
    """DD / MM / YYYY as eight small boxes, each with its letter faintly inside."""

    def __init__(self, size: float, hint_size: float) -> None:
        super().__init__()
        self.largest = size
        self.size = size
        self.hint_size = hint_size
        self.gap = size * 0.55  # room for the slash between groups

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        # Shrink to fit a narrow table cell rather than run over its edge.
        self.size = min(self.largest, availWidth / (8 + 2 * 0.55))
        self.gap = self.size * 0.55
        return 8 * self.size + 2 * self.gap, self.size

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        x = 0.0
        for group, letter in ((2, "D"), (2, "M"), (4, "Y")):
            for _ in range(group):
                c.setStrokeColor(BOX)
                c.setLineWidth(0.8)
                c.rect(x, 0, self.size, self.size)
                c.setFillColor(HINT)
                hint = min(self.hint_size, self.size * 0.6)
                c.setFont(SANS, hint)
                c.drawCentredString(x + self.size / 2, self.size / 2 - hint * 0.35, letter)
                x += self.size
            if letter != "Y":
                c.setFillColor(BOX)
                c.setFont(SANS, self.size * 0.8)
                c.drawCentredString(x + self.gap / 2, self.size * 0.2, "/")
                x += self.gap
        c.restoreState()


class _Layout:
    """Sizes and styles for one print size."""

    def __init__(self, st: Styles) -> None:
        self.st = st
        self.large = st.large_print
        pad = st.base_size * _CELL_PAD
        if self.large:
            self.label_width = FRAME_WIDTH
            self.answer_width = FRAME_WIDTH
        else:
            self.label_width = FRAME_WIDTH * _LABEL_SHARE
            self.answer_width = FRAME_WIDTH - self.label_width - 2 * pad
        self.hint_size = st.small.fontSize
        self.note = ParagraphStyle("form-note", parent=st.small, spaceBefore=st.base_size * 0.15, spaceAfter=0)
        self.group = ParagraphStyle("form-group", parent=st.cell, fontName=SANS_BOLD, textColor=MUTED,
                                    spaceBefore=st.base_size * 0.15, keepWithNext=1)
        self.field_gap = st.base_size * (0.7 if self.large else 0.25)


# --- answers -------------------------------------------------------------------------------------


def _tick(label: str, lay: _Layout) -> Paragraph:
    return Paragraph(text(label), lay.st.tick, bulletText=TICK_BOX)


def _options(options: Sequence[Choice], lay: _Layout, width: float) -> list[Flowable]:
    """Tick boxes: in one row when they are few and short, otherwise in two columns.

    Grouped choices (the ONS ethnic groups) get their group's name above them, kept with them.
    """
    st = lay.st
    longest = max((stringWidth(o.label, SANS, st.cell.fontSize) for o in options), default=0.0)
    tick_room = st.tick.leftIndent + st.cell.fontSize * 2
    inline = len(options) <= 4 and len(options) * (longest + tick_room) <= width
    cols = len(options) if inline else 2
    col_width = min(width / cols, longest + tick_room) if inline else width / cols
    style = grid_style(st, boxed=False)
    style.add("LEFTPADDING", (0, 0), (-1, -1), 0)
    style.add("TOPPADDING", (0, 0), (-1, -1), st.base_size * 0.08)
    style.add("BOTTOMPADDING", (0, 0), (-1, -1), st.base_size * 0.08)

    out: list[Flowable] = []
    groups: list[tuple[str | None, list[Choice]]] = []
    for option in options:
        if not groups or groups[-1][0] != option.group:
            groups.append((option.group, []))
        groups[-1][1].append(option)
    for group, members in groups:
        if group:
            out.append(Paragraph(text(group), lay.group))
        ticks: list[Any] = [_tick(o.label, lay) for o in members]
        rows = [ticks[i:i + cols] for i in range(0, len(ticks), cols)]
        rows[-1] += [""] * (cols - len(rows[-1]))
        out.append(Table(rows, colWidths=[col_width] * cols, hAlign="LEFT", style=style))
    return out


def _list_table(field: FieldDef, lay: _Layout, width: float) -> Table:
    st = lay.st
    items = field.item_fields
    header = [Paragraph(text(item.label) + (f" <b>{REQUIRED}</b>" if item.required else ""), st.label)
              for item in items]
    blank = [""] * len(items)
    rows = [header] + [list(blank) for _ in range(LIST_ROWS)]
    heights = [None] + [st.box_height] * LIST_ROWS
    return Table(rows, colWidths=[width / len(items)] * len(items), rowHeights=heights,
                 style=grid_style(st, header=True), hAlign="LEFT")


def _per_entry_table(field: FieldDef, lay: _Layout, width: float) -> list[Flowable]:
    """A row per child to write in: the child's first name, then each item (relationship, parental
    responsibility), with the choices to write listed under the table."""
    st = lay.st
    items = field.item_fields
    header = [Paragraph(text("Child's first name"), st.label)] + [
        Paragraph(text(item.label + (" (yes or no)" if item.type is FieldType.BOOLEAN else "")), st.label)
        for item in items]
    rows = [header] + [[""] * len(header) for _ in range(LIST_ROWS)]
    heights = [None] + [st.box_height] * LIST_ROWS
    table = Table(rows, colWidths=[width / len(header)] * len(header), rowHeights=heights,
                  style=grid_style(st, header=True), hAlign="LEFT")
    notes = [Paragraph(text(f"{item.label}: " + "; ".join(c.label for c in item.choices) + "."), lay.note)
             for item in items if item.type is FieldType.CHOICE]
    return [table, *notes]


_BOX_SHARE = {FieldType.POSTCODE: 0.45, FieldType.PHONE: 0.7}


def _answer(field: FieldDef, org: Organisation, lay: _Layout) -> list[Flowable]:
    st = lay.st
    width = lay.answer_width
    if field.type is FieldType.DATE:
        return [_DateBoxes(st.box_height * 0.95, lay.hint_size)]
    if field.type is FieldType.MULTILINE:
        return [_WriteBox(lay.st.line_gap * MULTILINE_LINES, lines=MULTILINE_LINES)]
    if field.type is FieldType.BOOLEAN:
        return _options((Choice("yes", "Yes"), Choice("no", "No")), lay, width)
    if field.type in (FieldType.CHOICE, FieldType.MULTICHOICE):
        services = [(s.id, s.name) for s in org.services]
        return _options(field.choices_for(services), lay, width)
    if field.type is FieldType.LIST:
        return [_list_table(field, lay, width)]
    if field.type is FieldType.PER_ENTRY:
        return _per_entry_table(field, lay, width)
    hint = "name@example.com" if field.type is FieldType.EMAIL else ""
    return [_WriteBox(st.box_height, share=_BOX_SHARE.get(field.type, 1.0), hint=hint, hint_size=lay.hint_size)]


# --- labels --------------------------------------------------------------------------------------


def _value_words(form: FormDefinition, condition: Condition, org: Organisation) -> tuple[str, str]:
    """('Gender', '‘Prefer to self-describe’') for a condition, in the words printed on the form."""
    try:
        source = form.field(condition.field)
    except KeyError:
        return condition.field, " or ".join(f"‘{v}’" for v in condition.values)
    labels = {c.value: c.label for c in source.choices_for([(s.id, s.name) for s in org.services])}
    words = []
    for value in condition.values:
        if isinstance(value, bool):
            words.append("‘Yes’" if value else "‘No’")
        else:
            words.append(f"‘{labels.get(value, value)}’")
    joined = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    return source.label, joined


def _label(field: FieldDef, form: FormDefinition, org: Organisation, lay: _Layout) -> list[Flowable]:
    st = lay.st
    marker = f" <font color='#8b0000'>{REQUIRED}</font>" if field.required else ""
    out: list[Flowable] = [Paragraph(text(field.label) + marker, st.label)]
    notes: list[str] = []
    if field.shown_when is not None:
        name, values = _value_words(form, field.shown_when, org)
        notes.append(f"Only answer this if ‘{name}’ is {values}.")
    if field.required_when is not None:
        name, values = _value_words(form, field.required_when, org)
        notes.append(f"Must be answered if ‘{name}’ is {values}.")
    if field.type is FieldType.CHOICE:
        notes.append("Tick one box.")
    elif field.type is FieldType.MULTICHOICE:
        notes.append("Tick all that apply.")
    if field.help:
        notes.append(" ".join(field.help.split()))
    out += [Paragraph(text(n), lay.note) for n in notes]
    return out


def _field(field: FieldDef, form: FormDefinition, org: Organisation, lay: _Layout) -> list[Flowable]:
    label = _label(field, form, org, lay)
    answer = _answer(field, org, lay)
    if lay.large:
        return [KeepTogether([*label, Spacer(1, lay.st.base_size * 0.3), *answer]), Spacer(1, lay.field_gap)]
    table = Table([[label, answer]], colWidths=[lay.label_width, FRAME_WIDTH - lay.label_width],
                  style=grid_style(lay.st, boxed=False), hAlign="LEFT")
    table.setStyle([("LINEBELOW", (0, 0), (-1, -1), 0.3, SHADE), ("LEFTPADDING", (0, 0), (0, -1), 0)])
    return [table]


# --- sections ------------------------------------------------------------------------------------


def _section_fields(section: Section, form: FormDefinition, org: Organisation, lay: _Layout) -> list[Flowable]:
    return [flowable for f in section.fields for flowable in _field(f, form, org, lay)]


def _entry_count(section: Section, wanted: int) -> int:
    count = max(wanted, section.min_items or 1)
    return min(count, section.max_items) if section.max_items else count


def _section(section: Section, form: FormDefinition, org: Organisation, lay: _Layout,
             entry_blocks: int) -> list[Flowable]:
    st = lay.st
    intro: list[Flowable] = [Paragraph(text(section.title), st.h2)]
    if section.help:
        intro.append(Paragraph(text(" ".join(section.help.split())), st.lead_in))
    if not section.repeated:
        return [*intro, *_section_fields(section, form, org, lay)]
    count = _entry_count(section, entry_blocks)
    entry = section.entry_label or "Entry"
    intro.append(Paragraph(f"There is room below for {count}: {text(entry)} 1 to {text(entry)} {count}. Ask us "
                           "for another sheet if you need more.", st.lead_in))
    story = intro
    for n in range(1, count + 1):
        banner = Table([[Paragraph(f"{text(entry)} {n}", st.h3)]], colWidths=[FRAME_WIDTH], hAlign="LEFT",
                       style=grid_style(st, header=True))
        # Each entry starts a new page unless most of one is left; the first stays with the intro.
        if n > 1:
            story += [CondPageBreak(FRAME_WIDTH * 0.45), Spacer(1, st.base_size * 0.6)]
        story += [banner, Spacer(1, st.base_size * 0.3), *_section_fields(section, form, org, lay)]
    return story


def _consent_purposes(form: FormDefinition, org: Organisation) -> list[Purpose]:
    """Consent-based purposes the form's own fields serve, asked once on paper (not per partner)."""
    used = {p for f in form.all_fields() for p in f.purposes}
    return [p for p in org.purposes if p.needs_consent and not p.per_partner and p.id in used]


def _consent_section(form: FormDefinition, org: Organisation, lay: _Layout,
                     notice_version: str | None) -> list[Flowable]:
    st = lay.st
    version = f" (version {text(notice_version)})" if notice_version else ""
    story: list[Flowable] = [
        Paragraph("Your information and your choices", st.h2),
        Paragraph(f"We will give you a copy of our privacy notice{version}. It explains why we need your "
                  "information, who we share it with, how long we keep it, and your rights.", st.body),
    ]
    for purpose in _consent_purposes(form, org):
        story.append(KeepTogether([
            Paragraph(text(purpose.name), st.h3),
            Paragraph(text(" ".join(purpose.description.split())), st.body),
            *_options((Choice("yes", "Yes, I agree"), Choice("no", "No, I do not agree")), lay, FRAME_WIDTH),
            Spacer(1, st.base_size * 0.6),
        ]))
    contact = f" or email <b>{text(org.dpo.email)}</b>" if org.dpo.email else ""
    story.append(Paragraph(f"You can change your mind at any time: tell a member of staff{contact}.", st.body))
    story.append(KeepTogether([
        Paragraph("Signature", st.h3),
        _signature_table(lay),
    ]))
    story.append(KeepTogether([Spacer(1, st.base_size), _office_table(lay, notice_version)]))
    # One piece when it fits on a page: the choices, the signature and the office box belong together.
    return [KeepTogether(story)]


def _room(height: float) -> Spacer:
    """An empty cell at least ``height`` tall: rows grow with their labels instead of clipping them."""
    return Spacer(1, height)


def _signature_table(lay: _Layout) -> Table:
    st = lay.st
    rows = [
        [Paragraph("Signed", st.label), _room(st.box_height * 1.3)],
        [Paragraph("Name, in capitals", st.label), _room(st.box_height * 1.1)],
        [Paragraph("Date", st.label), _DateBoxes(st.box_height * 0.95, lay.hint_size)],
    ]
    share = 0.36 if not lay.large else 0.42
    return Table(rows, colWidths=[FRAME_WIDTH * share, FRAME_WIDTH * (1 - share)], style=grid_style(st),
                 hAlign="LEFT")


def _office_table(lay: _Layout, notice_version: str | None) -> Table:
    st = lay.st
    share = 0.36 if not lay.large else 0.42
    value_width = FRAME_WIDTH * (1 - share) - 2 * st.base_size * _CELL_PAD
    ticks = _options((Choice("signed", "Signed"), Choice("verbal", "Verbal")), lay, value_width)
    line = st.box_height * 0.8
    rows: list[list[Any]] = [
        [Paragraph("<b>Office use only</b>", st.cell), ""],
        [Paragraph("Notice version given", st.cell), Paragraph(text(notice_version or ""), st.cell)],
        [Paragraph("Consent given", st.cell), ticks],
        [Paragraph("Typed in by", st.cell), _room(line)],
        [Paragraph("Date typed in", st.cell), _room(line)],
    ]
    style = grid_style(st, header=True)
    style.add("SPAN", (0, 0), (1, 0))
    return Table(rows, colWidths=[FRAME_WIDTH * share, FRAME_WIDTH * (1 - share)], style=style, hAlign="LEFT")


# --- the document --------------------------------------------------------------------------------


def render_blank_form(form: FormDefinition, org: Organisation, *, large_print: bool = False,
                      notice_version: str | None = None, entry_blocks: int = DEFAULT_ENTRY_BLOCKS) -> bytes:
    """A paper version of ``form`` for ``org`` as a PDF (A4, fonts embedded).

    ``notice_version`` is the privacy notice the family will be given, printed in the consent
    section; ``entry_blocks`` is how many blocks to print for a repeated section (household members).
    """
    st = get_styles(large_print)
    lay = _Layout(st)
    story: list[Flowable] = [
        Paragraph(text(form.title), st.title),
        Paragraph(text(org.name), st.subtitle),
        Paragraph(f"Paper form · version {form.version}", st.meta),
        HRFlowable(width="100%", thickness=0.8, color=MUTED, spaceBefore=st.base_size * 0.4,
                   spaceAfter=st.base_size * 0.2),
    ]
    if form.description:
        story.append(Paragraph(text(" ".join(form.description.split())), st.body))
    story.append(Paragraph(
        f"Please write clearly, in CAPITAL LETTERS. Questions marked <font color='#8b0000'><b>{REQUIRED}</b></font> "
        f"must be answered. Tick {TICK_BOX} the boxes that apply. If you would like help with this form, "
        "please ask a member of staff.", st.body))
    for section in form.sections:
        story += _section(section, form, org, lay, entry_blocks)
    story += _consent_section(form, org, lay, notice_version)
    footer = [form.title, f"paper form version {form.version}"]
    if notice_version:
        footer.append(f"privacy notice {notice_version}")
    info = DocumentInfo(
        title=f"{form.title} – paper form",
        subject=f"Blank {form.id} form, version {form.version} ({'large print' if large_print else 'standard print'})",
        author=org.name,
        footer=footer_parts(footer, org.name, st),
    )
    return build_pdf(story, info, st)
