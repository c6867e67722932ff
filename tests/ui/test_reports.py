"""The statistics and retention pages: numbers suppressed as in the CSV, chart and table agree,
and the review lists what is due with its hold, all by keyboard."""

from __future__ import annotations

from datetime import UTC, date, datetime

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from centre_desk.domain.clock import FixedClock
from centre_desk.domain.suppression import HIDDEN, SMALL
from centre_desk.services.demo_data import make_demo_households
from centre_desk.services.households import record_contact, register_household
from centre_desk.services.retention import place_hold
from centre_desk.services.session import DeskSession
from tests.conftest import ADMIN, ADMIN_PASSWORD

from .conftest import make_context, show_and_focus, sign_in_directly

FAMILY = {"address_line1": "1 Sea Road", "address_line2": "", "town": "Clevedon", "postcode": "BS21 6XY",
          "phone": "", "email": "",
          "members": [{"first_name": "Inês", "last_name": "Simões", "date_of_birth": "1990-01-01", "role": "parent"}]}


def test_statistics_and_retention_pages(qtbot, store, tasks, shell_factory):  # type: ignore[no-untyped-def]
    context = make_context(store.data_dir, tasks)
    signed = sign_in_directly(context, ADMIN, ADMIN_PASSWORD)
    s = signed.session
    make_demo_households(s, 60, seed=5)
    then = DeskSession(s.store, s.actor, FixedClock(datetime(2018, 3, 1, 9, tzinfo=UTC)))
    old = register_household(then, FAMILY)
    record_contact(then, old.id, "drop-in", date(2018, 3, 1))
    place_hold(s, "Public inquiry", old.id)
    gone = register_household(then, {**FAMILY, "postcode": "BS48 1AA"})
    record_contact(then, gone.id, "session", date(2018, 3, 1))
    main = shell_factory(context).open_main(signed)
    show_and_focus(qtbot, main)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)

    main.reports.statistics_action.trigger()
    page = main.reports.statistics
    page.start.setDate(page.start.date().addYears(-10))
    qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.report is not None and page.run_button.isEnabled(), timeout=10_000)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    assert page.chooser.count() == len(page.report.tables)
    for i in range(page.chooser.count()):
        page.chooser.setCurrentIndex(i)
        model = page.model
        cells = [model.index(r, c).data() for r in range(model.rowCount()) for c in range(1, model.columnCount())]
        assert all(v in (SMALL, HIDDEN) or not 1 <= int(v) <= 4 for v in cells)
        assert len(page.chart.bars) == model.rowCount() - 1  # a bar per row, none for the total row
        said = model.index(0, 1).data(Qt.ItemDataRole.AccessibleTextRole)
        assert model.headerData(1, Qt.Orientation.Horizontal) in said
    assert "Simões" not in page.chart.accessibleDescription()
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.preview is not None, timeout=20_000)
    preview = page.preview
    qtbot.waitUntil(lambda: preview.page_count() >= 1, timeout=20_000)  # type: ignore[attr-defined]
    preview.reject()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)

    main.reports.retention_action.trigger()
    review = main.reports.retention
    qtbot.waitUntil(lambda: review.model.rowCount() == 2, timeout=10_000)
    rows = {review.model.index(r, 0).data(): review.model.index(r, 3).data() for r in range(2)}
    assert rows == {old.id: "This household: Public inquiry", gone.id: "Not held"}
    assert review.view.accessibleName() == "Retention review"
    review.scope.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    assert review.model.rowCount() == 2

    # Hold the unheld family from the page, by keyboard, then lift it again.
    assert not review.hold_button.isEnabled()
    review.view.setFocus()
    row = next(r for r in range(2) if review.view.model().index(r, 0).data() == gone.id)
    review.view.setCurrentIndex(review.view.model().index(row, 0))
    assert review.hold_button.isEnabled() and not review.lift_button.isEnabled()
    QTimer.singleShot(0, lambda: _reason(qtbot, "Subject access request open"))
    qtbot.mouseClick(review.hold_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: all(e.held for e in review.model.entries), timeout=10_000)
    assert not review.destroy_button.isEnabled()
    row = next(r for r in range(2) if review.view.model().index(r, 0).data() == gone.id)
    review.view.setCurrentIndex(review.view.model().index(row, 0))
    assert review.view.model().index(row, 3).data() == "This household: Subject access request open"
    qtbot.mouseClick(review.lift_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sum(e.held for e in review.model.entries) == 1, timeout=10_000)

    assert review.destroy_button.isVisible() and review.destroy_button.isEnabled()
    QTimer.singleShot(0, lambda: _answer(qtbot, "Cancel"))
    qtbot.mouseClick(review.destroy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    assert review.model.rowCount() == 2  # cancelled: nothing destroyed
    QTimer.singleShot(0, lambda: _answer(qtbot, "Destroy 1"))
    qtbot.mouseClick(review.destroy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: review.model.rowCount() == 1, timeout=10_000)
    assert review.model.index(0, 0).data() == old.id
    assert review.summary.text().startswith("Destroyed 1 households (1 kept by a hold)")
    with s.store.reader() as uow:
        assert not uow.households.exists(gone.id)
        assert [c.record_id for c in uow.retention.certificates()] == [gone.id]
    qtbot.mouseClick(review.certificates_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: review.preview is not None, timeout=20_000)
    certificates = review.preview
    qtbot.waitUntil(lambda: certificates.page_count() >= 1, timeout=20_000)  # type: ignore[attr-defined]
    certificates.reject()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)


