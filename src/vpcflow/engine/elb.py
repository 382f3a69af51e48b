"""Where a load balancer sends a connection: listener, target groups, the targets that receive it, and
what the target sees (source address and ports) — the pure part of the load-balancer component.

- Listener: the packet's port and protocol must match one (no listener: dropped,
  ``ELBV2_LISTENERS_MISMATCH``); a Gateway Load Balancer listens on every port.
- Target groups: the listener's default forward action, and for an ALB every rule's forward action (host,
  path and header conditions depend on the request, so each rule's groups *may* receive it).
- Targets: healthy ones (and ``unavailable`` ones: health checks disabled); when a group has no such target,
  it fails open to every registered target that is unhealthy.
  https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html
- Cross-zone: ALB on (a target group may turn it off); NLB and GWLB off unless the load balancer's
  attribute turns it on; a target group's ``load_balancing.cross_zone.enabled`` overrides.
  https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-cross-zone.html
- Source address: an ALB is a proxy (the target sees the ALB node's private address, ports 1024-65535); an
  NLB keeps the client's address for instance targets and UDP/TCP_UDP/QUIC groups (always: it cannot be
  turned off for those protocols), not for IP targets with TCP/TLS; ``preserve_client_ip.enabled``
  overrides for TCP and TLS groups.
  https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vpcflow.model import TCP, UDP, Address, NetworkInterface, PortRange, Snapshot
from vpcflow.model.elb import (
    CROSS_ZONE,
    PRESERVE_CLIENT_IP,
    USE_LB_CONFIGURATION,
    Listener,
    ListenerAction,
    ListenerRule,
    LoadBalancer,
    LoadBalancerType,
    TargetGroup,
    TargetHealth,
    TargetHealthState,
    TargetType,
    attribute,
)

LB_SOURCE_PORTS = PortRange(1024, 65535)  # RA REMAP_EPHEMERAL_PORT
_TCP_LISTENERS = frozenset({"HTTP", "HTTPS", "TCP", "TLS", "TCP_UDP", "TCP_QUIC"})
_UDP_LISTENERS = frozenset({"UDP", "TCP_UDP", "QUIC", "TCP_QUIC"})
_ROUTABLE = frozenset({TargetHealthState.HEALTHY, TargetHealthState.UNAVAILABLE})


@dataclass(frozen=True, slots=True)
class LbIssue:
    """Why (part of) the load balancer path fails or cannot be decided; ``unknown`` → UNKNOWN."""

    code: str
    detail: str
    unknown: bool = False


@dataclass(frozen=True, slots=True)
class TargetChoice:
    """One target a load balancer node sends the connection to, and what the target sees."""

    target_group: TargetGroup
    health: TargetHealth
    eni: NetworkInterface | None  # the target's interface in the snapshot (None: outside it)
    address: Address | None
    port: int
    health_check_port: int
    zone: str | None
    client_ip_preserved: bool
    source_ports: PortRange | None  # None: the client's own ports (client IP preservation)
    fail_open: bool = False
    via_rule: ListenerRule | None = None  # None: the listener's default action


@dataclass(frozen=True, slots=True)
class LbSelection:
    load_balancer: LoadBalancer
    listener: Listener | None
    node_zone: str | None
    targets: tuple[TargetChoice, ...] = ()
    issues: tuple[LbIssue, ...] = ()
    # requests the load balancer answers itself (redirect, fixed-response)
    answers_itself: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def unknown(self) -> bool:
        return any(i.unknown for i in self.issues)


def listener_for(
    lbs: tuple[Listener, ...], kind: LoadBalancerType, protocol: int, port: int
) -> Listener | None:
    for li in lbs:
        if kind is LoadBalancerType.GATEWAY:
            return li  # a GWLB listener takes every port and protocol
        if li.port != port:
            continue
        proto = (li.protocol or "").upper()
        if (protocol == TCP and proto in _TCP_LISTENERS) or (protocol == UDP and proto in _UDP_LISTENERS):
            return li
    return None


def cross_zone(lb: LoadBalancer, tg: TargetGroup) -> bool:
    value = attribute(tg.attributes, CROSS_ZONE)
    if value in ("true", "false"):
        return value == "true"
    if value not in (None, USE_LB_CONFIGURATION):
        return False
    if lb.type is LoadBalancerType.APPLICATION:
        return True  # always on at the load-balancer level
    return attribute(lb.attributes, CROSS_ZONE) == "true"


def client_ip_preserved(lb: LoadBalancer, tg: TargetGroup) -> bool | None:
    """None when AWS's documentation does not say (ALB-type targets behind an NLB)."""
    if lb.type is LoadBalancerType.APPLICATION:
        return False
    if lb.type is LoadBalancerType.GATEWAY:
        return True  # a bump in the wire: packets keep their addresses (GENEVE-encapsulated)
    datagram = (tg.protocol or "").upper() in ("UDP", "TCP_UDP", "QUIC", "TCP_QUIC")
    if datagram and tg.target_type in (TargetType.INSTANCE, TargetType.IP):
        return True  # on, and it cannot be turned off, for these protocols (edit-target-group-attributes)
    value = attribute(tg.attributes, PRESERVE_CLIENT_IP)
    if value in ("true", "false"):
        return value == "true"
    if tg.target_type is TargetType.INSTANCE:
        return True
    if tg.target_type is TargetType.IP:
        return False
    return None


