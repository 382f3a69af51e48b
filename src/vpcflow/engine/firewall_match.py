"""What one Network Firewall rule matches, for one packet of a flow, in three values: yes, no, maybe.

``MAYBE`` is an honest answer: the rule depends on something a 5-tuple does not carry (an application-layer
protocol, a TLS SNI or HTTP Host the user did not give, payload content, an unresolvable variable). The
policy evaluator (``firewall.py``) turns a ``MAYBE`` that could change the verdict into UNKNOWN naming the
rule.

Suricata expressions: https://docs.suricata.io/en/latest/rules/intro.html; rule variables and the
``HOME_NET`` default: https://docs.aws.amazon.com/network-firewall/latest/developerguide/rule-groups-variables.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from vpcflow.engine.intervals import IntervalSet
from vpcflow.model import ICMP, ICMPV6, TCP, UDP, Address, Cidr
from vpcflow.model.network_firewall import (
    AddressExpr,
    AddressList,
    AnyAddress,
    AnyPort,
    CidrAddress,
    NegatedAddress,
    NegatedPort,
    PortExpr,
    PortList,
    PortSpan,
    ReferenceAddress,
    StatefulRule,
    StatelessRule,
    VariableAddress,
    VariablePort,
)

ALL_PORTS = IntervalSet.of((0, 65535))


class Tri(Enum):
    NO = 0
    MAYBE = 1
    YES = 2

    def __and__(self, other: Tri) -> Tri:
        return self if self.value <= other.value else other

    def __or__(self, other: Tri) -> Tri:
        return self if self.value >= other.value else other

    def __invert__(self) -> Tri:
        return {Tri.NO: Tri.YES, Tri.YES: Tri.NO, Tri.MAYBE: Tri.MAYBE}[self]

    @classmethod
    def of(cls, value: bool) -> Tri:
        return cls.YES if value else cls.NO


@dataclass(frozen=True, slots=True)
class PacketKind:
    """One kind of packet of a flow, as the firewall sees it (TCP: handshake and data both ways)."""

    name: str
    to_server: bool
    established: bool
    payload: bool  # carries application data (so an application-layer protocol can be recognised)
    tcp_flags: frozenset[str] = frozenset()


# The packets of a flow in the order they cross the firewall. The handshake's closing ACK is folded into
# the first data packet (same direction, same flags for every rule vpcflow can evaluate).
TCP_PACKETS = (
    PacketKind("SYN", True, False, False, frozenset({"SYN"})),
    PacketKind("SYN-ACK", False, False, False, frozenset({"SYN", "ACK"})),
    PacketKind("data to server", True, True, True, frozenset({"ACK", "PSH"})),
    PacketKind("data to client", False, True, True, frozenset({"ACK", "PSH"})),
)
# UDP, ICMP and other protocols: the first packet opens the flow; a reply makes it established.
DATAGRAM_PACKETS = (
    PacketKind("first packet", True, False, True),
    PacketKind("reply", False, True, True),
    PacketKind("next packet to server", True, True, True),
)
ONE_WAY_PACKETS = (PacketKind("packet", True, False, True),)

# Application-layer protocol keywords and the transport they run over (Suricata's app-layer parsers
# Network Firewall lists in its stateful rule protocol options).
TCP_APPS = frozenset(
    {"http", "http2", "tls", "ssh", "smtp", "ftp", "imap", "smb", "dcerpc", "msn", "krb5", "rdp", "mqtt",
     "modbus", "dnp3", "enip", "pop3", "nfs", "ftp-data", "ldap", "websocket"}
)  # fmt: skip
UDP_APPS = frozenset({"ikev2", "tftp", "ntp", "dhcp", "snmp", "sip", "quic", "krb5", "nfs"})
BOTH_APPS = frozenset({"dns"})

# Options that never restrict what a rule matches (they name, log or set state).
NEUTRAL_OPTIONS = frozenset(
    {"msg", "sid", "rev", "gid", "classtype", "priority", "metadata", "reference", "target", "noalert"}
)


@dataclass(frozen=True, slots=True)
class Packet:
    src: Address
    dst: Address
    protocol: int
    sport: int
    dport: int
    kind: PacketKind
    icmp_type: int | None = None  # ICMP only; None: not known
    icmp_code: int | None = None


@dataclass(frozen=True, slots=True)
class AppContext:
    """What the user told about the flow's application layer (``--sni`` / ``--host``)."""

    sni: str | None = None
    host: str | None = None

    @property
    def protocol(self) -> str | None:
        if self.sni is not None:
            return "tls"
        if self.host is not None:
            return "http"
        return None


