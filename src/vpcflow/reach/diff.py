"""What a change really does: flows that became reachable or unreachable between two snapshots.

Both snapshots answer the same query (endpoint references are resolved in each; a reference that
exists in only one of them is the empty set in the other). The differences of the header spaces are
the changes; each comes with a witness flow traced in both snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vpcflow.engine.components.interfaces import InterfaceKind, interface_kind
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.result import HopAction, Trace, Verdict, rule_text
from vpcflow.errors import QueryError
from vpcflow.model import Address, Snapshot
from vpcflow.reach.endpoints import EndpointSet
from vpcflow.reach.headerspace import Flow, HeaderSpace
from vpcflow.reach.query import Reachability, ReachResult, blocker_text, parse_ports, parse_protocols

CHANGE_TEXT = {
    ("gained", "forward"): "now delivered (was not)",
    ("lost", "forward"): "no longer delivered",
    ("gained", "return"): "replies now return (were lost)",
    ("lost", "return"): "still delivered, but replies are now lost",
    ("undecided", "forward"): "cannot tell whether delivery changed (UNKNOWN in a snapshot)",
    ("undecided", "return"): "cannot tell whether the replies changed (UNKNOWN in a snapshot)",
}


@dataclass(frozen=True, slots=True)
class Change:
    kind: str  # "gained" | "lost" | "undecided" (UNKNOWN in either snapshot)
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


@dataclass(frozen=True, slots=True)
class _Spaces:
    """What one snapshot says for a query: delivered, both ways, and undecided (requests, replies)."""

    fwd: HeaderSpace
    bidi: HeaderSpace
    unknown: HeaderSpace
    return_unknown: HeaderSpace

    @classmethod
    def of(cls, r: ReachResult) -> _Spaces:
        return cls(r.forward, r.bidirectional, r.unknown, r.return_unknown)

    def __or__(self, other: _Spaces) -> _Spaces:
        return _Spaces(
            self.fwd | other.fwd,
            self.bidi | other.bidi,
            self.unknown | other.unknown,
            self.return_unknown | other.return_unknown,
        )


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


# What ``affected_enis`` does with each part of a snapshot (``tests/test_reach_diff_pruning`` checks that
# every field of ``Snapshot`` is in exactly one of these, so a new part cannot be silently ignored).
# Parts shared by many flows: any difference may alter anyone's flows.
SHARED_PARTS = (
    "vpcs",
    "subnets",
    "internet_gateways",
    "nat_gateways",
    "elastic_ips",
    "prefix_lists",
    "peerings",
    "transit_gateways",
    "transit_gateway_attachments",
    "transit_gateway_route_tables",
    "vpn_gateways",
    "vpn_connections",
    "customer_gateways",
    "vpc_endpoints",
    "direct_connect_gateways",
    "direct_connect_gateway_associations",
    "virtual_interfaces",
    # load balancers carry flows between clients and targets; a firewall or a web ACL filters flows
    # between interfaces whose own filters did not change
    "load_balancing",
    "network_firewall",
    "waf",
    "endpoint_services",  # which Gateway Load Balancer serves a GWLB endpoint
    "contradictions",
)
# Parts compared interface by interface (an interface, its groups, its subnet's NACL and route table; an
# instance a route points to).
PER_INTERFACE_PARTS = frozenset(
    {"interfaces", "instances", "security_groups", "network_acls", "route_tables"}
)
# Indexes derived from the parts above, and what the loader says about its input: no flow of their own.
DERIVED_PARTS = frozenset(
    {
        "eni_by_private_ip",
        "eni_by_public_ip",
        "group_members",
        "acl_of_subnet",
        "route_table_of_subnet",
        "enis_by_address",
        "_subnet_spans",
        "group_attachers",
        "warnings",
        "not_modelled",
        "flow_logs",
        "origins",
    }
)


# interfaces that carry only their own flows; any other kind (NAT gateways, transit gateway attachments,
# load balancer nodes, Gateway Load Balancer and firewall endpoints, service-managed interfaces) carries
# others' flows
_OWN_FLOWS_ONLY = frozenset({InterfaceKind.HOST, InterfaceKind.VPC_ENDPOINT})


def _targets(snap: Snapshot) -> set[str]:
    """The interfaces of every registered load-balancer target (instances' interfaces, IP targets')."""
    out: set[str] = set()
    for health in snap.load_balancing.target_health.values():
        for h in health:
            inst = snap.instances.get(h.target_id)
            if inst is not None:
                out.update(inst.eni_ids)
                continue
            try:
                out.update(snap.enis_by_address.get(Address.parse(h.target_id), ()))
            except ValueError:
                continue  # a Lambda function or an ALB: no interface of its own here
    return out


def affected_enis(old: Snapshot, new: Snapshot) -> set[str] | None:
    """ENIs whose flows (as source or destination) the change from ``old`` to ``new`` may alter; None when
    it may alter anyone's (VPCs, subnets, gateways, NAT gateways, Elastic IPs, prefix lists, peerings,
    transit gateways and their tables, VPN, Direct Connect, endpoints, load balancers (listeners, target
    groups, targets' health, attributes), Network Firewall or WAF differ; a gateway route table
    differs; or a changed subnet or interface carries others' flows: a NAT gateway, a transit gateway
    attachment, an appliance some route points to).

    Within one snapshot a flow between two ENIs meets only their own attributes, their security groups,
    their subnets' NACLs and route tables, and the shared parts checked first. So an ENI is affected when
    it differs, when one of its groups differs, or when its subnet's NACL or route table differs. A group
    reference stands for its members' addresses: when membership changes, the ENIs that joined or left
    differ themselves, and every flow the reference decides has one of them as an endpoint."""
    for part in SHARED_PARTS:
        if getattr(old, part) != getattr(new, part):
            return None
    for snap in (old, new):
        other = new if snap is old else old
        for rtb in snap.route_tables.values():
            if rtb.gateway_ids and other.route_tables.get(rtb.route_table_id) != rtb:
                return None  # ingress routing carries flows from outside to anyone
    eni_ids = set(old.interfaces) | set(new.interfaces)
    affected = {e for e in eni_ids if old.interfaces.get(e) != new.interfaces.get(e)}
    groups = set(old.security_groups) | set(new.security_groups)
    changed = {g for g in groups if old.security_groups.get(g) != new.security_groups.get(g)}

    def subnet_filters(snap: Snapshot, subnet_id: str) -> tuple[object, object]:
        acl, rtb = snap.acl_of_subnet.get(subnet_id), snap.route_table_of_subnet.get(subnet_id)
        return (snap.network_acls.get(acl) if acl else None, snap.route_tables.get(rtb) if rtb else None)

    subnets = {s for s in old.subnets if subnet_filters(old, s) != subnet_filters(new, s)}
    for snap in (old, new):
        # interfaces that carry others' flows: routes point to them (appliances), or they are hops
        carriers = {r.target_id for rtb in snap.route_tables.values() for r in rtb.routes if r.target_id}
        carriers |= {e for i in carriers & set(snap.instances) for e in snap.instances[i].eni_ids}
        carriers |= _targets(snap)  # a load balancer's targets carry its clients' flows (GWLB appliances too)
        for eni in snap.interfaces.values():
            if set(eni.group_ids) & changed or eni.subnet_id in subnets:
                affected.add(eni.eni_id)
            hop = interface_kind(eni) not in _OWN_FLOWS_ONLY or eni.eni_id in carriers
            if hop and (eni.eni_id in affected or eni.subnet_id in subnets):
                return None
        for att in snap.transit_gateway_attachments.values():
            if att.vpc is not None and subnets & set(att.vpc.subnet_ids):
                return None  # an attachment subnet's NACL or route table decides other VPCs' flows
    return affected


def _only(endpoints: EndpointSet, enis: set[str]) -> EndpointSet:
    """The part of an endpoint set made of the given ENIs (no outside addresses)."""
    members = tuple(m for m in endpoints.members if m.eni.eni_id in enis)
    return EndpointSet(endpoints.ref, endpoints.label, members, IntervalSet())


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
    """Flows gained and lost between two snapshots, exactly. Only flows with an endpoint the change may
    affect (``affected_enis``) are walked: every other flow meets the same filters in both snapshots, and
    flows of different endpoint pairs are disjoint sets, so they cancel out of every difference. That
    needs the outside world to be the same set of addresses in both (no public IP came or went)."""
    ro, rn = Reachability(old), Reachability(new)
    so, sn = _resolve(ro, src), _resolve(rn, src)
    do, dn = _resolve(ro, dst), _resolve(rn, dst)
    if so is None and sn is None:
        rn.endpoints.resolve(src)  # raises the QueryError
    if do is None and dn is None:
        rn.endpoints.resolve(dst)
    empty = EndpointSet("", "nothing", (), IntervalSet())
    protos, dports = parse_protocols(protocol), parse_ports(ports)
    affected = affected_enis(old, new) if ro.endpoints.internet == rn.endpoints.internet else None

    def sides(r: Reachability, s: EndpointSet, d: EndpointSet) -> tuple[ReachResult, _Spaces]:
        if affected is None:
            whole = r.reach_sets(s, d, protos, dports, client_ports=client_ports, witnesses=False)
            return whole, _Spaces.of(whole)
        into = r.reach_sets(s, _only(d, affected), protos, dports, client_ports=client_ports, witnesses=False)
        out = r.reach_sets(_only(s, affected), d, protos, dports, client_ports=client_ports, witnesses=False)
        return into, _Spaces.of(into) | _Spaces.of(out)

    a, x = sides(ro, so or empty, do or empty)
    b, y = sides(rn, sn or empty, dn or empty)
    # a flow UNKNOWN in either snapshot is neither gained nor lost: whether it changed is undecided
    parts = [
        ("gained", "forward", y.fwd - x.fwd - x.unknown),
        ("lost", "forward", x.fwd - y.fwd - y.unknown),
        ("gained", "return", (y.bidi - x.bidi) & x.fwd - x.return_unknown),
        ("lost", "return", (x.bidi - y.bidi) & y.fwd - y.return_unknown),
        # UNKNOWN in both: whether the change touched it is unknown too (flows the change cannot affect
        # are not walked at all, see ``affected_enis``)
        ("undecided", "forward", x.unknown | y.unknown),
        ("undecided", "return", (x.return_unknown | y.return_unknown) - x.unknown - y.unknown),
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
