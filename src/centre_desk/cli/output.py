"""What the admin tool prints or writes from stored text: nothing a terminal or a spreadsheet acts on.

Input checks refuse control and direction characters, but a store made before them, or an old
import, may still hold some; so every stored value is escaped on the way out as well.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

from centre_desk.domain.text import json_safe, spreadsheet_safe, terminal_safe


def json_line(record: Any) -> str:
    """One JSON object on one line, readable by any JSON parser and harmless on a terminal."""
    return json_safe(json.dumps(record, ensure_ascii=False))


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """UTF-8 CSV in which no cell can start a spreadsheet formula (``=HYPERLINK(...)``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8")


class _SafeStream:
    """A text stream that escapes control and direction characters, keeping the line breaks of
    the lines being printed (each stored value is escaped, line breaks included, by its command)."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write("\n".join(terminal_safe(part) for part in text.split("\n")))
        return len(text)

    def flush(self) -> None:
        self._inner.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextmanager
def safe_terminal_output() -> Iterator[None]:
    """For the length of one command, stdout and stderr escape anything a terminal would act on."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _SafeStream(sys.stdout), _SafeStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
