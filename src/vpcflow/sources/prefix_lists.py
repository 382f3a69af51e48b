"""Prefix lists: AWS-managed (describe-prefix-lists) and customer-managed (describe-managed-prefix-lists).

Both describe calls answer under the key ``PrefixLists``: describe-prefix-lists items carry ``Cidrs``,
describe-managed-prefix-lists items carry ``OwnerId``/``MaxEntries`` and no CIDRs (``OwnerId`` "AWS" marks
an AWS-managed list). A ``ManagedPrefixLists`` key is accepted too. Managed lists' entries come from
get-managed-prefix-list-entries, whose output (``{"Entries": [{"Cidr": …}]}``) does not name the
list. Accepted ways to tie them:

1. inline: a ``PrefixLists[]``/``ManagedPrefixLists[]`` item carrying ``Entries`` (or
   ``PrefixListEntries``) — what ``vpcflow snapshot fetch`` writes;
2. a document ``{"PrefixListId": "pl-…", "Entries": [...]}`` (``PrefixListEntries`` accepted too): the
   get-managed-prefix-list-entries output with the id added;
3. a top-level ``"PrefixListEntries": [{"PrefixListId": "pl-…", "Entries": [...]}, ...]`` for many lists
   in one file.

Entries with no list id cannot be tied and are warned about. The same list id met twice (e.g. an
AWS-managed list in both describe calls) is merged: CIDRs united, the first name kept.
"""

from __future__ import annotations

from typing import Any

from vpcflow.model import Cidr, PrefixList
from vpcflow.sources.base import Ctx, FunctionParser, Json, printable, show

ENTRY_KEYS = ("Entries", "PrefixListEntries")
# keys an entries document may carry besides the id and the entries (paginated CLI/boto3 output)
_ENTRY_DOC_META = frozenset({"PrefixListId", "NextToken", "ResponseMetadata", *ENTRY_KEYS})


def _add(ctx: Ctx, pl: PrefixList) -> None:
    old = ctx.out.prefix_lists.get(pl.prefix_list_id)
    if old is None:
        ctx.out.prefix_lists[pl.prefix_list_id] = pl
        return
    cidrs = old.cidrs + tuple(c for c in pl.cidrs if c not in old.cidrs)
    ctx.out.prefix_lists[pl.prefix_list_id] = PrefixList(
        pl.prefix_list_id,
        old.name or pl.name,
        cidrs,
        old.max_entries if old.max_entries is not None else pl.max_entries,
        old.aws_managed or pl.aws_managed,
    )


def _entries(ctx: Ctx, entries: list[Any], path: str) -> list[Cidr]:
    out = []
    for j, raw in enumerate(entries):
        ep = f"{path}[{j}]"
        out.append(ctx.cidr(ctx.req(ctx.obj(raw, ep), "Cidr", ep), f"{ep}.Cidr"))
    return out


def _entry_list(ctx: Ctx, item: Json, path: str) -> tuple[list[Cidr], bool]:
    """CIDRs of the item's ``Entries``/``PrefixListEntries`` and whether either key was present."""
    present = False
    cidrs: list[Cidr] = []
    for key in ENTRY_KEYS:
        if key in item:
            present = True
            cidrs.extend(_entries(ctx, ctx.list_(item[key], f"{path}.{key}"), f"{path}.{key}"))
    return cidrs, present


def _add_entries(ctx: Ctx, plid: str, cidrs: list[Cidr]) -> None:
    ctx.out.prefix_list_entries.setdefault(plid, []).extend(cidrs)
    ctx.out.prefix_lists_with_entries.add(plid)


