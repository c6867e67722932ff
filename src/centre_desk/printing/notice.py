"""Privacy notices: load a profile's notice template and print it, filled in from the profile.

The template (``resources/organisations/<id>/notices/privacy-notice.yaml``) holds the wording and
the order; the facts (names, contacts, purposes and their lawful bases, partners, retention, rights)
come from the organisation profile, so a notice can never disagree with what the application does.
A council IT administrator edits the template by hand, so every mistake is reported as a
DefinitionError naming the file, the key (with its line) and what is wrong.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, HRFlowable, Paragraph, Spacer, Table

from centre_desk.domain.documents import (
    NOTICE_ADDRESSES,
    NOTICE_CONDITIONS,
    NOTICE_LISTS,
    NoticeBlock,
    NoticeSection,
    NoticeTemplate,
    lawful_basis_text,
    long_date,
    retention_period_text,
)
from centre_desk.domain.errors import DefinitionError
from centre_desk.domain.organisation import CentreContact, ContactPoint, Organisation, PostalAddress
from centre_desk.formspec.form_files import fail, parse_yaml
from centre_desk.formspec.profiles import profiles_root

from .styles import (
    FRAME_WIDTH,
    MUTED,
    DocumentInfo,
    Styles,
    build_pdf,
    bullets,
    footer_parts,
    get_styles,
    grid_style,
    text,
)

_MUTED_HEX = "#" + MUTED.hexval()[2:]

NOTICES_FOLDER = "notices"
NOTICE_FILE = "privacy-notice.yaml"
FORMAT_VERSION = 1

# Placeholder -> what it is, for error messages.
PLACEHOLDERS: Mapping[str, str] = {
    "organisation": "the organisation's name",
    "data_controller": "the data controller",
    "centre": "the centre's name",
    "centre_phone": "the centre's phone number (set-up wizard)",
    "centre_email": "the centre's email address (set-up wizard)",
    "opening_hours": "the centre's opening hours (set-up wizard)",
    "organisation_address": "the organisation's postal address",
    "organisation_web": "the organisation's website",
    "dpo_name": "the data protection officer's name",
    "dpo_email": "the data protection officer's email address",
    "dpo_phone": "the data protection officer's phone number",
    "complaints_name": "who handles complaints",
    "complaints_email": "the complaints email address",
    "complaints_phone": "the complaints phone number",
    "regulator": "the regulator's name",
    "regulator_phone": "the regulator's phone number",
    "regulator_web": "the regulator's website",
    "regulator_other_ways": "other ways to reach the regulator",
    "legal_hold_reason": "the reason for the legal hold",
    "transfers_abroad": "what the profile says about sending information abroad",
    "version": "the notice version",
    "effective_date": "the date the notice takes effect",
}

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,19}$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_TOP_KEYS = ("format_version", "version", "effective_date", "title", "sections")
_SECTION_KEYS = ("heading", "blocks", "when")
_BLOCK_KINDS = ("text", "points", "list", "address")

Keys = list[str | int]


# --- loading -------------------------------------------------------------------------------------


def notice_path(profile_id: str, root: Path | None = None) -> Path:
    base = profiles_root() if root is None else root
    if not isinstance(profile_id, str) or not _ID.match(profile_id):
        # Checked before touching the file system so that an id cannot climb out of ``base``.
        raise DefinitionError(str(base), "profile id", f"{profile_id!r} is not a profile id")
    return base / profile_id / NOTICES_FOLDER / NOTICE_FILE


def load_notice_template(profile_id: str, root: Path | None = None) -> NoticeTemplate:
    """Load and check the privacy-notice template of a profile. Raises DefinitionError."""
    path = notice_path(profile_id, root)
    if not path.is_file():
        raise DefinitionError(
            str(path), "(file)", "this profile has no privacy notice template; copy one from another profile"
        )
    try:
        source = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DefinitionError(str(path), "(file)", "is not saved as UTF-8 text") from None
    except OSError as exc:
        raise DefinitionError(str(path), "(file)", f"cannot be read ({exc.strerror})") from None
    raw = parse_yaml(path, source)
    return _Checker(path, source).template(profile_id, raw)


class _Checker:
    def __init__(self, path: Path, source: str) -> None:
        self.path = path
        self.source = source

    def fail(self, keys: Keys, problem: str) -> NoReturn:
        fail(self.path, self.source, keys, problem)

    def mapping(self, raw: Any, keys: Keys, allowed: Sequence[str]) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.fail(keys, "should be a block of keys: " + ", ".join(allowed))
        for key in raw:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"; did you mean {close[0]}?" if close else "; allowed: " + ", ".join(allowed)
                self.fail([*keys, str(key)], "is not a key this part of a notice can have" + hint)
        return raw

    def required(self, raw: dict[str, Any], key: str, keys: Keys) -> Any:
        if key not in raw or raw[key] is None:
            self.fail([*keys, key], "is missing")
        return raw[key]

    def text(self, value: Any, keys: Keys) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(keys, "should be some text")
        for name in _PLACEHOLDER.findall(value):
            if name not in PLACEHOLDERS:
                close = difflib.get_close_matches(name, list(PLACEHOLDERS), n=1)
                hint = f"did you mean {{{close[0]}}}?" if close else "see the list at the top of the file"
                self.fail(keys, f"uses {{{name}}}, which is not a placeholder a notice can fill; {hint}")
        if "{" in _PLACEHOLDER.sub("", value) or "}" in _PLACEHOLDER.sub("", value):
            self.fail(keys, "has a '{' or '}' that is not part of a placeholder such as {organisation}")
        if value.count("**") % 2:
            self.fail(keys, "has an unmatched ** (bold text is marked with ** before and after it)")
        return " ".join(value.split())

    def template(self, profile_id: str, raw: Any) -> NoticeTemplate:
        doc = self.mapping(raw, [], _TOP_KEYS)
        fmt = self.required(doc, "format_version", [])
        if fmt != FORMAT_VERSION or isinstance(fmt, bool):
            self.fail(["format_version"], f"should be {FORMAT_VERSION}: this version of Centre Desk reads format "
                      f"{FORMAT_VERSION}")
        version = self.required(doc, "version", [])
        if not isinstance(version, str):
            self.fail(["version"], 'should be text in quotes, such as "2026.1" (without quotes 2026.10 would '
                      "read as 2026.1)")
        if not _VERSION.match(version):
            self.fail(["version"], "should be a short version such as 2026.1: letters, digits, dots and hyphens")
        effective = self.effective_date(self.required(doc, "effective_date", []))
        title = self.text(self.required(doc, "title", []), ["title"])
        raw_sections = self.required(doc, "sections", [])
        if not isinstance(raw_sections, list) or not raw_sections:
            self.fail(["sections"], "should be a list of at least one section")
        sections = tuple(self.section(s, ["sections", i]) for i, s in enumerate(raw_sections))
        self.essentials(sections)
        return NoticeTemplate(profile_id, version, effective, title, sections, str(self.path))

    def effective_date(self, value: Any) -> date:
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.fail(["effective_date"], "should be a date written as YYYY-MM-DD, for example 2026-01-05")

    def section(self, raw: Any, keys: Keys) -> NoticeSection:
        sec = self.mapping(raw, keys, _SECTION_KEYS)
        heading = self.text(self.required(sec, "heading", keys), [*keys, "heading"])
        when = sec.get("when")
        if when is not None and when not in NOTICE_CONDITIONS:
            self.fail([*keys, "when"], "should be one of: " + ", ".join(NOTICE_CONDITIONS))
        raw_blocks = self.required(sec, "blocks", keys)
        if not isinstance(raw_blocks, list) or not raw_blocks:
            self.fail([*keys, "blocks"], "should be a list of at least one block")
        blocks = tuple(self.block(b, [*keys, "blocks", i]) for i, b in enumerate(raw_blocks))
        return NoticeSection(heading, blocks, when, _key_text(keys))

    def block(self, raw: Any, keys: Keys) -> NoticeBlock:
        blk = self.mapping(raw, keys, _BLOCK_KINDS)
        if len(blk) != 1:
            self.fail(keys, "should have exactly one of: " + ", ".join(_BLOCK_KINDS))
        kind, value = next(iter(blk.items()))
        where = _key_text([*keys, kind])
        if kind == "text":
            return NoticeBlock("text", text=self.text(value, [*keys, kind]), key=where)
        if kind == "points":
            if not isinstance(value, list) or not value:
                self.fail([*keys, kind], "should be a list of at least one point")
            items = tuple(self.text(v, [*keys, kind, i]) for i, v in enumerate(value))
            return NoticeBlock("points", items=items, key=where)
        if kind == "list":
            if value not in NOTICE_LISTS:
                self.fail([*keys, kind], "should be one of: " + ", ".join(NOTICE_LISTS))
            return NoticeBlock("list", source=value, key=where)
        if value not in NOTICE_ADDRESSES:
            self.fail([*keys, kind], "should be one of: " + ", ".join(NOTICE_ADDRESSES))
        return NoticeBlock("address", source=value, key=where)

    def essentials(self, sections: Sequence[NoticeSection]) -> None:
        """What UK GDPR Articles 13 and 14 require every notice to tell people."""
        blocks = [b for s in sections for b in s.blocks]
        lists = {b.source for b in blocks if b.kind == "list"}
        addresses = {b.source for b in blocks if b.kind == "address"}
        words = " ".join(b.text + " ".join(b.items) for b in blocks) + " ".join(s.heading for s in sections)
        needs = [
            ("purposes" in lists, "a notice must say why information is used and the law that allows it; "
             "add a block 'list: purposes'"),
            ("retention" in lists, "a notice must say how long information is kept; add a block 'list: retention'"),
            ("rights" in lists, "a notice must explain people's rights; add a block 'list: rights'"),
            ("{dpo_email}" in words or "dpo" in addresses,
             "a notice must say how to contact the data protection officer; use {dpo_email} or 'address: dpo'"),
            ("regulator" in addresses or "{regulator_phone}" in words,
             "a notice must say how to complain to the regulator; add a block 'address: regulator'"),
        ]
        for ok, problem in needs:
            if not ok:
                self.fail(["sections"], problem)


def _key_text(keys: Sequence[str | int]) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


# --- filling in ----------------------------------------------------------------------------------


def placeholder_values(org: Organisation, centre_name: str, template: NoticeTemplate,
                       contact: CentreContact | None = None) -> dict[str, str | None]:
    """What each placeholder stands for; None where the profile (or the centre) does not say."""
    hold = org.legal_hold
    contact = contact or CentreContact()
    return {
        "organisation": org.name,
        "data_controller": org.data_controller or org.name,
        "centre": centre_name.strip() or org.name,
        "centre_phone": contact.phone or None,
        "centre_email": contact.email or None,
        "opening_hours": contact.opening_hours or None,
        "organisation_address": org.address.one_line(),
        "organisation_web": org.web,
        "dpo_name": org.dpo.name,
        "dpo_email": org.dpo.email,
        "dpo_phone": org.dpo.phone,
        "complaints_name": org.complaints.name,
        "complaints_email": org.complaints.email,
        "complaints_phone": org.complaints.phone,
        "regulator": org.regulator.name,
        "regulator_phone": org.regulator.phone,
        "regulator_web": org.regulator.web,
        "regulator_other_ways": org.regulator.other_ways,
        "legal_hold_reason": " ".join(hold.reason.split()) if hold.active and hold.reason.strip() else None,
        "transfers_abroad": " ".join(org.transfers_abroad.split()) or None,
        "version": template.version,
        "effective_date": long_date(template.effective_date),
    }


def fill(template_text: str, values: Mapping[str, str | None], *, source: str = "", key: str = "") -> str:
    """Template text -> Paragraph markup: escaped, ``**bold**`` as <b>, placeholders filled in."""
    marked = _BOLD.sub(r"<b>\1</b>", text(template_text))

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        filled = values.get(name)
        if not filled:
            what = PLACEHOLDERS.get(name, name)
            raise DefinitionError(source, key, f"uses {{{name}}}, but the organisation profile does not give {what}")
        return text(filled)

    return _PLACEHOLDER.sub(value, marked)


def section_applies(section: NoticeSection, org: Organisation) -> bool:
    if section.when is None:
        return True
    conditions: dict[str, Callable[[], bool]] = {
        "legal-hold": lambda: org.legal_hold.active,
        "consent-purposes": lambda: any(p.needs_consent for p in org.purposes),
        "transfers-abroad": lambda: bool(org.transfers_abroad.strip()),
    }
    return conditions[section.when]()


# --- printing ------------------------------------------------------------------------------------


class _NoticeStyles:
    def __init__(self, st: Styles) -> None:
        self.st = st
        indent = st.base_size * 1.4
        self.indented = ParagraphStyle("notice-indented", parent=st.body, leftIndent=indent)
        self.basis = ParagraphStyle("notice-basis", parent=st.body, leftIndent=indent, textColor=MUTED,
                                    fontSize=st.small.fontSize if not st.large_print else st.body.fontSize,
                                    leading=st.small.leading if not st.large_print else st.body.leading)
        self.address = ParagraphStyle("notice-address", parent=st.body, leftIndent=indent,
                                      spaceBefore=st.base_size * 0.2)


@lru_cache(maxsize=2)
def _notice_styles(large_print: bool) -> _NoticeStyles:
    return _NoticeStyles(get_styles(large_print))


def _address_lines(address: PostalAddress | None) -> list[str]:
    return [] if address is None else [*address.lines, address.postcode]


def _contact_markup(name: str, address: PostalAddress | None, *, phone: str | None = None,
                    email: str | None = None, web: str | None = None, other: str | None = None) -> str:
    lines = [f"<b>{text(name)}</b>", *(text(line) for line in _address_lines(address))]
    if phone:
        lines.append(f"Phone: <b>{text(phone)}</b>")
    if email:
        lines.append(f"Email: {text(email)}")
    if web:
        lines.append(f"Website: {text(web)}")
    if other:
        lines.append(text(other))
    return "<br/>".join(lines)


def _contact_point(point: ContactPoint) -> str:
    return _contact_markup(point.name, point.address, phone=point.phone, email=point.email, web=point.web)


def _list_block(source: str, org: Organisation, ns: _NoticeStyles) -> list[Flowable]:
    st = ns.st
    if source == "purposes":
        out: list[Flowable] = []
        for p in org.purposes:
            basis = "<b>The law that allows this:</b> " + text(lawful_basis_text(p.basis))
            # No KeepTogether: in large print one purpose is a third of a page, and holding each
            # whole would leave big gaps. The heading keeps with its first lines (keepWithNext).
            out += [Paragraph(text(p.name), st.h3), Paragraph(text(p.description), ns.indented),
                    Paragraph(basis, ns.basis)]
        return out
    if source == "consent-purposes":
        # Each is already described under the purposes; here the family sees what is their choice.
        return bullets([f"<b>{text(p.name)}</b>" + (" (we ask about each service separately)" if p.per_partner else "")
                        for p in org.purposes if p.needs_consent], st)
    if source == "partners":
        note = f'<br/><font color="{_MUTED_HEX}">' + "{}</font>"
        return bullets([text(p.name) + (note.format(text(p.description)) if p.description else "")
                        for p in org.partners], st)
    if source == "services":
        return bullets([f"<b>{text(s.name)}</b>" + (f": {text(s.description)}" if s.description else "")
                         for s in org.services], st)
    if source == "what-we-collect":
        return bullets([text(t) for t in org.what_we_collect], st)
    if source == "how-we-collect":
        return bullets([text(t) for t in org.how_we_collect], st)
    if source == "rights":
        return [flowable for r in org.rights
                for flowable in (Paragraph(text(r.name), st.h3), Paragraph(text(" ".join(r.how.split())), ns.indented))]
    # retention: a two-column table reads better than a list once there are many kinds of record.
    rows = [[Paragraph("<b>Kind of record</b>", st.cell), Paragraph("<b>How long we keep it</b>", st.cell)]]
    rows += [[Paragraph(text(r.name), st.cell), Paragraph(text(retention_period_text(r)), st.cell)]
             for r in org.retention]
    table = Table(rows, colWidths=[FRAME_WIDTH * 0.52, FRAME_WIDTH * 0.48], repeatRows=1,
                  style=grid_style(st, header=True), hAlign="LEFT")
    return [table, Spacer(1, st.base_size * 0.6)]


def _address_block(source: str, org: Organisation, ns: _NoticeStyles) -> list[Flowable]:
    if source == "regulator":
        reg = org.regulator
        markup = _contact_markup(reg.name, reg.address, phone=reg.phone, web=reg.web, other=reg.other_ways)
    elif source == "organisation":
        markup = _contact_markup(org.name, org.address, web=org.web)
    elif source == "dpo":
        markup = _contact_point(org.dpo)
    else:
        markup = _contact_point(org.complaints)
    return [Paragraph(markup, ns.address)]


def _block(block: NoticeBlock, org: Organisation, values: Mapping[str, str | None], ns: _NoticeStyles,
           source: str) -> list[Flowable]:
    if block.kind == "text":
        # A paragraph that introduces what follows ("They include:") stays on its page.
        style = ns.st.lead_in if block.text.rstrip().endswith(":") else ns.st.body
        return [Paragraph(fill(block.text, values, source=source, key=block.key), style)]
    if block.kind == "points":
        return bullets([fill(item, values, source=source, key=block.key) for item in block.items], ns.st)
    if block.kind == "list":
        return _list_block(block.source, org, ns)
    return _address_block(block.source, org, ns)


def notice_footer(template: NoticeTemplate) -> tuple[str, str]:
    return f"Privacy notice version {template.version}", f"in effect from {long_date(template.effective_date)}"


def render_privacy_notice(org: Organisation, centre_name: str, template: NoticeTemplate, *,
                          large_print: bool = False, contact: CentreContact | None = None) -> bytes:
    """The privacy notice as a PDF (A4, fonts embedded), standard or large print (16 pt). With the
    centre's ``contact`` details, they are printed under its name."""
    ns = _notice_styles(large_print)
    st = ns.st
    values = placeholder_values(org, centre_name, template, contact)
    src = template.source
    title = fill(template.title, values, source=src, key="title")
    story: list[Flowable] = [
        Paragraph(title, st.title),
        Paragraph(text(org.name), st.subtitle),
    ]
    centre = values["centre"]
    if centre and centre != org.name:
        story.append(Paragraph(text(centre), st.meta))
    if contact is not None and contact.lines():
        story.append(Paragraph(" · ".join(text(line) for line in contact.lines()), st.meta))
    story += [
        Paragraph(f"Version <b>{text(template.version)}</b> · in effect from "
                  f"{text(long_date(template.effective_date))}", st.meta),
        HRFlowable(width="100%", thickness=0.8, color=MUTED, spaceBefore=st.base_size * 0.4,
                   spaceAfter=st.base_size * 0.2),
    ]
    for section in template.sections:
        if not section_applies(section, org):
            continue
        story.append(Paragraph(fill(section.heading, values, source=src, key=section.key + ".heading"), st.h2))
        for block in section.blocks:
            story += _block(block, org, values, ns, src)
    plain_title = re.sub(r"<[^>]+>", "", title).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    info = DocumentInfo(
        title=plain_title,
        subject=f"Privacy notice version {template.version} ({'large print' if large_print else 'standard print'})",
        author=org.name,
        footer=footer_parts(notice_footer(template), org.name, st),
    )
    return build_pdf(story, info, st)
