"""Duplicate matching: precision, recall and F1 of the review queue on labelled synthetic people,
and the time to review a 100,000-household store. Prints one JSON object.

    python bench/duplicates.py [--people 6000] [--tune-seed 1] [--test-seed 2]
                               [--store /tmp/dups-bench/store] [--households 100000] [--runs 3]

Targets (issue 12): precision >= 0.98 and recall >= 0.95 at the default threshold; the review of a
100,000-household store in under 60 s.

The labelled population (``population``): families of one to five people (a mother, often a
father or partner, up to four children) sharing a surname, an address and a postcode, with first
names and surnames from English, Polish, Romanian, Portuguese, Somali, Bengali and Urdu lists (so
a coincidental same-name pair in one year is as rare as it is at a real centre: roughly 1,000
surnames and 300 first names). A quarter of the families are registered a second time (a paper
form keyed again, an import from the old spreadsheet, another laptop): all or some of the people
again, each field with entry errors drawn from this **error model**, independently per person:

- first name: nickname or other spelling from ``resources/matching/nicknames.txt`` 15 %,
  accents dropped (Wójcik -> Wojcik) wherever there are any;
- each name, once at most: a typo by keyboard distance (a QWERTY neighbour for one letter) 12 %,
  two neighbouring letters transposed 6 %, a letter dropped 6 %, a letter doubled 3 %;
- first and last name swapped 4 %; a double surname gaining or losing a part 4 %;
- date of birth: day and month swapped 8 % (when both are 12 or less), one digit mistyped 5 %,
  left blank 3 %;
- postcode: one character mistyped 8 %, left blank 5 %; the family moved (new address and
  postcode) 15 %.

Truth is the set of (original, re-keyed) person pairs. The threshold is chosen on ``--tune-seed``
(the highest F1 with precision >= 0.98) and the figures are reported on ``--test-seed``, both at
the default threshold in ``domain.duplicates.DEFAULT_THRESHOLD`` and at the tuned one.

Time at 100,000 households: the service call managers make (``review_duplicates``: read every
household from the encrypted store, block, score, drop dismissed pairs, audit), ``--runs`` times
on the demo-data store (made with ``demo-data``'s generator if missing; its small name lists make
blocks larger than at a real centre, so it is the harder case for time). Reference in the same
run: reading and parsing every household record alone (``people``), with the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from centre_desk.domain.duplicates import DEFAULT_THRESHOLD, PersonRecord, pair_key
from centre_desk.wiring import person_matcher

FIRST_F = ("Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow Florence Emily Ella "  # noqa: SIM905
           "Poppy Evie Elsie Charlotte Evelyn Sienna Daisy Phoebe Sophie Harper Alice Ruby Matilda Millie "
           "Chloe Jessica Hannah Lucy Holly Megan Amber Lauren Bethany Abigail Katie Rebecca Natalie Sarah "
           "Rachel Emma Laura Zofia Zuzanna Julia Maja Hanna Lena Alicja Oliwia Amelia Wiktoria Natalia "
           "Aleksandra Katarzyna Magdalena Agnieszka Ioana Elena Andreea Maria Cristina Gabriela Inês "
           "Beatriz Leonor Mariana Matilde Hodan Fadumo Ayaan Ifrah Nimco Khadra Nusrat Tahmina Farhana "
           "Ayesha Shirin Sumaiya Fatima Zainab Maryam Hira Aisha Sana Amina Khadija Safiya Elizabeth "
           "Margaret Victoria Patricia Jennifer Susan Deborah Catherine Kerry Leanne Gemma Stacey Danielle "
           "Kirsty Jade Chantelle Tracey Joanne Nicola Samantha Claire Louise Michelle Kelly Donna").split()
FIRST_M = ("Oliver George Noah Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack Charlie "  # noqa: SIM905
           "Finley Alfie Thomas William James Joshua Daniel Samuel Benjamin Joseph Lewis Ryan Jake Luke "
           "Liam Connor Callum Kieran Nathan Adam Jakub Antoni Jan Szymon Franciszek Filip Aleksander "
           "Mikolaj Wojciech Piotr Krzysztof Andrei Alexandru Mihai Ionut Stefan João Gonçalo Tomás Martim "
           "Rodrigo Simão Abdirahman Hamza Yusuf Mahad Abdullahi Rahim Arif Sabbir Rafiq Tanvir Bilal Imran "
           "Hassan Usman Ibrahim Ahmed Hussein Omar Ali Zain Robert Richard Michael Christopher Matthew "
           "Anthony Edward Nicholas Stephen Andrew Gregory Peter Paul Mark Darren Craig Wayne Shane Dean "
           "Lee Carl Gary Kevin Jason Scott Stuart Gavin Neil Ross Dale Ashley Jamie Kyle Reece Brandon").split()
SURNAMES = ("Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson "  # noqa: SIM905
            "Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner "
            "Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott "
            "Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson "
            "Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams "
            "Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell "
            "Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins "
            "Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott "
            "Reynolds Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer "
            "Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong Francis Rees "
            "Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods "
            "Parsons Berry Stone Reid Holland Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy "
            "Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop Walton Burns "
            "Nicholson Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates "
            "Hodgson Robson Curtis Hopkins O'Connor Harper Coleman Watkins Moss McCarthy Chambers Griffin "
            "Sharp Hardy Wheeler Potter Osborne Johnston Gordon Doyle Wallace George Jordan Hutchinson Rowe "
            "Burke May Pritchard Gilbert Willis Higgins Read Miles Stevenson Stephenson Hammond Arnold Buckley "
            "Walters Hewitt Barber Nelson Slater Austin Sullivan Whitehead Mann Frost Lambert Stephens Blake "
            "Akhtar Lynch Goodwin Barton Woodward Thomson Cunningham Quinn Barnett Baxter Bibi Clayton Nash "
            "Greenwood Jennings Holt Kemp Poole Gallagher Bond Stokes Tucker Davidson Fowler Heath Norman "
            "Middleton Lawson Banks French Stanley Jarvis Gibbs Ferguson Hayward Carroll Douglas Dickinson "
            "Nowak Kowalski Wiśniewska Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak "
            "Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk Piotrowski Grabowski Nowakowski "
            "Pawłowski Michalski Nowicki Adamczyk Dudek Zając Wieczorek Jabłoński Król Majewski Olszewski "
            "Jaworski Wróbel Malinowski Pawlak Witkowski Walczak Stępień Górski Rutkowski Michalak Sikora "
            "Ostrowski Baran Duda Szewczyk Tomaszewski Pietrzak Marciniak Wróblewski Zalewski Jakubowski "
            "Popescu Rădulescu Ionescu Dumitru Stan Stoica Gheorghe Matei Ciobanu Constantin Munteanu Florea "
            "Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Jesus Sousa Fernandes Gonçalves "
            "Gomes Lopes Marques Alves Almeida Ribeiro Pinto Carvalho Teixeira Moreira Correia Mendes "
            "Abdi Hassan Farah Warsame Mohamud Jama Osman Aden Yusuf Omar Ismail Nur Elmi Egal Duale "
            "Rahman Hossain Uddin Chowdhury Islam Miah Sarkar Ahmed Alam Haque Karim Sultana Mia Bhuiyan "
            "Hussain Malik Iqbal Qureshi Mahmood Butt Aslam Javed Rashid Anwar Sheikh Raza Siddiqui Bashir").split()
STREETS = ("High Street", "Station Road", "Church Lane", "Sea Road", "Meadow Way", "Orchard Close", "Victoria Road",
           "Moor Lane", "Hill Road", "Brook Street", "Locking Road", "Milton Road", "Park Avenue", "Mill Lane",
           "Queens Road", "Kings Road", "Manor Close", "The Green", "School Lane", "North Street")
DISTRICTS = ("BS20", "BS21", "BS22", "BS23", "BS24", "BS48", "BS49", "TA1", "TA2", "TA6", "BA11", "BA20", "BA21")
UNIT = "ABDEFGHJLNPQRSTUWXYZ"
ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _neighbours() -> dict[str, str]:
    pos = {c: (r, i) for r, row in enumerate(ROWS) for i, c in enumerate(row)}
    out: dict[str, str] = {}
    for c, (r, i) in pos.items():
        near = [d for d, (r2, i2) in pos.items() if d != c and abs(r2 - r) <= 1 and abs(i2 - i) <= 1]
        out[c] = "".join(near)
    return out


NEAR = _neighbours()


def _nick_groups() -> list[list[str]]:
    root = Path(__file__).resolve().parents[1] / "resources" / "matching" / "nicknames.txt"
    groups = []
    for line in root.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            groups.append([n.strip().title() for n in line.split(",") if n.strip()])
    return groups


GROUPS = _nick_groups()
NICK = {n.lower(): g for g in GROUPS for n in g}


def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).replace("ł", "l")


@dataclass
class Errors:
    rng: random.Random
    counts: dict[str, int]

    def hit(self, p: float, kind: str) -> bool:
        if self.rng.random() < p:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            return True
        return False

    def typo(self, name: str) -> str:
        rng = self.rng
        if len(name) < 3:
            return name
        i = rng.randrange(1, len(name))
        if self.hit(0.12, "keyboard typo"):
            c = name[i].lower()
            if c in NEAR:
                return name[:i] + rng.choice(NEAR[c]) + name[i + 1:]
        elif self.hit(0.06, "transposition"):
            i = min(i, len(name) - 2)
            return name[:i] + name[i + 1] + name[i] + name[i + 2:]
        elif self.hit(0.06, "dropped letter"):
            return name[:i] + name[i + 1:]
        elif self.hit(0.03, "doubled letter"):
            return name[:i] + name[i] + name[i:]
        return name

    def person(self, p: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        first, last, dob = p["first_name"], p["last_name"], p["date_of_birth"]
        if first.lower() in NICK and self.hit(0.15, "nickname or other spelling"):
            first = rng.choice([n for n in NICK[first.lower()] if n.lower() != first.lower()])
        first, last = strip_accents(first), strip_accents(last)
        first, last = self.typo(first), self.typo(last)
        if self.hit(0.04, "names swapped"):
            first, last = last, first
        elif self.hit(0.04, "double surname changed"):
            last = last.split("-")[0] if "-" in last else f"{last}-{rng.choice(SURNAMES)}"
        if dob:
            y, m, d = dob.split("-")
            if int(d) <= 12 and d != m and self.hit(0.08, "day and month swapped"):
                dob = f"{y}-{d}-{m}"
            elif self.hit(0.05, "date digit mistyped"):
                for _ in range(20):
                    digits = list(y + m + d)
                    k = rng.randrange(2, 8)
                    digits[k] = str(rng.randrange(10))
                    s = "".join(digits)
                    try:
                        dob = date(int(s[:4]), int(s[4:6]), int(s[6:])).isoformat()
                        break
                    except ValueError:
                        continue
            elif self.hit(0.03, "date left blank"):
                dob = None
        return {**p, "first_name": first, "last_name": last, "date_of_birth": dob}


def _dob(rng: random.Random, lo: int, hi: int) -> str:
    return (date(lo, 1, 1) + timedelta(days=rng.randrange((date(hi, 12, 31) - date(lo, 1, 1)).days))).isoformat()


def _postcode(rng: random.Random) -> str:
    return f"{rng.choice(DISTRICTS)} {rng.randint(1, 9)}{rng.choice(UNIT)}{rng.choice(UNIT)}"


def population(seed: int, people: int) -> tuple[list[PersonRecord], set[tuple[str, str]], dict[str, int]]:
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    errors = Errors(rng, counts)
    out: list[PersonRecord] = []
    truth: set[tuple[str, str]] = set()
    n = 0
    h = 0

    def pid() -> str:
        nonlocal n
        n += 1
        return f"p{n}"

    while len(out) < people:
        h += 1
        surname = rng.choice(SURNAMES)
        if rng.random() < 0.05:
            surname = f"{surname}-{rng.choice(SURNAMES)}"
        members = [{"first_name": rng.choice(FIRST_F), "last_name": surname, "date_of_birth": _dob(rng, 1976, 2006)}]
        if rng.random() < 0.6:
            members.append({"first_name": rng.choice(FIRST_M), "last_name": surname if rng.random() < 0.7
                            else rng.choice(SURNAMES), "date_of_birth": _dob(rng, 1970, 2005)})
        for _ in range(rng.choices((0, 1, 2, 3, 4), (10, 35, 33, 15, 7))[0]):
            members.append({"first_name": rng.choice(FIRST_F + FIRST_M), "last_name": surname,
                            "date_of_birth": _dob(rng, 2013, 2026)})
        pc, addr = _postcode(rng), f"{rng.randint(1, 220)} {rng.choice(STREETS)}"
        hid = f"h{h}"
        ids = [pid() for _ in members]
        out += [PersonRecord(i, hid, m["first_name"], m["last_name"], m["date_of_birth"], pc, addr)
                for i, m in zip(ids, members, strict=True)]
        if rng.random() < 0.25:  # the same family registered again, with entry errors
            h += 1
            again = [(i, m) for i, m in zip(ids, members, strict=True) if rng.random() < 0.85] or [(ids[0], members[0])]
            if errors.hit(0.15, "moved"):
                pc2, addr2 = _postcode(rng), f"{rng.randint(1, 220)} {rng.choice(STREETS)}"
            elif errors.hit(0.08, "postcode mistyped"):
                k = rng.choice([i for i, c in enumerate(pc) if c != " "])
                c = pc[k]
                pc2 = pc[:k] + (str((int(c) + 1) % 10) if c.isdigit() else rng.choice(UNIT.replace(c, ""))) + pc[k + 1:]
                addr2 = addr
            elif errors.hit(0.05, "postcode left blank"):
                pc2, addr2 = "", addr
            else:
                pc2, addr2 = pc, addr
            for orig, m in again:
                bad = errors.person(m)
                new = pid()
                out.append(PersonRecord(new, f"h{h}", bad["first_name"], bad["last_name"], bad["date_of_birth"],
                                        pc2 or None, addr2))
                truth.add(pair_key(orig, new))
    return out, truth, counts


def quality(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float]:
    tp = len(found & truth)
    p = tp / len(found) if found else 1.0
    r = tp / len(truth) if truth else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4), "true_pairs": len(truth),
            "offered": len(found), "correct": tp}


def labelled(args: argparse.Namespace) -> dict[str, Any]:
    matcher = person_matcher()
    low = 0.5
    out: dict[str, Any] = {}
    tune_people, tune_truth, _ = population(args.tune_seed, args.people)
    scored = matcher.pairs(tune_people, low)
    sweep: dict[str, list[float]] = {}
    f1s: dict[float, float] = {}
    for k in range(60, 96):
        t = k / 100
        q = quality({p.person_ids for p in scored if p.score >= t}, tune_truth)
        sweep[f"{t:.2f}"] = [q["precision"], q["recall"]]
        if q["precision"] >= 0.98:
            f1s[t] = q["f1"]
    # The highest threshold whose F1 is within 0.001 of the best: of equals, the one that offers
    # the fewest pairs (a bigger store has more chance coincidences than the labelled one).
    top = max(f1s.values()) if f1s else 0.0
    best = (top, max((t for t, f in f1s.items() if f >= top - 0.001), default=DEFAULT_THRESHOLD))
    out["tuning"] = {"seed": args.tune_seed, "people": len(tune_people), "chosen_threshold": best[1],
                     "precision_recall_by_threshold": sweep}
    test_people, test_truth, counts = population(args.test_seed, args.people)
    t0 = time.perf_counter()
    scored = matcher.pairs(test_people, low)
    seconds = time.perf_counter() - t0
    out["test"] = {
        "seed": args.test_seed, "people": len(test_people), "errors_made": counts, "match_seconds": round(seconds, 3),
        "default_threshold": DEFAULT_THRESHOLD,
        "at_default": quality({p.person_ids for p in scored if p.score >= DEFAULT_THRESHOLD}, test_truth),
        "at_tuned": quality({p.person_ids for p in scored if p.score >= best[1]}, test_truth),
        "blocking": matcher.last_stats,
    }
    missed = test_truth - {p.person_ids for p in scored if p.score >= DEFAULT_THRESHOLD}
    out["test"]["missed_examples"] = len(missed)
    return out


def store_review(args: argparse.Namespace) -> dict[str, Any]:
    from _store import open_store

    from centre_desk.services.auth import sign_out
    from centre_desk.services.duplicates import review_duplicates

    out: dict[str, Any] = {"store": str(args.store)}
    session, info = open_store(args.store, args.households, seed=7)
    out.update(info)
    out["households"] = info["households_in_store"]
    try:
        matcher = person_matcher()
        review_s, read_s = [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            with session.store.reader() as uow:
                people = uow.households.people()
            read_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            pairs = review_duplicates(session, matcher)
            review_s.append(time.perf_counter() - t)
        out["people"] = len(people)
        out["pairs_offered"] = len(pairs)
        out["blocking"] = matcher.last_stats
        out["review_s"] = {"p50": round(statistics.median(review_s), 2), "max": round(max(review_s), 2),
                           "n": len(review_s)}
        out["reference_read_all_s"] = {"p50": round(statistics.median(read_s), 2), "n": len(read_s)}
        out["ratio_review_to_read"] = round(statistics.median(review_s) / statistics.median(read_s), 2)
    finally:
        sign_out(session)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=6000)
    ap.add_argument("--tune-seed", type=int, default=1)
    ap.add_argument("--test-seed", type=int, default=2)
    ap.add_argument("--store", default="/tmp/dups-bench/store")
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-store", action="store_true", help="only the labelled figures")
    args = ap.parse_args()
    # How busy the machine was: the review's time is CPU time, and a shared machine stretches it.
    result: dict[str, Any] = {"cpus": os.cpu_count(), "load_before": os.getloadavg()}
    result["labelled"] = labelled(args)
    if not args.skip_store:
        result["review_100k"] = store_review(args)
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
