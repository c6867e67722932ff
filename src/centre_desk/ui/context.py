"""What the windows are given instead of reaching for globals: the parts behind the services' ports,
the organisation profiles, the background-task helper, and a few settings tests may override.

The composition root (``centre_desk.app``) builds one of these; tests build their own around a
temporary data directory. Nothing here imports storage or security: the UI sees only Protocols.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from centre_desk.domain.clock import Clock
from centre_desk.domain.errors import CentreDeskError
from centre_desk.domain.organisation import Organisation
from centre_desk.files import write_private_file
from centre_desk.services.ports import (
    BackupArchives,
    PasswordPolicy,
    PersonMatcher,
    ReleaseConnect,
    SignInThrottle,
    StoreGate,
    UsernameGuard,
)
from centre_desk.services.session import DeskSession

if TYPE_CHECKING:
    from centre_desk.services.documents import DocumentRenderer
    from centre_desk.services.sync import Connect

    from .tasks import TaskRunner

log = logging.getLogger(__name__)

DEFAULT_IDLE_LOCK_MINUTES = 5
"""Used when the store's organisation profile cannot be read: lock early rather than never."""


@dataclass(frozen=True)
class StoreParts:
    """The adapters the sign-in and set-up services need."""

    gate: StoreGate
    throttle: SignInThrottle
    clock: Clock
    passwords: PasswordPolicy
    release: ReleaseConnect | None = None  # an enrolled device's first sign-in online
    # For the administrator's pages (staff, backups); a desk built without them does not offer those.
    usernames: UsernameGuard | None = None
    backups: BackupArchives | None = None


class PrintingUnavailable(CentreDeskError):
    """The desk was started without a document renderer (some tests do)."""


def no_renderer() -> DocumentRenderer:
    """Stands in for a renderer where none was given: printing then says it is not set up."""
    raise PrintingUnavailable("printing is not set up on this desk")


class ProfileSource(Protocol):
    def list_profiles(self) -> list[tuple[str, str]]: ...

    def load_profile(self, profile_id: str) -> Organisation: ...


class FormspecProfiles:
    """The organisation profiles shipped in ``resources/``.

    ``formspec.profiles`` pulls in YAML and JSON Schema, so it is imported on first use rather than
    while the first window is being drawn.
    """

    def list_profiles(self) -> list[tuple[str, str]]:
        from centre_desk.formspec.profiles import list_profiles

        return list_profiles()

    def load_profile(self, profile_id: str) -> Organisation:
        from centre_desk.formspec.profiles import load_profile

        return load_profile(profile_id)


class AppContext:
    """Everything a window needs from outside the UI.

    ``parts`` may be given ready-made (tests) or as a factory (the app, where building them imports
    SQLAlchemy and SQLCipher). The factory runs once, on whichever thread first asks; the windows
    only ask from background tasks, so the GUI thread never waits for it.

    ``renderer`` is a factory for the document renderer behind ``services.documents`` (the app's
    imports ReportLab, so it too is built on first use, in a background task).
    """

    def __init__(self, data_dir: Path, parts: StoreParts | Callable[[], StoreParts], tasks: TaskRunner,
                 profiles: ProfileSource | None = None, *,
                 idle_lock_seconds: float | None = None,
                 renderer: Callable[[], DocumentRenderer] | None = None,
                 matcher: Callable[[], PersonMatcher] | None = None) -> None:
        self.data_dir = data_dir
        self.tasks = tasks
        self.profiles: ProfileSource = profiles or FormspecProfiles()
        self.idle_lock_seconds = idle_lock_seconds
        self._parts: StoreParts | None = parts if isinstance(parts, StoreParts) else None
        self._factory: Callable[[], StoreParts] | None = None if isinstance(parts, StoreParts) else parts
        self._renderer: DocumentRenderer | None = None
        self._renderer_factory = renderer
        # This desk's training store, in its own data directory (services.training), when the
        # composition root offers one: the set-up wizard can create it instead of the real store.
        self.training: AppContext | None = None
        # How the window reaches the sync server (``services.sync.Connect``), when the composition
        # root offers one; without it the window never syncs, enrolled or not.
        self.sync_connect: Connect | None = None
        self._lock = threading.Lock()
        self._renderer_lock = threading.Lock()
        self._matcher: PersonMatcher | None = None
        self._matcher_factory = matcher or default_matcher

    def parts(self) -> StoreParts:
        if self._parts is None:
            with self._lock:
                if self._parts is None:
                    assert self._factory is not None
                    self._parts = self._factory()
        return self._parts

    @property
    def can_print(self) -> bool:
        return self._renderer_factory is not None

    def renderer(self) -> DocumentRenderer:
        """The document renderer, built on first use. Ask from a background task."""
        if self._renderer is None:
            with self._renderer_lock:
                if self._renderer is None:
                    self._renderer = (self._renderer_factory or no_renderer)()
        return self._renderer

    def matcher(self) -> PersonMatcher:
        """The duplicate matcher (``services.ports.PersonMatcher``), built on first use."""
        if self._matcher is None:
            with self._renderer_lock:
                if self._matcher is None:
                    self._matcher = self._matcher_factory()
        return self._matcher


