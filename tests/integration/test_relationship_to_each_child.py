"""Relationship and parental responsibility for each child (membership form version 3) on a real
SQLCipher store: a step-parent who holds parental responsibility for one child only gets a subject
access pack with that child and not the other; a household saved under version 2 opens, shows its
one answer on every child and saves in the new shape; portability and import keep the answers with
the right children."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema

from centre_desk.domain.household import Member
from centre_desk.printing.renderer import PdfRenderer
from centre_desk.services.family_documents import print_household_summary
from centre_desk.services.households import open_household, register_household, update_household
from centre_desk.services.importing import import_households, parse_import
from centre_desk.services.subject_access import (
    CHILDREN_IN_COPY,
    EXEMPT_THIRD_PARTY,
    PR_PRESUMED,
    PR_RECORDED,
    PR_SOME,
    build_subject_access,
    portability_package,
    release_subject_access,
)
from tests.integration.test_family_copies import pdf_text

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "subject-access.schema.json").read_text())


def blended_family(session: Any) -> Any:
    """Zofia; Kacper (her son from before); Zuzanna (hers and Dariusz's); Dariusz, who is
    Zuzanna's father and Kacper's step-father, with parental responsibility for Zuzanna only."""
    h = register_household(session, {
        "address_line1": "4 Marine Parade", "town": "Clevedon", "postcode": "BS21 7QS",
        "members": [
            {"first_name": "Zofia", "last_name": "Wiśniewska", "role": "parent", "date_of_birth": "1990-01-01"},
            {"first_name": "Kacper", "last_name": "Wiśniewski", "role": "child", "date_of_birth": "2018-02-01",
             "nursery_school": "Oakfield Primary"},
            {"first_name": "Zuzanna", "last_name": "Wójcik", "role": "child", "date_of_birth": "2023-05-03",
             "nursery_school": "Little Acorns Nursery"},
            {"first_name": "Dariusz", "last_name": "Wójcik", "role": "partner", "date_of_birth": "1988-03-03"},
        ],
    })
    _zofia, kacper, zuzanna, _dariusz = h.members
    data = h.submission()
    data["members"][0]["children"] = {
        kacper.id: {"relationship": "birth-parent", "parental_responsibility": True},
        zuzanna.id: {"relationship": "birth-parent", "parental_responsibility": True}}
    data["members"][3]["children"] = {
        kacper.id: {"relationship": "step-parent", "parental_responsibility": False},
        zuzanna.id: {"relationship": "birth-parent", "parental_responsibility": True}}
    saved, _changes = update_household(session, h.id, data, h.version)
    return saved


def test_a_step_parents_pack_holds_only_the_child_he_has_parental_responsibility_for(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = blended_family(admin_session)
    zofia, kacper, zuzanna, dariusz = h.members
    pack = build_subject_access(admin_session, dariusz.id)
    assert [c["id"] for c in pack.data["children"]] == [zuzanna.id]
    assert pack.data["children"][0]["basis"] == PR_RECORDED
    assert pack.data["children_basis"] == PR_SOME
    # His own answer about Kacper is Kacper's information too: withheld by default, for the reviewer.
    [about_kacper] = [w for w in pack.withheld if w.item == f"person:{dariusz.id}.children.{kacper.id}"]
    assert about_kacper.exemption == EXEMPT_THIRD_PARTY and "Kacper" in about_kacper.what

    released = release_subject_access(admin_session, PdfRenderer(), dariusz.id)
    body = released.json.decode()
    jsonschema.validate(json.loads(body), SCHEMA)
    assert "Little Acorns Nursery" in body and "Zuzanna" in body
    for absent in ("Kacper", "Oakfield Primary", "Wiśniewski", "step-parent", kacper.id + '": {'):
        assert absent not in body, absent
    text = pdf_text(released.pdf)
    assert "Zuzanna Wójcik" in text and "Little Acorns Nursery" in text
    assert "Relationship to Zuzanna Birth parent, parental responsibility: yes" in text
    assert " ".join(CHILDREN_IN_COPY[PR_SOME].split()[:8]) in text
    # The change history in words: the label and the child's name, never a field name or an id.
    assert "Relationship to Zuzanna: (empty) → Birth parent" in " ".join(text.split())
    assert "member:" not in text and zuzanna.id not in text
    for absent in ("Kacper", "Oakfield Primary", "Wiśniewski", "Step-parent"):
        assert absent not in text, absent

    # Zofia holds it for both: both children, recorded.
    mum = build_subject_access(admin_session, zofia.id)
    assert [c["id"] for c in mum.data["children"]] == [kacper.id, zuzanna.id]
    assert mum.data["children_basis"] == PR_RECORDED


def store_in_version_2_shape(session: Any, household_id: str, old: dict[str, dict[str, Any]]) -> None:
    """Rewrite the stored household as a version 2 desk left it: one relationship answer per adult."""
    h = open_household(session, household_id)
    members = tuple(Member(m.id, {k: v for k, v in {**m.fields, **old.get(m.id, {})}.items() if k != "children"})
                    for m in h.members)
    with session.store.unit_of_work() as uow:
        uow.households.update(replace(h, members=members, form_version=2), h.version, session.actor.id)
        uow.commit()


def test_a_version_2_household_shows_its_answer_on_every_child_and_saves_per_child(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = blended_family(admin_session)
    zofia, kacper, zuzanna, dariusz = h.members
    store_in_version_2_shape(admin_session, h.id, {
        dariusz.id: {"relationship_to_children": "step-parent", "parental_responsibility": True},
        zofia.id: {"relationship_to_children": "birth-parent"}})
    old = open_household(admin_session, h.id)
    assert old.form_version == 2 and old.members[3].fields["relationship_to_children"] == "step-parent"
    # Shown: the one answer counts for each child (the subject access pack and the printout agree).
    pack = build_subject_access(admin_session, dariusz.id)
    assert [c["id"] for c in pack.data["children"]] == [kacper.id, zuzanna.id]
    assert pack.data["children_basis"] == PR_RECORDED
    assert build_subject_access(admin_session, zofia.id).data["children_basis"] == PR_PRESUMED
    summary = pdf_text(print_household_summary(admin_session, PdfRenderer(), h.id))
    assert "Relationship to Kacper Step-parent, parental responsibility: yes" in summary
    assert "Relationship to Zuzanna Step-parent, parental responsibility: yes" in summary
    # Saved as it is: the new shape, version 3, with the old keys gone.
    saved, changes = update_household(admin_session, h.id, old.submission(), old.version)
    assert saved.form_version == 3
    assert saved.members[3].fields["children"] == {
        kacper.id: {"relationship": "step-parent", "parental_responsibility": True},
        zuzanna.id: {"relationship": "step-parent", "parental_responsibility": True}}
    assert "relationship_to_children" not in saved.members[3].fields
    assert {c.field for c in changes} >= {f"member:{dariusz.id}.children",
                                          f"member:{dariusz.id}.relationship_to_children"}


def test_portability_and_import_keep_each_answer_with_its_child(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = blended_family(admin_session)
    _zofia, kacper, zuzanna, dariusz = h.members
    files = portability_package(admin_session, h.id)
    [record] = json.loads(files["household.json"])
    assert [m["person_ref"] for m in record["members"]] == [m.id for m in h.members]
    # The file's own order is not what the answers follow: shuffle the members before importing.
    record["members"] = [record["members"][i] for i in (3, 2, 1, 0)]
    result = import_households(admin_session, [record])
    [imported] = result.records
    new = open_household(admin_session, imported.household_id)
    new_dariusz, new_zuzanna, new_kacper, _new_zofia = new.members
    assert new_dariusz.first_name == "Dariusz" and new_dariusz.id != dariusz.id
    assert new_dariusz.fields["children"] == {
        new_zuzanna.id: {"relationship": "birth-parent", "parental_responsibility": True},
        new_kacper.id: {"relationship": "step-parent", "parental_responsibility": False}}
    assert kacper.id not in json.dumps(new.submission()) and zuzanna.id not in json.dumps(new.submission())


def test_a_csv_with_version_2_columns_imports_the_answer_for_every_child(admin_session) -> None:  # type: ignore[no-untyped-def]
    csv_text = (
        "household,address_line1,address_line2,town,postcode,phone,email,first_name,last_name,date_of_birth,role,"
        "relationship_to_children,parental_responsibility\n"
        "H1,1 Hill Road,,Nailsea,BS48 1AA,,,Ana,Pop,1990-01-01,parent,adoptive-parent,yes\n"
        "H1,,,,,,,Ion,Pop,2020-01-01,child,,\n"
        "H1,,,,,,,Eva,Pop,2021-01-01,child,,\n")
    result = import_households(admin_session, parse_import(csv_text.encode(), "csv"))
    h = open_household(admin_session, result.records[0].household_id)
    ana, ion, eva = h.members
    assert ana.fields["children"] == {ion.id: {"relationship": "adoptive-parent", "parental_responsibility": True},
                                      eva.id: {"relationship": "adoptive-parent", "parental_responsibility": True}}


def test_an_import_naming_someone_not_in_the_household_is_refused_without_echoing_it(admin_session) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from centre_desk.domain.errors import ValidationFailed

    record = {"address_line1": "1 Hill Road", "address_line2": "", "town": "Nailsea", "postcode": "BS48 1AA",
              "phone": "", "email": "",
              "members": [
                  {"first_name": "Ana", "last_name": "Pop", "date_of_birth": "1990-01-01", "role": "parent",
                   "person_ref": "a", "children": {"Ion Pop": {"relationship": "birth-parent"}}},
                  {"first_name": "Ion", "last_name": "Pop", "date_of_birth": "2020-01-01", "role": "child",
                   "person_ref": "i"}]}
    with pytest.raises(ValidationFailed) as refused:
        import_households(admin_session, [record])
    assert [(p.field, p.record) for p in refused.value.problems] == [("members[0].children", 1)]
    assert "Ion Pop" not in str(refused.value)


def test_erasing_a_child_takes_the_answers_about_her_off_the_adults(admin_session) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.services.erasure import erase_person

    h = blended_family(admin_session)
    zofia, kacper, zuzanna, dariusz = h.members
    erase_person(admin_session, kacper.id, reason="asked by his mother")
    after = open_household(admin_session, h.id)
    for adult in (zofia.id, dariusz.id):
        assert set(after.member(adult).fields["children"]) == {zuzanna.id}
    assert kacper.id not in json.dumps(after.submission())
    # The adults' change history held their answers about him (the edit that recorded them): gone,
    # and their answers about Zuzanna are still there.
    from centre_desk.services.households import household_history

    history = [(c.field, c.old, c.new) for _at, _by, changes in household_history(admin_session, h.id)
               for c in changes]
    assert kacper.id not in json.dumps(history, default=str)
    assert any(field.endswith(".children") and isinstance(new, dict) and zuzanna.id in new
               for field, _old, new in history)
