"""The Qt models behind search, the household view, drafts and duplicates, checked with qtmodeltester."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import Qt

from centre_desk.domain.drafts import Draft
from centre_desk.domain.duplicates import LikelyDuplicate
from centre_desk.domain.household import FieldChange, Household, Member, SearchHit
from centre_desk.formspec.forms import load_form
from centre_desk.ui.drafts_panel import DraftsModel
from centre_desk.ui.duplicates_dialog import DuplicatesModel
from centre_desk.ui.forms.renderer import SectionListModel
from centre_desk.ui.forms.values import age_words
from centre_desk.ui.household_models import (
    SORT_ROLE,
    ContactsModel,
    HistoryModel,
    MembersModel,
)
from centre_desk.ui.search import SearchResultsModel

TODAY = date(2026, 3, 1)
FORM = load_form("membership")


def _household() -> Household:
    at = datetime(2026, 1, 5, 10, 30, tzinfo=UTC)
    return Household("h1", 2, {"postcode": "BS23 1AA", "town": "Weston-super-Mare"}, (
        Member("p1", {"first_name": "Ioana", "last_name": "Rădulescu", "role": "parent",
                      "date_of_birth": "1991-04-02", "lives_at_address": True}),
        Member("p2", {"first_name": "Ștefan", "last_name": "Rădulescu", "role": "child",
                      "date_of_birth": "2025-06-20"}),
    ), "membership", 1, at, at, date(2026, 2, 27))


def test_search_results_model(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = SearchResultsModel()
    model.set_hits([
        SearchHit("h1", ("Ioana Rădulescu",), ("Ștefan Rădulescu",), "BS23 1AA", date(2026, 2, 27)),
        SearchHit("h2", ("Łukasz Wójcik", "Zofia Wójcik"), (), "BS22 9ZZ", None),
    ])
    qtmodeltester.check(model, force_py=True)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Adults"
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)] == \
        ["Adults", "Children", "Address", "Postcode", "Last contact"]
    assert model.index(1, 0).data() == "Łukasz Wójcik, Zofia Wójcik"
    assert model.index(1, 4).data() == "None recorded"
    assert model.index(0, 4).data() == "27/02/2026"
    assert model.index(0, 4).data(SORT_ROLE) == "2026-02-27"


def test_search_results_tell_families_of_the_same_names_apart(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    """The address line and each child's age (babies in months, as on the household page)."""
    from datetime import timedelta

    today = date.today()
    model = SearchResultsModel()
    model.set_hits([
        SearchHit("h1", ("Isla Smith",), ("Ava Smith", "Leo Smith"), "BS23 1AA", None, address_line="4 Hill Road",
                  child_births=(today - timedelta(days=3 * 365 + 30), today - timedelta(days=100))),
        SearchHit("h2", ("Isla Smith",), ("Ava Smith",), "BS23 1AA", None, address_line="17 Station Road",
                  child_births=(None,)),
    ])
    qtmodeltester.check(model, force_py=True)
    assert model.index(0, SearchResultsModel.ADDRESS).data() == "4 Hill Road"
    assert model.index(0, SearchResultsModel.CHILDREN).data() == "Ava Smith (3 years), Leo Smith (3 months)"
    assert model.index(1, SearchResultsModel.ADDRESS).data() == "17 Station Road"
    assert model.index(1, SearchResultsModel.CHILDREN).data() == "Ava Smith"  # no date of birth: no age


def test_members_model_gives_babies_their_age_in_months(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = MembersModel()
    model.set_household(_household(), FORM, TODAY)
    qtmodeltester.check(model, force_py=True)
    row = [model.index(0, c).data() for c in range(model.columnCount())]
    assert row == ["Ioana Rădulescu", "02/04/1991", "34 years", "Parent", "Yes"]
    assert model.index(1, MembersModel.AGE).data() == "8 months"
    assert model.index(1, MembersModel.LIVES_HERE).data() == "Not known"
    assert age_words(date(2025, 2, 28), TODAY) == ("12 months", 12)


def test_contacts_model(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    contacts = ContactsModel()
    contacts.set_contacts([{"date": "2026-02-27", "type": "home-visit", "note": "New baby", "recorded_by": "rita"},
                           {"date": "2026-01-10", "type": "session", "note": "", "recorded_by": "admin"}])
    qtmodeltester.check(contacts, force_py=True)
    assert [contacts.index(0, c).data() for c in range(4)] == ["27/02/2026", "Home visit", "New baby", "rita"]


def test_history_model_says_what_changed_in_words(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = HistoryModel()
    at = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
    model.set_history([(at, "rita", [
        FieldChange("postcode", "BS23 1AA", "BS22 9ZZ"),
        FieldChange("member:p1.role", "carer", "parent"),
        FieldChange("member:p2.date_of_birth", "2025-06-02", "2025-06-20"),
        FieldChange("member:p9", None, "added"),
        FieldChange("member:p1.interpreter_needed", None, True),
    ])], _household(), FORM)
    qtmodeltester.check(model, force_py=True)
    rows = [(r.who, r.what, r.before, r.after) for r in model.rows()]
    assert rows == [
        ("rita", "Postcode", "BS23 1AA", "BS22 9ZZ"),
        ("rita", "Ioana Rădulescu: Role in the household", "Carer", "Parent"),
        ("rita", "Ștefan Rădulescu: Date of birth", "02/06/2025", "20/06/2025"),
        ("rita", "A person no longer in the household", "—", "Added"),
        ("rita", "Ioana Rădulescu: Needs an interpreter", "—", "Yes"),
    ]


def test_duplicates_drafts_and_sections_models(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    duplicates = DuplicatesModel([LikelyDuplicate("h1", "p1", "Zoë Brontë", "2019-02-01", "BS21 7AA",
                                                  ("similar name", "same date of birth"), 1.4, 0)], ["Zoe Bronte"])
    qtmodeltester.check(duplicates, force_py=True)
    assert duplicates.index(0, DuplicatesModel.REASONS).data() == "Similar name, same date of birth"
    drafts = DraftsModel()
    drafts.set_drafts([Draft("d1", "new", "membership", 1, None, "s1", datetime(2026, 2, 1, 9, 0, tzinfo=UTC),
                             {"postcode": "bs23 1aa", "members": [{"first_name": "Zoë", "last_name": "Brontë"}]})])
    qtmodeltester.check(drafts, force_py=True)
    assert [drafts.index(0, c).data() for c in range(3)] == ["New household", "Zoë Brontë", "BS23 1AA"]
    sections = SectionListModel(["Your household", "People in your household"])
    qtmodeltester.check(sections, force_py=True)
    sections.set_problems([0, 2])
    assert sections.index(1).data() == "People in your household\n2 to check"
    assert sections.index(1).data(Qt.ItemDataRole.AccessibleTextRole) == "People in your household, 2 to check"


def test_history_written_under_form_version_2_reads_in_words() -> None:
    # Version 3 replaced the one relationship to all the children by one per child; the old
    # history lines still name the retired fields.
    model = HistoryModel()
    at = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
    model.set_history([(at, "rita", [
        FieldChange("member:p1.relationship_to_children", None, "step-parent"),
        FieldChange("member:p1.parental_responsibility", None, False),
    ])], _household(), FORM)
    rows = [(r.what, r.after) for r in model.rows()]
    assert rows == [
        ("Ioana Rădulescu: Relationship (to all the children, as recorded before form version 3)", "Step-parent"),
        ("Ioana Rădulescu: Parental responsibility (to all the children, as recorded before form version 3)", "No"),
    ]
