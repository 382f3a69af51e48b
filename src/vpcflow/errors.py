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
        """``source: at path: resource_id: message`` (each part only when known), e.g.
        ``sg.json: at $.SecurityGroups[3].IpPermissions[0].IpRanges[1].CidrIp: sg-0abc: invalid CIDR …``."""
        self.source = source
        self.path = path
        self.detail = message
        self.resource_id = resource_id
        parts = [p for p in (source, f"at {path}" if path else None) if p]
        if resource_id:
            # an id comes from the input: control characters escaped so the message stays one line
            parts.append(resource_id if resource_id.isprintable() else repr(resource_id)[1:-1])
        super().__init__(": ".join([*parts, message]))


class SnapshotError(InputError):
    """A snapshot file that cannot be loaded; ``resource_id`` names the resource being read, if known."""


class QueryError(VpcflowError):
    pass


class UsageError(VpcflowError):
    """The command line itself is wrong: a missing command, options that contradict each other."""
