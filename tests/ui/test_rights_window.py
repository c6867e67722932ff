"""The household page shows the disclosure log and a restriction banner, in a real window."""

from __future__ import annotations

from datetime import date

from tests.conftest import ADMIN, ADMIN_PASSWORD

from .test_households import _register_bronte, open_desk, settle


def _as_admin(store, fn):  # type: ignore[no-untyped-def]
    from centre_desk.services.auth import sign_in, sign_out
    from centre_desk.wiring import Wiring

    wiring = Wiring(store.data_dir)
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    try:
        return fn(session)
    finally:
        sign_out(session)


def test_disclosures_tab_and_restriction_banner(qtbot, store, tasks, shell_factory):  # type: ignore[no-untyped-def]
    from centre_desk.services.disclosures import log_disclosure
    from centre_desk.services.households import open_household
    from centre_desk.services.rights import set_restriction

    household_id = _register_bronte(store)
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    desk = main.households
    desk.open_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    view = desk.view
    assert view.disclosures_model.rowCount() == 0 and not view.no_disclosures.isHidden()
    assert view.restricted_banner.isHidden() and view.edit_button.isEnabled()

    def share_and_restrict(session):  # type: ignore[no-untyped-def]
        log_disclosure(session, household_id, recipient="council-safeguarding", purpose="child protection",
                       basis="safeguarding", shared="names and address", justification="risk of harm",
                       told_on=date.today())
        set_restriction(session, household_id, True, reason="accuracy contested")
        return open_household(session, household_id)

    _as_admin(store, share_and_restrict)
    desk.open_household(household_id)
    settle(qtbot, tasks)
    qtbot.waitUntil(lambda: view.disclosures_model.rowCount() == 1, timeout=10_000)
    assert view.disclosures_model.index(0, 1).data() == "North Somerset Council safeguarding team"
    assert view.tabs.tabText(view.disclosures_tab) == "Sharing (1)"
    assert not view.restricted_banner.isHidden()
    assert "restricted" in view.restricted_banner.text()
    assert not view.edit_button.isEnabled()
    assert view.disclosures_view.objectName() and view.disclosures_view.accessibleName()

    from PySide6.QtCore import Qt

    from centre_desk.ui.print_preview import PrintPreviewDialog

    from .test_households import modal

    assert not view.sharing_letter_button.isHidden()
    qtbot.mouseClick(view.sharing_letter_button, Qt.MouseButton.LeftButton)
    preview = modal(qtbot, PrintPreviewDialog)
    assert preview.windowTitle() == "Print preview — We have shared your information"
    assert preview.page_count() >= 1
    preview.reject()


def test_a_managers_start_page_shows_overdue_requests(qtbot, store, tasks, shell_factory):  # type: ignore[no-untyped-def]
    from centre_desk.services.households import open_household
    from centre_desk.services.rights import add_request

    household_id = _register_bronte(store)

    def requests(session):  # type: ignore[no-untyped-def]
        anne = open_household(session, household_id).members[1]
        add_request(session, anne.id, "access", received=date(2025, 1, 10), identity_method="passport")
        add_request(session, anne.id, "rectification", received=date.today(), identity_method="known")

    _as_admin(store, requests)
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    panel = main.households.requests
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=10_000)
    assert not panel.isHidden()
    assert panel.summary.text() == "2 open; 1 overdue."
    assert panel.model.index(0, 3).data() == "Overdue, open"  # soonest due first
    assert panel.view.accessibleName() == "Open data protection requests"


def test_a_manager_restricts_and_erases_from_the_household_page_with_the_keyboard(qtbot, store, tasks,  # type: ignore[no-untyped-def]
                                                                                   shell_factory):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from centre_desk.services.households import open_household
    from centre_desk.services.rights import add_request, is_restricted
    from centre_desk.ui.rights_dialogs import EraseDialog, RestrictDialog

    from .conftest import focused, press, type_text
    from .test_households import modal

    household_id = _register_bronte(store)
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    desk = main.households
    desk.open_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    view = desk.view
    assert view.restrict_button.isVisible() and view.erase_button.isVisible()

    view.restrict_button.setFocus()
    press(qtbot, Qt.Key.Key_Space)
    dialog = modal(qtbot, RestrictDialog)
    qtbot.waitUntil(lambda: focused().accessibleName() == "Reason", timeout=5000)
    type_text(qtbot, "accuracy contested")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.restricted_banner.isHidden(), timeout=10_000)
    assert _as_admin(store, lambda s: is_restricted(s, household_id))
    assert view.restrict_button.text() == "Lift restriction…"

    # Erasure is refused while an access request is open, and says why in the dialog.
    def open_request(session):  # type: ignore[no-untyped-def]
        anne = open_household(session, household_id).members[1]
        add_request(session, anne.id, "access", received=date.today(), identity_method="known")
        return anne.id

    anne_id = _as_admin(store, open_request)
    view.members_view.setCurrentIndex(view.members_model.index(1, 0))
    main.activateWindow()
    view.erase_button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.erase_button, timeout=5000)
    press(qtbot, Qt.Key.Key_Space)
    dialog = modal(qtbot, EraseDialog)
    assert dialog.person.currentData() == anne_id
    qtbot.waitUntil(lambda: focused().accessibleName() == "Person to erase", timeout=5000)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Reason"
    type_text(qtbot, "asked for erasure")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "access request" in dialog.problem.text(), timeout=10_000)
    assert dialog.isVisible()
    assert _as_admin(store, lambda s: open_household(s, household_id).members[1].id) == anne_id  # nothing erased

    def close_it(session):  # type: ignore[no-untyped-def]
        from centre_desk.services.rights import close_request, list_requests

        [r] = list_requests(session, household_id)
        close_request(session, r.id, outcome="answered")

    _as_admin(store, close_it)
    dialog.ok_button.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.members_model.rowCount() == 1, timeout=10_000)
    assert [m.first_name for m in view.household.members] == ["Zoë"]


def test_a_manager_logs_a_disclosure_from_the_disclosures_tab(qtbot, store, tasks, shell_factory):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from centre_desk.ui.rights_dialogs import DisclosureDialog

    from .conftest import focused, press, type_text
    from .test_households import modal

    household_id = _register_bronte(store)
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    desk = main.households
    desk.open_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    view = desk.view
    view.tabs.setCurrentIndex(view.disclosures_tab)
    qtbot.mouseClick(view.log_disclosure_button, Qt.MouseButton.LeftButton)
    dialog = modal(qtbot, DisclosureDialog)
    qtbot.waitUntil(lambda: focused().accessibleName() == "Shared with", timeout=5000)
    type_text(qtbot, "Avon and Somerset Police")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "child protection enquiry")
    press(qtbot, Qt.Key.Key_Tab)  # basis: the first, consent
    dialog.basis.setCurrentIndex(dialog.basis.findData("safeguarding"))
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "What was shared"
    type_text(qtbot, "names and address")
    press(qtbot, Qt.Key.Key_Return)  # no justification, no telling: refused, dialog stays
    qtbot.waitUntil(lambda: "Justification" in dialog.problem.text(), timeout=10_000)
    dialog.justification.setText("risk of significant harm")
    dialog.not_told.setText("telling could put the child at risk")
    dialog.ok_button.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.disclosures_model.rowCount() == 1, timeout=10_000)
    assert view.disclosures_model.index(0, 1).data() == "Avon and Somerset Police"
