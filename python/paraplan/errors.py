"""Exceptions raised by paraplan.

Each carries the one-line message the ``paraplan`` CLI prints for the same input, and the CLI's exit code as
``exit_code``.
"""

from __future__ import annotations

__all__ = ["ParaPlanError", "InputError", "InfeasibleError", "PlanningError", "LibraryError"]


class ParaPlanError(Exception):
    """Base class of every error paraplan raises."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(ParaPlanError, ValueError):
    """Bad input: a file, option, array or number the planners refuse (the CLI's exit code 2)."""

    exit_code = 2


class InfeasibleError(ParaPlanError):
    """The inputs are valid but no plan exists (a sequence longer than any group, caps that cannot be met; exit 3)."""

    exit_code = 3


class PlanningError(ParaPlanError):
    """An internal failure of the library (exit code 1); please report it with the inputs."""

    exit_code = 1


class LibraryError(PlanningError, ImportError):
    """The native library is missing or its ABI does not match this package."""


def from_status(status: int, message: str) -> ParaPlanError:
    """The exception for a status code of the C ABI."""
    if status == 2:
        return InputError(message)
    if status == 3:
        return InfeasibleError(message)
    return PlanningError(message)
