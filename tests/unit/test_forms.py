"""Form definitions and submission validation: the shipped forms, broken copies, and what families
and CSV imports actually send."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from centre_desk.domain.errors import DefinitionError, FieldProblem, NotFound, ValidationFailed
from centre_desk.formspec import forms
from centre_desk.formspec.forms import (
    FieldType,
    FormDefinition,
    forms_dir,
    list_forms,
    load_form,
    special_category_fields,
    validate_field,
    validate_submission,
)

TODAY = date(2025, 6, 1)
SERVICES = [("early-help", "Early Help"), ("contact-and-referral", "Contact and Referral")]
FORMS = Path(__file__).resolve().parents[2] / "forms"

HOUSEHOLD_FIELDS = {
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "phone",
    "phone_other",
    "email",
    "gp_practice",
    "gp_phone",
    "other_services",
    "family_needs",
    "support_wanted",
}
MEMBER_FIELDS = {
    # version 2: each person properly
    "own_phone",
    "own_email",
    "nursery_school",
    # version 3: relationship and parental responsibility for each child (was one answer for all)
    "children",
    "medical_alert",
    "first_name",
    "middle_names",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "gender",
    "gender_self_described",
    "role",
    "lives_at_address",
    "relationship_status",
    "ethnicity",
    "languages",
    "interpreter_needed",
    "disabilities",
}
REFERRAL_FIELDS = {
    "source",
    "agency_organisation",
    "referrer_name",
    "referrer_role",
    "referrer_phone",
    "referrer_secure_email",
    "date_received",
    "received_via",
    "service",
    "reasons",
    "needs",
    "urgency",
    "safeguarding_concern",
    "safeguarding_details",
    "family_aware",
    "family_agrees",
}
PURPOSES = {
    "service-delivery",
    "statutory-reporting",
    "reach-statistics",
    "safeguarding",
    "email-contact",
}


@pytest.fixture(scope="module")
def membership() -> FormDefinition:
    return load_form("membership")


@pytest.fixture(scope="module")
def referral() -> FormDefinition:
    return load_form("referral")


def household() -> dict[str, Any]:
    """A household as the form on screen sends it: two parents (one living elsewhere), two children."""
    return {
        "address_line1": "12 Orchard Street",
        "town": "Weston-super-Mare",
        "postcode": "BS23 1AA",
        "phone": "01934 888888",
        "email": "family@example.org",
        "gp_practice": "Graham Road Surgery",
        "other_services": [{"service": "Health visitor", "contact": "01934 111111"}],
        "family_needs": "Help with sleep routines.",
        "members": [
            {
                "first_name": "Ioana",
                "last_name": "Rădulescu",
                "date_of_birth": "1991-03-14",
                "gender": "female",
                "role": "parent",
                "lives_at_address": True,
                "relationship_status": "separated",
                "ethnicity": "white-other",
                "languages": "Romanian, English",
                "interpreter_needed": False,
            },
            {
                "first_name": "Łukasz",
                "last_name": "Wójcik",
                "date_of_birth": "1989-11-02",
                "gender": "male",
                "role": "parent",
                "lives_at_address": False,
                "relationship_status": "separated",
            },
            {
                "first_name": "Zoë",
                "last_name": "Wójcik",
                "date_of_birth": "2022-08-30",
                "gender": "female",
                "role": "child",
                "lives_at_address": True,
                "disabilities": "Hearing aid in the left ear.",
            },
            {
                "first_name": "Alex",
                "last_name": "Wójcik",
                "date_of_birth": "2024-12-01",
                "gender": "prefer-not-to-say",
                "role": "child",
                "lives_at_address": True,
            },
        ],
    }


def agency_referral() -> dict[str, Any]:
    return {
        "source": "agency",
        "agency_organisation": "Somerset Foundation Trust health visiting",
        "referrer_name": "Sam Taylor",
        "referrer_role": "Health visitor",
        "referrer_secure_email": "sam.taylor@nhs.net",
        "date_received": "2025-05-30",
        "received_via": "secure-email",
        "service": "early-help",
        "reasons": "Parent asked for support with routines.",
        "urgency": "routine",
        "safeguarding_concern": False,
        "family_aware": True,
        "family_agrees": True,
    }


def problems_of(form: FormDefinition, data: dict[str, Any], **kwargs: Any) -> list[FieldProblem]:
    with pytest.raises(ValidationFailed) as caught:
        validate_submission(form, data, today=TODAY, **kwargs)
    return caught.value.problems


# --- the shipped definitions --------------------------------------------------------------------


def test_shipped_definitions_load(membership: FormDefinition, referral: FormDefinition) -> None:
    assert {"membership", "referral"} <= set(list_forms())
    assert (membership.id, referral.id) == ("membership", "referral")
    assert isinstance(membership.version, int) and isinstance(referral.version, int)
    assert membership.source.endswith("membership.yaml")


def test_membership_fields_are_the_agreed_ones(membership: FormDefinition) -> None:
    assert {f.id for f in membership.top_level_fields} == HOUSEHOLD_FIELDS
    members = membership.repeated_section("members")
    assert {f.id for f in members.fields} == MEMBER_FIELDS
    assert members.min_items == 1
    other = membership.field("other_services")
    assert other.type is FieldType.LIST
    assert [f.id for f in other.item_fields] == ["service", "contact"]


def test_referral_fields_and_status_values(referral: FormDefinition) -> None:
    assert {f.id for f in referral.all_fields()} == REFERRAL_FIELDS
    assert referral.status_values == ("received", "accepted", "allocated", "closed")
    assert referral.field("service").choices_from == "services"
    assert [c.value for c in referral.field("service").choices_for(SERVICES)] == [
        "early-help",
        "contact-and-referral",
    ]


def test_member_choices(membership: FormDefinition) -> None:
    assert [c.value for c in membership.field("gender").choices] == [
        "female",
        "male",
        "non-binary",
        "self-described",
        "prefer-not-to-say",
    ]
    assert [c.value for c in membership.field("role").choices] == [
        "parent",
        "carer",
        "partner",
        "child",
        "other",
    ]


def test_ethnicity_offers_the_19_census_groups_under_5_headings(membership: FormDefinition) -> None:
    choices = membership.field("ethnicity").choices
    grouped = [c for c in choices if c.group]
    assert len(grouped) == 19
    assert len({c.group for c in grouped}) == 5
    assert choices[-1].value == "prefer-not-to-say" and choices[-1].group is None


def test_special_category_fields(membership: FormDefinition, referral: FormDefinition) -> None:
    special = {f.id for f in special_category_fields(membership)}
    assert {"ethnicity", "disabilities", "medical_alert"} <= special
    assert not special & {"own_phone", "own_email", "children", "nursery_school"}
    assert not special & {"first_name", "last_name", "date_of_birth", "postcode", "gender"}
    assert "safeguarding_details" in {f.id for f in special_category_fields(referral)}


def test_every_field_serves_a_known_purpose(membership: FormDefinition, referral: FormDefinition) -> None:
    for form in (membership, referral):
        for f in form.all_fields():
            assert f.purposes and set(f.purposes) <= PURPOSES, f.id
    assert membership.field("email").purposes == ("service-delivery", "email-contact")


# --- broken definitions -------------------------------------------------------------------------


def broken_copy(tmp_path: Path, old: str, new: str, form_id: str = "membership") -> Path:
    text = (FORMS / f"{form_id}.yaml").read_text(encoding="utf-8")
    assert old in text, "the test's search text is no longer in the shipped form"
    (tmp_path / f"{form_id}.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


def test_schema_rejects_a_broken_copy_naming_file_and_key(tmp_path: Path) -> None:
    root = broken_copy(tmp_path, "type: postcode", "type: postkode")
    with pytest.raises(DefinitionError) as caught:
        load_form("membership", root=root)
    error = caught.value
    assert error.path == str(tmp_path / "membership.yaml")
    assert error.key == "sections[0].fields[3].type"
    assert "must be one of" in error.problem and "postcode" in error.problem
    assert "(line " in error.problem


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        (
            "        required: true\n        special_category: false\n        purpose: service-delivery\n"
            "        validation: {max_length: 60}",
            "        requird: true\n        special_category: false\n        purpose: service-delivery\n"
            "        validation: {max_length: 60}",
            "sections[0].fields[2].requird",
            "check the spelling",
        ),
        ("id: phone_other", "id: phone", "sections[0].fields[5].id", "already used"),
        ("value: male,", "value: female,", "sections[1].fields[5].choices[1].value", "used twice"),
        (
            "shown_when: {field: gender,",
            "shown_when: {field: gendr,",
            "sections[1].fields[6].shown_when.field",
            "no field 'gendr'",
        ),
        (
            "equals: self-described}",
            "equals: self-describd}",
            "sections[1].fields[6].shown_when",
            "not one of the choices of 'gender'",
        ),
        (
            # A household answer cannot depend on one person's: which person's would it be?
            "        label: GP practice phone number\n",
            "        label: GP practice phone number\n        shown_when: {field: role, equals: parent}\n",
            "sections[0].fields[8].shown_when.field",
            "another part of the form",
        ),
        (
            "validation: {max_length: 60}",
            "validation: {not_in_future: true}",
            "sections[0].fields[2].validation.not_in_future",
            "does not apply to a text field",
        ),
        ("id: membership", "id: members-form", "id", "the name of the file"),
        (
            "        purpose: [service-delivery, email-contact]\n",
            "",
            "sections[0].fields[6].purpose",
            "missing",
        ),
        ("        type: phone\n", "        type: phone\n        type: text\n", "(file)", "appears twice"),
        # A per-child table: its rows must come from a field everyone in the section answers...
        ("entries: {field: role, equals: child}", "entries: {field: rol, equals: child}",
         "sections[1].fields[11].entries.field", "no field 'rol'"),
        ("entries: {field: role, equals: child}", "entries: {field: gender_self_described, equals: x}",
         "sections[1].fields[11].entries.field", "conditions need a choice"),
        ("entries: {field: role, equals: child}", "entries: {field: role, equals: kid}",
         "sections[1].fields[11].entries", "not one of the choices of 'role'"),
        ("entries: {field: role, equals: child}", "",
         "sections[1].fields[11].entries", "missing"),
        # ... its cells are short answers ...
        ("            label: Parental responsibility\n            type: boolean",
         "            label: Parental responsibility\n            type: text",
         "sections[1].fields[11].item_fields[1].type", "choice or boolean"),
        # ... and what it carries over from an earlier version is a field this version dropped.
        ("carried_from: parental_responsibility", "carried_from: own_phone",
         "sections[1].fields[11].item_fields[1].carried_from", "still a field of this form"),
        ("carried_from: parental_responsibility", "carried_from: relationship_to_children",
         "sections[1].fields[11].item_fields[1].carried_from", "already carried over"),
    ],
)
def test_definition_mistakes_are_named(tmp_path: Path, old: str, new: str, key: str, problem: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_form("membership", root=broken_copy(tmp_path, old, new))
    assert caught.value.key == key
    assert problem in caught.value.problem


def test_conditions_that_go_round_in_a_circle_are_refused(tmp_path: Path) -> None:
    status = "label: Relationship status\n        type: choice\n        "
    root = broken_copy(
        tmp_path,
        status + "shown_when: {field: role, in: [parent, carer, partner, other]}",
        status + "shown_when: {field: gender, equals: female}",
    )
    text = (root / "membership.yaml").read_text(encoding="utf-8")
    gender_purpose = "        purpose: [service-delivery, reach-statistics]\n        choices:"
    assert gender_purpose in text
    text = text.replace(
        gender_purpose, "        shown_when: {field: relationship_status, equals: single}\n" + gender_purpose
    )
    (root / "membership.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_form("membership", root=root)
    assert caught.value.key == "sections[1].fields[5].shown_when"
    assert "go round in a circle: gender -> relationship_status -> gender" in caught.value.problem


def test_conditions_need_a_choice_or_yes_no_field(tmp_path: Path) -> None:
    root = broken_copy(
        tmp_path,
        "shown_when: {field: family_aware, equals: true}",
        "shown_when: {field: agency_organisation, equals: x}",
        form_id="referral",
    )
    with pytest.raises(DefinitionError) as caught:
        load_form("referral", root=root)
    assert "'agency_organisation' is a text field" in caught.value.problem


def test_missing_definition_and_bad_ids(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        load_form("membership", root=tmp_path)
    with pytest.raises(ValueError, match="not a form id"):
        load_form("../membership")


def test_yes_and_no_stay_text_in_definitions(tmp_path: Path) -> None:
    # Under YAML 1.1 `value: no` would be False and fail (or pass) the schema confusingly.
    root = broken_copy(tmp_path, "{value: male, label: Male}", "{value: no, label: Male}")
    assert "no" in [c.value for c in load_form("membership", root=root).field("gender").choices]


def test_forms_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(forms.ENV_VAR, raising=False)
    assert forms_dir() == FORMS
    shutil.copy(FORMS / "referral.yaml", tmp_path / "referral.yaml")
    monkeypatch.setenv(forms.ENV_VAR, str(tmp_path))
    assert forms_dir() == tmp_path
    assert list_forms() == ["referral"]
    assert load_form("referral").source == str(tmp_path / "referral.yaml")
    monkeypatch.setenv(forms.ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(DefinitionError, match="does not exist"):
        forms_dir()


# --- submissions --------------------------------------------------------------------------------


def test_a_good_household_with_four_members_validates(membership: FormDefinition) -> None:
    out = validate_submission(membership, household(), today=TODAY)
    assert out["postcode"] == "BS23 1AA"
    assert [m["first_name"] for m in out["members"]] == ["Ioana", "Łukasz", "Zoë", "Alex"]
    assert out["members"][1]["lives_at_address"] is False
    assert "relationship_status" not in out["members"][2]  # not asked of children
    assert out["other_services"] == [{"service": "Health visitor", "contact": "01934 111111"}]
    assert "address_line2" not in out  # empty answers are left out


def test_every_problem_is_reported_at_once(membership: FormDefinition) -> None:
    data = household()
    data["postcode"] = "BS23 1CA"
    data["members"][2]["date_of_birth"] = "2026-01-01"
    data["members"][1]["gender"] = "xx"
    del data["members"][3]["last_name"]
    del data["town"]
    problems = problems_of(membership, data)
    assert problems == [
        FieldProblem("town", "is required"),
        FieldProblem("postcode", "is not a UK postcode"),
        FieldProblem("members[1].gender", "is not one of the choices"),
        FieldProblem("members[2].date_of_birth", "date of birth is in the future"),
        FieldProblem("members[3].last_name", "is required"),
    ]


def test_a_household_needs_someone_in_it(membership: FormDefinition) -> None:
    data = household()
    data["members"] = [{"first_name": " ", "lives_at_address": False}]  # a row added and left empty
    assert FieldProblem("members", "needs at least 1 entry") in problems_of(membership, data)


def test_strings_are_trimmed_and_unicode_composed(membership: FormDefinition) -> None:
    data = household()
    data["address_line1"] = "  12   Orchard\tStreet "
    data["members"][2]["first_name"] = "Zoe\u0308"  # e + combining diaeresis, as some keyboards send
    data["family_needs"] = "  First line.  \r\nSecond line.\r\n\r\n"
    out = validate_submission(membership, data, today=TODAY)
    assert out["address_line1"] == "12 Orchard Street"
    assert out["members"][2]["first_name"] == "Zoë"
    assert out["family_needs"] == "First line.\nSecond line."


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("bs231aa", "BS23 1AA"), (" ta1  4dy ", "TA1 4DY"), ("SW1A1AA", "SW1A 1AA")],
)
def test_postcodes_are_normalised(membership: FormDefinition, typed: str, stored: str) -> None:
    data = household() | {"postcode": typed}
    assert validate_submission(membership, data, today=TODAY)["postcode"] == stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1991-03-14", "1991-03-14"),
        ("14/03/1991", "1991-03-14"),
        ("4/3/1991", "1991-03-04"),
        (date(1991, 3, 14), "1991-03-14"),
        ("2025-06-01", "2025-06-01"),
    ],
)
def test_dates_are_stored_as_iso(membership: FormDefinition, typed: object, stored: str) -> None:
    data = household()
    data["members"][0]["date_of_birth"] = typed
    assert validate_submission(membership, data, today=TODAY)["members"][0]["date_of_birth"] == stored


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("31/02/2020", "is not a real date"),
        ("03/14/1991", "is not a real date"),  # an American date
        ("1991/03/14", "is not a date: use dd/mm/yyyy"),
        ("14/03/91", "is not a date: use dd/mm/yyyy"),
        ("2025-06-02", "date of birth is in the future"),
        ("1899-12-31", "date of birth is before 01/01/1900"),
    ],
)
def test_bad_dates(membership: FormDefinition, typed: str, problem: str) -> None:
    data = household()
    data["members"][0]["date_of_birth"] = typed
    assert problems_of(membership, data) == [FieldProblem("members[0].date_of_birth", problem)]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("yes", True),
        ("Y", True),
        ("TRUE", True),
        ("1", True),
        (1, True),
        ("no", False),
        ("N", False),
        ("false", False),
        ("0", False),
        (0, False),
    ],
)
def test_booleans_from_csv_imports(membership: FormDefinition, typed: object, stored: bool) -> None:
    data = household()
    data["members"][0]["interpreter_needed"] = typed
    assert validate_submission(membership, data, today=TODAY)["members"][0]["interpreter_needed"] is stored


def test_choices_accept_labels_and_other_capitals(membership: FormDefinition) -> None:
    data = household()
    data["members"][0]["gender"] = "Female"
    data["members"][0]["ethnicity"] = "Any other White background"
    data["members"][1]["role"] = " PARENT "
    out = validate_submission(membership, data, today=TODAY)
    assert out["members"][0]["gender"] == "female"
    assert out["members"][0]["ethnicity"] == "white-other"
    assert out["members"][1]["role"] == "parent"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("01934 888888", "01934 888888"),
        ("01934-888-888", "01934 888 888"),
        ("(01934) 888888", "01934 888888"),
        ("+44 (0)7700 900123", "+44 7700 900123"),
        ("0044 7700 900123", "+44 7700 900123"),
        ("07700900123", "07700900123"),
    ],
)
def test_phone_numbers_are_tidied(membership: FormDefinition, typed: str, stored: str) -> None:
    assert validate_submission(membership, household() | {"phone": typed}, today=TODAY)["phone"] == stored


@pytest.mark.parametrize("typed", ["12345", "call after 6", "07700 900123 ext 4", "0+7700900123"])
def test_things_that_are_not_phone_numbers(membership: FormDefinition, typed: str) -> None:
    assert problems_of(membership, household() | {"phone": typed}) == [
        FieldProblem("phone", "is not a phone number")
    ]


def test_email_domain_is_lower_cased_but_not_the_mailbox(membership: FormDefinition) -> None:
    out = validate_submission(membership, household() | {"email": " Jo.Bloggs@Example.ORG "}, today=TODAY)
    assert out["email"] == "Jo.Bloggs@example.org"
    assert problems_of(membership, household() | {"email": "jo@"}) == [
        FieldProblem("email", "is not an email address")
    ]


def test_self_described_gender_is_required_only_when_chosen(membership: FormDefinition) -> None:
    data = household()
    data["members"][0]["gender"] = "self-described"
    assert problems_of(membership, data) == [FieldProblem("members[0].gender_self_described", "is required")]
    data["members"][0]["gender_self_described"] = "  Genderfluid "
    assert validate_submission(membership, data, today=TODAY)["members"][0]["gender_self_described"] == (
        "Genderfluid"
    )
    # Chosen another way afterwards: the old description is not kept.
    data["members"][0]["gender"] = "female"
    assert "gender_self_described" not in validate_submission(membership, data, today=TODAY)["members"][0]


def test_date_of_birth_is_required_for_children_only(membership: FormDefinition) -> None:
    data = household()
    del data["members"][1]["date_of_birth"]  # an absent parent's may not be known
    del data["members"][3]["date_of_birth"]
    assert problems_of(membership, data) == [FieldProblem("members[3].date_of_birth", "is required")]


def test_other_services_items(membership: FormDefinition) -> None:
    data = household()
    data["other_services"] = [{"service": "", "contact": ""}, {"contact": "Jo on 01934 222222"}]
    assert problems_of(membership, data) == [FieldProblem("other_services[1].service", "is required")]


def test_unknown_keys_are_refused_not_dropped(membership: FormDefinition) -> None:
    data = household()
    data["surname"] = "Wójcik"
    data["members"][0]["nickname"] = "Io"
    assert problems_of(membership, data) == [
        FieldProblem("surname", "is not a field on this form"),
        FieldProblem("members[0].nickname", "is not a field on this form"),
    ]


def test_member_record_ids_pass_through(membership: FormDefinition) -> None:
    data = household()
    data["members"][0]["id"] = "0190f6d2-7a1b-7c3d-8e4f-001122334455"
    out = validate_submission(membership, data, today=TODAY)
    assert out["members"][0]["id"] == "0190f6d2-7a1b-7c3d-8e4f-001122334455"
    assert "id" not in out["members"][1]


def test_no_personal_value_appears_in_any_problem(membership: FormDefinition) -> None:
    personal = [
        "Wójcik",
        "Jane Smith",
        "BS23 9ZZZ",
        "2031-07-04",
        "jane.smith@",
        "07700 9OO123",
        "Graham Road",
    ]
    data = household()
    data["postcode"] = "BS23 9ZZZ"
    data["email"] = "jane.smith@"
    data["phone"] = "07700 9OO123"
    data["gp_practice"] = "Graham Road " * 20  # too long
    data["members"][0]["date_of_birth"] = "2031-07-04"
    data["members"][0]["gender"] = "Jane Smith"  # a CSV column mapped to the wrong field
    data["members"][1]["role"] = "Wójcik"
    data["members"][1]["lives_at_address"] = "Jane Smith"
    with pytest.raises(ValidationFailed) as caught:
        validate_submission(membership, data, today=TODAY)
    assert len(caught.value.problems) == 8
    text = str(caught.value) + repr(caught.value.problems)
    for value in personal:
        assert value not in text


def test_referral_asks_agency_details_only_of_agencies(referral: FormDefinition) -> None:
    assert validate_submission(referral, agency_referral(), today=TODAY, services=SERVICES)["family_agrees"]
    missing = agency_referral()
    del missing["agency_organisation"], missing["family_aware"]
    assert problems_of(referral, missing, services=SERVICES) == [
        FieldProblem("agency_organisation", "is required"),
        FieldProblem("family_aware", "is required"),
    ]
    self_referral = agency_referral() | {"source": "self"}
    out = validate_submission(referral, self_referral, today=TODAY, services=SERVICES)
    assert not {"agency_organisation", "referrer_name", "family_aware", "family_agrees"} & set(out)


def test_safeguarding_details_are_required_with_a_concern(referral: FormDefinition) -> None:
    data = agency_referral() | {"safeguarding_concern": "yes"}
    assert problems_of(referral, data, services=SERVICES) == [
        FieldProblem("safeguarding_details", "is required")
    ]


def test_referral_service_comes_from_the_organisation(referral: FormDefinition) -> None:
    by_name = validate_submission(
        referral, agency_referral() | {"service": "Early Help"}, today=TODAY, services=SERVICES
    )
    assert by_name["service"] == "early-help"
    assert problems_of(referral, agency_referral() | {"service": "adoption"}, services=SERVICES) == [
        FieldProblem("service", "is not one of the choices")
    ]
    with pytest.raises(ValueError, match="services"):
        validate_submission(referral, agency_referral(), today=TODAY)


def test_referral_date_received_cannot_be_in_the_future(referral: FormDefinition) -> None:
    data = agency_referral() | {"date_received": "02/06/2025"}
    assert problems_of(referral, data, services=SERVICES) == [
        FieldProblem("date_received", "date received is in the future")
    ]


# --- inline validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_id", "value", "problem"),
    [
        ("postcode", "bs231aa", None),
        ("postcode", "bs23", "is not a UK postcode"),
        ("postcode", "", "is required"),
        ("address_line2", "", None),
        ("members[2].date_of_birth", "01/01/2030", "date of birth is in the future"),
        ("date_of_birth", "14/03/1991", None),
        ("members[0].gender", "xx", "is not one of the choices"),
        ("members[0].gender_self_described", "", "is required"),  # asked only when shown
        ("other_services[0].service", "", "is required"),
        ("members[1].lives_at_address", "maybe", "must be yes or no"),
    ],
)
def test_validate_field_for_the_screen(
    membership: FormDefinition, field_id: str, value: object, problem: str | None
) -> None:
    assert validate_field(membership, field_id, value, today=TODAY) == problem


def test_validate_field_unknown_field(membership: FormDefinition) -> None:
    with pytest.raises(KeyError):
        validate_field(membership, "surname", "x", today=TODAY)


# --- features the shipped forms do not use yet ----------------------------------------------------

SMALL_FORM = """\
id: activities
version: 2
title: Activities
sections:
  - id: main
    title: Interests
    fields:
      - id: sessions
        label: Sessions of interest
        type: multichoice
        required: true
        special_category: false
        purpose: service-delivery
        validation: {max_items: 2}
        choices:
          - {value: stay-and-play, label: Stay and play}
          - {value: baby-massage, label: Baby massage}
          - {value: cooking, label: "Cooking, on a budget"}
      - id: cooking_diet
        label: Dietary needs
        type: text
        required: true
        shown_when: {field: sessions, in: [cooking]}
        special_category: true
        purpose: service-delivery
        validation:
          pattern: "[A-Za-z ,]+"
          pattern_message: use letters only