class Variables:
    """Rule variables in force for one rule group: the group's own, then the policy's, then defaults
    (``HOME_NET`` = the firewall VPC's CIDRs, ``EXTERNAL_NET`` = everything not in ``HOME_NET``)."""

    def __init__(
        self,
        home_net: tuple[Cidr, ...],
        policy_ip_sets: Mapping[str, tuple[AddressExpr, ...]],
        group_ip_sets: Mapping[str, tuple[AddressExpr, ...]],
        group_port_sets: Mapping[str, tuple[PortExpr, ...]],
    ) -> None:
        self.ip: dict[str, AddressExpr] = {"HOME_NET": AddressList(tuple(CidrAddress(c) for c in home_net))}
        for name, items in policy_ip_sets.items():
            self.ip[name] = AddressList(items)
        for name, items in group_ip_sets.items():
            self.ip[name] = AddressList(items)
        if "EXTERNAL_NET" not in group_ip_sets:
            external: AddressExpr = NegatedAddress(VariableAddress("HOME_NET"))
            self.ip["EXTERNAL_NET"] = external
        self.port: dict[str, PortExpr] = {}
        for pname, pitems in group_port_sets.items():
            self.port[pname] = PortList(pitems)


def address_match(expr: AddressExpr, addr: Address, v: Variables, depth: int = 0) -> Tri:
    if depth > 32:
        return Tri.MAYBE  # a variable cycle: not decidable
    if isinstance(expr, AnyAddress):
        return Tri.YES
    if isinstance(expr, CidrAddress):
        return Tri.of(addr in expr.cidr)
    if isinstance(expr, VariableAddress):
        inner = v.ip.get(expr.name)
        return Tri.MAYBE if inner is None else address_match(inner, addr, v, depth + 1)
    if isinstance(expr, ReferenceAddress):
        return Tri.MAYBE  # a managed prefix list / resource group reference: contents not in the snapshot
    if isinstance(expr, NegatedAddress):
        return ~address_match(expr.inner, addr, v, depth + 1)
    # a list: any positive item (all, when there is none) and no negated item
    positive = [i for i in expr.items if not isinstance(i, NegatedAddress)]
    negative = [i.inner for i in expr.items if isinstance(i, NegatedAddress)]
    hit = Tri.YES if not positive else Tri.NO
    for item in positive:
        hit = hit | address_match(item, addr, v, depth + 1)
    for neg in negative:
        hit = hit & ~address_match(neg, addr, v, depth + 1)
    return hit


def port_set(expr: PortExpr, v: Variables, depth: int = 0) -> IntervalSet | None:
    """The ports an expression matches; ``None`` when a variable is unknown."""
    if depth > 32:
        return None
    if isinstance(expr, AnyPort):
        return ALL_PORTS
    if isinstance(expr, PortSpan):
        return IntervalSet.of((expr.lo, expr.hi))
    if isinstance(expr, VariablePort):
        inner = v.port.get(expr.name)
        return None if inner is None else port_set(inner, v, depth + 1)
    if isinstance(expr, NegatedPort):
        inner_set = port_set(expr.inner, v, depth + 1)
        return None if inner_set is None else ALL_PORTS - inner_set
    positive = [i for i in expr.items if not isinstance(i, NegatedPort)]
    negative = [i.inner for i in expr.items if isinstance(i, NegatedPort)]
    out = ALL_PORTS if not positive else IntervalSet()
    for item in positive:
        s = port_set(item, v, depth + 1)
        if s is None:
            return None
        out = out | s
    for neg in negative:
        s = port_set(neg, v, depth + 1)
        if s is None:
            return None
        out = out - s
    return out


