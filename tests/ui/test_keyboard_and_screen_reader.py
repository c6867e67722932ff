"""Keyboard sorting, focus scrolled into view, headings and values spoken, words for the ⚠ sign."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QMenu

from centre_desk.domain.household import SearchHit
from centre_desk.ui.a11y import heading_level
from centre_desk.ui.search import SearchResultsModel
from centre_desk.ui.table_model import HeaderedTableModel
from centre_desk.ui.widgets import MIN_ROW_HEIGHT, heading, record_table
from tests.conftest import ADMIN, ADMIN_PASSWORD

from .conftest import make_context, press, show_and_focus, sign_in_directly

SORT_ROLE = Qt.ItemDataRole.UserRole + 1


class Rows(HeaderedTableModel):
    HEADERS = ("Name", "Date")

    def __init__(self, rows: list[tuple[str, str]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows = rows

    def _count(self) -> int:
        return len(self.rows)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:  # type: ignore[override]
        if not self._valid(index):
            return None
        text = self.rows[index.row()][index.column()]
        return self._text_roles(index, role, text, text)


def test_a_record_table_is_sorted_from_the_keyboard_and_its_rows_are_big_enough(qtbot):
    model = Rows([("Bea", "2024-01-02"), ("Ann", "2025-03-04"), ("Cal", "2023-05-06")])
    parent = QObject()
    proxy, view = record_table(parent, model, SORT_ROLE, 1, "rows", "Rows", "Some rows")
    qtbot.addWidget(view)
    view.show()
    show_and_focus(qtbot, view)
    view.setFocus()
    assert [proxy.index(r, 0).data() for r in range(3)] == ["Ann", "Bea", "Cal"]  # newest first
    assert view.rowHeight(0) >= MIN_ROW_HEIGHT
    assert "Shift+F10" in view.accessibleDescription()

    press(qtbot, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=3000)
    menu = QApplication.activePopupWidget()
    assert [a.text() for a in menu.actions()] == ["Sort by Name (A to Z, oldest first)",
                                                  "Sort by Date (reverse the order)"]
    qtbot.keyClick(menu, Qt.Key.Key_Return)  # the first entry (highlighted): by name
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=3000)
    assert [proxy.index(r, 0).data() for r in range(3)] == ["Ann", "Bea", "Cal"]
    assert view.horizontalHeader().sortIndicatorSection() == 0
    show_and_focus(qtbot, view)
    view.setFocus()
    press(qtbot, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=3000)
    menu = QApplication.activePopupWidget()
    assert menu.actions()[0].text() == "Sort by Name (reverse the order)"
    qtbot.keyClick(menu, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=3000)
    assert [proxy.index(r, 0).data() for r in range(3)] == ["Cal", "Bea", "Ann"]


def test_a_safeguarding_concern_in_the_results_is_said_in_words():
    model = SearchResultsModel()
    model.set_hits([SearchHit("h1", ("Ioana Rădulescu",), ("Zoë",), "BS21 7AA", date(2026, 1, 5), True)])
    adults = model.index(0, SearchResultsModel.ADULTS)
    assert adults.data() == "⚠ Safeguarding concern: Ioana Rădulescu"
    assert adults.data(Qt.ItemDataRole.AccessibleTextRole) == "Adults: ⚠ Safeguarding concern: Ioana Rădulescu"


def test_headings_are_exposed_as_headings(qtbot):
    label = heading("Find a household", 18, "searchHeading")
    qtbot.addWidget(label)
    interface = QAccessible.queryAccessibleInterface(label)
    assert interface.role() == QAccessible.Role.Heading
    assert interface.text(QAccessible.Text.Name) == "Find a household"
    assert heading_level(label) == 1


def test_tabbing_into_a_form_section_shows_the_field_and_details_are_spoken(qtbot, store, tasks, shell_factory,
                                                                             family):
    context = make_context(store.data_dir, tasks)
    main = shell_factory(context).open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    main.resize(900, 520)  # small enough that the people's section scrolls
    show_and_focus(qtbot, main)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    desk = main.households

    # The household's details: the value is spoken with its name.
    desk.show_household(family[0])
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    postcode = main.findChild(QObject, "detail:postcode")
    interface = QAccessible.queryAccessibleInterface(postcode)
    assert interface.text(QAccessible.Text.Name) == "Postcode"
    assert interface.text(QAccessible.Text.Description) == "BS21 7AA"
    banner = QAccessible.queryAccessibleInterface(desk.view.banner)
    assert "safeguarding lead" in banner.text(QAccessible.Text.Description)

    # A field far down a section, focused from outside the page, is scrolled into view.
    desk.new_household()
    form = desk.form_page.form
    page = form.pages[0]
    last = form.row("family_needs").input
    form.nav.setFocus()
    last.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.wait(100)
    assert page.verticalScrollBar().value() > 0  # it had to scroll
    seen = last.visibleRegion().boundingRect()
    assert seen.height() >= last.height() - 3, f"only {seen.height()} of {last.height()} px of the field are in sight"
