"""The managers' rights workbench, driven as a manager drives it: keys go to whatever has the focus.

Requests recorded, extended and closed; an objection upheld and shown on the household; a subject
access pack reviewed with one item released, previewed, and written (the PDF read back with
pypdf); a portability export checked on disk; who has seen the household; and a reception worker
who is offered none of it."""

from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.conftest import ADMIN, ADMIN_PASSWORD

from .conftest import focused, modal, press, type_text
from .test_households import RECEPTION, RECEPTION_PASSWORD, open_desk, reception, settle  # noqa: F401 - reception: a fixture

SAFEGUARDING_TEXT = "Bruising seen by the health visitor on 3 November"


def _as_admin(store, fn):  # type: ignore[no-untyped-def]
    from centre_desk.services.auth import sign_in, sign_out
    from centre_desk.wiring import Wiring

    wiring = Wiring(store.data_dir)
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    try:
        return fn(session)
    finally:
        sign_out(session)


def _household_page(qtbot, store, tasks, shell_factory, household_id, **login):  # type: ignore[no-untyped-def]
    main, _shell = open_desk(qtbot, store, tasks, shell_factory, **login)
    main.households.open_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    settle(qtbot, tasks)
    return main


def _press_button(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    # As a person would after a dialog closes: the window comes back to the front first.
    widget.window().activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=5000)
    press(qtbot, Qt.Key.Key_Space)


def test_a_manager_records_extends_and_closes_a_request_with_the_keyboard(qtbot, store, tasks, shell_factory,  # type: ignore[no-untyped-def]
                                                                          family):
    from centre_desk.services.rights import add_request, list_requests
    from centre_desk.ui.rights_workbench import (
        OVERDUE_COLOUR,
        AddRequestDialog,
        CloseRequestDialog,
        ExtendRequestDialog,
        RegisterModel,
    )

    household_id, parent, _child = family
    _as_admin(store, lambda s: add_request(s, parent, "rectification", received=date(2025, 1, 10),
                                           identity_method="known to staff"))
    main = _household_page(qtbot, store, tasks, shell_factory, household_id)
    view = main.households.view
    assert view.tabs.isTabVisible(view.rights_tab)
    view.tabs.setCurrentWidget(view.rights)
    qtbot.waitUntil(lambda: view.rights.requests_model.rowCount() == 1, timeout=10_000)
    assert view.tabs.tabText(view.rights_tab) == "Rights (1)"  # short: all seven tabs fit at 1024 px
    status = view.rights.requests_model.index(0, view.rights.requests_model.columnCount() - 1).data()
    assert "Overdue" in status  # in words, not only in red

    view.members_view.setCurrentIndex(view.members_model.index(0, 0))
    _press_button(qtbot, view.rights.add_request_button)
    dialog = modal(qtbot, AddRequestDialog)
    qtbot.waitUntil(lambda: focused().accessibleName() == "Type of request", timeout=5000)
    assert dialog.person.currentData() == parent
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Person"
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Received on"
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Identity checked how"
    press(qtbot, Qt.Key.Key_Return)  # no identity check: refused, named, nothing saved
    qtbot.waitUntil(lambda: "identity check" in dialog.problem.text().lower(), timeout=10_000)
    assert len(_as_admin(store, lambda s: list_requests(s, household_id))) == 1
    dialog.identity.setFocus()
    type_text(qtbot, "passport seen at the desk")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.rights.requests_model.rowCount() == 2, timeout=10_000)

    # The register: every open request, the overdue one first and said in words as well as red.
    main.activateWindow()
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: main.current_page_name() == "rights-register", timeout=5000)
    page = main.rights.page
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=10_000)
    assert page.summary.text() == "2 open; 1 overdue."
    first = page.model.index(0, RegisterModel.STATUS)
    assert first.data() == "Overdue — open"
    assert page.model.index(0, RegisterModel.STATUS).data(Qt.ItemDataRole.ForegroundRole).name() == OVERDUE_COLOUR
    assert page.model.index(0, RegisterModel.PERSON).data() == "Ioana Rădulescu"
    assert page.model.index(1, RegisterModel.KIND).data() == "Access (a copy)"
    assert page.model.index(1, RegisterModel.STATUS).data() == "Open"

    # Extend the access request: a reason is required; the due date becomes three months.
    page.view.setFocus()
    press(qtbot, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: page.chosen() is not None and page.chosen().request.kind.value == "access",
                    timeout=5000)
    _press_button(qtbot, page.extend_button)
    extend = modal(qtbot, ExtendRequestDialog)
    qtbot.waitUntil(lambda: focused().accessibleName() == "Reason for extending", timeout=5000)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "reason" in extend.problem.text().lower(), timeout=10_000)
    press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)  # from the button back to the reason
    assert focused() is extend.reason
    type_text(qtbot, "many records over several years")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2 and page.model.index(1, RegisterModel.STATUS).data()
                    == "Extended", timeout=10_000)
    today = date.today()
    extended = next(r for r in _as_admin(store, lambda s: list_requests(s, household_id)) if r.kind.value == "access")
    assert extended.status.value == "extended"
    months = (extended.due.year - today.year) * 12 + extended.due.month - today.month
    assert months == 3
    assert page.model.index(1, RegisterModel.DUE).data() == f"{extended.due:%d/%m/%Y}"

    # Close it with its outcome.
    page.view.setFocus()
    page.view.selectRow(1)
    _press_button(qtbot, page.close_button)
    modal(qtbot, CloseRequestDialog)
    qtbot.waitUntil(lambda: focused().accessibleName() == "Outcome", timeout=5000)
    type_text(qtbot, "copy sent by post")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10_000)
    assert not isinstance(QApplication.activeModalWidget(), CloseRequestDialog)
    closed = next(r for r in _as_admin(store, lambda s: list_requests(s, household_id)) if r.kind.value == "access")
    assert closed.status.value == "closed" and closed.outcome == "copy sent by post"
    page.show_closed.setChecked(True)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=10_000)
    assert page.model.index(1, RegisterModel.STATUS).data().endswith("copy sent by post")

    # Open household from the register (Enter on the row).
    main.activateWindow()
    page.view.setFocus()
    page.view.selectRow(0)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)


