"""Sync in the window against a real server process on loopback (SQLite server database): the
status-bar indicator, Sync now, the conflicts dialog, the household page after a pull, and a
revoked device or disabled member. The other device is a real data directory driven through
``centre-desk-admin`` subprocesses.

Set ``CENTRE_DESK_SCREENSHOTS=DIR`` to keep screenshots of the status bar and the conflicts
dialog at 1280×800 and 1024×768.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from centre_desk.app import connect_sync
from centre_desk.sync.client import SyncClient
from centre_desk.ui.a11y_check import Checker
from centre_desk.ui.conflicts_dialog import ConflictsDialog
from centre_desk.ui.main_window import MainWindow
from centre_desk.ui.setup_wizard import SetupWizard
from centre_desk.ui.signin import SignInWindow
from centre_desk.ui.sync_status import REVOKED_MESSAGE
from tests.integration.server_harness import GOOD_PASSWORD, NOW, Served, free_port, serving
from tests.integration.sync_harness import IOANA, ZOFIA, Org, enrol, new_org
from tests.ui.conftest import make_context, press, sign_in_directly, type_text

SHOTS = os.environ.get("CENTRE_DESK_SCREENSHOTS")
WAIT = 30_000


def serve_on(db: str, log_dir: Path, port: int) -> AbstractContextManager[Served]:
    """``centre-desk-server serve`` on a given loopback port (so it can be stopped and started
    again where an enrolled device expects it)."""
    return serving(db, log_dir, port=port)


class Peer:
    """A device as a real data directory, driven in this process through the same services the
    admin tool calls (a subprocess per step would make these tests take minutes)."""

    def __init__(self, path: Path, user: str, session: Any) -> None:
        self.path, self.user, self._session = path, user, session

    @property
    def session(self) -> Any:
        from centre_desk.services.auth import sign_in
        from centre_desk.wiring import Wiring

        if self._session is None or self._session.store.locked:
            wiring = Wiring(self.path)
            self._session = sign_in(wiring.gate, wiring.throttle, wiring.clock, self.user, GOOD_PASSWORD)
        return self._session

    def close(self) -> None:
        from centre_desk.services.auth import sign_out

        if self._session is not None and not self._session.store.locked:
            sign_out(self._session)

    def sync(self) -> Any:
        from centre_desk.services.sync import sync_now
        from centre_desk.wiring import Wiring

        return sync_now(self.session, connect_sync, wipe=Wiring(self.path).gate.wipe)

    def register(self, data: dict[str, Any]) -> str:
        from centre_desk.services.households import register_household

        return str(register_household(self.session, {k: v for k, v in data.items() if k != "contacts"}).id)

    def edit(self, household_id: str, **values: str) -> None:
        from centre_desk.services.households import edit_fields

        edit_fields(self.session, household_id, values)

    def fields(self, household_id: str) -> dict[str, Any]:
        from centre_desk.services.households import open_household

        return dict(open_household(self.session, household_id).fields)

    def conflicts(self) -> list[dict[str, Any]]:
        from centre_desk.services.sync import list_conflicts

        return list_conflicts(self.session)


def enrol_peer(org: LocalOrg, url: str, path: Path, user: str, peers: list[Peer]) -> tuple[Peer, str]:
    """Enrol as ``centre-desk-admin enrol`` does (the code from the real server command)."""
    from centre_desk.services.sync import create_enrolled_store, parse_enrolment, sync_now
    from centre_desk.wiring import Wiring

    client = SyncClient(url)
    enrolment = parse_enrolment(client.enrol(org.code(), user, GOOD_PASSWORD))
    client.close()
    wiring = Wiring(path)
    session, _recovery = create_enrolled_store(wiring.gate, wiring.clock, url, enrolment, GOOD_PASSWORD)
    sync_now(session, connect_sync)
    peer = Peer(path, user, session)
    peers.append(peer)
    return peer, enrolment.device_id


@pytest.fixture
def peers() -> Iterator[list[Peer]]:
    made: list[Peer] = []
    yield made
    for peer in made:
        peer.close()


class LocalOrg(Org):
    """An organisation made and managed through the server's own admin functions in this process,
    on the database the real ``serve`` process uses (the same as ``centre-desk-server`` does, without
    a subprocess per command: the commands themselves are tested in tests/integration)."""

    def _db(self) -> Any:
        from centre_desk.server.db import Database

        if "_database" not in self.__dict__:
            self.__dict__["_database"] = Database(self.db)
        return self.__dict__["_database"]

    def add_staff(self, username: str, role: str, password: str = GOOD_PASSWORD) -> str:
        from centre_desk.domain.clock import FixedClock
        from centre_desk.server import admin

        return admin.add_staff(self._db(), FixedClock(NOW), self.org_id, username, role, password)

    def code(self) -> str:
        from centre_desk.domain.clock import FixedClock
        from centre_desk.server import admin

        return admin.issue_code(self._db(), FixedClock(NOW), self.org_id, None)[0]

    def disable(self, username: str) -> None:
        from centre_desk.domain.clock import FixedClock
        from centre_desk.server import admin

        admin.disable_staff(self._db(), FixedClock(NOW), self.org_id, username)

    def revoke(self, device_id: str) -> None:
        from centre_desk.domain.clock import FixedClock
        from centre_desk.server import admin

        admin.revoke_device(self._db(), FixedClock(NOW), device_id)


@pytest.fixture
def org(tmp_path: Path) -> LocalOrg:
    made = new_org(f"sqlite:///{tmp_path / 'server.db'}")  # the real init-db command, once
    o = LocalOrg(made.db, made.org_id)
    o.add_staff("alice", "manager")
    o.add_staff("bob", "manager")  # imports households on the other device
    return o


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def served(org: LocalOrg, tmp_path: Path, port: int) -> Iterator[Served]:
    with serve_on(org.db, tmp_path / "logs", port) as s:
        yield s


def open_window(shell_factory: Any, tasks: Any, qtbot: Any, data_dir: Path, user: str = "alice") -> MainWindow:
    context = make_context(data_dir, tasks, idle_lock_seconds=600)
    context.sync_connect = connect_sync
    shell = shell_factory(context)
    window = shell.open_main(sign_in_directly(context, user, GOOD_PASSWORD))
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: window.sync.enrolled, timeout=WAIT)
    return window


def indicator_text(window: MainWindow) -> str:
    return window.sync.indicator.text()


def wait_text(qtbot: Any, window: MainWindow, start: str) -> None:
    qtbot.waitUntil(lambda: indicator_text(window).startswith(start), timeout=WAIT)


def sync_by_keyboard(qtbot: Any, window: MainWindow) -> None:
    """F5, the shortcut of the File menu's Sync now, as a person would press it."""
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.sync.running  # started at once (or queued behind the one running)
    qtbot.waitUntil(lambda: not window.sync.running, timeout=WAIT)


