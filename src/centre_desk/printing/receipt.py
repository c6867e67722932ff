"""Consent receipts: what each person in a family agreed to or refused, when, how, after which
privacy notice, and how to change their mind."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, HRFlowable, Image, KeepTogether, Paragraph, Spacer, Table

from centre_desk.domain.consent import Decision, Method
from centre_desk.domain.documents import (
    ConsentReceiptData,
    ReceiptConsent,
    local_time,
    long_date,
    long_datetime,
)
from centre_desk.domain.organisation import CentreContact, Organisation

from .styles import (
    FRAME_WIDTH,
    MUTED,
    DocumentInfo,
    Styles,
    build_pdf,
    bullets,
    footer_parts,
    get_styles,
    grid_style,
    text,
)

DECISION_WORDS = {
    Decision.GIVEN: "Yes – you agreed",
    Decision.REFUSED: "No – you said no",
    Decision.WITHDRAWN: "Withdrawn – you changed your mind",
}
METHOD_WORDS = {
    Method.SIGNED: "You signed",
    Method.VERBAL: "You told a member of staff (verbal)",
}
# A child's choices are made by an adult: the child did not sign, and "you" would be wrong twice.
DECIDED_FOR_WORDS = {
    Decision.GIVEN: "Yes – agreed",
    Decision.REFUSED: "No – not agreed",
    Decision.WITHDRAWN: "Withdrawn – changed their mind",
}
DECIDED_BY_METHOD_WORDS = {
    Method.SIGNED: "who signed",
    Method.VERBAL: "who told a member of staff (verbal)",
}


def decision_words(c: ReceiptConsent) -> str:
    return DECIDED_FOR_WORDS[c.decision] if c.decided_by else DECISION_WORDS[c.decision]


def method_words(c: ReceiptConsent) -> str:
    """``You signed``, or for a child ``Decided by Zofia Wiśniewska, who signed``."""
    if c.decided_by:
        return f"Decided by {c.decided_by}, {DECIDED_BY_METHOD_WORDS[c.method]}"
    return METHOD_WORDS[c.method]


SIGNATURE_MAX_WIDTH = 50 * mm
SIGNATURE_MAX_HEIGHT = 16 * mm


def signer_name(c: ReceiptConsent) -> str:
    return c.decided_by or c.person_name


def signature_image(c: ReceiptConsent, max_width: float = SIGNATURE_MAX_WIDTH) -> Image | None:
    """The signature drawn for this decision, scaled to fit beside it; None when there is none (verbal,
    on paper) or the stored image cannot be read (the receipt is printed all the same)."""
    if not c.signature_png or c.method is not Method.SIGNED:
        return None
    try:
        width, height = ImageReader(io.BytesIO(c.signature_png)).getSize()
    except Exception:
        return None
    if width <= 0 or height <= 0:
        return None
    scale = min(max_width / width, SIGNATURE_MAX_HEIGHT / height)
    image = Image(io.BytesIO(c.signature_png), width=width * scale, height=height * scale)
    image.hAlign = "LEFT"
    return image


def _signature_flowables(c: ReceiptConsent, st: Styles, max_width: float = SIGNATURE_MAX_WIDTH) -> list[Flowable]:
    image = signature_image(c, max_width)
    if image is None:
        return []
    return [Paragraph(f"Signature of {text(signer_name(c))}:", st.cell), image]


def _note_style(st: Styles) -> ParagraphStyle:
    # The lawful basis under a purpose: quieter than the purpose itself, never below 16 pt in large print.
    return ParagraphStyle("receipt-note", parent=st.cell, textColor=MUTED,
                          fontSize=st.small.fontSize if not st.large_print else st.cell.fontSize,
                          leading=st.small.leading if not st.large_print else st.cell.leading)


def consents_by_person(people: Sequence[str],
                       consents: Sequence[ReceiptConsent]) -> list[tuple[str, list[ReceiptConsent]]]:
    """Consents grouped by person: the people in the order given, then anyone else named in a consent."""
    order = list(dict.fromkeys([*people, *(c.person_name for c in consents)]))
    return [(name, [c for c in consents if c.person_name == name]) for name in order]


def consent_table(consents: Sequence[ReceiptConsent], st: Styles) -> Table:
    """One person's decisions: what for, their answer, and when/how/who/which notice."""
    note = _note_style(st)
    choice = "The choice" if any(c.decided_by for c in consents) else "Your choice"
    header = [Paragraph("<b>What it is for</b>", st.cell), Paragraph(f"<b>{choice}</b>", st.cell),
              Paragraph("<b>When and how</b>", st.cell)]
    rows: list[list[Flowable | list[Flowable]]] = [header]
    for c in sorted(consents, key=lambda c: c.recorded_at):
        what: list[Flowable] = [Paragraph(f"<b>{text(c.purpose_name)}</b>", st.cell)]
        if c.partner_name:
            what.append(Paragraph(f"Passing your details to: {text(c.partner_name)}", st.cell))
        if c.lawful_basis_text:
            what.append(Paragraph(text(c.lawful_basis_text), note))
        decision = Paragraph(f"<b>{text(decision_words(c))}</b>", st.cell)
        when = Paragraph(
            "<br/>".join([
                text(long_datetime(c.recorded_at)),
                text(method_words(c)),
                f"Recorded by {text(c.recorded_by)}",
                f"Privacy notice version {text(c.notice_version)}",
            ]),
            st.cell,
        )
        rows.append([what, decision, [when, *_signature_flowables(c, st)]])
    shares = (0.42, 0.22, 0.36) if not st.large_print else (0.38, 0.25, 0.37)
    return Table(rows, colWidths=[FRAME_WIDTH * s for s in shares], repeatRows=1,
                 style=grid_style(st, header=True), hAlign="LEFT")


