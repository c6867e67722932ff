"""Plain documents (``domain.documents.PlainDocument``): the subject access pack, the notification
of sharing and the confirmation of a correction. Text and tables only, fonts embedded, so names
such as Wiśniewska or Brontë print as written."""

from __future__ import annotations

from reportlab.platypus import Flowable, HRFlowable, KeepTogether, Paragraph

from centre_desk.domain.documents import PlainDocument, PlainSection, local_time, long_date, long_datetime
from centre_desk.domain.organisation import Organisation

from .styles import MUTED, DocumentInfo, Styles, build_pdf, footer_parts, get_styles, label_value_table, text


def _section(section: PlainSection, st: Styles, depth: int) -> list[Flowable]:
    head = Paragraph(text(section.heading), st.h2 if depth == 0 else st.h3)
    body: list[Flowable] = [Paragraph(text(p), st.body) for p in section.paragraphs]
    if section.rows:
        body.append(label_value_table(list(section.rows), st))
    out: list[Flowable] = [KeepTogether([head, *body[:2]]), *body[2:]] if body else [head]
    for part in section.parts:
        out += _section(part, st, depth + 1)
    return out


def render_plain_document(org: Organisation, doc: PlainDocument, *, large_print: bool = False) -> bytes:
    st = get_styles(large_print)
    story: list[Flowable] = [
        Paragraph(text(doc.title), st.title),
        Paragraph(text(doc.organisation_name), st.subtitle),
        Paragraph(f"{text(doc.reference)} · printed {text(long_datetime(doc.printed_at))}", st.meta),
        HRFlowable(width="100%", thickness=0.8, color=MUTED, spaceBefore=st.base_size * 0.4,
                   spaceAfter=st.base_size * 0.2),
    ]
    story += [Paragraph(text(p), st.body) for p in doc.intro]
    for section in doc.sections:
        story += _section(section, st, 0)
    info = DocumentInfo(
        title=f"{doc.title} – {doc.reference}",
        subject=doc.subject or doc.title,
        author=org.name,
        footer=footer_parts((doc.title, doc.reference, f"printed {long_date(local_time(doc.printed_at).date())}"),
                            doc.organisation_name, st),
    )
    return build_pdf(story, info, st)
