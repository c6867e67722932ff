"""200 % text and a high-contrast theme: nothing cut off, and the accessibility check still passes.

Screenshots go to $A11Y_SHOTS (e.g. /tmp/a11y-shots) when it is set, to be looked at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from centre_desk.ui.a11y_check import Checker
from centre_desk.ui.style import apply_theme, contrast
from tests.conftest import ADMIN, ADMIN_PASSWORD

from .conftest import make_context, show_and_focus, sign_in_directly

SHOTS = Path(os.environ["A11Y_SHOTS"]) if os.environ.get("A11Y_SHOTS") else None


def high_contrast_palette() -> QPalette:
    """Like Windows' "High Contrast Black": white text on black, yellow links, cyan selection."""
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in ((roles.Window, "#000000"), (roles.WindowText, "#ffffff"), (roles.Base, "#000000"),
                         (roles.AlternateBase, "#000000"), (roles.Text, "#ffffff"), (roles.Button, "#000000"),
                         (roles.ButtonText, "#ffffff"), (roles.Highlight, "#1aebff"),
                         (roles.HighlightedText, "#000000"), (roles.Mid, "#ffffff"), (roles.Dark, "#ffffff"),
                         (roles.Light, "#ffffff"), (roles.Midlight, "#3f3f3f"), (roles.Shadow, "#ffffff"),
                         (roles.PlaceholderText, "#ffff00"), (roles.Link, "#ffff00"),
                         (roles.ToolTipBase, "#000000"), (roles.ToolTipText, "#ffffff")):
        palette.setColor(role, QColor(colour))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#3ff23f"))
    return palette


@pytest.fixture
def theme(qapp) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """Change the application's text size or palette for one test, and put it back after."""
    font = QApplication.font()

    def use(text_scale: float = 1.0, palette: QPalette | None = None) -> None:
        apply_theme(qapp, text_scale=text_scale, palette=palette)

    yield use
    QApplication.setFont(font)
    apply_theme(qapp)


def shot(window: QWidget, name: str) -> None:
    QApplication.processEvents()  # layouts requested by the last changes, first
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SHOTS / f"{name}.png"))


def screens(qtbot, store, tasks, shell_factory, family) -> Iterator[tuple[str, QWidget]]:  # type: ignore[no-untyped-def]
    """The main screens a reception worker goes through, each as it is on screen."""
    from centre_desk.ui.signin import SignInWindow

    context = make_context(store.data_dir, tasks)
    shell = shell_factory(context)
    sign_in = shell.start(first_run=False)
    assert isinstance(sign_in, SignInWindow)
    show_and_focus(qtbot, sign_in)
    yield "sign-in", sign_in
    main = shell.open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    show_and_focus(qtbot, main)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    yield "start page", main
    desk = main.households
    desk.focus_search()
    qtbot.keyClicks(desk.box, "radulescu")
    qtbot.waitUntil(lambda: desk.search_page.model.rowCount() == 1, timeout=10_000)
    yield "search results", main
    desk.new_household()
    qtbot.keyClicks(QApplication.focusWidget(), "3 Orchard Close")
    yield "household form", main
    desk.form_page.form.go_to_section(1, focus=True)
    yield "household form: people", main
    desk.form_page.ask_to_leave(lambda: None)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=5000)
    question = QApplication.activeModalWidget()
    yield "unsaved changes", question
    question.reject()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)
    household_id = family[0]
    desk.show_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    yield "household", main
    main.lock("manual")
    yield "lock screen", main


def test_at_200_percent_text_no_label_or_button_is_cut_off(qtbot, store, tasks, shell_factory, family, theme):
    theme(text_scale=2.0)
    assert QApplication.font().pointSizeF() == 22
    checker = Checker()
    problems = []
    for name, window in screens(qtbot, store, tasks, shell_factory, family):
        qtbot.wait(50)
        shot(window, f"200-percent-{name}")
        problems += checker.check_clipping(name, window)
    assert not problems, "\n".join(map(str, problems))


def test_a_high_contrast_theme_is_kept_and_still_passes_the_check(qtbot, store, tasks, shell_factory, family, theme):
    palette = high_contrast_palette()
    theme(palette=palette)
    applied = QApplication.palette()
    # The person's colours are used as they are, not "tuned" back towards grey.
    for role in (QPalette.ColorRole.Window, QPalette.ColorRole.WindowText, QPalette.ColorRole.PlaceholderText):
        assert applied.color(role) == palette.color(role)
    checker = Checker()
    problems = []
    for name, window in screens(qtbot, store, tasks, shell_factory, family):
        qtbot.wait(50)
        shot(window, f"high-contrast-{name}")
        problems += checker.check(f"high contrast: {name}", window, tab=name in {"sign-in", "household"})
        problems += checker.check_clipping(name, window)
    assert not problems, "\n".join(map(str, problems))
    assert contrast(applied.color(QPalette.ColorRole.WindowText), applied.color(QPalette.ColorRole.Window)) == 21


