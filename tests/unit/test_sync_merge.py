"""The merge rule of sync (``domain.sync``): per field, members by person id, own edits never clash."""

from __future__ import annotations

from centre_desk.domain.sync import Change, FieldStamp, field_changes, merge_edit

BASE = {"fields": {"town": "Clevedon", "phone": "1"},
        "members": [{"id": "p1", "fields": {"first_name": "Zofia"}}, {"id": "p2", "fields": {"first_name": "Ola"}}]}


def test_changes_address_members_by_person_id_not_position() -> None:
    after = {"fields": {"town": "Nailsea", "phone": "1"},
             "members": [{"id": "p2", "fields": {"first_name": "Ola"}}, {"id": "p1", "fields": {"first_name": "Zosia"}},
                         {"id": "p3", "fields": {"first_name": "New"}}]}
    changes = field_changes(BASE, after)
    assert Change("town", None, "Clevedon", "Nailsea") in changes
    assert Change("first_name", "p1", "Zofia", "Zosia") in changes
    assert Change("*", "p3", None, {"first_name": "New"}) in changes
    assert len(changes) == 3  # reordering members is not a change


def test_a_field_changed_elsewhere_since_the_base_is_a_clash_and_the_server_keeps_its_value() -> None:
    stamps = {":town": FieldStamp(5, "dev-a", "alice", "t")}
    body = {**BASE, "fields": {"town": "Yatton", "phone": "1"}}
    result = merge_edit(body, stamps, 3, "dev-b", [Change("town", None, "Clevedon", "Portishead"),
                                                   Change("phone", None, "1", "2")])
    assert result.body["fields"] == {"town": "Yatton", "phone": "2"}  # the other field merged
    assert [c.change.field for c in result.clashes] == ["town"]
    assert result.clashes[0].server_value == "Yatton"


def test_no_clash_with_itself_after_the_base_nor_when_the_base_is_recent() -> None:
    stamps = {":town": FieldStamp(5, "dev-a", "alice", "t")}
    body = {**BASE, "fields": {"town": "Yatton", "phone": "1"}}
    own = merge_edit(body, stamps, 3, "dev-a", [Change("town", None, "Clevedon", "Portishead")])
    assert own.clashes == [] and own.body["fields"]["town"] == "Portishead"
    seen = merge_edit(body, stamps, 5, "dev-b", [Change("town", None, "Yatton", "Portishead")])
    assert seen.clashes == [] and seen.body["fields"]["town"] == "Portishead"


def test_a_change_to_a_member_the_server_no_longer_has_is_dropped_not_applied_elsewhere() -> None:
    result = merge_edit(BASE, {}, 1, "dev-b", [Change("first_name", "gone", "X", "Y")])
    assert result.body == BASE and len(result.dropped) == 1
