"""Printed documents, read back from the PDF: notices, consent receipts, household summaries and
blank forms; the printing services and the ``notice`` / ``blank-form`` commands."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from centre_desk.domain.documents import (
    ConsentReceiptData,
    HouseholdSummaryData,
    LabelledValue,
    ReceiptConsent,
    ReceiptPerson,
    SummaryEntry,
    SummaryPerson,
    lawful_basis_text,
    retention_period_text,
)
from centre_desk.domain.errors import DefinitionError, PermissionDenied, ValidationFailed
from centre_desk.domain.organisation import Organisation
from centre_desk.domain.staff import Role, StaffMember
from centre_desk.formspec.forms import load_form
from centre_desk.formspec.profiles import load_profile, profiles_root
from centre_desk.printing.blank_form import render_blank_form
from centre_desk.printing.notice import load_notice_template, render_privacy_notice
from centre_desk.printing.receipt import render_consent_receipt
from centre_desk.printing.renderer import PdfRenderer
from centre_desk.printing.styles import get_styles
from centre_desk.printing.summary import render_household_summary
from centre_desk.services.documents import print_blank_form, print_privacy_notice
from centre_desk.services.session import DeskSession
from tests.cli_runner import run_module
from tests.conftest import ADMIN_PASSWORD

PROFILES = ["north-somerset-children-centres", "somerset-childrens-services"]
CENTRE = "Hillside Children's Centre"
ICO_PHONE = "0303 123 1113"
# The rights each council's own notice (/work/shared/seed-notices) lists, as profile right ids.
SEED_RIGHTS = {
    "north-somerset-children-centres": {"access", "objection", "restriction", "erasure", "rectification",
                                        "portability"},
    "somerset-childrens-services": {"access", "rectification", "erasure", "objection", "restriction",
                                    "automated-decisions"},
}
NAMES = ["Zofia Wiśniewska", "Łukasz Wójcik", "Ioana Rădulescu", "Zoë Brontë", "ǅemal Hodžić"]


# --- reading PDFs back ---------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    """All the text, with runs of whitespace (line breaks inside wrapped labels) made single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def font_sizes(pdf: bytes) -> Counter[float]:
    """How many characters are drawn at each font size (points), over every page."""
    sizes: Counter[float] = Counter()

    def visit(text: str, cm: Any, tm: Any, font_dict: Any, font_size: float) -> None:
        if text.strip():
            scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 or 1.0
            sizes[round(font_size * scale, 1)] += len(text.strip())

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def fonts_of(pdf: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded?) for every font any page uses."""
    out: list[tuple[str, bool]] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            desc_holder = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = desc_holder.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(k in descriptor for k in ("/FontFile2", "/FontFile", "/FontFile3"))
            out.append((str(font["/BaseFont"]), embedded))
    return out


def assert_fonts_embedded(pdf: bytes) -> None:
    fonts = fonts_of(pdf)
    assert fonts
    for name, embedded in fonts:
        assert embedded, f"{name} is not embedded"
        assert "DejaVu" in name, f"{name} is not one of the bundled fonts"
    # TrueType embedding, as ReportLab does it: every font has a /FontFile2.
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            assert "/FontFile2" in ref.get_object()["/FontDescriptor"].get_object()


def metadata(pdf: bytes) -> tuple[Any, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader.metadata, str(reader.trailer["/Root"].get("/Lang"))


def is_a4(pdf: bytes) -> bool:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1


# --- sample documents ----------------------------------------------------------------------------


def sample_receipt(org: Organisation, people: int = 5) -> ConsentReceiptData:
    at = datetime(2026, 11, 20, 12, 15, tzinfo=UTC)
    email = org.purpose("email-contact")
    coordinated = org.purpose("coordinated-support")
    who = [ReceiptPerson(n, role) for n, role in zip(NAMES, ["Parent", "Parent", "Carer", "Child", "Child"],
                                                     strict=True)][:people]
    consents = []
    for i, person in enumerate(who):
        consents.append(ReceiptConsent(person.name, email.name, lawful_basis_text(email.basis), None,
                                       ["given", "refused", "withdrawn"][i % 3], "signed", at, "Anna Smith",
                                       "2026.1"))
        consents.append(ReceiptConsent(person.name, coordinated.name, lawful_basis_text(coordinated.basis),
                                       org.partners[0].name, "given", "verbal", at, "Anna Smith", "2026.1"))
    return ConsentReceiptData(org.name, CENTRE, "HH-7Q2K", tuple(who), tuple(consents),
                              "Tell a member of staff, or email us. You do not have to give a reason.",
                              org.dpo.email or "", datetime(2026, 11, 21, 12, 0, tzinfo=UTC))


def sample_summary(org: Organisation) -> HouseholdSummaryData:
    receipt = sample_receipt(org)
    members = tuple(SummaryPerson(p.name, (LabelledValue("Role in the household", p.role),
                                           LabelledValue("Date of birth", "3 May 2021"),
                                           LabelledValue("Languages spoken", "Polish & English <both>")))
                    for p in receipt.people)
    return HouseholdSummaryData(
        org.name, CENTRE, "HH-7Q2K",
        (LabelledValue("Address line 1", "12 Brontë Close"), LabelledValue("Postcode", "BS23 1AA")),
        members,
        (SummaryEntry("Early Help", date(2026, 10, 2), (LabelledValue("Status", "Accepted"),)),),
        (SummaryEntry("Stay and play", datetime(2026, 11, 3, 9, 30, tzinfo=UTC),
                      (LabelledValue("Seen by", "Anna Smith"),)),),
        receipt.consents,
        "We keep your family's details for 6 years after our last contact with your family.",
        org.dpo.email or "", datetime(2026, 11, 21, 12, 0, tzinfo=UTC),
    )


# --- privacy notices -----------------------------------------------------------------------------


@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large-print"])
@pytest.mark.parametrize("profile_id", PROFILES)
def test_notice_states_the_facts_a_family_needs(profile_id: str, large_print: bool) -> None:
    org = load_profile(profile_id)
    template = load_notice_template(profile_id)
    pdf = render_privacy_notice(org, CENTRE, template, large_print=large_print)
    text = pdf_text(pdf)

    assert org.name in text
    assert org.dpo.email and org.dpo.email in text
    assert ICO_PHONE in text and org.regulator.name in text
    assert all(line in text for line in org.regulator.address.lines) and org.regulator.address.postcode in text
    assert template.version in text and "2026.1" in text
    assert CENTRE in text
    for rule in org.retention:
        assert retention_period_text(rule) in text, rule.id
    assert {r.id for r in org.rights} >= SEED_RIGHTS[profile_id]
    for right in org.rights:
        assert right.name in text, right.id
    assert "complain" in text
    for purpose in org.purposes:
        assert purpose.name in text and f"Article {purpose.basis.article6}" in text
    for partner in org.partners:
        assert partner.name in text
    assert "{" not in text and "**" not in text  # every placeholder filled, every bold mark used
    if org.legal_hold.active:
        assert "Independent Inquiry into Child Sexual Abuse" in text
    else:
        assert "Keeping all records for now" not in text

    assert is_a4(pdf)
    assert_fonts_embedded(pdf)
    meta, lang = metadata(pdf)
    assert meta.title == "How we use your family's information"
    assert meta.author == org.name
    assert "Privacy notice version 2026.1" in meta.subject
    assert lang == "en-GB"


def test_north_somerset_notice_gives_six_years_and_somerset_the_long_periods() -> None:
    ns = pdf_text(render_privacy_notice(load_profile(PROFILES[0]), CENTRE, load_notice_template(PROFILES[0])))
    assert "6 years after our last contact with your family" in ns
    sc = pdf_text(render_privacy_notice(load_profile(PROFILES[1]), CENTRE, load_notice_template(PROFILES[1])))
    assert "100 years from the child's date of birth" in sc and "6 years after the case is closed" in sc
    assert "Digital Economy Act 2017" in sc


def test_large_print_body_is_at_least_16_point() -> None:
    assert get_styles(True).body.fontSize >= 16 and get_styles(False).body.fontSize <= 12
    org = load_profile(PROFILES[1])
    large = font_sizes(render_privacy_notice(org, CENTRE, load_notice_template(PROFILES[1]), large_print=True))
    standard = font_sizes(render_privacy_notice(org, CENTRE, load_notice_template(PROFILES[1])))
    body_size, _ = large.most_common(1)[0]
    assert body_size >= 16
    # Nothing at all is below 16 pt in large print, the footer included.
    small = sum(n for size, n in large.items() if size < 16)
    assert small == 0, large
    assert standard.most_common(1)[0][0] < 12


def test_no_large_print_document_has_text_below_16_point() -> None:
    org = load_profile(PROFILES[0])
    docs = {
        "receipt": render_consent_receipt(org, sample_receipt(org), large_print=True),
        "summary": render_household_summary(org, sample_summary(org), large_print=True),
        "membership": render_blank_form(load_form("membership"), org, large_print=True, notice_version="2026.1"),
    }
    for name, pdf in docs.items():
        sizes = font_sizes(pdf)
        assert min(sizes) >= 16, (name, sizes)


def test_every_document_has_its_metadata_and_only_embedded_fonts() -> None:
    org = load_profile(PROFILES[0])
    docs = {
        "receipt": render_consent_receipt(org, sample_receipt(org)),
        "summary": render_household_summary(org, sample_summary(org), large_print=True),
        "form": render_blank_form(load_form("referral"), org, notice_version="2026.1"),
    }
    for name, pdf in docs.items():
        assert is_a4(pdf), name
        assert_fonts_embedded(pdf)
        meta, lang = metadata(pdf)
        assert meta.title and meta.author == org.name and meta.subject, name
        assert lang == "en-GB", name


# --- receipts and summaries ----------------------------------------------------------------------


@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large-print"])
def test_receipt_prints_names_decisions_notice_version_and_how_to_withdraw(large_print: bool) -> None:
    org = load_profile(PROFILES[0])
    data = sample_receipt(org)
    pdf = render_consent_receipt(org, data, large_print=large_print)
    text = pdf_text(pdf)
    for name in NAMES:
        assert name in text
    assert "\u01c5" in text  # the titlecase digraph Dž survives as one character
    assert "Yes – you agreed" in text and "No – you said no" in text and "Withdrawn" in text
    assert "Emails about centre services" in text and org.partners[0].name in text
    assert "20 November 2026" in text and "Anna Smith" in text
    assert "version 2026.1" in text
    assert "You do not have to give a reason" in text and org.dpo.email in text
    assert "HH-7Q2K" in text
    assert_fonts_embedded(pdf)
    meta, _ = metadata(pdf)
    assert meta.title == "Consent record – HH-7Q2K" and meta.subject == "Consent receipt"


def test_summary_prints_everything_held_with_exact_spellings() -> None:
    org = load_profile(PROFILES[0])
    data = sample_summary(org)
    pdf = render_household_summary(org, data)
    text = pdf_text(pdf)
    assert "What we hold about you" in text
    for name in NAMES:
        assert name in text
    assert "12 Brontë Close" in text and "BS23 1AA" in text
    assert "Polish & English <both>" in text  # markup characters in data are printed, not interpreted
    assert "Early Help" in text and "Accepted" in text and "Stay and play" in text
    assert "6 years after our last contact" in text
    assert "Yes – you agreed" in text
    assert_fonts_embedded(pdf)


def test_summary_with_nothing_recorded_says_so() -> None:
    org = load_profile(PROFILES[1])
    data = HouseholdSummaryData(org.name, "", "HH-1", (), (), (), (), (), "Kept as the schedule says.",
                                org.dpo.email or "", datetime(2026, 11, 21, 12, 0))
    text = pdf_text(render_household_summary(org, data))
    assert "No referrals are recorded." in text and "No consent choices are recorded." in text


# --- blank forms ---------------------------------------------------------------------------------


@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large-print"])
@pytest.mark.parametrize("form_id", ["membership", "referral"])
def test_blank_form_carries_every_label_and_choice_of_its_definition(form_id: str, large_print: bool) -> None:
    org = load_profile(PROFILES[1])
    form = load_form(form_id)
    pdf = render_blank_form(form, org, large_print=large_print, notice_version="2026.1")
    text = pdf_text(pdf)
    services = [(s.id, s.name) for s in org.services]
    for section in form.sections:
        assert section.title in text
    for field in form.all_fields():
        assert field.label in text, field.id
        for item in field.item_fields:
            assert item.label in text, f"{field.id}.{item.id}"
        for choice in field.choices_for(services):
            assert choice.label in text, f"{field.id}: {choice.value}"
            if choice.group:
                assert choice.group in text
    assert "☐" in text and "*" in text
    assert f"paper form version {form.version}" in text and "privacy notice 2026.1" in text
    assert "Office use only" in text
    assert_fonts_embedded(pdf)
    meta, _ = metadata(pdf)
    assert meta.title == f"{form.title} – paper form" and meta.author == org.name


def test_membership_form_has_four_person_blocks_ons_groups_and_the_email_consent() -> None:
    org = load_profile(PROFILES[0])
    text = pdf_text(render_blank_form(load_form("membership"), org, notice_version="2026.1"))
    assert all(f"Person {n}" in text for n in range(1, 5)) and "Person 5" not in text
    assert text.count("Gypsy or Irish Traveller") == 4
    assert "Only answer this if ‘Gender’ is ‘Prefer to self-describe’" in text
    assert "Emails about centre services" in text and "Yes, I agree" in text
    assert "privacy notice (version 2026.1)" in text
    assert "D D / M M / Y Y Y Y".replace(" ", "") in text.replace(" ", "")


# --- notice templates ----------------------------------------------------------------------------


def _template_root(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "some-council" / "notices"
    folder.mkdir(parents=True)
    (folder / "privacy-notice.yaml").write_text(body, encoding="utf-8")
    return tmp_path


GOOD_SECTIONS = """
sections:
  - heading: Why
    blocks:
      - text: "We are {organisation}. Email **{dpo_email}**."
      - list: purposes
      - list: retention
      - list: rights
      - address: regulator
