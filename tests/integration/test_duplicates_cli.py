"""The duplicates review queue, "Not the same" and merging, through ``centre-desk-admin`` on a real
encrypted store; what the merge kept is read back through the services on the same files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from centre_desk.domain.consent import Decision
from centre_desk.domain.errors import NotFound
from centre_desk.services.auth import sign_in, sign_out
from centre_desk.services.consent import consent_history, record_decision
from centre_desk.services.duplicates import merge_households
from centre_desk.services.households import (
    household_contacts,
    household_history,
    open_household,
    record_contact,
    search_households,
    update_household,
)
from centre_desk.services.referrals import household_referrals, record_referral
from centre_desk.wiring import Wiring
from tests.conftest import ADMIN, ADMIN_PASSWORD, StoreFixture
from tests.integration.test_admin_cli import run
from tests.integration.test_referrals import REFERRAL

# The same family keyed twice: a paper form and an import from the old spreadsheet, with the
# mistakes people make (nickname, typo, day and month swapped, a mistyped postcode).
FIRST = {
    "ref": "OLD-0001",
    "address_line1": "14 Locking Road", "address_line2": "", "town": "Weston-super-Mare",
    "postcode": "BS23 1AA", "phone": "07700 900123", "email": "",
    "members": [
        {"first_name": "Aleksandra", "last_name": "Wójcik", "date_of_birth": "1991-04-02", "role": "parent"},
        {"first_name": "Jan", "last_name": "Wójcik", "date_of_birth": "2022-09-30", "role": "child"},
    ],
}
SECOND = {
    "ref": "OLD-0002",
    "address_line1": "14 Locking Rd", "address_line2": "Flat 2", "town": "Weston-super-Mare",
    "postcode": "BS23 1AB", "phone": "07700 900999", "email": "ola@example.org",
    "members": [
        {"first_name": "Alexandra", "last_name": "Wojcik", "date_of_birth": "1991-02-04", "role": "parent"},
        {"first_name": "Jan", "last_name": "Wojcikk", "date_of_birth": "2022-09-30", "role": "child"},
    ],
}
OTHER = {
    "ref": "OLD-0003",
    "address_line1": "3 Moor Lane", "address_line2": "", "town": "Clevedon", "postcode": "BS21 6XY",
    "phone": "", "email": "",
    "members": [{"first_name": "Ioana", "last_name": "Rădulescu", "date_of_birth": "1988-12-24", "role": "carer"}],
}


def admin(data: Path, *args: str):  # type: ignore[no-untyped-def]
    return run(data, "--user", ADMIN, *args, password=ADMIN_PASSWORD)


def review(data: Path) -> list[dict]:  # type: ignore[type-arg]
    r = admin(data, "duplicates", "review", "--json")
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


def _import(data: Path, tmp_path: Path) -> tuple[Path, list[dict]]:  # type: ignore[type-arg]
    src = tmp_path / "old.json"
    src.write_text(json.dumps({"households": [FIRST, SECOND, OTHER]}, ensure_ascii=False), encoding="utf-8")
    r = admin(data, "import", "--form", "membership", "--json", str(src))
    assert r.returncode == 0, r.stderr
    return data, [json.loads(line) for line in r.stdout.splitlines()]


@pytest.fixture
def families(store: StoreFixture, tmp_path: Path) -> tuple[Path, list[dict]]:  # type: ignore[type-arg]
    """A store of its own, for the tests that change it (dismiss, merge)."""
    return _import(store.data_dir, tmp_path)


@pytest.fixture(scope="module")
def looked_at(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:  # type: ignore[type-arg]
    """One store for the tests that only read it (or are refused and change nothing)."""
    from centre_desk.services.setup import CentreDetails, initialise_store
    from tests.conftest import CENTRE, PROFILE

    tmp = tmp_path_factory.mktemp("dups")
    w = Wiring(tmp / "data")
    made = initialise_store(w.gate, CentreDetails(PROFILE, CENTRE, "1 High Street"), ADMIN, ADMIN_PASSWORD,
                            w.clock, w.passwords)
    sign_out(made.session)
    return _import(tmp / "data", tmp)


def test_import_json_maps_each_old_reference_to_the_new_ids_in_file_order(looked_at) -> None:  # type: ignore[no-untyped-def]
    data, imported = looked_at
    assert [(r["record"], r["ref"]) for r in imported] == [(1, "OLD-0001"), (2, "OLD-0002"), (3, "OLD-0003")]
    assert [len(r["person_ids"]) for r in imported] == [2, 2, 1]
    # The reference is kept on the household and found by search.
    hits = json.loads(admin(data, "search", "OLD-0002", "--json").stdout.splitlines()[0])
    assert hits["household_id"] == imported[1]["household_id"]
    assert [m["person_id"] for m in hits["members"]] == imported[1]["person_ids"]


def test_csv_household_column_is_kept_as_the_reference(store: StoreFixture, tmp_path: Path) -> None:
    src = tmp_path / "old.csv"
    src.write_text("household,first_name,last_name,date_of_birth,role,address_line1,town,postcode\n"
                   "HH-17,Zofia,Nowak,1990-01-01,parent,1 Sea Road,Clevedon,BS21 7AA\n"
                   "HH-17,Adam,Nowak,2020-05-05,child,,,\n", encoding="utf-8")
    r = admin(store.data_dir, "import", "--form", "membership", "--json", str(src))
    assert r.returncode == 0, r.stderr
    (line,) = [json.loads(x) for x in r.stdout.splitlines()]
    assert line["ref"] == "HH-17" and line["record"] == 1 and len(line["person_ids"]) == 2
    found = admin(store.data_dir, "search", "hh-17", "--json").stdout.splitlines()
    assert [json.loads(x)["household_id"] for x in found] == [line["household_id"]]


def test_review_offers_both_people_best_first_with_reasons_and_no_personal_values(looked_at) -> None:  # type: ignore[no-untyped-def]
    data, imported = looked_at
    pairs = review(data)
    first, second = imported[0], imported[1]
    expected = {frozenset((first["person_ids"][0], second["person_ids"][0])),
                frozenset((first["person_ids"][1], second["person_ids"][1]))}
    assert {frozenset(p["person_ids"]) for p in pairs} == expected
    assert [p["score"] for p in pairs] == sorted((p["score"] for p in pairs), reverse=True)
    for p in pairs:
        assert set(p["household_ids"]) == {first["household_id"], second["household_id"]}
        assert 0 < p["score"] <= 1 and p["reasons"]
        words = " ".join(p["reasons"]).lower()
        assert not any(v in words for v in ("aleksandra", "wojcik", "1991", "bs23", "jan "))
    mother = next(p for p in pairs if first["person_ids"][0] in p["person_ids"])
    assert "date of birth with day and month swapped" in mother["reasons"]
    assert "known nickname or other spelling" in mother["reasons"]
    assert "postcode one character apart" in mother["reasons"]


def test_a_dismissed_pair_is_never_offered_again(families) -> None:  # type: ignore[no-untyped-def]
    data, imported = families
    a, b = imported[0]["person_ids"][1], imported[1]["person_ids"][1]
    r = admin(data, "duplicates", "dismiss", b, a)
    assert r.returncode == 0 and "not be offered again" in r.stdout, r.stderr
    assert all(frozenset(p["person_ids"]) != frozenset((a, b)) for p in review(data))
    assert len(review(data)) == 1
    again = admin(data, "duplicates", "dismiss", a, b)
    assert again.returncode == 0 and "Already remembered" in again.stdout
    same = admin(data, "duplicates", "dismiss", a, a)
    assert same.returncode == 1 and "person_ids" in same.stderr
    unknown = admin(data, "duplicates", "dismiss", a, "0190aaaa-0000-7000-8000-000000000000")
    assert unknown.returncode == 1 and "no such person" in unknown.stderr
    listed = admin(data, "audit", "list", "--json")
    assert "duplicates.dismissed" in listed.stdout


def test_reception_may_not_review_or_merge(looked_at) -> None:  # type: ignore[no-untyped-def]
    data, imported = looked_at
    added = run(data, "--user", ADMIN, "staff", "add", "rita", "--role", "reception",
                password=ADMIN_PASSWORD, new_password="reception password 1")
    assert added.returncode == 0, added.stderr
    for args in (("review",), ("merge", imported[1]["household_id"], "--into", imported[0]["household_id"])):
        denied = run(data, "--user", "rita", "duplicates", *args, password="reception password 1")
        assert denied.returncode == 1 and "may not" in denied.stderr, denied.stderr


def test_merge_keeps_every_contact_consent_referral_and_history_and_the_old_id_opens_the_survivor(
        families) -> None:  # type: ignore[no-untyped-def]
    data, imported = families
    keep, away = imported[0]["household_id"], imported[1]["household_id"]
    w = Wiring(data)
    session = sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD)
    try:
        for hid, when in ((keep, date(2026, 10, 1)), (away, date(2026, 10, 20))):
            record_contact(session, hid, "drop-in", when, "came to stay and play")
        mum_away = imported[1]["person_ids"][0]
        consent = record_decision(session, away, mum_away, "email-contact", Decision.GIVEN, method="verbal",
                                  notice_version="2025-1")
        referral = record_referral(session, away, REFERRAL, [mum_away])
        h = open_household(session, away)
        update_household(session, away, {**h.submission(), "town": "Weston"}, h.version)
        history_before = {hid: household_history(session, hid) for hid in (keep, away)}
    finally:
        sign_out(session)

    r = admin(data, "duplicates", "merge", away, "--into", keep, "--take", "email=merged")
    assert r.returncode == 0, r.stderr
    assert "2 people" in r.stdout

    session = sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD)
    try:
        survivor = open_household(session, away)  # the old id opens the surviving household
        assert survivor.id == keep
        assert len(survivor.members) == 4
        assert {m.id for m in survivor.members} == set(imported[0]["person_ids"]) | set(imported[1]["person_ids"])
        assert survivor.fields["email"] == "ola@example.org"  # chosen from the merged household
        assert survivor.fields["phone"] == "07700 900123"  # kept: the default
        assert survivor.fields["address_line2"] == "Flat 2"  # blank on the survivor: nothing lost
        assert survivor.external_ref == "OLD-0001; OLD-0002"
        assert survivor.safeguarding_concern  # the moved referral flags the survivor
        assert survivor.last_contact == date(2026, 10, 20)
        assert sorted(c["date"] for c in household_contacts(session, keep)) == ["2026-10-01", "2026-10-20"]
        moved = [line for line in consent_history(session, keep) if line.event.id == consent.id]
        assert len(moved) == 1
        assert moved[0].event.notice_version == "2025-1"
        assert moved[0].event.recorded_at == consent.recorded_at
        assert [x.id for x in household_referrals(session, keep)] == [referral.id]
        history = household_history(session, keep)
        changes = [c for _, _, cs in history for c in cs]
        for old in history_before[away] + history_before[keep]:
            assert any(old[2] == cs for _, _, cs in history)
        assert any(c.field == "merged_from" and c.new == away for c in changes)
        assert any(c.field == "town" and c.new == "Weston" for c in changes)  # the merged one's history
        # Search leads to the survivor only; the pointer holds no one.
        hits = search_households(session, "alexandra")
        assert [x.household_id for x in hits] == [keep]
        assert household_contacts(session, away) == []
        with pytest.raises(NotFound):
            merge_households(session, away, keep)
    finally:
        sign_out(session)
    # The pair within one household is no longer a cross-household duplicate.
    assert review(data) == []
    audit = admin(data, "audit", "list", "--json").stdout
    assert "household.merged" in audit and "Alexandra" not in audit and "Wojcik" not in audit


def test_merge_refuses_itself_and_unknown_households_and_changes_nothing(looked_at) -> None:  # type: ignore[no-untyped-def]
    data, imported = looked_at
    keep = imported[0]["household_id"]
    itself = admin(data, "duplicates", "merge", keep, "--into", keep)
    assert itself.returncode == 1 and "itself" in itself.stderr
    bad_choice = admin(data, "duplicates", "merge", imported[1]["household_id"], "--into", keep,
                       "--take", "email=both")
    assert bad_choice.returncode == 1 and "choices.email" in bad_choice.stderr
    assert len(review(data)) == 2


def test_a_restricted_person_is_not_offered_and_their_household_cannot_be_merged(families) -> None:  # type: ignore[no-untyped-def]
    data, imported = families
    keep, away = imported[0]["household_id"], imported[1]["household_id"]
    person = imported[1]["person_ids"][0]
    assert len(review(data)) == 2
    restricted = admin(data, "restrict", person, "--reason", "asked at the desk")
    assert restricted.returncode == 0, restricted.stderr
    assert [p for p in review(data) if away in p["household_ids"]] == []  # neither pair is offered
    refused = admin(data, "duplicates", "merge", away, "--into", keep)
    assert refused.returncode == 1 and "restricted" in refused.stderr
    w = Wiring(data)
    session = sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD)
    try:
        assert open_household(session, away).id == away  # nothing was merged
        assert len(open_household(session, keep).members) == 2
    finally:
        sign_out(session)
    assert admin(data, "unrestrict", person).returncode == 0
    assert len(review(data)) == 2
    assert admin(data, "duplicates", "merge", away, "--into", keep).returncode == 0


def test_bad_or_repeated_references_import_nothing_and_are_not_echoed(store: StoreFixture, tmp_path: Path) -> None:
    secret = "Zofia-1991-04-02-" + "x" * 60
    records = [{**OTHER, "ref": "HH-1"}, {**OTHER, "ref": "HH-1"}, {**OTHER, "ref": secret},
               {**OTHER, "ref": "bad\u202eref"}, {**OTHER, "ref": ["a list"]}]
    src = tmp_path / "bad.json"
    src.write_text(json.dumps({"households": records}, ensure_ascii=False), encoding="utf-8")
    r = admin(store.data_dir, "import", "--form", "membership", "--json", str(src))
    assert r.returncode == 1 and r.stdout == ""
    lines = r.stderr.splitlines()
    assert any(line.startswith("record 2: ref:") and "household 1" in line for line in lines), lines
    assert any(line.startswith("record 3: ref:") and "64 characters" in line for line in lines), lines
    assert any(line.startswith("record 4: ref:") for line in lines), lines
    assert any(line.startswith("record 5: ref:") and "text or a whole number" in line for line in lines), lines
    assert "Zofia" not in r.stderr and "HH-1" not in r.stderr
    assert "nothing was imported" in lines[-1]
    assert admin(store.data_dir, "search", "hh", "--json").stdout == ""
