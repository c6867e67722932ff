"""The audit chain on its own: links, heads written down earlier, reported entries."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from centre_desk.domain.audit import SOURCE_REPORTED, AuditEntry, Head, make_entry, verify

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def chain(n: int, start: list[AuditEntry] | None = None) -> list[AuditEntry]:
    entries = list(start or [])
    for i in range(n):
        prev = entries[-1] if entries else None
        entries.append(make_entry(prev, T0 + timedelta(minutes=len(entries)), "staff-1", "household.viewed",
                                  f"h-{i}"))
    return entries


def rebuilt(entries: list[AuditEntry]) -> list[AuditEntry]:
    """What someone holding the key does to hide deletions: renumber and recompute every hash."""
    out: list[AuditEntry] = []
    for e in entries:
        out.append(make_entry(out[-1] if out else None, e.at, e.actor, e.action, e.record_ref, e.detail,
                              e.source))
    return out


def test_an_intact_chain_reports_its_head() -> None:
    entries = chain(5)
    report = verify(entries)
    assert report.intact and report.count == 5
    assert report.head == Head(5, entries[-1].hash)


def test_a_truncated_tail_verifies_alone_but_not_against_the_head_written_down() -> None:
    entries = chain(10)
    head = Head(10, entries[-1].hash)
    truncated = entries[:7]
    assert verify(truncated).intact  # the finding: truncation alone is invisible
    report = verify(truncated, head)
    assert not report.intact
    assert report.first_broken == 8
    assert "removed from its end" in report.reason


def test_entries_deleted_and_the_chain_recomputed_are_caught_by_the_head() -> None:
    entries = chain(10)
    head = Head(10, entries[-1].hash)
    # Entries 4 and 5 removed, two harmless-looking ones added at the end so the count matches.
    padding = [replace(entries[-1], action="sign-in"), replace(entries[-1], action="lock")]
    forged = rebuilt(entries[:3] + entries[5:] + padding)
    assert verify(forged).intact and len(forged) == 10
    report = verify(forged, head)
    assert not report.intact and report.first_broken == 10
    assert "removed or rewritten" in report.reason


def test_a_longer_chain_still_extends_an_earlier_head() -> None:
    entries = chain(4)
    head = Head(4, entries[-1].hash)
    longer = chain(6, entries)
    assert verify(longer, head).intact


def test_a_reported_entry_cannot_be_passed_off_as_a_store_entry() -> None:
    first = make_entry(None, T0, "unknown", "sign-in.failed", "abcd", source=SOURCE_REPORTED)
    assert not first.authenticated
    assert verify([first]).reported == 1
    relabelled = replace(first, source="store")
    report = verify([relabelled])
    assert not report.intact and report.first_broken == 1


@pytest.mark.parametrize("text", ["", "12", "x:" + "a" * 64, "0:" + "a" * 64, "3:" + "g" * 64, "3:abc"])
def test_a_malformed_head_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match=r"N:HASH|hexadecimal"):
        Head.parse(text)


def test_a_head_reads_back_from_what_it_prints() -> None:
    head = Head(42, "ab" * 32)
    assert Head.parse(str(head)) == head
    assert Head.parse(f" 42:{'AB' * 32} ") == head
