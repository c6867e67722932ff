"""Turning typed errors from the core into plain messages: the edge where reactions are decided.

The core's messages are written for staff and carry no personal data, so they may be shown; an
unexpected exception's message might carry anything, so it never is.
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

from PySide6.QtWidgets import QMessageBox, QWidget

from centre_desk.domain.errors import (
    CentreDeskError,
    Conflict,
    DefinitionError,
    NotFound,
    PermissionDenied,
    SignInFailed,
    SignInThrottled,
    StoreError,
    ValidationFailed,
)

from .widgets import APP_NAME, throttle_message

log = logging.getLogger("centre_desk")

SIGN_IN_FAILED = "Sign-in failed. Check your username and password."
UNEXPECTED = (
    "Something went wrong and this action did not finish.\n\n"
    "Nothing personal has been written to the log. If it happens again, please tell your IT support."
)


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def describe(error: BaseException) -> str:
    """A message for staff. Unknown errors get a generic message, never their own text."""
    if isinstance(error, SignInThrottled):
        return throttle_message(error.wait_seconds)
    if isinstance(error, SignInFailed):
        return SIGN_IN_FAILED
    if isinstance(error, ValidationFailed):
        lines = [_sentence(f"{p.field.capitalize()} {p.problem}") for p in error.problems]
        return "\n".join(lines) or "Please check what you entered."
    if isinstance(error, PermissionDenied):
        return _sentence(f"Your role ({error.role}) does not allow this: {error.permission.replace('_', ' ')}")
    if isinstance(error, StoreError):
        return _sentence(f"The store could not be used: {error}")
    if isinstance(error, DefinitionError):
        return f"A settings file is wrong, please tell your IT support.\n\n{error}"
    if isinstance(error, Conflict | NotFound | CentreDeskError):
        return _sentence(str(error))
    return UNEXPECTED


def log_unexpected(exc_type: type[BaseException], tb: TracebackType | None) -> None:
    """Log the type and where it happened; never the message, which may hold personal data."""
    where = " <- ".join(f"{frame.name}:{frame.lineno}" for frame in reversed(traceback.extract_tb(tb)))
    log.error("unexpected %s at %s", exc_type.__name__, where or "(unknown)")


def show_error(parent: QWidget | None, error: BaseException, title: str = APP_NAME) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, title, describe(error), QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorMessage")
    box.setAccessibleName("Error message")
    box.exec()
