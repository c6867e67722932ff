"""Running the desk from the window, as an administrator or manager would: staff, import, the audit
trail, backup and restore, the recovery key. Real store files, real services, keys pressed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from centre_desk.domain.errors import SignInFailed
from centre_desk.domain.staff import Role
from centre_desk.services.auth import sign_in, sign_out
from centre_desk.ui.admin.audit_page import AuditPageWidget
from centre_desk.ui.admin.staff_page import AddStaffDialog
from centre_desk.ui.main_window import MainWindow
from centre_desk.ui.questions import SafeQuestion
from centre_desk.wiring import Wiring
from tests.conftest import ADMIN, ADMIN_PASSWORD

from .conftest import focused, make_context, modal, press, show_and_focus, sign_in_directly, type_text

PASSWORD = "a long desk password"

GOOD_PASSWORD = "plum kettle orbit lantern"
ALT = Qt.KeyboardModifier.AltModifier


def open_as(qtbot, store, tasks, shell_factory, role: Role) -> MainWindow:  # type: ignore[no-untyped-def]
    """The desk open as ``role``, with no other session holding the store (so that re-encryption
    can run, as on a real desk)."""
    from centre_desk.services.staff import add_staff
    from tests.conftest import STAFF_RULES

    context = make_context(store.data_dir, tasks)
    username, password = ADMIN, ADMIN_PASSWORD
    if role is not Role.ADMINISTRATOR:
        admin = sign_in_directly(context, ADMIN, ADMIN_PASSWORD).session
        username, password = f"desk-{role.value}", PASSWORD
        add_staff(admin, username, role, password, **STAFF_RULES)
        sign_out(admin)
    main = shell_factory(context).open_main(sign_in_directly(context, username, password))
    show_and_focus(qtbot, main)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    return main


def idle(qtbot, tasks) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not tasks.busy, timeout=20_000)


def actions(data_dir: Path) -> list[str]:
    wiring = Wiring(data_dir)
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    try:
        with session.uow() as uow:
            return [e.action for e in uow.audit.entries()]
    finally:
        sign_out(session)


def household_count(data_dir: Path) -> int:
    wiring = Wiring(data_dir)
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    try:
        with session.uow() as uow:
            return uow.households.count()
    finally:
        sign_out(session)


def back_to(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """A dialog has closed: the window manager gives the window back its activation (the offscreen
    platform does not by itself)."""
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5_000)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)


def start_with_keyboard(qtbot, main: MainWindow, title: str) -> None:  # type: ignore[no-untyped-def]
    main.households.home()
    [button] = [b for b in main.start_page.action_buttons if b.text() == title]
    button.setFocus(Qt.FocusReason.TabFocusReason)
    press(qtbot, Qt.Key.Key_Space)


def answer_past_type_ahead(qtbot, question: SafeQuestion, key: str) -> None:  # type: ignore[no-untyped-def]
    """Wait out the moment in which keys are ignored, Tab to the answer, press Space."""
    qtbot.waitUntil(lambda: not question._typed_ahead(), timeout=5_000)
    target = question.buttons_by_key[key]
    for _ in range(6):
        if focused() is target:
            break
        press(qtbot, Qt.Key.Key_Tab)
    assert focused() is target
    press(qtbot, Qt.Key.Key_Space)


# -- staff -------------------------------------------------------------------------------------------

def test_staff_added_and_disabled_from_the_window_with_the_keyboard(qtbot, store, tasks, shell_factory):  # type: ignore[no-untyped-def]
    main = open_as(qtbot, store, tasks, shell_factory, Role.ADMINISTRATOR)
    start_with_keyboard(qtbot, main, "Staff")
    page = main.admin.staff_page
    assert main.current_page_name() == "staff"
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10_000)
    last_signed_in = page.model.index(0, 4).data()
    assert last_signed_in != "Not known"  # the admin signed in to open this window

    press(qtbot, Qt.Key.Key_A, ALT)
    dialog = modal(qtbot, AddStaffDialog)
    assert focused() is dialog.username  # type: ignore[attr-defined]
    type_text(qtbot, "jo.reception")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "Jo Ward")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is dialog.role  # type: ignore[attr-defined]
    type_text(qtbot, "o")  # Outreach
    assert dialog.role.currentData() == "outreach"  # type: ignore[attr-defined]
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "password123")  # weak: refused, with the reason
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "password123")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.ok.isEnabled() and "Password" in dialog.message.text(), timeout=10_000)  # type: ignore[attr-defined]
    assert dialog.isVisible()
    assert "jo.reception" not in [page.model.member(r).username for r in range(page.model.rowCount())]  # type: ignore[union-attr]

    dialog.password.setFocus()  # type: ignore[attr-defined]
    dialog.password.selectAll()  # type: ignore[attr-defined]
    type_text(qtbot, GOOD_PASSWORD)
    press(qtbot, Qt.Key.Key_Tab)
    dialog.repeat.selectAll()  # type: ignore[attr-defined]
    type_text(qtbot, GOOD_PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=20_000)
    qtbot.waitUntil(lambda: "Added jo.reception" in page.status.text(), timeout=10_000)
    member = page.current_member()
    assert member is not None and member.username == "jo.reception" and member.role is Role.OUTREACH
    idle(qtbot, tasks)
    wiring = Wiring(store.data_dir)
    sign_out(sign_in(wiring.gate, wiring.throttle, wiring.clock, "jo.reception", GOOD_PASSWORD))

    back_to(qtbot, main)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.table, timeout=5_000)
    press(qtbot, Qt.Key.Key_D, ALT)
    question = modal(qtbot, SafeQuestion)
    assert "jo.reception" in question.text()  # type: ignore[attr-defined]
    assert "re-encrypted" in question.informativeText()  # type: ignore[attr-defined]
    press(qtbot, Qt.Key.Key_D)  # a stray letter answers nothing
    press(qtbot, Qt.Key.Key_Space)  # nor does a key typed before the question could be read
    assert question.isVisible()
    answer_past_type_ahead(qtbot, question, "disable")  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: "Disabled jo.reception" in page.status.text(), timeout=30_000)
    idle(qtbot, tasks)
    row = page.model.row_of("jo.reception")
    assert page.model.index(row, 3).data() == "Disabled"
    with pytest.raises(SignInFailed):
        sign_in(wiring.gate, wiring.throttle, wiring.clock, "jo.reception", GOOD_PASSWORD)
    done = actions(store.data_dir)
    assert "staff.added" in done and "staff.disabled" in done and "store.re-encrypted" in done


def test_role_changed_and_password_reset_from_the_window(qtbot, store, tasks, shell_factory):  # type: ignore[no-untyped-def]
    from centre_desk.services.staff import add_staff
    from centre_desk.ui.admin.staff_page import ChangeRoleDialog, ResetPasswordDialog
    from tests.conftest import STAFF_RULES

    main = open_as(qtbot, store, tasks, shell_factory, Role.ADMINISTRATOR)
    add_staff(main.session, "sam", Role.RECEPTION, PASSWORD, **STAFF_RULES)
    main.admin.show_staff()
    page = main.admin.staff_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=10_000)
    page.select("sam")
    press(qtbot, Qt.Key.Key_R, ALT)
    modal(qtbot, ChangeRoleDialog)
    type_text(qtbot, "m")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "sam is now manager" in page.status.text(), timeout=10_000)
    idle(qtbot, tasks)
    assert page.current_member().role is Role.MANAGER  # type: ignore[union-attr]
    back_to(qtbot, main)
    page.table.setFocus()
    press(qtbot, Qt.Key.Key_P, ALT)
    reset = modal(qtbot, ResetPasswordDialog)
    type_text(qtbot, GOOD_PASSWORD)
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, GOOD_PASSWORD + "x")  # not the same: refused before anything is sent
    press(qtbot, Qt.Key.Key_Return)
    assert "not the same" in reset.message.text()  # type: ignore[attr-defined]
    reset.repeat.selectAll()  # type: ignore[attr-defined]
    type_text(qtbot, GOOD_PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "New password set for sam" in page.status.text(), timeout=30_000)
    idle(qtbot, tasks)
    wiring = Wiring(store.data_dir)
    signed = sign_in(wiring.gate, wiring.throttle, wiring.clock, "sam", GOOD_PASSWORD)
    assert signed.actor.role is Role.MANAGER
    sign_out(signed)
    # The administrator cannot demote or disable themself from here.
    page.select(ADMIN)
    assert not page.role_button.isEnabled() and not page.disable_button.isEnabled()
    assert "staff.role-changed" in actions(store.data_dir)


def test_an_enrolled_desk_says_staff_are_managed_on_the_server(qtbot, store, tasks, shell_factory):  # type: ignore[no-untyped-def]
    wiring = Wiring(store.data_dir)
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    with session.uow() as uow:
        uow.sync.enrol("https://sync.invalid", "device-1", "token", "org-1", queue_existing=False)
        uow.commit()
    sign_out(session)
    main = open_as(qtbot, store, tasks, shell_factory, Role.ADMINISTRATOR)
    main.admin.show_staff()
    page = main.admin.staff_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10_000)
    assert page.enrolled_note.isVisible()
    assert "managed on the server" in page.enrolled_note.text()
    for button in (page.add_button, page.reset_button, page.role_button, page.disable_button):
        assert not button.isVisible()
    assert page.add() is None


# -- import ------------------------------------------------------------------------------------------

HEADER = "household,first_name,last_name,date_of_birth,role,address_line1,town,postcode\n"


def test_import_is_all_or_nothing_from_the_window(qtbot, store, tasks, shell_factory, tmp_path):  # type: ignore[no-untyped-def]
    main = open_as(qtbot, store, tasks, shell_factory, Role.MANAGER)
    bad = tmp_path / "old-list.csv"
    bad.write_text(HEADER + "OLD-1,Zofia,Nowak,1990-01-01,parent,1 Sea Road,Clevedon,BS21 7AA\n"
                   "OLD-1,Adam,Nowak,2020-05-05,child,,,\n"
                   "OLD-2,Ioana,Pop,31/02/1991,parent,2 Hill Street,Clevedon,BS21 7AB\n", encoding="utf-8")
    start_with_keyboard(qtbot, main, "Import a member list")
    page = main.admin.import_page
    assert focused() is page.file
    type_text(qtbot, str(bad))
    press(qtbot, Qt.Key.Key_Return)  # Check the file
    qtbot.waitUntil(lambda: page.problems.rowCount() > 0, timeout=20_000)
    assert "Nothing was imported" in page.summary.text()
    rows = [[page.problems.index(r, c).data() for c in range(3)] for r in range(page.problems.rowCount())]
    assert any(row == ["2", "person 1: date_of_birth", "is not a real date"] for row in rows), rows
    assert "Ioana" not in str(rows) and "31/02/1991" not in str(rows)
    assert not page.import_button.isEnabled()
    assert household_count(store.data_dir) == 0  # the good record was not saved either

    bad.write_text(HEADER + "OLD-1,Zofia,Nowak,1990-01-01,parent,1 Sea Road,Clevedon,BS21 7AA\n"
                   "OLD-1,Adam,Nowak,2020-05-05,child,,,\n"
                   "OLD-2,Ioana,Pop,1991-02-28,parent,2 Hill Street,Clevedon,BS21 7AB\n", encoding="utf-8")
    page.check_button.click()
    qtbot.waitUntil(page.import_button.isEnabled, timeout=20_000)
    assert "No problems found: 2 households (3 people" in page.summary.text()
    assert household_count(store.data_dir) == 0  # a check saves nothing
    assert focused() is page.import_button
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "Imported 2 households" in page.summary.text(), timeout=20_000)
    assert household_count(store.data_dir) == 2
    mapping = {page.records.index(r, 1).data(): page.records.index(r, 2).data() for r in range(2)}
    assert set(mapping) == {"OLD-1", "OLD-2"} and all(len(v) > 20 for v in mapping.values())
    saved = page.save_mapping_to(tmp_path / "ids.csv")
    assert saved is not None
    with saved.open(encoding="utf-8") as f:
        written = {row["ref"]: row["household_id"] for row in csv.DictReader(f)}
    assert written == mapping
    done = actions(store.data_dir)
    assert done.count("import.checked") == 1 and done.count("import.households") == 1


# -- audit trail -------------------------------------------------------------------------------------

def test_audit_trail_filtered_and_its_chain_verified(qtbot, store, tasks, shell_factory, family):  # type: ignore[no-untyped-def]
    from centre_desk.services.households import open_household
    from centre_desk.ui.admin import audit_page as audit_module
    from centre_desk.ui.admin.models import AuditModel

    household_id = family[0]
    main = open_as(qtbot, store, tasks, shell_factory, Role.MANAGER)
    manager = main.session.actor
    for _ in range(3):
        open_household(main.session, household_id)
    start_with_keyboard(qtbot, main, "Audit trail")
    page = main.admin.audit_page
    assert isinstance(page, AuditPageWidget)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and page.actor.count() >= 3, timeout=10_000)

    # By household: the three openings and its registration, nothing else.
    type_text(qtbot, household_id)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and "match" in page.status.text(), timeout=10_000)
    got = [page.model.entry(r) for r in range(page.model.rowCount())]
    assert all(e is not None and (e.record_ref == household_id or household_id in (e.detail or "")) for e in got)
    assert [e.action for e in got if e is not None].count("household.viewed") == 3

    # By member of staff and action.
    page.record.clear()
    page.actor.setCurrentIndex(page.actor.findData(manager.id))
    page.action.setCurrentIndex(page.action.findData("household.viewed"))
    page.show_button.click()
    qtbot.waitUntil(lambda: "match" in page.status.text(), timeout=10_000)
    assert page.model.rowCount() == 3
    assert {page.model.index(r, 2).data() for r in range(3)} == {manager.username}

    # A date range with nothing in it.
    page.action.setCurrentIndex(0)
    page.use_dates.setChecked(True)
    page.since.setDate(page.since.date().addYears(-5))
    page.until.setDate(page.since.date().addDays(1))
    page.show_button.click()
    qtbot.waitUntil(lambda: "No entries match" in page.status.text(), timeout=10_000)

    # Verify: said plainly.
    page.verify_button.click()
    qtbot.waitUntil(lambda: "intact" in page.chain.text(), timeout=20_000)
    assert "The audit trail is intact" in page.chain.text()

    # Paged: a small page size reads the trail a page at a time as the table is scrolled.
    audit_module_page = audit_module.audit_page
    calls: list[int | None] = []

    def small(session, query, before=None, limit=200):  # type: ignore[no-untyped-def]
        calls.append(before)
        return audit_module_page(session, query, before, 5)

    audit_module.audit_page = small  # type: ignore[assignment]
    try:
        page.use_dates.setChecked(False)
        page.show_button.click()
        qtbot.waitUntil(lambda: page.model.rowCount() >= 5 and not tasks.busy, timeout=10_000)
        model: AuditModel = page.model
        for _ in range(3):  # the view asks for more as it fills; scrolling asks too
            if not model.canFetchMore():
                break
            before = model.rowCount()
            page.table.scrollToBottom()
            model.fetchMore()
            qtbot.waitUntil(lambda before=before: model.rowCount() > before and not tasks.busy, timeout=10_000)
        rows = model.rowCount()
        seqs = [model.entry(r).seq for r in range(rows)]  # type: ignore[union-attr]
        assert rows >= 10 and seqs == sorted(seqs, reverse=True) and len(set(seqs)) == rows
        assert calls[0] is None
        # Each later page starts just below the last entry shown: pages of 5, nothing read twice.
        assert calls[1:] == [seqs[5 * n - 1] for n in range(1, len(calls))]
    finally:
        audit_module.audit_page = audit_module_page  # type: ignore[assignment]
    assert "audit.verified" in actions(store.data_dir)


# -- backup and restore ------------------------------------------------------------------------------

def test_backup_from_the_window_then_restored_from_the_sign_in_window(qtbot, store, tasks, shell_factory,
                                                                       family, tmp_path):  # type: ignore[no-untyped-def]
    from centre_desk.services.households import register_household
    from centre_desk.ui.admin.backup_page import RestoreDialog
    from centre_desk.ui.signin import SignInWindow

    main = open_as(qtbot, store, tasks, shell_factory, Role.ADMINISTRATOR)
    start_with_keyboard(qtbot, main, "Backups")
    page = main.admin.backup_page
    assert focused() is page.destination
    dest = tmp_path / "usb" / "centre.cdbackup"
    type_text(qtbot, str(dest))
    press(qtbot, Qt.Key.Key_Return)
    assert "folder does not exist" in page.result.text() and not dest.exists()
    dest.parent.mkdir()
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Backup written" in page.result.text(), timeout=30_000)
    assert dest.is_file() and b"Sea Road" not in dest.read_bytes()
    press(qtbot, Qt.Key.Key_Return)  # again: the file is there now, nothing is overwritten
    assert "already exists" in page.result.text()

    # A household registered after the backup: the restore brings back the store as it was.
    register_household(main.session, {"address_line1": "9 Late Lane", "town": "Clevedon", "postcode": "BS21 7AA",
                                      "members": [{"first_name": "Ola", "last_name": "Late", "role": "parent",
                                                   "date_of_birth": "1992-03-03"}]})
    assert household_count(store.data_dir) == 2
    idle(qtbot, tasks)

    main.sign_out_action.trigger()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeWindow(), SignInWindow), timeout=20_000)
    window = QApplication.activeWindow()
    assert isinstance(window, SignInWindow)
    window.restore_button.click()
    dialog = modal(qtbot, RestoreDialog)
    assert isinstance(dialog, RestoreDialog)
    dialog.archive.setText(str(dest))
    dialog.username.setText(ADMIN)
    dialog.password.setText(ADMIN_PASSWORD)
    dialog.ok.click()
    question = modal(qtbot, SafeQuestion)
    assert "Replace the records on this desk" in question.text()  # type: ignore[attr-defined]
    press(qtbot, Qt.Key.Key_Return)  # typed ahead: answers nothing
    assert question.isVisible()
    answer_past_type_ahead(qtbot, question, "restore")  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: "Restored the backup" in window.message.text(), timeout=60_000)
    assert household_count(store.data_dir) == 1
    assert any(p.name.startswith("store") or p.is_dir() for p in (store.data_dir / "backups").iterdir())
    assert "backup.restored" in actions(store.data_dir)


def test_restore_is_refused_to_someone_who_is_not_an_administrator(qtbot, store, tasks, shell_factory,
                                                                   tmp_path):  # type: ignore[no-untyped-def]
    from centre_desk.services.backup import create_backup
    from centre_desk.storage.archive import StoreBackups
    from centre_desk.ui.admin.backup_page import RestoreDialog
    from centre_desk.ui.signin import SignInWindow

    main = open_as(qtbot, store, tasks, shell_factory, Role.RECEPTION)  # adds desk-reception
    dest = tmp_path / "b.cdbackup"
    wiring = Wiring(store.data_dir)
    admin = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    create_backup(admin, StoreBackups(store.data_dir), dest)
    sign_out(admin)
    main.sign_out_action.trigger()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeWindow(), SignInWindow), timeout=20_000)
    window = QApplication.activeWindow()
    assert isinstance(window, SignInWindow)
    dialog = window.open_restore()
    assert isinstance(dialog, RestoreDialog)
    dialog.ok.click()
    assert "Backup file" in dialog.message.text()  # nothing chosen: said, nothing asked
    dialog.archive.setText(str(dest))
    dialog.username.setText("desk-reception")
    dialog.password.setText(PASSWORD)
    question = dialog.ask()
    assert question is not None
    qtbot.waitUntil(lambda: not question._typed_ahead(), timeout=5_000)
    question.buttons_by_key["restore"].click()
    qtbot.waitUntil(lambda: "Nothing was restored" in dialog.message.text(), timeout=30_000)
    assert "does not allow" in dialog.message.text()


# -- recovery key ------------------------------------------------------------------------------------

def test_a_new_recovery_key_is_shown_once_with_copy_and_print(qtbot, store, tasks, shell_factory):  # type: ignore[no-untyped-def]
    from centre_desk.services.auth import recover
    from centre_desk.ui.admin.recovery import NewRecoveryKeyDialog
    from centre_desk.ui.print_preview import PrintPreviewDialog

    main = open_as(qtbot, store, tasks, shell_factory, Role.ADMINISTRATOR)
    panel = main.admin.recovery_panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.state == "ok", timeout=10_000)
    assert not panel.isVisible()  # a working key: no warning

    main.admin.recovery_action.trigger()
    question = modal(qtbot, SafeQuestion)
    answer_past_type_ahead(qtbot, question, "make")  # type: ignore[arg-type]
    dialog = modal(qtbot, NewRecoveryKeyDialog)
    assert isinstance(dialog, NewRecoveryKeyDialog)
    key = dialog.key.text()
    assert len(key) >= 20 and key != store.recovery_key
    press(qtbot, Qt.Key.Key_Escape)  # not stored yet: Esc does not lose it
    assert dialog.isVisible() and not dialog.close_button.isEnabled()
    main.lock("manual")  # the key leaves the screen while locked, and comes back after
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    idle(qtbot, tasks)
    main.lock_screen.unlock_requested.emit(ADMIN_PASSWORD)
    qtbot.waitUntil(lambda: not main.locked and dialog.isVisible(), timeout=20_000)
    assert dialog.key.text() == key
    dialog.copy_button.click()
    assert QApplication.clipboard().text() == key
    dialog.print_button.click()
    preview = modal(qtbot, PrintPreviewDialog)
    qtbot.waitUntil(lambda: preview.page_count() >= 1, timeout=20_000)  # type: ignore[attr-defined]
    pdf = preview.pdf_bytes()  # type: ignore[attr-defined]
    preview.reject()  # type: ignore[attr-defined]
    from io import BytesIO

    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)
    assert key in text and "locked place" in text
    dialog.stored.setChecked(True)
    dialog.close_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert QApplication.clipboard().text() != key  # the key is not left on the clipboard
    idle(qtbot, tasks)
    done = actions(store.data_dir)
    assert "recovery-key.renewed" in done and "print.recovery-sheet" in done
    # The new key works; the old one no longer does.
    main.sign_out_action.trigger()
    idle(qtbot, tasks)
    wiring = Wiring(store.data_dir)
    recover(wiring.gate, wiring.throttle, wiring.clock, key, ADMIN, "a brand new long password", wiring.passwords)
    with pytest.raises(Exception):  # noqa: B017 - whichever refusal the vault gives
        recover(wiring.gate, wiring.throttle, wiring.clock, store.recovery_key, ADMIN, "another long password 2",
                wiring.passwords)