def shoot(widget: QWidget, name: str) -> None:
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    assert widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


def test_a_stand_alone_desk_shows_nothing_of_sync(store, tasks, shell_factory, qtbot) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import ADMIN, ADMIN_PASSWORD

    context = make_context(store.data_dir, tasks, idle_lock_seconds=600)
    context.sync_connect = connect_sync
    window = shell_factory(context).open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=WAIT)
    assert not window.sync.enrolled
    assert not window.sync.indicator.isVisible()
    assert not window.sync.action.isVisible()
    assert not window.sync.period.isActive() and not window.sync.watch.isActive()


def test_the_indicator_goes_from_offline_to_up_to_date_and_a_save_is_pushed_soon(
        org: LocalOrg, tmp_path: Path, port: int, tasks, shell_factory, qtbot) -> None:  # type: ignore[no-untyped-def]
    with serve_on(org.db, tmp_path / "logs", port) as first:
        a, _ = enrol(org, first.url, tmp_path / "a", "alice")
    # The server is down now: the window opens anyway and says it is offline.
    window = open_window(shell_factory, tasks, qtbot, a.path)
    indicator = window.sync.indicator
    assert indicator.objectName() == "syncStatus" and indicator.accessibleName().startswith("Sync status")
    button = window.toolbar.widgetForAction(window.sync.action)
    assert button is not None and button.accessibleName() == "Sync now"
    assert window.sync.action in window.toolbar.actions() and window.sync.action.isVisible()
    assert window.sync.action in window.file_menu.actions()
    wait_text(qtbot, window, "Offline")
    assert "Offline" in " ".join(indicator.announced)
    assert indicator.accessibleName() == f"Sync status: {indicator.text()}"  # holds the words shown
    for width, height in ((1280, 800), (1024, 768)):
        window.resize(width, height)
        shoot(window.statusBar(), f"status-bar-offline-{width}x{height}")
    assert window.sync.retry.isActive()  # it tries again by itself, later

    with serve_on(org.db, tmp_path / "logs", port):
        sync_by_keyboard(qtbot, window)
        wait_text(qtbot, window, "Up to date (synced ")
        assert indicator.announced[-1].startswith("Up to date")
        shoot(window.statusBar(), "status-bar-up-to-date-1024x768")
        assert any(t.startswith("Syncing") for t in indicator.announced)

        # A save (here through the service, on the store's queue as the form does) is noticed in
        # the outbox and pushed a few seconds later without anyone asking.
        window.sync.watch.setInterval(300)
        window.sync.soon.setInterval(300)
        window.sync.watch.start()
        from centre_desk.services.households import register_household

        session = window.session
        tasks.run(lambda: register_household(session, {k: v for k, v in IOANA.items() if k != "contacts"}))
        qtbot.waitUntil(lambda: org.digest()["households"] == 1, timeout=WAIT)
        wait_text(qtbot, window, "Up to date")