"""


def test_template_loads_with_version_date_and_sections(tmp_path: Path) -> None:
    root = _template_root(tmp_path, 'format_version: 1\nversion: "2027.3"\neffective_date: "2027-02-01"\n'
                                    "title: Notice\n" + GOOD_SECTIONS)
    template = load_notice_template("some-council", root)
    assert template.version == "2027.3" and template.effective_date == date(2027, 2, 1)
    assert [b.kind for b in template.sections[0].blocks] == ["text", "list", "list", "list", "address"]
    assert template.profile_id == "some-council"


@pytest.mark.parametrize(("body", "key", "words"), [
    ('format_version: 1\nversion: 2026.10\neffective_date: "2027-02-01"\ntitle: T\n' + GOOD_SECTIONS,
     "version", "quotes"),
    ('format_version: 1\nversion: "1"\neffective_date: "1 Feb 2027"\ntitle: T\n' + GOOD_SECTIONS,
     "effective_date", "YYYY-MM-DD"),
    ('format_version: 1\nversion: "1"\neffective_date: "2027-02-01"\ntitle: "For {organisaton}"\n'
     + GOOD_SECTIONS, "title", "did you mean {organisation}"),
    ('format_version: 1\nversion: "1"\neffective_date: "2027-02-01"\ntitle: T\n'
     + GOOD_SECTIONS.replace("      - list: rights\n", ""), "sections", "list: rights"),
    ('format_version: 1\nversion: "1"\neffective_date: "2027-02-01"\ntitle: T\n'
     + GOOD_SECTIONS.replace("list: retention", "list: retentions"), "sections[0].blocks[2].list", "one of"),
    ('format_version: 1\nversion: "1"\neffective_date: "2027-02-01"\ntitel: T\n' + GOOD_SECTIONS,
     "titel", "did you mean title"),
    ('format_version: 1\nversion: "1"\neffective_date: "2027-02-01"\ntitle: "**Bold"\n' + GOOD_SECTIONS,
     "title", "unmatched **"),
])
def test_template_mistakes_name_the_key_and_the_problem(tmp_path: Path, body: str, key: str, words: str) -> None:
    root = _template_root(tmp_path, body)
    with pytest.raises(DefinitionError) as err:
        load_notice_template("some-council", root)
    assert err.value.key == key
    assert words in err.value.problem
    assert err.value.path.endswith("privacy-notice.yaml")


def test_missing_template_or_bad_profile_id_is_a_definition_error(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="no privacy notice template"):
        load_notice_template("no-such-council", tmp_path)
    with pytest.raises(DefinitionError, match="not a profile id"):
        load_notice_template("../etc", tmp_path)


def test_a_placeholder_the_profile_cannot_fill_is_reported_when_printing(tmp_path: Path) -> None:
    root = _template_root(tmp_path, 'format_version: 1\nversion: "1"\neffective_date: "2027-02-01"\n'
                                    "title: T\n" + GOOD_SECTIONS.replace("{organisation}", "{dpo_phone}"))
    template = load_notice_template("some-council", root)
    with pytest.raises(DefinitionError, match="dpo_phone"):
        render_privacy_notice(load_profile(PROFILES[0]), CENTRE, template)


def test_shipped_templates_are_found_beside_each_profile() -> None:
    for profile_id in PROFILES:
        assert (profiles_root() / profile_id / "notices" / "privacy-notice.yaml").is_file()
        assert load_notice_template(profile_id).version == "2026.1"


# --- services ------------------------------------------------------------------------------------


def _audit(session: DeskSession) -> list[Any]:
    with session.uow() as uow:
        return list(uow.audit.entries())


def test_printing_a_notice_is_audited_without_personal_data(admin_session: DeskSession) -> None:
    org = load_profile(PROFILES[0])
    before = len(_audit(admin_session))
    pdf = print_privacy_notice(admin_session, PdfRenderer(), org, large_print=True)
    assert CENTRE in pdf_text(pdf)
    entries = _audit(admin_session)
    assert len(entries) == before + 1
    last = entries[-1]
    assert last.action == "print.notice" and last.record_ref is None
    assert last.detail == "notice 2026.1; large print"
    assert last.actor == admin_session.actor.id


def test_printing_a_blank_form_is_audited_with_form_and_notice_version(admin_session: DeskSession) -> None:
    org = load_profile(PROFILES[0])
    pdf = print_blank_form(admin_session, PdfRenderer(), org, load_form("membership"))
    assert "privacy notice 2026.1" in pdf_text(pdf)
    last = _audit(admin_session)[-1]
    assert last.action == "print.blank-form" and last.detail == "membership v3; notice 2026.1; standard print"


def test_printing_needs_the_print_permission_and_the_store_s_own_organisation(admin_session: DeskSession) -> None:
    before = len(_audit(admin_session))
    disabled = DeskSession(admin_session.store, StaffMember("x", "gone", Role.RECEPTION, disabled=True),
                           admin_session.clock)
    with pytest.raises(PermissionDenied):
        print_privacy_notice(disabled, PdfRenderer(), load_profile(PROFILES[0]))
    with pytest.raises(ValidationFailed, match="north-somerset-children-centres"):
        print_privacy_notice(admin_session, PdfRenderer(), load_profile(PROFILES[1]))
    assert len(_audit(admin_session)) == before


def test_renderer_receipt_and_summary_methods_are_ready() -> None:
    org = load_profile(PROFILES[1])
    renderer = PdfRenderer()
    receipt = renderer.consent_receipt(org, sample_receipt(org, people=4), large_print=True)
    summary = renderer.household_summary(org, sample_summary(org))
    assert "Łukasz Wójcik" in pdf_text(receipt) and "Ioana Rădulescu" in pdf_text(summary)


# --- command line --------------------------------------------------------------------------------


def run(data_dir: Path, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRE_DESK_")}
    env["CENTRE_DESK_PASSWORD"] = password or ADMIN_PASSWORD
    return run_module([sys.executable, "-m", "centre_desk.cli", "--data-dir", str(data_dir), "--user", "admin", *args],
                      env)


def test_cli_prints_the_notice_and_blank_forms_to_pdf(store: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    notice = run(store.data_dir, "notice", "--out", str(out / "notice.pdf"))
    assert notice.returncode == 0, notice.stderr
    assert "notice.pdf" in notice.stdout
    text = pdf_text((out / "notice.pdf").read_bytes())
    assert "North Somerset Early Help and Children's Centres" in text and CENTRE in text and ICO_PHONE in text

    large = run(store.data_dir, "notice", "--large-print", "--out", str(out / "large.pdf"))
    assert large.returncode == 0, large.stderr
    assert font_sizes((out / "large.pdf").read_bytes()).most_common(1)[0][0] >= 16

    form = run(store.data_dir, "blank-form", "membership", "--out", str(out / "membership.pdf"))
    assert form.returncode == 0, form.stderr
    assert "Ethnic group" in pdf_text((out / "membership.pdf").read_bytes())
    referral = run(store.data_dir, "blank-form", "referral", "--large-print", "--out", str(out / "referral.pdf"))
    assert referral.returncode == 0, referral.stderr
    assert sorted(p.name for p in out.iterdir()) == ["large.pdf", "membership.pdf", "notice.pdf", "referral.pdf"]

    verify = run(store.data_dir, "audit", "verify")
    assert verify.returncode == 0 and "intact" in verify.stdout


def test_cli_refuses_bad_output_paths_and_forms_with_one_line_and_writes_nothing(store: Any, tmp_path: Path) -> None:
    missing = run(store.data_dir, "notice", "--out", str(tmp_path / "no-such-folder" / "n.pdf"))
    assert missing.returncode == 1
    assert missing.stderr.count("\n") == 1 and "does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr

    folder = run(store.data_dir, "blank-form", "membership", "--out", str(tmp_path))
    assert folder.returncode == 1 and "is a folder" in folder.stderr

    unknown = run(store.data_dir, "blank-form", "registration", "--out", str(tmp_path / "x.pdf"))
    assert unknown.returncode == 1 and "registration" in unknown.stderr and unknown.stderr.count("\n") == 1
    bad_id = run(store.data_dir, "blank-form", "../membership", "--out", str(tmp_path / "x.pdf"))
    assert bad_id.returncode == 1 and "not a form name" in bad_id.stderr
    assert not list(tmp_path.glob("*.pdf")) and not list(tmp_path.glob(".*.tmp"))

    if os.name == "posix" and os.geteuid() != 0:  # root can write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        denied = run(store.data_dir, "notice", "--out", str(locked / "n.pdf"))
        assert denied.returncode == 1 and "cannot write" in denied.stderr

    wrong = run(store.data_dir, "notice", "--out", str(tmp_path / "n.pdf"), password="wrong password")
    assert wrong.returncode == 3 and not (tmp_path / "n.pdf").exists()