def _parse(items: list[Any], ctx: Ctx, key: str) -> None:
    for i, raw in enumerate(items):
        path = f"$.{key}[{i}]"
        item, plid = ctx.begin(raw, path, "PrefixListId")
        cidrs = [ctx.cidr(c, f"{path}.Cidrs[{j}]") for j, c in enumerate(ctx.opt_list(item, "Cidrs", path))]
        inline, present = _entry_list(ctx, item, path)
        if present or "Cidrs" in item:
            ctx.out.prefix_lists_with_entries.add(plid)
        # describe-prefix-lists items (no OwnerId) are AWS service lists; managed ones say OwnerId "AWS"
        owner = ctx.opt_str(item, "OwnerId", path)
        aws_managed = owner == "AWS" if owner is not None else key == "PrefixLists"
        max_entries = item.get("MaxEntries")
        _add(
            ctx,
            PrefixList(
                plid,
                ctx.opt_str(item, "PrefixListName", path),
                tuple(cidrs + [c for c in inline if c not in cidrs]),
                ctx.int_(max_entries, f"{path}.MaxEntries") if max_entries is not None else None,
                aws_managed=aws_managed,
            ),
        )


def parse_prefix_lists(items: list[Any], ctx: Ctx) -> None:
    """``PrefixLists``: describe-prefix-lists (AWS service lists with ``Cidrs``) — and, under the same
    key, describe-managed-prefix-lists (``OwnerId``, ``MaxEntries``, no CIDRs)."""
    _parse(items, ctx, "PrefixLists")


def parse_managed_prefix_lists(items: list[Any], ctx: Ctx) -> None:
    """``ManagedPrefixLists``: describe-managed-prefix-lists items saved under their own key (as
    ``vpcflow snapshot fetch`` does), usually with their ``Entries`` inline."""
    _parse(items, ctx, "ManagedPrefixLists")


def parse_prefix_list_entries(items: list[Any], ctx: Ctx) -> None:
    """Top-level ``PrefixListEntries``: groups ``{PrefixListId, Entries}``, or bare entries (warned)."""
    orphans = 0
    for i, raw in enumerate(items):
        path = f"$.PrefixListEntries[{i}]"
        ctx.resource = None
        item = ctx.obj(raw, path)
        if "PrefixListId" in item:
            ctx.resource = ctx.str_(item, "PrefixListId", path)
            cidrs, present = _entry_list(ctx, item, path)
            if not present:
                raise ctx.fail(path, "missing required key 'Entries' (the list's CIDRs)")
            _add_entries(ctx, ctx.str_(item, "PrefixListId", path), cidrs)
        else:
            ctx.cidr(ctx.req(item, "Cidr", path), f"{path}.Cidr")
            orphans += 1
    if orphans:
        ctx.warn(
            "UNRESOLVED_PREFIX_LIST",
            f"{orphans} prefix-list entries with no PrefixListId: cannot tell which list they belong to "
            '(save them as {"PrefixListId": "pl-…", "Entries": [...]})',
            "$.PrefixListEntries",
        )


def is_entries_document(doc: Json) -> bool:
    """A get-managed-prefix-list-entries response saved with its list id beside the entries."""
    return isinstance(doc.get("PrefixListId"), str) and any(isinstance(doc.get(k), list) for k in ENTRY_KEYS)


def parse_entries_document(doc: Json, ctx: Ctx) -> None:
    ctx.resource = ctx.str_(doc, "PrefixListId", "$")
    cidrs, _present = _entry_list(ctx, doc, "$")
    _add_entries(ctx, ctx.resource, cidrs)
    for key in doc:
        if key not in _ENTRY_DOC_META:
            ctx.warn(
                "UNKNOWN_KEY",
                f"unknown key {show(key)} beside prefix-list entries ignored",
                f"$.{printable(key)}",
            )


PREFIX_LISTS = FunctionParser("PrefixLists", parse_prefix_lists)
MANAGED_PREFIX_LISTS = FunctionParser("ManagedPrefixLists", parse_managed_prefix_lists)
PREFIX_LIST_ENTRIES = FunctionParser("PrefixListEntries", parse_prefix_list_entries)