def test_sync_now_pulls_a_household_from_another_device_and_search_finds_it(
        org: LocalOrg, served: Served, tmp_path: Path, tasks, shell_factory, qtbot, peers) -> None:  # type: ignore[no-untyped-def]
    a, _ = enrol_peer(org, served.url, tmp_path / "a", "alice", peers)
    a.close()
    b, _ = enrol_peer(org, served.url, tmp_path / "b", "bob", peers)
    window = open_window(shell_factory, tasks, qtbot, a.path)
    wait_text(qtbot, window, "Up to date")

    made = b.register(ZOFIA)
    b.sync()
    sync_by_keyboard(qtbot, window)
    wait_text(qtbot, window, "Up to date")

    desk = window.households
    desk.box.setFocus()
    type_text(qtbot, "wisniewska")
    qtbot.waitUntil(lambda: desk.search_page.first_household() is not None, timeout=WAIT)
    household_id = desk.search_page.first_household()
    assert household_id == made

    # The household page is open when another device changes it: the page shows the new value
    # after the next sync, without anyone reopening it.
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page_name() == "household", timeout=WAIT)
    b.edit(made, town="Portishead")
    b.sync()
    sync_by_keyboard(qtbot, window)
    qtbot.waitUntil(lambda: "Portishead" in desk.view.address.text(), timeout=WAIT)

    # An open form with unsaved changes is not overwritten: it says newer data arrived.
    desk.edit_household(desk.view.household)
    form = desk.form_page
    form.form.set_values({**form.form.values(), "address_line2": "Flat 2"})
    form.form.mark_dirty()
    b.edit(made, postcode="BS20 7AA")
    b.sync()
    sync_by_keyboard(qtbot, window)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox), timeout=WAIT)
    box = QApplication.activeModalWidget()
    assert box.objectName() == "conflictMessage" and box.accessibleName() == "Newer details arrived"
    assert form.form.values().get("address_line2") == "Flat 2"  # the person's change is still there
    box.reject()


def _conflicting_phone(org: LocalOrg, served: Served, tmp_path: Path, peers: list[Peer],
                       user: str = "alice") -> tuple[Peer, Peer, str]:
    a, _ = enrol_peer(org, served.url, tmp_path / "a", user, peers)
    b, _ = enrol_peer(org, served.url, tmp_path / "b", "bob", peers)
    household_id = b.register(ZOFIA)
    b.sync()
    a.sync()
    b.edit(household_id, phone="07700 900222")
    b.sync()
    a.edit(household_id, phone="07700 900111")  # offline, the same field
    a.close()
    return a, b, household_id


