"""Typed errors raised by the core.

Messages are composed for staff, never include personal data (names, addresses, dates of birth)
and never include key material. The UI and CLI decide how to show them.
"""

from __future__ import annotations


class CentreDeskError(Exception):
    """Base class for every error the core raises on purpose."""


class FieldProblem:
    """One problem with one input field: which field and what is wrong, in plain words."""

    __slots__ = ("field", "problem", "record")

    def __init__(self, field: str, problem: str, record: int | None = None) -> None:
        self.field = field
        self.problem = problem
        self.record = record

    def __str__(self) -> str:
        prefix = f"record {self.record}: " if self.record is not None else ""
        return f"{prefix}{self.field}: {self.problem}"

    def __repr__(self) -> str:
        return f"FieldProblem({self.field!r}, {self.problem!r}, record={self.record!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, FieldProblem)
            and (self.field, self.problem, self.record) == (other.field, other.problem, other.record)
        )

    def __hash__(self) -> int:
        return hash((self.field, self.problem, self.record))


class ValidationFailed(CentreDeskError):
    """Input was refused; nothing was saved. Carries every problem found, not only the first."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems) or "invalid input")

    @classmethod
    def one(cls, field: str, problem: str) -> ValidationFailed:
        return cls([FieldProblem(field, problem)])


class PermissionDenied(CentreDeskError):
    """The signed-in member of staff's role does not allow this action."""

    def __init__(self, role: str, permission: str) -> None:
        self.role = role
        self.permission = permission
        super().__init__(f"the {role} role may not {permission.replace('_', ' ')}")


class SignInFailed(CentreDeskError):
    """Wrong username or password. Deliberately does not say which."""

    def __init__(self) -> None:
        super().__init__("sign-in failed")


class SignInNeedsServer(CentreDeskError):
    """A member with no key slot on this device: their first sign-in here must reach the server."""

    def __init__(self, reason: str = "") -> None:
        super().__init__("first sign-in on this device needs a connection to the server"
                         + (f" ({reason})" if reason else "") + "; connect and try again")


class SignInThrottled(CentreDeskError):
    """Too many failed sign-ins for this username: the caller must wait."""

    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        super().__init__(f"sign-in failed: too many attempts, wait {wait_seconds} seconds and try again")


class NotFound(CentreDeskError):
    """A record, staff member or file that was asked for does not exist."""


class Conflict(CentreDeskError):
    """The action clashes with what already exists (a duplicate username, an existing store)."""


class StoreError(CentreDeskError):
    """The encrypted store cannot be opened or used (missing, damaged, not SQLCipher)."""


class DefinitionError(CentreDeskError):
    """A declarative definition (organisation profile, form) is wrong.

    Names the file, the key and the problem so that a council IT admin can mend it.
    """

    def __init__(self, path: str, key: str, problem: str) -> None:
        self.path = path
        self.key = key
        self.problem = problem
        super().__init__(f"{path}: {key}: {problem}")
