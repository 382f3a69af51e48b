"""Rule analysis for audits: shadowed NACL entries, redundant SG rules, return-path gaps.

Each rule is turned into the header space it matches — remote address × protocol × destination port
(or ICMP type/code) — with the same meaning the engines give it (``CompiledRules.peer_space`` for SG
peers, ``rule_ports`` for port ranges, AWS's protocol/ICMP rules of ``NetworkAclEntry`` and
``sg_rule_matches_header``). The remote address rides the SRC dimension of ``HeaderSpace``.

- A NACL entry is *shadowed* when the entries before it (lower numbers) cover everything it matches:
  it can never decide. The ``*`` entries are never reported (they cannot be removed; Batfish #954).
- A SG rule is *redundant* on an ENI when the other rules of that ENI's groups (a union, order-free)
  cover it. Checked per distinct group set; group references use the current membership.
- A *return-path gap*: requests a NACL admits in one direction whose replies the same NACL drops in
  the other direction for some client ephemeral ports (the classic trap).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.result import rule_json, rule_text
from vpcflow.engine.rules import CompiledRules, rule_ports
from vpcflow.model import (
    ALL_PROTOCOLS,
    EPHEMERAL_PRESETS,
    ICMP,
    ICMPV6,
    TCP,
    UDP,
    Address,
    Direction,
    GroupPeer,
    NetworkAclEntry,
    RuleAction,
    SecurityGroupRule,
    Snapshot,
    parse_port_range,
    protocol_name,
)
from vpcflow.model.filters import icmp_applies
from vpcflow.reach.headerspace import (
    PORTED,
    SRC,
    V6_BASE,
    Flow,
    HeaderSpace,
    cidr_set,
    icmp_match_set,
)

# -- rule → header space -------------------------------------------------------------------------


def _proto_space(remote: IntervalSet, protocol: int, ports: IntervalSet | None) -> HeaderSpace:
    if protocol == ALL_PROTOCOLS:
        return HeaderSpace.box(src=remote)
    return HeaderSpace.box(src=remote, protocols=IntervalSet.single(protocol), dst_ports=ports)


def nacl_entry_space(entry: NetworkAclEntry) -> HeaderSpace:
    """Packets (remote address in SRC) a NACL entry matches, whatever its action."""
    remote = cidr_set([entry.cidr])
    p = entry.protocol
    if p in (TCP, UDP):
        return _proto_space(remote, p, rule_ports(p, entry.ports))
    # ICMP type/code restrict protocol 1, and 58 only with an IPv6 CIDR (API_CreateNetworkAclEntry)
    if entry.icmp is not None and (p == ICMP or (p == ICMPV6 and entry.cidr.version == 6)):
        return _proto_space(remote, p, icmp_match_set(entry.icmp.type, entry.icmp.code))
    return _proto_space(remote, p, None)


def sg_rule_space(rules: CompiledRules, rule: SecurityGroupRule) -> HeaderSpace:
    """Packets (remote address in SRC) a SG rule admits: peer space × protocol × ports/ICMP."""
    space = rules.peer_space(rule)
    remote = IntervalSet.from_spans(list(space.v4) + [(lo + V6_BASE, hi + V6_BASE) for lo, hi in space.v6])
    if not remote:
        return HeaderSpace.empty()
    p = rule.protocol
    if p in (TCP, UDP):
        return _proto_space(remote, p, rule_ports(p, rule.ports))
    if icmp_applies(p) and rule.icmp is not None:
        return _proto_space(remote, p, icmp_match_set(rule.icmp.type, rule.icmp.code))
    return _proto_space(remote, p, None)


def _union(spaces: list[HeaderSpace]) -> HeaderSpace:
    return HeaderSpace.union_all(spaces)


def _minimal_cover(target: HeaderSpace, candidates: list[tuple[Any, HeaderSpace]]) -> list[Any]:
    """A small subset of ``candidates`` whose union still covers ``target`` (greedy removal)."""
    keep = [(k, s) for k, s in candidates if s & target]
    i = 0
    while i < len(keep):
        rest = keep[:i] + keep[i + 1 :]
        if rest and target <= _union([s for _k, s in rest]):
            keep = rest
        else:
            i += 1
    return [k for k, _s in keep]


# -- NACL shadowing ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShadowedEntry:
    entry: NetworkAclEntry
    covering: tuple[NetworkAclEntry, ...]  # the earlier entries that decide its packets
    unmatchable: bool  # matches nothing at all (on its own)

    @property
    def different_action(self) -> bool:
        return any(c.action is not self.entry.action for c in self.covering)

    @property
    def text(self) -> str:
        if self.unmatchable:
            return f"{self.entry.label} can never match: it matches no packet"
        cov = "; ".join(f"rule {c.number_text} {c.action.value.upper()}" for c in self.covering)
        effect = " (with a different action: it never takes effect)" if self.different_action else ""
        return f"{self.entry.label} is shadowed by {cov}{effect}"

    def to_json(self) -> dict[str, Any]:
        return {
            "acl_id": self.entry.acl_id,
            "direction": self.entry.direction.value,
            "entry": rule_json(self.entry),
            "covering": [rule_json(c) for c in self.covering],
            "different_action": self.different_action,
            "unmatchable": self.unmatchable,
        }


def shadowed_nacl_entries(snapshot: Snapshot) -> list[ShadowedEntry]:
    """Entries whose every packet is decided earlier. ``covering`` lists the entries that actually
    decide those packets (first match), so ``different_action`` means the entry never takes effect."""
    out: list[ShadowedEntry] = []
    for acl_id in sorted(snapshot.network_acls):
        acl = snapshot.network_acls[acl_id]
        for direction in (Direction.INGRESS, Direction.EGRESS):
            decides: list[tuple[NetworkAclEntry, HeaderSpace]] = []  # what each entry decides
            covered = HeaderSpace.empty()
            for entry in acl.entries(direction):
                space = nacl_entry_space(entry)
                if not entry.is_default:
                    if not space:
                        out.append(ShadowedEntry(entry, (), True))
                    elif space <= covered:
                        cover = tuple(e for e, d in decides if d & space)
                        out.append(ShadowedEntry(entry, cover, False))
                decides.append((entry, space - covered))
                covered = covered | space
    return out


# -- SG redundancy -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RedundantRule:
    rule: SecurityGroupRule
    covering: tuple[SecurityGroupRule, ...]
    group_set: tuple[str, ...]  # the groups considered together (one group: redundant everywhere)
    enis: tuple[str, ...]  # ENIs carrying exactly that group set (empty for a group on its own)
    unmatchable: bool = False

    @property
    def depends_on_membership(self) -> bool:
        return any(isinstance(r.peer, GroupPeer) for r in (self.rule, *self.covering))

    @property
    def text(self) -> str:
        head = f"{self.rule.label}"
        if self.unmatchable:
            return f"{head} matches nothing (its peer resolves to no address)"
        cov = "; ".join(r.label for r in self.covering)
        where = "" if len(self.group_set) == 1 else f" on ENIs with groups {', '.join(self.group_set)}"
        return f"{head} is redundant{where}: covered by {cov}"

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": rule_json(self.rule),
            "covering": [rule_json(r) for r in self.covering],
            "group_set": list(self.group_set),
            "enis": list(self.enis),
            "unmatchable": self.unmatchable,
            "depends_on_membership": self.depends_on_membership,
        }


def redundant_sg_rules(snapshot: Snapshot, rules: CompiledRules | None = None) -> list[RedundantRule]:
    cr = rules or CompiledRules(snapshot)
    spaces: dict[int, HeaderSpace] = {}

    def space(r: SecurityGroupRule) -> HeaderSpace:
        key = id(r)
        if key not in spaces:
            spaces[key] = sg_rule_space(cr, r)
        return spaces[key]

    out: list[RedundantRule] = []
    within: set[int] = set()  # rules already reported within their own group
    for gid in sorted(snapshot.security_groups):
        g = snapshot.security_groups[gid]
        for direction in (Direction.INGRESS, Direction.EGRESS):
            found = _redundant(list(g.rules(direction)), space, (gid,), ())
            within.update(id(f.rule) for f in found)
            out.extend(found)
    sets: dict[tuple[str, ...], list[str]] = {}
    for eni in snapshot.interfaces.values():
        if len(eni.group_ids) > 1:
            sets.setdefault(tuple(eni.group_ids), []).append(eni.eni_id)
    for gset in sorted(sets):
        for direction in (Direction.INGRESS, Direction.EGRESS):
            rules_ = [r for gid in gset if gid in snapshot.security_groups
                      for r in snapshot.security_groups[gid].rules(direction)]  # fmt: skip
            found = _redundant(rules_, space, gset, tuple(sorted(sets[gset])), skip=within)
            out.extend(f for f in found if any(c.group_id != f.rule.group_id for c in f.covering))
    return out


def _redundant(
    rules: list[SecurityGroupRule],
    space: Any,
    gset: tuple[str, ...],
    enis: tuple[str, ...],
    skip: set[int] | None = None,
) -> list[RedundantRule]:
    """Rules covered by the others; a rule found redundant no longer covers later ones, so removing
    every reported rule keeps the union unchanged."""
    out: list[RedundantRule] = []
    dropped: set[int] = set(skip or ())
    for r in rules:
        if id(r) in dropped:
            continue
        s = space(r)
        if not s:
            if skip is None:
                out.append(RedundantRule(r, (), gset, enis, True))
            dropped.add(id(r))
            continue
        others = [(o, space(o)) for o in rules if o is not r and id(o) not in dropped]
        if others and s <= _union([x for o, x in others if x & s]):
            cover = _minimal_cover(s, others)
            out.append(RedundantRule(r, tuple(cover), gset, enis))
            dropped.add(id(r))
    return out


# -- return-path gaps ----------------------------------------------------------------------------


def _allowed(entries: tuple[NetworkAclEntry, ...]) -> HeaderSpace:
    """What a NACL direction admits (first match by rule number)."""
    seen = HeaderSpace.empty()
    allowed: list[HeaderSpace] = []
    for e in entries:
        s = nacl_entry_space(e)
        if e.action is RuleAction.ALLOW:
            allowed.append(s - seen)
        seen = seen | s
    return _union(allowed)


def _decider(entries: tuple[NetworkAclEntry, ...], flow: Flow) -> NetworkAclEntry | None:
    for e in entries:
        if flow in nacl_entry_space(e):
            return e
    return None


@dataclass(frozen=True, slots=True)
class ReturnGap:
    acl_id: str
    request_direction: Direction  # INGRESS: requests come in, replies leave by the egress rules
    requests: HeaderSpace  # admitted requests (remote in SRC) whose replies die for some client ports
    client_ports: IntervalSet  # the client ports whose replies die
    dropped_by: NetworkAclEntry | None  # the reply direction's deciding entry for the example
    remote: Address  # an example: the remote end of an admitted request …
    protocol: int
    port: int  # … its destination port (the server's) …
    client_port: int  # … and a client port whose reply dies

    @property
    def text(self) -> str:
        way = "inbound" if self.request_direction is Direction.INGRESS else "outbound"
        back = "outbound" if self.request_direction is Direction.INGRESS else "inbound"
        rule = f"rule {rule_text(self.dropped_by)}" if self.dropped_by else "no entry"
        return (
            f"{self.acl_id}: {way} requests are admitted but {back} replies to client ports "
            f"{self.client_ports} are dropped ({rule}); e.g. {protocol_name(self.protocol)} port "
            f"{self.port} with remote {self.remote}, client port {self.client_port}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "acl_id": self.acl_id,
            "request_direction": self.request_direction.value,
            "requests": self.requests.to_json(),
            "client_ports": str(self.client_ports),
            "dropped_by": rule_json(self.dropped_by),
            "example": {
                "remote": str(self.remote),
                "protocol": protocol_name(self.protocol),
                "port": self.port,
                "client_port": self.client_port,
            },
        }


def return_path_gaps(snapshot: Snapshot, client_ports: str = "linux") -> list[ReturnGap]:
    """Per NACL and request direction: TCP/UDP requests admitted whose replies the other direction
    drops for some of ``client_ports`` (default the Linux range; ``nat``/``elb`` for 1024-65535)."""
    pr = EPHEMERAL_PRESETS.get(client_ports) or parse_port_range(client_ports)
    eph = IntervalSet.of((pr.lo, pr.hi))
    out: list[ReturnGap] = []
    for acl_id in sorted(snapshot.network_acls):
        acl = snapshot.network_acls[acl_id]
        for req_dir in (Direction.INGRESS, Direction.EGRESS):
            admitted = _allowed(acl.entries(req_dir)) & HeaderSpace.box(protocols=PORTED)
            if not admitted:
                continue
            reply_entries = acl.entries(req_dir.opposite)
            replies_ok = _allowed(reply_entries)
            dropped = HeaderSpace.box(protocols=PORTED, dst_ports=eph) - replies_ok
            for box in dropped:
                req = admitted & HeaderSpace.box(src=box[SRC], protocols=box[2])
                if not req:
                    continue
                w_req = req.witness()
                if w_req is None:
                    continue
                cport = 32768 if 32768 in box[4] else box[4].first
                reply = Flow(w_req.src, w_req.dst, w_req.protocol, w_req.dst_port, cport)
                by = _decider(reply_entries, reply)
                p, port = w_req.protocol, w_req.dst_port
                out.append(ReturnGap(acl_id, req_dir, req, box[4], by, w_req.src, p, port, cport))
    return out
