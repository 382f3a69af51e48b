"""Finding and reading snapshot files, and dispatching each document by its top-level keys.

The only module here that touches the file system (``load_with_report``); everything it calls is
dict → model.

What a file must be (anything else is one ``SnapshotError`` line naming the file, exit status 2):
UTF-8 JSON text (a UTF-8 byte-order mark is allowed), or UTF-16 with a byte-order mark — what Windows
PowerShell 5.1 writes when ``aws ec2 describe-… > file.json`` redirects the CLI's output. UTF-16 without a
byte-order mark, UTF-32, binary data (NUL bytes), invalid JSON, ``NaN``/``Infinity``, integers of more
than 4,300 digits, an object with the same key twice (AWS never writes one; which value counts would be
a guess), nesting deeper than Python's parser allows, and files over ``MAX_FILE_BYTES`` are refused.
Files that are not read (not ``*.json``, hidden, not regular files, outside ``aws_configs/``) are listed
in ``LoadResult.ignored_files`` and each gets a ``SKIPPED_FILE`` warning.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from vpcflow.errors import SnapshotError
from vpcflow.model import Snapshot, SnapshotWarning
from vpcflow.sources.base import Collected, Ctx, Scope, json_kind, printable, show
from vpcflow.sources.prefix_lists import is_entries_document, parse_entries_document
from vpcflow.sources.registry import BY_KEY, DOCUMENT_PARSERS, KeyKind, classify, other_call
from vpcflow.sources.resolve import build

# us-east-1, us-gov-west-1, cn-north-1, us-iso-east-1, us-isob-east-1
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_ACCOUNT = re.compile(r"^\d{12}$")
BATFISH_DIR = "aws_configs"
# The largest snapshot file read: parsed JSON takes several times its size in memory, and a real
# describe-* document of a 100,000-ENI account is a few hundred MB.
MAX_FILE_BYTES = 1 << 30


@dataclass(frozen=True)
class ScopeSummary:
    """What one (account, region) of the snapshot held: documents read and items per top-level key."""

    account: str | None
    region: str | None
    documents: int
    items: dict[str, int]


@dataclass(frozen=True)
class LoadResult:
    """A snapshot and what loading it saw, for ``snapshot info``."""

    snapshot: Snapshot
    files: tuple[str, ...]
    ignored_files: tuple[str, ...]
    scopes: tuple[ScopeSummary, ...]


def scope_of(dirs: Sequence[str]) -> Scope:
    """Account and region from Batfish's layout, given the directories above a file.

    ``aws_configs/<region>/``, ``aws_configs/<account>/<region>/`` (12-digit account) and
    ``aws_configs/accounts/<account>/<region>/`` (any account name, as in Batfish's tests); only the
    part after the last ``aws_configs`` counts when there is one. Region and account stay unknown when
    no directory looks like a region (Batfish would assume us-west-2; we do not guess).
    """
    if BATFISH_DIR in dirs:
        dirs = dirs[len(dirs) - list(reversed(dirs)).index(BATFISH_DIR) :]
    for i in range(len(dirs) - 1, -1, -1):
        if _REGION.match(dirs[i]):
            account = None
            if i >= 1 and (_ACCOUNT.match(dirs[i - 1]) or (i >= 2 and dirs[i - 2] == "accounts")):
                account = dirs[i - 1]
            return account, dirs[i]
    return None, None


_EXPECTED = "expected JSON output of aws ec2 describe-*"


def read_json(path: Path) -> Any:
    """One snapshot file as a JSON value; anything else is one ``SnapshotError`` naming the file."""
    source = str(path)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SnapshotError(f"cannot read: {exc.strerror or exc}", source=source) from None
    if len(data) > MAX_FILE_BYTES:
        raise SnapshotError(
            f"larger than {MAX_FILE_BYTES >> 20} MiB, the most one snapshot file may hold; split it "
            "(one describe-* call per file)",
            source=source,
        )
    return parse_json(decode(data, source), source)


def decode(data: bytes, source: str) -> str:
    """UTF-8 (BOM allowed) or UTF-16 with a BOM (Windows PowerShell's redirection) → text."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise SnapshotError(f"UTF-32 text; save it as UTF-8 ({_EXPECTED})", source=source)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")  # the BOM gives the byte order and is dropped
        except UnicodeDecodeError as exc:
            raise SnapshotError(f"invalid UTF-16 text at byte {exc.start}", source=source) from None
    if b"\x00" in data:
        raise SnapshotError(f"{_binary_kind(data)}; {_EXPECTED}", source=source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SnapshotError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); {_EXPECTED}",
            source=source,
        ) from None


def _binary_kind(data: bytes) -> str:
    """What text with NUL bytes most likely is: UTF-16/UTF-32 without a byte-order mark, or binary."""
    head = data[: 4096 - 4096 % 4]

    def zeros(*lanes: int) -> bool:  # every byte in these positions (mod the unit) is NUL
        unit = 4 if len(lanes) == 3 else 2
        return len(head) >= 2 * unit and all(not any(head[k::unit]) for k in lanes)

    if zeros(1, 2, 3) or zeros(0, 1, 2):
        return "UTF-32 text; save it as UTF-8"
    if zeros(1) or zeros(0):
        return "UTF-16 text without a byte-order mark; save it as UTF-8"
    return "binary data (NUL bytes), not JSON text"


class _Constant(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _Constant(name)


def parse_json(text: str, source: str) -> Any:
    """Strict JSON: no NaN/Infinity, no duplicate keys; depth and number size bounded by Python's
    parser (RecursionError, int digit limit) and reported as one error line."""
    dupes: list[tuple[dict[str, Any], str]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items) and not dupes:
            seen: set[str] = set()
            for k, _v in items:
                if k in seen:
                    dupes.append((obj, k))
                    break
                seen.add(k)
        return obj

    try:
        doc = json.loads(text, object_pairs_hook=pairs, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise SnapshotError(
            f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", source=source
        ) from None
    except _Constant as exc:
        raise SnapshotError(f"invalid JSON: {exc} is not a JSON value", source=source) from None
    except RecursionError:
        raise SnapshotError(
            "invalid JSON: nested too deeply (describe-* output is a few levels deep)", source=source
        ) from None
    except ValueError as exc:  # an integer over Python's digit limit (sys.get_int_max_str_digits)
        what = "an integer too long to convert" if "digits" in str(exc) else show(str(exc), 100)[1:-1]
        raise SnapshotError(f"invalid JSON: {what}", source=source) from None
    if dupes:
        obj, key = dupes[0]
        path = _path_of(doc, obj) or "$"
        rid = next((v for k, v in obj.items() if k.endswith("Id") and isinstance(v, str) and v), None)
        raise SnapshotError(
            f"duplicate key {show(key)} in one object (which value counts is undefined)",
            source=source,
            path=path,
            resource_id=rid,
        )
    return doc


def _path_of(doc: Any, target: object) -> str | None:
    """JSON path of the object ``target`` inside ``doc`` (iterative: any depth)."""
    stack: list[tuple[Any, str]] = [(doc, "$")]
    while stack:
        value, path = stack.pop()
        if value is target:
            return path
        if isinstance(value, dict):
            stack.extend((v, f"{path}.{printable(str(k))}") for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(value))
    return None


def dispatch(doc: Any, ctx: Ctx) -> None:
    """Send each top-level key of one describe-* document to its parser (or count/warn it)."""
    if not isinstance(doc, dict):
        raise ctx.fail("$", f"expected a JSON object of describe-* output, found {json_kind(doc)}")
    out = ctx.out
    scope = (ctx.account, ctx.region)
    out.scope_files[scope] += 1
    seen = out.scope_items.setdefault(scope, Counter())
    if is_entries_document(doc):
        before = sum(len(v) for v in out.prefix_list_entries.values())
        parse_entries_document(doc, ctx)
        seen["PrefixListEntries"] += sum(len(v) for v in out.prefix_list_entries.values()) - before
        return
    consumed: set[str] = set()
    for parser in DOCUMENT_PARSERS:
        if parser.key in doc and parser.key not in consumed:
            seen[parser.key] += parser.parse_document(doc, ctx)
            consumed |= {parser.key, *parser.companions}
    for key, value in doc.items():
        if key in consumed:
            continue
        ctx.resource = None  # no id from the previous key's items leaks into this one's errors
        kind = classify(key)
        if kind is KeyKind.PARSED:
            items = ctx.list_(value, f"$.{key}")
            call = other_call(key, items)
            if call is not None:
                _unparsed(ctx, seen, f"{key} ({call})", key, len(items), ignored=True)
                continue
            BY_KEY[key].parse(items, ctx)
            seen[key] += len(items)
        elif kind is KeyKind.IGNORED or kind is KeyKind.NOT_MODELLED:
            # not parsed, so a collector's odd shape is no error: a non-list counts as one item
            n = len(value) if isinstance(value, list) else 1
            _unparsed(ctx, seen, key, key, n, ignored=kind is KeyKind.IGNORED)
        elif kind is KeyKind.UNKNOWN and value not in ([], {}, None):
            # an empty unknown list carries nothing to lose (Batfish warns on non-empty ones too)
            seen[key] += len(value) if isinstance(value, list) else 1
            ctx.warn("UNKNOWN_KEY", f"unknown top-level key {show(key)} ignored", f"$.{printable(key)}", None)


def _unparsed(ctx: Ctx, seen: Counter[str], name: str, key: str, n: int, *, ignored: bool) -> None:
    """Count items of a known key that is not parsed; ``resolve`` turns the counts into warnings."""
    if not n:
        return
    out = ctx.out
    seen[name] += n
    out.unparsed_counts[name] = out.unparsed_counts.get(name, 0) + n
    out.unparsed_sources.setdefault(name, []).append(f"{ctx.source}: $.{key}")
    if ignored:
        out.ignored_keys.add(name)


def _files(root: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(JSON files to read, other entries not read with the reason). Nothing under the root goes
    unmentioned: hidden files and directories, symbolic links to directories (not followed), sockets,
    FIFOs and devices (never opened), non-JSON files, and — when the root holds ``aws_configs/`` — every
    file outside it (as Batfish does: ``hosts/``, ``configs/`` and Terraform files are someone else's)."""
    if root.is_file():
        return [root], []
    base = root / BATFISH_DIR
    scoped = base.is_dir()
    read: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    stack = [root]
    while stack:  # iterative: a deep directory tree is no RecursionError
        d = stack.pop()
        try:
            entries = list(os.scandir(d))
        except OSError as exc:
            skipped.append((d, f"directory not readable ({exc.strerror or exc})"))
            continue
        for e in entries:
            p = Path(e.path)
            try:
                is_link = e.is_symlink()
                is_dir = e.is_dir(follow_symlinks=False)
                mode = e.stat().st_mode if not is_dir else stat.S_IFDIR
            except OSError:
                skipped.append((p, "broken symbolic link" if is_link else "cannot be examined"))
                continue
            if e.name.startswith("."):
                skipped.append((p, "hidden directory" if is_dir else "hidden file"))
            elif is_dir:
                stack.append(p)
            elif stat.S_ISDIR(mode):
                skipped.append((p, "symbolic link to a directory (not followed)"))
            elif not stat.S_ISREG(mode):
                skipped.append((p, "not a regular file"))
            elif p.suffix.lower() != ".json":
                skipped.append((p, "not a .json file"))
            elif scoped and not p.is_relative_to(base):
                skipped.append((p, f"outside {BATFISH_DIR}/"))
            else:
                read.append(p)
    return sorted(read), sorted(skipped)


def load_with_report(path: str | Path, parameters: Mapping[str, str] | None = None) -> LoadResult:
    """Load a snapshot directory (any depth) or one JSON file, and say what was read and skipped.

    A Terraform plan/state, CloudFormation template or Terraform HCL is detected from its content
    (``vpcflow.sources.iac``); ``parameters`` are a template's parameter values."""
    root = Path(path)
    if not root.exists():
        raise SnapshotError("no such file or directory", source=str(root))
    if not root.is_dir() and not root.is_file():
        raise SnapshotError("not a regular file or directory", source=str(root))
    from vpcflow.sources.iac import load_iac  # imports this module

    iac = load_iac(root, parameters)
    if iac is not None:
        return iac
    files, skipped = _files(root)
    if not files:
        raise SnapshotError(
            "no *.json files of describe-* output found"
            + (f" (ignored {len(skipped)} other files)" if skipped else ""),
            source=str(root),
        )
    out = Collected()
    out.ignored_files = [str(p) for p, _reason in skipped]
    for p, reason in skipped:
        out.warnings.append(SnapshotWarning("SKIPPED_FILE", f"not read: {reason}", str(p)))
    for f in files:
        account, region = scope_of(f.parts[:-1] if BATFISH_DIR in f.parts else f.relative_to(root).parts[:-1])
        out.files.append(str(f))
        dispatch(read_json(f), Ctx(str(f), out, account, region))
    return _result(out)


def load_snapshot(path: str | Path, parameters: Mapping[str, str] | None = None) -> Snapshot:
    """Load a snapshot directory (any depth, every ``*.json``) or one JSON file of describe-* output,
    or a Terraform plan/state, CloudFormation template or Terraform HCL (detected from content)."""
    return load_with_report(path, parameters).snapshot


def load_snapshot_data(docs: Sequence[tuple[str, Any]]) -> Snapshot:
    """Build a snapshot from already-parsed documents ``(source name, JSON value)`` — tests, live import.

    The source name is read as a path for the Batfish layout, so ``aws_configs/123456789012/eu-west-1/
    x.json`` gives account and region; a plain name (``"sg"``) gives neither.
    """
    return load_data_with_report(docs).snapshot


def load_data_with_report(docs: Sequence[tuple[str, Any]]) -> LoadResult:
    out = Collected()
    for source, doc in docs:
        account, region = scope_of(PurePath(source).parts[:-1])
        out.files.append(source)
        dispatch(doc, Ctx(source, out, account, region))
    return _result(out)


def _scope_order(scope: Scope) -> tuple[bool, str, bool, str]:
    """Known accounts and regions first, alphabetically; unknown ones last."""
    account, region = scope
    return (account is None, account or "", region is None, region or "")


def _result(out: Collected) -> LoadResult:
    snapshot = build(out)
    scopes = tuple(
        ScopeSummary(scope[0], scope[1], out.scope_files[scope], dict(sorted(out.scope_items[scope].items())))
        for scope in sorted(out.scope_items, key=_scope_order)
    )
    return LoadResult(snapshot, tuple(out.files), tuple(out.ignored_files), scopes)
