"""Subject access packs and portability packages.

A subject access pack for one person holds: their details (every field entered for them); the
children of the household when they hold parental responsibility (see ``children_basis``); the
household's own details, with other adults' details redacted (name and role only, or "another
adult" when they live elsewhere); every consent decision by or for them, withdrawals included;
every referral, contact and disclosure concerning them; the change history of their fields; their
rights requests; and where the data came from.

Before release a manager reviews it: the referral fields the form marks ``family_copy: false``
are withheld by default, each withholding recorded with its exemption (safeguarding details
under the serious-harm exemption, who referred under the third-party exemption). The reviewer
may release any of them (``release``) or withhold more (``withhold``). The released pack says
what was withheld, in general terms, and a ``sar-release`` record keeps the item list with the
exemptions (keys only, never the withheld values).

Portability: a household's data as JSON and CSV, a manifest and SHA-256 checksums, in the same
shape ``import_portability`` reads back into Centre Desk.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from centre_desk.domain.documents import PlainDocument, PlainSection
from centre_desk.domain.errors import FieldProblem, NotFound, ValidationFailed
from centre_desk.domain.household import Household, Member
from centre_desk.domain.ids import uuid7
from centre_desk.domain.organisation import Organisation
from centre_desk.domain.rights import BASIS_NAMES, SAR_RELEASE
from centre_desk.domain.staff import Permission
from centre_desk.domain.text import NOTE_MAX_LENGTH, check_text
from centre_desk.formspec.model import FormDefinition
from centre_desk.formspec.per_entry import per_entry_lines

from .consent import consent_history
from .disclosures import disclosures_of
from .documents import DocumentRenderer
from .households import current_shape
from .importing import PERSON_REF
from .importing import REQUIRED_HOUSEHOLD_KEYS as IMPORT_HOUSEHOLD_KEYS
from .importing import REQUIRED_MEMBER_KEYS as IMPORT_MEMBER_KEYS
from .profile import form, profile_of
from .rights import objections_of, requests_of, restrictions_of
from .session import DeskSession

SAR_SCHEMA = "centre-desk/subject-access/2"  # 2: children chosen per child (basis)
PORTABILITY_SCHEMA = "centre-desk/portability/1"
EXEMPT_SAFEGUARDING = "serious harm (Data Protection Act 2018, sch. 3 para. 7 and 8: social work and health data)"
EXEMPT_THIRD_PARTY = "third-party information (Data Protection Act 2018, sch. 2 para. 16)"
GENERAL_TERMS = {
    EXEMPT_SAFEGUARDING: "Some information recorded about keeping children or adults safe, because releasing it "
                         "could cause serious harm.",
    EXEMPT_THIRD_PARTY: "The identity of people who referred your family to us or told us about you, because it "
                        "is their information as well as yours.",
}
REDACTED = "[redacted: another adult's details]"
REDACTED_CHILD = "[redacted: a child whose information is not part of this copy]"


@dataclass(frozen=True)
class Withholding:
    item: str  # e.g. "referral:<id>.referrer_name": a key, never the value
    exemption: str
    what: str = ""  # in words, for the reviewer: "Referral of 05/01/2026: who referred"
    # The withheld value itself, for the reviewing manager's eyes only: never recorded, logged or
    # written to the released pack.
    value: str = field(default="", repr=False, compare=False)


# Why the requester's pack holds the household's children (``children_basis`` in the JSON; each
# child in the pack also says its own ``basis``).
PR_RECORDED = "recorded"  # the form records that they hold parental responsibility for the children in the pack
PR_PRESUMED = "presumed"  # not recorded (an older household, or left blank): a parent or carer at the address
PR_SOME = "some-children"  # they hold it for some of the children only: only those are in the pack
PR_NOT_HELD = "not-held"  # recorded as not holding it, or not a parent or carer at the address
PR_EXCLUDED = "excluded"  # the reviewer left the children out
CHILDREN_BASIS = {
    PR_RECORDED: "They are recorded as holding parental responsibility for the children.",
    PR_PRESUMED: "Parental responsibility is not recorded for every child (an older household, or left blank): as "
                 "a parent or carer living with the children they are presumed to hold it where it is not. Check, "
                 "and leave the children out if they do not.",
    PR_SOME: "They hold parental responsibility for some of the household's children only (recorded for each "
             "child, or presumed where it is not recorded): only those children's information is part of their "
             "copy.",
    PR_NOT_HELD: "They are not recorded as holding parental responsibility for the children, so the children's "
                 "information is not part of their copy.",
    PR_EXCLUDED: "The reviewer left the children's information out of this copy.",
}
# The same, as the family reads it in their copy (CHILDREN_BASIS is the reviewer's wording).
CHILDREN_IN_COPY = {
    PR_RECORDED: "You are recorded as holding parental responsibility for these children, so their information "
                 "is part of this copy.",
    PR_PRESUMED: "As a parent or carer living with these children you are taken to hold parental responsibility "
                 "for them, so their information is part of this copy.",
    PR_SOME: "You hold parental responsibility for some of the household's children only: only their information "
             "is part of this copy.",
    PR_NOT_HELD: "You are not recorded as holding parental responsibility for the children, so their information "
                 "is not part of this copy.",
    PR_EXCLUDED: "The children's information is not part of this copy.",
}
# The membership form's answers about each child (version 3): relationship and parental responsibility.
PER_CHILD_FIELD = "children"
PR_ITEM = "parental_responsibility"


@dataclass
class SubjectAccessPack:
    person_id: str
    household_id: str
    data: dict[str, Any]  # the JSON document
    withheld: list[Withholding] = field(default_factory=list)
    document: PlainDocument | None = None

    def json_bytes(self) -> bytes:
        return (json.dumps(self.data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _iso(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _referral_exemptions(definition: FormDefinition) -> dict[str, str]:
    """Referral fields withheld by default and why: those the form keeps off family copies."""
    out = {}
    for section in definition.sections:
        for f in section.fields:
            if not f.family_copy:
                out[f.id] = EXEMPT_SAFEGUARDING if section.id == "safeguarding" else EXEMPT_THIRD_PARTY
    return out


def children_basis(requester: Member, h: Household, today: date) -> dict[str, str]:
    """For each child of the household (person id): whether the requester's pack holds them, and why.

    Form version 3 records parental responsibility for each child on the adult's entry
    (``children``: child's person id -> answers); a version 2 household's one answer counts for
    every child (``current_shape``). Yes includes that child (wherever the adult lives: a parent
    living elsewhere keeps it), no leaves that child out. Where it is not recorded for a child
    (every version 1 household, or an answer left blank) a parent or carer living at the address is
    presumed to hold it, as before, and the reviewer is told so and may leave the children out;
    anyone else's pack does not hold that child. ``h`` must be in the current shape."""
    kids = [m for m in h.members if m.id != requester.id and m.is_child(today)]
    if requester.is_child(today):
        return {m.id: PR_NOT_HELD for m in kids}
    answers = requester.fields.get(PER_CHILD_FIELD)
    answers = answers if isinstance(answers, Mapping) else {}
    presumed = requester.lives_here and requester.role in ("parent", "carer")
    out = {}
    for child in kids:
        row = answers.get(child.id)
        recorded = row.get(PR_ITEM) if isinstance(row, Mapping) else None
        if recorded is True:
            out[child.id] = PR_RECORDED
        elif recorded is False:
            out[child.id] = PR_NOT_HELD
        else:
            out[child.id] = PR_PRESUMED if presumed else PR_NOT_HELD
    return out


def _covered(h: Household, requester: Member, today: date,
             include_children: bool) -> tuple[list[Member], str, dict[str, str]]:
    """The requester, then the children whose information they may see; the basis for it in one
    word (``children_basis`` in the JSON) and for each child."""
    each = children_basis(requester, h, today)
    held = [cid for cid, why in each.items() if why in (PR_RECORDED, PR_PRESUMED)]
    if not held:
        basis = PR_NOT_HELD
    elif not include_children:
        basis = PR_EXCLUDED
    elif len(held) < len(each):
        basis = PR_SOME
    elif any(each[cid] == PR_PRESUMED for cid in held):
        basis = PR_PRESUMED
    else:
        basis = PR_RECORDED
    people = [requester]
    if basis != PR_EXCLUDED:
        people += [m for m in h.members if m.id in held]
    return people, basis, each


def _other_member(m: Member, today: date) -> dict[str, Any]:
    return {"id": m.id, "role": m.role, "details": REDACTED_CHILD if m.is_child(today) else REDACTED}


def build_subject_access(session: DeskSession, person_id: str, *, release: Sequence[str] = (),
                         withhold: Sequence[tuple[str, str]] = (), include_children: bool = True) -> SubjectAccessPack:
    """Assemble (without releasing) the pack for one person: what a reviewing manager looks at.
    ``include_children=False`` leaves out children the requester would otherwise see."""
    session.require(Permission.RIGHTS_REQUESTS)
    org = profile_of(session)
    today = session.clock.today()
    referral_form = form("referral")
    exempt = _referral_exemptions(referral_form)
    with session.store.reader() as uow:
        person_id = uow.rights.resolve_person(person_id)  # a folded entry's id: the person it became
        hid = uow.rights.household_of(person_id)
        h = uow.households.get(hid) if hid else None
        if h is None or hid is None:
            raise NotFound("no such person")
        h = current_shape(h)
        requester = h.member(person_id)
        covered, basis, each_basis = _covered(h, requester, today, include_children)
        ids = {m.id for m in covered}
        referrals = [r for r in uow.referrals.for_household(hid) if not r.person_ids or ids & set(r.person_ids)]
        contacts = uow.households.contacts(hid)
        history = uow.households.history(hid)
        disclosures = [d for d in disclosures_of(uow, hid) if not d.person_ids or ids & set(d.person_ids)]
        requests = [r for r in requests_of(uow, hid) if r.person_id in ids]
        restrictions = [r for r in restrictions_of(uow, hid) if r.person_id is None or r.person_id in ids]
        objections = [o for o in objections_of(uow, hid) if o.person_id in ids]
        staff = {m.id: m.username for m in uow.staff.all()}
        household_row_source = (h.created_at, h.form_id, h.form_version)
        flagged = h.safeguarding_concern
    consents = [line for line in consent_history(session, hid)
                if line.event.person_id in ids or line.event.given_by == person_id]

    withheld: list[Withholding] = []
    released = set(release)
    extra = {item: why for item, why in withhold}

    labels = _labels()

    def keep(item: str, value: Any, default_exemption: str | None, what: str = "") -> Any:
        exemption = extra.get(item) or (default_exemption if item not in released else None)
        if exemption and value not in (None, "", [], False):
            withheld.append(Withholding(item, exemption, what or item, _show(value)))
            return None
        return value

    def label(field_id: str) -> str:
        return labels.get(field_id, (field_id.replace("_", " ").capitalize(), {}))[0]

    first_names = {m.id: m.first_name for m in h.members}

    def per_child(m: Member, value: Any, item: str | None = None) -> Any:
        """The requester's answers about each child: those about a child outside the pack are also
        that child's information, so they are withheld by default (third party) for the reviewer
        (in their details and in the change history alike)."""
        if not isinstance(value, Mapping):
            return value
        kept = {cid: keep(f"{item or f'person:{m.id}.{PER_CHILD_FIELD}'}.{cid}", row,
                          None if cid in ids else EXEMPT_THIRD_PARTY,
                          f"{m.full_name}: {label(PER_CHILD_FIELD).lower()}: {first_names.get(cid, 'a child')}")
                for cid, row in value.items()}
        return {cid: row for cid, row in kept.items() if row is not None} or None

    def changed(at: datetime, c: Any, side: str) -> Any:
        value = c.old if side == "old" else c.new
        item = f"history:{at.isoformat()}.{c.field}.{side}"
        person_id, _, key = c.field[len("member:"):].partition(".")
        if c.field.startswith("member:") and key == PER_CHILD_FIELD and person_id in ids:
            return per_child(h.member(person_id) if person_id in first_names else requester, value, item)
        return keep(item, value, None)

    def person(m: Member) -> dict[str, Any]:
        return {"id": m.id, "fields": {
            k: keep(f"person:{m.id}.{k}", per_child(m, v) if k == PER_CHILD_FIELD else v, None,
                    f"{m.full_name}: {label(k)}")
            for k, v in sorted(m.fields.items())}}

    data: dict[str, Any] = {
        "schema": SAR_SCHEMA,
        "organisation": {"id": org.id, "name": org.name, "data_controller": org.data_controller or org.name,
                         "dpo_email": org.dpo.email},
        "generated_at": session.clock.now().isoformat(),
        "person_id": person_id,
        "person": person(requester),
        "children": [{**person(m), "basis": each_basis[m.id]} for m in covered[1:]],
        "children_basis": basis,
        "household": {
            "id": hid,
            "fields": {k: keep(f"household.{k}", v, None, f"Household: {label(k)}")
                       for k, v in sorted(h.fields.items())},
            "other_members": [_other_member(m, today) for m in h.members if m.id not in ids],
        },
        "consents": [{
            "id": c.event.id, "person_id": c.event.person_id, "purpose": c.event.purpose_id,
            "purpose_name": c.purpose_name, "partner": c.event.partner_id, "decision": c.event.decision.value,
            "method": c.event.method.value, "recorded_at": c.event.recorded_at.isoformat(),
            "notice_version": c.event.notice_version, "given_by": c.event.given_by,
            "has_signature": c.event.signature_png is not None, "note": c.event.note, "current": c.current,
        } for c in consents],
        "referrals": [{
            "id": r.id, "person_ids": list(r.person_ids), "recorded_at": r.recorded_at.isoformat(),
            "status": r.status,
            "fields": {k: keep(f"referral:{r.id}.{k}", _iso(v), exempt.get(k),
                               f"Referral of {r.recorded_at:%d/%m/%Y}: {label(k)}")
                       for k, v in sorted(r.fields.items())},
            "steps": [{"status": e.status, "date": e.on.isoformat(), "note": e.note} for e in r.events],
        } for r in referrals],
        # Contact notes of a household with a safeguarding concern are left off family copies; here
        # they are withheld by default, for the reviewer to release.
        "contacts": [{"id": c["id"], "date": c["date"], "type": c["type"],
                      "note": keep(f"contact:{c['id']}.note", c.get("note", ""),
                                   EXEMPT_SAFEGUARDING if flagged else None,
                                   f"Note of the contact on {_show(c['date'])}")} for c in contacts],
        # A share the family was deliberately not told about (it would put someone at risk) is
        # withheld whole by default.
        "disclosures": [{
            "id": d.id, "person_ids": list(d.person_ids), "recipient": d.recipient_name, "agreement": d.agreement_id,
            "purpose": d.purpose, "basis": d.basis.value, "basis_name": BASIS_NAMES[d.basis], "shared": d.shared,
            "date": d.on.isoformat(), "family_told_on": _iso(d.told_on), "not_told_reason": d.not_told_reason,
        } for d in disclosures
            if not d.not_told_reason or keep(
                f"disclosure:{d.id}", f"{d.recipient_name}: {d.shared} (not told: {d.not_told_reason})",
                EXEMPT_SAFEGUARDING, f"Sharing with {d.recipient_name} on {d.on:%d/%m/%Y}, which the family "
                                     "was not told about")],
        "history": [{"at": at.isoformat(), "by": who, "changes": [
            {"field": c.field, "old": changed(at, c, "old"), "new": changed(at, c, "new")}
            for c in changes if _concerns(c.field, ids)]}
            for at, who, changes in history if any(_concerns(c.field, ids) for c in changes)],
        "rights_requests": [{"id": r.id, "person_id": r.person_id, "kind": r.kind.value,
                             "received": r.received.isoformat(), "due": r.due.isoformat(),
                             "status": r.status.value, "outcome": r.outcome} for r in requests],
        "restrictions": [{"person_id": r.person_id, "restricted": r.restricted, "at": r.at.isoformat()}
                         for r in restrictions],
        "objections": [{"person_id": o.person_id, "purpose": o.purpose_id, "upheld": o.upheld, "outcome": o.outcome,
                        "at": o.at.isoformat()} for o in objections],
        "sources": _sources(household_row_source, referrals, staff),
    }
    data["withheld"] = sorted({GENERAL_TERMS.get(w.exemption, "Some information, under an exemption in the law.")
                               for w in withheld})
    pack = SubjectAccessPack(person_id, hid, data, withheld)
    pack.document = _document(org, session.clock.now(), data, h, covered, first_names)
    return pack


def _concerns(field_name: str, ids: set[str]) -> bool:
    if field_name.startswith("member:"):
        return field_name[len("member:"):].split(".")[0] in ids
    return True  # household fields: the family's own


def _sources(household: tuple[datetime, str, int], referrals: list[Any], staff: Mapping[str, str]) -> list[str]:
    created, form_id, version = household
    out = [f"The household's details: the {form_id} form (version {version}), filled in with you on "
           f"{created:%d/%m/%Y}."]
    for r in referrals:
        source = r.fields.get("source")
        how = {"self": "you asked us yourselves", "agency": "another service referred you"}.get(str(source),
                                                                                             "a referral")
        out.append(f"A referral recorded on {r.recorded_at:%d/%m/%Y}: {how}.")
    out.append("Contacts, consent decisions and any sharing were recorded by our staff as they happened.")
    return out


_LABELS: dict[str, tuple[str, dict[str, str], bool]] = {}


def _labels() -> dict[str, tuple[str, dict[str, str], bool]]:
    """Field id -> (its label on the form, choice value -> words, whether its choices are the
    organisation's services), from both forms."""
    if not _LABELS:
        for form_id in ("membership", "referral"):
            for f in form(form_id).all_fields():
                _LABELS.setdefault(f.id, (f.label, {str(c.value): c.label for c in f.choices},
                                          f.choices_from == "services"))
    return _LABELS


def _rows(fields: Mapping[str, Any], services: Mapping[str, str] | None = None,
          names: Mapping[str, str] | None = None) -> tuple[tuple[str, str], ...]:
    """Label and words for every filled field. ``services``: the profile's service id -> name, for
    a ``choices_from: services`` field (a referral's service); an id the profile does not know is
    shown as it is. ``names``: child id -> first name, for the per-child answers."""
    labels = _labels()
    out = []
    for k, v in fields.items():
        if v in (None, "", [], {}):
            continue
        if k == PER_CHILD_FIELD and isinstance(v, Mapping):
            # One line per child: "Relationship to Zuzanna: Birth parent, parental responsibility: yes".
            field_def = form("membership").field(PER_CHILD_FIELD)
            out += [(f"Relationship to {name}", words)
                    for _cid, name, words in per_entry_lines(field_def, v, names or {})]
            continue
        label, choices, from_services = labels.get(k, (k.replace("_", " ").capitalize(), {}, False))
        if from_services:
            choices = dict(services or {})
        if isinstance(v, list) and choices:
            text = ", ".join(choices.get(str(x), str(x)) for x in v)
        else:
            text = choices.get(str(v), _show(v)) if not isinstance(v, bool | dict | list) else _show(v)
        out.append((label, text))
    return tuple(out)


def _change_lines(on: str, change: Mapping[str, Any], services: Mapping[str, str],
                  names: Mapping[str, str]) -> list[str]:
    """One change to the requester's details in words, as the rest of the pack says them: the
    field's label and its values ("Relationship to Zuzanna: (empty) → Birth parent, ..."), never
    the stored field name or an id."""
    field = str(change["field"])
    key = field.rpartition(".")[2] if field.startswith("member:") else field
    before = dict(_rows({key: change.get("old")}, services, names))
    after = dict(_rows({key: change.get("new")}, services, names))
    return [f"{on}: {label}: {before.get(label, '(empty)')} → {after.get(label, '(empty)')}"
            for label in dict.fromkeys([*before, *after])]


def _show(value: Any) -> str:
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return f"{date.fromisoformat(value):%d/%m/%Y}"
        except ValueError:
            return value
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items())
    return str(value)


