"""The main screens at 1024×768 and 1920×1080: grabbed (to $DESK_SHOTS when set, to be looked at)
and checked that no label, button or tab is cut off (``Checker.check_clipping``).

Dialogs are given the room a screen of that size allows them (their own ``place``, no larger than
the screen less its edges), as they get on a real desk."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QToolBar, QWidget

from centre_desk.ui.a11y_check import Checker

from .conftest import make_context, modal, show_and_focus, sign_in_directly

SHOTS = Path(os.environ["DESK_SHOTS"]) if os.environ.get("DESK_SHOTS") else None
SIZES = [(1024, 768), (1920, 1080)]


def settle(qtbot, tasks) -> None:  # type: ignore[no-untyped-def]
    qtbot.wait(30)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=15_000)
    QApplication.processEvents()


def fit(dialog: QWidget, size: tuple[int, int]) -> None:
    width, height = size
    dialog.resize(min(dialog.width(), width - 40), min(dialog.height(), height - 40))


def screens(qtbot, store, tasks, shell_factory, family, size) -> Iterator[tuple[str, QWidget]]:  # type: ignore[no-untyped-def]
    from centre_desk.services.referrals import record_referral
    from centre_desk.ui.print_preview import PrintPreviewDialog
    from centre_desk.ui.signin import SignInWindow
    from tests.conftest import ADMIN, ADMIN_PASSWORD

    household_id, _parent, child = family
    context = make_context(store.data_dir, tasks)
    shell = shell_factory(context)
    sign_in = shell.start(first_run=False)
    assert isinstance(sign_in, SignInWindow)
    show_and_focus(qtbot, sign_in)
    yield "sign-in", sign_in
    main = shell.open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    main.resize(*size)
    show_and_focus(qtbot, main)
    settle(qtbot, tasks)
    yield "start page", main
    desk = main.households
    desk.focus_search()
    qtbot.keyClicks(desk.box, "radulescu")
    qtbot.waitUntil(lambda: desk.search_page.model.rowCount() == 1, timeout=10_000)
    yield "search results", main
    record_referral(main.session, household_id, {
        "source": "self", "date_received": "2026-01-05", "received_via": "phone", "service": "early-help",
        "reasons": "Sleep worries", "urgency": "soon", "safeguarding_concern": False}, [child])
    desk.show_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    settle(qtbot, tasks)
    view = desk.view
    for index in range(view.tabs.count()):
        view.tabs.setCurrentIndex(index)
        settle(qtbot, tasks)
        yield f"household, tab {index + 1}", main
    view.tabs.setCurrentWidget(view.referrals)
    referral = view.referrals.new_referral()
    assert referral is not None
    fit(referral, size)
    show_and_focus(qtbot, referral)
    for index, section in enumerate(referral.form.form.sections):
        referral.form.go_to_section(index, focus=True)
        yield f"referral form: {section.title}", referral
    referral.reject()
    view.tabs.setCurrentWidget(view.consent)
    settle(qtbot, tasks)
    consent = view.consent.record_consent()
    assert consent is not None
    settle(qtbot, tasks)
    fit(consent, size)
    show_and_focus(qtbot, consent)
    yield "consent dialog", consent
    consent.reject()
    settle(qtbot, tasks)
    view.consent.print_receipt()
    preview = modal(qtbot, PrintPreviewDialog)
    fit(preview, size)
    settle(qtbot, tasks)
    yield "print preview", preview
    preview.reject()
    settle(qtbot, tasks)
    desk.new_household()
    form = desk.form_page.form
    for index, section in enumerate(form.form.sections):
        form.go_to_section(index, focus=True)
        yield f"new household form: {section.title}", main
    form.discard_changes = None  # nothing typed: leaving asks nothing
    for page, action in (("sessions", main.sessions.action), ("reach statistics", main.reports.statistics_action),
                         ("retention review", main.reports.retention_action)):
        action.trigger()
        settle(qtbot, tasks)
        yield page, main


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_main_screens_show_nothing_cut_off(qtbot, store, tasks, shell_factory, family, size):
    checker = Checker()
    problems, checked = [], []
    for name, window in screens(qtbot, store, tasks, shell_factory, family, size):
        qtbot.wait(40)
        QApplication.processEvents()
        if SHOTS is not None:
            SHOTS.mkdir(parents=True, exist_ok=True)
            slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
            window.grab().save(str(SHOTS / f"{size[0]}x{size[1]}-{slug}.png"))
        checked.append(name)
        problems += checker.check_clipping(f"{size[0]}x{size[1]} {name}", window)
        if window.width() > size[0] or window.height() > size[1]:
            problems.append(f"{size[0]}x{size[1]} {name}: the window is {window.width()}x{window.height()}")
        toolbar = window.findChild(QToolBar, "deskToolbar")
        if toolbar is not None:
            # Every toolbar button on the bar itself, none pushed into the overflow menu.
            hidden = [a.text() for a in toolbar.actions() if not a.isSeparator() and a.isVisible()
                      and (w := toolbar.widgetForAction(a)) is not None and not w.isVisible()]
            if hidden:
                problems.append(f"{size[0]}x{size[1]} {name}: toolbar buttons out of sight: {hidden}")
    print("\nscreenshots:", json.dumps({"size": f"{size[0]}x{size[1]}", "screens": len(checked),
                                         "cut off": len(problems)}))
    assert len(checked) >= 20
    assert not problems, "\n".join(map(str, problems))
