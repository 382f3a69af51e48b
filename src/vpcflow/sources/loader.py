"""Finding and reading snapshot files, and dispatching each document by its top-level keys.

The only module here that touches the file system (``load_with_report``); everything it calls is
dict → model.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from vpcflow.errors import SnapshotError
from vpcflow.model import Snapshot
from vpcflow.sources.base import Collected, Ctx, Scope
from vpcflow.sources.prefix_lists import is_entries_document, parse_entries_document
from vpcflow.sources.registry import BY_KEY, DOCUMENT_PARSERS, KeyKind, classify, other_call
from vpcflow.sources.resolve import build

# us-east-1, us-gov-west-1, cn-north-1, us-iso-east-1, us-isob-east-1
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_ACCOUNT = re.compile(r"^\d{12}$")
BATFISH_DIR = "aws_configs"


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


def read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SnapshotError(
            "not UTF-8 text; expected JSON output of aws ec2 describe-*", source=str(path)
        ) from None
    except OSError as exc:
        raise SnapshotError(f"cannot read: {exc.strerror}", source=str(path)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError(
            f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", source=str(path)
        ) from None


def dispatch(doc: Any, ctx: Ctx) -> None:
    """Send each top-level key of one describe-* document to its parser (or count/warn it)."""
    if not isinstance(doc, dict):
        raise ctx.fail("$", f"expected a JSON object of describe-* output, found {type(doc).__name__}")
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
            ctx.warn("UNKNOWN_KEY", f"unknown top-level key {key!r} ignored", f"$.{key}", None)


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


def _files(root: Path) -> tuple[list[Path], list[Path]]:
    """(JSON files to read, other files ignored). Hidden files and directories are skipped; when the
    root holds ``aws_configs/``, only JSON under it is read (as Batfish does: ``hosts/``, ``configs/``
    and Terraform files are someone else's)."""
    if root.is_file():
        return [root], []
    found = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
    base = root / BATFISH_DIR
    scoped = base.is_dir()
    read, ignored = [], []
    for p in found:
        if p.suffix.lower() == ".json" and (not scoped or p.is_relative_to(base)):
            read.append(p)
        else:
            ignored.append(p)
    return read, ignored


def load_with_report(path: str | Path) -> LoadResult:
    """Load a snapshot directory (any depth) or one JSON file, and say what was read and ignored."""
    root = Path(path)
    if not root.exists():
        raise SnapshotError("no such file or directory", source=str(root))
    files, ignored = _files(root)
    if not files:
        raise SnapshotError(
            "no *.json files of describe-* output found"
            + (f" (ignored {len(ignored)} other files)" if ignored else ""),
            source=str(root),
        )
    out = Collected()
    out.ignored_files = [str(p) for p in ignored]
    for f in files:
        account, region = scope_of(f.parts[:-1] if BATFISH_DIR in f.parts else f.relative_to(root).parts[:-1])
        out.files.append(str(f))
        dispatch(read_json(f), Ctx(str(f), out, account, region))
    return _result(out)


def load_snapshot(path: str | Path) -> Snapshot:
    """Load a snapshot directory (any depth, every ``*.json``) or one JSON file of describe-* output."""
    return load_with_report(path).snapshot


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
