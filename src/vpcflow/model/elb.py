"""Elastic Load Balancing: ELBv2 load balancers (application, network, gateway), their listeners, listener
rules, target groups and target health; Classic load balancers.

Values keep AWS's words and enum spellings (``application``, ``internet-facing``, ``forward``, ``TCP``),
normalised to one case where AWS's own outputs differ. Attributes stay ``(key, value)`` text pairs as
``describe-*-attributes`` returns them; the helpers below read the few that decide reachability.
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancer.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

from vpcflow.model.net import Address

Attributes = tuple[tuple[str, str], ...]

CROSS_ZONE = "load_balancing.cross_zone.enabled"
PRESERVE_CLIENT_IP = "preserve_client_ip.enabled"
# target-group value meaning "whatever the load balancer says" (the default)
USE_LB_CONFIGURATION = "use_load_balancer_configuration"


def attribute(attrs: Attributes, key: str) -> str | None:
    for k, v in attrs:
        if k == key:
            return v
    return None


class LoadBalancerType(Enum):
    APPLICATION = "application"
    NETWORK = "network"
    GATEWAY = "gateway"


class TargetType(Enum):
    INSTANCE = "instance"
    IP = "ip"
    LAMBDA = "lambda"
    ALB = "alb"


@dataclass(frozen=True, slots=True)
class LoadBalancerAddress:
    """One address of a load balancer node (``AvailabilityZones[].LoadBalancerAddresses[]``)."""

    ip: Address | None = None
    private_ip: Address | None = None
    allocation_id: str | None = None
    ipv6: Address | None = None


@dataclass(frozen=True, slots=True)
class LoadBalancerZone:
    """An enabled Availability Zone: the subnet where the load balancer has a node (and its ENI)."""

    zone_name: str
    subnet_id: str | None
    addresses: tuple[LoadBalancerAddress, ...] = ()
    outpost_id: str | None = None


@dataclass(frozen=True, slots=True)
class LoadBalancer:
    arn: str
    name: str
    type: LoadBalancerType
    scheme: str  # "internet-facing" | "internal"
    vpc_id: str | None
    state: str  # "active" | "provisioning" | "active_impaired" | "failed"
    dns_name: str | None
    zones: tuple[LoadBalancerZone, ...]
    security_groups: tuple[str, ...] = ()
    ip_address_type: str | None = None
    # NLB only: whether inbound SG rules apply to PrivateLink traffic ("on" | "off"), when reported
    enforce_sg_inbound_on_privatelink: str | None = None
    attributes: Attributes = ()
    has_attributes: bool = False  # describe-load-balancer-attributes seen for this load balancer
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def internet_facing(self) -> bool:
        return self.scheme == "internet-facing"

    @property
    def short_id(self) -> str:
        """``app/<name>/<id>`` / ``net/<name>/<id>``: how the load balancer's ENIs describe it."""
        _, _, tail = self.arn.partition(":loadbalancer/")
        return tail

    def zone(self, zone_name: str) -> LoadBalancerZone | None:
        return next((z for z in self.zones if z.zone_name == zone_name), None)


class ActionType(Enum):
    FORWARD = "forward"
    REDIRECT = "redirect"
    FIXED_RESPONSE = "fixed-response"
    AUTHENTICATE_OIDC = "authenticate-oidc"
    AUTHENTICATE_COGNITO = "authenticate-cognito"
    JWT_VALIDATION = "jwt-validation"


@dataclass(frozen=True, slots=True)
class WeightedTargetGroup:
    target_group_arn: str
    weight: int | None = None  # None: not given (AWS treats a lone group as weight 1)


@dataclass(frozen=True, slots=True)
class ListenerAction:
    """One action of a listener or rule; ``forward`` names its target groups (``TargetGroupArn`` and/or
    ``ForwardConfig.TargetGroups`` with weights)."""

    type: str  # an ActionType value, kept as text so unknown future types are reported, not lost
    order: int | None = None
    target_groups: tuple[WeightedTargetGroup, ...] = ()

    @property
    def forwarding_groups(self) -> tuple[str, ...]:
        """Target groups this action can send traffic to (weight 0 receives nothing)."""
        return tuple(g.target_group_arn for g in self.target_groups if g.weight is None or g.weight > 0)


@dataclass(frozen=True, slots=True)
class Listener:
    arn: str
    load_balancer_arn: str
    port: int | None  # None for a Gateway Load Balancer (it listens on all ports)
    protocol: str | None  # HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP, QUIC, TCP_QUIC, GENEVE
    default_actions: tuple[ListenerAction, ...]