def test_an_upheld_objection_shows_on_the_household(qtbot, store, tasks, shell_factory, family):  # type: ignore[no-untyped-def]
    from centre_desk.services.rights import upheld_objections
    from centre_desk.ui.rights_workbench import ObjectionDialog

    household_id, parent, _child = family
    main = _household_page(qtbot, store, tasks, shell_factory, household_id)
    view = main.households.view
    assert view.objections_note.isHidden()
    view.tabs.setCurrentWidget(view.rights)
    view.members_view.setCurrentIndex(view.members_model.index(0, 0))
    _press_button(qtbot, view.rights.objection_button)
    dialog = modal(qtbot, ObjectionDialog)
    qtbot.waitUntil(lambda: focused().accessibleName() == "Person", timeout=5000)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Purpose objected to"
    dialog.purpose.setCurrentIndex(dialog.purpose.findData("email-contact"))
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Decision"  # the first choice: upheld
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "she asked us to stop")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.objections_note.isHidden(), timeout=10_000)
    assert "Ioana Rădulescu" in view.objections_note.text()
    assert "is not used for them" in view.objections_note.text()
    qtbot.waitUntil(lambda: view.rights.objections_model.rowCount() == 1, timeout=10_000)
    assert view.rights.objections_model.index(0, 2).data().startswith("Upheld")
    def upheld(session):  # type: ignore[no-untyped-def]
        with session.store.reader() as uow:
            return upheld_objections(uow)

    assert (parent, "email-contact") in _as_admin(store, upheld)