def _port_match(expr: PortExpr, port: int, v: Variables) -> Tri:
    s = port_set(expr, v)
    return Tri.MAYBE if s is None else Tri.of(port in s)


def _protocol_match(rule: StatefulRule, pkt: Packet, app: AppContext) -> Tri:
    proto = rule.protocol
    if proto == "ip":
        return Tri.YES
    if proto == "tcp":
        return Tri.of(pkt.protocol == TCP)
    if proto == "udp":
        return Tri.of(pkt.protocol == UDP)
    if proto in ("icmp", "icmpv4", "icmpv6"):
        wanted = {"icmp": (ICMP, ICMPV6), "icmpv4": (ICMP,), "icmpv6": (ICMPV6,)}[proto]
        return Tri.of(pkt.protocol in wanted)
    if proto in TCP_APPS or proto in UDP_APPS or proto in BOTH_APPS:
        transport_ok = (pkt.protocol == TCP and (proto in TCP_APPS or proto in BOTH_APPS)) or (
            pkt.protocol == UDP and (proto in UDP_APPS or proto in BOTH_APPS)
        )
        if not transport_ok or not pkt.kind.payload:
            return Tri.NO  # the protocol is recognised from application data only
        known = app.protocol
        if known is not None and pkt.protocol == TCP:
            return Tri.of(proto == known)
        return Tri.MAYBE
    return Tri.MAYBE  # a protocol keyword vpcflow does not know


def _flow_match(value: str | None, kind: PacketKind) -> Tri:
    hit = Tri.YES
    for word in (w.strip().lower() for w in (value or "").split(",")):
        if not word:
            continue
        if word in ("to_server", "from_client"):
            hit = hit & Tri.of(kind.to_server)
        elif word in ("to_client", "from_server"):
            hit = hit & Tri.of(not kind.to_server)
        elif word == "established":
            hit = hit & Tri.of(kind.established)
        elif word == "not_established":
            hit = hit & Tri.of(not kind.established)
        elif word in ("stateless", "no_frag"):
            continue
        else:
            hit = hit & Tri.MAYBE  # only_stream, no_stream, only_frag, ...
    return hit


def stateful_match(rule: StatefulRule, pkt: Packet, v: Variables, app: AppContext) -> Tri:
    if rule.error is not None:
        return Tri.MAYBE
    hit = _protocol_match(rule, pkt, app)
    if hit is Tri.NO:
        return hit

    def oriented(src: Address, sport: int, dst: Address, dport: int) -> Tri:
        return (
            address_match(rule.source, src, v)
            & address_match(rule.destination, dst, v)
            & _ports_if_any(rule.source_port, sport, pkt.protocol, v)
            & _ports_if_any(rule.destination_port, dport, pkt.protocol, v)
        )

    header = oriented(pkt.src, pkt.sport, pkt.dst, pkt.dport)
    if rule.direction == "<>":
        header = header | oriented(pkt.dst, pkt.dport, pkt.src, pkt.sport)
    hit = hit & header
    if hit is Tri.NO:
        return hit
    buffer: str | None = None  # the sticky buffer later content matches inspect
    last: _Content | None = None
    contents: list[_Content] = []
    for name, value in rule.options:
        key = name.lower()
        if key == "flow":
            hit = hit & _flow_match(value, pkt.kind)
        elif (
            key == "flowbits"
            and value is not None
            and value.split(",")[0].strip() in ("set", "unset", "toggle")
        ):
            continue
        elif key in NAME_BUFFERS:
            buffer, last = key, None
        elif key == "dotprefix" and buffer is not None and last is None:
            buffer += "+dot"  # a transform of the buffer: it precedes the buffer's contents
        elif key == "content" and buffer is not None and buffer.split("+")[0] in NAME_BUFFERS:
            last = _Content.parse(buffer, value)
            contents.append(last)
        elif key in _CONTENT_MODIFIERS and last is not None:
            last.modifiers.add(key)
        elif key in ("itype", "icode"):
            hit = hit & _icmp_field(value, pkt.icmp_type if key == "itype" else pkt.icmp_code, pkt)
        elif key in ("ssl_state", "ssl_version") and (value or "").strip().lower() in _TLS_STATES[key]:
            hit = hit & _app_buffer("tls", pkt, app)  # the TLS client hello, or any TLS version
        elif key not in NEUTRAL_OPTIONS:
            hit = hit & Tri.MAYBE  # content, pcre, threshold, ... : not decidable from a 5-tuple
            buffer, last = None, None  # another sticky buffer, or a modifier vpcflow does not evaluate
    for c in contents:
        hit = hit & c.match(pkt, app)
    if rule.domain is not None and hit is not Tri.NO:
        host = app.sni if rule.domain.kind == "tls" else app.host
        hit = hit & (Tri.MAYBE if host is None else Tri.of(rule.domain.matches(host)))
    return hit


