"""Consent from several people in one sitting: each person signing has their own method and
signature, attached to their own decisions only (and to a child's when they decided for her); the
receipt read back from the PDF shows each signature beside that person's decisions."""

from __future__ import annotations

import io

from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from centre_desk.domain.consent import Decision, Method
from centre_desk.printing.renderer import PdfRenderer
from centre_desk.services.family_documents import print_consent_receipt
from centre_desk.ui.consent_dialog import RecordConsentDialog

from .conftest import modal, press
from .test_consent import history, open_household, settle


def sign(qtbot, pad, width: int, strokes: int) -> None:  # type: ignore[no-untyped-def]
    """A signature of a given width and number of strokes, so that two people's differ."""
    for n in range(strokes):
        y = 40 + n * 25
        qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(30, y))
        for step in range(1, 20):
            qtbot.mouseMove(pad, QPoint(30 + step * width // 20, y + (step % 4) * 5 - 8))
        qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(30 + width, y))


def two_parents(store):  # type: ignore[no-untyped-def]
    from centre_desk.services.auth import sign_in, sign_out
    from centre_desk.services.households import register_household
    from centre_desk.wiring import Wiring
    from tests.conftest import ADMIN, ADMIN_PASSWORD

    wiring = Wiring(store.data_dir)
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    household = register_household(session, {
        "address_line1": "4 Marine Parade", "town": "Clevedon", "postcode": "BS21 7QS",
        "members": [
            {"first_name": "Zofia", "last_name": "Wiśniewska", "role": "parent", "lives_at_address": True,
             "date_of_birth": "1990-02-03"},
            {"first_name": "Marek", "last_name": "Nowak", "role": "partner", "lives_at_address": True,
             "date_of_birth": "1988-07-09"},
            {"first_name": "Zuzanna", "last_name": "Wójcik", "role": "child", "lives_at_address": True,
             "date_of_birth": "2023-05-03"},
        ],
    })
    sign_out(session)
    mother, partner, child = (m.id for m in household.members)
    return household.id, mother, partner, child


def row_of(dialog: RecordConsentDialog, person_id: str, purpose_id: str) -> int:
    return next(i for i, r in enumerate(dialog.model.rows())
                if r.person_id == person_id and r.purpose_id == purpose_id and r.partner_id is None)


def test_each_person_signs_for_their_own_decisions_and_the_receipt_shows_whose_signature_is_whose(
        qtbot, store, tasks, shell_factory):
    household_id, mother, partner, child = two_parents(store)
    main = open_household(qtbot, store, tasks, shell_factory, household_id)
    dialog = main.households.view.consent.record_consent()
    assert dialog is not None
    settle(qtbot, tasks)
    assert dialog.signer_choice.isVisibleTo(dialog) and dialog.signer_choice.count() == 2
    assert dialog.signer_choice.accessibleName() == "Person signing"

    # Zofia: emails for herself, and surveys for her daughter (she decides for Zuzanna).
    dialog.table.selectRow(row_of(dialog, mother, "email-contact"))
    dialog.decide_selected(Decision.GIVEN)
    dialog.table.selectRow(row_of(dialog, child, "surveys"))
    dialog.decide_selected(Decision.GIVEN)
    assert dialog.model.row(row_of(dialog, child, "surveys")).given_by == mother
    assert dialog.signer_choice.currentData() == mother
    assert dialog.signer_summary.text() == ("Signs for: Emails about centre services; "
                                            "Surveys about our services for Zuzanna Wójcik.")
    sign(qtbot, dialog.signature.pad, 300, 2)
    assert dialog.signed.isChecked()

    # Marek: refuses surveys for himself; the dialog moves on to him with an empty pad.
    dialog.table.selectRow(row_of(dialog, partner, "surveys"))
    dialog.decide_selected(Decision.REFUSED)
    assert dialog.signer_choice.currentData() == partner
    assert dialog.signature.pad.is_empty() and not dialog.signed.isChecked()
    assert "(2 decisions)" in dialog.signer_choice.itemText(dialog.signer_choice.findData(mother))

    # Save refuses until Marek has said how he decided, and names him.
    dialog.save()
    assert "Choose how Marek Nowak decided" in dialog.message.text()
    dialog.signed.setChecked(True)
    dialog.save()
    assert "Ask Marek Nowak to sign" in dialog.message.text()
    sign(qtbot, dialog.signature.pad, 160, 1)

    # Back to Zofia with the keyboard: her signature is still hers.
    dialog.signer_choice.setFocus()
    press(qtbot, Qt.Key.Key_Up)
    assert dialog.signer_choice.currentData() == mother
    assert len(dialog.signature.pad.strokes) == 2
    zofia_png = dialog.signature.pad.signature_png()
    dialog.choose_signer(partner)
    marek_png = dialog.signature.pad.signature_png()
    assert zofia_png and marek_png and zofia_png != marek_png

    dialog.save()
    modal(qtbot, QMessageBox).reject()  # no receipt now: printed below from the store
    settle(qtbot, tasks)

    events = {(line.event.person_id, line.event.purpose_id): line.event for line in history(main, household_id)}
    assert set(events) == {(mother, "email-contact"), (child, "surveys"), (partner, "surveys")}
    assert all(e.method is Method.SIGNED for e in events.values())
    assert events[(mother, "email-contact")].signature_png == zofia_png
    assert events[(child, "surveys")].signature_png == zofia_png  # she signed for her daughter
    assert events[(child, "surveys")].given_by == mother
    assert events[(partner, "surveys")].signature_png == marek_png
    assert events[(partner, "surveys")].decision is Decision.REFUSED

    pdf = print_consent_receipt(main.session, PdfRenderer(), household_id)
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    assert text.count("Signature of Zofia Wiśniewska") == 2
    assert text.count("Signature of Marek Nowak") == 1
    # Each signature under its own person's heading: Zofia's first, then Marek's, then Zuzanna's,
    # whose one decision carries her mother's signature.
    zofia, marek, zuzanna = (text.index(f"{name} (") for name in ("Zofia Wiśniewska", "Marek Nowak",
                                                                  "Zuzanna Wójcik"))
    assert zofia < text.index("Signature of Zofia Wiśniewska") < marek < text.index("Signature of Marek Nowak")
    assert text.index("Signature of Zofia Wiśniewska", zuzanna) > zuzanna
    assert "Decided by Zofia Wiśniewska, who signed" in text
    sizes = sorted(img.image.size for page in reader.pages for img in page.images)
    expected = sorted(QImage.fromData(png).size().toTuple() for png in (zofia_png, zofia_png, marek_png))
    assert sizes == expected  # the drawn signatures themselves, one per decision, at their own size
