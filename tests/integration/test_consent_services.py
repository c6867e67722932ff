"""Consent rules in the services: sharing is blocked without a current consent, at once after withdrawal."""

from __future__ import annotations

import pytest

from centre_desk.domain.consent import ConsentRequired
from centre_desk.domain.errors import PermissionDenied
from centre_desk.services.consent import consent_history, give_consent, require_consent, withdraw_consent
from centre_desk.services.households import register_household
from centre_desk.services.staff import add_staff
from tests.conftest import STAFF_RULES


def _household(session):  # type: ignore[no-untyped-def]
    return register_household(session, {
        "address_line1": "1 Sea Road", "town": "Clevedon", "postcode": "BS21 7AA",
        "members": [{"first_name": "Ioana", "last_name": "Rădulescu", "role": "parent", "date_of_birth": "1990-01-01"}],
    })


def test_sharing_is_blocked_until_consent_and_again_after_withdrawal(admin_session) -> None:  # type: ignore[no-untyped-def]
    h = _household(admin_session)
    person = h.members[0].id
    with pytest.raises(ConsentRequired) as blocked:
        require_consent(admin_session, h.id, person, "coordinated-support", "public-health-teams")
    assert "Public health teams" in str(blocked.value)
    give_consent(admin_session, h.id, person, "coordinated-support", partner_id="public-health-teams",
                 method="signed", notice_version="2026.1", signature_png=b"\x89PNG fake-but-stored")
    require_consent(admin_session, h.id, person, "coordinated-support", "public-health-teams")
    with pytest.raises(ConsentRequired):  # consent is per service
        require_consent(admin_session, h.id, person, "coordinated-support", "social-work-teams")
    withdraw_consent(admin_session, h.id, person, "coordinated-support", partner_id="public-health-teams",
                     method="verbal", notice_version="2026.1")
    with pytest.raises(ConsentRequired):
        require_consent(admin_session, h.id, person, "coordinated-support", "public-health-teams")
    require_consent(admin_session, h.id, person, "service-delivery")  # public task: no consent needed
    history = consent_history(admin_session, h.id)
    assert [line.event.decision.value for line in history] == ["given", "withdrawn"]
    assert history[0].event.signature_png == b"\x89PNG fake-but-stored"
    assert history[0].lawful_basis.startswith("consent")


def test_reception_records_consent_but_cannot_export_the_mailing_list(admin_session, wiring) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.services.auth import sign_in, sign_out
    from centre_desk.services.consent import mailing_list

    add_staff(admin_session, "rita", "reception", "reception password", **STAFF_RULES)
    h = _household(admin_session)
    rita = sign_in(wiring.gate, wiring.throttle, wiring.clock, "rita", "reception password")
    give_consent(rita, h.id, h.members[0].id, "email-contact", method="verbal", notice_version="2026.1")
    with pytest.raises(PermissionDenied):
        mailing_list(rita)
    sign_out(rita)