def test_a_manager_resolves_a_conflict_in_the_dialog_and_the_other_device_gets_it(
        org: LocalOrg, served: Served, tmp_path: Path, tasks, shell_factory, qtbot, peers) -> None:  # type: ignore[no-untyped-def]
    a, b, household_id = _conflicting_phone(org, served, tmp_path, peers)
    window = open_window(shell_factory, tasks, qtbot, a.path)
    wait_text(qtbot, window, "1 conflict to resolve")
    assert window.sync.conflicts_action is not None and window.sync.conflicts_action.isEnabled()
    found = Checker().check("main window with the sync indicator", window)
    assert not found, "\n".join(map(str, found))
    for width, height in ((1280, 800), (1024, 768)):
        window.resize(width, height)
        shoot(window.statusBar(), f"status-bar-conflicts-{width}x{height}")
        shoot(window, f"window-conflicts-{width}x{height}")

    window.sync.indicator.click()  # clickable for a manager
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), ConflictsDialog), timeout=WAIT)
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, ConflictsDialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=WAIT)
    row = dialog.model.rows[0]
    assert row.title == "Zofia Wiśniewska" and row.what == "Main phone number"  # the form's label, not "phone"
    values = {(dialog.values_model.index(r, 0).data(), dialog.values_model.index(r, 1).data())
              for r in range(dialog.values_model.rowCount())}
    assert values == {("07700 900111", "alice"), ("07700 900222", "bob")}
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", dialog.values_model.index(r, 2).data())
               for r in range(2))  # when, for each
    for width, height in ((1280, 800), (1024, 768)):
        window.resize(width, height)
        dialog.resize(min(900, width - 40), min(620, height - 40))
        shoot(dialog, f"conflicts-dialog-{width}x{height}")
    # The accessibility check of tests/ui/test_accessibility.py, on the screens that need a server.
    found = Checker().check("conflicts dialog", dialog)
    assert not found, "\n".join(map(str, found))

    # Keyboard only: the list has the focus; Tab to the values; a typed value that the form
    # would refuse is refused here too, naming the field.
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.table, timeout=WAIT)
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.values
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.corrected
    type_text(qtbot, "not a phone")
    press(qtbot, Qt.Key.Key_Return)
    assert "Main phone number" in dialog.message.text()
    b.sync()
    assert len(b.conflicts()) == 1  # nothing was sent: the other device still sees it open

    # A corrected value, typed as the form takes it.
    dialog.corrected.selectAll()
    type_text(qtbot, "07700 900333")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 0 and not dialog._busy, timeout=WAIT)
    assert "No open conflicts" in dialog.status.text()
    wait_text(qtbot, window, "Up to date")
    press(qtbot, Qt.Key.Key_Escape)

    b.sync()
    assert b.fields(household_id)["phone"] == "07700 900333"
    assert b.conflicts() == []
    assert a.fields(household_id)["phone"] == "07700 900333"


def test_a_conflict_resolved_elsewhere_first_is_said_and_the_list_catches_up(
        org: LocalOrg, served: Served, tmp_path: Path, tasks, shell_factory, qtbot, peers) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.services.sync import resolve_conflict

    a, b, household_id = _conflicting_phone(org, served, tmp_path, peers)
    window = open_window(shell_factory, tasks, qtbot, tmp_path / "a")
    wait_text(qtbot, window, "1 conflict to resolve")
    window.sync.conflicts_action.trigger()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), ConflictsDialog), timeout=WAIT)
    dialog = QApplication.activeModalWidget()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=WAIT)

    b.sync()
    resolve_conflict(b.session, connect_sync, b.conflicts()[0]["conflict_id"], "07700 900222")
    dialog.values.setFocus()
    press(qtbot, Qt.Key.Key_Return)  # resolve with the chosen value: too late
    qtbot.waitUntil(lambda: "resolved elsewhere" in dialog.message.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 0, timeout=WAIT)
    wait_text(qtbot, window, "Up to date")
    assert a.fields(household_id)["phone"] == "07700 900222"


def test_a_member_who_may_not_resolve_sees_the_count_but_no_dialog(
        org: LocalOrg, served: Served, tmp_path: Path, tasks, shell_factory, qtbot, peers) -> None:  # type: ignore[no-untyped-def]
    org.add_staff("carol", "outreach")
    _conflicting_phone(org, served, tmp_path, peers, user="carol")
    window = open_window(shell_factory, tasks, qtbot, tmp_path / "a", user="carol")
    wait_text(qtbot, window, "1 conflict to resolve")
    assert window.sync.conflicts_action is not None and not window.sync.conflicts_action.isVisible()
    count = window.sync.synced_count
    window.sync.indicator.click()  # for her it syncs, it does not open the conflicts
    qtbot.waitUntil(lambda: window.sync.synced_count > count, timeout=WAIT)
    assert window.sync.dialog is None and not isinstance(QApplication.activeModalWidget(), ConflictsDialog)


