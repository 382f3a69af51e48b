"""What a security-group rule or NACL entry matches — the one source of truth for both engines.

Every rule is compiled once per snapshot into address interval sets (group references resolved to
their members' private addresses, prefix lists to their CIDRs). Evaluation takes a concrete address
and a *set* of destination ports, so one call answers a single packet or a whole ephemeral range.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.memo import WalkMemo
from vpcflow.model import (
    ALL_PROTOCOLS,
    ICMP,
    ICMPV6,
    Address,
    CidrPeer,
    Direction,
    GroupPeer,
    IcmpMatch,
    NetworkAcl,
    NetworkAclEntry,
    NetworkInterface,
    PortRange,
    PrefixListPeer,
    RuleAction,
    SecurityGroupRule,
    Snapshot,
)
from vpcflow.model.filters import icmp_applies, ports_apply
from vpcflow.model.frozen import fast_init

if TYPE_CHECKING:
    from vpcflow.engine.vpn import RouteChoice

ALL_PORT_SET = IntervalSet.of((0, 65535))
_NONE = IntervalSet()
_PAST_ANY_ADDRESS = 1 << 200  # sorts after every (lo, hi) span starting at the same address
Spans = tuple[tuple[int, int], ...]


@fast_init
@dataclass(frozen=True, slots=True)
class AddressSpace:
    """Addresses a peer matches, per family, as interval sets."""

    v4: IntervalSet
    v6: IntervalSet

    def __contains__(self, address: object) -> bool:
        if not isinstance(address, Address):
            return False
        return address.value in (self.v4 if address.version == 4 else self.v6)

    def __bool__(self) -> bool:
        return bool(self.v4) or bool(self.v6)


EMPTY_SPACE = AddressSpace(IntervalSet(), IntervalSet())


def rule_ports(protocol: int, ports: object) -> IntervalSet:
    """Destination ports a rule admits: its range for TCP/UDP, every port otherwise."""
    if ports_apply(protocol) and isinstance(ports, PortRange):
        return IntervalSet.of((ports.lo, ports.hi))
    return ALL_PORT_SET


@fast_init
@dataclass(frozen=True, slots=True)
class FilterResult:
    """Outcome of one filter over a set of destination ports.

    ``allowed`` survives; ``pieces`` says, per port subset, which rule decided (``None`` = no rule
    matched: SG implicit deny, or a NACL with no matching entry at all).
    """

    allowed: IntervalSet
    denied: IntervalSet
    pieces: tuple[tuple[IntervalSet, bool, SecurityGroupRule | NetworkAclEntry | None], ...]

    def rule_for(self, port: int) -> SecurityGroupRule | NetworkAclEntry | None:
        for ports, _ok, rule in self.pieces:
            if port in ports:
                return rule
        return None


class CompiledRules:
    """Per-snapshot compiled matching data (peer address spaces), built lazily and cached."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._peer_cache: dict[int, AddressSpace] = {}
        self._ports_cache: dict[int, IntervalSet] = {}
        self._nacl_cache: dict[
            tuple[str, Direction], tuple[tuple[NetworkAclEntry, int, int, int, int, IntervalSet], ...]
        ] = {}
        self._sg_rules: dict[tuple[str, Direction], tuple[SecurityGroupRule, ...]] = {}
        self._unresolved: dict[tuple[str, Direction], tuple[SecurityGroupRule, ...]] = {}
        self._group_refs: dict[tuple[str, Direction], bool] = {}
        # VPCs with at least one network ACL in the snapshot: every VPC has a default one, so a VPC with
        # none had its NACLs left out by the collector (docs/semantics.md, "Network ACLs")
        self.vpcs_with_acl = frozenset(a.vpc_id for a in snapshot.network_acls.values())
        self._world_rules: dict[tuple[str, Direction, int, int], SecurityGroupRule | None] = {}
        # (subnet id, destination) → (route table id, the route chosen): routing memoised per snapshot
        self.route_cache: dict[tuple[str, Address], tuple[str | None, RouteChoice]] = {}
        self.memo = WalkMemo()  # what the walk memoises for this Engine (``engine.memo``)
        self._sg_cache: dict[
            tuple[str, Direction, int, int | None, int | None],
            tuple[tuple[SecurityGroupRule, int, int, Spans, Spans], ...],
        ] = {}

    def peer_space(self, rule: SecurityGroupRule) -> AddressSpace:
        # keyed by identity: peers live as long as the snapshot this object holds
        key = id(rule.peer)
        cached = self._peer_cache.get(key)
        if cached is not None:
            return cached
        space = self._resolve(rule.peer)
        self._peer_cache[key] = space
        return space

    def _resolve(self, peer: object) -> AddressSpace:
        v4: list[tuple[int, int]] = []
        v6: list[tuple[int, int]] = []
        if isinstance(peer, CidrPeer):
            (v4 if peer.cidr.version == 4 else v6).append((peer.cidr.lo, peer.cidr.hi))
        elif isinstance(peer, GroupPeer):
            # Members' private IPs only (never public/Elastic IPs):
            # https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-rules.html
            for addr in self.snapshot.group_members.get(peer.group_id, ()):
                (v4 if addr.version == 4 else v6).append((addr.value, addr.value))
        elif isinstance(peer, PrefixListPeer):
            for cidr in self.snapshot.prefix_list_cidrs(peer.prefix_list_id) or ():
                (v4 if cidr.version == 4 else v6).append((cidr.lo, cidr.hi))
        return AddressSpace(IntervalSet.from_spans(v4), IntervalSet.from_spans(v6))

    # -- security groups: union of every rule of every attached group, order-free ---------------

    def sg_rules(self, eni: NetworkInterface, direction: Direction) -> tuple[SecurityGroupRule, ...]:
        key = (eni.eni_id, direction)
        cached = self._sg_rules.get(key)
        if cached is None:
            out: list[SecurityGroupRule] = []
            for gid in eni.group_ids:
                group = self.snapshot.security_groups.get(gid)
                if group is not None:
                    out.extend(group.rules(direction))
            cached = self._sg_rules[key] = tuple(out)
        return cached

    def has_group_refs(self, eni: NetworkInterface, direction: Direction) -> bool:
        """Whether any of the ENI's rules in ``direction`` references a security group."""
        key = (eni.eni_id, direction)
        hit = self._group_refs.get(key)
        if hit is None:
            hit = self._group_refs[key] = any(
                isinstance(r.peer, GroupPeer) for r in self.sg_rules(eni, direction)
            )
        return hit

    def unresolved_rules(self, eni: NetworkInterface, direction: Direction) -> tuple[SecurityGroupRule, ...]:
        """The ENI's rules whose peer the snapshot cannot resolve: a prefix list with no entries, or a
        security group it does not hold (whose members outside the snapshot are unknown)."""
        key = (eni.eni_id, direction)
        cached = self._unresolved.get(key)
        if cached is None:
            s = self.snapshot
            cached = self._unresolved[key] = tuple(
                r
                for r in self.sg_rules(eni, direction)
                if (isinstance(r.peer, PrefixListPeer) and s.prefix_list_cidrs(r.peer.prefix_list_id) is None)
                or (isinstance(r.peer, GroupPeer) and r.peer.group_id not in s.security_groups)
            )
        return cached

    def world_all_ports_rule(
        self, eni: NetworkInterface, direction: Direction, version: int, protocol: int
    ) -> SecurityGroupRule | None:
        """The first of the ENI's rules in ``direction`` open to the whole IPv``version`` world on every
        port of ``protocol`` (with one in the other direction too, a flow is untracked)."""
        key = (eni.eni_id, direction, version, protocol)
        if key in self._world_rules:
            return self._world_rules[key]
        found = None
        for rule in self.sg_rules(eni, direction):
            if (
                isinstance(rule.peer, CidrPeer)
                and rule.peer.cidr.is_world
                and rule.peer.cidr.version == version
                and rule.protocol in (-1, protocol)
                and (
                    not ports_apply(rule.protocol)
                    or rule.ports is None
                    or (rule.ports.lo == 0 and rule.ports.hi == 65535)
                )
            ):
                found = rule
                break
        self._world_rules[key] = found
        return found

    def evaluate_sg(
        self,
        eni: NetworkInterface,
        direction: Direction,
        remote: Address,
        protocol: int,
        ports: IntervalSet,
        icmp_type: int | None = None,
        icmp_code: int | None = None,
        group_refs: bool = True,
        sender_groups: tuple[str, ...] = (),
    ) -> FilterResult:
        """Ports of ``ports`` some rule admits (any rule of any group: the most permissive wins).
        ``group_refs=False``: rules that reference a security group match nothing (the packet crossed a
        gateway that discards group information). ``sender_groups``: groups a reference to which matches
        whatever the remote address (a Network Load Balancer's groups, for the client traffic it forwards
        with the client's address preserved:
        https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html)."""
        if (
            group_refs
            and not sender_groups
            and len(ports.spans) == 1
            and ports.spans[0][0] == ports.spans[0][1]
        ):
            return self._evaluate_sg_port(eni, direction, remote, protocol, ports, icmp_type, icmp_code)
        remaining = ports
        pieces: list[tuple[IntervalSet, bool, SecurityGroupRule | NetworkAclEntry | None]] = []
        for rule in self.sg_rules(eni, direction):
            if not remaining:
                break
            if rule.protocol != protocol and rule.protocol != ALL_PROTOCOLS:
                continue
            if not sg_rule_matches_header(rule, protocol, icmp_type, icmp_code):
                continue
            if not group_refs and isinstance(rule.peer, GroupPeer):
                continue
            via_group = isinstance(rule.peer, GroupPeer) and rule.peer.group_id in sender_groups
            if not via_group and remote not in self.peer_space(rule):
                continue
            hit = remaining & self.ports_of(rule)
            if hit:
                pieces.append((hit, True, rule))
                remaining = remaining - hit
        allowed = ports - remaining
        if remaining:
            pieces.append((remaining, False, None))
        return FilterResult(allowed, remaining, tuple(pieces))

    def _evaluate_sg_port(
        self,
        eni: NetworkInterface,
        direction: Direction,
        remote: Address,
        protocol: int,
        ports: IntervalSet,
        icmp_type: int | None,
        icmp_code: int | None,
    ) -> FilterResult:
        """``evaluate_sg`` for one port (every request): the same answer without set algebra."""
        port = ports.spans[0][0]
        value = remote.value
        v6 = remote.version != 4
        for rule, lo, hi, v4_spans, v6_spans in self._sg_compiled(
            eni, direction, protocol, icmp_type, icmp_code
        ):
            if not lo <= port <= hi:
                continue
            spans = v6_spans if v6 else v4_spans
            i = bisect_right(spans, (value, _PAST_ANY_ADDRESS)) - 1
            if i >= 0 and value <= spans[i][1]:  # bisect gives spans[i][0] <= value
                return FilterResult(ports, _NONE, ((ports, True, rule),))
        return FilterResult(_NONE, ports, ((ports, False, None),))

    def _sg_compiled(
        self,
        eni: NetworkInterface,
        direction: Direction,
        protocol: int,
        icmp_type: int | None,
        icmp_code: int | None,
    ) -> tuple[tuple[SecurityGroupRule, int, int, Spans, Spans], ...]:
        """The ENI's rules (in ``sg_rules`` order) that admit this protocol and ICMP type, as plain tuples
        (rule, lowest port, highest port, v4 address spans, v6 address spans), built once."""
        key = (eni.eni_id, direction, protocol, icmp_type, icmp_code)
        cached = self._sg_cache.get(key)
        if cached is None:
            out = []
            for rule in self.sg_rules(eni, direction):
                if rule.protocol != protocol and rule.protocol != ALL_PROTOCOLS:
                    continue
                if not sg_rule_matches_header(rule, protocol, icmp_type, icmp_code):
                    continue
                spans = self.ports_of(rule).spans
                assert len(spans) <= 1  # rule_ports: the rule's one range (none if it is empty)
                lo, hi = spans[0] if spans else (1, 0)
                space = self.peer_space(rule)
                out.append((rule, lo, hi, space.v4.spans, space.v6.spans))
            cached = self._sg_cache[key] = tuple(out)
        return cached

    # -- network ACLs: numbered entries, lowest first, first match wins --------------------------

    def _compiled_nacl(
        self, acl: NetworkAcl, direction: Direction
    ) -> tuple[tuple[NetworkAclEntry, int, int, int, int, IntervalSet], ...]:
        """The entries as plain tuples (the hot loop of every trace), built once per ACL direction."""
        key = (acl.acl_id, direction)
        cached = self._nacl_cache.get(key)
        if cached is None:
            cached = self._nacl_cache[key] = tuple(
                (e, e.cidr.version, e.cidr.lo, e.cidr.hi, e.protocol, self.ports_of(e))
                for e in acl.entries(direction)
            )
        return cached

    def ports_of(self, rule: SecurityGroupRule | NetworkAclEntry) -> IntervalSet:
        key = id(rule)
        cached = self._ports_cache.get(key)
        if cached is None:
            cached = self._ports_cache[key] = rule_ports(rule.protocol, rule.ports)
        return cached

    def evaluate_nacl(
        self,
        acl: NetworkAcl,
        direction: Direction,
        remote: Address,
        protocol: int,
        ports: IntervalSet,
        icmp_type: int | None = None,
        icmp_code: int | None = None,
    ) -> FilterResult:
        version, value = remote.version, remote.value
        if len(ports.spans) == 1 and ports.spans[0][0] == ports.spans[0][1]:
            # one port (every request): the first matching entry decides it, no set algebra
            port = ports.spans[0][0]
            for entry, e_version, lo, hi, e_proto, e_ports in self._compiled_nacl(acl, direction):
                if e_version != version or not lo <= value <= hi:
                    continue
                if e_proto != protocol and e_proto != ALL_PROTOCOLS:
                    continue
                if not nacl_entry_matches_header(entry, protocol, icmp_type, icmp_code):
                    continue
                if port in e_ports:
                    if entry.action is RuleAction.ALLOW:
                        return FilterResult(ports, _NONE, ((ports, True, entry),))
                    return FilterResult(_NONE, ports, ((ports, False, entry),))
            return FilterResult(_NONE, ports, ((ports, False, None),))
        remaining = ports
        allowed = IntervalSet()
        pieces: list[tuple[IntervalSet, bool, SecurityGroupRule | NetworkAclEntry | None]] = []
        for entry, e_version, lo, hi, e_proto, e_ports in self._compiled_nacl(acl, direction):
            if not remaining:
                break
            if e_version != version or not lo <= value <= hi:
                continue
            if e_proto != protocol and e_proto != ALL_PROTOCOLS:
                continue
            if not nacl_entry_matches_header(entry, protocol, icmp_type, icmp_code):
                continue
            hit = remaining & e_ports
            if not hit:
                continue
            ok = entry.action is RuleAction.ALLOW
            pieces.append((hit, ok, entry))
            if ok:
                allowed = allowed | hit
            remaining = remaining - hit
        if remaining:
            # Only possible if a source dropped the `*` entry; the loader implies it, so deny.
            pieces.append((remaining, False, None))
        return FilterResult(allowed, ports - allowed, tuple(pieces))