def test_a_subject_access_pack_reviewed_with_one_item_released_is_written_and_read_back(  # type: ignore[no-untyped-def]
        qtbot, store, tasks, shell_factory, family, tmp_path):
    from pypdf import PdfReader

    from centre_desk.services.referrals import record_referral
    from centre_desk.ui.print_preview import PrintPreviewDialog
    from centre_desk.ui.subject_access_dialog import SubjectAccessDialog
    from tests.integration.test_referrals import REFERRAL

    household_id, parent, child = family
    _as_admin(store, lambda s: record_referral(s, household_id, {**REFERRAL, "safeguarding_details": SAFEGUARDING_TEXT},
                                               [child]))
    main = _household_page(qtbot, store, tasks, shell_factory, household_id)
    view = main.households.view
    view.tabs.setCurrentWidget(view.rights)
    view.members_view.setCurrentIndex(view.members_model.index(0, 0))
    _press_button(qtbot, view.rights.sar_button)
    dialog = modal(qtbot, SubjectAccessDialog)
    assert dialog.person.currentData() == parent
    _press_button(qtbot, dialog.build_button)
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=15_000)
    items = [dialog.model.item(r) for r in range(dialog.model.rowCount())]
    whats = [w.what for w in items]
    assert any("Who referred" in w or "Referrer" in w or "referrer" in w.lower() for w in whats), whats
    assert "presumed" in dialog.children_basis.text()  # parental responsibility not recorded for her
    # Each item shows its exemption and, for the reviewer only, the withheld text.
    row = next(r for r, w in enumerate(items) if w.item.endswith(".referrer_name"))
    safeguarding_row = next(r for r, w in enumerate(items) if w.item.endswith(".safeguarding_details"))
    assert dialog.model.index(row, 1).data() == "Third-party information"
    assert dialog.model.index(safeguarding_row, 1).data() == "Serious harm"
    dialog.view.setFocus()
    dialog.view.selectRow(row)
    qtbot.waitUntil(lambda: dialog.value.text() == "Dr A Example", timeout=5000)
    _press_button(qtbot, dialog.release)
    assert dialog.release.isChecked()
    assert dialog.model.index(row, 2).data() == "Released"
    out = tmp_path / "pack"
    out.mkdir()
    dialog.folder.edit.setText(str(out))
    # Released without a reason: refused, naming the item; nothing written.
    _press_button(qtbot, dialog.release_button)
    qtbot.waitUntil(lambda: "Reason for releasing is required" in dialog.message.text(), timeout=5000)
    assert not list(out.iterdir())
    dialog.reason.setFocus()
    type_text(qtbot, "the GP agreed to be named")

    # The preview is for reading: no Print, no Save.
    _press_button(qtbot, dialog.preview_button)
    preview = modal(qtbot, PrintPreviewDialog)
    assert preview.page_count() >= 1
    assert preview.print_button.isHidden() and preview.save_button.isHidden()
    assert not preview.save_to(out / "leak.pdf") and not list(out.iterdir())
    preview.reject()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is dialog, timeout=5000)

    _press_button(qtbot, dialog.release_button)
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=15_000)
    pdf_path = out / f"subject-access-{parent}.pdf"
    json_path = out / f"subject-access-{parent}.json"
    assert pdf_path.is_file() and json_path.is_file()
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages)
    assert "Dr A Example" in text  # the released item
    assert SAFEGUARDING_TEXT not in text and "Noted by GP" not in text  # still withheld
    assert "07700 900001" not in text  # the referrer's phone: still withheld
    assert "keeping children or adults safe" in text  # withheld items listed in general terms
    body = json_path.read_text()
    assert "Dr A Example" in body and SAFEGUARDING_TEXT not in body
    assert "Released and recorded" in dialog.message.text()

    def release_record(session):  # type: ignore[no-untyped-def]
        from centre_desk.domain.rights import SAR_RELEASE

        with session.store.reader() as uow:
            return [r.body for r in uow.rights.of_kind(SAR_RELEASE, household_id)]

    [record] = _as_admin(store, release_record)
    assert [r["reason"] for r in record["released"]] == ["the GP agreed to be named"]
    assert record["sha256"]["pdf"] == hashlib.sha256(pdf_path.read_bytes()).hexdigest()
    assert SAFEGUARDING_TEXT not in str(record)
    dialog.reject()