def _document(org: Organisation, now: datetime, data: dict[str, Any], h: Household, covered: list[Member],
              first_names: Mapping[str, str]) -> PlainDocument:
    org_name = org.name
    services = {s.id: s.name for s in org.services}
    names = {m.id: m.full_name for m in covered}
    person = data["person"]
    sections = [
        PlainSection("Your details", rows=_rows(person["fields"], services, first_names)),
    ]
    if data["children"]:
        sections.append(PlainSection("Your children", parts=tuple(
            PlainSection(names[c["id"]], rows=_rows(c["fields"], services, first_names)) for c in data["children"]),
            paragraphs=(CHILDREN_IN_COPY[data["children_basis"]],)))
    others = data["household"]["other_members"]
    sections.append(PlainSection(
        "Your household", rows=_rows(data["household"]["fields"], services),
        paragraphs=((f"{len(others)} other member(s) of the household are recorded; their details are theirs "
                     "and are not part of this copy.",) if others else ())))
    sections.append(PlainSection("Consent decisions", paragraphs=tuple(
        f"{c['recorded_at'][:10]}: {names.get(c['person_id'], 'a member of the household')}: {c['decision']} "
        f"for {c['purpose_name']}{' (' + c['partner'] + ')' if c['partner'] else ''}, {c['method']}, notice "
        f"{c['notice_version']}" for c in data["consents"]) or ("No consent decisions recorded.",)))
    sections.append(PlainSection("Referrals", parts=tuple(
        PlainSection(f"Referral recorded {r['recorded_at'][:10]} (status: {r['status']})",
                     rows=_rows({k: v for k, v in r["fields"].items() if v is not None}, services))
        for r in data["referrals"]), paragraphs=() if data["referrals"] else ("No referrals recorded.",)))
    sections.append(PlainSection("Contact with our services", paragraphs=tuple(
        f"{c['date']}: {c['type'].replace('-', ' ')}{': ' + c['note'] if c['note'] else ''}"
        for c in data["contacts"]) or ("No contacts recorded.",)))
    sections.append(PlainSection("Who we shared your information with", parts=tuple(
        PlainSection(f"{d['date']}: {d['recipient']}", rows=(
            ("Purpose", d["purpose"]), ("Lawful basis", d["basis_name"]), ("What was shared", d["shared"]),
            ("You were told", d["family_told_on"] or (d["not_told_reason"] or "not told")),
        )) for d in data["disclosures"]), paragraphs=() if data["disclosures"] else ("No sharing recorded.",)))
    if data["history"]:
        sections.append(PlainSection("Changes to your details", paragraphs=tuple(
            line for e in data["history"] for c in e["changes"]
            for line in _change_lines(e["at"][:10], c, services, first_names))))
    sections.append(PlainSection("Where your information came from", paragraphs=tuple(data["sources"])))
    sections.append(PlainSection("What this copy leaves out", paragraphs=tuple(data["withheld"]) or (
        "Nothing was withheld.",)))
    return PlainDocument(
        title="Your information: subject access", organisation_name=org_name,
        reference=f"person {data['person_id']}", printed_at=now, sections=tuple(sections),
        subject="Subject access pack",
        intro=("This is a copy of the information we hold about you, as the law gives you the right to see. "
               "If anything is wrong, tell us and we will correct it.",))


