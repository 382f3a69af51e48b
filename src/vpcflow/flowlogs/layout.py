"""Where the store's files go, and how each one is written so that a crash never leaves half of it.

Every file of the store is written aside — a hidden temporary name in its final folder, unique to the
process and the call (``.<name>.<pid>.<random>.tmp``) — flushed to disk, then renamed over its final name,
and the folder itself is flushed so the rename survives a power cut. A reader therefore sees either no
file or a whole one. Partition values (account id, region, date) are checked against AWS's formats before
they become folder names, and every path is checked to stay under the store's root.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
from collections.abc import Callable
from pathlib import Path

from vpcflow.errors import InputError

TMP_SUFFIX = ".tmp"
UNKNOWN = "unknown"  # the partition of records whose account, region or date is not known

# https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html: 12 digits
ACCOUNT_ID = re.compile(r"\d{12}")
# Region codes: https://docs.aws.amazon.com/general/latest/gr/rande.html (us-east-1, us-gov-west-1,
# cn-north-1, ap-southeast-2, eu-central-2, us-isob-east-1, ...): lowercase words joined by hyphens, then
# a number
REGION = re.compile(r"[a-z]{2}(?:-[a-z]+){1,3}-\d{1,2}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def partition_value(kind: str, value: object) -> str:
    """A partition value that is safe as a folder name: the value when it has AWS's format, else
    ``unknown`` (records keep their own field values; only the folder falls back)."""
    if value is None:
        return UNKNOWN
    text = str(value)
    pattern = {"account": ACCOUNT_ID, "region": REGION, "date": DATE}[kind]
    return text if pattern.fullmatch(text) else UNKNOWN


def check_partition(account: str, region: str, date: str) -> None:
    """Refuse partition values that are neither AWS-formatted nor ``unknown`` (never a path)."""
    for kind, value in (("account", account), ("region", region), ("date", date)):
        if value != UNKNOWN and partition_value(kind, value) != value:
            raise InputError(f"refusing {kind} {value!r} as a partition: not in AWS's format")


def under(root: Path, path: Path) -> Path:
    """``path`` when it stays under ``root`` (no ``..`` or symlink escapes), else an InputError."""
    base = root.resolve()
    resolved = path.resolve()
    if resolved != base and base not in resolved.parents:
        raise InputError(f"refusing to write outside {root}: {path}")
    return path


def durable() -> bool:
    """Flush to disk before renaming and committing (the default). ``VPCFLOW_FSYNC=0`` skips the flushes:
    a process that dies still leaves a consistent store (the kernel keeps what was written), only a power
    cut could lose committed objects. For test suites and throwaway stores."""
    return os.environ.get("VPCFLOW_FSYNC", "1") != "0"


def fsync_fd(fd: int) -> None:
    if durable():
        os.fsync(fd)


def fsync_file(path: Path) -> None:
    if durable():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename or unlink in it) to disk."""
    if not durable():
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_CRASHES: dict[str, int] = {}


def crash_point(name: str) -> None:
    """Test hook for the crash tests: ``VPCFLOW_CRASH_AT=<name>:<n>`` kills this process (SIGKILL, as a
    power cut or the OOM killer would) the n-th time it gets here. Does nothing otherwise."""
    spec = os.environ.get("VPCFLOW_CRASH_AT")
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if point != name:
        return
    _CRASHES[name] = _CRASHES.get(name, 0) + 1
    if _CRASHES[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def temp_name(target: Path) -> Path:
    """A hidden name beside ``target``, unique to this process and call; readers never list it."""
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}")


def is_temp(name: str) -> bool:
    return name.startswith(".") and name.endswith(TMP_SUFFIX)


def write_aside(target: Path, write: Callable[[Path], None]) -> Path:
    """Write ``target`` through ``write(temp_path)``, flush it, and return the temporary path (not yet
    renamed: ``publish`` does that). On any failure the temporary file is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(target)
    try:
        write(tmp)
        fsync_file(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def publish(tmp: Path, target: Path, *, sync: bool = True) -> None:
    """Rename a file written aside over its final name (atomic), then flush the folder."""
    os.replace(tmp, target)
    if sync:
        fsync_dir(target.parent)


def write_atomic(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data``: whole or not at all."""

    def write(path: Path) -> None:
        path.write_bytes(data)

    publish(write_aside(target, write), target)
