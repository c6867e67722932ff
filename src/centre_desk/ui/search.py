"""Finding a household: a search box (Ctrl+F) that searches as you type, and a results table.

The box lives in the main window's toolbar so it is there from every page. Searching waits for a
short pause in typing, then runs in the background; answers to an older query that arrive after a
newer one are dropped. Down moves from the box into the results, Enter opens a household, and Up
from the first result goes back to the box.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.household import SearchHit
from centre_desk.services.households import search_households
from centre_desk.services.session import DeskSession

from .a11y import announce, expose
from .errors import describe
from .forms.values import age_words
from .household_models import ID_ROLE, SORT_ROLE, uk_date
from .table_model import HeaderedTableModel
from .tasks import TaskRunner
from .widgets import add_keyboard_sorting, comfortable_rows, heading, named

_Index = QModelIndex | QPersistentModelIndex
SEARCH_NAME = "Search households"
DEBOUNCE_MS = 150
RESULT_LIMIT = 50
MORE_LIMIT = 500  # "Show more results": well within the 1,000 a search may show


_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole,
                    SORT_ROLE, ID_ROLE})


class SearchResultsModel(HeaderedTableModel):
    ADULTS, CHILDREN, ADDRESS, POSTCODE, LAST_CONTACT = range(5)
    HEADERS = ("Adults", "Children", "Address", "Postcode", "Last contact")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[SearchHit] = []
        self._texts: list[tuple[str, ...]] = []  # each row's cell texts, worked out once per answer
        self.today = date.today()

    def _row_texts(self, hit: SearchHit) -> tuple[str, ...]:
        return tuple(self._text(hit, column) for column in range(len(self.HEADERS)))

    def set_hits(self, hits: Sequence[SearchHit]) -> None:
        """Replace the rows without a model reset: a reset makes the view drop its selection,
        scroll position and size hints and lay out every row again, once per keystroke. The cell
        texts are worked out here, once: a repaint asks ``data`` some 600 times for 50 rows."""
        new = list(hits)
        self.today = date.today()
        old_count, new_count = len(self._hits), len(new)
        if new_count < old_count:
            self.beginRemoveRows(QModelIndex(), new_count, old_count - 1)
            self._hits = self._hits[:new_count]
            self._texts = self._texts[:new_count]
            self.endRemoveRows()
        shared = min(old_count, new_count)
        changed = [row for row in range(shared) if self._hits[row] != new[row]]
        self._hits[:shared] = new[:shared]
        for row in changed:
            self._texts[row] = self._row_texts(new[row])
        if changed:
            self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], len(self.HEADERS) - 1))
        if new_count > old_count:
            self.beginInsertRows(QModelIndex(), old_count, new_count - 1)
            self._hits.extend(new[old_count:])
            self._texts.extend(self._row_texts(h) for h in new[old_count:])
            self.endInsertRows()

    def hit(self, row: int) -> SearchHit:
        return self._hits[row]

    def _count(self) -> int:
        return len(self._hits)

    def _text(self, hit: SearchHit, column: int) -> str:
        if column == self.ADULTS:
            names = ", ".join(hit.adults)
            # The sign alone says nothing to a screen reader, or to anyone who has not learnt it.
            return f"⚠ Safeguarding concern: {names}" if hit.safeguarding_concern else names
        if column == self.CHILDREN:
            # With their ages, as on the household page (babies in months): two families of the
            # same names are told apart by their children's ages and the address.
            births = (hit.child_births + (None,) * len(hit.children))[:len(hit.children)]
            return ", ".join(name if born is None else f"{name} ({age_words(born, self.today)[0]})"
                             for name, born in zip(hit.children, births, strict=True))
        if column == self.ADDRESS:
            return hit.address_line
        if column == self.POSTCODE:
            return hit.postcode
        return uk_date(hit.last_contact) if hit.last_contact else "None recorded"

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # The roles this model answers are checked first: a paint asks for font, colours,
        # alignment, decoration and check state of every cell too, and those are all None.
        if role not in _ROLES:
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._texts) and 0 <= column < len(self.HEADERS)) or not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.ToolTipRole:
            return self._texts[row][column]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self.HEADERS[column]}: {self._texts[row][column] or 'none'}"
        hit = self._hits[row]
        if role == SORT_ROLE:
            if column == self.LAST_CONTACT:
                return hit.last_contact.isoformat() if hit.last_contact else ""
            return self._texts[row][column].casefold()
        return hit.household_id  # ID_ROLE


class SearchBox(QLineEdit):
    """``down`` when Down is pressed (into the results); ``enter`` on Enter."""

    down = Signal()
    enter = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.down.emit()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enter.emit()
            return
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)


class ResultsView(QTableView):
    """``open_requested(household id)`` on Enter or a double click; ``up_from_top`` on Up at the top."""

    open_requested = Signal(str)
    up_from_top = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.doubleClicked.connect(self._open)

    def _open(self, index: QModelIndex) -> None:
        household_id = index.siblingAtColumn(0).data(ID_ROLE) if index.isValid() else None
        if household_id:
            self.open_requested.emit(str(household_id))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._open(self.currentIndex())
            return
        if event.key() == Qt.Key.Key_Up and self.currentIndex().row() <= 0:
            self.up_from_top.emit()
            return
        super().keyPressEvent(event)


class SearchPage(QWidget):
    """The results of the search box's query."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchPage")
        self.model = SearchResultsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.view = named(ResultsView(), "searchResults", "Households found",
                          "Enter opens the household; Up from the first row goes back to the search box")
        self.view.setModel(self.proxy)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # Fixed widths worked out once from the font: ResizeToContents measured every row of both
        # columns again on every keystroke. Postcodes and dates have a known longest form.
        metrics = self.view.fontMetrics()
        pad = 4 * metrics.horizontalAdvance(" ") + 24  # room for the sort indicator
        for column, longest in ((SearchResultsModel.POSTCODE, ("WW99 9WW", "Postcode")),
                                (SearchResultsModel.LAST_CONTACT, ("None recorded", "28/08/2088", "Last contact"))):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.view.setColumnWidth(column, max(metrics.horizontalAdvance(t) for t in longest) + pad)
        # Every row is one line of text: a uniform height spares the view asking each row its size.
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        comfortable_rows(self.view)
        # No column sorted to start with: the store's order puts the best matches first.
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        add_keyboard_sorting(self.view)
        self.status = QLabel()
        self.status.setObjectName("searchStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        # More than the first 50: shown only when a search filled them; typing starts again at 50.
        self.more_button = named(QPushButton("Show more results"), "showMoreResults", "Show more results",
                                 f"Up to {MORE_LIMIT} households for this search")
        self.more_button.setVisible(False)
        self.limit = RESULT_LIMIT
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 20, 32, 20)
        layout.setSpacing(10)
        layout.addWidget(heading("Find a household", 18, "searchHeading"))
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.show_status("")

    def show_status(self, query: str, count: int | None = None, problem: str = "") -> None:
        if problem:
            text = problem
        elif not query:
            text = "Type a name, postcode, phone number or date of birth in the search box (Ctrl+F)."
        elif count is None:
            text = "Searching…"
        elif count == 0:
            text = f"No households match “{query}”. Check the spelling, or try a postcode or date of birth."
        else:
            full = count >= self.limit
            more = ""
            if full and self.limit < MORE_LIMIT:
                more = f" (the first {self.limit} are shown: add more words, or choose Show more results)"
            elif full:
                more = f" (the first {self.limit} are shown: add more words to narrow it down)"
            found = "1 household matches" if count == 1 else f"{count} households match"
            text = f"{found} “{query}”{more}. Down goes to the " \
                   "results; Enter opens one."
        self.more_button.setVisible(count is not None and not problem and count >= self.limit
                                    and self.limit < MORE_LIMIT)
        self.status.setText(text)
        expose(self.status, "Search status")
        if count is not None or problem:
            announce(self.status, text)

    def first_household(self) -> str | None:
        if self.proxy.rowCount() == 0:
            return None
        row = max(self.view.currentIndex().row(), 0)
        return str(self.proxy.index(row, 0).data(ID_ROLE))

    def enter_results(self) -> bool:
        if self.proxy.rowCount() == 0:
            return False
        if not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.proxy.index(0, 0))
        self.view.selectRow(self.view.currentIndex().row())
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        return True


