"""The form as staff meet it: drop-downs that scrolling cannot change, conditions that reach across
pages and from a person to the household, and a problem summary that follows the fields."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QScrollArea, QWidget

from centre_desk.formspec.forms import forms_dir, load_form
from centre_desk.ui.forms.renderer import FormView
from tests.unit.test_conditions import VISITS_FORM

from .conftest import focused, press, show_and_focus, type_text

TAB = Qt.Key.Key_Tab


def wheel(widget: QWidget, notches: int = -1) -> None:
    """A mouse wheel turned over the middle of ``widget``, delivered as the window system does."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def membership_view(qtbot) -> FormView:  # type: ignore[no-untyped-def]
    view = FormView(load_form("membership"), today=date.today)
    qtbot.addWidget(view)
    view.resize(1000, 420)  # short, so that the people page scrolls
    view.show()
    show_and_focus(qtbot, view)
    return view


def page_of(view: FormView, widget: QWidget) -> QScrollArea:
    page = view.pages[view._page_of(widget)]
    assert isinstance(page, QScrollArea)
    return page


def test_the_wheel_over_a_drop_down_scrolls_the_form_and_leaves_the_answer(qtbot):  # type: ignore[no-untyped-def]
    view = membership_view(qtbot)
    view.go_to_section(1)
    gender = view.row("members[0].gender")
    gender.set_value("female")
    combo = gender.input
    assert isinstance(combo, QComboBox)
    page = page_of(view, combo)
    qtbot.waitUntil(lambda: page.verticalScrollBar().maximum() > 0, timeout=3000)

    # Not focused: the pointer just passes over it while scrolling down the page.
    assert QApplication.focusWidget() is not combo
    before = page.verticalScrollBar().value()
    wheel(combo, -1)
    assert gender.value() == "female"
    assert page.verticalScrollBar().value() > before

    # Focused, as after clicking it or tabbing to it: still the page that moves.
    combo.setFocus(Qt.FocusReason.TabFocusReason)
    page.ensureWidgetVisible(combo)
    before = page.verticalScrollBar().value()
    for notches in (-1, -1, 1, -1):
        wheel(combo, notches)
    assert gender.value() == "female"
    assert page.verticalScrollBar().value() != before
    assert combo.currentText() == "Female"


def test_page_down_on_a_focused_drop_down_scrolls_instead_of_choosing(qtbot):  # type: ignore[no-untyped-def]
    view = membership_view(qtbot)
    view.go_to_section(1)
    gender = view.row("members[0].gender")
    gender.set_value("female")
    gender.input.setFocus(Qt.FocusReason.TabFocusReason)
    page = page_of(view, gender.input)
    qtbot.waitUntil(lambda: page.verticalScrollBar().maximum() > 0, timeout=3000)
    page.verticalScrollBar().setValue(0)
    press(qtbot, Qt.Key.Key_PageDown)
    assert gender.value() == "female"
    assert page.verticalScrollBar().value() > 0
    press(qtbot, Qt.Key.Key_PageUp)
    assert gender.value() == "female"
    assert page.verticalScrollBar().value() == 0
    # Choosing with the keyboard still works.
    press(qtbot, Qt.Key.Key_Down)
    assert gender.value() == "male"


@pytest.fixture
def visits_form(tmp_path: Path) -> Any:
    shutil.copy(forms_dir() / "schema.json", tmp_path / "schema.json")
    (tmp_path / "visits.yaml").write_text(VISITS_FORM, encoding="utf-8")
    return load_form("visits", root=tmp_path)


def test_a_household_answer_on_page_one_asks_more_of_each_person(qtbot, visits_form):  # type: ignore[no-untyped-def]
    view = FormView(visits_form, today=date.today)
    qtbot.addWidget(view)
    view.show()
    show_and_focus(qtbot, view)
    view.add_entry()
    days = [view.row(f"people[{i}].at_home_days") for i in (0, 1)]
    notes = [view.row(f"people[{i}].visit_note") for i in (0, 1)]
    assert not any(row.shown for row in days) and not any(row.required for row in notes)

    view.focus_first()
    assert focused().accessibleName() == "Home visits wanted"
    type_text(qtbot, "Yes")
    assert all(row.shown for row in days) and all(row.required for row in notes)
    view.go_to_section(1)
    assert all(row.isVisible() for row in days)

    view.row("home_visits").set_value(False)
    view.row("home_visits").changed.emit()
    assert not any(row.shown or row.isVisible() for row in days)
    # A person added afterwards follows the household's answer too.
    view.row("home_visits").set_value(True)
    view.row("home_visits").changed.emit()
    view.add_entry()
    assert view.row("people[2].at_home_days").shown
    assert view.values()["home_visits"] is True


def test_the_problem_summary_follows_the_fields_as_they_are_put_right(qtbot):  # type: ignore[no-untyped-def]
    from centre_desk.domain.errors import ValidationFailed
    from centre_desk.formspec.forms import validate_submission

    view = membership_view(qtbot)

    def save() -> None:
        try:
            validate_submission(view.form, view.values(), today=date.today())
        except ValidationFailed as failed:
            view.show_problems(failed.problems)
        else:
            view.show_problems([])

    save()
    assert view.summary.isVisible()
    first = view.summary.text()
    assert "Address line 1 is required." in first
    assert first.startswith("Please check these 4 answers")
    assert "People in your household needs at least 1 entry." in first
    assert focused() is view.row("address_line1").input

    type_text(qtbot, "1 Sea Road")
    text = view.summary.text()
    assert "Address line 1" not in text
    assert text.startswith("Please check these 3 answers")
    assert view.row("address_line1").problem_text == ""
    assert view.sections.problems(0) == 2

    press(qtbot, TAB)
    press(qtbot, TAB)
    assert focused().accessibleName() == "Town or city"
    type_text(qtbot, "Clevedon")
    press(qtbot, TAB)
    type_text(qtbot, "BS21 7AA")
    one = "Please check this answer before saving:\n"
    assert view.summary.text() == one + "People in your household needs at least 1 entry."
    view.go_to_section(1)
    view.row("members[0].first_name").input.setFocus()
    type_text(qtbot, "Ioana")
    # Someone is filled in now, so nothing on screen is wrong any more: no summary either.
    assert not view.summary.isVisible()
    assert [view.sections.problems(i) for i in range(len(view.pages))] == [0, 0]

    save()
    assert view.summary.text().startswith("Please check these 2 answers")
    assert "Person 1: Last name is required." in view.summary.text()
    view.row("members[0].last_name").input.setFocus()
    type_text(qtbot, "Pop")
    assert view.summary.text() == one + "Person 1: Role in the household is required."
    view.row("members[0].role").input.setFocus()
    type_text(qtbot, "Parent")
    assert not view.summary.isVisible()
    assert [view.sections.problems(i) for i in range(len(view.pages))] == [0, 0]
    save()
    assert not view.summary.isVisible()
