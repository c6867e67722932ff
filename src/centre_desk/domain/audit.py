"""The audit chain: every entry's hash covers the previous entry's hash and its own content.

Entries carry identifiers (staff id, record id) and action names, never personal data, so that
erasing a household never needs to touch — and so never breaks — the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

GENESIS_HASH = "0" * 64

# Where an entry came from. ``store`` entries were written by a signed-in session inside the
# encrypted store. ``reported`` entries record events that happened while nobody was signed in
# (failed sign-ins kept in ``signin-state.json``): anyone holding the files could have written
# those, so they are kept, and shown, as reported and unauthenticated.
SOURCE_STORE = "store"
SOURCE_REPORTED = "reported"
SOURCES = (SOURCE_STORE, SOURCE_REPORTED)

# The longest detail an entry may carry. The sync server accepts every entry up to this (its API
# checks the same number), so no entry a device writes can make the server refuse its pushes for
# ever: an entry past it is a programming error, refused where it is made.
DETAIL_MAX = 100_000


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str  # staff id, or "system" / "recovery"
    action: str  # e.g. "sign-in", "staff.add", "household.view"
    record_ref: str | None
    detail: str | None  # non-personal detail: a role name, a count, a form id
    prev_hash: str
    hash: str
    source: str = SOURCE_STORE

    @property
    def authenticated(self) -> bool:
        return self.source == SOURCE_STORE


def canonical(seq: int, at: datetime, actor: str, action: str, record_ref: str | None,
              detail: str | None, source: str = SOURCE_STORE) -> bytes:
    body: dict[str, object] = {
        "seq": seq,
        "at": at.isoformat(),
        "actor": actor,
        "action": action,
        "ref": record_ref,
        "detail": detail,
    }
    if source != SOURCE_STORE:
        # Entries written before sources existed were all store entries; leaving the default out
        # keeps their hashes, while a reported entry cannot be passed off as a store entry.
        body["source"] = source
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def chain_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + content).hexdigest()


def make_entry(prev: AuditEntry | None, at: datetime, actor: str, action: str,
               record_ref: str | None = None, detail: str | None = None,
               source: str = SOURCE_STORE) -> AuditEntry:
    head = None if prev is None else Head(prev.seq, prev.hash)
    return entry_after(head, at, actor, action, record_ref, detail, source)


def entry_after(head: Head | None, at: datetime, actor: str, action: str,
                record_ref: str | None = None, detail: str | None = None,
                source: str = SOURCE_STORE) -> AuditEntry:
    """The entry that extends the chain whose last entry is ``head`` (None: an empty chain)."""
    if source not in SOURCES:
        raise ValueError("unknown audit source")
    if detail is not None and len(detail) > DETAIL_MAX:
        raise ValueError(f"audit detail longer than {DETAIL_MAX} characters")
    seq = 1 if head is None else head.count + 1
    prev_hash = GENESIS_HASH if head is None else head.hash
    digest = chain_hash(prev_hash, canonical(seq, at, actor, action, record_ref, detail, source))
    return AuditEntry(seq, at, actor, action, record_ref, detail, prev_hash, digest, source)


@dataclass(frozen=True)
class Head:
    """A point of the chain someone has written down (or a server has anchored): entry count and the
    last entry's hash. A later chain must still hold that entry with that hash; one that does not was
    truncated or rewritten, even if every link in it verifies."""

    count: int
    hash: str

    def __str__(self) -> str:
        return f"{self.count}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """``N:HASH`` as printed by ``audit head``; raises ValueError with a plain reason."""
        count_text, sep, digest = text.strip().partition(":")
        if not sep or not count_text.isdigit() or int(count_text) < 1:
            raise ValueError("expected the form N:HASH, as printed by 'audit head'")
        digest = digest.lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError("the hash must be 64 hexadecimal characters")
        return cls(int(count_text), digest)


@dataclass(frozen=True)
class ChainReport:
    count: int
    first_broken: int | None  # sequence number of the first entry that does not verify
    reason: str = ""
    head: Head | None = None  # the last entry, when the chain is not empty
    reported: int = 0  # entries recorded from outside the store (unauthenticated)

    @property
    def intact(self) -> bool:
        return self.first_broken is None


def verify(entries: list[AuditEntry], expect: Head | None = None) -> ChainReport:
    """Walk the chain in sequence order and name the first entry that does not verify.

    With ``expect``, the chain must also still extend that earlier head: deleting the last entries,
    or deleting entries and recomputing every hash after them, leaves a chain whose links all verify
    but which no longer holds the expected entry.
    """
    prev_hash = GENESIS_HASH
    expected_seq = 1
    reported = 0
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainReport(len(entries), expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev_hash:
            return ChainReport(len(entries), entry.seq, "its link to the previous entry does not match")
        content = canonical(entry.seq, entry.at, entry.actor, entry.action, entry.record_ref, entry.detail,
                            entry.source)
        if chain_hash(prev_hash, content) != entry.hash:
            return ChainReport(len(entries), entry.seq, "its content does not match its hash")
        if expect is not None and entry.seq == expect.count and entry.hash != expect.hash:
            return ChainReport(len(entries), entry.seq,
                               "it is not the entry written down earlier as the head: entries up to "
                               "here were removed or rewritten")
        if not entry.authenticated:
            reported += 1
        prev_hash = entry.hash
        expected_seq += 1
    count = expected_seq - 1
    head = Head(count, prev_hash) if count else None
    if expect is not None and count < expect.count:
        return ChainReport(count, count + 1,
                           f"the chain ends after {count} entries but {expect.count} were written down "
                           "earlier: entries were removed from its end", head, reported)
    return ChainReport(count, None, "", head, reported)


# ---- which households an entry showed to someone ("who has seen and who has received")

VIEWED = "household.viewed"
# Entries that hand a household's information to someone; their record_ref is the household.
RECEIPT_ACTIONS = ("print.", "export.", "subject-access.")
# Listings whose detail names every household they showed: "N shown: ID ID ..." (search results,
# a session's register). The duplicates review queue's entry names none (its detail is counts), so
# only the device that showed it knows which households were in it.
LISTING_ACTIONS = ("household.searched", "session.register-viewed")
_SHOWN = "shown: "
_ID_CHARS = frozenset("0123456789abcdefABCDEF-")


def households_shown(action: str, record_ref: str | None, detail: str | None) -> tuple[str, ...]:
    """The households an audit entry showed or handed to someone, as far as the entry itself
    names them: a view, print, export or subject access preview names its household as the record;
    a search or register listing names them in its detail. The device indexes these locally
    (``household_reads``), the server from the pushed entries (``device_audit_households``)."""
    if action == VIEWED or action.startswith(RECEIPT_ACTIONS):
        return (record_ref,) if record_ref else ()
    if action in LISTING_ACTIONS and detail:
        _count, sep, ids = detail.partition(_SHOWN)
        if sep:
            return tuple(dict.fromkeys(i for i in ids.split() if len(i) <= 36 and set(i) <= _ID_CHARS))
    return ()