"""


def test_multichoice_and_patterns(tmp_path: Path) -> None:
    (tmp_path / "activities.yaml").write_text(SMALL_FORM, encoding="utf-8")
    form = load_form("activities", root=tmp_path)
    assert form.version == 2
    out = validate_submission(
        form, {"sessions": "Cooking, on a budget; stay-and-play", "cooking_diet": "Halal"}, today=TODAY
    )
    assert out == {"sessions": ["stay-and-play", "cooking"], "cooking_diet": "Halal"}
    assert validate_submission(form, {"sessions": ["baby-massage"], "cooking_diet": "x"}, today=TODAY) == {
        "sessions": ["baby-massage"]
    }
    with pytest.raises(ValidationFailed) as caught:
        validate_submission(form, {"sessions": ["cooking", "baby-massage", "stay-and-play"]}, today=TODAY)
    assert caught.value.problems == [FieldProblem("sessions", "has more than 2 choices")]
    with pytest.raises(ValidationFailed) as caught:
        validate_submission(
            form, {"sessions": ["cooking", "yoga"], "cooking_diet": "Nut allergy 2"}, today=TODAY
        )
    assert caught.value.problems == [FieldProblem("sessions", "is not one of the choices")]
    with pytest.raises(ValidationFailed) as caught:
        validate_submission(form, {"sessions": "cooking", "cooking_diet": "Nut allergy 2"}, today=TODAY)
    assert caught.value.problems == [FieldProblem("cooking_diet", "use letters only")]


# --- agreement with the organisation profiles -----------------------------------------------------


def test_every_purpose_a_form_names_exists_in_every_shipped_profile() -> None:
    from centre_desk.formspec.profiles import list_profiles, load_profile

    for profile_id, _ in list_profiles():
        organisation = load_profile(profile_id)
        known = {p.id for p in organisation.purposes}
        for form_id in ("membership", "referral"):
            used = {p for f in load_form(form_id).all_fields() for p in f.purposes}
            assert used <= known, (profile_id, form_id, used - known)
        services = [(s.id, s.name) for s in organisation.services]
        first = services[0][0]
        data = agency_referral() | {"service": first}
        assert (
            validate_submission(load_form("referral"), data, today=TODAY, services=services)["service"]
            == first
        )


# --- relationship to each child (membership version 3) -------------------------------------------


def _family(**step_dad: Any) -> dict[str, Any]:
    """Mum, her son from before, her daughter with Dariusz, and Dariusz (ids as stored)."""
    return {
        "address_line1": "4 Marine Parade", "town": "Clevedon", "postcode": "BS21 7QS",
        "members": [
            {"id": "p-mum", "first_name": "Zofia", "last_name": "Wiśniewska", "role": "parent"},
            {"id": "p-kacper", "first_name": "Kacper", "last_name": "Wiśniewski", "role": "child",
             "date_of_birth": "2019-02-01"},
            {"id": "p-zuza", "first_name": "Zuzanna", "last_name": "Wójcik", "role": "Child",
             "date_of_birth": "2023-05-03"},
            {"id": "p-dad", "first_name": "Dariusz", "last_name": "Wójcik", "role": "partner", **step_dad},
        ],
    }


def test_relationship_to_each_child_is_kept_by_person_id(membership: FormDefinition) -> None:
    data = _family(children={"p-zuza": {"relationship": "Birth parent", "parental_responsibility": "yes"},
                             "p-kacper": {"relationship": "step-parent", "parental_responsibility": False}})
    clean = validate_submission(membership, data, today=TODAY)
    dad = clean["members"][3]
    # In the household's order, labels made values, "yes" made True; keyed by id, not position.
    assert dad["children"] == {"p-kacper": {"relationship": "step-parent", "parental_responsibility": False},
                               "p-zuza": {"relationship": "birth-parent", "parental_responsibility": True}}
    assert list(dad["children"]) == ["p-kacper", "p-zuza"]
    # Reordered and renamed, the answers still belong to the same children.
    data["members"] = [data["members"][i] for i in (3, 2, 0, 1)]
    data["members"][1] = {**data["members"][1], "first_name": "Zuza"}
    again = validate_submission(membership, data, today=TODAY)["members"][0]["children"]
    assert again["p-zuza"]["relationship"] == "birth-parent" and again["p-kacper"]["relationship"] == "step-parent"


def test_an_answer_about_someone_who_is_not_a_child_here_is_left_out(membership: FormDefinition) -> None:
    data = _family(children={"p-zuza": {"relationship": "step-parent"}, "p-mum": {"relationship": "other"},
                             "p-gone": {"relationship": "other"}, "p-dad": {"relationship": "other"}})
    dad = validate_submission(membership, data, today=TODAY)["members"][3]
    assert dad["children"] == {"p-zuza": {"relationship": "step-parent"}}
    # A child's own entry never has the table (shown only for adults), and a blank table is no answer.
    data = _family(children={"p-zuza": {"relationship": "", "parental_responsibility": None}})
    assert "children" not in validate_submission(membership, data, today=TODAY)["members"][3]


def test_bad_answers_about_a_child_name_the_field_and_the_child_by_position(membership: FormDefinition) -> None:
    data = _family(children={"p-kacper": {"relationship": "Zuzanna's uncle"},
                             "p-zuza": {"parental_responsibility": "maybe", "favourite": "x"}})
    with pytest.raises(ValidationFailed) as caught:
        validate_submission(membership, data, today=TODAY)
    assert caught.value.problems == [
        FieldProblem("members[3].children[members[1]].relationship", "is not one of the choices"),
        FieldProblem("members[3].children[members[2]].parental_responsibility", "must be yes or no"),
        FieldProblem("members[3].children[members[2]].favourite", "is not a field on this form"),
    ]
    assert "Zuzanna" not in str(caught.value) and "p-zuza" not in str(caught.value)
    for shape, problem in (("step-parent", "must be a set of answers for each person"),
                           ({"p-zuza": "step-parent"}, "must be a set of answers")):
        with pytest.raises(ValidationFailed) as caught:
            validate_submission(membership, _family(children=shape), today=TODAY)
        assert caught.value.problems[0].problem.startswith(problem)
    # Checked one at a time as on screen, by the cell's path.
    assert validate_field(membership, "members[3].children[members[2]].relationship", "nope",
                          today=TODAY) == "is not one of the choices"
    assert validate_field(membership, "members[3].children[members[2]].relationship", "Step-parent",
                          today=TODAY) is None


def test_version_2_answers_count_for_every_child_and_are_saved_per_child(membership: FormDefinition) -> None:
    from centre_desk.formspec.submission import carry_forward

    old = _family(relationship_to_children="step-parent", parental_responsibility=True)
    shown = carry_forward(membership, old)["members"][3]
    assert "relationship_to_children" not in shown and "parental_responsibility" not in shown
    assert shown["children"] == {"p-kacper": {"relationship": "step-parent", "parental_responsibility": True},
                                 "p-zuza": {"relationship": "step-parent", "parental_responsibility": True}}
    assert old["members"][3]["relationship_to_children"] == "step-parent"  # a copy: the stored data untouched
    saved = validate_submission(membership, old, today=TODAY)["members"][3]
    assert saved["children"] == shown["children"]
    # "No" was an answer in version 2 and stays one; a version 1 household has nothing to carry.
    no = validate_submission(membership, _family(parental_responsibility=False), today=TODAY)["members"][3]
    assert no["children"] == {"p-kacper": {"parental_responsibility": False},
                              "p-zuza": {"parental_responsibility": False}}
    v1 = validate_submission(membership, _family(), today=TODAY)["members"][3]
    assert "children" not in v1


def test_new_people_get_ids_before_checking_so_answers_can_name_them(membership: FormDefinition) -> None:
    from centre_desk.formspec.submission import give_entry_ids

    data = _family(relationship_to_children="birth-parent")
    for m in data["members"]:
        del m["id"]
    data["members"].append({"first_name": "", "last_name": ""})  # a blank row is left as it is
    ids = iter(["n1", "n2", "n3", "n4"])
    given = give_entry_ids(membership, data, lambda: next(ids))
    assert [m.get("id") for m in given["members"]] == ["n1", "n2", "n3", "n4", None]
    dad = validate_submission(membership, given, today=TODAY)["members"][3]
    assert dad["children"] == {"n2": {"relationship": "birth-parent"}, "n3": {"relationship": "birth-parent"}}


def test_per_child_answers_in_words() -> None:
    from centre_desk.formspec.per_entry import describe_per_entry

    f = load_form("membership").field("children")
    value = {"p-zuza": {"relationship": "birth-parent", "parental_responsibility": True},
             "p-kacper": {"relationship": "step-parent", "parental_responsibility": False},
             "p-gone": {"relationship": "other"}}
    assert describe_per_entry(f, value, {"p-kacper": "Kacper", "p-zuza": "Zuzanna"}) == (
        "Kacper: Step-parent, parental responsibility: no; Zuzanna: Birth parent, parental responsibility: yes")