def _reason(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, QInputDialog) and dialog.objectName() == "holdReasonDialog"
    dialog.setTextValue(text)
    dialog.accept()


def _answer(qtbot, label: str) -> None:  # type: ignore[no-untyped-def]
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox) and box.objectName() == "destroyConfirm"
    assert "cannot be undone" in box.text()
    [button] = [b for b in box.buttons() if b.text() == label]
    button.click()


def test_every_input_on_the_report_pages_is_named(qtbot, store, tasks, shell_factory):  # type: ignore[no-untyped-def]
    from .test_names import _unnamed

    context = make_context(store.data_dir, tasks)
    main = shell_factory(context).open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    show_and_focus(qtbot, main)
    assert _unnamed(main.reports.statistics) == []
    assert _unnamed(main.reports.retention) == []


def test_an_organisation_wide_hold_is_placed_and_lifted_from_the_retention_page(  # type: ignore[no-untyped-def]
        qtbot, store, tasks, shell_factory):
    from centre_desk.ui.questions import SafeQuestion
    from centre_desk.ui.reports.holds import OrganisationHoldDialog

    from .conftest import modal

    context = make_context(store.data_dir, tasks)
    signed = sign_in_directly(context, ADMIN, ADMIN_PASSWORD)
    s = signed.session
    then = DeskSession(s.store, s.actor, FixedClock(datetime(2018, 3, 1, 9, tzinfo=UTC)))
    old = register_household(then, FAMILY)
    record_contact(then, old.id, "drop-in", date(2018, 3, 1))
    main = shell_factory(context).open_main(signed)
    show_and_focus(qtbot, main)
    main.reports.retention_action.trigger()
    review = main.reports.retention
    qtbot.waitUntil(lambda: review.model.rowCount() == 1 and not tasks.busy, timeout=10_000)
    assert review.holds_list.item(0).text().startswith("None")
    assert not review.lift_org_hold_button.isEnabled() and review.destroy_button.isEnabled()

    # By keyboard: Alt+A opens the dialog; a missing reference is named there and the dialog stays.
    qtbot.keyClick(review, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    dialog = modal(qtbot, OrganisationHoldDialog)
    assert dialog.focusWidget() is dialog.reason
    qtbot.keyClicks(dialog.reason, "Independent inquiry into the Sea Road centre")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "reference" in dialog.message.text() and not tasks.busy, timeout=10_000)
    assert "is required for an organisation-wide hold" in dialog.message.text() and dialog.isVisible()
    with s.store.reader() as uow:
        assert uow.retention.holds() == []
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), "SRC/2026/14")
    assert dialog.reference.text() == "SRC/2026/14"
    qtbot.keyClick(dialog.reference, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: review.model.entries and review.model.entries[0].held and not tasks.busy, timeout=10_000)
    assert review.holds_list.count() == 1 and "reference SRC/2026/14" in review.holds_list.item(0).text()
    # The held household says why, and nothing can be destroyed.
    assert review.model.index(0, 3).data() == \
        "Organisation-wide (SRC/2026/14): Independent inquiry into the Sea Road centre"
    assert not review.destroy_button.isEnabled()

    review.holds_list.setFocus()
    review.holds_list.setCurrentRow(0)
    assert review.lift_org_hold_button.isEnabled()
    review.lift_org_hold_button.click()
    box = modal(qtbot, SafeQuestion)
    assert "SRC/2026/14" in box.text()
    box.buttons_by_key["keepHold"].click()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    assert review.model.entries[0].held  # kept
    review.lift_org_hold_button.click()
    box = modal(qtbot, SafeQuestion)
    box.buttons_by_key["confirmLiftHold"].click()
    qtbot.waitUntil(lambda: not review.model.entries[0].held and not tasks.busy, timeout=10_000)
    assert review.holds_list.item(0).text().startswith("None") and review.destroy_button.isEnabled()
    review.resize(1024, 768)
    review.grab().save(str(store.data_dir.parent / "retention-page.png"))


def test_the_profiles_own_hold_is_shown_and_only_the_profile_lifts_it(qtbot, tmp_path, tasks,  # type: ignore[no-untyped-def]
                                                                     shell_factory):
    from centre_desk.services.auth import sign_out
    from centre_desk.services.setup import CentreDetails, initialise_store
    from centre_desk.wiring import Wiring

    data = tmp_path / "somerset"
    w = Wiring(data)
    sign_out(initialise_store(w.gate, CentreDetails("somerset-childrens-services", "Taunton Office"), ADMIN,
                              ADMIN_PASSWORD, w.clock, w.passwords).session)
    context = make_context(data, tasks)
    main = shell_factory(context).open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    show_and_focus(qtbot, main)
    main.reports.retention_action.trigger()
    review = main.reports.retention
    qtbot.waitUntil(lambda: bool(review.org_holds) and not tasks.busy, timeout=10_000)
    line = review.holds_list.item(0).text()
    assert "Independent Inquiry into Child Sexual Abuse" in line and "only a change to the profile lifts it" in line
    review.holds_list.setCurrentRow(0)
    assert not review.lift_org_hold_button.isEnabled()
    assert review.add_org_hold_button.isEnabled()
    review.grab().save(str(tmp_path / "retention-somerset.png"))