def _icmp_matches(match: IcmpMatch, icmp_type: int | None, icmp_code: int | None) -> bool:
    """A rule's ICMP type/code (-1: any) against a packet's (None: no ICMP header)."""
    if icmp_type is None or icmp_code is None:
        return match.type == -1
    return match.matches(icmp_type, icmp_code)


def sg_rule_matches_header(
    rule: SecurityGroupRule, protocol: int, icmp_type: int | None, icmp_code: int | None
) -> bool:
    """Protocol and ICMP part of a SG rule (ports are handled as sets by the caller)."""
    if rule.protocol != ALL_PROTOCOLS and rule.protocol != protocol:
        return False
    if icmp_applies(rule.protocol) and rule.icmp is not None:
        return _icmp_matches(rule.icmp, icmp_type, icmp_code)
    return True


def nacl_entry_matches_header(
    entry: NetworkAclEntry, protocol: int, icmp_type: int | None, icmp_code: int | None
) -> bool:
    if entry.protocol != ALL_PROTOCOLS and entry.protocol != protocol:
        return False
    if ports_apply(entry.protocol):
        return True
    if entry.protocol == ICMP or (entry.protocol == ICMPV6 and entry.cidr.version == 6):
        # Protocol 58 with an IPv4 CIDR matches every type/code (API_CreateNetworkAclEntry).
        return entry.icmp is None or _icmp_matches(entry.icmp, icmp_type, icmp_code)
    return True
