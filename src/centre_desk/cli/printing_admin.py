"""Printing commands: the privacy notice and blank paper forms, as PDF files.

The organisation profile and centre name come from the store's settings. The PDF is written to a
temporary file beside ``--out`` and renamed into place, so a failed run never leaves half a file
and never replaces a good one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .common import EXIT_OK, CliError, Context, Parser


def _open_temp_beside(out: Path) -> tuple[int, Path]:
    """Check ``out`` can be written before anything is printed (and audited)."""
    if out.is_dir():
        raise CliError(f"cannot write {out}: it is a folder; give a file name ending in .pdf")
    folder = out.parent
    if not folder.is_dir():
        raise CliError(f"cannot write {out}: the folder {folder} does not exist")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    return fd, Path(name)


def write_pdf_atomically(out: Path, make: Callable[[], bytes]) -> int:
    """Write what ``make()`` returns to ``out`` via a temporary file and a rename; the byte count."""
    fd, tmp = _open_temp_beside(out)
    try:
        with os.fdopen(fd, "wb") as handle:
            data = make()
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return len(data)


def cmd_notice(ctx: Context) -> int:
    from centre_desk.printing.renderer import PdfRenderer
    from centre_desk.services.documents import print_privacy_notice
    from centre_desk.services.profile import profile_of

    a = ctx.args
    out = Path(a.out).expanduser()
    session = ctx.session()
    org = profile_of(session)
    renderer = PdfRenderer()
    size = write_pdf_atomically(out, lambda: print_privacy_notice(session, renderer, org,
                                                                  large_print=a.large_print))
    print(f"Wrote the privacy notice{' (large print)' if a.large_print else ''} to {out} ({size // 1024} KB)")
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
    size = write_pdf_atomically(out, lambda: print_blank_form(session, renderer, org, form,
                                                              large_print=a.large_print))
    print(f"Wrote the blank {form.id} form{' (large print)' if a.large_print else ''} to {out} ({size // 1024} KB)")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    notice = sub.add_parser("notice", help="print the privacy notice to a PDF file")
    notice.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF")
    notice.add_argument("--large-print", action="store_true", help="16 pt large print")
    notice.set_defaults(handler=cmd_notice)

    blank = sub.add_parser("blank-form", help="print a blank paper form to a PDF file")
    blank.add_argument("form", metavar="FORM", help="which form: membership or referral")
    blank.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF")
    blank.add_argument("--large-print", action="store_true", help="16 pt large print")
    blank.set_defaults(handler=cmd_blank_form)