class HouseholdSearch(QObject):
    """Connects the box to the page: waits for a pause, searches in the background, shows results.

    ``wanted(deliberate)`` is emitted when there is something to show, so the window can bring the
    page up: ``deliberate`` is False when it is only typing (the window may then stay where it is),
    True for Down or Enter.
    """

    wanted = Signal(bool)

    def __init__(self, box: SearchBox, page: SearchPage, tasks: TaskRunner, session: Callable[[], DeskSession],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.box = box
        self.page = page
        self._tasks = tasks
        self._session = session
        self._asked = 0
        self._enter_when_found = False
        self.last_query = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.search_now)
        box.textEdited.connect(self._typed)
        box.down.connect(self._down)
        page.view.up_from_top.connect(lambda: box.setFocus(Qt.FocusReason.OtherFocusReason))
        page.more_button.clicked.connect(self.show_more)

    def _typed(self, _text: str) -> None:
        self._enter_when_found = False
        self.page.limit = RESULT_LIMIT
        self._timer.start()

    def show_more(self) -> None:
        """The same search again, for up to ``MORE_LIMIT`` households; the rows already shown stay
        where they are (the store's order), so the person does not lose their place."""
        if not self.last_query:
            return
        self.page.limit = MORE_LIMIT
        self.page.more_button.setVisible(False)
        self.page.view.setFocus(Qt.FocusReason.OtherFocusReason)
        self.search_now()

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def search_now(self) -> None:
        self._timer.stop()
        query = self.box.text().strip()
        self._asked += 1
        asked = self._asked
        self.last_query = query
        if not query:
            self.page.model.set_hits([])
            self.page.show_status("")
            return
        self.page.show_status(query)
        self.wanted.emit(False)
        session = self._session()
        limit = self.page.limit

        def work() -> list[SearchHit] | None:
            # A search queued behind another that has since been overtaken by more typing is not
            # run at all: its answer would be dropped anyway, and the newer one waits for it.
            return search_households(session, query, limit) if asked == self._asked else None

        self._tasks.run(work, lambda hits: self._found(asked, query, hits),
                        lambda error: self._failed(asked, error), owner=self.page)

    def _found(self, asked: int, query: str, hits: list[SearchHit] | None) -> None:
        if asked != self._asked or hits is None:
            return
        self.page.model.set_hits(hits)
        self.page.show_status(query, len(hits))
        if self._enter_when_found:
            self._enter_when_found = False
            self.page.enter_results()

    def _failed(self, asked: int, error: BaseException) -> None:
        if asked == self._asked:
            self.page.model.set_hits([])
            self.page.show_status(self.last_query, problem=describe(error))

    def _down(self) -> None:
        if self._timer.isActive():
            self.search_now()
        self.wanted.emit(True)
        if not self.page.enter_results():
            # Down pressed before the answer came back: go into the results when it does.
            self._enter_when_found = bool(self.box.text().strip())

    def clear(self) -> None:
        self._timer.stop()
        self._asked += 1
        self.box.clear()
        self.page.model.set_hits([])
        self.page.show_status("")
