"""The per-child table on the membership form (version 3): a step-parent is the birth parent of one
child and the step-parent of the other, entered with the keyboard alone, saved, and shown again
when the household is reopened; the drop-downs ignore a wheel that scrolls past them."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QMessageBox

from centre_desk.ui.forms.fields import PerEntryRow, SteadyComboBox
from centre_desk.ui.forms.values import child_words

from .conftest import focused, press, show_and_focus, type_text
from .test_households import CTRL, answer, modal, open_desk, person, settle, tab_to


def test_a_step_parent_has_a_different_relationship_to_each_child(qtbot, store, tasks, shell_factory):  # type: ignore[no-untyped-def]
    from .test_names import _unnamed

    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    desk = main.households
    press(qtbot, Qt.Key.Key_N, CTRL)
    type_text(qtbot, "4 Marine Parade")
    answer(qtbot, "Town or city", "Clevedon")
    answer(qtbot, "Postcode", "BS21 7QS")
    tab_to(qtbot, "Next: People in your household")
    press(qtbot, Qt.Key.Key_Return)
    assert focused().accessibleName() == "Person 1 first name"
    type_text(qtbot, "Zofia")
    person(qtbot, 1, "Wisniewska", "01/01/1990", "Parent")
    for n, (first, last, dob, role) in enumerate((("Kacper", "Wisniewski", "01/02/2018", "Child"),
                                                  ("Zuzanna", "Wojcik", "03/05/2023", "Child"),
                                                  ("Dariusz", "Wojcik", "03/03/1988", "Partner")), start=2):
        press(qtbot, Qt.Key.Key_M, CTRL)
        type_text(qtbot, first)
        person(qtbot, n, last, dob, role)
    form = desk.form_page.form
    table = form.row("members[3].children")
    assert isinstance(table, PerEntryRow) and table.shown
    assert not form.row("members[1].children").shown  # a child has no relationship to the children
    today = date.today()
    kacper, zuzanna = child_words("Kacper", "01/02/2018", today), child_words("Zuzanna", "03/05/2023", today)
    assert kacper.startswith("Kacper, ") and zuzanna.startswith("Zuzanna, ")  # named by first name and age

    # Tab reaches each cell; typing the first letters chooses, as in every drop-down.
    tab_to(qtbot, f"Person 4 relationship to each child: {kacper}: relationship")
    assert focused().objectName() == "members[3].children[members[1]].relationship"
    type_text(qtbot, "St")
    answer(qtbot, f"Person 4 relationship to each child: {kacper}: parental responsibility", "N")
    answer(qtbot, f"Person 4 relationship to each child: {zuzanna}: relationship", "B")
    answer(qtbot, f"Person 4 relationship to each child: {zuzanna}: parental responsibility", "Y")
    assert table.value() == {
        next(g.entry_id for g in form.entries_page().groups if g.number == 2):
            {"relationship": "step-parent", "parental_responsibility": False},
        next(g.entry_id for g in form.entries_page().groups if g.number == 3):
            {"relationship": "birth-parent", "parental_responsibility": True}}

    # A wheel over a drop-down that does not have the focus scrolls the page; the answer stays.
    combo = form.findChild(QComboBox, "members[3].children[members[1]].relationship")
    assert isinstance(combo, SteadyComboBox) and not combo.hasFocus()
    before = combo.currentIndex()
    at = QPointF(combo.rect().center())
    QApplication.sendEvent(combo, QWheelEvent(at, QPointF(combo.mapToGlobal(QPoint(5, 5))), QPoint(0, 0),
                                              QPoint(0, -120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                                              Qt.ScrollPhase.NoScrollPhase, False))
    assert combo.currentIndex() == before
    assert _unnamed(main) == []

    # Renaming a child on the form renames her row; the answers stay with her.
    form.row("members[2].first_name").input.setText("Zuza")
    form.row("members[2].first_name").changed.emit()
    assert form.findChild(QComboBox, "members[3].children[members[2]].relationship").accessibleName() == (
        f"Person 4 relationship to each child: {child_words('Zuza', '03/05/2023', today)}: relationship")
    form.row("members[2].first_name").input.setText("Zuzanna")
    form.row("members[2].first_name").changed.emit()

    press(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    later = modal(qtbot, QMessageBox)
    qtbot.keyClick(later, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)
    show_and_focus(qtbot, main)
    settle(qtbot, tasks)
    household = desk.view.household
    _zofia, k, z, dariusz = household.members
    assert dariusz.fields["children"] == {k.id: {"relationship": "step-parent", "parental_responsibility": False},
                                          z.id: {"relationship": "birth-parent", "parental_responsibility": True}}
    assert household.form_version == 3

    # The household page says it in words, a line per child.
    desk.view.members_view.setFocus()
    for _ in range(3):
        press(qtbot, Qt.Key.Key_Down)
    assert desk.view.person_details.title.text() == "Dariusz Wojcik"
    shown = desk.view.person_details.texts()
    assert shown[f"children[{k.id}]"] == "Step-parent, parental responsibility: no"
    assert shown[f"children[{z.id}]"] == "Birth parent, parental responsibility: yes"

    # Reopened for editing, the table shows the same answers against the same children.
    press(qtbot, Qt.Key.Key_E, CTRL)
    assert main.current_page_name() == "household-form"
    form = desk.form_page.form
    assert form.row("members[3].children[members[1]].relationship").value() == "step-parent"
    assert form.row("members[3].children[members[1]].parental_responsibility").value() is False
    assert form.row("members[3].children[members[2]].relationship").value() == "birth-parent"
    assert form.row("members[3].children[members[2]].parental_responsibility").value() is True
    assert not form.dirty
