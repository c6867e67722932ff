"""Subject access, portability, the disclosure log, restriction, objection and the requests register
on a real SQLCipher store, with PDFs read back with pypdf."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from centre_desk.domain.consent import ConsentRequired
from centre_desk.domain.errors import ValidationFailed
from centre_desk.domain.rights import Restricted, add_months, due_date
from centre_desk.printing.renderer import PdfRenderer
from centre_desk.services.consent import give_consent, mailing_list, withdraw_consent
from centre_desk.services.disclosures import list_disclosures, log_disclosure
from centre_desk.services.households import open_household, record_contact, register_household, update_household
from centre_desk.services.importing import import_households
from centre_desk.services.referrals import record_referral
from centre_desk.services.rights import (
    add_request,
    close_request,
    extend_request,
    is_restricted,
    list_requests,
    overdue_requests,
    record_objection,
    set_restriction,
)
from centre_desk.services.rights_letters import print_rectification, print_sharing_notice
from centre_desk.services.subject_access import (
    build_subject_access,
    portability_package,
    release_subject_access,
    verify_package,
)
from tests.integration.test_family_copies import pdf_text
from tests.integration.test_referrals import REFERRAL

SAFEGUARDING_TEXT = "Bruising seen by the health visitor on 3 November"


def _family(session: Any) -> Any:
    return register_household(session, {
        "address_line1": "12 Brontë Close", "town": "Weston-super-Mare", "postcode": "BS22 8XY",
        "phone": "07700 900777", "email": "ioana.family@example.org",
        "members": [
            {"first_name": "Ioana", "last_name": "Rădulescu", "role": "parent", "date_of_birth": "1991-07-08",
             "languages": "Romanian and English"},
            {"first_name": "Zoë", "last_name": "Rădulescu", "role": "child", "date_of_birth": "2022-02-02"},
            {"first_name": "Grzegorz", "last_name": "Łęcki", "role": "partner", "date_of_birth": "1989-09-09",
             "lives_at_address": False, "disabilities": "Knee injury"},
        ],
    })


def test_the_subject_access_pack_has_everything_about_her_and_nothing_withheld(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _family(admin_session)
    ioana, zoe, grzegorz = h.members
    give_consent(admin_session, h.id, ioana.id, "email-contact", method="verbal", notice_version="2026.1")
    withdraw_consent(admin_session, h.id, ioana.id, "email-contact", method="verbal", notice_version="2026.1")
    give_consent(admin_session, h.id, zoe.id, "coordinated-support", partner_id="public-health-teams",
                 method="verbal", notice_version="2026.1", given_by=ioana.id)
    referral = record_referral(admin_session, h.id, {**REFERRAL, "safeguarding_details": SAFEGUARDING_TEXT},
                               [zoe.id])
    record_contact(admin_session, h.id, "home-visit", date(2026, 11, 10), "talked about nursery places")
    shared = log_disclosure(admin_session, h.id, recipient="public-health-teams", purpose="coordinated-support",
                            basis="consent", shared="Zoë's name and date of birth", person_ids=[zoe.id],
                            told_on=date(2026, 11, 11))

    secret = log_disclosure(admin_session, h.id, recipient="multi-agency-safeguarding", purpose="section 47 enquiry",
                            basis="safeguarding", shared="the referral", person_ids=[zoe.id],
                            justification="risk of significant harm", not_told_reason="would alert the abuser")

    pack = build_subject_access(admin_session, ioana.id)
    data = pack.data
    assert data["person"]["fields"] == dict(ioana.fields)  # every field entered for her
    assert [c["id"] for c in data["children"]] == [zoe.id]
    assert [c["decision"] for c in data["consents"] if c["person_id"] == ioana.id] == ["given", "withdrawn"]
    assert any(c["person_id"] == zoe.id and c["given_by"] == ioana.id for c in data["consents"])
    assert [r["id"] for r in data["referrals"]] == [referral.id]
    assert [c["note"] for c in data["contacts"]] == [None]  # the household is flagged: withheld by default
    assert [d["id"] for d in data["disclosures"]] == [shared.id]  # the one she was not told of is withheld
    # Withheld by default, each with its exemption.
    withheld = {w.item: w.exemption for w in pack.withheld}
    assert f"referral:{referral.id}.safeguarding_details" in withheld
    assert f"referral:{referral.id}.referrer_name" in withheld
    assert "serious harm" in withheld[f"referral:{referral.id}.safeguarding_details"]
    assert "third-party" in withheld[f"referral:{referral.id}.referrer_name"]
    assert "serious harm" in withheld[f"disclosure:{secret.id}"]
    # The household is flagged, so contact notes are withheld by default too; a reviewer releases them.
    assert f"contact:{data['contacts'][0]['id']}.note" in withheld
    pack = build_subject_access(admin_session, ioana.id, release=[f"contact:{data['contacts'][0]['id']}.note"])
    data = pack.data
    assert [c["note"] for c in data["contacts"]] == ["talked about nursery places"]

    released = release_subject_access(admin_session, PdfRenderer(), ioana.id,
                                      release=[f"contact:{data['contacts'][0]['id']}.note"])
    body = released.json.decode()
    schema = json.loads((Path(__file__).parents[2] / "docs" / "subject-access.schema.json").read_text())
    jsonschema.validate(json.loads(body), schema)
    for absent in (SAFEGUARDING_TEXT, "Dr A Example", "Grzegorz", "Łęcki", "Knee injury", "1989-09-09",
                   "would alert", "section 47"):
        assert absent not in body, absent
    assert json.loads(body)["household"]["other_members"][0]["id"] == grzegorz.id
    text = pdf_text(released.pdf)
    for present in ("Ioana", "Rădulescu", "Zoë", "Brontë Close", "Romanian and English", "public health",
                    "nursery places", "who referred your family"):
        assert present.lower() in text.lower(), present
    for absent in (SAFEGUARDING_TEXT, "Dr A Example", "Grzegorz", "Łęcki", "Knee injury", "would alert"):
        assert absent not in text, absent


def test_a_reviewer_may_release_what_is_withheld_by_default(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _family(admin_session)
    ioana, zoe, _ = h.members
    referral = record_referral(admin_session, h.id, {**REFERRAL, "safeguarding_details": SAFEGUARDING_TEXT}, [zoe.id])
    item = f"referral:{referral.id}.referrer_name"
    released = release_subject_access(admin_session, PdfRenderer(), ioana.id, release=[item])
    assert "Dr A Example" in released.json.decode() and SAFEGUARDING_TEXT not in released.json.decode()
    assert item not in {w.item for w in released.withheld}


def test_portability_package_has_checksums_and_imports_into_centre_desk(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _family(admin_session)
    record_contact(admin_session, h.id, "drop-in", date(2026, 11, 12))
    files = portability_package(admin_session, h.id)
    assert {"household.json", "people.csv", "manifest.json", "SHA256SUMS"} <= set(files)
    assert verify_package(files) == []
    assert verify_package({**files, "people.csv": files["people.csv"] + b"x"}) == ["people.csv"]
    assert "Rădulescu" in files["people.csv"].decode()
    result = import_households(admin_session, json.loads(files["household.json"]))
    assert (result.households, result.members, result.contacts) == (1, 3, 1)


def test_disclosure_rules_consent_manager_justification_and_telling_the_family(wiring, admin_session) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.services.auth import sign_in
    from centre_desk.services.staff import add_staff
    from tests.conftest import STAFF_RULES

    h = _family(admin_session)
    _ioana, zoe, _ = h.members
    # No consent for coordinated support with this partner: blocked.
    with pytest.raises(ConsentRequired):
        log_disclosure(admin_session, h.id, recipient="public-health-teams", purpose="coordinated-support",
                       basis="consent", shared="names", person_ids=[zoe.id], told_on=date(2026, 11, 1))
    # A non-consent basis needs a justification ...
    with pytest.raises(ValidationFailed) as unjustified:
        log_disclosure(admin_session, h.id, recipient="multi-agency-safeguarding", purpose="coordinated-support",
                       basis="safeguarding", shared="names", person_ids=[zoe.id], not_told_reason="risk to the child")
    assert unjustified.value.problems[0].field == "justification"
    # ... and the manager role: a receptionist may not log it.
    add_staff(admin_session, "rita", "reception", "a long receptionist password", "Rita", **STAFF_RULES)
    rita = sign_in(wiring.gate, wiring.throttle, wiring.clock, "rita", "a long receptionist password")
    from centre_desk.domain.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        log_disclosure(rita, h.id, recipient="multi-agency-safeguarding", purpose="child protection",
                       basis="safeguarding", shared="names", justification="risk of harm", not_told_reason="risk")
    with pytest.raises(ValidationFailed) as told_both:
        log_disclosure(admin_session, h.id, recipient="x", purpose="p", basis="legal-duty", shared="s",
                       justification="court", told_on=date(2026, 11, 1), not_told_reason="no")
    assert told_both.value.problems[0].field == "told"
    d = log_disclosure(admin_session, h.id, recipient="multi-agency-safeguarding", purpose="child protection enquiry",
                       basis="safeguarding", shared="Names, address, the referral", person_ids=[zoe.id],
                       justification="Section 47 enquiry", not_told_reason="telling the family could put Zoë at risk")
    assert d.recipient_name == "Avon and Somerset Police" and d.agreement_id == "multi-agency-safeguarding"
    other = log_disclosure(admin_session, h.id, recipient="Bristol City Council Housing", purpose="rehousing",
                           basis="legal-duty", shared="address", justification="homelessness duty",
                           told_on=date(2026, 11, 20))
    assert [x.id for x in list_disclosures(admin_session, h.id)] == [other.id, d.id] or \
        {x.id for x in list_disclosures(admin_session, h.id)} == {other.id, d.id}
    letter = pdf_text(print_sharing_notice(admin_session, PdfRenderer(), h.id, other.id))
    assert "Bristol City Council Housing" in letter and "Rădulescu" in letter and "rehousing" in letter
    with pytest.raises(ValidationFailed):
        print_sharing_notice(admin_session, PdfRenderer(), h.id, d.id)  # the family is not to be told


def test_restriction_is_read_only_and_leaves_the_mailing_list(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _family(admin_session)
    ioana = h.members[0]
    give_consent(admin_session, h.id, ioana.id, "email-contact", method="verbal", notice_version="2026.1")
    assert [m.person_id for m in mailing_list(admin_session)] == [ioana.id]
    set_restriction(admin_session, ioana.id, True, reason="accuracy contested")
    assert is_restricted(admin_session, ioana.id) and is_restricted(admin_session, h.id)
    assert mailing_list(admin_session) == []
    data = open_household(admin_session, h.id).submission()
    data["members"][0]["languages"] = "Romanian"
    with pytest.raises(Restricted):
        update_household(admin_session, h.id, data, h.version)
    with pytest.raises(Restricted):
        log_disclosure(admin_session, h.id, recipient="x", purpose="research", basis="public-task", shared="s",
                       person_ids=[ioana.id], justification="j", told_on=date(2026, 11, 1))
    set_restriction(admin_session, ioana.id, False)
    assert not is_restricted(admin_session, ioana.id)
    assert [m.person_id for m in mailing_list(admin_session)] == [ioana.id]
    record_objection(admin_session, ioana.id, "email-contact", upheld=True, outcome="no more newsletters")
    assert mailing_list(admin_session) == []


def test_requests_are_due_in_a_calendar_month_extendable_by_two_and_overdue_ones_stand_out(admin_session) -> None:  # type: ignore[no-untyped-def]
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert due_date(date(2026, 3, 15)) == date(2026, 4, 15) and due_date(date(2026, 3, 15), True) == date(2026, 6, 15)
    h = _family(admin_session)
    ioana = h.members[0]
    old = add_request(admin_session, ioana.id, "access", received=date(2025, 1, 10), identity_method="passport seen")
    new = add_request(admin_session, ioana.id, "rectification", received=admin_session.clock.today(),
                      identity_method="known to staff", detail="date of birth is wrong")
    assert old.due == date(2025, 2, 10)
    assert [r.id for r in overdue_requests(admin_session)] == [old.id]
    extended = extend_request(admin_session, new.id, reason="complex: several services involved")
    assert extended.due == add_months(new.received, 3) and extended.status.value == "extended"
    with pytest.raises(ValidationFailed):
        extend_request(admin_session, new.id, reason="again")
    closed = close_request(admin_session, old.id, outcome="pack released")
    assert closed.status.value == "closed" and overdue_requests(admin_session) == []
    assert {r.id for r in list_requests(admin_session, open_only=True)} == {new.id}
    with pytest.raises(ValidationFailed) as bad:
        add_request(admin_session, ioana.id, "telepathy", received=date(2026, 1, 1), identity_method="x")
    assert bad.value.problems[0].field == "kind"


def test_rectification_keeps_the_old_value_and_prints_a_confirmation(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _family(admin_session)
    data = open_household(admin_session, h.id).submission()
    data["members"][0]["date_of_birth"] = "1991-08-07"
    update_household(admin_session, h.id, data, h.version)
    text = pdf_text(print_rectification(admin_session, PdfRenderer(), h.id))
    assert "1991-07-08" in text and "1991-08-07" in text and "Ioana Rădulescu" in text


def test_who_has_seen_and_who_has_received_lists_views_prints_and_disclosures(admin_session) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.services.disclosures import seen_and_received
    from centre_desk.services.households import search_households

    h = _family(admin_session)
    search_households(admin_session, "radulescu")
    open_household(admin_session, h.id)
    release_subject_access(admin_session, PdfRenderer(), h.members[0].id)
    log_disclosure(admin_session, h.id, recipient="Bristol City Council Housing", purpose="rehousing",
                   basis="legal-duty", shared="address", justification="homelessness duty", told_on=date(2026, 11, 20))
    what = [r.what for r in seen_and_received(admin_session, h.id)]
    assert "saw it in search results" in what and "opened the household" in what
    assert "exported subject-access" in what
    assert any(w.startswith("received: address (rehousing") for w in what)


def test_the_pack_names_a_referrals_service_as_the_profile_does(admin_session) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.services.subject_access import _rows

    h = _family(admin_session)
    ioana, zoe, _grzegorz = h.members
    record_referral(admin_session, h.id, REFERRAL, [zoe.id])  # service "early-help"
    released = release_subject_access(admin_session, PdfRenderer(), ioana.id)
    text = " ".join(pdf_text(released.pdf).split())
    referrals = text[text.index("Referral recorded"):]
    assert "Service Early Help" in referrals  # the profile's name, in the referral's rows
    assert "early-help" not in text
    assert json.loads(released.json)["referrals"][0]["fields"]["service"] == "early-help"  # the JSON keeps the id
    # A service the profile no longer lists is shown by its id rather than dropped.
    assert ("Service", "family-hubs") in _rows({"service": "family-hubs"}, {"early-help": "Early Help"})
    assert ("Service", "Early Help") in _rows({"service": "early-help"}, {"early-help": "Early Help"})