def test_a_revoked_device_wipes_its_store_and_says_so(
        org: LocalOrg, served: Served, tmp_path: Path, tasks, shell_factory, qtbot, peers, quits) -> None:  # type: ignore[no-untyped-def]
    a, device_id = enrol_peer(org, served.url, tmp_path / "a", "alice", peers)
    a.register(IOANA)
    a.close()
    window = open_window(shell_factory, tasks, qtbot, a.path)
    wait_text(qtbot, window, "Up to date")
    org.revoke(device_id)

    sync_by_keyboard(qtbot, window)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox), timeout=WAIT)
    box = QApplication.activeModalWidget()
    assert box.objectName() == "farewellMessage" and box.text() == REVOKED_MESSAGE
    assert isinstance(box.parent(), SetupWizard)  # back to the start: this desk has no store now
    assert not (a.path / "keyslots.json").exists() and not (a.path / "store.db").exists()
    box.accept()


def test_a_member_disabled_on_the_server_is_signed_out_with_a_clear_message(
        org: LocalOrg, served: Served, tmp_path: Path, tasks, shell_factory, qtbot, peers) -> None:  # type: ignore[no-untyped-def]
    a, _ = enrol_peer(org, served.url, tmp_path / "a", "alice", peers)
    a.close()
    window = open_window(shell_factory, tasks, qtbot, a.path)
    wait_text(qtbot, window, "Up to date")
    org.disable("alice")

    sync_by_keyboard(qtbot, window)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox), timeout=WAIT)
    box = QApplication.activeModalWidget()
    assert box.objectName() == "farewellMessage" and "disabled" in box.text()
    assert isinstance(box.parent(), SignInWindow)
    assert (a.path / "keyslots.json").exists()  # the store stays: only this member is out
    box.accept()


def test_a_locked_desk_does_not_sync(
        org: LocalOrg, served: Served, tmp_path: Path, tasks, shell_factory, qtbot, peers) -> None:  # type: ignore[no-untyped-def]
    a, _ = enrol_peer(org, served.url, tmp_path / "a", "alice", peers)
    a.close()
    window = open_window(shell_factory, tasks, qtbot, a.path)
    wait_text(qtbot, window, "Up to date")
    window.lock("manual")
    qtbot.waitUntil(lambda: window.session.store.locked, timeout=WAIT)
    count = window.sync.synced_count
    window.sync.request(force=True)
    window.sync.sync_now()
    assert not window.sync.running and window.sync.synced_count == count
    assert not any(t.isActive() for t in (window.sync.period, window.sync.watch, window.sync.soon))
    # Unlocking (by keyboard, on the lock screen) starts it again, soon.
    window.sync.soon.setInterval(100)
    window.lock_screen.password.setFocus()
    type_text(qtbot, GOOD_PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.locked, timeout=WAIT)
    qtbot.waitUntil(lambda: window.sync.synced_count > count, timeout=WAIT)
    assert window.sync.action.isEnabled() and window.sync.period.isActive()


@contextmanager
def hanging_server(port: int) -> Iterator[list[Any]]:
    """A loopback listener that accepts connections and never answers: a server that hangs."""
    import socket
    import threading

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(8)
    held: list[Any] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield held
    finally:
        stop.set()
        thread.join(5)
        for conn in held:
            conn.close()
        listener.close()


def test_a_hung_server_blocks_neither_the_window_nor_the_lock(
        org: LocalOrg, tmp_path: Path, port: int, tasks, shell_factory, qtbot, peers) -> None:  # type: ignore[no-untyped-def]
    with serve_on(org.db, tmp_path / "logs", port) as first:
        a, _ = enrol_peer(org, first.url, tmp_path / "a", "alice", peers)
        a.register(IOANA)
        a.close()
    context = make_context(a.path, tasks, idle_lock_seconds=600)
    context.sync_connect = lambda config, user: SyncClient(config["server_url"], config["token"], user, timeout=3)
    with hanging_server(port) as held:
        window = shell_factory(context).open_main(sign_in_directly(context, "alice", GOOD_PASSWORD))
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: window.sync.running and bool(held), timeout=WAIT)
        # The sync waits on the network; the store's queue does not: a search answers meanwhile.
        desk = window.households
        desk.box.setFocus()
        type_text(qtbot, "popescu")
        qtbot.waitUntil(lambda: desk.search_page.first_household() is not None, timeout=2500)
        assert window.sync.running
        # Lock: the records are hidden at once; the key goes once the sync has stopped.
        window.lock("manual")
        assert window.locked and window._outer.currentWidget() is window.lock_screen
        qtbot.waitUntil(lambda: window.session.store.locked, timeout=WAIT)
        assert window.sync._idle.is_set()  # the sync's worker had finished before the key went
        qtbot.waitUntil(lambda: not window.sync.running, timeout=WAIT)
        assert not window.sync.retry.isActive() and not window.sync.period.isActive()


