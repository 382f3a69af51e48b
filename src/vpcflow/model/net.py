"""Address, port and protocol values shared by every layer.

Addresses are kept as integers (``lo``/``hi`` of a CIDR) so the engines compare numbers, never strings.
IPv4 and IPv6 are distinct families: an IPv4 rule never matches IPv6 traffic and vice versa.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import Enum

from vpcflow.model.frozen import fast_init

ALL_PROTOCOLS = -1
ICMP = 1
TCP = 6
UDP = 17
ICMPV6 = 58

PROTOCOL_NAMES: dict[str, int] = {
    "all": ALL_PROTOCOLS,
    "-1": ALL_PROTOCOLS,
    "icmp": ICMP,
    "tcp": TCP,
    "udp": UDP,
    "icmpv6": ICMPV6,
}
_NUMBER_NAMES = {ICMP: "icmp", TCP: "tcp", UDP: "udp", ICMPV6: "icmpv6", ALL_PROTOCOLS: "all"}


class ProtocolError(ValueError):
    """A protocol value that is neither a known name nor an IANA number 0-255 (or -1)."""


def parse_protocol(value: str | int) -> int:
    """Normalise an AWS ``IpProtocol``/``Protocol`` value (``"tcp"``, ``"6"``, ``6``, ``"-1"``) once."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value).strip().lower()
        if text in PROTOCOL_NAMES:
            return PROTOCOL_NAMES[text]
        try:
            number = int(text)
        except ValueError:
            raise ProtocolError(
                f"unknown protocol {value!r} (expected tcp, udp, icmp, icmpv6, -1 or 0-255)"
            ) from None
    if number == -1 or 0 <= number <= 255:
        return number
    raise ProtocolError(f"protocol number {number} out of range (expected -1 or 0-255)")


def protocol_name(number: int) -> str:
    return _NUMBER_NAMES.get(number, str(number))


@dataclass(frozen=True, slots=True, order=True)
class PortRange:
    """Inclusive port range, 0-65535."""

    lo: int
    hi: int

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.lo <= port <= self.hi

    def __str__(self) -> str:
        if self.lo == 0 and self.hi == 65535:
            return "all"
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"

    @property
    def size(self) -> int:
        return self.hi - self.lo + 1


ALL_PORTS = PortRange(0, 65535)


@dataclass(frozen=True, slots=True)
class IcmpMatch:
    """ICMP/ICMPv6 type and code; -1 means "any"."""

    type: int = -1
    code: int = -1

    def matches(self, icmp_type: int, icmp_code: int) -> bool:
        if self.type != -1 and self.type != icmp_type:
            return False
        return self.code == -1 or self.code == icmp_code

    def __str__(self) -> str:
        if self.type == -1:
            return "all"
        return f"type {self.type}" + ("" if self.code == -1 else f" code {self.code}")


ANY_ICMP = IcmpMatch()


@dataclass(frozen=True, slots=True)
class Cidr:
    """An IPv4 or IPv6 network as integer bounds (canonicalised: host bits cleared)."""

    version: int
    lo: int
    hi: int
    prefixlen: int

    @classmethod
    def parse(cls, text: str) -> Cidr:
        """Parse ``10.0.0.0/16``; host bits are cleared as AWS does (``100.68.0.18/18`` → ``/18``)."""
        net = ipaddress.ip_network(text.strip(), strict=False)
        return cls(
            net.version,
            int(net.network_address),
            int(net.broadcast_address),
            net.prefixlen,
        )

    @classmethod
    def host(cls, address: Address) -> Cidr:
        bits = 32 if address.version == 4 else 128
        return cls(address.version, address.value, address.value, bits)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, Address):
            return item.version == self.version and self.lo <= item.value <= self.hi
        if isinstance(item, Cidr):
            return item.version == self.version and self.lo <= item.lo and item.hi <= self.hi
        return False

    def overlaps(self, other: Cidr) -> bool:
        return self.version == other.version and self.lo <= other.hi and other.lo <= self.hi

    @property
    def is_world(self) -> bool:
        return self.prefixlen == 0

    def __str__(self) -> str:
        if self.version == 4:
            return f"{ipaddress.IPv4Address(self.lo)}/{self.prefixlen}"
        return f"{ipaddress.IPv6Address(self.lo)}/{self.prefixlen}"


WORLD_V4 = Cidr(4, 0, (1 << 32) - 1, 0)
WORLD_V6 = Cidr(6, 0, (1 << 128) - 1, 0)


@fast_init
@dataclass(frozen=True, slots=True, order=True)
class Address:
    """A single IPv4 or IPv6 address."""

    version: int
    value: int

    @classmethod
    def parse(cls, text: str) -> Address:
        ip = ipaddress.ip_address(text.strip())
        return cls(ip.version, int(ip))

    def __str__(self) -> str:
        if self.version == 4:
            v = self.value  # dotted quad without ipaddress (hop details print many addresses)
            return f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}"
        return str(ipaddress.IPv6Address(self.value))

    @property
    def is_private(self) -> bool:
        """RFC 1918 (IPv4) / ULA (IPv6) — what an IGW never routes to the internet."""
        if self.version == 4:
            return any(self in c for c in _PRIVATE_V4)
        return self in _ULA_V6


_PRIVATE_V4 = tuple(Cidr.parse(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_ULA_V6 = Cidr.parse("fc00::/7")


class Direction(Enum):
    # members are singletons: hash by identity (Enum's own hash is a Python call, on every dict lookup)
    __hash__ = object.__hash__

    INGRESS = "ingress"
    EGRESS = "egress"

    @property
    def opposite(self) -> Direction:
        return Direction.EGRESS if self is Direction.INGRESS else Direction.INGRESS


class RuleAction(Enum):
    ALLOW = "allow"
    DENY = "deny"


# Client ephemeral port ranges (aws-semantics.md §2.4 and §7: Linux uses the kernel default).
EPHEMERAL_PRESETS: dict[str, PortRange] = {
    "linux": PortRange(32768, 60999),
    "windows": PortRange(49152, 65535),
    "windows-2003": PortRange(1025, 5000),
    "nat": PortRange(1024, 65535),
    "elb": PortRange(1024, 65535),
    "lambda": PortRange(1024, 65535),
}


def parse_port_range(text: str) -> PortRange:
    """``linux`` / ``windows`` / ``1024-65535`` / ``443`` → PortRange; ValueError otherwise."""
    value = text.strip().lower()
    if value in EPHEMERAL_PRESETS:
        return EPHEMERAL_PRESETS[value]
    lo_s, _, hi_s = value.partition("-")
    try:
        lo = int(lo_s)
        hi = int(hi_s) if hi_s else lo
    except ValueError:
        raise ValueError(
            f"bad port range {text!r} (expected N, N-M or one of {', '.join(EPHEMERAL_PRESETS)})"
        ) from None
    if not (0 <= lo <= hi <= 65535):
        raise ValueError(f"bad port range {text!r} (ports are 0-65535, low before high)")
    return PortRange(lo, hi)
