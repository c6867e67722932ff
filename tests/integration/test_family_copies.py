"""What a family is handed at the desk: the consent receipt and "What we hold about you", printed
from a real store and read back from the PDF. A child's choices appear once, under who decided;
nothing about safeguarding, who referred the family, or a parent who lives elsewhere is printed."""

from __future__ import annotations

import io
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from centre_desk.formspec.forms import ENV_VAR, forms_dir
from centre_desk.printing.renderer import PdfRenderer
from centre_desk.services import profile
from centre_desk.services.consent import give_consent
from centre_desk.services.family_documents import print_consent_receipt, print_household_summary
from centre_desk.services.households import record_contact, register_household
from centre_desk.services.referrals import record_referral
from centre_desk.services.session import DeskSession

NOTICE = "2026.1"
# What the separated father told the centre about himself, none of which is the mother's to take home.
FATHER_ONLY = ["Wójcik's own words", "Lithuanian and Polish", "Asthma and back pain", "1985", "Male"]
REFERRER = ["Clevedon Health Visiting", "Jo Marsh", "Health visitor", "01275 555123", "jo.marsh@nhs.net"]
SAFEGUARDING = ["Bruise seen on her arm", "safeguarding concern", "Safeguarding details", "told the lead"]


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def family(session: DeskSession, **father_extra: Any) -> tuple[str, str, str, str]:
    father = {"first_name": "Łukasz", "last_name": "Wójcik", "role": "parent", "lives_at_address": False,
              "date_of_birth": "1985-06-01", "gender": "male", "languages": "Lithuanian and Polish",
              "disabilities": "Asthma and back pain", "relationship_status": "separated",
              "gender_self_described": "Wójcik's own words", **father_extra}
    household = register_household(session, {
        "address_line1": "4 Marine Parade", "town": "Clevedon", "postcode": "BS21 7QS", "phone": "01275 111222",
        "members": [
            {"first_name": "Zofia", "last_name": "Wiśniewska", "role": "parent", "lives_at_address": True,
             "date_of_birth": "1990-02-03", "languages": "Polish"},
            father,
            {"first_name": "Zuzanna", "last_name": "Wójcik", "role": "child", "lives_at_address": True,
             "date_of_birth": "2023-05-03"},
        ],
    })
    mother, dad, child = (m.id for m in household.members)
    give_consent(session, household.id, mother, "email-contact", method="signed", notice_version=NOTICE)
    give_consent(session, household.id, child, "surveys", method="signed", notice_version=NOTICE, given_by=mother)
    give_consent(session, household.id, dad, "surveys", method="verbal", notice_version=NOTICE)
    yesterday = date.today() - timedelta(days=1)
    answers = {"source": "agency", "agency_organisation": "Clevedon Health Visiting", "referrer_name": "Jo Marsh",
               "referrer_role": "Health visitor", "referrer_phone": "01275 555123",
               "referrer_secure_email": "jo.marsh@nhs.net", "date_received": yesterday.isoformat(),
               "received_via": "phone", "service": "early-help", "urgency": "urgent",
               "family_aware": True, "family_agrees": True}
    record_referral(session, household.id, {**answers, "reasons": "Low mood after the birth",
                                            "safeguarding_concern": False}, [mother])
    record_referral(session, household.id, {
        **answers, "reasons": "Bruise seen on her arm at clinic", "needs": "Parenting support",
        "safeguarding_concern": True, "safeguarding_details": "Bruise seen on her arm; told the lead"}, [child])
    record_contact(session, household.id, "home-visit", yesterday, "Spoke about the bruise with mum")
    return household.id, mother, dad, child


@pytest.fixture
def printed(admin_session: DeskSession) -> tuple[str, str]:
    household_id, *_ = family(admin_session)
    receipt = pdf_text(print_consent_receipt(admin_session, PdfRenderer(), household_id))
    summary = pdf_text(print_household_summary(admin_session, PdfRenderer(), household_id))
    return receipt, summary


def test_a_childs_choices_appear_once_under_who_decided_never_as_you_signed(printed: tuple[str, str]) -> None:
    receipt, summary = printed
    for text in (receipt, summary):
        assert "No choices are recorded for this person" not in text
        assert "Zuzanna Wójcik" in text
        assert "Decided by Zofia Wiśniewska, who signed" in text
        assert text.count("You signed") == 1  # Zofia's own email choice; her daughter did not sign
        assert "(decided by" not in text
        assert "Yes – agreed" in text and "Yes – you agreed" in text
    assert receipt.index("Zuzanna Wójcik (Child)") < receipt.index("Decided by Zofia Wiśniewska")


def test_family_copies_leave_out_safeguarding_and_who_referred(printed: tuple[str, str]) -> None:
    receipt, summary = printed
    for text in (receipt, summary):
        for words in SAFEGUARDING + REFERRER:
            assert words not in text, words
    assert "Spoke about the bruise" not in summary  # staff notes, where a concern is recorded
    # What the family may check is still there: both referrals, what for, and when.
    assert summary.count("Referral: Early Help (received)") == 2
    assert "Low mood after the birth" in summary
    assert "Home visit" in summary
    assert "leaves out who referred your family" in summary


def test_a_father_who_lives_elsewhere_is_named_and_nothing_more(printed: tuple[str, str]) -> None:
    receipt, summary = printed
    assert "Łukasz Wójcik" in summary
    assert "Lives at another address" in summary
    for words in FATHER_ONLY:
        assert words not in summary, words
    assert "Łukasz Wójcik" not in receipt  # his own choices are his to be given, not the mother's
    assert receipt.count("Decided by") == 1 and summary.count("Decided by") == 1
    # Only his choice left out: the mother's and the child's are both printed.
    assert summary.count("Surveys") == 1 and receipt.count("Surveys") == 1


def test_a_non_resident_fathers_own_address_and_phone_are_not_printed(tmp_path: Path, admin_session: DeskSession,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The form has each adult's own phone and email (version 2); an own address may follow. The
    family copy holds back all of them for an adult who lives elsewhere."""
    shutil.copytree(forms_dir(), tmp_path / "forms")
    path = tmp_path / "forms" / "membership.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = "      - id: middle_names\n"
    extra = "".join(
        f"      - id: {fid}\n        label: {label}\n        type: {kind}\n        special_category: false\n"
        "        purpose: service-delivery\n\n"
        for fid, label, kind in (("own_address", "Own address", "text"),
                                 ("own_postcode", "Own postcode", "postcode")))
    path.write_text(text.replace(anchor, extra + anchor, 1), encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "forms"))
    profile.form.cache_clear()
    try:
        household_id, *_ = family(admin_session, own_phone="07700 900461", own_email="lukasz.w@example.org",
                                  own_address="9 Elm Street, Bristol", own_postcode="BS3 4DD")
        summary = pdf_text(print_household_summary(admin_session, PdfRenderer(), household_id))
        receipt = pdf_text(print_consent_receipt(admin_session, PdfRenderer(), household_id))
    finally:
        profile.form.cache_clear()
    for words in ("07700 900461", "07700900461", "lukasz.w", "9 Elm Street", "BS3 4DD", "Own phone number",
                  "Own email", "Own address"):
        assert words not in summary and words not in receipt, words
    assert "4 Marine Parade" in summary and "01275 111222" in summary  # the household's own address and phone
