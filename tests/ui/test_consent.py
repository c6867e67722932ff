"""Consent at the desk: recording decisions by keyboard, signing on the pad, withdrawing from the
history, and previewing and printing the family's documents without a real printer."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QToolBar, QWidget

from centre_desk.domain.consent import ConsentRequired, Decision, Method
from centre_desk.ui.consent_dialog import RecordConsentDialog
from centre_desk.ui.consent_models import ConsentChoicesModel, ConsentHistoryModel, LawfulBasisModel
from centre_desk.ui.main_window import MainWindow
from centre_desk.ui.print_preview import PrintPreviewDialog
from centre_desk.ui.withdraw_dialog import WithdrawConsentDialog
from tests.conftest import ADMIN, ADMIN_PASSWORD, PROFILE

from .conftest import focused, make_context, modal, press, show_and_focus, sign_in_directly, tab_to, type_text

TAB = Qt.Key.Key_Tab




def settle(qtbot, tasks) -> None:  # type: ignore[no-untyped-def]
    qtbot.wait(20)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=15_000)


def open_household(qtbot, store, tasks, shell_factory, household_id: str) -> MainWindow:  # type: ignore[no-untyped-def]
    context = make_context(store.data_dir, tasks)
    main = shell_factory(context).open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    show_and_focus(qtbot, main)
    settle(qtbot, tasks)
    main.households.show_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    settle(qtbot, tasks)
    view = main.households.view
    view.tabs.setCurrentWidget(view.consent)
    return main




def unnamed(window: QWidget) -> list[str]:
    """Widgets that take the focus (or are drawn on) but lack an objectName or accessibleName."""
    missing = []
    for widget in [window, *window.findChildren(QWidget)]:
        if widget is not window and widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        if type(widget).__name__ in {"QScrollBar"} or widget.objectName().startswith("qt_"):
            continue
        if not widget.objectName() or not widget.accessibleName():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r} {widget.accessibleName()!r}")
    return missing


def history(main: MainWindow, household_id: str):  # type: ignore[no-untyped-def]
    from centre_desk.services.consent import consent_history

    return consent_history(main.session, household_id)


def notice_version() -> str:
    from centre_desk.printing.renderer import PdfRenderer

    return PdfRenderer().notice_template(PROFILE).version


def draw_signature(qtbot, pad: QWidget) -> None:  # type: ignore[no-untyped-def]
    """Two strokes with the mouse, as a person signs."""
    for y in (60, 90):
        qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(60, y))
        for step in range(1, 25):
            qtbot.mouseMove(pad, QPoint(60 + step * 9, y + (step % 5) * 4 - 8))
        qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(60 + 25 * 9, y))


# -- recording -------------------------------------------------------------------------------------

def test_consent_given_and_refused_with_the_verbal_method_by_keyboard_alone(qtbot, store, tasks, shell_factory,
                                                                            family):
    household_id, parent, _child = family
    main = open_household(qtbot, store, tasks, shell_factory, household_id)
    section = main.households.view.consent
    main.households.view.tabs.setFocus()
    press(qtbot, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)  # Record &consent…
    dialog = modal(qtbot, RecordConsentDialog)
    settle(qtbot, tasks)
    assert f"version {notice_version()}" in dialog.notice_label.text()
    assert focused() is dialog.table
    rows = dialog.model.rows()
    assert [(r.person_name, r.purpose_id) for r in rows[:2]] == [("Ioana Rădulescu", "email-contact"),
                                                                 ("Ioana Rădulescu", "surveys")]
    assert all(r.given_by == parent for r in rows if r.is_child)  # the only adult decides for the child

    press(qtbot, Qt.Key.Key_G)  # Ioana, emails: given; the cursor moves on to the next row
    press(qtbot, Qt.Key.Key_R)  # Ioana, surveys: refused
    assert [r.decision for r in dialog.model.rows()[:3]] == [Decision.GIVEN, Decision.REFUSED, None]
    tab_to(qtbot, "Signed on screen")
    press(qtbot, Qt.Key.Key_Down)  # to "Verbal"; nothing is chosen for the person until they choose it
    assert focused() is dialog.verbal and not dialog.verbal.isChecked()
    press(qtbot, Qt.Key.Key_Space)
    assert dialog.verbal.isChecked()
    assert not dialog.signature.isEnabled()  # nothing to sign for a verbal decision
    press(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    question = modal(qtbot, QMessageBox)
    assert question.objectName() == "printReceiptQuestion"
    press(qtbot, Qt.Key.Key_Escape)  # not now
    settle(qtbot, tasks)
    lines = history(main, household_id)
    assert {(line.event.purpose_id, line.event.decision, line.event.method) for line in lines} == {
        ("email-contact", Decision.GIVEN, Method.VERBAL), ("surveys", Decision.REFUSED, Method.VERBAL)}
    assert {line.event.notice_version for line in lines} == {notice_version()}
    assert all(line.event.person_id == parent and line.event.signature_png is None for line in lines)
    assert section.model.rowCount() == 2
    assert main.households.view.tabs.tabText(main.households.view.consent_tab) == "Consent (1 in force)"


def test_a_child_is_decided_for_by_an_adult_and_problems_stay_beside_their_rows(qtbot, store, tasks, shell_factory,
                                                                              family):
    household_id, parent, child = family
    main = open_household(qtbot, store, tasks, shell_factory, household_id)
    dialog = main.households.view.consent.record_consent()
    assert dialog is not None
    settle(qtbot, tasks)
    child_row = next(i for i, r in enumerate(dialog.model.rows()) if r.person_id == child)
    dialog.table.selectRow(child_row)
    dialog.decide_selected(Decision.GIVEN)
    assert dialog.model.row(child_row).given_by_name == "Ioana Rădulescu"
    dialog.verbal.setChecked(True)
    dialog.save()
    settle(qtbot, tasks)
    [line] = history(main, household_id)
    assert line.event.person_id == child and line.event.given_by == parent
    assert line.given_by_name == "Ioana Rădulescu"


def test_signing_on_the_pad_with_the_mouse_stores_the_signature(qtbot, store, tasks, shell_factory, family):
    household_id, _parent, _child = family
    main = open_household(qtbot, store, tasks, shell_factory, household_id)
    dialog = main.households.view.consent.record_consent()
    assert dialog is not None
    settle(qtbot, tasks)
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.given_button, Qt.MouseButton.LeftButton)
    pad = dialog.findChild(QWidget, "signaturePad")
    assert pad.accessibleName() == "Signature pad"
    dialog.save()
    assert "Choose how the family decided" in dialog.message.text()
    dialog.signed.setChecked(True)
    dialog.save()
    assert "sign in the box" in dialog.message.text()  # signed, but nothing drawn yet

    draw_signature(qtbot, pad)
    assert dialog.signed.isChecked()  # drawing chose the method
    png = dialog.signature.signature_png()
    assert png is not None and png.startswith(b"\x89PNG")
    image = QImage.fromData(png)
    assert image.width() > 150 and image.height() > 20
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    question = modal(qtbot, QMessageBox)
    question.reject()
    settle(qtbot, tasks)

    [line] = history(main, household_id)
    assert line.event.method is Method.SIGNED
    assert line.event.signature_png is not None and line.event.signature_png.startswith(b"\x89PNG")
    model = main.households.view.consent.model
    assert model.index(0, ConsentHistoryModel.METHOD).data() == "Signed on screen"


def test_clearing_the_pad_and_signing_on_paper_instead(qtbot):
    from centre_desk.ui.signature_pad import SignatureField

    field = SignatureField()
    qtbot.addWidget(field)
    field.resize(420, 220)
    field.show()
    qtbot.waitExposed(field)
    draw_signature(qtbot, field.pad)
    assert field.has_signature() and field.clear_button.isEnabled()
    qtbot.mouseClick(field.clear_button, Qt.MouseButton.LeftButton)
    assert field.signature_png() is None and not field.clear_button.isEnabled()
    field.on_paper.setFocus()
    qtbot.keyClick(field.on_paper, Qt.Key.Key_Space)
    assert field.signed_on_paper() and not field.pad.isEnabled()


def test_the_pad_takes_touch_and_pen(qtbot):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QPointingDevice, QTabletEvent
    from PySide6.QtTest import QTest

    from centre_desk.ui.signature_pad import SignaturePad

    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(400, 160)
    pad.show()
    qtbot.waitExposed(pad)

    touchscreen = QTest.createTouchDevice()
    QTest.touchEvent(pad, touchscreen).press(0, QPoint(40, 80), pad).commit()
    for x in range(50, 200, 10):
        QTest.touchEvent(pad, touchscreen).move(0, QPoint(x, 80 + x % 20), pad).commit()
    QTest.touchEvent(pad, touchscreen).release(0, QPoint(200, 80), pad).commit()
    assert len(pad.strokes) == 1 and len(pad.strokes[0]) > 5

    pen = QPointingDevice.primaryPointingDevice()
    for kind, x, pressure in [(QTabletEvent.Type.TabletPress, 40.0, 0.2),
                              *((QTabletEvent.Type.TabletMove, float(x), x / 300) for x in range(50, 250, 10)),
                              (QTabletEvent.Type.TabletRelease, 250.0, 0.9)]:
        point = QPointF(x, 120.0)
        event = QTabletEvent(kind, pen, point, pad.mapToGlobal(point), pressure, 0.0, 0.0, 0.0, 0.0, 0.0,
                             Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton)
        QApplication.sendEvent(pad, event)
    assert len(pad.strokes) == 2
    assert len({p.pressure for p in pad.strokes[1]}) > 5  # the pen's pressure is kept, for the line's width
    assert pad.signature_png() is not None


# -- withdrawing -----------------------------------------------------------------------------------

def test_withdrawing_from_the_history_takes_effect_at_once(qtbot, store, tasks, shell_factory, family):
    from centre_desk.services.consent import give_consent, require_consent

    household_id, parent, _child = family
    main = open_household(qtbot, store, tasks, shell_factory, household_id)
    session = main.session
    give_consent(session, household_id, parent, "coordinated-support", partner_id="public-health-teams",
                 method="signed", notice_version=notice_version(), note="Signed on paper.")
    require_consent(session, household_id, parent, "coordinated-support", "public-health-teams")
    section = main.households.view.consent
    section.reload()
    settle(qtbot, tasks)
    assert not section.withdraw_button.isEnabled()  # nothing selected yet

    section.view.setFocus()  # the newest line has the focus, and is selected
    assert section.view.selectionModel().selectedRows()[0].row() == 0
    assert section.selected_line() is not None and section.withdraw_button.isEnabled()
    section.withdraw_button.setFocus()
    press(qtbot, Qt.Key.Key_Space)
    dialog = modal(qtbot, WithdrawConsentDialog)
    assert dialog.verbal.isChecked()
    tab_to(qtbot, "Note")
    type_text(qtbot, "Moving away")
    press(qtbot, Qt.Key.Key_Return)
    settle(qtbot, tasks)

    assert not shiboken6.isValid(dialog) or not dialog.isVisible()
    with pytest.raises(ConsentRequired):
        require_consent(session, household_id, parent, "coordinated-support", "public-health-teams")
    model = section.model
    assert model.rowCount() == 2
    newest = model.line(0)
    assert newest.event.decision is Decision.WITHDRAWN and newest.current and newest.event.note == "Moving away"
    # A withdrawal is the newest line but nothing is in force: no row shows the tick under Current.
    assert [model.index(r, ConsentHistoryModel.CURRENT).data() for r in range(2)] == ["", ""]
    assert (model.index(0, ConsentHistoryModel.CURRENT).data(Qt.ItemDataRole.AccessibleTextRole)
            == "Current: no, withdrawn; nothing is in force")
    assert main.households.view.tabs.tabText(main.households.view.consent_tab) == "Consent (0 in force)"
    assert "took effect" in section.message.text()


# -- after registering ----------------------------------------------------------------------------

def test_a_newly_registered_household_is_offered_consent_then_a_receipt(qtbot, store, tasks, shell_factory, family):
    household_id, _parent, _child = family
    main = open_household(qtbot, store, tasks, shell_factory, household_id)
    view = main.households.view
    assert view.household is not None
    main.households.form_page.registered.emit(view.household)
    question = modal(qtbot, QMessageBox)
    assert question.objectName() == "recordConsentQuestion"
    press(qtbot, Qt.Key.Key_Return)  # Record consent now
    dialog = modal(qtbot, RecordConsentDialog)
    settle(qtbot, tasks)
    press(qtbot, Qt.Key.Key_G)
    dialog.verbal.setChecked(True)
    dialog.save()
    question = modal(qtbot, QMessageBox)
    assert question.objectName() == "printReceiptQuestion"
    press(qtbot, Qt.Key.Key_Return)  # Print consent receipt
    preview = modal(qtbot, PrintPreviewDialog)
    assert preview.windowTitle() == "Print preview — Consent receipt"
    assert preview.page_count() >= 1


# -- printing --------------------------------------------------------------------------------------

def test_print_privacy_notice_is_in_the_toolbar_and_file_menu_and_previews_the_notice(
        qtbot, store, tasks, shell_factory, tmp_path: Path):
    from pypdf import PdfReader

    context = make_context(store.data_dir, tasks)
    main = shell_factory(context).open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    show_and_focus(qtbot, main)
    toolbar = main.findChild(QToolBar, "deskToolbar")
    button = next(w for w in toolbar.findChildren(QWidget) if w.accessibleName() == "Print privacy notice")
    assert button.isVisible() and button.objectName() == "printNoticeButton"
    file_menu = main.findChild(QMenu, "fileMenu")
    assert "Print privacy notice" in [a.text().replace("&", "") for a in file_menu.actions()]
    assert "Print privacy notice in large print" in [a.text().replace("&", "") for a in file_menu.actions()]

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    preview = modal(qtbot, PrintPreviewDialog)
    pages = preview.page_count()
    assert pages >= 1
    assert preview.document.metaData(preview.document.MetaDataField.Title)

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert preview.print_to(printer) == pages
    assert len(PdfReader(tmp_path / "printed.pdf").pages) == pages

    old_umask = os.umask(0o022)  # the usual umask, under which a plain write is readable by all
    try:
        assert preview.save_to(tmp_path / "notice.pdf")
    finally:
        os.umask(old_umask)
    assert (tmp_path / "notice.pdf").read_bytes() == preview.pdf_bytes()
    if sys.platform != "win32":  # issue 8: saved PDFs were 0644
        assert stat.S_IMODE((tmp_path / "notice.pdf").stat().st_mode) == 0o600

    preview.large.setChecked(True)  # made again in large print
    qtbot.waitUntil(lambda: preview.page_count() > pages, timeout=20_000)
    preview.reject()
    assert preview.pdf_bytes() == b""  # the preview forgets the document once closed


def test_the_notice_shortcut_and_the_household_documents_preview_without_a_printer(qtbot, store, tasks,
                                                                                  shell_factory, family):
    household_id, _parent, _child = family
    main = open_household(qtbot, store, tasks, shell_factory, household_id)
    section = main.households.view.consent
    for button, title in ((section.receipt_button, "Consent receipt"),
                          (section.summary_button, "What we hold about you")):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        preview = modal(qtbot, PrintPreviewDialog)
        assert preview.windowTitle() == f"Print preview — {title}"
        assert preview.page_count() >= 1
        preview.reject()
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)

    show_and_focus(qtbot, main)
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    preview = modal(qtbot, PrintPreviewDialog)
    assert preview.windowTitle() == "Print preview — Privacy notice"
    main.lock("manual")  # a preview naming a family does not stay on screen behind the lock
    qtbot.waitUntil(lambda: not preview.isVisible(), timeout=5000)


# -- names and models ------------------------------------------------------------------------------

def test_every_input_of_the_consent_screens_has_an_object_name_and_an_accessible_name(
        qtbot, store, tasks, shell_factory, family):
    from centre_desk.services.consent import give_consent

    household_id, parent, _child = family
    main = open_household(qtbot, store, tasks, shell_factory, household_id)
    give_consent(main.session, household_id, parent, "email-contact", method="verbal",
                 notice_version=notice_version())
    section = main.households.view.consent
    section.reload()
    settle(qtbot, tasks)
    assert unnamed(section) == []
    assert unnamed(main) == []

    dialog = section.record_consent()
    assert dialog is not None
    settle(qtbot, tasks)
    assert unnamed(dialog) == []
    dialog.reject()

    section.view.selectRow(0)
    withdraw = section.withdraw()
    assert withdraw is not None
    assert unnamed(withdraw) == []
    withdraw.reject()

    section.print_receipt()
    preview = modal(qtbot, PrintPreviewDialog)
    assert unnamed(preview) == []
    preview.reject()


def test_the_consent_models_pass_the_model_tester(qtmodeltester, admin_session, family):
    from centre_desk.services.consent import consent_history, give_consent, withdraw_consent
    from centre_desk.services.households import open_household
    from centre_desk.services.profile import profile_of
    from centre_desk.ui.consent_models import build_choices

    household_id, parent, child = family
    version = notice_version()
    give_consent(admin_session, household_id, parent, "coordinated-support", partner_id="social-work-teams",
                 method="verbal", notice_version=version)
    give_consent(admin_session, household_id, child, "email-contact", method="verbal", notice_version=version,
                 given_by=parent)
    withdraw_consent(admin_session, household_id, parent, "coordinated-support", partner_id="social-work-teams",
                     method="signed", notice_version=version)
    lines = consent_history(admin_session, household_id)
    org = profile_of(admin_session)

    history_model = ConsentHistoryModel()
    history_model.set_history(lines)
    qtmodeltester.check(history_model)
    assert history_model.index(0, ConsentHistoryModel.METHOD).data() == "In writing"

    choices = ConsentChoicesModel()
    household = open_household(admin_session, household_id)
    choices.set_rows(build_choices(org, household, lines, admin_session.clock.today()))
    qtmodeltester.check(choices)
    partners = {r.partner_name for r in choices.rows() if r.purpose_id == "coordinated-support"}
    assert partners == {"Social work teams"}  # a partner on record gets its rows back
    on_record = {(r.person_id, r.purpose_id): r.on_record for r in choices.rows()}
    assert on_record[(child, "email-contact")].startswith("Given")
    assert on_record[(parent, "email-contact")] == "Not asked yet"

    basis = LawfulBasisModel()
    basis.set_organisation(org)
    qtmodeltester.check(basis)
    consent_rows = {basis.index(r, LawfulBasisModel.PURPOSE).data(): basis.index(r, LawfulBasisModel.CONSENT).data()
                    for r in range(basis.rowCount())}
    assert consent_rows["Coordinated support from a further service"] == "Yes, for each service or partner"
    assert consent_rows["Providing Early Help and children's centre services"] == "No"


def test_saving_a_new_household_from_the_form_offers_consent(qtbot, store, tasks, shell_factory):
    from centre_desk.ui.forms import display_values

    context = make_context(store.data_dir, tasks)
    main = shell_factory(context).open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    show_and_focus(qtbot, main)
    settle(qtbot, tasks)
    main.households.new_household()
    page = main.households.form_page
    page.form.set_values(display_values(page.definition, {
        "address_line1": "3 Pier Road", "town": "Portishead", "postcode": "BS20 7AA",
        "members": [{"first_name": "Ana", "last_name": "Wiśniewska", "role": "parent", "date_of_birth": "1992-03-04",
                     "lives_at_address": True}]}))
    page.form.mark_dirty()
    page.save_button.setFocus()
    press(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    question = modal(qtbot, QMessageBox)
    assert question.objectName() == "recordConsentQuestion"
    assert main.current_page_name() == "household"
    assert main.households.view.household is not None
    assert main.households.view.household.members[0].last_name == "Wiśniewska"
    press(qtbot, Qt.Key.Key_Escape)  # later
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)