@dataclass(frozen=True)
class ReleasedPack:
    pdf: bytes
    json: bytes
    withheld: list[Withholding]
    release_id: str


def _release_reasons(release: Sequence[str], reasons: Mapping[str, str] | None) -> dict[str, str]:
    """Each released item's reason (required for every one when reasons are given: the window)."""
    if reasons is None:
        return {}
    out, problems = {}, []
    for item in release:
        why = (reasons.get(item) or "").strip()
        problem = "is required: say why this item may be released" if not why else \
            check_text(why, multiline=True, max_length=NOTE_MAX_LENGTH)
        if problem:
            problems.append(FieldProblem(f"reason for releasing {item}", problem))
        out[item] = why
    if problems:
        raise ValidationFailed(problems)
    return out


def preview_subject_access(session: DeskSession, renderer: DocumentRenderer, person_id: str, *,
                           release: Sequence[str] = (), withhold: Sequence[tuple[str, str]] = (),
                           include_children: bool = True) -> bytes:
    """The PDF the reviewed pack would be, for the reviewer to read before release. Nothing is
    released or recorded but the audit entry (the reviewer has seen the pack)."""
    session.require(Permission.RIGHTS_REQUESTS)
    pack = build_subject_access(session, person_id, release=release, withhold=withhold,
                                include_children=include_children)
    assert pack.document is not None
    pdf = renderer.plain_document(profile_of(session), pack.document)
    with session.uow() as uow:
        session.audit(uow, "subject-access.previewed", pack.household_id,
                      f"person {person_id}; {len(pack.withheld)} withheld")
        uow.commit()
    return pdf


