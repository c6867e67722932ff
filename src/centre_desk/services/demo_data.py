"""Synthetic households for training stores, demonstrations and benchmarks.

Every household made here is marked synthetic in its record. Names reflect the families UK
children's centres actually serve, with their diacritics or usual transliterations, so that search,
duplicate checks and printing are exercised the way real records would exercise them. Phone
numbers are from Ofcom's drama range (07700 900xxx) and emails use example.org, so nothing made
here can reach a real person.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from centre_desk.domain.household import Household
from centre_desk.domain.staff import Permission
from centre_desk.formspec.model import FieldType

from .households import CONTACT_TYPES, MEMBERSHIP, build_household
from .profile import form
from .session import DeskSession


@dataclass(frozen=True)
class Origin:
    weight: int
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[tuple[str, str], ...]  # (male or neutral form, female form)
    languages: str


def _same(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple((n, n) for n in names)


ORIGINS: tuple[Origin, ...] = (
    Origin(55, ("Amelia", "Olivia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Lily", "Zoë", "Chloë", "Ella"),
           ("Oliver", "Jack", "Harry", "George", "Noah", "Charlie", "Jacob", "Alfie", "Freddie", "Oscar"),
           _same("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Davies", "Evans", "Thomas",
                 "Roberts", "Walker", "Wright", "Thompson", "Clarke", "Hughes", "Brontë", "O'Brien"),
           "English"),
    Origin(10, ("Zofia", "Małgorzata", "Agnieszka", "Zuzanna", "Katarzyna", "Łucja", "Wiktoria"),
           ("Łukasz", "Wojciech", "Krzysztof", "Michał", "Jakub", "Paweł", "Bartłomiej"),
           (("Wiśniewski", "Wiśniewska"), ("Wójcik", "Wójcik"), ("Kamiński", "Kamińska"),
            ("Lewandowski", "Lewandowska"), ("Dąbrowski", "Dąbrowska"), ("Woźniak", "Woźniak"),
            ("Kozłowski", "Kozłowska"), ("Szymański", "Szymańska")),
           "Polish"),
    Origin(8, ("Ioana", "Elena", "Ana-Maria", "Cristina", "Andreea", "Mădălina"),
           ("Andrei", "Mihai", "Ștefan", "Alexandru", "Răzvan", "Bogdan"),
           _same("Popescu", "Rădulescu", "Ionescu", "Dumitrescu", "Stănescu", "Țurcanu", "Ștefănescu"),
           "Romanian"),
    Origin(5, ("Gabija", "Emilija", "Ugnė", "Austėja", "Kotryna", "Urtė"),
           ("Jonas", "Lukas", "Matas", "Domantas", "Žygimantas", "Mantas"),
           (("Kazlauskas", "Kazlauskienė"), ("Jankauskas", "Jankauskaitė"), ("Petrauskas", "Petrauskienė"),
            ("Stankevičius", "Stankevičiūtė"), ("Žukauskas", "Žukauskienė")),
           "Lithuanian"),
    Origin(6, ("Inês", "Beatriz", "Leonor", "Mariana", "Matilde", "Conceição"),
           ("João", "Gonçalo", "Tomás", "Martim", "Rodrigo", "Simão"),
           _same("Silva", "Santos", "Ferreira", "Gonçalves", "Magalhães", "Araújo", "Simões"),
           "Portuguese"),
    Origin(5, ("Hodan", "Fadumo", "Ayaan", "Ifrah", "Nimco", "Khadra"),
           ("Mohamed", "Abdirahman", "Hamza", "Yusuf", "Mahad", "Abdullahi"),
           _same("Abdi", "Hassan", "Farah", "Warsame", "Mohamud", "Jama", "Osman"),
           "Somali"),
    Origin(5, ("Nusrat", "Tahmina", "Farhana", "Ayesha", "Shirin", "Sumaiya"),
           ("Rahim", "Arif", "Sabbir", "Rafiq", "Tanvir", "Mohammad"),
           _same("Rahman", "Hossain", "Uddin", "Chowdhury", "Islam", "Miah", "Sarkar"),
           "Bengali (Sylheti)"),
    Origin(6, ("Fatima", "Zainab", "Maryam", "Hira", "Aisha", "Sana"),
           ("Muhammad", "Bilal", "Imran", "Hassan", "Usman", "Ibrahim"),
           _same("Khan", "Hussain", "Akhtar", "Malik", "Iqbal", "Qureshi", "Mahmood"),
           "Urdu"),
)
STREETS = ("High Street", "Station Road", "Church Lane", "Sea Road", "Meadow Way", "Orchard Close",
           "Victoria Road", "Moor Lane", "Hill Road", "Brook Street", "Locking Road", "Milton Road")
TOWNS = (("Weston-super-Mare", ("BS22", "BS23", "BS24")), ("Clevedon", ("BS21",)), ("Nailsea", ("BS48",)),
         ("Portishead", ("BS20",)), ("Taunton", ("TA1", "TA2")), ("Bridgwater", ("TA6",)),
         ("Yeovil", ("BA20", "BA21")), ("Frome", ("BA11",)))
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


class DemoGenerator:
    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.today = today
        self._origin_weights = [o.weight for o in ORIGINS]
        definition = form(MEMBERSHIP)
        self._choices: dict[str, list[str]] = {
            f.id: [c.value for c in f.choices]
            for f in definition.all_fields()
            if f.type in (FieldType.CHOICE,) and f.choices
        }

    def _choice(self, field: str, fallback: str) -> str:
        values = self._choices.get(field)
        return self.rng.choice(values) if values else fallback

    def _dob(self, min_age: int, max_age: int) -> str:
        days = self.rng.randint(min_age * 365 + 1, max_age * 365 + 300)
        return (self.today - timedelta(days=days)).isoformat()

    def _person(self, origin: Origin, surname: tuple[str, str], role: str, female: bool, dob: str) -> dict[str, Any]:
        first = self.rng.choice(origin.female if female else origin.male)
        person: dict[str, Any] = {
            "first_name": first,
            "last_name": surname[1] if female else surname[0],
            "date_of_birth": dob,
            "gender": "female" if female else "male",
            "role": role,
            "lives_at_address": True,
        }
        if role != "child":
            person["languages"] = origin.languages if origin.languages == "English" else f"{origin.languages}, English"
            person["interpreter_needed"] = origin.languages != "English" and self.rng.random() < 0.2
            ethnicity = self._choice("ethnicity", "")
            if ethnicity:
                person["ethnicity"] = ethnicity
        return person

    def household(self) -> tuple[dict[str, Any], date]:
        rng = self.rng
        origin = rng.choices(ORIGINS, self._origin_weights)[0]
        surname = rng.choice(origin.surnames)
        town, districts = rng.choice(TOWNS)
        inward = f"{rng.randint(1, 9)}{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"
        postcode = f"{rng.choice(districts)} {inward}"
        members = [self._person(origin, surname, "parent", True, self._dob(19, 42))]
        if rng.random() < 0.7:
            members.append(self._person(origin, surname, rng.choice(("parent", "partner")), False,
                                        self._dob(20, 48)))
        for _ in range(rng.choices((0, 1, 2, 3, 4), (5, 35, 35, 17, 8))[0]):
            members.append(self._person(origin, surname, "child", rng.random() < 0.5, self._dob(0, 11)))
        first = members[0]
        data: dict[str, Any] = {
            "address_line1": f"{rng.randint(1, 220)} {rng.choice(STREETS)}",
            "address_line2": "",
            "town": town,
            "postcode": postcode,
            "phone": f"07700 900{rng.randint(0, 999):03d}",
            "email": f"{first['first_name'][:1].lower()}.family{rng.randint(1, 99999)}@example.org",
            "members": members,
        }
        last_contact = self.today - timedelta(days=rng.randint(0, 3 * 365))
        return data, last_contact

    def batches(self, count: int, size: int = 1000) -> Iterator[list[tuple[dict[str, Any], date]]]:
        made = 0
        while made < count:
            n = min(size, count - made)
            yield [self.household() for _ in range(n)]
            made += n


def make_demo_households(session: DeskSession, count: int, seed: int = 1, *, validate: bool = True) -> int:
    """Add ``count`` synthetic households (with one contact each) in batches of a thousand.

    Each household is checked against the membership form like any other, so demo data can never
    hold what a real registration could not.
    """
    session.require(Permission.IMPORT)
    from centre_desk.formspec.submission import validate_submission

    definition = form(MEMBERSHIP)
    today = session.clock.today()
    now = session.clock.now()
    gen = DemoGenerator(seed, today)
    made = 0
    for batch in gen.batches(count):
        households: list[Household] = []
        contacts: list[tuple[str, date, str]] = []
        for data, last_contact in batch:
            clean = validate_submission(definition, data, today=today) if validate else data
            h = build_household(clean, now)
            households.append(h)
            contacts.append((h.id, last_contact, gen.rng.choice(CONTACT_TYPES)))
        with session.uow() as uow:
            uow.households.add_many(households, session.actor.id, synthetic=True)
            uow.households.add_contacts_many(contacts, session.actor.id, now)
            session.audit(uow, "demo-data.created", detail=f"{len(households)} synthetic households")
            uow.commit()
        made += len(households)
    return made