def forward_groups(
    s: Snapshot, listener: Listener
) -> tuple[list[tuple[str, ListenerRule | None]], list[str]]:
    """(target group ARN, rule or None for the default action) and what the LB answers itself."""
    groups: list[tuple[str, ListenerRule | None]] = []
    answers: list[str] = []
    elb = s.load_balancing
    sources: list[tuple[ListenerRule | None, tuple[ListenerAction, ...]]] = []
    for r in elb.rules_of(listener.arn):
        if not r.is_default:
            sources.append((r, r.actions))
    sources.append((None, listener.default_actions))
    for rule, actions in sources:
        for action in actions:
            kind = action.type
            if kind == "forward":
                for arn in action.forwarding_groups:
                    if not any(g == arn and r is rule for g, r in groups):
                        groups.append((arn, rule))
            elif kind in ("redirect", "fixed-response"):
                answers.append(f"{kind} ({'rule ' + str(rule.priority) if rule else 'default action'})")
    return groups, answers


def _target_address(
    s: Snapshot, tg: TargetGroup, th: TargetHealth
) -> tuple[NetworkInterface | None, Address | None]:
    if tg.target_type is TargetType.INSTANCE:
        inst = s.instances.get(th.target_id)
        if inst is None:
            return None, None
        enis = [s.interfaces[e] for e in inst.eni_ids if e in s.interfaces]
        # the instance's primary interface (device index 0) carries the traffic: the first one listed
        eni = enis[0] if enis else None
        return eni, eni.primary_ip if eni is not None else None
    if tg.target_type is TargetType.IP:
        try:
            addr = Address.parse(th.target_id)
        except ValueError:
            return None, None
        hits = s.enis_by_address.get(addr, ())
        return (s.interfaces[hits[0]] if len(hits) == 1 else None), addr
    return None, None


def _zone_of(s: Snapshot, eni: NetworkInterface | None, th: TargetHealth) -> str | None:
    if th.availability_zone:
        return th.availability_zone
    if eni is not None:
        sub = s.subnets.get(eni.subnet_id)
        return sub.availability_zone if sub is not None else None
    return None


def select_targets(
    s: Snapshot,
    lb: LoadBalancer,
    protocol: int,
    port: int,
    node_zone: str | None,
) -> LbSelection:
    """The targets the node of ``lb`` in ``node_zone`` sends a ``protocol``/``port`` connection to.

    ``node_zone`` None: any node (the union over the load balancer's zones)."""
    elb = s.load_balancing
    issues: list[LbIssue] = []
    notes: list[str] = []
    if lb.state not in ("active", "active_impaired"):
        return LbSelection(
            lb, None, node_zone, issues=(LbIssue("BAD_STATE", f"load balancer {lb.name} is {lb.state}"),)
        )
    listener = listener_for(elb.listeners_of(lb.arn), lb.type, protocol, port)
    if listener is None:
        ports = ", ".join(f"{li.protocol} {li.port}" for li in elb.listeners_of(lb.arn)) or "none"
        return LbSelection(
            lb,
            None,
            node_zone,
            issues=(
                LbIssue(
                    "ELBV2_LISTENERS_MISMATCH",
                    f"{lb.name} has no listener for that port (listeners: {ports})",
                ),
            ),
        )
    groups, answers = forward_groups(s, listener)
    if not groups:
        if not answers:
            issues.append(
                LbIssue("ELBV2_LISTENER_HAS_NO_TG", f"listener {listener.port} forwards to no target group")
            )
        return LbSelection(lb, listener, node_zone, issues=tuple(issues), answers_itself=tuple(answers))
    zones = {z.zone_name for z in lb.zones}
    choices: list[TargetChoice] = []
    for arn, rule in groups:
        tg = elb.target_groups.get(arn)
        if tg is None:
            issues.append(
                LbIssue("UNRESOLVED_TARGET_GROUP", f"target group {arn} is not in the snapshot", True)
            )
            continue
        health = elb.target_health.get(arn)
        if health is None:
            issues.append(
                LbIssue(
                    "NO_TARGET_HEALTH", f"target group {tg.name} has no describe-target-health output", True
                )
            )
            continue
        if tg.target_type is TargetType.LAMBDA:
            issues.append(LbIssue("NOT_MODELLED", f"target group {tg.name} invokes a Lambda function", True))
            continue
        preserved = client_ip_preserved(lb, tg)
        if preserved is None:
            issues.append(
                LbIssue(
                    "NOT_MODELLED",
                    f"client IP preservation of {tg.target_type.value} targets of {tg.name}",
                    True,
                )
            )
            continue
        routable = [h for h in health if h.state in _ROUTABLE]
        fail_open = not routable
        if fail_open:
            routable = [
                h
                for h in health
                if h.state in (TargetHealthState.UNHEALTHY, TargetHealthState.UNHEALTHY_DRAINING)
            ]
            if routable:
                notes.append(
                    f"target group {tg.name}: no healthy target, so the load balancer fails open to all"
                )
        if not routable:
            issues.append(
                LbIssue("ELBV2_NO_TARGETS_IN_AZ", f"target group {tg.name} has no registered target")
            )
            continue
        across = cross_zone(lb, tg)
        picked = 0
        for h in routable:
            eni, addr = _target_address(s, tg, h)
            zone = _zone_of(s, eni, h)
            if zone not in (None, "all") and zones and zone not in zones:
                continue  # a target in a zone the load balancer is not enabled in receives nothing
            if not across and node_zone is not None and zone not in (None, "all", node_zone):
                continue
            port_ = h.port or tg.port or port
            hc = h.health_check_port or tg.health_check_port or port_
            sports = None if preserved else LB_SOURCE_PORTS
            choice = TargetChoice(tg, h, eni, addr, port_, hc, zone, preserved, sports, fail_open, rule)
            choices.append(choice)
            picked += 1
        if not picked:
            where = f" in {node_zone}" if node_zone else ""
            code = "ELB_NOT_CROSSZONE" if not across else "ELBV2_NO_TARGETS_IN_AZ"
            issues.append(LbIssue(code, f"target group {tg.name} has no target the node{where} can use"))
    return LbSelection(lb, listener, node_zone, tuple(choices), tuple(issues), tuple(answers), tuple(notes))