def release_subject_access(session: DeskSession, renderer: DocumentRenderer, person_id: str, *,
                           release: Sequence[str] = (), withhold: Sequence[tuple[str, str]] = (),
                           request_id: str | None = None, reasons: Mapping[str, str] | None = None,
                           include_children: bool = True) -> ReleasedPack:
    """The reviewed pack as PDF and JSON bytes; the release and each withholding are recorded.
    ``reasons`` (item -> why it may be released) is required for every released item when given."""
    session.require(Permission.RIGHTS_REQUESTS)
    session.require(Permission.EXPORT)
    why_released = _release_reasons(release, reasons)
    pack = build_subject_access(session, person_id, release=release, withhold=withhold,
                                include_children=include_children)
    assert pack.document is not None
    org = profile_of(session)
    pdf = renderer.plain_document(org, pack.document)
    body = pack.json_bytes()
    rid = uuid7()
    with session.uow() as uow:
        if request_id is not None and request_id not in {r.id for r in requests_of(uow, pack.household_id)}:
            raise ValidationFailed.one("request", "is not a rights request of this household")
        uow.rights.add(SAR_RELEASE, rid, pack.household_id, {
            "person_id": person_id, "request_id": request_id,
            "withheld": [{"item": w.item, "exemption": w.exemption} for w in pack.withheld],
            "released": [{"item": item, "reason": why_released.get(item, "")} for item in release],
            "children_basis": pack.data["children_basis"],
            "sha256": {"pdf": hashlib.sha256(pdf).hexdigest(), "json": hashlib.sha256(body).hexdigest()},
        }, session.actor.id, session.clock.now())
        session.audit(uow, "export.subject-access", pack.household_id,
                      f"person {person_id}; {len(pack.withheld)} withheld")
        uow.commit()
    return ReleasedPack(pdf, body, pack.withheld, rid)


