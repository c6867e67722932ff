"""The smaller desk items of issue 11, each as a person at the desk meets it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel

from centre_desk.formspec.forms import load_form
from centre_desk.ui.signin import SignInWindow
from tests.conftest import ADMIN, ADMIN_PASSWORD, CENTRE

from .conftest import focused, make_context, press, show_and_focus, type_text
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


def test_the_edit_form_opens_at_its_heading_even_after_scrolling_down_last_time(qtbot, store, tasks, shell_factory,
                                                                              family):  # type: ignore[no-untyped-def]
    from .test_households import open_desk, settle

    household_id, _parent, _child = family
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    main.resize(1024, 768)
    desk = main.households
    desk.open_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    settle(qtbot, tasks)
    for attempt in range(2):
        desk.view.edit_button.click()
        qtbot.waitUntil(lambda: main.current_page_name() == "household-form", timeout=10_000)
        form = desk.form_page.form
        page = form.pages[form.current_section()]
        qtbot.wait(30)  # the focus's own scrolling runs once the layout is done
        title = page.findChild(QLabel, f"section:{page.section.id}:title")
        assert title is not None
        top = title.mapTo(page.viewport(), title.rect().topLeft()).y()
        assert page.verticalScrollBar().value() == 0 and top >= 0, attempt
        assert focused().objectName() == "address_line1"
        if attempt == 0:
            # Scrolled to the bottom, then back to the household without changing anything.
            page.verticalScrollBar().setValue(page.verticalScrollBar().maximum())
            desk.form_page.close_button.click()
            qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)


def test_a_passing_status_message_does_not_stay_on_the_next_page(qtbot, store, tasks, shell_factory):  # type: ignore[no-untyped-def]
    from .test_households import open_desk

    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    main.statusBar().showMessage("Searching for “Hill”. Press Down or Enter in the search box…", 15_000)
    main.show_page("sessions")
    assert main.statusBar().currentMessage() == ""


def test_the_unsaved_changes_question_defaults_to_the_safe_answer(qtbot):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QWidget

    from centre_desk.ui.household_form import LeaveChoice, ask_about_changes
    from centre_desk.ui.questions import TYPE_AHEAD_MS

    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    answers: list[LeaveChoice] = []
    box = ask_about_changes(parent, "The household form", answers.append)
    qtbot.waitUntil(box.isVisible)
    save, cancel = box.buttons_by_key["saveChanges"], box.buttons_by_key["cancelChanges"]
    assert box.defaultButton() is cancel and not save.isDefault()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is cancel)
    qtbot.wait(TYPE_AHEAD_MS + 50)
    press(qtbot, Qt.Key.Key_Return)  # Enter, as a person confirms without reading
    qtbot.waitUntil(lambda: bool(answers))
    assert answers == [LeaveChoice.CANCEL]


def test_the_ethnic_group_headings_are_shown_whole_in_the_open_list(qtbot):  # type: ignore[no-untyped-def]
    view = membership_view(qtbot)
    view.resize(780, 600)
    view.go_to_section(1)
    combo = view.row("members[0].ethnicity").input
    combo.setFocus()
    combo.showPopup()
    listed = combo.view()
    qtbot.waitUntil(listed.isVisible)
    model = listed.model()
    headings = [r for r in range(model.rowCount()) if not model.flags(model.index(r, 0)) & Qt.ItemFlag.ItemIsEnabled]
    assert len(headings) == 5
    qtbot.wait(50)
    for r in range(model.rowCount()):
        index = model.index(r, 0)
        font = index.data(Qt.ItemDataRole.FontRole)
        need = QFontMetrics(font if isinstance(font, QFont) else listed.font()).horizontalAdvance(index.data() or "")
        assert need + 8 <= listed.viewport().width(), (index.data(), need, listed.viewport().width())
    combo.hidePopup()


def test_no_two_controls_on_a_wizard_page_share_an_alt_key(qtbot, data_dir, tasks, shell_factory):  # type: ignore[no-untyped-def]
    """Alt+N is Next on every page: the centre page's Centre name once took it too."""
    import re

    from PySide6.QtWidgets import QAbstractButton, QWizard

    from centre_desk.ui.setup_wizard import SetupWizard

    wizard = shell_factory(make_context(data_dir, tasks)).start(first_run=True)
    assert isinstance(wizard, SetupWizard)
    show_and_focus(qtbot, wizard)

    def keys_in_sight() -> list[str]:
        found = []
        for widget in wizard.findChildren(QLabel) + wizard.findChildren(QAbstractButton):
            if widget.isVisible() and (m := re.search(r"&([^&\s])", widget.text().replace("&&", ""))):
                found.append(m.group(1).casefold())
        return found

    pages = 0
    for _ in range(3):
        keys = keys_in_sight()
        assert len(keys) == len(set(keys)), (wizard.currentPage().title(), sorted(keys))
        if wizard.button(QWizard.WizardButton.NextButton).isVisible():
            assert keys.count("n") == 1  # Next's own, and nothing else's
        pages += 1
        if wizard.currentId() == wizard.pageIds()[0]:
            wizard.next()
        else:
            wizard.centre_page.name.setText("Hillside Children's Centre")
            wizard.next()
    assert pages == 3