def load_balancer_enis(s: Snapshot, lb: LoadBalancer) -> tuple[NetworkInterface, ...]:
    """The load balancer's node interfaces: ``Description`` ``ELB <app|net|gwy>/<name>/<id>``."""
    want = f"ELB {lb.short_id}"
    return tuple(sorted((e for e in s.interfaces.values() if e.description == want), key=lambda e: e.eni_id))


@dataclass(frozen=True, slots=True)
class LoadBalancerNode:
    """One node of a load balancer: its zone, subnet, interface and addresses."""

    zone: str
    subnet_id: str | None
    eni: NetworkInterface | None
    private_ip: Address | None
    public_ip: Address | None


def load_balancer_nodes(s: Snapshot, lb: LoadBalancer) -> tuple[LoadBalancerNode, ...]:
    """The node of each enabled zone: its ENI (by description and subnet) and addresses. An internet-facing
    node's public address is its ENI's (or the zone's Elastic IP for an NLB)."""
    enis = load_balancer_enis(s, lb)
    out = []
    for z in lb.zones:
        eni = next((e for e in enis if e.subnet_id == z.subnet_id), None)
        private = next((a.private_ip for a in z.addresses if a.private_ip is not None), None)
        public = next((a.ip for a in z.addresses if a.ip is not None), None)
        if eni is not None:
            private = private or eni.primary_ip
            if public is None and eni.primary_ip is not None:
                public = eni.public_for(eni.primary_ip)
        out.append(LoadBalancerNode(z.zone_name, z.subnet_id, eni, private, public))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class DnsZones:
    """The zones whose node the load balancer's DNS name answers with (``None``: every enabled zone), and
    why the others are left out."""

    zones: frozenset[str] | None
    reason: str = ""


def dns_zones(s: Snapshot, lb: LoadBalancer) -> DnsZones:
    """An enabled zone is in DNS only while every target group its listeners use can serve it: a healthy
    target in that zone (cross-zone off) or in any zone (cross-zone on); with no zone left, DNS fails
    open to all. A group whose health or target zones are unknown leaves every zone in.
    https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html
    https://repost.aws/knowledge-center/elb-dns-cross-zone-balance-configuration"""
    if lb.type is LoadBalancerType.GATEWAY:
        return DnsZones(None)
    elb = s.load_balancing
    enabled = frozenset(z.zone_name for z in lb.zones)
    serving = set(enabled)
    why: dict[str, str] = {}
    for listener in elb.listeners_of(lb.arn):
        for arn, _rule in forward_groups(s, listener)[0]:
            tg = elb.target_groups.get(arn)
            health = elb.target_health.get(arn)
            if tg is None or health is None or tg.target_type is TargetType.LAMBDA:
                return DnsZones(None)
            zones: set[str] = set()
            for h in health:
                if h.state not in _ROUTABLE:
                    continue
                zone = _zone_of(s, _target_address(s, tg, h)[0], h)
                if zone is None:
                    return DnsZones(None)
                zones.add(zone)
            across = cross_zone(lb, tg)
            usable = enabled if (zones and across) or "all" in zones else zones
            for z in serving - usable:
                why.setdefault(
                    z, f"target group {tg.name} has no healthy target " + ("" if across else "there")
                )
            serving &= usable
    if not serving or serving == enabled:
        return DnsZones(None)
    left = ", ".join(f"{z} ({why[z].rstrip()})" for z in sorted(enabled - serving))
    return DnsZones(frozenset(serving), f"{lb.name}'s DNS name leaves out the node in {left}")
