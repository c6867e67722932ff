"""Help > About: the application, its version, the organisation profile, and the licences of the
fonts and libraries it bundles (from ``resources/licences.yaml``).

Self-contained: ``AboutDialog(organisation=...)`` needs nothing but the resources folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QIcon, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from centre_desk import __version__
from centre_desk.domain.errors import DefinitionError
from centre_desk.formspec.resources import resources_dir

from .widgets import APP_NAME, heading, minimum_width, named, note

LICENCES_FILE = "licences.yaml"
ICON_PNG = Path("icons") / "centre-desk.png"
ICON_SVG = Path("icons") / "centre-desk.svg"
COPYRIGHT = "Copyright © 2026 the Centre Desk contributors. Released under the MIT licence."
ICON_SIZE = 96


@dataclass(frozen=True)
class LicenceEntry:
    id: str
    kind: str  # "font" or "library"
    name: str
    licence: str
    copyright: str
    url: str
    version: str
    text: str

    short: str = ""

    @property
    def title(self) -> str:
        """What the list shows: the short name and the installed version."""
        version = f" {self.version}" if self.version else ""
        return f"{self.short or self.name}{version}"

    @property
    def description(self) -> str:
        return f"{self.title}: {self.licence}"


def _resources(root: Path | None) -> Path | None:
    if root is not None:
        return root
    try:
        return resources_dir()
    except DefinitionError:
        return None


def app_icon(root: Path | None = None) -> QIcon:
    """The application icon (the PNG, which needs no SVG plug-in), or an empty icon."""
    base = _resources(root)
    icon = QIcon()
    if base is not None:
        for rel in (ICON_PNG, ICON_SVG):
            if (base / rel).is_file():
                icon.addFile(str(base / rel))
                break
    return icon


def _installed_version(package: str | None) -> str:
    if not package:
        return ""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return ""


def reflow(text: str) -> str:
    """Join the lines of each paragraph so the text wraps to the window; paragraphs with indented
    lines (lists, clauses) keep their line breaks."""
    paragraphs = [p for p in text.strip("\n").split("\n\n")]
    out = []
    for para in paragraphs:
        lines = para.split("\n")
        if any(line[:1].isspace() for line in lines):
            out.append(para)
        else:
            out.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(out)


def _compose(entry: dict[str, Any], base: Path) -> str:
    head = [str(entry.get("name", ""))]
    for label, key in (("Licence", "licence"), ("Copyright", "copyright"), ("Website", "url")):
        if entry.get(key):
            head.append(f"{label}: {entry[key]}")
    parts = ["\n".join(head)]
    if entry.get("text"):
        parts.append(reflow(str(entry["text"])))
    for rel in entry.get("text_files") or []:
        path = base / str(rel)
        try:
            parts.append(path.read_text(encoding="utf-8").rstrip())
        except OSError:
            parts.append(f"(The full text, {rel}, is missing from this installation.)")
    return "\n\n".join(parts) + "\n"


def load_licences(root: Path | None = None) -> list[LicenceEntry]:
    """The bundled fonts first, then the libraries, as ``licences.yaml`` lists them."""
    import yaml

    base = _resources(root)
    if base is None:
        raise DefinitionError("resources", LICENCES_FILE, "the resources folder cannot be found")
    path = base / LICENCES_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        raise DefinitionError(str(path), "(top level)", "the licence list cannot be read") from None
    if not isinstance(data, dict) or not isinstance(data.get("components"), list):
        raise DefinitionError(str(path), "components", "must be a list")
    entries = []
    for raw in data["components"]:
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("name"):
            raise DefinitionError(str(path), "components", "every component needs an id and a name")
        entries.append(LicenceEntry(
            id=str(raw["id"]), kind=str(raw.get("kind", "library")), name=str(raw["name"]),
            licence=str(raw.get("licence", "")), copyright=str(raw.get("copyright", "")),
            url=str(raw.get("url", "")), version=_installed_version(raw.get("package")),
            text=_compose(raw, base), short=str(raw.get("short", "")),
        ))
    return sorted(entries, key=lambda e: (e.kind != "font",))


class LicencesDialog(QDialog):
    """A list of the bundled fonts and libraries; the selected one's licence text beside it."""

    def __init__(self, parent: QWidget | None = None, *, root: Path | None = None) -> None:
        super().__init__(parent)
        named(self, "licencesDialog", "Licences")
        self.setWindowTitle(f"{APP_NAME} — Licences")
        self.resize(1000, 620)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Fonts and libraries in Centre Desk", 14, "licencesHeading"))
        layout.addWidget(note("Centre Desk is built with the following, each under its own licence.",
                              "licencesIntro"))

        self.list = named(QListWidget(), "licencesList", "Bundled fonts and libraries",
                          "Choose one to read its licence")
        self.text = named(QTextBrowser(), "licenceText", "Licence text")
        self.text.setOpenExternalLinks(False)
        self.text.setLineWrapMode(QTextBrowser.LineWrapMode.WidgetWidth)
        mono = QFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        # The fixed-pitch system font is often 9 pt: as large as the rest of the text instead.
        mono.setPointSizeF(max(mono.pointSizeF(), self.font().pointSizeF()))
        self.text.setFont(mono)
        splitter = named(QSplitter(Qt.Orientation.Horizontal), "licencesSplitter", "Licences")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.list)
        splitter.addWidget(self.text)
        splitter.setSizes([260, 740])
        layout.addWidget(splitter, 1)

        buttons = named(QDialogButtonBox(QDialogButtonBox.StandardButton.Close), "licencesButtons",
                        "Dialog buttons")
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        named(close, "licencesCloseButton", "Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        try:
            self.entries = load_licences(root)
        except DefinitionError as exc:
            self.entries = []
            self.text.setPlainText(f"The licence list cannot be shown: {exc}")
        for entry in self.entries:
            item = QListWidgetItem(entry.title)
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, entry.description)
            item.setToolTip(entry.description)
            self.list.addItem(item)
        self.list.currentRowChanged.connect(self._show)
        if self.entries:
            self.list.setCurrentRow(0)
        self.list.setFocus()

    def _show(self, row: int) -> None:
        if 0 <= row < len(self.entries):
            self.text.setPlainText(self.entries[row].text)
            self.text.moveCursor(self.text.textCursor().MoveOperation.Start)

    def select(self, component_id: str) -> None:
        for row, entry in enumerate(self.entries):
            if entry.id == component_id:
                self.list.setCurrentRow(row)
                return
        raise KeyError(component_id)


