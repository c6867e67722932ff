"""Which people across the store are probably one person entered twice.

Two steps, as record-linkage toolkits do:

1. **Blocking.** Each person gets a handful of keys; only people who share a key are compared, so
   the work grows with the store, not with its square. The keys (phonetic codes are jellyfish's
   Metaphone of the folded name):

   - ``d``: date of birth with day and month put in order (so a day/month swap shares it) plus the
     phonetic code of one name (first name, surname, each part of a double surname; nickname
     groups count as a name). A typo in one name still leaves the other in common.
   - ``i``: the same date key plus both initials, sorted: typos in both names, date exact.
   - ``y`` / ``e`` / ``m``: the two names' codes, sorted (so swapped first and last names share
     them), with year and month, year and day, or day and month in order: one mistyped digit of
     the date of birth leaves two of the three as they were.
   - ``p``: the postcode with one name's code; ``a``: the first address line (folded): the same
     family keyed again at the same place with a mistyped date and a name, or with no date of
     birth on one side. (The names' codes alone made blocks of thousands at 100,000 households
     and found little that these do not.)

   A block holding more than ``max_block`` people is left out (a very common name with no date);
   ``last_stats`` says how many were.

2. **Scoring** of each candidate pair, 0-1: ``0.5 × name + 0.35 × date of birth + 0.15 × place``.

   - name: each of first name and surname is 1.0 when equal (folded: accents and case dropped, so
     Wójcik = Wojcik), 0.95 for names in one nickname/transliteration group (``nicknames.txt``),
     0.93 when they sound alike (same Metaphone code: Mohammed / Muhammad, Aleksandra /
     Alexandra), otherwise rapidfuzz's Jaro-Winkler similarity (typos, dropped letters). A double
     surname sharing a part with the other scores 0.92. Names compared swapped too (first against
     last). ``name = min(first, last) / 2 + (first + last) / 4``: both must be close.
   - date of birth: 1.0 equal, 0.9 day and month swapped, 0.75 one digit wrong or two neighbouring
     digits transposed, 0.4 when either is missing, otherwise 0.
   - place: 1.0 same postcode, 0.9 same first address line, 0.8 postcode one character apart,
     0.6 same postcode sector, 0.5 when either is missing, 0.2 otherwise (families move).

   A pair whose name score is below ``min_name`` is never offered, whatever else agrees.

Reasons are the fixed phrases of ``domain.duplicates.REASONS``: never a name, date or postcode.
"""

from __future__ import annotations

import gc
import re
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from pathlib import Path

import jellyfish
from rapidfuzz.distance import OSA, Indel, JaroWinkler, Levenshtein

from centre_desk.domain.duplicates import DuplicatePair, PersonRecord, pair_key
from centre_desk.domain.text import fold

NICKNAMES_FILE = Path("matching") / "nicknames.txt"
_APOSTROPHES = re.compile(r"['’`´]")
_NOT_LETTERS = re.compile(r"[^a-z]+")

W_NAME, W_DOB, W_PLACE = 0.5, 0.35, 0.15

SAME, NICK, SOUND, SPELT, PART = "same", "nick", "sound", "spelt", "part"


def load_nicknames(resources: Path) -> dict[str, frozenset[int]]:
    """name -> the groups it belongs to, from ``resources/matching/nicknames.txt`` (one group a line)."""
    table: dict[str, set[int]] = defaultdict(set)
    text = (resources / NICKNAMES_FILE).read_text(encoding="utf-8")
    group = 0
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        group += 1
        for name in line.split(","):
            key = _letters(name)
            if key:
                table[key].add(group)
    return {k: frozenset(v) for k, v in table.items()}


@lru_cache(maxsize=1 << 16)
def _parts(value: str) -> tuple[str, ...]:
    return tuple(p for p in _NOT_LETTERS.split(_APOSTROPHES.sub("", fold(value))) if p)


