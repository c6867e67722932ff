"""The organisation profile and forms of the signed-in store, loaded once per process."""

from __future__ import annotations

from functools import cache

from centre_desk.domain.organisation import Organisation
from centre_desk.formspec.forms import load_form
from centre_desk.formspec.model import FormDefinition
from centre_desk.formspec.profiles import load_profile

from .session import DeskSession


@cache
def _profile(profile_id: str) -> Organisation:
    return load_profile(profile_id)


@cache
def form(form_id: str) -> FormDefinition:
    return load_form(form_id)


def profile_of(session: DeskSession) -> Organisation:
    with session.store.reader() as uow:
        profile_id = uow.settings.get("profile_id")
    if not profile_id:
        raise LookupError("the store has no organisation profile")
    return _profile(profile_id)


def service_choices(org: Organisation) -> list[tuple[str, str]]:
    return [(s.id, s.name) for s in org.services]
