"""Letters for the family: the notification of sharing and the confirmation of a correction."""

from __future__ import annotations

from datetime import datetime

from centre_desk.domain.documents import PlainDocument, PlainSection, long_date, long_datetime
from centre_desk.domain.errors import NotFound, ValidationFailed
from centre_desk.domain.household import household_title
from centre_desk.domain.rights import BASIS_NAMES
from centre_desk.domain.staff import Permission

from .disclosures import disclosures_of
from .documents import DocumentRenderer
from .profile import profile_of
from .session import DeskSession


def print_sharing_notice(session: DeskSession, renderer: DocumentRenderer, household_id: str,
                         disclosure_id: str, *, large_print: bool = False) -> bytes:
    """"We have shared your information": recipient, purpose, basis, what, when; audited."""
    session.require(Permission.PRINT)
    org = profile_of(session)
    with session.uow() as uow:
        h = uow.households.get(household_id)
        if h is None:
            raise NotFound("no such household")
        found = [d for d in disclosures_of(uow, household_id) if d.id == disclosure_id]
        if not found:
            raise NotFound("no such disclosure for this household")
        d = found[0]
        if d.not_told_reason:
            raise ValidationFailed.one("disclosure", "is recorded as one the family is not to be told about; "
                                       "record when they were told before printing a letter")
        names = {m.id: m.full_name for m in h.members}
        about = ", ".join(names[p] for p in d.person_ids if p in names) or household_title(h)
        doc = PlainDocument(
            title="We have shared your information", organisation_name=org.name,
            reference=f"household {household_id}", printed_at=session.clock.now(), subject="Notification of sharing",
            intro=(f"Dear {household_title(h)},",
                   f"We are writing to tell you that on {long_date(d.on)} we shared information about {about} "
                   f"with {d.recipient_name}. The details are below."),
            sections=(
                PlainSection("What we shared and why", rows=(
                    ("Shared with", d.recipient_name), ("Date", long_date(d.on)), ("Purpose", d.purpose),
                    ("Lawful basis", BASIS_NAMES[d.basis]), ("What was shared", d.shared))),
                PlainSection("Your rights", paragraphs=(
                    "You can ask to see the information we hold about you, ask us to correct it, or object to "
                    "how we use it.",
                    f"Contact our data protection officer{' at ' + org.dpo.email if org.dpo.email else ''}. "
                    f"You can also complain to the {org.regulator.name} on {org.regulator.phone}.")),
            ),
        )
        pdf = renderer.plain_document(org, doc, large_print=large_print)
        session.audit(uow, "print.sharing-notice", household_id, disclosure_id)
        uow.commit()
    return pdf


def print_rectification(session: DeskSession, renderer: DocumentRenderer, household_id: str, *,
                        since: datetime | None = None, large_print: bool = False) -> bytes:
    """Confirmation of a correction: the changes saved (the newest, or all since ``since``),
    each with the old and new value, when and by whom; audited."""
    session.require(Permission.PRINT)
    org = profile_of(session)
    with session.uow() as uow:
        h = uow.households.get(household_id)
        if h is None:
            raise NotFound("no such household")
        names = {m.id: m.username for m in uow.staff.all()}
        history = uow.households.history(household_id)
        chosen = [e for e in history if since is None or e[0] >= since] if since else history[:1]
        if not chosen:
            raise ValidationFailed.one("changes", "there are no saved changes to confirm")
        people = {m.id: m.full_name for m in h.members}

        def label(field_name: str) -> str:
            if field_name.startswith("member:"):
                pid, _, key = field_name[len("member:"):].partition(".")
                return f"{people.get(pid, 'a former member')}: {key.replace('_', ' ') or 'person'}"
            return field_name.replace("_", " ")

        sections = tuple(PlainSection(
            f"Changed {long_datetime(at)} by {names.get(actor, 'a member of staff')}",
            rows=tuple((label(c.field), f"was: {c.old if c.old not in (None, '') else '(empty)'}; now: "
                                        f"{c.new if c.new not in (None, '') else '(empty)'}") for c in changes))
            for at, actor, changes in chosen)
        doc = PlainDocument(
            title="We have corrected your information", organisation_name=org.name,
            reference=f"household {household_id}", printed_at=session.clock.now(), subject="Confirmation of correction",
            intro=(f"Dear {household_title(h)},", "As you asked, we have corrected the information below. "
                   "We keep a record of what it said before, who changed it and when."),
            sections=sections)
        pdf = renderer.plain_document(org, doc, large_print=large_print)
        session.audit(uow, "print.rectification", household_id, f"{sum(len(c) for _a, _b, c in chosen)} changes")
        uow.commit()
    return pdf