def _letters(value: str) -> str:
    return "".join(_parts(value))


@lru_cache(maxsize=1 << 16)
def _phon(word: str) -> str:
    return jellyfish.metaphone(word) if word else ""


@dataclass(slots=True)
class _Person:
    rec: PersonRecord
    first: str
    first_tok: str
    last: str
    last_parts: tuple[str, ...]
    first_codes: frozenset[str]  # metaphone of the first name, and "#<group>" of its nickname groups
    last_codes: frozenset[str]
    dob: str | None  # YYYYMMDD
    dob_key: str | None  # year + day and month in order
    pc: str | None
    addr: str
    codes: frozenset[str]  # first_codes | last_codes
    name_pairs: tuple[str, ...]  # "a|b" for each first-name code and surname code, sorted


def _dob_key(dob: str) -> str:
    mm, dd = dob[4:6], dob[6:8]
    return dob[:4] + min(mm, dd) + max(mm, dd)


class PeopleMatcher:
    """``services.ports.PersonMatcher`` over rapidfuzz and jellyfish."""

    def __init__(self, nicknames: Mapping[str, frozenset[int]] | None = None, *, min_name: float = 0.8,
                 max_block: int = 60) -> None:
        self.nicknames = dict(nicknames or {})
        self.min_name = min_name
        self.max_block = max_block
        self.last_stats: dict[str, float] = {}
        # Names repeat a great deal (a store of 100,000 households holds a few thousand distinct
        # ones), so what is worked out from a name, and each comparison of two names, is kept.
        self._first_info: dict[str, tuple[str, str, frozenset[str]]] = {}
        self._last_info: dict[str, tuple[str, tuple[str, ...], frozenset[str]]] = {}
        self._tokens: dict[tuple[str, str], tuple[float, str]] = {}
        self._names: dict[tuple[str, str], tuple[frozenset[str], tuple[str, ...]]] = {}

    # -- preparing -------------------------------------------------------------------------------
    def _first(self, name: str) -> tuple[str, str, frozenset[str]]:
        info = self._first_info.get(name)
        if info is None:
            parts = _parts(name)
            first = "".join(parts)
            tok = parts[0] if parts else ""
            codes = {_phon(tok)} | {f"#{g}" for g in self.nicknames.get(tok, ())}
            codes |= {f"#{g}" for g in self.nicknames.get(first, ())}
            info = self._first_info[name] = (first, tok, frozenset(c for c in codes if c))
        return info

    def _last(self, name: str) -> tuple[str, tuple[str, ...], frozenset[str]]:
        info = self._last_info.get(name)
        if info is None:
            parts = tuple(p for p in _parts(name) if len(p) > 1) or _parts(name)
            last = "".join(parts)
            codes = {_phon(p) for p in parts} | {_phon(last)}
            info = self._last_info[name] = (last, parts, frozenset(c for c in codes if c))
        return info

    def _prepare(self, r: PersonRecord) -> _Person:
        first, first_tok, fcodes = self._first(r.first_name)
        last, last_parts, lcodes = self._last(r.last_name)
        dob = (r.date_of_birth or "").replace("-", "")
        dob_ok = dob if len(dob) == 8 and dob.isdigit() else None
        pc = "".join((r.postcode or "").split()).upper() or None
        names = self._names.get((r.first_name, r.last_name))
        if names is None:
            pairs = {f"{a}|{b}" if a <= b else f"{b}|{a}" for a in fcodes for b in lcodes}
            names = self._names[(r.first_name, r.last_name)] = (fcodes | lcodes, tuple(sorted(pairs)))
        return _Person(r, first, first_tok, last, last_parts, fcodes, lcodes, dob_ok,
                       _dob_key(dob_ok) if dob_ok else None, pc, " ".join(_parts(r.address)) if r.address else "",
                       names[0], names[1])

    @staticmethod
    def _keys(p: _Person) -> set[str]:
        codes = p.codes
        keys: set[str] = set()
        if p.dob_key:
            keys.update(f"d{p.dob_key}{c}" for c in codes)
            if p.first and p.last:
                keys.add(f"i{p.dob_key}{''.join(sorted(p.first[0] + p.last[0]))}")
        if p.pc:
            keys.update(f"p{p.pc}|{c}" for c in codes)
        if p.addr:
            keys.add(f"a{p.addr}")
        dob, dob_key = p.dob, p.dob_key
        if dob and dob_key:
            # One wrong digit leaves two of year, month and day as they were.
            ym, yd, md = dob[:6], dob[:4] + dob[6:], dob_key[4:]
            for pair in p.name_pairs:
                keys.add(f"y{pair}|{ym}")
                keys.add(f"e{pair}|{yd}")
                keys.add(f"m{pair}|{md}")
        return keys

    # -- comparing -------------------------------------------------------------------------------
    def _token(self, a: str, b: str) -> tuple[float, str]:
        key = (a, b) if a <= b else (b, a)
        found = self._tokens.get(key)
        if found is None:
            if len(self._tokens) > 2_000_000:
                self._tokens.clear()
            found = self._tokens[key] = self._token_uncached(*key)
        return found

    def _token_uncached(self, a: str, b: str) -> tuple[float, str]:
        if not a or not b:
            return 0.0, SPELT
        if a == b:
            return 1.0, SAME
        ga, gb = self.nicknames.get(a), self.nicknames.get(b)
        if ga and gb and ga & gb:
            return 0.95, NICK
        if len(a) > 2 and len(b) > 2 and _phon(a) == _phon(b):
            return 0.93, SOUND
        # Jaro-Winkler finds no match in a two- or three-letter name with a letter dropped (its
        # window is empty there); the Indel ratio does (Ivy / Iy).
        return max(JaroWinkler.normalized_similarity(a, b), Indel.normalized_similarity(a, b)), SPELT

    def _first_sim(self, a: _Person, b: _Person) -> tuple[float, str]:
        whole = self._token(a.first, b.first)
        if a.first_tok != a.first or b.first_tok != b.first:
            tok = self._token(a.first_tok, b.first_tok)
            if tok[0] > whole[0]:
                return tok
        return whole

    def _last_sim(self, a: _Person, b: _Person) -> tuple[float, str]:
        best = self._token(a.last, b.last)
        if best[0] < 1.0 and (len(a.last_parts) > 1 or len(b.last_parts) > 1):
            for pa in a.last_parts:
                for pb in b.last_parts:
                    s, _ = self._token(pa, pb)
                    if s >= 0.93 and best[0] < 0.92:
                        best = (0.92, PART)
        return best

    @staticmethod
    def _name(f: float, la: float) -> float:
        return min(f, la) / 2 + (f + la) / 4

    def compare(self, a: PersonRecord, b: PersonRecord) -> tuple[float, tuple[str, ...]]:
        """Score 0-1 and the reasons, for two people (whatever the blocks say)."""
        return self._score(self._prepare(a), self._prepare(b))

    def _score(self, a: _Person, b: _Person) -> tuple[float, tuple[str, ...]]:
        f, fk = self._first_sim(a, b)
        la, lk = self._last_sim(a, b)
        name = self._name(f, la)
        swapped = False
        if name < 0.99:
            sf, sfk = self._token(a.first, b.last)
            sl, slk = self._token(a.last, b.first)
            alt = self._name(sf, sl) * 0.98
            if alt > name + 0.02:
                name, f, fk, la, lk, swapped = alt, sf, sfk, sl, slk, True
        if name < self.min_name:
            return 0.0, ()
        reasons: list[str] = []
        kinds = {fk, lk}
        if swapped:
            reasons.append("first and last names swapped")
        if kinds == {SAME}:
            reasons.append("same name")
        else:
            if SOUND in kinds:
                reasons.append("name sounds alike")
            if NICK in kinds:
                reasons.append("known nickname or other spelling")
            if PART in kinds:
                reasons.append("shares part of a double surname")
            if SPELT in kinds:
                reasons.append("name spelt alike")
        if a.dob and b.dob:
            if a.dob == b.dob:
                dob = 1.0
                reasons.append("same date of birth")
            elif a.dob_key == b.dob_key:
                dob = 0.9
                reasons.append("date of birth with day and month swapped")
            elif OSA.distance(a.dob, b.dob, score_cutoff=1) <= 1:
                dob = 0.75
                reasons.append("date of birth one digit apart")
            else:
                dob = 0.0
        else:
            dob = 0.4
        if a.pc and b.pc:
            if a.pc == b.pc:
                place, why = 1.0, "same postcode"
            elif a.addr and a.addr == b.addr:
                place, why = 0.9, "same address"
            elif Levenshtein.distance(a.pc, b.pc, score_cutoff=1) <= 1:
                place, why = 0.8, "postcode one character apart"
            elif a.pc[:-2] == b.pc[:-2]:
                place, why = 0.6, "same postcode sector"
            else:
                place, why = 0.2, "different postcode (moved?)"
        elif a.addr and a.addr == b.addr:
            place, why = 0.9, "same address"
        else:
            place, why = 0.5, ""
        if why:
            reasons.append(why)
        score = W_NAME * name + W_DOB * dob + W_PLACE * place
        return round(min(1.0, score), 4), tuple(reasons)

    # -- the whole store -------------------------------------------------------------------------
    def pairs(self, people: Sequence[PersonRecord], threshold: float) -> list[DuplicatePair]:
        """Every pair of people in different households scoring at least ``threshold``, best first."""
        started = time.perf_counter()
        # Millions of small objects are made here and none is garbage: automatic collections would
        # walk them again and again (a third of the time at 100,000 households).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._pairs(people, threshold, started)
        finally:
            if collecting:
                gc.enable()

    def _pairs(self, people: Sequence[PersonRecord], threshold: float, started: float) -> list[DuplicatePair]:
        prepared = [self._prepare(r) for r in people]
        prepared_at = time.perf_counter()
        blocks: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(prepared):
            for key in self._keys(p):
                blocks[key].append(i)
        blocked_at = time.perf_counter()
        seen: set[int] = set()
        n = len(prepared)
        found: list[DuplicatePair] = []
        skipped = compared = 0
        for members in blocks.values():
            if len(members) < 2:
                continue
            if len(members) > self.max_block:
                skipped += 1
                continue
            for i, j in combinations(members, 2):
                a, b = prepared[i], prepared[j]
                if a.rec.household_id == b.rec.household_id:
                    continue
                k = i * n + j if i < j else j * n + i
                if k in seen:
                    continue
                seen.add(k)
                compared += 1
                score, reasons = self._score(a, b)
                if score and score >= threshold:  # 0: the names are too far apart, never offered
                    found.append(_pair(a.rec, b.rec, score, reasons))
        scored_at = time.perf_counter()
        found.sort(key=lambda d: (-d.score, d.person_ids))
        done = time.perf_counter()
        self.last_stats = {"people": n, "blocks": len(blocks), "blocks_left_out": skipped,
                           "pairs_compared": compared, "seconds": round(done - started, 3),
                           "prepare_s": round(prepared_at - started, 3), "block_s": round(blocked_at - prepared_at, 3),
                           "score_s": round(scored_at - blocked_at, 3), "sort_s": round(done - scored_at, 3)}
        return found


def _pair(a: PersonRecord, b: PersonRecord, score: float, reasons: tuple[str, ...]) -> DuplicatePair:
    ids = pair_key(a.person_id, b.person_id)
    households = (a.household_id, b.household_id) if ids[0] == a.person_id else (b.household_id, a.household_id)
    return DuplicatePair(ids, households, score, reasons)
