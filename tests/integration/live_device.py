"""In-process devices for the sync reliability tests: a real enrolled SQLCipher store driven
through the services (faster than one CLI process per step), talking to a real server process
over HTTP. The organisation is set up through the server's own admin functions on the same
database the server process serves."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from centre_desk.domain.clock import FixedClock
from tests.integration.server_harness import GOOD_PASSWORD, NOW


def word(n: int, prefix: str = "Qa") -> str:
    """A unique letters-only word for counter ``n`` (names and towns must be words)."""
    letters = string.ascii_lowercase
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = letters[r] + out
    return prefix + out


def household(n: int, members: int = 2) -> dict[str, Any]:
    people = [{"first_name": word(n, "Pa"), "last_name": word(n, "Fam"), "date_of_birth": "1990-05-01",
               "role": "parent"}]
    people += [{"first_name": word(n * 10 + i, "Ki"), "last_name": word(n, "Fam"), "date_of_birth": "2021-03-04",
                "role": "child"} for i in range(members - 1)]
    return {"address_line1": f"{n + 1} Test Street", "address_line2": "", "town": word(n, "Town"),
            "postcode": "BS23 1AL", "phone": "", "email": "", "members": people}


@dataclass
class ServerOrg:
    """An organisation made in-process on the server's database (the server process sees it)."""

    db_url: str
    org_id: str = ""
    clock: FixedClock = field(default_factory=lambda: FixedClock(NOW))

    def __post_init__(self) -> None:
        from centre_desk.server import admin
        from centre_desk.server.db import Database

        self.db = Database(self.db_url)
        if not self.org_id:
            self.org_id = admin.add_org(self.db, self.clock, "north-somerset-children-centres", None)

    def add_staff(self, username: str, role: str) -> None:
        from centre_desk.server import admin

        admin.add_staff(self.db, self.clock, self.org_id, username, role, GOOD_PASSWORD)

    def code(self) -> str:
        from centre_desk.server import admin

        return admin.issue_code(self.db, self.clock, self.org_id, None)[0]

    def digest(self) -> tuple[int, str]:
        from centre_desk.server.sync import org_digest

        return org_digest(self.db, self.org_id)

    def close(self) -> None:
        self.db.dispose()


class LiveDevice:
    def __init__(self, path: Path, url: str, code: str, username: str) -> None:
        from centre_desk.services.sync import create_enrolled_store, parse_enrolment
        from centre_desk.sync.client import SyncClient
        from centre_desk.wiring import Wiring

        self.path, self.username = path, username
        wiring = Wiring(path)
        client = SyncClient(url)
        try:
            enrolment = parse_enrolment(client.enrol(code, username, GOOD_PASSWORD))
        finally:
            client.close()
        self.device_id = enrolment.device_id
        self.session, _recovery = create_enrolled_store(wiring.gate, wiring.clock, url, enrolment, GOOD_PASSWORD)

    @staticmethod
    def _connect(config: dict[str, str], username: str) -> Any:
        from centre_desk.sync.client import SyncClient

        return SyncClient(config["server_url"], config["token"], username)

    def sync(self) -> Any:
        from centre_desk.services.sync import sync_now

        return sync_now(self.session, self._connect)

    def status(self) -> Any:
        from centre_desk.services.sync import sync_status

        return sync_status(self.session)

    def register(self, data: dict[str, Any]) -> str:
        from centre_desk.services.households import register_household

        return register_household(self.session, data).id

    def import_many(self, households: list[dict[str, Any]]) -> None:
        """Many households in one unit of work (the import service; the manager role)."""
        from centre_desk.services.importing import import_households

        import_households(self.session, households)

    def edit(self, household_id: str, values: dict[str, str], person_id: str | None = None) -> None:
        from centre_desk.services.households import edit_fields

        edit_fields(self.session, household_id, values, person_id)

    def contact(self, household_id: str, note: str = "") -> None:
        from centre_desk.services.households import record_contact

        record_contact(self.session, household_id, "session", date(2026, 3, 1), note)

    def show(self, household_id: str) -> dict[str, Any]:
        from centre_desk.services.households import open_household

        data = open_household(self.session, household_id).submission()
        return dict(data)

    def contacts(self, household_id: str) -> list[dict[str, Any]]:
        from centre_desk.services.households import household_contacts

        return household_contacts(self.session, household_id)

    def conflicts(self) -> list[dict[str, Any]]:
        from centre_desk.services.sync import list_conflicts

        return list_conflicts(self.session)

    def close(self) -> None:
        from centre_desk.services.auth import sign_out

        sign_out(self.session)