# Sticky buffers holding a name the user can supply (``--sni`` / ``--host``; the header names only as far
# as every HTTP request has some), and the content modifiers
# vpcflow evaluates on them; any other modifier (depth, offset, pcre, ...) leaves the rule undecided.
# https://docs.suricata.io/en/latest/rules/tls-keywords.html#tls-sni
# https://docs.suricata.io/en/latest/rules/http-keywords.html#http-host-and-http-host-raw
# https://docs.suricata.io/en/latest/rules/transforms.html#dotprefix
NAME_BUFFERS = {"tls.sni": "tls", "http.host": "http", "http.header_names": "http"}
_CONTENT_MODIFIERS = frozenset({"nocase", "startswith", "endswith", "fast_pattern"})
_TLS_STATES = {"ssl_state": frozenset({"client_hello"}), "ssl_version": frozenset({"any"})}


def _app_buffer(kind: str, pkt: Packet, app: AppContext) -> Tri:
    """Whether a packet carries the ``kind`` (tls | http) request data a name buffer is read from: the
    client's first data packet of a TLS or HTTP flow."""
    if not (pkt.kind.to_server and pkt.kind.payload) or pkt.protocol != TCP:
        return Tri.NO
    if app.protocol is None:
        return Tri.MAYBE
    return Tri.of(app.protocol == kind)


@dataclass(slots=True)
class _Content:
    """One ``content`` match on a name buffer (``tls.sni``, ``http.host``), with its modifiers."""

    buffer: str  # a NAME_BUFFERS key, "+dot" when dotprefix transforms it
    pattern: str | None  # None: a pattern vpcflow cannot read (the match stays undecided)
    negated: bool
    modifiers: set[str]

    @classmethod
    def parse(cls, buffer: str, value: str | None) -> _Content:
        text = (value or "").strip()
        negated = text.startswith("!")
        text = text[1:].strip() if negated else text
        pattern = _content_text(text[1:-1]) if len(text) >= 2 and text[0] == text[-1] == '"' else None
        return cls(buffer, pattern, negated, set())

    def match(self, pkt: Packet, app: AppContext) -> Tri:
        name, _, transform = self.buffer.partition("+")
        present = _app_buffer(NAME_BUFFERS[name], pkt, app)
        if name == "http.header_names":
            # the buffer of every request with headers starts with CRLF: what Network Firewall's generated
            # allowlist rule matches to catch every other HTTP request (stateful-rule-groups-domain-names)
            every = self.pattern == "\r\n" and self.modifiers == {"startswith"} and not self.negated
            return present & (Tri.YES if every else Tri.MAYBE)
        value = app.sni if name == "tls.sni" else app.host
        if present is not Tri.YES or value is None or self.pattern is None:
            return present & Tri.MAYBE
        data = value.rstrip(".")
        if name == "http.host":
            data = data.lower()  # Suricata normalises the Host buffer to lower case
        if transform == "dot":
            data = "." + data
        pattern = self.pattern
        if "nocase" in self.modifiers:
            data, pattern = data.lower(), pattern.lower()
        starts, ends = "startswith" in self.modifiers, "endswith" in self.modifiers
        if starts and ends:
            found = data == pattern
        elif starts:
            found = data.startswith(pattern)
        elif ends:
            found = data.endswith(pattern)
        else:
            found = pattern in data
        return Tri.of(found != self.negated)


