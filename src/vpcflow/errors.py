"""Errors vpcflow raises. One root; each carries where the problem is.

    VpcflowError
    ├── InputError          bad user input: a file, a JSON path or line, what was expected
    │   └── SnapshotError   a snapshot file that cannot be loaded
    ├── QueryError          a query that cannot be answered (unknown endpoint, bad option value)
    └── UsageError          a command line that cannot be run (missing command, contradictory options)

The CLI maps every ``VpcflowError`` to exit status 2 and prints ``str(error)`` on one line (control
characters escaped: an error may quote a bad value from a file).
"""

from __future__ import annotations


class VpcflowError(Exception):
    """Root of every error vpcflow raises on purpose."""


class InputError(VpcflowError):
    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        path: str | None = None,
        resource_id: str | None = None,
    ):
        self.source = source
        self.path = path
        self.detail = message
        self.resource_id = resource_id
        at = f"at {path}" + (f" ({resource_id})" if resource_id else "") if path else None
        where = ""
        if source:
            where = f"{source}: " if not at else f"{source}: {at}: "
        elif at:
            where = f"{at}: "
        super().__init__(f"{where}{message}")


class SnapshotError(InputError):
    pass


class QueryError(VpcflowError):
    pass


class UsageError(VpcflowError):
    """The command line itself is wrong: a missing command, options that contradict each other."""
