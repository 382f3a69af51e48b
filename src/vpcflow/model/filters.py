"""Security groups and network ACLs: the two packet filters of a VPC.

A rule value says exactly what it matches (protocol, ports or ICMP type/code, one peer); the engines
decide. One ``IpPermission`` with several peers becomes several ``SecurityGroupRule`` values that keep
their permission index, so explanations can point at the rule the user wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vpcflow.model.net import (
    ALL_PROTOCOLS,
    ICMP,
    ICMPV6,
    TCP,
    UDP,
    Cidr,
    Direction,
    IcmpMatch,
    PortRange,
    RuleAction,
    protocol_name,
)


@dataclass(frozen=True, slots=True)
class CidrPeer:
    cidr: Cidr

    def __str__(self) -> str:
        return str(self.cidr)


@dataclass(frozen=True, slots=True)
class GroupPeer:
    """A reference to a security group: matches its members' *private* IPs only.

    https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-rules.html
    """

    group_id: str
    account: str | None = None
    vpc_id: str | None = None
    peering_status: str | None = None

    def __str__(self) -> str:
        return f"{self.account}/{self.group_id}" if self.account else self.group_id


@dataclass(frozen=True, slots=True)
class PrefixListPeer:
    prefix_list_id: str

    def __str__(self) -> str:
        return self.prefix_list_id


Peer = CidrPeer | GroupPeer | PrefixListPeer


def ports_apply(protocol: int) -> bool:
    """Ports only restrict TCP and UDP; -1 or other protocols match all ports (API_IpPermission)."""
    return protocol in (TCP, UDP)


def icmp_applies(protocol: int) -> bool:
    return protocol in (ICMP, ICMPV6)


@dataclass(frozen=True, slots=True)
class SecurityGroupRule:
    """One (permission, peer) pair of a security group, in one direction."""

    group_id: str
    direction: Direction
    permission_index: int
    peer_index: int
    protocol: int
    ports: PortRange | None
    icmp: IcmpMatch | None
    peer: Peer
    description: str | None = None
    rule_id: str | None = None

    def matches_protocol_and_ports(
        self, protocol: int, dst_port: int, icmp_type: int, icmp_code: int
    ) -> bool:
        if self.protocol != ALL_PROTOCOLS and self.protocol != protocol:
            return False
        if ports_apply(self.protocol) and self.ports is not None:
            return dst_port in self.ports
        if icmp_applies(self.protocol) and self.icmp is not None:
            return self.icmp.matches(icmp_type, icmp_code)
        return True

    @property
    def label(self) -> str:
        """Short human form, e.g. ``sg-1 ingress #0 tcp 443 from 0.0.0.0/0``."""
        word = "from" if self.direction is Direction.INGRESS else "to"
        head = f"{self.group_id} {self.direction.value} #{self.permission_index}"
        return f"{head} {self.match_text} {word} {self.peer}"

    @property
    def match_text(self) -> str:
        proto = protocol_name(self.protocol)
        if ports_apply(self.protocol) and self.ports is not None:
            return f"{proto} {self.ports}"
        if icmp_applies(self.protocol) and self.icmp is not None:
            return f"{proto} {self.icmp}"
        return proto


@dataclass(frozen=True, slots=True)
class SecurityGroup:
    group_id: str
    name: str
    vpc_id: str | None
    owner_id: str | None
    description: str | None
    ingress: tuple[SecurityGroupRule, ...]
    egress: tuple[SecurityGroupRule, ...]
    tags: tuple[tuple[str, str], ...] = ()

    def rules(self, direction: Direction) -> tuple[SecurityGroupRule, ...]:
        return self.ingress if direction is Direction.INGRESS else self.egress


DEFAULT_DENY_V4 = 32767
DEFAULT_DENY_V6 = 32768


@dataclass(frozen=True, slots=True)
class NetworkAclEntry:
    """One numbered NACL entry; IPv4 and IPv6 entries are distinct (rule 32767 vs 32768 for ``*``)."""

    acl_id: str
    rule_number: int
    direction: Direction
    action: RuleAction
    protocol: int
    cidr: Cidr
    ports: PortRange | None = None
    icmp: IcmpMatch | None = None

    @property
    def is_default(self) -> bool:
        return self.rule_number >= DEFAULT_DENY_V4

    @property
    def number_text(self) -> str:
        return "*" if self.is_default else str(self.rule_number)

    def matches_protocol_and_ports(
        self, protocol: int, dst_port: int, icmp_type: int, icmp_code: int
    ) -> bool:
        if self.protocol != ALL_PROTOCOLS and self.protocol != protocol:
            return False
        if ports_apply(self.protocol):
            return self.ports is None or dst_port in self.ports
        if self.protocol == ICMP or (self.protocol == ICMPV6 and self.cidr.version == 6):
            # Protocol 58 with an IPv4 CIDR matches every type/code (API_CreateNetworkAclEntry).
            return self.icmp is None or self.icmp.matches(icmp_type, icmp_code)
        return True

    @property
    def match_text(self) -> str:
        proto = protocol_name(self.protocol)
        if ports_apply(self.protocol) and self.ports is not None:
            return f"{proto} {self.ports}"
        if icmp_applies(self.protocol) and self.icmp is not None:
            return f"{proto} {self.icmp}"
        return proto

    @property
    def label(self) -> str:
        word = "from" if self.direction is Direction.INGRESS else "to"
        return (
            f"{self.acl_id} {self.direction.value} rule {self.number_text} "
            f"{self.match_text} {word} {self.cidr} {self.action.value.upper()}"
        )


@dataclass(frozen=True, slots=True)
class NetworkAcl:
    acl_id: str
    vpc_id: str
    is_default: bool
    ingress: tuple[NetworkAclEntry, ...]
    egress: tuple[NetworkAclEntry, ...]
    subnet_ids: frozenset[str] = field(default_factory=frozenset)
    tags: tuple[tuple[str, str], ...] = ()

    def entries(self, direction: Direction) -> tuple[NetworkAclEntry, ...]:
        """Entries sorted by rule number (never file order), ``*`` rules last."""
        return self.ingress if direction is Direction.INGRESS else self.egress
