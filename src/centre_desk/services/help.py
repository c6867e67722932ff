"""Help for staff: the page for each screen, and the printable quick guide for reception.

The pages hold no personal data, so reading one needs no session; printing the quick guide is a
print like any other (``PRINT``) and is audited.
"""

from __future__ import annotations

from datetime import datetime

from centre_desk.domain.documents import PlainDocument, PlainSection
from centre_desk.domain.staff import Permission
from centre_desk.formspec.help import HelpTopic, load_topic, quick_guide_topics

from .documents import DocumentRenderer
from .profile import profile_of
from .session import DeskSession

PRINT_QUICK_GUIDE = "print.quick-guide"
QUICK_GUIDE_TITLE = "Quick guide for reception"

__all__ = ["PRINT_QUICK_GUIDE", "QUICK_GUIDE_TITLE", "HelpTopic", "help_page", "print_quick_guide",
           "quick_guide_document"]


def help_page(topic: str) -> HelpTopic:
    """The help page for a screen (``start``, ``household-search``, ``consent``…)."""
    return load_topic(topic)


def _section(topic: HelpTopic) -> PlainSection:
    return PlainSection(
        topic.title, topic.paragraphs,
        parts=tuple(PlainSection(part.heading, part.paragraphs,
                                 tuple((keys, what[:1].upper() + what[1:]) for keys, what in part.keys))
                    for part in topic.parts))


def quick_guide_document(organisation_name: str, centre_name: str, printed_at: datetime) -> PlainDocument:
    return PlainDocument(
        title=QUICK_GUIDE_TITLE,
        organisation_name=organisation_name,
        reference=centre_name or "Centre Desk",
        printed_at=printed_at,
        sections=tuple(_section(t) for t in quick_guide_topics()),
        subject="Centre Desk: a quick guide for reception staff",
        intro=("The desk at a glance: what each screen is for and the keys that do the work. Press F1 on "
               "any screen for its help page.",),
    )


def print_quick_guide(session: DeskSession, renderer: DocumentRenderer, *, large_print: bool = False) -> bytes:
    """The quick guide for reception as PDF bytes; audited like every print."""
    session.require(Permission.PRINT)
    org = profile_of(session)
    with session.uow() as uow:
        centre_name = uow.settings.get("centre_name") or ""
        doc = quick_guide_document(org.name, centre_name, session.clock.now())
        pdf = renderer.plain_document(org, doc, large_print=large_print)
        session.audit(uow, PRINT_QUICK_GUIDE, detail="large print" if large_print else "standard print")
        uow.commit()
    return pdf