def test_closing_a_review_with_decisions_asks_first(qtbot, store, tasks, shell_factory, family):  # type: ignore[no-untyped-def]
    from centre_desk.services.referrals import record_referral
    from centre_desk.ui.questions import TYPE_AHEAD_MS, SafeQuestion
    from centre_desk.ui.subject_access_dialog import SubjectAccessDialog
    from tests.integration.test_referrals import REFERRAL

    household_id, _parent, child = family
    _as_admin(store, lambda s: record_referral(s, household_id, dict(REFERRAL), [child]))
    main = _household_page(qtbot, store, tasks, shell_factory, household_id)
    dialog = main.households.view.subject_access()
    assert isinstance(dialog, SubjectAccessDialog)
    dialog.build()
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=15_000)
    dialog.view.selectRow(0)
    dialog.release.setChecked(True)
    press(qtbot, Qt.Key.Key_Escape)
    question = modal(qtbot, SafeQuestion)
    qtbot.wait(TYPE_AHEAD_MS + 50)
    press(qtbot, Qt.Key.Key_Return)  # the safe answer: keep reviewing
    qtbot.waitUntil(lambda: not question.isVisible(), timeout=5000)
    assert dialog.isVisible() and dialog.model.reasons


def test_portability_export_and_who_has_seen(qtbot, store, tasks, shell_factory, family, tmp_path):  # type: ignore[no-untyped-def]
    from centre_desk.ui.rights_workbench import PortabilityDialog, SeenDialog

    household_id, _parent, _child = family
    main = _household_page(qtbot, store, tasks, shell_factory, household_id)
    view = main.households.view
    main.rights.portability_action.trigger()
    dialog = modal(qtbot, PortabilityDialog)
    qtbot.waitUntil(lambda: focused().accessibleName() == "Folder", timeout=5000)
    type_text(qtbot, str(tmp_path / "missing"))
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "folder" in dialog.problem.text().lower(), timeout=10_000)
    out = tmp_path / "export"
    out.mkdir()
    dialog.folder.edit.setText(str(out))
    dialog.ok_button.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=15_000)
    written = dialog.written
    assert written.intact and written.folder.parent == out
    assert {"household.json", "manifest.json", "SHA256SUMS", "people.csv"} <= set(written.names)
    for line in (written.folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((written.folder / name).read_bytes()).hexdigest() == digest
    assert "every checksum matches" in dialog.outcome.text()
    assert "Rădulescu" in (written.folder / "household.json").read_text(encoding="utf-8")
    dialog.reject()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)

    main.rights.seen_action.trigger()
    seen = modal(qtbot, SeenDialog)
    qtbot.waitUntil(lambda: seen.model.rowCount() >= 2, timeout=10_000)
    what = [seen.model.index(r, seen.model.WHAT).data() for r in range(seen.model.rowCount())]
    assert "Opened the household" in what
    assert "Exported portability" in what
    assert seen.model.index(0, 1).data() == ADMIN
    assert seen.model.headerData(seen.model.DEVICE, Qt.Orientation.Horizontal) == "Where recorded"
    assert {seen.model.index(r, seen.model.DEVICE).data() for r in range(seen.model.rowCount())} == {"This device"}
    # This desk is not enrolled: the dialog says the list is its own, in a named label.
    qtbot.waitUntil(lambda: "not enrolled" in seen.notice.text(), timeout=5000)
    assert seen.notice.objectName() == "seenNotice" and seen.notice.accessibleName()
    seen.reject()
    assert view.tabs.currentWidget() is view.rights


