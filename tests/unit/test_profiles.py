"""Organisation profiles: the two shipped profiles, and the errors a hand-edited file can cause."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from centre_desk.domain.errors import DefinitionError
from centre_desk.domain.organisation import Organisation, StartEvent
from centre_desk.formspec import resources
from centre_desk.formspec.profiles import list_profiles, load_profile, profiles_root

NS = "north-somerset-children-centres"
SOM = "somerset-childrens-services"

COMMON_PURPOSES = {
    "email-contact",
    "coordinated-support",
    "surveys",
    "service-delivery",
    "statutory-reporting",
    "safeguarding",
    "reach-statistics",
}


@pytest.fixture(scope="module")
def ns() -> Organisation:
    return load_profile(NS)


@pytest.fixture(scope="module")
def som() -> Organisation:
    return load_profile(SOM)


# --- the shipped profiles ------------------------------------------------------------------------


def test_list_profiles_names_both_shipped_profiles() -> None:
    assert list_profiles() == [
        (NS, "North Somerset Early Help and Children's Centres"),
        (SOM, "Somerset Council Children's Services"),
    ]


def test_profiles_root_is_the_resources_organisations_folder() -> None:
    root = profiles_root()
    assert root.name == "organisations"
    assert (root / "profile.schema.json").is_file()


@pytest.mark.parametrize("profile_id", [NS, SOM])
def test_every_profile_has_the_purposes_the_forms_rely_on(profile_id: str) -> None:
    org = load_profile(profile_id)
    assert {p.id for p in org.purposes} >= COMMON_PURPOSES
    for pid in ("email-contact", "coordinated-support", "surveys"):
        assert org.purpose(pid).needs_consent
    assert org.purpose("coordinated-support").per_partner
    assert not org.purpose("email-contact").per_partner
    delivery = org.purpose("service-delivery").basis
    assert (delivery.article6, delivery.article9) == ("6(1)(e)", "9(2)(h)")
    assert not org.purpose("safeguarding").needs_consent


@pytest.mark.parametrize("profile_id", [NS, SOM])
def test_every_profile_names_the_ico(profile_id: str) -> None:
    reg = load_profile(profile_id).regulator
    assert reg.name == "Information Commissioner's Office"
    assert reg.phone == "0303 123 1113"
    assert reg.address.one_line() == "Wycliffe House, Water Lane, Wilmslow, Cheshire, SK9 5AF"
    assert reg.web is not None and "ico.org.uk" in reg.web


def test_north_somerset_facts(ns: Organisation) -> None:
    assert ns.id == NS
    assert ns.data_controller == "North Somerset Council"
    assert ns.dpo.email == "DPO@n-somerset.gov.uk"
    assert ns.address.postcode == "BS23 1UJ"
    assert "Walliscote Grove Road" in ns.address.lines
    assert {s.id for s in ns.services} == {"early-help", "childrens-centres"}
    assert {"avon-and-somerset-police", "dwp-employment-advisers", "public-health-teams"} <= {
        p.id for p in ns.partners
    }
    assert ns.idle_lock_minutes == 5
    assert ns.reach_statistics_age_limit == 5
    assert any(
        "Sure Start" in law and "April 2013" in law
        for law in ns.purpose("service-delivery").basis.legislation
    )
    [rule] = ns.retention
    assert (rule.start_event, rule.period_years, rule.services) == (StartEvent.LAST_CONTACT, 6, ())
    assert not ns.legal_hold.active
    assert {r.id for r in ns.rights} == {
        "access",
        "objection",
        "restriction",
        "erasure",
        "rectification",
        "portability",
    }
    assert all(r.how for r in ns.rights)
    assert ns.what_we_collect and ns.how_we_collect and ns.transfers_abroad


def test_somerset_facts(som: Organisation) -> None:
    assert som.data_controller == "Somerset Council"
    assert som.dpo.email == "informationgovernance@somerset.gov.uk"
    assert som.complaints.email == "informationgovernance@somerset.gov.uk"
    assert som.address.one_line() == "Somerset Council, County Hall, Taunton, TA1 4DY"
    assert [s.id for s in som.services] == [
        "contact-and-referral",
        "early-support",
        "children-in-need",
        "child-protection",
        "children-looked-after",
        "leaving-care",
        "adoption",
        "early-help",
    ]
    assert som.idle_lock_minutes == 10
    assert som.reach_statistics_age_limit is None
    assert "Digital Economy Act 2017" in {law for p in som.purposes for law in p.basis.legislation}
    assert {"Children Act 1989", "Children Act 2004"} <= set(
        som.purpose("service-delivery").basis.legislation
    )
    assert {"gp", "housing-providers", "department-for-work-and-pensions", "voluntary-community-sector"} <= {
        p.id for p in som.partners
    }
    assert som.legal_hold.active
    assert "Independent Inquiry into Child Sexual Abuse" in som.legal_hold.reason
    assert {r.id for r in som.rights} == {
        "access",
        "rectification",
        "erasure",
        "objection",
        "restriction",
        "automated-decisions",
    }


def test_somerset_retention_table(som: Organisation) -> None:
    table = {(r.services, r.condition): (r.period_years, r.start_event) for r in som.retention}
    dob, closed = StartEvent.DATE_OF_BIRTH, StartEvent.CASE_CLOSED
    assert table == {
        (("contact-and-referral",), "referral-only"): (6, closed),
        (("contact-and-referral",), "assessment"): (25, dob),
        (("early-support",), ""): (34, dob),
        (("children-in-need",), "referral-only"): (6, closed),
        (("children-in-need",), "assessment"): (25, dob),
        (("child-protection",), "section-47-no-child-protection"): (35, closed),
        (("child-protection",), ""): (100, dob),
        (("children-looked-after",), ""): (100, dob),
        (("leaving-care",), ""): (100, dob),
        (("adoption",), ""): (100, dob),
        (("early-help",), "referral-only"): (6, closed),
        (("early-help",), "assessment"): (25, dob),
    }


def test_schema_start_events_match_the_domain() -> None:
    schema = json.loads((profiles_root() / "profile.schema.json").read_text(encoding="utf-8"))
    allowed = schema["properties"]["retention"]["items"]["properties"]["start_event"]["enum"]
    assert set(allowed) == {e.value for e in StartEvent}


# --- broken copies -------------------------------------------------------------------------------


def _broken(tmp_path: Path, profile_id: str, old: str, new: str) -> tuple[Path, Path]:
    """Copy a shipped profile into tmp_path with one text replacement; return (root, file)."""
    text = (profiles_root() / profile_id / "organisation.yaml").read_text(encoding="utf-8")
    assert old in text, f"test fixture out of date: {old!r} not in {profile_id}"
    folder = tmp_path / profile_id
    folder.mkdir()
    path = folder / "organisation.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path, path


def _error(root: Path, profile_id: str = NS) -> DefinitionError:
    with pytest.raises(DefinitionError) as caught:
        load_profile(profile_id, root)
    return caught.value


def test_an_unchanged_copy_loads_from_another_root(tmp_path: Path) -> None:
    root, _ = _broken(tmp_path, SOM, "idle_lock_minutes: 10", "idle_lock_minutes: 15")
    assert load_profile(SOM, root).idle_lock_minutes == 15
    assert list_profiles(root) == [(SOM, "Somerset Council Children's Services")]


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ("article6: 6(1)(e)", "article6: 6(1)e", "purposes[0].basis.article6", "6(1)(e)"),
        ("article9: 9(2)(h)", "article9: 9(2)(z)", "purposes[0].basis.article9", "9(2)(h)"),
        ("idle_lock_minutes: 5", "idle_lock_minutes: 0", "idle_lock_minutes", "between 1 and 120"),
        ("idle_lock_minutes: 5", "idle_lock_minutes: 121", "idle_lock_minutes", "between 1 and 120"),
        ("idle_lock_minutes: 5", "idle_lock_minutes: five", "idle_lock_minutes", "whole number"),
        ("idle_lock_minutes: 5", "idle_lock_minute: 5", "idle_lock_minute", "did you mean idle_lock_minutes"),
        ("format_version: 1\n", "", "format_version", "missing"),
        ("  email: DPO@n-somerset.gov.uk\n", "  email: DPO at n-somerset\n", "dpo.email", "email address"),
        ("postcode: BS23 1UJ", "postcode: bs23", "address.postcode", "UK postcode"),
        ("start_event: last_contact", "start_event: last_visit", "retention[0].start_event", "last_contact"),
        ("period_years: 6", "period_years: six", "retention[0].period_years", "whole number"),
        ("- id: portability", "- id: moving", "rights[5].id", "one of"),
        ("- id: early-help\n", "- id: Early Help\n", "services[0].id", "lower-case"),
    ],
)
def test_schema_problems_name_file_and_key(tmp_path: Path, old: str, new: str, key: str, words: str) -> None:
    root, path = _broken(tmp_path, NS, old, new)
    err = _error(root)
    assert err.path == str(path)
    assert err.key == key
    assert words in err.problem
    assert str(path) in str(err) and key in str(err)


@pytest.mark.parametrize(
    ("profile_id", "old", "new", "key", "words"),
    [
        # a second service with an id already used
        (
            NS,
            "  - id: childrens-centres\n    name: Children's centre services",
            "  - id: early-help\n    name: Children's centre services",
            "services[1].id",
            "already used by services[0]",
        ),
        (SOM, "services: [adoption]", "services: [adoptions]", "retention[9].services[0]", "'adoptions'"),
        # two rules for the same service and condition
        (
            SOM,
            "condition: assessment\n    start_event: date_of_birth\n    period_years: 25\n  - id: early",
            "condition: referral-only\n    start_event: date_of_birth\n    period_years: 25\n  - id: early",
            "retention[1]",
            "already covers contact-and-referral",
        ),
        (
            NS,
            "article6_name: public task",
            "article6_name: consent",
            "purposes[0].basis.article6_name",
            "'public task'",
        ),
        (
            SOM,
            "      legislation:\n        - Digital Economy Act 2017\n",
            "",
            "purposes[1].basis.legislation",
            "needs the law",
        ),
        (
            NS,
            "Emailing you news of sessions, activities and services at your children's centre. You can\n"
            "      say no, or stop the emails at any time.\n    basis:\n      article6: 6(1)(a)\n"
            "      article6_name: consent",
            "Emailing you.\n    basis:\n      article6: 6(1)(e)\n      legislation: [Some Act]",
            "purposes[5].basis.article6",
            "must rest on consent",
        ),
        (
            NS,
            "    per_partner: true\n    basis:\n      article6: 6(1)(a)\n      article6_name: consent\n",
            "    per_partner: true\n    basis:\n      article6: 6(1)(e)\n      legislation: [Some Act]\n",
            "purposes[4].per_partner",
            "consent-based",
        ),
        (
            SOM,
            "legal_hold:\n  active: true\n  reason: >-",
            "legal_hold:\n  active: true\n  x: >-",
            "legal_hold.x",
            "not a key",
        ),
        (NS, "legal_hold:\n  active: false", "legal_hold:\n  active: true", "legal_hold.reason", "why"),
        (NS, "id: north-somerset-children-centres", "id: north-somerset", "id", "folder"),
        (
            NS,
            "dpo:\n  name: North Somerset Council Data Protection Officer\n  email: DPO@n-somerset.gov.uk",
            "dpo:\n  name: North Somerset Council Data Protection Officer",
            "dpo",
            "at least one way",
        ),
    ],
)
def test_meaning_problems_name_file_and_key(
    tmp_path: Path, profile_id: str, old: str, new: str, key: str, words: str
) -> None:
    root, path = _broken(tmp_path, profile_id, old, new)
    err = _error(root, profile_id)
    assert (err.path, err.key) == (str(path), key)
    assert words in err.problem


def test_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    root, path = _broken(tmp_path, NS, "idle_lock_minutes: 5", "idle_lock_minutes: 5\nidle_lock_minutes: 30")
    err = _error(root)
    assert err.path == str(path)
    assert err.key.startswith("idle_lock_minutes (line ")
    assert "twice" in err.problem


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    root, path = _broken(tmp_path, NS, "idle_lock_minutes: 5", "idle_lock_minutes: [5")
    err = _error(root)
    assert err.path == str(path)
    assert err.key.startswith("line ")
    assert "not valid YAML" in err.problem


@pytest.mark.parametrize(
    ("content", "key", "words"),
    [
        (b"", "(top level)", "empty"),
        (b"- just\n- a list\n", "(top level)", "block of keys"),
        (b"name: \xff\xfe\n", "(file)", "UTF-8"),
    ],
)
def test_unusable_files(tmp_path: Path, content: bytes, key: str, words: str) -> None:
    (tmp_path / NS).mkdir()
    path = tmp_path / NS / "organisation.yaml"
    path.write_bytes(content)
    err = _error(tmp_path)
    assert (err.path, err.key) == (str(path), key)
    assert words in err.problem


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    root, path = _broken(tmp_path, NS, "idle_lock_minutes: 5", "idle_lock_minutes: 7")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_profile(NS, root).idle_lock_minutes == 7


def test_a_broken_profile_is_reported_by_list_profiles(tmp_path: Path) -> None:
    root, path = _broken(tmp_path, NS, "idle_lock_minutes: 5", "idle_lock_minutes: 0")
    with pytest.raises(DefinitionError) as caught:
        list_profiles(root)
    assert caught.value.path == str(path)


# --- ids and folders -----------------------------------------------------------------------------


def test_unknown_profile_names_it_and_lists_the_available_ones() -> None:
    with pytest.raises(DefinitionError) as caught:
        load_profile("bristol-family-hubs")
    err = caught.value
    assert "bristol-family-hubs" in err.problem
    assert NS in err.problem and SOM in err.problem


def test_unknown_profile_in_an_empty_root(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_profile(NS, tmp_path)
    assert caught.value.path == str(tmp_path)
    assert "available profiles: none" in caught.value.problem


@pytest.mark.parametrize("bad", ["../somerset-childrens-services", "Somerset", "", "a/b"])
def test_profile_ids_cannot_leave_the_root(bad: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_profile(bad)
    assert caught.value.key == "profile id"


def test_a_missing_root_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as caught:
        list_profiles(tmp_path / "nowhere")
    assert caught.value.path == str(tmp_path / "nowhere")


def test_list_profiles_skips_folders_without_a_profile(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "organisation.yaml").write_text("nonsense: [", encoding="utf-8")
    assert list_profiles(tmp_path) == []


# --- finding the resources folder ----------------------------------------------------------------


def test_resources_dir_uses_the_checkout_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(resources.ENV_VAR, raising=False)
    found = resources.resources_dir()
    assert (found / "organisations" / NS / "organisation.yaml").is_file()


def test_resources_dir_honours_the_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(resources.ENV_VAR, str(tmp_path))
    assert resources.resources_dir() == tmp_path
    assert profiles_root() == tmp_path / "organisations"


def test_resources_dir_refuses_a_missing_configured_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(resources.ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(DefinitionError) as caught:
        resources.resources_dir()
    assert caught.value.key == resources.ENV_VAR


def test_resources_dir_finds_a_frozen_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "resources").mkdir()
    monkeypatch.delenv(resources.ENV_VAR, raising=False)
    monkeypatch.setattr(resources, "_CHECKOUT_ROOT", tmp_path / "not-a-checkout")
    monkeypatch.setattr(resources.sys, "prefix", str(tmp_path / "no-prefix"))
    monkeypatch.setattr(resources.sys, "frozen", True, raising=False)
    monkeypatch.setattr(resources.sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resources_dir() == tmp_path / "resources"


def test_resources_dir_finds_resources_beside_the_executable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "resources").mkdir()
    monkeypatch.delenv(resources.ENV_VAR, raising=False)
    monkeypatch.setattr(resources, "_CHECKOUT_ROOT", tmp_path / "not-a-checkout")
    monkeypatch.setattr(resources.sys, "prefix", str(tmp_path / "no-prefix"))
    monkeypatch.setattr(resources.sys, "frozen", True, raising=False)
    monkeypatch.delattr(resources.sys, "_MEIPASS", raising=False)
    monkeypatch.setattr(resources.sys, "executable", str(tmp_path / "centre-desk.exe"))
    assert resources.resources_dir() == tmp_path / "resources"


def test_resources_dir_explains_when_nothing_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(resources.ENV_VAR, raising=False)
    monkeypatch.setattr(resources, "_CHECKOUT_ROOT", tmp_path / "not-a-checkout")
    monkeypatch.setattr(resources.sys, "prefix", str(tmp_path / "no-prefix"))
    monkeypatch.setattr(resources.sys, "frozen", False, raising=False)
    with pytest.raises(DefinitionError) as caught:
        resources.resources_dir()
    assert resources.ENV_VAR in caught.value.problem


def test_resources_dir_finds_a_pip_installed_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed = tmp_path / "share" / "centre-desk" / "resources"
    installed.mkdir(parents=True)
    monkeypatch.delenv(resources.ENV_VAR, raising=False)
    monkeypatch.setattr(resources, "_CHECKOUT_ROOT", tmp_path / "not-a-checkout")
    monkeypatch.setattr(resources.sys, "prefix", str(tmp_path))
    assert resources.resources_dir() == installed