class AboutDialog(QDialog):
    """The icon, the version, the organisation profile in use, the copyright, and the licences."""

    def __init__(self, organisation: str | None = None, parent: QWidget | None = None, *,
                 root: Path | None = None) -> None:
        super().__init__(parent)
        named(self, "aboutDialog", f"About {APP_NAME}")
        self.setWindowTitle(f"About {APP_NAME}")
        self._root = root
        self.licences_dialog: LicencesDialog | None = None
        icon = app_icon(root)
        if not icon.isNull():
            self.setWindowIcon(icon)

        layout = QVBoxLayout(self)
        minimum_width(layout, 520)
        top = QHBoxLayout()
        self.icon_label = QLabel()
        self.icon_label.setObjectName("aboutIcon")
        self.icon_label.setAccessibleName(f"{APP_NAME} icon")
        if not icon.isNull():
            self.icon_label.setPixmap(icon.pixmap(ICON_SIZE, ICON_SIZE))
        else:
            self.icon_label.setPixmap(QPixmap())
        self.icon_label.setFixedSize(ICON_SIZE, ICON_SIZE)
        top.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)

        facts = QVBoxLayout()
        facts.addWidget(heading(APP_NAME, 20, "aboutTitle"))
        self.version_label = named(QLabel(f"Version {__version__}"), "aboutVersion", "Version",
                                   f"Version {__version__}")
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        facts.addWidget(self.version_label)
        self.organisation_label: QLabel | None = None
        if organisation:
            self.organisation_label = named(QLabel(f"Organisation: {organisation}"), "aboutOrganisation",
                                            "Organisation", f"Organisation: {organisation}")
            self.organisation_label.setWordWrap(True)
            facts.addWidget(self.organisation_label)
        facts.addWidget(note("Membership, referral and consent records for children's centres and "
                             "early help teams.", "aboutDescription"))
        self.copyright_label = note(COPYRIGHT, "aboutCopyright")
        facts.addWidget(self.copyright_label)
        facts.addStretch(1)
        top.addLayout(facts, 1)
        layout.addLayout(top)

        buttons = named(QDialogButtonBox(), "aboutButtons", "Dialog buttons")
        self.licences_button = named(QPushButton("&Licences…"), "licencesButton", "Licences",
                                     "Show the licences of the fonts and libraries Centre Desk includes")
        buttons.addButton(self.licences_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = named(buttons.addButton(QDialogButtonBox.StandardButton.Close), "aboutCloseButton",
                                  "Close")
        buttons.rejected.connect(self.reject)
        self.licences_button.clicked.connect(self.show_licences)
        layout.addWidget(buttons)
        self.close_button.setDefault(True)
        self.close_button.setFocus()

    def show_licences(self) -> LicencesDialog:
        """Open (or raise) the licences window, modal to this dialog but without blocking."""
        if self.licences_dialog is None:
            self.licences_dialog = LicencesDialog(self, root=self._root)
        self.licences_dialog.open()
        self.licences_dialog.raise_()
        return self.licences_dialog