def default_matcher() -> PersonMatcher:
    from centre_desk.formspec.resources import resources_dir
    from centre_desk.matching import PeopleMatcher, load_nicknames

    return PeopleMatcher(load_nicknames(resources_dir()))


@dataclass(frozen=True)
class Workplace:
    """What the main window shows about where it is: none of it is personal data."""

    centre_name: str
    organisation: Organisation | None
    training: bool

    @property
    def organisation_name(self) -> str:
        return self.organisation.name if self.organisation is not None else ""

    @property
    def idle_lock_seconds(self) -> float:
        minutes = self.organisation.idle_lock_minutes if self.organisation is not None else None
        return 60.0 * (minutes or DEFAULT_IDLE_LOCK_MINUTES)


@dataclass(frozen=True)
class SignedIn:
    """The result of signing in or setting up: an open session and where it is."""

    session: DeskSession
    workplace: Workplace


def read_workplace(session: DeskSession, profiles: ProfileSource) -> Workplace:
    """Read the centre's settings and its organisation profile. Run it off the GUI thread."""
    with session.uow() as uow:
        centre_name = uow.settings.get("centre_name") or ""
        profile_id = uow.settings.get("profile_id") or ""
        training = uow.settings.get("training") == "1"
    organisation: Organisation | None = None
    if profile_id:
        try:
            organisation = profiles.load_profile(profile_id)
        except CentreDeskError as exc:
            # The desk still works without its profile (the lock falls back to the default); the
            # administrator learns about the broken profile from centre-desk-admin.
            log.warning("organisation profile could not be loaded: %s", type(exc).__name__)
    return Workplace(centre_name, organisation, training)


# The centre's name, outside the encrypted store, so that the sign-in window can say which centre's
# desk this is before anyone signs in. It is the centre's public name and nothing else; it is
# written after each sign-in (so a renamed centre shows its new name next time) and never trusted
# beyond showing it.
CENTRE_NAME_FILE = "centre-name.txt"
CENTRE_NAME_MAX = 120


def remembered_centre_name(data_dir: Path) -> str:
    try:
        text = (data_dir / CENTRE_NAME_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    name = " ".join(text.split())
    return name[:CENTRE_NAME_MAX] if name.isprintable() else ""


def remember_centre_name(data_dir: Path, name: str) -> None:
    """Best effort: a desk whose folder cannot take the file simply shows no name at sign-in."""
    name = " ".join(name.split())[:CENTRE_NAME_MAX]
    if not name or remembered_centre_name(data_dir) == name:
        return
    with contextlib.suppress(OSError):
        write_private_file(data_dir / CENTRE_NAME_FILE, lambda: name.encode("utf-8"))
