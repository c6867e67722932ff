"""The smaller desk items of issue 11, each as a person at the desk meets it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from centre_desk.formspec.forms import load_form
from centre_desk.ui.signin import SignInWindow
from tests.conftest import ADMIN, ADMIN_PASSWORD, CENTRE

from .conftest import make_context, press, show_and_focus, type_text
from .test_form_behaviour import membership_view


def test_typing_c_in_role_reaches_child_as_well_as_carer_however_fast(qtbot):  # type: ignore[no-untyped-def]
    view = membership_view(qtbot)
    view.go_to_section(1)
    role = view.row("members[0].role")
    role.input.setFocus(Qt.FocusReason.TabFocusReason)
    press(qtbot, Qt.Key.Key_C)
    assert role.value() == "carer"
    press(qtbot, Qt.Key.Key_C)  # at once, as a person types it again
    assert role.value() == "child"
    press(qtbot, Qt.Key.Key_C)
    assert role.value() == "carer"  # round again
    qtbot.wait(QApplication.keyboardInputInterval() + 50)
    type_text(qtbot, "ch")  # the first letters still find it
    assert role.value() == "child"
    qtbot.wait(QApplication.keyboardInputInterval() + 50)
    type_text(qtbot, "pa")
    assert role.value() == "parent"
    press(qtbot, Qt.Key.Key_R)  # "par" still Parent, not a jump to another letter
    assert role.value() == "parent"


def test_typing_in_the_ethnic_group_list_never_lands_on_a_group_heading(qtbot):  # type: ignore[no-untyped-def]
    view = membership_view(qtbot)
    view.go_to_section(1)
    ethnicity = view.row("members[0].ethnicity")
    ethnicity.input.setFocus(Qt.FocusReason.TabFocusReason)
    press(qtbot, Qt.Key.Key_A)  # the "Asian, Asian British or Asian Welsh" heading starts with A too
    assert ethnicity.value() == "asian-other"  # "Any other Asian background", the first choice with an A
    press(qtbot, Qt.Key.Key_A)
    assert ethnicity.value() and ethnicity.input.currentText().casefold().startswith("a")


def test_help_texts_are_written_for_staff_not_developers():
    for form_id in ("membership", "referral"):
        form = load_form(form_id)
        texts = [s.help or "" for s in form.sections] + [f.help or "" for s in form.sections for f in s.fields]
        words = " ".join(texts).casefold()
        for jargon in ("imported record", "older records", "null", "submission", "field id"):
            assert jargon not in words, (form_id, jargon)
    referral = load_form("referral")
    received = next(f for s in referral.sections for f in s.fields if f.id == "received_via")
    assert received.label == "How the referral reached us"  # the channel, not a person


def test_the_sign_in_window_names_the_centre(qtbot, store, tasks, shell_factory):  # type: ignore[no-untyped-def]
    from centre_desk.ui.main_window import MainWindow

    context = make_context(store.data_dir, tasks)
    shell = shell_factory(context)
    window = shell.start(first_run=False)
    assert isinstance(window, SignInWindow)
    show_and_focus(qtbot, window)
    type_text(qtbot, ADMIN)
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, ADMIN_PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(shell.window, MainWindow), timeout=10_000)

    again = SignInWindow(make_context(store.data_dir, tasks))  # the next person at this desk
    qtbot.addWidget(again)
    again.show()
    label = again.findChild(QLabel, "signInCentre")
    assert label is not None and label.text() == CENTRE and label.isVisible()
    assert again.windowTitle() == f"Centre Desk — {CENTRE} — Sign in"
    assert (store.data_dir / "centre-name.txt").read_text(encoding="utf-8") == CENTRE