def consent_cards(consents: Sequence[ReceiptConsent], st: Styles) -> list[Flowable]:
    """Large print: one two-column card per decision, since three columns of 16 pt text are too narrow."""
    note = _note_style(st)
    cards: list[Flowable] = []
    for c in sorted(consents, key=lambda c: c.recorded_at):
        rows: list[list[Flowable | str]] = [
            [Paragraph(f"<b>{text(c.purpose_name)}</b>", st.cell), ""],
            [Paragraph("The choice" if c.decided_by else "Your choice", st.label),
             Paragraph(f"<b>{text(decision_words(c))}</b>", st.cell)],
        ]
        if c.partner_name:
            rows.append([Paragraph("Passing your details to", st.label), Paragraph(text(c.partner_name), st.cell)])
        rows += [
            [Paragraph("When", st.label), Paragraph(text(long_datetime(c.recorded_at)), st.cell)],
            [Paragraph("How", st.label), Paragraph(text(method_words(c)), st.cell)],
            [Paragraph("Recorded by", st.label), Paragraph(text(c.recorded_by), st.cell)],
            [Paragraph("Privacy notice", st.label), Paragraph(f"Version {text(c.notice_version)}", st.cell)],
        ]
        image = signature_image(c, FRAME_WIDTH * 0.6)
        if image is not None:
            rows.append([Paragraph(f"Signature of {text(signer_name(c))}", st.label), image])
        if c.lawful_basis_text:
            rows.append([Paragraph("The law", st.label), Paragraph(text(c.lawful_basis_text), note)])
        style = grid_style(st, header=True)
        style.add("SPAN", (0, 0), (1, 0))
        cards += [KeepTogether(Table(rows, colWidths=[FRAME_WIDTH * 0.34, FRAME_WIDTH * 0.66], style=style,
                                     hAlign="LEFT")), Spacer(1, st.base_size * 0.6)]
    return cards


def consent_story(people: Sequence[tuple[str, str]], consents: Sequence[ReceiptConsent], st: Styles) -> list[Flowable]:
    """Per person (name, role): a heading and the table of their decisions."""
    roles = dict(people)
    story: list[Flowable] = []
    for name, theirs in consents_by_person([n for n, _ in people], consents):
        role = roles.get(name)
        heading = Paragraph(text(name) + (f" <font name='DejaVuSans'>({text(role)})</font>" if role else ""), st.h3)
        if theirs and st.large_print:
            story += [heading, *consent_cards(theirs, st)]
        elif theirs:
            story += [heading, consent_table(theirs, st), Spacer(1, st.base_size * 0.6)]
        else:
            story.append(KeepTogether([heading, Paragraph("No choices are recorded for this person.", st.body)]))
    return story


def contact_story(centre_name: str, contact: CentreContact, st: Styles) -> list[Flowable]:
    """"How to reach us": the centre's phone, email and opening hours, when the store has them."""
    lines = contact.lines()
    if not lines:
        return []
    heading = f"How to reach {text(centre_name)}" if centre_name else "How to reach us"
    return [Paragraph(heading, st.h2), *bullets([text(line) for line in lines], st)]


def render_consent_receipt(org: Organisation, data: ConsentReceiptData, *, large_print: bool = False) -> bytes:
    """A family's consent receipt as a PDF (A4, fonts embedded)."""
    st = get_styles(large_print)
    printed = long_datetime(data.printed_at)
    versions = sorted({c.notice_version for c in data.consents})
    story: list[Flowable] = [
        Paragraph("Your consent record", st.title),
        Paragraph(text(data.organisation_name), st.subtitle),
    ]
    if data.centre_name:
        story.append(Paragraph(text(data.centre_name), st.meta))
    story += [
        Paragraph(f"Household reference <b>{text(data.household_ref)}</b> · printed {text(printed)}", st.meta),
        HRFlowable(width="100%", thickness=0.8, color=MUTED, spaceBefore=st.base_size * 0.4,
                   spaceAfter=st.base_size * 0.2),
        Paragraph(
            "This is a record of the choices your family made about how we use your information. "
            "Please keep it with your copy of our privacy notice.", st.body),
    ]
    if versions:
        listed = ", ".join(text(v) for v in versions)
        word = "version" if len(versions) == 1 else "versions"
        story.append(Paragraph(f"You made these choices after we gave you our privacy notice, {word} "
                               f"<b>{listed}</b>.", st.body))
    story.append(Paragraph("Who this record is for", st.h2))
    story += bullets([f"<b>{text(p.name)}</b> – {text(p.role)}" if p.role else f"<b>{text(p.name)}</b>"
                      for p in data.people], st)
    story.append(Paragraph("Your choices", st.h2))
    if data.consents:
        story += consent_story([(p.name, p.role) for p in data.people], data.consents, st)
    else:
        story.append(Paragraph("No choices are recorded yet.", st.body))
    story += [
        Paragraph("How to change your mind", st.h2),
        Paragraph(text(" ".join(data.how_to_withdraw.split())), st.body),
        Paragraph(f"You can also email <b>{text(data.dpo_email)}</b>.", st.body),
        Paragraph("If you take back your agreement, we stop from then on. It does not change anything we did "
                  "before you told us.", st.body),
    ]
    story += contact_story(data.centre_name, data.centre_contact, st)
    info = DocumentInfo(
        title=f"Consent record – {data.household_ref}",
        subject="Consent receipt",
        author=org.name,
        footer=footer_parts(("Consent record", f"household {data.household_ref}",
                             f"printed {long_date(local_time(data.printed_at).date())}"), data.organisation_name, st),
    )
    return build_pdf(story, info, st)
