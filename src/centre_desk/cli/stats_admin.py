"""Statistics commands: reach statistics as CSV (and PDF with charts), small numbers suppressed."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from .common import EXIT_OK, CliError, Context, Parser
from .files import write_file_atomically
from .output import csv_bytes


def _day(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"{option}: must be a date as YYYY-MM-DD") from None


def cmd_reach(ctx: Context) -> int:
    from centre_desk.services.statistics import REACH_CSV_COLUMNS, reach_csv_rows, reach_pdf, reach_statistics

    a = ctx.args
    out = Path(a.out).expanduser()
    if out.suffix.lower() != ".csv":
        raise CliError("--out: must end in .csv")
    pdf = Path(a.pdf).expanduser() if a.pdf else None
    if pdf is not None and pdf.suffix.lower() != ".pdf":
        raise CliError("--pdf: must end in .pdf")
    session = ctx.session()
    report = reach_statistics(session, _day("--from", a.start), _day("--to", a.end))
    write_file_atomically(out, lambda: csv_bytes(REACH_CSV_COLUMNS, reach_csv_rows(report)))
    print(f"Wrote {len(report.tables)} tables to {out}")
    if pdf is not None:
        from centre_desk.printing.renderer import PdfRenderer

        write_file_atomically(pdf, lambda: reach_pdf(session, PdfRenderer(), report))
        print(f"Wrote the report with charts to {pdf}")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    stats = sub.add_parser("stats", help="anonymised statistics").add_subparsers(
        dest="stats_command", required=True, parser_class=Parser)
    reach = stats.add_parser("reach", help="who the centres reach, counts of 1-4 suppressed")
    reach.add_argument("--from", dest="start", help="YYYY-MM-DD (default: from the first record)")
    reach.add_argument("--to", dest="end", help="YYYY-MM-DD (default today)")
    reach.add_argument("--out", required=True, help="FILE.csv")
    reach.add_argument("--pdf", help="also FILE.pdf with charts")
    reach.set_defaults(handler=cmd_reach)
