"""One person entered twice: after merging two households, Aleksandra Wójcik and Alexandra Wojcik
are folded into one person, on a real encrypted store. Everything recorded for either entry —
consents with their dates, notice versions and signer, referrals, attendance, disclosures, rights
requests — reads as the one person; the folded id still leads to her; search, the register, the
printed receipt and the subject access pack name her once. Refusals change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from centre_desk.domain.consent import Decision, latest
from centre_desk.domain.errors import ValidationFailed
from centre_desk.printing.renderer import PdfRenderer
from centre_desk.services.consent import consent_history, record_decision
from centre_desk.services.disclosures import list_disclosures, log_disclosure
from centre_desk.services.duplicates import (
    TAKE_FOLDED,
    Fold,
    fold_person,
    merge_households,
    review_duplicates,
)
from centre_desk.services.erasure import erase_person
from centre_desk.services.family_documents import print_consent_receipt
from centre_desk.services.households import household_history, open_household, register_household, search_households
from centre_desk.services.referrals import household_referrals, record_referral
from centre_desk.services.retention import lift_hold, place_hold
from centre_desk.services.rights import add_request, list_requests, set_restriction
from centre_desk.services.session import DeskSession
from centre_desk.services.sessions import add_session, record_attendance, session_register
from centre_desk.services.subject_access import build_subject_access
from centre_desk.wiring import person_matcher
from tests.integration.test_duplicates_cli import FIRST, SECOND, admin
from tests.integration.test_family_copies import pdf_text
from tests.integration.test_referrals import REFERRAL


def _register(session: DeskSession, data: dict) -> tuple[str, list[str]]:  # type: ignore[type-arg]
    fields = {k: v for k, v in data.items() if k != "ref"}
    members = [{**m, "lives_at_address": True} for m in fields.pop("members")]
    h = register_household(session, {**fields, "members": members})
    return h.id, [m.id for m in h.members]


def _merged(session: DeskSession, folds: bool = False) -> tuple[str, str, str, list[str], list[str]]:
    """Both keyings of the Wójcik family, merged; (survivor, merged-away, folded mum, keep people, away people)."""
    keep, keep_people = _register(session, FIRST)
    away, away_people = _register(session, SECOND)
    merge_households(session, away, keep)
    return keep, away, away_people[0], keep_people, away_people


@pytest.fixture
def history(admin_session: DeskSession) -> dict[str, object]:
    """The merged family with something recorded for each entry of the mother, before the fold."""
    s = admin_session
    keep, away, mum_away, keep_people, away_people = _merged(s)
    mum, jan = keep_people[0], keep_people[1]
    given = record_decision(s, keep, mum, "email-contact", Decision.GIVEN, method="verbal", notice_version="2025-1")
    # Later, on the other entry: she says no to email (the newest decision wins) and yes to surveys.
    withdrawn = record_decision(s, keep, mum_away, "email-contact", Decision.REFUSED, method="verbal",
                                notice_version="2026.1")
    surveys = record_decision(s, keep, mum_away, "surveys", Decision.GIVEN, method="signed", notice_version="2026.1")
    # Her other entry decided for her son.
    for_jan = record_decision(s, keep, jan, "surveys", Decision.GIVEN, method="signed", notice_version="2026.1",
                              given_by=mum_away)
    referral = record_referral(s, keep, REFERRAL, [mum_away, jan])
    today = s.clock.today()
    cs = add_session(s, "stay-and-play", today, "10:00", "11:30", "Main hall")
    record_attendance(s, cs.id, [mum_away])
    record_decision(s, keep, mum_away, "coordinated-support", Decision.GIVEN, partner_id="public-health-teams",
                    method="verbal", notice_version="2026.1")
    shared = log_disclosure(s, keep, recipient="public-health-teams", purpose="coordinated-support",
                            basis="consent", shared="her name and phone", person_ids=[mum_away],
                            told_on=today)
    request = add_request(s, mum_away, "access", received=today, identity_method="passport seen")
    return {"keep": keep, "away": away, "mum": mum, "mum_away": mum_away, "jan": jan, "given": given,
            "withdrawn": withdrawn, "surveys": surveys, "for_jan": for_jan, "referral": referral, "session": cs,
            "disclosure": shared, "request": request, "away_people": away_people}


def test_different_dates_of_birth_need_the_managers_choice_and_nothing_changes(admin_session, history) -> None:  # type: ignore[no-untyped-def]
    keep, mum, mum_away = history["keep"], history["mum"], history["mum_away"]
    before = open_household(admin_session, keep)
    with pytest.raises(ValidationFailed) as caught:
        fold_person(admin_session, mum_away, mum)
    assert caught.value.problems[0].field == "date_of_birth"
    assert "choose which date of birth" in str(caught.value)
    after = open_household(admin_session, keep)
    assert after.version == before.version and len(after.members) == 4
    with pytest.raises(ValidationFailed) as bad:
        fold_person(admin_session, mum_away, mum, {"date_of_birth": "both"})
    assert bad.value.problems[0].field == "choices.date_of_birth"
    with pytest.raises(ValidationFailed):
        fold_person(admin_session, mum, mum, {})


def test_after_the_fold_she_is_one_person_with_everything_recorded_for_either_entry(admin_session, history) -> None:  # type: ignore[no-untyped-def]
    s = admin_session
    keep, away, mum, mum_away, jan = (history[k] for k in ("keep", "away", "mum", "mum_away", "jan"))
    result = fold_person(s, str(mum_away), str(mum), {"date_of_birth": "into", "last_name": TAKE_FOLDED})
    h = open_household(s, keep)
    assert [m.id for m in h.members].count(mum) == 1 and mum_away not in [m.id for m in h.members]
    assert len(h.members) == 3 and result.household.version == h.version
    her = h.member(str(mum))
    assert her.first_name == "Aleksandra" and her.last_name == "Wojcik"  # the chosen spelling
    assert her.get("date_of_birth") == "1991-04-02"  # the kept date of birth

    # Consents: every decision stays with its date, notice version and signer, under her.
    lines = consent_history(s, str(keep))
    by_id = {line.event.id: line for line in lines}
    for key in ("given", "withdrawn", "surveys", "for_jan"):
        original = history[key]
        line = by_id[original.id]  # type: ignore[attr-defined]
        assert line.event.recorded_at == original.recorded_at  # type: ignore[attr-defined]
        assert line.event.notice_version == original.notice_version  # type: ignore[attr-defined]
    assert by_id[history["withdrawn"].id].event.person_id == mum  # type: ignore[attr-defined]
    assert by_id[history["withdrawn"].id].event.recorded_for == mum_away  # type: ignore[attr-defined]
    assert by_id[history["withdrawn"].id].person_name == "Aleksandra Wojcik"  # type: ignore[attr-defined]
    assert by_id[history["for_jan"].id].given_by_name == "Aleksandra Wojcik"  # type: ignore[attr-defined]
    assert "former member" not in {line.person_name for line in lines}
    # The newest decision per purpose wins; both stay in the history.
    current = latest(line.event for line in lines)
    assert current[(mum, "email-contact", None)].decision is Decision.REFUSED
    assert current[(mum, "surveys", None)].decision is Decision.GIVEN
    assert sum(1 for line in lines if line.event.purpose_id == "email-contact" and line.event.person_id == mum) == 2

    # Referrals, attendance, disclosures, rights requests follow the alias.
    (referral,) = household_referrals(s, str(keep))
    assert referral.person_ids == (mum, jan)
    cs = history["session"]
    _, register = session_register(s, cs.id)  # type: ignore[attr-defined]
    assert [(r.person_id, r.name, r.came) for r in register] == [(mum, "Aleksandra Wojcik", True)]
    again = record_attendance(s, cs.id, [str(mum)])  # type: ignore[attr-defined]
    assert (again.recorded, again.already) == (0, 1)  # she came once, whichever entry was ticked
    assert list_disclosures(s, str(keep))[0].person_ids == (mum,)
    assert [r.person_id for r in list_requests(s, str(keep))] == [mum]

    # The folded id still leads to her; search and the review queue show her once.
    pack = build_subject_access(s, str(mum_away))
    assert pack.person_id == mum
    consents = {c["id"] for c in pack.data["consents"]}
    assert {history[k].id for k in ("given", "withdrawn", "surveys")} <= consents  # type: ignore[attr-defined]
    hits = search_households(s, "aleksandra")
    assert [x.household_id for x in hits] == [keep]
    assert [m.full_name for m in hits[0].members].count("Aleksandra Wojcik") == 1
    assert search_households(s, "alexandra") == []  # the other spelling left the index with the entry
    assert review_duplicates(s, person_matcher()) == []
    assert open_household(s, str(away)).id == keep  # the merged household's id still opens her household

    # Nothing lost: the folded entry's own values are in the field history.
    changes = [c for _, _, cs_ in household_history(s, str(keep)) for c in cs_]
    assert any(c.field == f"member:{mum_away}.first_name" and c.old == "Alexandra" for c in changes)
    assert any(c.field == f"member:{mum_away}.folded_into" and c.new == mum for c in changes)

    # The printed receipt names her once, with every consent.
    receipt = pdf_text(print_consent_receipt(s, PdfRenderer(), str(keep)))
    assert receipt.count("Aleksandra Wojcik") >= 3  # the people list, her decisions, and for Jan
    assert "Alexandra" not in receipt
    assert "2025-1" in receipt and "2026.1" in receipt

    # Folding again is refused in words.
    with pytest.raises(ValidationFailed) as twice:
        fold_person(s, str(mum_away), str(mum))
    assert "already folded" in str(twice.value)


def test_people_are_folded_at_the_merge_in_one_unit_of_work(admin_session: DeskSession) -> None:
    s = admin_session
    keep, keep_people = _register(s, FIRST)
    away, away_people = _register(s, SECOND)
    mum, mum_away = keep_people[0], away_people[0]
    consent = record_decision(s, away, mum_away, "email-contact", Decision.GIVEN, method="verbal",
                              notice_version="2025-1")
    # A refused fold (dates of birth differ, no choice) refuses the whole merge.
    with pytest.raises(ValidationFailed):
        merge_households(s, away, keep, folds=[Fold(mum_away, mum)])
    assert open_household(s, away).id == away and len(open_household(s, keep).members) == 2
    result = merge_households(s, away, keep, folds=[Fold(mum_away, mum, {"date_of_birth": "into"}),
                                                    Fold(away_people[1], keep_people[1])])
    assert result.folded == (mum_away, away_people[1])
    h = open_household(s, keep)
    assert [m.id for m in h.members] == keep_people
    (line,) = consent_history(s, keep)
    assert line.event.id == consent.id and line.event.person_id == mum and line.event.notice_version == "2025-1"


def test_a_restricted_person_or_a_held_household_cannot_be_folded(admin_session, history) -> None:  # type: ignore[no-untyped-def]
    s = admin_session
    keep, mum, mum_away = history["keep"], history["mum"], history["mum_away"]
    set_restriction(s, str(mum_away), True, reason="asked at the desk")
    with pytest.raises(ValidationFailed) as restricted:
        fold_person(s, str(mum_away), str(mum), {"date_of_birth": "into"})
    assert "restricted" in str(restricted.value)
    set_restriction(s, str(mum_away), False, reason="lifted")
    hold = place_hold(s, "tribunal case 2026/114", str(keep))
    with pytest.raises(ValidationFailed) as held:
        fold_person(s, str(mum_away), str(mum), {"date_of_birth": "into"})
    assert "hold" in str(held.value)
    assert len(open_household(s, str(keep)).members) == 4  # nothing changed
    lift_hold(s, hold.id)
    fold_person(s, str(mum_away), str(mum), {"date_of_birth": "into"})


def test_people_in_different_households_are_merged_first(admin_session: DeskSession) -> None:
    s = admin_session
    _, keep_people = _register(s, FIRST)
    _, away_people = _register(s, SECOND)
    with pytest.raises(ValidationFailed) as caught:
        fold_person(s, away_people[0], keep_people[0], {"date_of_birth": "into"})
    assert "different households" in str(caught.value)


def test_erasing_her_erases_what_either_entry_recorded(admin_session, history) -> None:  # type: ignore[no-untyped-def]
    s = admin_session
    keep, mum, mum_away = history["keep"], history["mum"], history["mum_away"]
    fold_person(s, str(mum_away), str(mum), {"date_of_birth": "into"})
    from centre_desk.services.rights import close_request

    close_request(s, history["request"].id, outcome="pack sent")  # type: ignore[attr-defined]
    erase_person(s, str(mum_away), reason="asked to be forgotten")  # by the folded id: it leads to her
    h = open_household(s, str(keep))
    assert mum not in [m.id for m in h.members] and len(h.members) == 2
    people = {line.event.person_id for line in consent_history(s, str(keep))}
    assert mum not in people and mum_away not in people
    (referral,) = household_referrals(s, str(keep))
    assert referral.person_ids == (history["jan"],)


def test_fold_through_the_admin_tool_is_audited_without_names(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = store.data_dir
    src = tmp_path / "old.json"
    src.write_text(json.dumps({"households": [FIRST, SECOND]}, ensure_ascii=False), encoding="utf-8")
    imported = [json.loads(x) for x in admin(data, "import", "--form", "membership", "--json", str(src))
                .stdout.splitlines()]
    keep, away = imported[0]["household_id"], imported[1]["household_id"]
    mum, mum_away = imported[0]["person_ids"][0], imported[1]["person_ids"][0]
    apart = admin(data, "duplicates", "fold", mum_away, "--into", mum)
    assert apart.returncode == 1 and "different households" in apart.stderr
    merged = admin(data, "duplicates", "merge", away, "--into", keep)
    assert merged.returncode == 0, merged.stderr
    refused = admin(data, "duplicates", "fold", mum_away, "--into", mum)
    assert refused.returncode == 1 and "date_of_birth" in refused.stderr and "1991" not in refused.stderr
    done = admin(data, "duplicates", "fold", mum_away, "--into", mum, "--take", "date_of_birth=into",
                 "--take", "email=folded")
    assert done.returncode == 1 and "choices.email" in done.stderr  # email is a household field, not hers
    done = admin(data, "duplicates", "fold", mum_away, "--into", mum, "--take", "date_of_birth=into")
    assert done.returncode == 0, done.stderr
    assert f"Folded person {mum_away} into {mum}" in done.stdout
    found = [json.loads(x) for x in admin(data, "search", "wojcik", "--json").stdout.splitlines()]
    assert [f["household_id"] for f in found] == [keep]
    assert [m["person_id"] for m in found[0]["members"]].count(mum) == 1
    assert mum_away not in [m["person_id"] for m in found[0]["members"]]
    audit = admin(data, "audit", "list", "--json").stdout
    assert "person.folded" in audit and "Alexandra" not in audit and "1991" not in audit
    jan_fold = admin(data, "duplicates", "fold", imported[1]["person_ids"][1], "--into", imported[0]["person_ids"][1])
    assert jan_fold.returncode == 0, jan_fold.stderr
    found = [json.loads(x) for x in admin(data, "search", "wojcik", "--json").stdout.splitlines()]
    assert [m["person_id"] for m in found[0]["members"]] == imported[0]["person_ids"]
