"""Printing documents: privacy notices and blank paper forms (receipts and summaries come with the
consent and subject-access work).

The services never import the printing adapter: they print through a ``DocumentRenderer`` that
the composition root (CLI, app) passes in. Each print checks ``Permission.PRINT`` and writes an
audit entry that says what was printed, never who it was for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from centre_desk.domain.documents import ConsentReceiptData, HouseholdSummaryData, NoticeTemplate, PlainDocument
from centre_desk.domain.errors import ValidationFailed
from centre_desk.domain.organisation import CentreContact, Organisation
from centre_desk.domain.retention import DestructionCertificate
from centre_desk.domain.staff import Permission
from centre_desk.domain.statistics import ReachReport
from centre_desk.formspec.model import FormDefinition

from .centre import read_centre_contact
from .session import DeskSession

PRINT_NOTICE = "print.notice"
PRINT_BLANK_FORM = "print.blank-form"


class DocumentRenderer(Protocol):
    """Turns plain document data into printable bytes (PDF). ``printing.renderer.PdfRenderer``."""

    def notice_template(self, profile_id: str) -> NoticeTemplate: ...

    def privacy_notice(self, org: Organisation, centre_name: str, template: NoticeTemplate, *,
                       large_print: bool = False, contact: CentreContact | None = None) -> bytes: ...

    def consent_receipt(self, org: Organisation, data: ConsentReceiptData, *,
                        large_print: bool = False) -> bytes: ...

    def household_summary(self, org: Organisation, data: HouseholdSummaryData, *,
                          large_print: bool = False) -> bytes: ...

    def blank_form(self, form: FormDefinition, org: Organisation, *, large_print: bool = False,
                   notice_version: str | None = None) -> bytes: ...

    def reach_report(self, org: Organisation, report: ReachReport, centre_name: str) -> bytes: ...

    def destruction_certificates(self, org: Organisation, certificates: Sequence[DestructionCertificate]) -> bytes: ...
    def plain_document(self, org: Organisation, doc: PlainDocument, *, large_print: bool = False) -> bytes: ...


def _check_organisation(stored: str | None, org: Organisation) -> None:
    # A notice or form names the data controller: never print another organisation's.
    if stored and stored != org.id:
        raise ValidationFailed.one("organisation", f"this store was set up for '{stored}', not '{org.id}'")


def _size(large_print: bool) -> str:
    return "large print" if large_print else "standard print"


def print_privacy_notice(session: DeskSession, renderer: DocumentRenderer, org: Organisation, *,
                         large_print: bool = False) -> bytes:
    """The organisation's current privacy notice for this centre, as PDF bytes; audited."""
    session.require(Permission.PRINT)
    with session.uow() as uow:
        _check_organisation(uow.settings.get("profile_id"), org)
        centre_name = uow.settings.get("centre_name") or ""
        template = renderer.notice_template(org.id)
        pdf = renderer.privacy_notice(org, centre_name, template, large_print=large_print,
                                      contact=read_centre_contact(uow.settings))
        session.audit(uow, PRINT_NOTICE, detail=f"notice {template.version}; {_size(large_print)}")
        uow.commit()
    return pdf


def print_blank_form(session: DeskSession, renderer: DocumentRenderer, org: Organisation,
                     form: FormDefinition, *, large_print: bool = False) -> bytes:
    """A blank paper form (with the current notice version in its consent section), as PDF; audited."""
    session.require(Permission.PRINT)
    with session.uow() as uow:
        _check_organisation(uow.settings.get("profile_id"), org)
        notice_version = renderer.notice_template(org.id).version
        pdf = renderer.blank_form(form, org, large_print=large_print, notice_version=notice_version)
        session.audit(uow, PRINT_BLANK_FORM,
                      detail=f"{form.id} v{form.version}; notice {notice_version}; {_size(large_print)}")
        uow.commit()
    return pdf


BLANK_FORMS = (("membership", "Membership form"), ("referral", "Referral form"))
"""The paper forms the desk prints blank (as ``centre-desk-admin blank-form`` does)."""


def print_blank_form_by_id(session: DeskSession, renderer: DocumentRenderer, org: Organisation, form_id: str, *,
                           large_print: bool = False) -> bytes:
    """A blank paper form chosen by its id (one of ``BLANK_FORMS``), as PDF; audited."""
    from .profile import form

    if form_id not in dict(BLANK_FORMS):
        raise ValidationFailed.one("form", "must be membership or referral")
    return print_blank_form(session, renderer, org, form(form_id), large_print=large_print)
