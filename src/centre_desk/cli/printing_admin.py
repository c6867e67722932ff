"""Printing commands: the privacy notice and blank paper forms, as PDF files.

The organisation profile and centre name come from the store's settings. The PDF is written to a
temporary file beside ``--out`` and renamed into place, so a failed run never leaves half a file
and never replaces a good one.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import EXIT_OK, CliError, Context, Parser
from .files import write_file_atomically


def cmd_notice(ctx: Context) -> int:
    from centre_desk.printing.renderer import PdfRenderer
    from centre_desk.services.documents import print_privacy_notice
    from centre_desk.services.profile import profile_of

    a = ctx.args
    out = Path(a.out).expanduser()
    session = ctx.session()
    org = profile_of(session)
    renderer = PdfRenderer()
    size = write_file_atomically(out, lambda: print_privacy_notice(session, renderer, org,
                                                                  large_print=a.large_print))
    print(f"Wrote the privacy notice{' (large print)' if a.large_print else ''} to {out} ({size // 1024} KB)")
    return EXIT_OK


def cmd_quick_guide(ctx: Context) -> int:
    from centre_desk.printing.renderer import PdfRenderer
    from centre_desk.services.help import print_quick_guide

    a = ctx.args
    out = Path(a.out).expanduser()
    session = ctx.session()
    renderer = PdfRenderer()
    size = write_file_atomically(out, lambda: print_quick_guide(session, renderer, large_print=a.large_print))
    print(f"Wrote the quick guide for reception{' (large print)' if a.large_print else ''} to {out} "
          f"({size // 1024} KB)")
    return EXIT_OK


def cmd_blank_form(ctx: Context) -> int:
    from centre_desk.formspec.forms import load_form
    from centre_desk.printing.renderer import PdfRenderer
    from centre_desk.services.documents import print_blank_form
    from centre_desk.services.profile import profile_of

    a = ctx.args
    out = Path(a.out).expanduser()
    try:
        form = load_form(a.form)
    except ValueError:
        raise CliError(f"'{a.form}' is not a form name; try membership or referral") from None
    session = ctx.session()
    org = profile_of(session)
    renderer = PdfRenderer()
    size = write_file_atomically(out, lambda: print_blank_form(session, renderer, org, form,
                                                              large_print=a.large_print))
    print(f"Wrote the blank {form.id} form{' (large print)' if a.large_print else ''} to {out} ({size // 1024} KB)")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    notice = sub.add_parser("notice", help="print the privacy notice to a PDF file")
    notice.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF")
    notice.add_argument("--large-print", action="store_true", help="16 pt large print")
    notice.set_defaults(handler=cmd_notice)

    guide = sub.add_parser("quick-guide", help="print the quick guide for reception to a PDF file")
    guide.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF")
    guide.add_argument("--large-print", action="store_true", help="16 pt large print")
    guide.set_defaults(handler=cmd_quick_guide)

    blank = sub.add_parser("blank-form", help="print a blank paper form to a PDF file")
    blank.add_argument("form", metavar="FORM", help="which form: membership or referral")
    blank.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF")
    blank.add_argument("--large-print", action="store_true", help="16 pt large print")
    blank.set_defaults(handler=cmd_blank_form)
    register_household_documents(sub)


def _household_pdf(ctx: Context, what: str) -> int:
    from centre_desk.printing.renderer import PdfRenderer
    from centre_desk.services.family_documents import print_consent_receipt, print_household_summary

    a = ctx.args
    out = Path(a.out).expanduser()
    session = ctx.session()
    renderer = PdfRenderer()
    make = print_consent_receipt if what == "receipt" else print_household_summary
    size = write_file_atomically(out, lambda: make(session, renderer, a.household_id, large_print=a.large_print))
    label = "consent receipt" if what == "receipt" else "household summary"
    print(f"Wrote the {label}{' (large print)' if a.large_print else ''} to {out} ({size // 1024} KB)")
    return EXIT_OK


def cmd_receipt(ctx: Context) -> int:
    return _household_pdf(ctx, "receipt")


def cmd_summary(ctx: Context) -> int:
    return _household_pdf(ctx, "summary")


def register_household_documents(sub: argparse._SubParsersAction[Parser]) -> None:
    for name, handler, text in (("receipt", cmd_receipt, "print a household's consent receipt to a PDF file"),
                                ("summary", cmd_summary, "print 'what we hold about you' for a household")):
        p = sub.add_parser(name, help=text)
        p.add_argument("household_id")
        p.add_argument("--out", required=True, metavar="FILE.pdf")
        p.add_argument("--large-print", action="store_true", help="16 pt large print")
        p.set_defaults(handler=handler)
