"""What a change really does: flows that became reachable or unreachable between two snapshots.

Both snapshots answer the same query (endpoint references are resolved in each; a reference that
exists in only one of them is the empty set in the other). The differences of the header spaces are
the changes; each comes with a witness flow traced in both snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.result import HopAction, Trace, Verdict, rule_text
from vpcflow.errors import QueryError
from vpcflow.model import Snapshot
from vpcflow.reach.endpoints import EndpointSet
from vpcflow.reach.headerspace import Flow, HeaderSpace
from vpcflow.reach.query import Reachability, ReachResult, blocker_text, parse_ports, parse_protocols

CHANGE_TEXT = {
    ("gained", "forward"): "now delivered (was not)",
    ("lost", "forward"): "no longer delivered",
    ("gained", "return"): "replies now return (were lost)",
    ("lost", "return"): "still delivered, but replies are now lost",
}


@dataclass(frozen=True, slots=True)
class Change:
    kind: str  # "gained" | "lost"
    stage: str  # "forward" | "return"
    space: HeaderSpace
    witness: Flow | None
    old_says: str
    new_says: str
    rules: tuple[str, ...]  # in the new snapshot: what now allows (gained) or blocks (lost) it

    @property
    def title(self) -> str:
        return CHANGE_TEXT[(self.kind, self.stage)]

    def to_json(self) -> dict[str, Any]:
        return {
            "change": self.kind,
            "stage": self.stage,
            "description": self.title,
            "flows": self.space.to_json(),
            "witness": self.witness.to_json() if self.witness else None,
            "old": self.old_says,
            "new": self.new_says,
            "rules": list(self.rules),
        }


@dataclass(frozen=True)
class DiffResult:
    old: ReachResult
    new: ReachResult
    changes: tuple[Change, ...]

    @property
    def unchanged(self) -> bool:
        return not self.changes

    def to_json(self) -> dict[str, Any]:
        return {
            "src": self.new.src.ref,
            "dst": self.new.dst.ref,
            "unchanged": self.unchanged,
            "changes": [c.to_json() for c in self.changes],
        }

    def render_text(self, old_path: str = "OLD", new_path: str = "NEW") -> str:
        head = f"diff {self.new.src.label} → {self.new.dst.label}: {old_path} → {new_path}"
        if self.unchanged:
            return head + "\n  no change in reachability\n"
        lines = [head]
        name = self.new.namer()
        for c in self.changes:
            lines.append(f"  {c.kind.upper()}: {c.title}")
            lines.extend(f"    {line}" for line in c.space.render(name))
            if c.witness is not None:
                lines.append(f"    witness: {c.witness}")
                lines.append(f"      old: {c.old_says}")
                lines.append(f"      new: {c.new_says}")
                lines.extend(f"      rule: {r}" for r in c.rules)
        return "\n".join(lines) + "\n"


def _resolve(r: Reachability, ref: str) -> EndpointSet | None:
    try:
        return r.endpoints.resolve(ref)
    except QueryError:
        return None


def _says(t: Trace) -> str:
    if t.verdict is Verdict.ACCEPT:
        return "ACCEPT"
    b = t.blocked_by
    return str(t.verdict.value) + (f" at {blocker_text(b)}" if b else "")


def _rules(t: Trace, gained: bool) -> tuple[str, ...]:
    if not gained:
        return (blocker_text(t.blocked_by),) if t.blocked_by else ()
    out = []
    for hop in t.forward.hops:
        if hop.action is HopAction.ALLOW and hop.rule is not None:
            d = f" {hop.direction.value}" if hop.direction else ""
            out.append(f"{hop.kind.value} {hop.id}{d}: {rule_text(hop.rule)}")
    return tuple(out)


def diff_snapshots(
    old: Snapshot,
    new: Snapshot,
    src: str = "anywhere",
    dst: str = "anywhere",
    protocol: str | None = None,
    ports: str | None = None,
    *,
    client_ports: str | None = None,
) -> DiffResult:
    ro, rn = Reachability(old), Reachability(new)
    so, sn = _resolve(ro, src), _resolve(rn, src)
    do, dn = _resolve(ro, dst), _resolve(rn, dst)
    if so is None and sn is None:
        rn.endpoints.resolve(src)  # raises the QueryError
    if do is None and dn is None:
        rn.endpoints.resolve(dst)
    empty = EndpointSet("", "nothing", (), IntervalSet())
    protos, dports = parse_protocols(protocol), parse_ports(ports)
    a = ro.reach_sets(so or empty, do or empty, protos, dports, client_ports=client_ports, witnesses=False)
    b = rn.reach_sets(sn or empty, dn or empty, protos, dports, client_ports=client_ports, witnesses=False)
    parts = [
        ("gained", "forward", b.forward - a.forward),
        ("lost", "forward", a.forward - b.forward),
        ("gained", "return", (b.bidirectional - a.bidirectional) & a.forward),
        ("lost", "return", (a.bidirectional - b.bidirectional) & b.forward),
    ]
    changes = []
    for kind, stage, space in parts:
        if not space:
            continue
        w = space.witness()
        old_says = new_says = ""
        rules: tuple[str, ...] = ()
        if w is not None:
            args = w.trace_args()
            try:
                old_says = _says(ro.engine.trace(**args))
            except QueryError as exc:
                old_says = f"not traceable in the old snapshot ({exc})"
            try:
                tn = rn.engine.trace(**args)
            except QueryError as exc:
                new_says = f"not traceable in the new snapshot ({exc})"
            else:
                new_says = _says(tn)
                rules = _rules(tn, kind == "gained")
        changes.append(Change(kind, stage, space, w, old_says, new_says, rules))
    return DiffResult(a, b, tuple(changes))
