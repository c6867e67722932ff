"""F1 help at the desk: a page per screen, opened with F1 from that screen (and from its dialogs),
readable by a screen reader; About moved out of F1's way; the quick guide for reception printed
through the preview and read back from the PDF."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu

from centre_desk.domain.errors import DefinitionError
from centre_desk.formspec.help import load_topic, parse_topic, quick_guide_topics, topics
from centre_desk.ui.consent_dialog import RecordConsentDialog
from centre_desk.ui.help import HelpDialog
from centre_desk.ui.print_preview import PrintPreviewDialog
from tests.conftest import ADMIN, ADMIN_PASSWORD, CENTRE

from .conftest import focused, make_context, modal, press, show_and_focus, sign_in_directly, type_text
from .test_consent import open_household, settle

F1 = Qt.Key.Key_F1


def open_main(qtbot, store, tasks, shell_factory):  # type: ignore[no-untyped-def]
    context = make_context(store.data_dir, tasks)
    main = shell_factory(context).open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    show_and_focus(qtbot, main)
    settle(qtbot, tasks)
    return main


def test_every_help_page_keeps_the_format_and_every_screen_has_its_own(qtbot, store, tasks, shell_factory):
    for name in topics():
        page = load_topic(name)
        assert page.title and page.paragraphs, name
        for part in page.parts:
            assert part.paragraphs or part.keys, (name, part.heading)
    main = open_main(qtbot, store, tasks, shell_factory)
    pages = [main.pages.widget(i).property("pageName") for i in range(main.pages.count())]
    assert len(pages) >= 8
    missing = [name for name in pages if name not in topics()]
    assert not missing, f"pages without a help page: {missing}"
    for dialog_topic in ("signin", "consent", "contact", "referral", "print-preview", "locked"):
        assert dialog_topic in topics()
    # Written for reception staff, not developers.
    for name in topics():
        words = load_topic(name).markdown.lower()
        for jargon in ("database", "imported records", "sqlcipher", "exception", "null", "uuid"):
            assert jargon not in words, (name, jargon)


def test_a_broken_help_page_is_refused_with_its_file_and_line():
    with pytest.raises(DefinitionError, match="line 1"):
        parse_topic("x", "No title here\n", "x.md")
    with pytest.raises(DefinitionError, match=r"line 4.*Keys: what they do"):
        parse_topic("x", "# X\nWhat it is.\n## Keys\n- Ctrl+F without a colon\n", "x.md")
    with pytest.raises(DefinitionError, match="no help page"):
        load_topic("no-such-screen")
    with pytest.raises(DefinitionError, match="not a help page name"):
        load_topic("../secrets")


def test_f1_opens_the_help_for_the_screen_in_front_and_about_has_no_clashing_key(qtbot, store, tasks,
                                                                                 shell_factory):
    main = open_main(qtbot, store, tasks, shell_factory)
    shortcuts = [a for a in main.findChildren(QAction) if a.shortcut() == QKeySequence("F1")]
    assert [a.objectName() for a in shortcuts] == ["helpAction"]
    help_menu = main.findChild(QMenu, "helpMenu")
    assert [a.objectName() for a in help_menu.actions() if a.objectName()] == [
        "helpAction", "quickGuideAction", "aboutAction"]
    assert main.findChild(QAction, "aboutAction").shortcut().isEmpty()

    press(qtbot, F1)  # the start page
    dialog = modal(qtbot, HelpDialog)
    assert dialog.topic.topic == "start" and dialog.windowTitle() == "Help: The start page"
    assert focused() is dialog.text  # the screen reader starts on the words
    assert dialog.text.accessibleName() == "Help: The start page"
    assert "Unfinished forms" in dialog.text.toPlainText() and "Ctrl+F" in dialog.text.toPlainText()
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None and QApplication.activeWindow() is main)

    main.households.find_action.trigger()  # Ctrl+F, then typing shows the results page
    type_text(qtbot, "Hill")
    qtbot.waitUntil(lambda: main.current_page_name() == "household-search")
    settle(qtbot, tasks)
    press(qtbot, F1)
    dialog = modal(qtbot, HelpDialog)
    assert dialog.title.text() == "Finding a household"
    assert "postcode" in dialog.text.toPlainText()
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)

    main.lock("manual")  # the lock screen has its own
    press(qtbot, F1)
    dialog = modal(qtbot, HelpDialog)
    assert dialog.topic.topic == "locked" and dialog.print_button is None
    dialog.reject()


def test_f1_in_the_consent_dialog_opens_the_consent_help_over_it(qtbot, store, tasks, shell_factory, family):
    household_id, _parent, _child = family
    main = open_household(qtbot, store, tasks, shell_factory, household_id)
    assert main.help_topic() == "household"
    consent = main.households.view.consent.record_consent()
    assert consent is not None
    settle(qtbot, tasks)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is consent)
    press(qtbot, F1)
    dialog = modal(qtbot, HelpDialog)
    assert dialog.parent() is consent and dialog.topic.topic == "consent"
    assert "Person signing" in dialog.text.toPlainText()
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), RecordConsentDialog))


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "guide.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_quick_guide_for_reception_prints_through_the_preview(qtbot, store, tasks, shell_factory, tmp_path):
    from centre_desk.services.audit import AuditQuery, audit_trail

    main = open_main(qtbot, store, tasks, shell_factory)
    press(qtbot, F1)
    dialog = modal(qtbot, HelpDialog)
    assert dialog.print_button is not None
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    preview = modal(qtbot, PrintPreviewDialog)
    assert preview.page_count() >= 3
    text = " ".join(pdftotext(preview.pdf_bytes(), tmp_path).split())
    assert "Quick guide for reception" in text and CENTRE in text
    for page in quick_guide_topics():
        assert page.title in text, page.title
    for keys in ("Ctrl+F", "Ctrl+L", "Ctrl+PgDown / Ctrl+PgUp", "Shift+F10"):
        assert keys in text, keys
    assert "Person signing" in text
    entries = audit_trail(main.session, AuditQuery(action="print.quick-guide"))
    assert len(entries) == 1
