"""The household summary, "What we hold about you": everything recorded about a household, on
paper, for the family to check."""

from __future__ import annotations

from datetime import date, datetime

from reportlab.platypus import Flowable, HRFlowable, KeepTogether, Paragraph, Table

from centre_desk.domain.documents import (
    HouseholdSummaryData,
    SummaryEntry,
    local_time,
    long_date,
    long_datetime,
)
from centre_desk.domain.organisation import Organisation

from .receipt import consent_story, contact_story
from .styles import (
    FRAME_WIDTH,
    MUTED,
    DocumentInfo,
    Styles,
    build_pdf,
    footer_parts,
    get_styles,
    grid_style,
    label_value_table,
    text,
)

LEFT_OUT = ("This copy leaves out who referred your family to us, anything recorded about keeping children "
            "or adults safe, and the details of people who do not live with you. You can ask to see "
            "everything we hold about you: ask us for a subject access request.")
ELSEWHERE = "Lives at another address. Their own details are not printed on your household's copy."


def _when(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return long_datetime(value)
    return long_date(value)


def _nothing(what: str, st: Styles) -> Paragraph:
    return Paragraph(f"No {what} recorded.", st.body)


def _referral(entry: SummaryEntry, st: Styles) -> list[Flowable]:
    head: list[Flowable] = [Paragraph(text(entry.title), st.h3)]
    when = _when(entry.when)
    if when:
        head.append(Paragraph(text(when), st.meta))
    if entry.details:
        table = label_value_table([(d.label, d.value) for d in entry.details], st)
        return [KeepTogether([*head, table])]
    return [KeepTogether(head)]


def _contacts_table(entries: tuple[SummaryEntry, ...], st: Styles) -> Table:
    rows: list[list[Paragraph]] = [[Paragraph("<b>When</b>", st.cell), Paragraph("<b>What</b>", st.cell),
                                    Paragraph("<b>Details</b>", st.cell)]]
    for e in entries:
        details = "<br/>".join(f"{text(d.label)}: {text(d.value)}" for d in e.details)
        rows.append([Paragraph(text(_when(e.when)), st.cell), Paragraph(text(e.title), st.cell),
                     Paragraph(details, st.cell)])
    shares = (0.26, 0.30, 0.44) if not st.large_print else (0.30, 0.30, 0.40)
    return Table(rows, colWidths=[FRAME_WIDTH * s for s in shares], repeatRows=1,
                 style=grid_style(st, header=True), hAlign="LEFT")


def render_household_summary(org: Organisation, data: HouseholdSummaryData, *, large_print: bool = False) -> bytes:
    """``What we hold about you`` for one household as a PDF (A4, fonts embedded)."""
    st = get_styles(large_print)
    story: list[Flowable] = [
        Paragraph("What we hold about you", st.title),
        Paragraph(text(data.organisation_name), st.subtitle),
    ]
    if data.centre_name:
        story.append(Paragraph(text(data.centre_name), st.meta))
    story += [
        Paragraph(f"Household reference <b>{text(data.household_ref)}</b> · printed "
                  f"{text(long_datetime(data.printed_at))}", st.meta),
        HRFlowable(width="100%", thickness=0.8, color=MUTED, spaceBefore=st.base_size * 0.4,
                   spaceAfter=st.base_size * 0.2),
        Paragraph(f"This is a copy of the information {text(data.organisation_name)} holds about your household. "
                  "Please check it. If anything is wrong or missing, tell us and we will put it right.", st.body),
        # Said on every copy, whatever was left out, so that the words themselves tell nobody anything.
        Paragraph(LEFT_OUT, st.body),
        Paragraph("Your household", st.h2),
    ]
    if data.address:
        story.append(label_value_table([(v.label, v.value) for v in data.address], st))
    else:
        story.append(_nothing("household details are", st))

    story.append(Paragraph("People in your household", st.h2))
    if not data.members:
        story.append(_nothing("people are", st))
    for person in data.members:
        rows = [(d.label, d.value) for d in person.details]
        head = Paragraph(text(person.name), st.h3)
        if person.lives_elsewhere:
            story.append(KeepTogether([head, *([label_value_table(rows, st)] if rows else []),
                                       Paragraph(ELSEWHERE, st.body)]))
        elif rows:
            # Keep a short person together; a long one may run over a page with its heading kept.
            story.append(head)
            story.append(label_value_table(rows, st))
        else:
            story.append(KeepTogether([head, Paragraph("No other details recorded.", st.body)]))

    story.append(Paragraph("Referrals", st.h2))
    if data.referrals:
        for entry in data.referrals:
            story += _referral(entry, st)
    else:
        story.append(_nothing("referrals are", st))

    story.append(Paragraph("Contact with our services", st.h2))
    story.append(_contacts_table(data.contacts, st) if data.contacts else _nothing("contacts are", st))

    story.append(Paragraph("Your consent choices", st.h2))
    if data.consents:
        people = [(m.name, "") for m in data.members if not m.lives_elsewhere]
        story += consent_story(people, data.consents, st)
    else:
        story.append(_nothing("consent choices are", st))

    story += [
        Paragraph("How long we keep it", st.h2),
        Paragraph(text(" ".join(data.retention_statement.split())), st.body),
        Paragraph("Questions", st.h2),
        Paragraph("If anything here is wrong, or you have a question about your information, "
                  f"ask us{' at ' + text(data.centre_name) if data.centre_name else ''} or email "
                  f"<b>{text(data.dpo_email)}</b>.", st.body),
    ]
    story += contact_story(data.centre_name, data.centre_contact, st)
    info = DocumentInfo(
        title=f"What we hold about you – {data.household_ref}",
        subject="Household summary",
        author=org.name,
        footer=footer_parts(("What we hold about you", f"household {data.household_ref}",
                             f"printed {long_date(local_time(data.printed_at).date())}"), data.organisation_name, st),
    )
    return build_pdf(story, info, st)
