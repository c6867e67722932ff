"""Search finds what staff type, and what it shows stays true: the search card of a household (last
contact, safeguarding flag, names) against the records themselves, on a real SQLCipher store, after
every kind of write that can change it."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from centre_desk.services.demo_data import make_demo_households
from centre_desk.services.households import (
    open_household,
    record_contact,
    register_household,
    search_households,
    update_household,
)
from centre_desk.services.importing import import_households
from centre_desk.services.referrals import add_status, record_referral
from tests.integration.test_referrals import REFERRAL


def _register(session: Any, last: str = "O'Brien", first: str = "Siobhan", phone: str = "07700 900123",
              **extra: Any) -> Any:
    return register_household(session, {
        "address_line1": "4 Quay Street", "town": "Weston-super-Mare", "postcode": "BS23 1AA", "phone": phone,
        "email": "siobhan.family@example.org",
        "members": [{"first_name": first, "last_name": last, "role": "parent", "date_of_birth": "1990-02-03"},
                    {"first_name": "Cian", "last_name": last, "role": "child", "date_of_birth": "2021-06-07"}],
        **extra,
    })


def _ids(session: Any, query: str) -> list[str]:
    return [h.household_id for h in search_households(session, query)]


def truth(session: Any, household_id: str) -> tuple[str | None, bool]:
    """Last contact and safeguarding flag worked out from the records, the slow way."""
    with session.store.reader() as uow:
        s = uow.session
        last = s.execute(text("SELECT max(json_extract(body, '$.date')) FROM records WHERE kind = 'contact' "
                              "AND household_id = :h"), {"h": household_id}).scalar()
        flagged = s.execute(text("SELECT count(*) FROM records WHERE kind = 'referral' AND household_id = :h "
                                 "AND json_extract(body, '$.fields.safeguarding_concern') = 1"),
                            {"h": household_id}).scalar()
    return last, bool(flagged)


def shown(session: Any, household_id: str, query: str) -> tuple[str | None, bool]:
    """Last contact and flag as a search result and the opened household show them (must agree)."""
    hit = next(h for h in search_households(session, query) if h.household_id == household_id)
    opened = open_household(session, household_id)
    assert (opened.last_contact, opened.safeguarding_concern) == (hit.last_contact, hit.safeguarding_concern)
    return (hit.last_contact.isoformat() if hit.last_contact else None), hit.safeguarding_concern


@pytest.mark.parametrize("query", ["obrien", "o brien", "o'brien", "O’Brien", "OBRIEN", "siobhan obrien"])
def test_an_apostrophe_name_is_found_however_it_is_typed(admin_session, query: str) -> None:  # type: ignore[no-untyped-def]
    h = _register(admin_session)
    _register(admin_session, last="Brown", first="Olive")
    assert _ids(admin_session, query) == [h.id]


@pytest.mark.parametrize("query", ["smithjones", "smith-jones", "jones", "smith jones", "smithj"])
def test_a_double_barrelled_name_is_found_from_either_half_or_joined(admin_session, query: str) -> None:  # type: ignore[no-untyped-def]
    h = _register(admin_session, last="Smith-Jones")
    assert _ids(admin_session, query) == [h.id]


def test_a_phone_number_is_found_from_its_last_six_or_more_digits(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _register(admin_session, phone="+44 7700 912345")
    other = _register(admin_session, last="Brown", phone="07700 900999")
    for query in ("912345", "0912345", "700912345", "7700 912345", "07700912345", "07700 912 345"):
        assert _ids(admin_session, query) == [h.id], query
    assert _ids(admin_session, "12345") == []  # five digits: too few to be a phone number's end
    assert _ids(admin_session, "077009") == [h.id, other.id]  # leading digits still work as a prefix
    # The reversed digits behind this are never reachable by typing: a query is stripped of the mark.
    assert _ids(admin_session, "_5") == []


def test_existing_kinds_of_query_still_work(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _register(admin_session, last="Wiśniewska", first="Zofia")
    for query in ("wisniewska", "WIŚNIEWSKA", "zof wis", "bs23 1aa", "bs231aa", "BS23", "07700 900123",
                  "03/02/1990", "03021990", "1990-02-03", "siobhan.family"):
        assert _ids(admin_session, query) == [h.id], query
    # Email domains are not indexed: one word shared by most families tells nobody apart.
    assert _ids(admin_session, "example") == []
    hit = search_households(admin_session, "zofia")[0]
    assert hit.adults == ("Zofia Wiśniewska",) and hit.children == ("Cian Wiśniewska",)
    assert hit.postcode == "BS23 1AA" and hit.last_contact is None and not hit.safeguarding_concern


def test_a_search_returns_exactly_the_households_asked_for(admin_session) -> None:  # type: ignore[no-untyped-def]
    make_demo_households(admin_session, 120, seed=5)
    hits = search_households(admin_session, "a", limit=50)
    assert len(hits) == 50 and len({h.household_id for h in hits}) == 50


def test_contacts_move_last_contact_forward_only(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _register(admin_session)
    record_contact(admin_session, h.id, "drop-in", date(2026, 10, 1))
    assert shown(admin_session, h.id, "obrien") == truth(admin_session, h.id) == ("2026-10-01", False)
    record_contact(admin_session, h.id, "phone-call", date(2026, 9, 1))  # an older one, recorded late
    assert shown(admin_session, h.id, "obrien") == truth(admin_session, h.id) == ("2026-10-01", False)
    record_contact(admin_session, h.id, "home-visit", date(2026, 11, 2))
    assert shown(admin_session, h.id, "obrien") == truth(admin_session, h.id) == ("2026-11-02", False)


def test_a_safeguarding_referral_flags_the_card_through_every_status_step(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _register(admin_session)
    calm = record_referral(admin_session, h.id, {**REFERRAL, "safeguarding_concern": False,
                                                 "safeguarding_details": ""}, [h.members[1].id])
    assert shown(admin_session, h.id, "obrien") == truth(admin_session, h.id) == (None, False)
    concern = record_referral(admin_session, h.id, REFERRAL, [h.members[1].id])
    assert shown(admin_session, h.id, "obrien") == truth(admin_session, h.id) == (None, True)
    for status in ("accepted", "allocated", "closed"):
        add_status(admin_session, concern.id, status, date(2026, 11, 3))
        add_status(admin_session, calm.id, status, date(2026, 11, 3))
        assert shown(admin_session, h.id, "obrien") == truth(admin_session, h.id) == (None, True)


def test_an_edit_keeps_card_and_facts(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _register(admin_session)
    record_contact(admin_session, h.id, "drop-in", date(2026, 10, 1))
    record_referral(admin_session, h.id, REFERRAL, [h.members[1].id])
    data = open_household(admin_session, h.id).submission()
    hit = search_households(admin_session, "siobhan")[0]
    assert hit.address_line == "4 Quay Street" and hit.child_births == (date(2021, 6, 7),)
    data["members"][0]["first_name"] = "Aoife"
    data["postcode"] = "BS21 9ZZ"
    data["address_line1"] = "9 Marine Parade"
    update_household(admin_session, h.id, data, 1)
    hit = search_households(admin_session, "aoife")[0]
    assert hit.adults == ("Aoife O'Brien",) and hit.postcode == "BS21 9ZZ"
    assert hit.address_line == "9 Marine Parade"  # the result row follows the edit
    assert _ids(admin_session, "bs23") == [] and _ids(admin_session, "bs219zz") == [h.id]
    assert shown(admin_session, h.id, "aoife") == truth(admin_session, h.id) == ("2026-10-01", True)
    # Adding a member and removing another keeps every row findable, and only theirs.
    data = open_household(admin_session, h.id).submission()
    data["members"] = [data["members"][0], {"first_name": "Niamh", "last_name": "Kelly", "role": "child",
                                            "date_of_birth": "2024-01-01"}]
    update_household(admin_session, h.id, data, 2)
    assert _ids(admin_session, "niamh kelly") == [h.id] and _ids(admin_session, "cian") == []
    assert search_households(admin_session, "kelly")[0].children == ("Niamh Kelly",)
    assert search_households(admin_session, "kelly")[0].child_births == (date(2024, 1, 1),)


def test_an_import_and_demo_data_have_true_cards(admin_session) -> None:  # type: ignore[no-untyped-def]
    import_households(admin_session, [{
        "address_line1": "1 Moor Lane", "address_line2": "", "town": "Clevedon", "postcode": "BS21 6XY",
        "phone": "", "email": "",
        "members": [{"first_name": "Ioana", "last_name": "Rădulescu", "role": "carer", "date_of_birth": ""}],
        "contacts": [{"date": "2026-01-05", "type": "drop-in"}, {"date": "2026-03-07", "type": "session"}],
    }])
    hid = _ids(admin_session, "radulescu")[0]
    assert shown(admin_session, hid, "radulescu") == truth(admin_session, hid) == ("2026-03-07", False)
    make_demo_households(admin_session, 30, seed=9)
    for hit in search_households(admin_session, "a", limit=50):
        assert shown(admin_session, hit.household_id, " ".join(hit.adults[0].split()[:2])) == \
            truth(admin_session, hit.household_id)


def test_a_change_arriving_another_way_is_brought_into_step_by_refresh(admin_session) -> None:  # type: ignore[no-untyped-def]
    """What sync will do: write records directly, then ask the repository to refresh the cards."""
    h = _register(admin_session)
    with admin_session.uow() as uow:
        body = json.loads(uow.session.execute(text("SELECT body FROM records WHERE id = :h"), {"h": h.id}).scalar())
        body["members"][0]["fields"]["last_name"] = "Murphy"
        uow.session.execute(text("UPDATE records SET body = :b WHERE id = :h"), {"b": json.dumps(body), "h": h.id})
        uow.session.execute(text(
            "INSERT INTO records(id, kind, household_id, version, created_by, created_at, updated_by, updated_at, "
            "deleted, body) VALUES ('c-sync', 'contact', :h, 1, 'x', '2026-01-01', 'x', '2026-01-01', 0, "
            "'{\"date\": \"2026-02-02\", \"type\": \"drop-in\"}')"), {"h": h.id})
        uow.households.refresh_search([h.id])
        uow.commit()
    assert _ids(admin_session, "murphy") == [h.id]
    assert shown(admin_session, h.id, "murphy") == truth(admin_session, h.id) == ("2026-02-02", False)


def test_an_erasure_leaves_no_card_and_no_search_rows(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _register(admin_session)
    keep = _register(admin_session, last="Brown")
    with admin_session.uow() as uow:
        uow.households.delete_everything(h.id)
        uow.commit()
    assert _ids(admin_session, "obrien") == [] and _ids(admin_session, "bs23") == [keep.id]
    with admin_session.store.reader() as uow:
        assert uow.session.execute(text("SELECT count(*) FROM household_cards WHERE household_id = :h"),
                                   {"h": h.id}).scalar() == 0
        assert uow.session.execute(text("SELECT count(*) FROM search_index WHERE household_id = :h"),
                                   {"h": h.id}).scalar() == 0


def test_each_search_is_audited_with_the_households_it_showed_and_not_the_query(admin_session) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.services.audit import verify_audit
    from centre_desk.services.households import household_readers

    h = _register(admin_session)
    other = _register(admin_session, last="Brown")
    assert _ids(admin_session, "obrien") == [h.id]
    assert _ids(admin_session, "bs23") == [h.id, other.id]
    assert search_households(admin_session, "nobody-called-this") == []
    open_household(admin_session, other.id)
    with admin_session.store.reader() as uow:
        entries = list(uow.audit.entries())
    searched = [e for e in entries if e.action == "household.searched"]
    assert [e.detail for e in searched] == [f"1 shown: {h.id}", f"2 shown: {h.id} {other.id}"]
    assert not any("obrien" in str(e.detail).lower() or "bs23" in str(e.detail).lower() for e in entries)
    # Who looked at each family: the searches that listed it and the opening of it, nothing else.
    assert [(e.action, e.seq) for e in household_readers(admin_session, h.id)] == \
        [("household.searched", searched[0].seq), ("household.searched", searched[1].seq)]
    assert [e.action for e in household_readers(admin_session, other.id)] == \
        ["household.searched", "household.viewed"]
    assert verify_audit(admin_session).intact


def test_a_search_audit_commit_leaves_later_commits_fully_durable(admin_session) -> None:  # type: ignore[no-untyped-def]
    """The search's entry is committed with synchronous=NORMAL; a save after it on the same pooled
    connection must be back at FULL (2), or saves would silently lose their fsync."""
    _register(admin_session)
    for _ in range(3):
        search_households(admin_session, "obrien")
        with admin_session.uow() as uow:
            assert uow.session.execute(text("PRAGMA synchronous")).scalar() == 2
        with admin_session.store.unit_of_work(relaxed=True) as uow:
            assert uow.session.execute(text("PRAGMA synchronous")).scalar() == 1


def _plain_bytes(session: Any, tmp: Any, tables: tuple[str, ...] | None = None) -> bytes:
    """The store's content decrypted into a plaintext SQLite file: the whole database
    (``sqlcipher_export``) or only the given tables, so a grep sees what a reader with the key would."""
    from centre_desk.storage.engine import KeyHolder, connect_raw

    target = tmp / f"plain-{len(list(tmp.iterdir()))}.db"
    conn = connect_raw(session.store.path, KeyHolder(session.store._key.copy()))
    try:
        conn.execute(f"ATTACH DATABASE '{target}' AS plain KEY ''")
        if tables is None:
            conn.execute("SELECT sqlcipher_export('plain')")
        for name in tables or ():
            conn.execute(f"CREATE TABLE plain.{name} AS SELECT * FROM main.{name}")
        conn.execute("DETACH DATABASE plain")
    finally:
        conn.close()
    return target.read_bytes()


INDEX_TABLES = ("search_index_data", "search_index_idx", "search_index_content", "search_index_docsize",
                "household_cards")


def test_a_corrected_surname_leaves_the_index_once_removed_words_are_purged(admin_session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.services.households import purge_removed_words

    h = _register(admin_session, last="Zyxwvutsrq")
    make_demo_households(admin_session, 40, seed=3)  # other words around it, in other segments
    assert b"yxwvutsrq" in _plain_bytes(admin_session, tmp_path, INDEX_TABLES)
    data = open_household(admin_session, h.id).submission()
    for m in data["members"]:
        m["last_name"] = "Quinlan"
    update_household(admin_session, h.id, data, 1)
    assert _ids(admin_session, "zyxwvutsrq") == [] and _ids(admin_session, "quinlan") == [h.id]
    # The save itself only marks the old words deleted (fast); they are still in an older segment.
    with admin_session.store.reader() as uow:
        assert uow.households.purge_pending()
    assert b"yxwvutsrq" in _plain_bytes(admin_session, tmp_path, INDEX_TABLES)
    assert purge_removed_words(admin_session)
    assert b"yxwvutsrq" not in _plain_bytes(admin_session, tmp_path, INDEX_TABLES)
    with admin_session.store.reader() as uow:
        assert not uow.households.purge_pending()
    assert _ids(admin_session, "quinlan") == [h.id]  # and the index still works


def test_an_erased_family_leaves_no_bytes_in_the_database(admin_session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    h = _register(admin_session, last="Zyxwvutsrq")
    record_contact(admin_session, h.id, "drop-in", date(2026, 10, 1))
    make_demo_households(admin_session, 40, seed=4)
    assert b"yxwvutsrq" in _plain_bytes(admin_session, tmp_path)
    with admin_session.uow() as uow:
        uow.households.delete_everything(h.id)
        uow.commit()
    assert b"yxwvutsrq" not in _plain_bytes(admin_session, tmp_path)


@pytest.mark.parametrize("query", ["siobhan.family@example.org", "SIOBHAN.FAMILY@EXAMPLE.ORG", "siobhan.family"])
def test_a_whole_email_address_typed_or_pasted_still_finds_the_household(admin_session, query: str) -> None:  # type: ignore[no-untyped-def]
    h = _register(admin_session)
    _register(admin_session, last="Brown", first="Olive", email="olive@example.org")
    assert _ids(admin_session, query) == [h.id]


def test_a_synced_change_keeps_card_and_facts_true_in_the_same_transaction(admin_session) -> None:  # type: ignore[no-untyped-def]
    """The real pull path (``SqlSyncRepository.apply``): a renamed household, a new contact, a
    referral with a safeguarding concern and a new household arrive in one page; after the one
    commit the cards agree with the records, and a rolled-back page leaves them as they were."""
    h = _register(admin_session)
    with admin_session.store.reader() as uow:
        body = json.loads(uow.session.execute(text("SELECT body FROM records WHERE id = :h"), {"h": h.id}).scalar())
    body["members"][0]["fields"]["last_name"] = "Gallagher"
    env = {"created_by": "other-device", "created_at": "2026-03-01T10:00:00+00:00",
           "updated_by": "other-device", "updated_at": "2026-03-01T10:00:00+00:00"}
    new_household = {"fields": {"postcode": "BS24 9ZZ", "address_line1": "1 New Road"},
                     "members": [{"id": "p-new", "fields": {"first_name": "Aoife", "last_name": "Quigley",
                                                              "role": "parent"}}]}
    page = [
        {"seq": 901, "record_id": h.id, "kind": "household", "household_id": h.id, "deleted": False,
         "body": body, "envelope": env},
        {"seq": 902, "record_id": "c-synced", "kind": "contact", "household_id": h.id, "deleted": False,
         "body": {"date": "2026-02-20", "type": "drop-in", "note": ""}, "envelope": env},
        {"seq": 903, "record_id": "r-synced", "kind": "referral", "household_id": h.id, "deleted": False,
         "body": {"fields": {**REFERRAL, "safeguarding_concern": True}, "people": []}, "envelope": env},
        {"seq": 904, "record_id": "h-synced", "kind": "household", "household_id": "h-synced", "deleted": False,
         "body": new_household, "envelope": {**env, "form_id": "membership", "form_version": 1}},
        {"seq": 905, "record_id": "c-synced-2", "kind": "contact", "household_id": "h-synced", "deleted": False,
         "body": {"date": "2026-02-21", "type": "phone", "note": ""}, "envelope": env},
    ]
    with admin_session.uow() as uow:  # a page that fails part-way: nothing of it shows
        uow.sync.apply(page, 905)
    assert _ids(admin_session, "gallagher") == [] and _ids(admin_session, "obrien") == [h.id]
    with admin_session.uow() as uow:
        uow.sync.apply(page, 905)
        uow.commit()
    assert _ids(admin_session, "gallagher") == [h.id]
    assert search_households(admin_session, "gallagher")[0].adults == ("Siobhan Gallagher",)  # the card too
    assert shown(admin_session, h.id, "gallagher") == truth(admin_session, h.id) == ("2026-02-20", True)
    assert _ids(admin_session, "quigley") == ["h-synced"]
    assert shown(admin_session, "h-synced", "quigley") == truth(admin_session, "h-synced") == ("2026-02-21", False)
    erase = [{"seq": 906, "record_id": "h-synced", "kind": "household", "household_id": "h-synced",
              "deleted": True, "body": None, "envelope": env}]
    with admin_session.uow() as uow:
        uow.sync.apply(erase, 906)
        uow.commit()
    assert _ids(admin_session, "quigley") == [] and _ids(admin_session, "bs24") == []


def test_an_erasure_through_the_service_keeps_the_cards_true(admin_session) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.services.erasure import erase_household, erase_person

    h = register_household(admin_session, {
        "address_line1": "9 Mill Lane", "town": "Clevedon", "postcode": "BS21 7QQ",
        "members": [{"first_name": "Róisín", "last_name": "Smith-Jones", "role": "parent"},
                    {"first_name": "Tadhg", "last_name": "Byrne", "role": "child", "date_of_birth": "2022-01-02"}]})
    record_contact(admin_session, h.id, "drop-in", date(2026, 1, 5))
    child = next(m for m in h.members if m.fields["first_name"] == "Tadhg")
    erase_person(admin_session, child.id, reason="asked")
    assert _ids(admin_session, "byrne") == [] and _ids(admin_session, "tadhg") == []
    hit = search_households(admin_session, "smithjones")[0]
    assert hit.household_id == h.id and hit.children == () and hit.adults == ("Róisín Smith-Jones",)
    assert shown(admin_session, h.id, "jones") == truth(admin_session, h.id) == ("2026-01-05", False)
    erase_household(admin_session, h.id, reason="asked", authority="erasure request")
    assert _ids(admin_session, "jones") == [] and _ids(admin_session, "bs21") == []


def test_who_looked_finds_entries_before_and_after_their_batch_is_indexed(admin_session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Reading notes wait in a small table and move into the FTS5 index in batches: "who looked
    at this family" must find every entry wherever its note is, and the batch must really move."""
    from centre_desk.services.households import household_readers
    from centre_desk.storage import households as repo

    monkeypatch.setattr(repo, "READS_BATCH", 4)
    h = _register(admin_session)
    other = _register(admin_session, last="Brown")
    counts = []  # after each search: (searches of h found by "who looked", notes waiting, notes indexed)
    for query in ("obrien", "siobhan", "cian", "brown", "obrien", "bs23", "cian"):
        search_households(admin_session, query)
        found = [e for e in household_readers(admin_session, h.id) if e.action == "household.searched"]
        with admin_session.store.reader() as uow:
            s = uow.session
            counts.append((len(found), s.execute(text("SELECT count(*) FROM household_reads_pending")).scalar(),
                           s.execute(text("SELECT count(*) FROM household_reads")).scalar()))
    assert [c[0] for c in counts] == [1, 2, 3, 3, 4, 5, 6]
    waiting, indexed = [c[1] for c in counts], [c[2] for c in counts]
    assert indexed[0] == 0 < indexed[-1]  # the notes moved into the index in a batch...
    assert 0 in waiting[1:] and max(waiting) > 1  # ...after waiting, and the waiting table emptied
    searched_other = [e for e in household_readers(admin_session, other.id) if e.action == "household.searched"]
    assert len(searched_other) == 5  # siobhan, cian, brown, bs23, cian (Siobhan and Cian Brown, same email)


