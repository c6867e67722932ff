"""Help > About and the licences of what Centre Desk bundles."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QWidget

from centre_desk import __version__
from centre_desk.domain.errors import DefinitionError
from centre_desk.formspec.resources import resources_dir
from centre_desk.ui.about import AboutDialog, LicencesDialog, app_icon, load_licences

from .test_names import _unnamed

REQUIRED = {
    "qt": "LGPL-3.0",
    "sqlcipher": "BSD",
    "sqlalchemy": "MIT",
    "alembic": "MIT",
    "cryptography": "Apache-2.0",
    "argon2-cffi": "MIT",
    "reportlab": "BSD",
    "pyyaml": "MIT",
    "jsonschema": "MIT",
    "platformdirs": "MIT",
    "dejavu-fonts": "Bitstream Vera",
}


def test_about_shows_version_organisation_copyright_and_icon(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = AboutDialog("North Somerset Early Help and Children's Centres")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.version_label.text() == f"Version {__version__}"
    assert dialog.organisation_label is not None
    assert "North Somerset Early Help" in dialog.organisation_label.text()
    assert "Copyright ©" in dialog.copyright_label.text()
    assert not dialog.icon_label.pixmap().isNull()
    assert not app_icon().isNull()
    assert _unnamed(dialog) == []
    for button in dialog.findChildren(QAbstractButton):
        assert button.objectName() and button.accessibleName(), button.text()


def test_about_without_a_profile_leaves_the_organisation_out(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    assert dialog.organisation_label is None
    assert dialog.findChild(QWidget, "aboutOrganisation") is None


def test_the_licences_button_lists_every_bundled_font_and_library(qtbot) -> None:  # type: ignore[no-untyped-def]
    about = AboutDialog("Somerset Council Children's Services")
    qtbot.addWidget(about)
    about.show()
    qtbot.mouseClick(about.licences_button, Qt.MouseButton.LeftButton)
    licences = about.licences_dialog
    assert isinstance(licences, LicencesDialog)
    qtbot.waitUntil(licences.isVisible)
    assert _unnamed(licences) == []
    ids = {e.id for e in licences.entries}
    assert set(REQUIRED) <= ids
    assert licences.entries[0].kind == "font"  # fonts first
    titles = [licences.list.item(i).text() for i in range(licences.list.count())]
    assert len(titles) == len(licences.entries)
    for component, licence in REQUIRED.items():
        licences.select(component)
        text = licences.text.toPlainText()
        entry = next(e for e in licences.entries if e.id == component)
        assert licence in entry.licence, component
        assert entry.name in text and "missing from this installation" not in text, component
    licences.select("qt")
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in licences.text.toPlainText()
    licences.select("dejavu-fonts")
    assert "Bitstream Vera Fonts Copyright" in licences.text.toPlainText()
    # The keyboard moves through the list and the text follows.
    licences.list.setFocus()
    licences.list.setCurrentRow(0)
    qtbot.keyClick(licences.list, Qt.Key.Key_Down)
    assert licences.list.currentRow() == 1
    assert licences.entries[1].name in licences.text.toPlainText()
    qtbot.keyClick(licences, Qt.Key.Key_Escape)
    assert not licences.isVisible()


def test_installed_versions_are_shown_for_python_packages() -> None:
    by_id = {e.id: e for e in load_licences()}
    assert by_id["sqlalchemy"].version and by_id["sqlalchemy"].version in by_id["sqlalchemy"].title
    assert by_id["dejavu-fonts"].version == ""


def test_every_licence_file_named_is_there_and_every_bundled_font_is_covered() -> None:
    import yaml

    root = resources_dir()
    data = yaml.safe_load((root / "licences.yaml").read_text(encoding="utf-8"))
    covered: set[str] = set()
    for component in data["components"]:
        for rel in component.get("text_files") or []:
            assert (root / rel).is_file(), rel
        if component.get("kind") == "font":
            covered |= set(component.get("files") or [])
    bundled = {f"fonts/{p.name}" for p in (root / "fonts").iterdir() if p.suffix.lower() in {".ttf", ".otf"}}
    assert bundled and bundled <= covered, bundled - covered


def test_a_broken_licence_list_is_reported_not_crashed(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "licences.yaml").write_text("components: {not: a list}\n", encoding="utf-8")
    with pytest.raises(DefinitionError):
        load_licences(tmp_path)
    dialog = LicencesDialog(root=tmp_path)
    qtbot.addWidget(dialog)
    assert dialog.entries == []
    assert "cannot be shown" in dialog.text.toPlainText()