def _content_text(raw: str) -> str | None:
    """A content pattern's text: ``\\"``, ``\\;`` and ``\\\\`` escapes and ``|hex|`` bytes decoded (None if
    it is not plain text)."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            out.append(raw[i + 1])
            i += 2
        elif ch == "|":
            end = raw.find("|", i + 1)
            if end < 0:
                return None
            try:
                out.append(bytes.fromhex(raw[i + 1 : end]).decode("latin-1"))
            except ValueError:
                return None
            i = end + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _icmp_field(value: str | None, actual: int | None, pkt: Packet) -> Tri:
    """Suricata ``itype``/``icode``: ``n``, ``<n``, ``>n``, ``a<>b`` (exclusive); ICMP packets only.
    https://docs.suricata.io/en/latest/rules/header-keywords.html#itype"""
    if pkt.protocol not in (ICMP, ICMPV6):
        return Tri.NO
    text = (value or "").replace(" ", "")
    try:
        if "<>" in text:
            lo_s, hi_s = text.split("<>", 1)
            lo, hi = int(lo_s), int(hi_s)
        elif text.startswith("<"):
            lo, hi = -1, int(text[1:])
        elif text.startswith(">"):
            lo, hi = int(text[1:]), 256
        else:
            n = int(text)
            lo, hi = n - 1, n + 1
    except ValueError:
        return Tri.MAYBE
    return Tri.MAYBE if actual is None else Tri.of(lo < actual < hi)


def _ports_if_any(expr: PortExpr, port: int, protocol: int, v: Variables) -> Tri:
    if protocol not in (TCP, UDP):
        # ports do not exist for other protocols: only "any" matches them
        s = port_set(expr, v)
        return Tri.MAYBE if s is None else Tri.of(s == ALL_PORTS)
    return _port_match(expr, port, v)


def stateless_match(rule: StatelessRule, pkt: Packet) -> bool:
    if rule.protocols and pkt.protocol not in rule.protocols:
        return False
    if rule.sources and not any(pkt.src in c for c in rule.sources):
        return False
    if rule.destinations and not any(pkt.dst in c for c in rule.destinations):
        return False
    if rule.source_ports or rule.destination_ports:
        if pkt.protocol not in (TCP, UDP):
            return False
        if rule.source_ports and not any(pkt.sport in r for r in rule.source_ports):
            return False
        if rule.destination_ports and not any(pkt.dport in r for r in rule.destination_ports):
            return False
    if rule.tcp_flags:
        if pkt.protocol != TCP:
            return False
        flags = pkt.kind.tcp_flags
        if not any(
            (flags & (m.masks or _ALL_FLAGS)) == (m.flags & (m.masks or _ALL_FLAGS)) for m in rule.tcp_flags
        ):
            return False
    return True


_ALL_FLAGS = frozenset({"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"})


def port_breakpoints(sets: list[IntervalSet]) -> list[int]:
    """Ports where some set starts or ends: a flow's verdict is constant between consecutive ones."""
    points = {0}
    for s in sets:
        for lo, hi in s:
            points.add(lo)
            if hi < 65535:
                points.add(hi + 1)
    return sorted(points)
