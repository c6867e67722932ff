"""The search window keeps up with typing: rows are replaced in place (no model reset), column
widths are fixed once, and an answer to an older query never replaces a newer one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtWidgets import QHeaderView

from centre_desk.domain.household import SearchHit
from centre_desk.ui import search as search_module
from centre_desk.ui.search import HouseholdSearch, SearchBox, SearchPage, SearchResultsModel


def _hit(n: int, name: str = "Ada") -> SearchHit:
    return SearchHit(f"h{n}", (f"{name} {n}",), (), "BS23 1AA", date(2026, 1, n % 28 + 1))


class HeldTasks:
    """A task runner that runs the work at once but hands answers back only when told, in any
    order: a slow store, with a second search overtaking the first."""

    def __init__(self) -> None:
        self.held: list[tuple[Any, Callable[[Any], object]]] = []

    def run(self, fn: Callable[[], Any], on_result: Callable[[Any], object] | None = None,
            on_error: Any = None, *, owner: Any = None, serial: bool = True) -> None:
        assert on_result is not None
        self.held.append((fn(), on_result))

    def deliver(self, index: int) -> None:
        result, on_result = self.held[index]
        on_result(result)


def test_rows_are_replaced_in_place_without_a_model_reset(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = SearchResultsModel()
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.set_hits([_hit(n) for n in range(5)])
    model.set_hits([_hit(n, "Bea") for n in range(3)])
    assert [model.hit(r).adults for r in range(model.rowCount())] == [("Bea 0",), ("Bea 1",), ("Bea 2",)]
    model.set_hits([_hit(n) for n in range(50)])
    assert model.rowCount() == 50 and model.hit(49).household_id == "h49"
    model.set_hits([])
    assert model.rowCount() == 0
    assert resets == []


def test_cells_show_the_newest_answer_for_every_role_after_in_place_replacement(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The texts are worked out once per answer: a row replaced in place, or added, shows its new
    text for display, screen reader and sorting, and roles the model does not answer are empty."""
    from PySide6.QtCore import Qt

    from centre_desk.ui.household_models import ID_ROLE, SORT_ROLE

    model = SearchResultsModel()
    model.set_hits([_hit(n) for n in range(3)])
    flagged = SearchHit("h1", ("Bea Ní Bhriain",), ("Cian Ní Bhriain",), "BS21 7QQ", None, safeguarding_concern=True)
    model.set_hits([_hit(0), flagged, _hit(2), _hit(3)])
    cell = model.index(1, SearchResultsModel.ADULTS)
    assert cell.data() == "⚠ Safeguarding concern: Bea Ní Bhriain"
    assert cell.data(Qt.ItemDataRole.AccessibleTextRole) == "Adults: ⚠ Safeguarding concern: Bea Ní Bhriain"
    assert model.index(1, SearchResultsModel.CHILDREN).data(SORT_ROLE) == "cian ní bhriain"
    assert model.index(1, SearchResultsModel.LAST_CONTACT).data() == "None recorded"
    assert model.index(1, SearchResultsModel.LAST_CONTACT).data(SORT_ROLE) == ""
    assert model.index(1, SearchResultsModel.CHILDREN).data(Qt.ItemDataRole.AccessibleTextRole) == \
        "Children: Cian Ní Bhriain"
    assert model.index(0, SearchResultsModel.CHILDREN).data(Qt.ItemDataRole.AccessibleTextRole) == "Children: none"
    assert model.index(3, SearchResultsModel.ADULTS).data() == "Ada 3"
    assert model.index(3, SearchResultsModel.LAST_CONTACT).data() == "04/01/2026"
    assert model.index(3, 0).data(ID_ROLE) == "h3"
    assert model.index(1, 0).data(Qt.ItemDataRole.FontRole) is None
    assert model.index(1, 0).data(Qt.ItemDataRole.DecorationRole) is None
    model.set_hits([_hit(5)])
    assert model.rowCount() == 1 and model.index(0, 0).data() == "Ada 5"
    assert model.index(1, 0).data() is None  # a row that went away


def test_column_widths_are_fixed_once_not_measured_per_keystroke(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = SearchPage()
    qtbot.addWidget(page)
    header = page.view.horizontalHeader()
    for column in (SearchResultsModel.POSTCODE, SearchResultsModel.LAST_CONTACT):
        assert header.sectionResizeMode(column) == QHeaderView.ResizeMode.Fixed
    fixed = (SearchResultsModel.POSTCODE, SearchResultsModel.LAST_CONTACT)
    widths = [header.sectionSize(c) for c in fixed]
    page.model.set_hits([SearchHit("h1", ("Someone With A Long Name",), (), "W1A 1AA", None)])
    assert [header.sectionSize(c) for c in fixed] == widths
    # ...and wide enough for what goes in them.
    metrics = page.view.fontMetrics()
    assert header.sectionSize(SearchResultsModel.LAST_CONTACT) > metrics.horizontalAdvance("None recorded")


def test_an_older_answer_arriving_late_never_replaces_a_newer_one(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    answers = {"ad": [_hit(1), _hit(2)], "ada": [_hit(1)]}
    monkeypatch.setattr(search_module, "search_households", lambda _s, query, _limit: answers[query])
    box, page, tasks = SearchBox(), SearchPage(), HeldTasks()
    qtbot.addWidget(box)
    qtbot.addWidget(page)
    searching = HouseholdSearch(box, page, tasks, lambda: None)  # type: ignore[arg-type]
    box.setText("ad")
    searching.search_now()
    box.setText("ada")
    searching.search_now()
    tasks.deliver(1)  # the newer answer first...
    assert page.model.rowCount() == 1
    tasks.deliver(0)  # ...then the slow older one: dropped
    assert page.model.rowCount() == 1 and page.model.hit(0).household_id == "h1"
    assert "1 household matches “ada”" in page.status.text()


def test_more_than_fifty_are_reachable_and_typing_starts_again_at_fifty(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    asked: list[int] = []

    def search(_session: Any, query: str, limit: int) -> list[SearchHit]:
        asked.append(limit)
        return [_hit(n) for n in range(min(limit, 70 if query == "smith" else 3))]

    monkeypatch.setattr(search_module, "search_households", search)
    box, page, tasks = SearchBox(), SearchPage(), HeldTasks()
    qtbot.addWidget(box)
    qtbot.addWidget(page)
    page.show()
    searching = HouseholdSearch(box, page, tasks, lambda: None)  # type: ignore[arg-type]
    box.setText("smith")
    searching.search_now()
    tasks.deliver(0)
    assert page.model.rowCount() == 50 and page.more_button.isVisible()
    assert "the first 50 are shown" in page.status.text() and "Show more results" in page.status.text()
    first = page.model.hit(0)
    page.more_button.click()
    tasks.deliver(1)
    assert asked == [50, 500]
    assert page.model.rowCount() == 70 and page.model.hit(0) == first  # the rows shown stay where they were
    assert not page.more_button.isVisible() and "70 households match" in page.status.text()
    qtbot.keyClicks(box, "s")  # typing again: back to the first 50
    searching.search_now()
    tasks.deliver(2)
    assert asked[-1] == 50 and not page.more_button.isVisible()  # "smiths" finds 3
