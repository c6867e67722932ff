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
    assert view.tabs.tabText(view.disclosures_tab) == "Disclosures (1)"
    assert not view.restricted_banner.isHidden()
    assert "restricted" in view.restricted_banner.text()
    assert not view.edit_button.isEnabled()
    assert view.disclosures_view.objectName() and view.disclosures_view.accessibleName()


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
