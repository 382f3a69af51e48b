"""Errors vpcflow raises. One root; each carries where the problem is.

    VpcflowError
    ├── InputError          bad user input: a file, a JSON path or line, what was expected
    │   └── SnapshotError   a snapshot file that cannot be loaded
    └── QueryError          a query that cannot be answered (unknown endpoint, bad option value)

The CLI maps every ``VpcflowError`` to exit status 2 and prints ``str(error)`` on one line.
"""

from __future__ import annotations


class VpcflowError(Exception):
    """Root of every error vpcflow raises on purpose."""


class InputError(VpcflowError):
    def __init__(self, message: str, *, source: str | None = None, path: str | None = None):
        self.source = source
        self.path = path
        where = ""
        if source:
            where = f"{source}: " if not path else f"{source}: at {path}: "
        elif path:
            where = f"at {path}: "
        super().__init__(f"{where}{message}")


class SnapshotError(InputError):
    """A snapshot file that cannot be loaded; ``resource_id`` names the resource being read, if known."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        path: str | None = None,
        resource_id: str | None = None,
    ):
        self.resource_id = resource_id
        super().__init__(message, source=source, path=path)


class QueryError(VpcflowError):
    pass
