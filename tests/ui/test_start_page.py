"""The start page offers only what this person can do now, and every offer works when clicked."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from centre_desk.domain.staff import Role, StaffMember
from centre_desk.ui.main_window import MainWindow, StartPage
from centre_desk.ui.print_preview import PrintPreviewDialog
from tests.conftest import ADMIN, ADMIN_PASSWORD, STAFF_RULES

from .conftest import make_context, modal, show_and_focus, sign_in_directly

PASSWORD = "a long desk password"
OFFERED = ["Find a household", "Register a new household", "Sessions and registers", "Print the privacy notice",
           "Lock the desk"]
REVIEW = "Review likely duplicates"  # managers and administrators only (merge_households)
REPORTS = ["Reach statistics", "Retention review"]  # managers and administrators


def offered(role: Role) -> list[str]:
    if role in (Role.MANAGER, Role.ADMINISTRATOR):
        return [*OFFERED[:3], REVIEW, OFFERED[3], *REPORTS, OFFERED[4]]
    return OFFERED


# Listed on the start page before, though the window had none of them.
NOT_IN_THE_WINDOW = ["Sync", "Export", "Import", "Manage staff", "Backup", "Subject access", "Retention",
                     "Erase", "Audit", "Statistics", "conflict", "disclosure"]


def words_on(page: QWidget) -> str:
    texts = [label.text() for label in page.findChildren(QLabel)]
    texts += [w.text() + " " + w.description() for w in page.findChildren(QWidget) if hasattr(w, "description")]
    return " ".join(texts)


def open_as(qtbot, store, tasks, shell_factory, role: Role) -> MainWindow:  # type: ignore[no-untyped-def]
    from centre_desk.services.staff import add_staff

    context = make_context(store.data_dir, tasks)
    admin = sign_in_directly(context, ADMIN, ADMIN_PASSWORD)
    username = ADMIN
    if role is not Role.ADMINISTRATOR:
        username = f"desk-{role.value}"
        add_staff(admin.session, username, role, PASSWORD, **STAFF_RULES)
    password = ADMIN_PASSWORD if role is Role.ADMINISTRATOR else PASSWORD
    main = shell_factory(context).open_main(sign_in_directly(context, username, password))
    show_and_focus(qtbot, main)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    return main


def click(qtbot, main: MainWindow, title: str) -> None:  # type: ignore[no-untyped-def]
    main.households.home()
    [button] = [b for b in main.start_page.action_buttons if b.text() == title]
    assert button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_each_role_is_offered_only_working_actions(qtbot, store, tasks, shell_factory, role: Role):  # type: ignore[no-untyped-def]
    main = open_as(qtbot, store, tasks, shell_factory, role)
    page = main.start_page
    assert main.current_page_name() == "start"
    manages = role in (Role.MANAGER, Role.ADMINISTRATOR)
    assert [b.text() for b in page.action_buttons] == offered(role)
    text = words_on(page)
    for words in NOT_IN_THE_WINDOW:
        if manages and words in ("Retention", "Statistics"):
            continue
        assert words.lower() not in text.lower(), words
    assert "Open one to update its details; record contacts, referrals and consent; print what" in text

    click(qtbot, main, "Find a household")
    assert QApplication.focusWidget() is main.households.box

    click(qtbot, main, "Register a new household")
    assert main.current_page_name() == "household-form"
    main.households.form_page.form.mark_clean()

    click(qtbot, main, "Sessions and registers")
    assert main.current_page_name() == "sessions"
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    if REVIEW in offered(role):
        click(qtbot, main, REVIEW)
        assert main.current_page_name() == "duplicates-review"
        qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
        assert "No likely duplicates" in main.households.review_page.status.text()

    click(qtbot, main, "Print the privacy notice")
    preview = modal(qtbot, PrintPreviewDialog)
    qtbot.waitUntil(lambda: preview.page_count() >= 1, timeout=20_000)  # type: ignore[attr-defined]
    preview.reject()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)

    if manages:
        click(qtbot, main, "Reach statistics")
        assert main.current_page_name() == "reach-statistics"
        qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
        click(qtbot, main, "Retention review")
        assert main.current_page_name() == "retention-review"
        qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)

    click(qtbot, main, "Lock the desk")
    assert main.locked


def test_a_person_without_a_permission_is_not_offered_its_action(qtbot):  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QAction

    from centre_desk.domain.staff import Permission
    from centre_desk.ui.context import Workplace

    nobody = StaffMember("s1", "former", Role.RECEPTION, disabled=True)  # may do nothing at all
    page = StartPage(nobody, Workplace("Hillside", None, False), 300)
    qtbot.addWidget(page)
    find = QAction("Find")
    find.setObjectName("findHouseholdAction")
    assert page.add_action(find, "Find a household", "…", Permission.VIEW_HOUSEHOLD) is None
    assert page.add_action(find, "Lock the desk", "…") is not None
    assert [b.text() for b in page.action_buttons] == ["Lock the desk"]
