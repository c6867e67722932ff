"""Printing a blank paper form (membership or referral), as ``centre-desk-admin blank-form`` does,
through the print preview."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from centre_desk.services.documents import BLANK_FORMS

from ..print_actions import DocumentPrinter
from ..widgets import named, note


class BlankFormDialog(QDialog):
    def __init__(self, printer: DocumentPrinter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._printer = printer
        self.setObjectName("blankFormDialog")
        self.setAccessibleName("Print a blank paper form")
        self.setWindowTitle("Print a blank paper form")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.addWidget(note("A form to fill in by hand when the desk cannot be used, or for families who "
                              "prefer paper. Type it in afterwards.", "blankFormIntro"))
        self.choices: dict[str, QRadioButton] = {}
        for n, (form_id, words) in enumerate(BLANK_FORMS):
            radio = named(QRadioButton(f"&{words}" if n == 0 else words.replace("Referral", "&Referral")),
                          f"blankForm:{form_id}", words)
            self.group.addButton(radio)
            self.choices[form_id] = radio
            layout.addWidget(radio)
        self.choices[BLANK_FORMS[0][0]].setChecked(True)
        self.large = named(QCheckBox("&Large print (16 pt)"), "blankFormLarge", "Large print")
        layout.addWidget(self.large)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.setObjectName("blankFormButtons")
        self.ok = named(buttons.button(QDialogButtonBox.StandardButton.Ok), "blankFormPreview", "Preview")
        self.ok.setText("&Preview")
        self.ok.setDefault(True)
        named(buttons.button(QDialogButtonBox.StandardButton.Cancel), "blankFormCancel", "Cancel")
        buttons.accepted.connect(self.preview)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        self.choices[BLANK_FORMS[0][0]].setFocus()

    def chosen(self) -> str:
        return next(form_id for form_id, radio in self.choices.items() if radio.isChecked())

    def preview(self) -> None:
        self._printer.blank_form(self.chosen(), self.large.isChecked())
        self.accept()
