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
FRONT_LINE = ["Find a household", "Register a new household", "Sessions and registers", "Print the privacy notice",
              "Print a blank paper form"]
REVIEW = "Review likely duplicates"  # managers and administrators only (merge_households)
MANAGING = ["Reach statistics", "Retention review", "Data protection requests", "Import a member list", "Audit trail"]
ADMINISTERING = ["Staff", "Backups"]  # administrators only
LOCK = "Lock the desk"


def offered(role: Role) -> list[str]:
    if role is Role.MANAGER:
        return [*FRONT_LINE[:3], REVIEW, *FRONT_LINE[3:], *MANAGING, LOCK]
    if role is Role.ADMINISTRATOR:
        return [*FRONT_LINE[:3], REVIEW, *FRONT_LINE[3:], *MANAGING, *ADMINISTERING, LOCK]
    return [*FRONT_LINE, LOCK]


# Listed on the start page before, though the window had none of them; and what the start page
# must still not offer a front-line role (or anyone, on a desk that is not enrolled: Sync).
NOT_IN_THE_WINDOW = ["Sync", "Export", "Subject access", "Erase", "conflict", "disclosure"]
NOT_FOR_FRONT_LINE = ["Import", "Manage staff", "Backup", "Audit", "Statistics", "Retention"]


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
    for words in NOT_IN_THE_WINDOW + ([] if manages else NOT_FOR_FRONT_LINE):
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

    click(qtbot, main, "Print a blank paper form")
    from centre_desk.ui.admin.blank_forms import BlankFormDialog

    chooser = modal(qtbot, BlankFormDialog)
    chooser.ok.click()  # type: ignore[attr-defined]
    preview = modal(qtbot, PrintPreviewDialog)
    qtbot.waitUntil(lambda: preview.page_count() >= 1, timeout=20_000)  # type: ignore[attr-defined]
    preview.reject()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)

    pages = {"Reach statistics": "reach-statistics", "Retention review": "retention-review",
             "Data protection requests": "rights-register",
             "Import a member list": "import", "Audit trail": "audit-trail", "Staff": "staff", "Backups": "backups"}
    for title in offered(role):
        if title not in pages:
            continue
        click(qtbot, main, title)
        assert main.current_page_name() == pages[title], title
        qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
        shown = main.pages.currentWidget()
        assert shown is not None and shown.isVisible()
    if role is Role.ADMINISTRATOR:
        qtbot.waitUntil(lambda: main.admin.staff_page.model.rowCount() == 1, timeout=10_000)
    if manages:
        qtbot.waitUntil(lambda: main.admin.audit_page.model.rowCount() > 0, timeout=10_000)

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


def test_an_offer_the_store_does_not_allow_now_is_not_shown(qtbot):  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QAction

    from centre_desk.domain.staff import Permission
    from centre_desk.ui.context import Workplace

    member = StaffMember("s1", "sam", Role.RECEPTION)
    page = StartPage(member, Workplace("Hillside", None, False), 300)
    qtbot.addWidget(page)
    enrolled = False
    sync, lock = QAction("Sync"), QAction("Lock")
    page.add_action(sync, "Sync now", "…", Permission.SYNC, available=lambda: enrolled)
    page.add_action(lock, "Lock the desk", "…")
    assert [b.text() for b in page.action_buttons] == ["Lock the desk"]
    enrolled = True
    page.refresh_offers()
    assert [b.text() for b in page.action_buttons] == ["Sync now", "Lock the desk"]