def test_the_search_connection_closes_when_the_store_locks(admin_session) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.domain.errors import StoreError

    h = _register(admin_session)
    assert _ids(admin_session, "obrien") == [h.id]
    admin_session.store.lock()
    assert admin_session.store._search._conn is None
    with pytest.raises(StoreError):
        search_households(admin_session, "obrien")


def test_cards_written_before_the_address_was_on_them_get_it_from_the_migration(admin_session) -> None:  # type: ignore[no-untyped-def]
    """Revision 0019 puts the first line of the address on every card already in the store."""
    from importlib import import_module

    _register(admin_session)
    with admin_session.store.unit_of_work() as uow:
        uow.session.execute(text("UPDATE household_cards SET card = json_remove(card, '$.a1')"))
        uow.commit()
    assert search_households(admin_session, "siobhan")[0].address_line == ""  # as an older store had it
    migration = import_module("centre_desk.storage.migrations.versions.0019_card_address")

    class _Op:
        def __init__(self, session: Any) -> None:
            self.session = session

        def execute(self, sql: str) -> None:
            self.session.execute(text(sql))

    with admin_session.store.unit_of_work() as uow:
        real, migration.op = migration.op, _Op(uow.session)
        try:
            migration.upgrade()
        finally:
            migration.op = real
        uow.commit()
    assert search_households(admin_session, "siobhan")[0].address_line == "4 Quay Street"
