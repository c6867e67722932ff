"""What goes into a printed document: plain data, ready to print, with no storage or PDF types.

The services fill these in from the store; the printing adapter turns them into PDFs. Everything
here is already in the words a family reads (names as typed, purposes by name, decisions), so the
printing code never has to look anything up.

Also here: the plain-English wording of a lawful basis and of a retention rule, shared by the
privacy notice, the consent receipt and the household summary so that they always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from .consent import Decision, Method
from .organisation import CentreContact, LawfulBasis, RetentionRule, StartEvent

# --- privacy notice template ---------------------------------------------------------------------

# What a notice block can draw from the organisation profile.
NOTICE_LISTS: tuple[str, ...] = (
    "purposes",  # every purpose, with its lawful basis in plain English
    "consent-purposes",  # only the purposes that rest on consent
    "partners",
    "services",
    "retention",
    "rights",
    "what-we-collect",
    "how-we-collect",
)
NOTICE_ADDRESSES: tuple[str, ...] = ("regulator", "organisation", "dpo", "complaints")
# Conditions a section can be shown under (``when:``).
NOTICE_CONDITIONS: tuple[str, ...] = ("legal-hold", "consent-purposes", "transfers-abroad")


@dataclass(frozen=True)
class NoticeBlock:
    """One block of a notice section.

    ``kind`` is "text" (one paragraph, ``text``), "points" (a bulleted list, ``items``), "list"
    (a list built from the profile, ``source`` in NOTICE_LISTS) or "address" (a postal address
    and its phone/web, ``source`` in NOTICE_ADDRESSES). Text may hold ``{placeholders}`` and
    ``**bold**``. ``key`` says where the block is in its file, for error messages.
    """

    kind: Literal["text", "points", "list", "address"]
    text: str = ""
    items: tuple[str, ...] = ()
    source: str = ""
    key: str = ""


@dataclass(frozen=True)
class NoticeSection:
    heading: str
    blocks: tuple[NoticeBlock, ...]
    when: str | None = None  # one of NOTICE_CONDITIONS; None = always shown
    key: str = ""


@dataclass(frozen=True)
class NoticeTemplate:
    """A privacy-notice template (``resources/organisations/<id>/notices/privacy-notice.yaml``).

    ``version`` is what a consent records as the notice the family was given.
    """

    profile_id: str
    version: str
    effective_date: date
    title: str
    sections: tuple[NoticeSection, ...]
    source: str = ""


# --- consent receipt -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptPerson:
    name: str
    role: str  # as the family would say it: "Parent", "Child"


@dataclass(frozen=True)
class ReceiptConsent:
    """One decision by one person about one purpose (and, for per-partner purposes, one partner).

    ``decided_by`` names the adult who decided for a child (then the child did not sign or speak).
    ``decision`` and ``method`` also accept their plain values ("given", "verbal"), converted here;
    anything else is a ValueError.
    """

    person_name: str
    purpose_name: str
    lawful_basis_text: str  # e.g. from lawful_basis_text(purpose.basis)
    partner_name: str | None
    decision: Decision
    method: Method
    recorded_at: datetime
    recorded_by: str  # the member of staff's display name
    notice_version: str  # the privacy notice version the family had been given
    decided_by: str | None = None
    # The signature of whoever decided (the person, or for a child the adult), as drawn on screen.
    signature_png: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "decision", Decision(self.decision))
        object.__setattr__(self, "method", Method(self.method))


@dataclass(frozen=True)
class ConsentReceiptData:
    organisation_name: str
    centre_name: str
    household_ref: str
    people: tuple[ReceiptPerson, ...]
    consents: tuple[ReceiptConsent, ...]
    how_to_withdraw: str
    dpo_email: str
    printed_at: datetime
    centre_contact: CentreContact = field(default_factory=CentreContact)


# --- household summary ("What we hold about you") ------------------------------------------------


@dataclass(frozen=True)
class LabelledValue:
    label: str
    value: str


@dataclass(frozen=True)
class SummaryPerson:
    name: str
    details: tuple[LabelledValue, ...]  # in form order, already formatted: ("Date of birth", "3 May 2021")
    # An adult who lives elsewhere: their own details (and choices) are theirs, not the household's,
    # so the household's copy gives only who they are.
    lives_elsewhere: bool = False


@dataclass(frozen=True)
class SummaryEntry:
    """A referral or a contact: what it was, when, and its details."""

    title: str
    when: date | datetime | None
    details: tuple[LabelledValue, ...] = ()


@dataclass(frozen=True)
class HouseholdSummaryData:
    organisation_name: str
    centre_name: str
    household_ref: str
    address: tuple[LabelledValue, ...]  # the household's own fields: address, phone, GP...
    members: tuple[SummaryPerson, ...]
    referrals: tuple[SummaryEntry, ...]
    contacts: tuple[SummaryEntry, ...]
    consents: tuple[ReceiptConsent, ...]
    retention_statement: str
    dpo_email: str
    printed_at: datetime
    centre_contact: CentreContact = field(default_factory=CentreContact)


# --- shared wording ------------------------------------------------------------------------------

_ARTICLE6_PLAIN: dict[str, str] = {
    "6(1)(a)": "Consent: we only do this if you agree",
    "6(1)(b)": "Contract: we need it for an agreement with you",
    "6(1)(c)": "Legal obligation: the law says we must",
    "6(1)(d)": "Vital interests: to protect someone's life",
    "6(1)(e)": "Public task: it is part of our public duties",
    "6(1)(f)": "Legitimate interests",
}


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def lawful_basis_text(basis: LawfulBasis) -> str:
    """A lawful basis in short plain sentences, with the UK GDPR articles and laws it rests on.

    >>> lawful_basis_text(LawfulBasis("6(1)(a)", "consent"))
    'Consent: we only do this if you agree (UK GDPR Article 6(1)(a)). You can change your mind at any time.'
    """
    plain = _ARTICLE6_PLAIN.get(basis.article6, _sentence_case(basis.article6_name))
    parts = [f"{plain} (UK GDPR Article {basis.article6})."]
    if basis.article9:
        name = basis.article9_name or "a special category condition"
        parts.append(f"For sensitive information, such as health: {name} (Article {basis.article9}).")
    if basis.legislation:
        parts.append("The law: " + "; ".join(basis.legislation) + ".")
    if basis.is_consent:
        parts.append("You can change your mind at any time.")
    return " ".join(parts)


def _years(n: int) -> str:
    return f"{n} year" if n == 1 else f"{n} years"


_RETENTION_FROM: dict[StartEvent, str] = {
    StartEvent.LAST_CONTACT: "after our last contact with your family",
    StartEvent.CASE_CLOSED: "after the case is closed",
    StartEvent.DATE_OF_BIRTH: "from the child's date of birth",
}


def retention_period_text(rule: RetentionRule) -> str:
    """``'6 years after our last contact with your family'``."""
    return f"{_years(rule.period_years)} {_RETENTION_FROM[rule.start_event]}"


def retention_text(rule: RetentionRule) -> str:
    """``'Family details and contact records: 6 years after our last contact with your family'``."""
    return f"{rule.name}: {retention_period_text(rule)}"


_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def long_date(day: date) -> str:
    """``'5 January 2026'``, whatever the computer's locale."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def local_time(moment: datetime) -> datetime:
    """An aware time in the computer's local time zone (UK time on a centre's desk); naive as given."""
    return moment.astimezone() if moment.tzinfo is not None else moment


def long_datetime(moment: datetime) -> str:
    """``'5 January 2026 at 14:05'`` in the computer's local time (aware times are converted)."""
    local = local_time(moment)
    return f"{long_date(local.date())} at {local:%H:%M}"


@dataclass(frozen=True)
class PlainSection:
    """One part of a plain document: a heading, paragraphs of plain text, label/value rows, and
    sub-parts (one per person, per referral...)."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    rows: tuple[tuple[str, str], ...] = ()
    parts: tuple[PlainSection, ...] = ()


@dataclass(frozen=True)
class PlainDocument:
    """A letter or pack that is text and tables only: the subject access pack, the notification
    of sharing, the confirmation of a correction. Everything in it is plain text (escaped when
    printed)."""

    title: str
    organisation_name: str
    reference: str  # printed under the title and in the footer, e.g. "household 01a2…"
    printed_at: datetime
    sections: tuple[PlainSection, ...]
    subject: str = ""
    intro: tuple[str, ...] = ()