# -- portability -------------------------------------------------------------------------------------
def _csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(columns)
    for r in rows:
        w.writerow([_show(r.get(c)) if r.get(c) is not None else "" for c in columns])
    return out.getvalue().encode("utf-8")


def portability_package(session: DeskSession, household_id: str) -> dict[str, bytes]:
    """Files of a portability package (name -> bytes): household.json (the membership form's
    answers, importable), people.csv, consents.json, contacts.csv, referrals.json, manifest.json
    and SHA256SUMS. Audited as an export."""
    session.require(Permission.EXPORT)
    with session.store.reader() as uow:
        h = uow.households.get(household_id)
        if h is None:
            raise NotFound("no such household")
        contacts = uow.households.contacts(household_id)
        referrals = uow.referrals.for_household(household_id)
        consents = uow.consents.for_household(household_id)
    org = profile_of(session)
    # The import format: the membership form's answers, no ids (the receiving desk gives its own),
    # every required column present, contacts as date and type.
    record: dict[str, Any] = {k: None for k in IMPORT_HOUSEHOLD_KEYS}
    record.update(h.fields)
    # Each member's person_ref is this desk's person id: the answers about each child are keyed
    # by it, and the receiving desk's import keys them by the ids it gives instead.
    h = current_shape(h)
    record["members"] = [{**{k: None for k in IMPORT_MEMBER_KEYS}, **m.fields, PERSON_REF: m.id} for m in h.members]
    record["contacts"] = [{"date": c["date"], "type": c["type"]} for c in contacts]
    files: dict[str, bytes] = {
        "household.json": (json.dumps([record], ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode(),
        # Answers about each child as JSON in their cell, keyed by the person_id column's ids.
        "people.csv": _csv([{"person_id": m.id, **{k: json.dumps(v, sort_keys=True) if isinstance(v, dict) else v
                                                   for k, v in m.fields.items()}} for m in h.members],
                           ["person_id", *sorted({k for m in h.members for k in m.fields})]),
        "consents.json": json.dumps([{
            "person_id": e.person_id, "purpose": e.purpose_id, "partner": e.partner_id, "decision": e.decision.value,
            "method": e.method.value, "recorded_at": e.recorded_at.isoformat(), "notice_version": e.notice_version,
            "given_by": e.given_by} for e in consents], ensure_ascii=False, indent=2).encode(),
        "contacts.csv": _csv(contacts, ["date", "type", "note"]),
        "referrals.json": json.dumps([{"person_ids": list(r.person_ids), "status": r.status,
                                       "fields": {k: _iso(v) for k, v in r.fields.items()}}
                                      for r in referrals], ensure_ascii=False, indent=2).encode(),
    }
    sums = {name: hashlib.sha256(body).hexdigest() for name, body in sorted(files.items())}
    manifest = {"schema": PORTABILITY_SCHEMA, "from": {"organisation": org.id, "name": org.name},
                "household_id": household_id, "created_at": session.clock.now().isoformat(),
                "form": {"id": h.form_id, "version": h.form_version}, "files": sums,
                "import": "centre-desk-admin import household.json (the membership form's answers)"}
    files["manifest.json"] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    sums["manifest.json"] = hashlib.sha256(files["manifest.json"]).hexdigest()
    files["SHA256SUMS"] = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items())).encode()
    with session.uow() as uow:
        session.audit(uow, "export.portability", household_id, f"{len(files)} files")
        uow.commit()
    return files


def verify_package(files: Mapping[str, bytes]) -> list[str]:
    """Names of the files whose SHA-256 does not match SHA256SUMS (empty: intact)."""
    listed = {}
    for line in files["SHA256SUMS"].decode().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    return sorted(n for n, d in listed.items() if n not in files or hashlib.sha256(files[n]).hexdigest() != d)