@dataclass(frozen=True, slots=True)
class ListenerRule:
    """An ALB listener rule. Conditions (host, path, header, source IP, ...) are kept by field name:
    except ``source-ip`` they depend on the HTTP request, not on the packet."""

    arn: str
    listener_arn: str
    priority: int | None  # None for the default rule
    is_default: bool
    conditions: tuple[str, ...]
    actions: tuple[ListenerAction, ...]
    source_ip_cidrs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TargetGroup:
    arn: str
    name: str
    protocol: str | None  # None for lambda targets
    port: int | None
    target_type: TargetType
    vpc_id: str | None
    health_check_enabled: bool = True
    health_check_port: int | None = None  # None: "traffic-port" (the target's own port)
    health_check_protocol: str | None = None
    load_balancer_arns: tuple[str, ...] = ()
    ip_address_type: str | None = None
    attributes: Attributes = ()
    has_attributes: bool = False
    tags: tuple[tuple[str, str], ...] = ()


class TargetHealthState(Enum):
    INITIAL = "initial"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    UNHEALTHY_DRAINING = "unhealthy.draining"
    UNUSED = "unused"
    DRAINING = "draining"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class TargetHealth:
    """One registered target of a target group and its health (describe-target-health)."""

    target_group_arn: str
    target_id: str  # instance id, IP address, Lambda ARN or ALB ARN
    port: int | None
    availability_zone: str | None  # "all" for IP targets outside the VPC
    state: TargetHealthState
    reason: str | None = None
    health_check_port: int | None = None


@dataclass(frozen=True, slots=True)
class ClassicListener:
    protocol: str
    load_balancer_port: int
    instance_protocol: str | None
    instance_port: int


@dataclass(frozen=True, slots=True)
class ClassicLoadBalancer:
    """An ELB Classic load balancer (``elb describe-load-balancers``). Loaded and named; the engine answers
    UNKNOWN for paths through it (see docs/semantics.md)."""

    name: str
    dns_name: str | None
    scheme: str | None
    vpc_id: str | None
    subnets: tuple[str, ...]
    availability_zones: tuple[str, ...]
    security_groups: tuple[str, ...]
    listeners: tuple[ClassicListener, ...]
    instances: tuple[str, ...]
    source_security_group: str | None = None


@dataclass(frozen=True, slots=True)
class LoadBalancing:
    """Every load-balancing resource of a snapshot, keyed by ARN (Classic: by name)."""

    load_balancers: Mapping[str, LoadBalancer] = field(default_factory=lambda: MappingProxyType({}))
    listeners: Mapping[str, Listener] = field(default_factory=lambda: MappingProxyType({}))
    rules: Mapping[str, ListenerRule] = field(default_factory=lambda: MappingProxyType({}))
    target_groups: Mapping[str, TargetGroup] = field(default_factory=lambda: MappingProxyType({}))
    # target group ARN → its registered targets; a group absent here had no describe-target-health
    target_health: Mapping[str, tuple[TargetHealth, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    classic: Mapping[str, ClassicLoadBalancer] = field(default_factory=lambda: MappingProxyType({}))

    def __bool__(self) -> bool:
        return bool(
            self.load_balancers
            or self.listeners
            or self.rules
            or self.target_groups
            or self.target_health
            or self.classic
        )

    def listeners_of(self, lb_arn: str) -> tuple[Listener, ...]:
        return tuple(
            sorted(
                (li for li in self.listeners.values() if li.load_balancer_arn == lb_arn),
                key=lambda li: (li.port or 0, li.protocol or "", li.arn),
            )
        )

    def rules_of(self, listener_arn: str) -> tuple[ListenerRule, ...]:
        """Rules by priority (the default rule last)."""
        return tuple(
            sorted(
                (r for r in self.rules.values() if r.listener_arn == listener_arn),
                key=lambda r: (r.is_default, r.priority or 0, r.arn),
            )
        )

    def find(self, ref: str) -> LoadBalancer | None:
        """A load balancer by ARN, name or DNS name (case-insensitive for DNS names)."""
        hit = self.load_balancers.get(ref)
        if hit is not None:
            return hit
        low = ref.lower().rstrip(".")
        for lb in self.load_balancers.values():
            if lb.name == ref or (lb.dns_name and lb.dns_name.lower() in (low, f"dualstack.{low}")):
                return lb
            if lb.dns_name and low == f"dualstack.{lb.dns_name.lower()}":
                return lb
        return None

    def find_target_group(self, ref: str) -> TargetGroup | None:
        hit = self.target_groups.get(ref)
        if hit is not None:
            return hit
        return next((tg for tg in self.target_groups.values() if tg.name == ref), None)