def test_quitting_while_a_sync_waits_on_a_hung_server_stops_it_and_signs_out(
        org: LocalOrg, tmp_path: Path, port: int, tasks, shell_factory, qtbot, peers, quits) -> None:  # type: ignore[no-untyped-def]
    with serve_on(org.db, tmp_path / "logs", port) as first:
        a, _ = enrol_peer(org, first.url, tmp_path / "a", "alice", peers)
        a.close()
    context = make_context(a.path, tasks, idle_lock_seconds=600)
    context.sync_connect = lambda config, user: SyncClient(config["server_url"], config["token"], user, timeout=3)
    with hanging_server(port) as held:
        shell = shell_factory(context)
        window = shell.open_main(sign_in_directly(context, "alice", GOOD_PASSWORD))
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: window.sync.running and bool(held), timeout=WAIT)
        session = window.session
        window.quit_action.trigger()
        qtbot.waitUntil(lambda: quits.count == 1, timeout=WAIT)
        assert window.sync._idle.is_set() and session.store.locked
        assert shell.main_window is None


def test_a_first_sign_in_in_the_window_goes_online_and_later_ones_work_offline(
        org: LocalOrg, tmp_path: Path, port: int, tasks, shell_factory, qtbot, peers) -> None:  # type: ignore[no-untyped-def]
    """bea has never signed in on alice's desk: the window asks the server, which checks her
    password and releases the desk's escrowed key; her slot is written, and with the server
    stopped she signs in again. cara, with no slot, is told a first sign-in needs the server."""
    org.add_staff("bea", "outreach")
    org.add_staff("cara", "outreach")

    def sign_in_by_keyboard(shell: Any, username: str) -> SignInWindow:
        window = shell.window if isinstance(shell.window, SignInWindow) else shell.show_sign_in()
        qtbot.waitExposed(window)
        window.activateWindow()
        window.username.clear()
        window.username.setFocus()
        type_text(qtbot, username)
        press(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, GOOD_PASSWORD)
        press(qtbot, Qt.Key.Key_Return)
        assert window.message.text() == "Signing in…"
        qtbot.waitUntil(lambda: not tasks.busy, timeout=WAIT)
        return window

    with serve_on(org.db, tmp_path / "logs", port) as served:
        a, _ = enrol_peer(org, served.url, tmp_path / "a", "alice", peers)
        a.register(ZOFIA)
        a.sync()
        a.close()
        slots = (a.path / "keyslots.json").read_text()
        shell = shell_factory(make_context(a.path, tasks, online_sign_in=True, idle_lock_seconds=600))
        sign_in_by_keyboard(shell, "bea")
        qtbot.waitUntil(lambda: isinstance(shell.window, MainWindow), timeout=WAIT)
        main = shell.window
        assert main.session.actor.username == "bea"
        assert (a.path / "keyslots.json").read_text() != slots  # her slot is there now
        if SHOTS:
            main.resize(1024, 768)
            main.grab().save(str(Path(SHOTS) / "first-sign-in-main-1024.png"))
        main.sign_out_requested.emit()
        qtbot.waitUntil(lambda: isinstance(shell.window, SignInWindow), timeout=WAIT)

    # The server is stopped: bea's second sign-in is offline; cara's first cannot be.
    window = sign_in_by_keyboard(shell, "cara")
    assert "first sign-in on this device needs a connection to the server" in window.message.text().lower()
    assert shell.window is window and window.password.text() == ""
    if SHOTS:
        window.grab().save(str(Path(SHOTS) / "first-sign-in-offline.png"))
    sign_in_by_keyboard(shell, "bea")
    qtbot.waitUntil(lambda: isinstance(shell.window, MainWindow), timeout=WAIT)
    assert shell.window.session.actor.username == "bea"