@pytest.mark.usefixtures("reception")
def test_a_reception_worker_is_offered_none_of_the_rights_actions(qtbot, store, tasks, shell_factory,  # type: ignore[no-untyped-def]
                                                                  family):
    from PySide6.QtWidgets import QMenu

    from centre_desk.domain.errors import PermissionDenied
    from centre_desk.services.rights import request_register

    household_id, _parent, _child = family
    main = _household_page(qtbot, store, tasks, shell_factory, household_id, username=RECEPTION,
                           password=RECEPTION_PASSWORD)
    view = main.households.view
    assert not view.tabs.isTabVisible(view.rights_tab)
    assert view.restrict_button.isHidden() and view.erase_button.isHidden()
    assert main.findChild(QMenu, "rightsMenu") not in [a.menu() for a in main.menuBar().actions()]
    assert not main.rights.register_action.isEnabled() and not main.rights.sar_action.isEnabled()
    assert view.subject_access() is None and view.portability() is None and view.who_has_seen() is None
    main.rights.show_register()
    assert main.current_page_name() == "household"
    try:
        request_register(main.session)
    except PermissionDenied:
        pass
    else:
        raise AssertionError("reception may read the requests register")


def test_who_has_seen_merges_other_devices_and_says_when_the_server_is_away(  # type: ignore[no-untyped-def]
        qtbot, store, tasks, shell_factory, family):
    from centre_desk.domain.sync import ServerRefused
    from centre_desk.ui.rights_workbench import SeenDialog

    household_id, _parent, _child = family
    other = "0192f0a0-2222-7000-8000-00000000bbbb"

    def enrol(session):  # type: ignore[no-untyped-def]
        with session.uow() as uow:
            uow.sync.enrol("http://127.0.0.1:9", "0192f0a0-1111-7000-8000-00000000aaaa", "t", "org",
                           queue_existing=False)
            uow.commit()

    _as_admin(store, enrol)
    main = _household_page(qtbot, store, tasks, shell_factory, household_id)

    class Server:
        def seen(self, hid, limit):  # type: ignore[no-untyped-def]
            return {"household_id": hid, "more": False, "limit": limit, "entries": [{
                "device_id": other, "device_enrolled_by": "outreach1",
                "device_enrolled_at": "2026-01-01T09:00:00+00:00", "device_revoked": False, "seq": 4,
                "at": "2099-01-01T10:00:00+00:00", "actor_id": "x",
                "actor_username": "outreach1", "action": "print.summary", "hash": "f" * 64}]}

        def close(self) -> None:
            pass

    # The window reads the composition root's way to the server afresh each time.
    main.context.sync_connect = lambda _cfg, _user: Server()
    main.rights.seen_action.trigger()
    seen = modal(qtbot, SeenDialog)
    qtbot.waitUntil(lambda: seen.found is not None, timeout=10_000)
    last = seen.model.rowCount() - 1
    assert seen.model.index(last, seen.model.DEVICE).data() == "Device …0000bbbb, enrolled by outreach1"
    assert seen.model.index(last, seen.model.WHAT).data() == "Printed summary"
    assert "1 from other devices" in seen.summary.text() and seen.notice.text() == ""
    seen.reject()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)

    def unreachable(_cfg, _user):  # type: ignore[no-untyped-def]
        raise ServerRefused("server-unreachable", "the server at http://127.0.0.1:9 is not answering")

    main.context.sync_connect = unreachable
    main.rights.seen_action.trigger()
    seen = modal(qtbot, SeenDialog)
    qtbot.waitUntil(lambda: seen.found is not None, timeout=10_000)
    assert "Other devices' entries could not be fetched" in seen.notice.text()
    assert {seen.model.index(r, seen.model.DEVICE).data() for r in range(seen.model.rowCount())} == {"This device"}
    seen.reject()
