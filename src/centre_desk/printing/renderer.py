"""The PDF renderer the services print through (``services.documents.DocumentRenderer``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from centre_desk.domain.documents import ConsentReceiptData, HouseholdSummaryData, NoticeTemplate, PlainDocument
from centre_desk.domain.organisation import CentreContact, Organisation
from centre_desk.domain.retention import DestructionCertificate
from centre_desk.domain.statistics import ReachReport
from centre_desk.formspec.model import FormDefinition

from .blank_form import render_blank_form
from .fonts import register_fonts
from .notice import load_notice_template, render_privacy_notice
from .plain import render_plain_document
from .receipt import render_consent_receipt
from .reports import render_destruction_certificates, render_reach_report
from .summary import render_household_summary


class PdfRenderer:
    """Every printed document as PDF bytes: A4, fonts embedded, title/author/subject/language set.

    ``profiles_root`` is where notice templates are read from (default: the application's
    ``resources/organisations``).
    """

    def __init__(self, profiles_root: Path | None = None) -> None:
        self._profiles_root = profiles_root

    def warm_up(self) -> None:
        """Load the fonts now (a few tenths of a second) rather than on the first print."""
        register_fonts()

    def notice_template(self, profile_id: str) -> NoticeTemplate:
        return load_notice_template(profile_id, self._profiles_root)

    def privacy_notice(self, org: Organisation, centre_name: str, template: NoticeTemplate, *,
                       large_print: bool = False, contact: CentreContact | None = None) -> bytes:
        return render_privacy_notice(org, centre_name, template, large_print=large_print, contact=contact)

    def consent_receipt(self, org: Organisation, data: ConsentReceiptData, *, large_print: bool = False) -> bytes:
        return render_consent_receipt(org, data, large_print=large_print)

    def household_summary(self, org: Organisation, data: HouseholdSummaryData, *,
                          large_print: bool = False) -> bytes:
        return render_household_summary(org, data, large_print=large_print)

    def blank_form(self, form: FormDefinition, org: Organisation, *, large_print: bool = False,
                   notice_version: str | None = None) -> bytes:
        return render_blank_form(form, org, large_print=large_print, notice_version=notice_version)

    def reach_report(self, org: Organisation, report: ReachReport, centre_name: str) -> bytes:
        return render_reach_report(org, report, centre_name)

    def destruction_certificates(self, org: Organisation, certificates: Sequence[DestructionCertificate]) -> bytes:
        return render_destruction_certificates(org, certificates)
    def plain_document(self, org: Organisation, doc: PlainDocument, *, large_print: bool = False) -> bytes:
        return render_plain_document(org, doc, large_print=large_print)