def test_at_200_percent_text_the_household_dialogs_are_not_cut_off(qtbot, store, tasks, shell_factory, family, theme):
    from centre_desk.services.consent import give_consent

    from .test_consent import notice_version

    theme(text_scale=2.0)
    household_id, parent, _child = family
    context = make_context(store.data_dir, tasks)
    main = shell_factory(context).open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    show_and_focus(qtbot, main)
    give_consent(main.session, household_id, parent, "email-contact", method="verbal",
                 notice_version=notice_version())
    main.households.show_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    view = main.households.view
    checker = Checker()
    problems = []
    contact = view.record_contact()
    assert contact is not None
    qtbot.waitExposed(contact)
    shot(contact, "200-percent-record contact")
    problems += checker.check_clipping("record contact", contact)
    contact.reject()
    view.tabs.setCurrentWidget(view.consent)
    view.consent.reload()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    dialog = view.consent.record_consent()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    shot(dialog, "200-percent-record consent")
    problems += checker.check_clipping("record consent", dialog)
    dialog.reject()
    view.consent.view.setFocus()
    view.consent.view.selectRow(0)
    withdraw = view.consent.withdraw()
    assert withdraw is not None
    qtbot.waitExposed(withdraw)
    shot(withdraw, "200-percent-withdraw consent")
    problems += checker.check_clipping("withdraw consent", withdraw)
    withdraw.reject()
    assert not problems, "\n".join(map(str, problems))


def desk_pages(qtbot, main, tasks) -> Iterator[tuple[str, QWidget]]:  # type: ignore[no-untyped-def]
    """The pages and dialogs added for the desk, reports and duplicates, each as it is on screen."""
    for name, action in (("sessions", main.sessions.action), ("duplicates review", main.households.review_action),
                         ("reach statistics", main.reports.statistics_action),
                         ("retention review", main.reports.retention_action)):
        action.trigger()
        qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
        qtbot.wait(50)
        yield name, main
    main.sessions.action.trigger()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    dialog = main.sessions.page.add_session()
    assert dialog is not None
    show_and_focus(qtbot, dialog)
    yield "add session", dialog
    dialog.reject()


@pytest.mark.parametrize("kind", ["200-percent", "high-contrast"])
def test_the_desk_and_report_pages_at_200_percent_and_in_high_contrast(qtbot, store, tasks, shell_factory, family,
                                                                        theme, kind):
    if kind == "200-percent":
        theme(text_scale=2.0)
    else:
        theme(palette=high_contrast_palette())
    context = make_context(store.data_dir, tasks)
    main = shell_factory(context).open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    show_and_focus(qtbot, main)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    checker = Checker()
    problems = []
    for name, window in desk_pages(qtbot, main, tasks):
        shot(window, f"{kind}-{name}")
        if kind == "high-contrast":
            problems += checker.check(f"high contrast: {name}", window, tab=True)
        problems += checker.check_clipping(name, window)
    assert not problems, "\n".join(map(str, problems))


def test_a_mnemonic_label_is_as_wide_as_qt_draws_it_at_200_percent(qtbot, theme):  # type: ignore[no-untyped-def]
    # Qt draws the underlined letter of "&To" as a run of its own, losing the T–o kerning its size
    # was measured with: with kerning on, "To" was drawn "Tc" on the statistics page.
    from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit

    theme(text_scale=2.0)
    assert not QApplication.font().kerning()
    found = {}
    for kerning in (True, False):
        font = QApplication.font()
        font.setKerning(kerning)
        QApplication.setFont(font)  # the theme fixture puts the font back
        page = QWidget()
        form = QFormLayout(page)
        form.addRow("&To", QLineEdit())
        qtbot.addWidget(page)
        page.show()
        qtbot.waitExposed(page)
        label = page.findChildren(QLabel)[0]
        found[kerning] = [f.detail for f in Checker().check_clipping("dates", page)]
        if not kerning:  # the glyphs end inside the label
            image = label.grab().toImage()
            ink = [x for x in range(image.width()) for y in range(image.height())
                   if QColor(image.pixel(x, y)).lightness() < 128]
            assert ink and max(ink) < label.width()
    assert found[False] == []
    assert any("mnemonic" in d for d in found[True])
