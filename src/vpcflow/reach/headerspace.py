"""Header spaces: sets of packets as unions of boxes, with set algebra (``| & - <= == in``).

A packet is a point in five dimensions, each an integer line held as an ``IntervalSet``:

    SRC, DST   addresses on one line: IPv4 at 0 … 2**32-1, IPv6 shifted up by ``V6_BASE``
    PROTO      IANA protocol number 0-255
    SPORT      source port 0-65535 (0 for protocols without ports)
    DPORT      destination port 0-65535; for ICMP/ICMPv6 ``type << 8 | code`` (ICMP has no ports)

A box is the product of one interval set per dimension; a header space is a finite union of boxes
(not necessarily disjoint). Every box we build is *single-family* (both addresses IPv4 or both IPv6) and
*single-kind* (ported TCP/UDP, ICMP, or port-less protocols) — intersections and differences only ever
shrink boxes, so the invariant holds for every derived space. See docs/reachability.md for why boxes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from vpcflow.engine.intervals import IntervalSet
from vpcflow.model import ICMP, ICMPV6, TCP, UDP, Address, Cidr, protocol_name

V6_BASE = 1 << 33  # a gap after IPv4 keeps the families apart as spans
V4_SPAN = (0, (1 << 32) - 1)
V6_SPAN = (V6_BASE, V6_BASE + (1 << 128) - 1)
ALL_V4 = IntervalSet.of(V4_SPAN)
ALL_V6 = IntervalSet.of(V6_SPAN)
ALL_ADDRESSES = IntervalSet.of(V4_SPAN, V6_SPAN)
ALL_PORTS = IntervalSet.of((0, 65535))
ZERO = IntervalSet.single(0)
ALL_PROTOS = IntervalSet.of((0, 255))
PORTED = IntervalSet.of((TCP, TCP), (UDP, UDP))
ICMPS = IntervalSet.of((ICMP, ICMP), (ICMPV6, ICMPV6))
PORTLESS = ALL_PROTOS - PORTED - ICMPS
ALL_ICMP = ALL_PORTS  # type << 8 | code

SRC, DST, PROTO, SPORT, DPORT = range(5)
DIM_NAMES = ("src", "dst", "protocol", "src_port", "dst_port")

Box = tuple[IntervalSet, IntervalSet, IntervalSet, IntervalSet, IntervalSet]


# -- encodings -------------------------------------------------------------------------------------


def encode(address: Address) -> int:
    return address.value if address.version == 4 else V6_BASE + address.value


def decode(value: int) -> Address:
    return Address(4, value) if value < V6_BASE else Address(6, value - V6_BASE)


def address_set(addresses: Iterable[Address]) -> IntervalSet:
    return IntervalSet.from_spans((encode(a), encode(a)) for a in addresses)


def cidr_set(cidrs: Iterable[Cidr]) -> IntervalSet:
    spans = []
    for c in cidrs:
        base = 0 if c.version == 4 else V6_BASE
        spans.append((base + c.lo, base + c.hi))
    return IntervalSet.from_spans(spans)


def icmp_value(icmp_type: int, icmp_code: int) -> int:
    return (icmp_type & 0xFF) << 8 | (icmp_code & 0xFF)


def icmp_match_set(icmp_type: int, icmp_code: int) -> IntervalSet:
    """The ``type << 8 | code`` values an ICMP match (``-1`` = any) admits."""
    if icmp_type == -1:
        return ALL_ICMP
    if icmp_code == -1:
        return IntervalSet.of((icmp_type << 8, icmp_type << 8 | 0xFF))
    return IntervalSet.single(icmp_value(icmp_type, icmp_code))


def family_of(addresses: IntervalSet) -> int:
    return 4 if addresses.first < V6_BASE else 6


# -- packets ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Flow:
    """One concrete packet (a witness): what ``vpcflow trace`` takes."""

    src: Address
    dst: Address
    protocol: int
    src_port: int
    dst_port: int  # ICMP: type << 8 | code

    @property
    def is_icmp(self) -> bool:
        return self.protocol in (ICMP, ICMPV6)

    @property
    def has_ports(self) -> bool:
        return self.protocol in (TCP, UDP)

    @property
    def icmp_type(self) -> int | None:
        return self.dst_port >> 8 if self.is_icmp else None

    @property
    def icmp_code(self) -> int | None:
        return self.dst_port & 0xFF if self.is_icmp else None

    def point(self) -> tuple[int, int, int, int, int]:
        return (encode(self.src), encode(self.dst), self.protocol, self.src_port, self.dst_port)

    def __str__(self) -> str:
        proto = protocol_name(self.protocol)
        if self.has_ports:
            return f"{proto} {_host(self.src)}:{self.src_port} → {_host(self.dst)}:{self.dst_port}"
        if self.is_icmp:
            return f"{proto} {self.src} → {self.dst} type {self.icmp_type} code {self.icmp_code}"
        return f"{proto} {self.src} → {self.dst}"

    def trace_args(self) -> dict[str, Any]:
        """Keyword arguments of ``Engine.trace`` that replay exactly this packet."""
        return {
            "src": str(self.src),
            "dst": str(self.dst),
            "protocol": protocol_name(self.protocol),
            "port": self.dst_port if self.has_ports else None,
            "src_port": self.src_port if self.has_ports else None,
            "icmp_type": self.icmp_type,
            "icmp_code": self.icmp_code,
        }

    def trace_command(self, snapshot: str = "SNAPSHOT") -> str:
        a = self.trace_args()
        out = f"vpcflow trace {snapshot} --src {a['src']} --dst {a['dst']} --protocol {a['protocol']}"
        if self.has_ports:
            out += f" --port {a['port']} --src-port {a['src_port']}"
        if self.is_icmp:
            out += f" --icmp-type {a['icmp_type']} --icmp-code {a['icmp_code']}"
        return out

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "src": str(self.src),
            "dst": str(self.dst),
            "protocol": protocol_name(self.protocol),
            "protocol_number": self.protocol,
        }
        if self.has_ports:
            out["src_port"] = self.src_port
            out["dst_port"] = self.dst_port
        if self.is_icmp:
            out["icmp_type"] = self.icmp_type
            out["icmp_code"] = self.icmp_code
        return out


def _host(a: Address) -> str:
    return f"[{a}]" if a.version == 6 else str(a)


# -- the set ---------------------------------------------------------------------------------------


def _box_and(a: Box, b: Box) -> Box | None:
    out = []
    for x, y in zip(a, b, strict=True):
        z = x & y
        if not z:
            return None
        out.append(z)
    return (out[0], out[1], out[2], out[3], out[4])


def _box_sub(a: Box, b: Box) -> list[Box]:
    """``a - b`` as disjoint boxes: peel off, dimension by dimension, what lies outside ``b``."""
    if _box_and(a, b) is None:
        return [a]
    out: list[Box] = []
    cur = list(a)
    for d in range(5):
        outside = cur[d] - b[d]
        if outside:
            piece = list(cur)
            piece[d] = outside
            out.append((piece[0], piece[1], piece[2], piece[3], piece[4]))
        cur[d] = cur[d] & b[d]
    return out


def _compact(boxes: list[Box]) -> tuple[Box, ...]:
    """Merge boxes equal in four dimensions (a cheap canonicalisation; not a minimal cover)."""
    if len(boxes) < 2:
        return tuple(boxes)
    cur = list(dict.fromkeys(boxes))
    for _ in range(2):
        before = len(cur)
        for d in (SRC, DST, DPORT, SPORT, PROTO):
            groups: dict[tuple[IntervalSet, ...], IntervalSet] = {}
            for box in cur:
                key = box[:d] + box[d + 1 :]
                prev = groups.get(key)
                groups[key] = box[d] if prev is None else prev | box[d]
            cur = []
            for key, merged in groups.items():
                parts = list(key)
                parts.insert(d, merged)
                cur.append((parts[0], parts[1], parts[2], parts[3], parts[4]))
        if len(cur) == before:
            break
    return tuple(cur)


@dataclass(frozen=True, slots=True)
class HeaderSpace:
    """A set of packets. Immutable; operators return new spaces."""

    boxes: tuple[Box, ...] = ()

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def empty(cls) -> HeaderSpace:
        return cls(())

    @classmethod
    def box(
        cls,
        src: IntervalSet | None = None,
        dst: IntervalSet | None = None,
        protocols: IntervalSet | None = None,
        src_ports: IntervalSet | None = None,
        dst_ports: IntervalSet | None = None,
    ) -> HeaderSpace:
        """A product; ``None`` means the whole dimension. Split per family and protocol kind."""
        s = ALL_ADDRESSES if src is None else src
        t = ALL_ADDRESSES if dst is None else dst
        p = ALL_PROTOS if protocols is None else protocols
        boxes: list[Box] = []
        for fam in (ALL_V4, ALL_V6):
            fs, ft = s & fam, t & fam
            if not fs or not ft:
                continue
            for kind in (PORTED, ICMPS, PORTLESS):
                kp = p & kind
                if not kp:
                    continue
                sp = ALL_PORTS if src_ports is None else src_ports
                dp = ALL_PORTS if dst_ports is None else dst_ports
                if kind is not PORTED:
                    sp = sp & ZERO
                if kind is PORTLESS:
                    dp = dp & ZERO
                if sp and dp:
                    boxes.append((fs, ft, kp, sp, dp))
        return cls(tuple(boxes))

    @classmethod
    def of_flow(cls, flow: Flow) -> HeaderSpace:
        s, d, p, sp, dp = flow.point()
        one = IntervalSet.single
        return cls(((one(s), one(d), one(p), one(sp), one(dp)),))

    @classmethod
    def union_all(cls, spaces: Iterable[HeaderSpace]) -> HeaderSpace:
        boxes: list[Box] = []
        for sp in spaces:
            boxes.extend(sp.boxes)
        return cls(_compact(boxes))

    # -- algebra ----------------------------------------------------------------------------

    def __or__(self, other: HeaderSpace) -> HeaderSpace:
        if not other.boxes:
            return self
        if not self.boxes:
            return other
        return HeaderSpace(_compact(list(self.boxes) + list(other.boxes)))

    def __and__(self, other: HeaderSpace) -> HeaderSpace:
        out: list[Box] = []
        for a in self.boxes:
            for b in other.boxes:
                c = _box_and(a, b)
                if c is not None:
                    out.append(c)
        return HeaderSpace(_compact(out))

    def __sub__(self, other: HeaderSpace) -> HeaderSpace:
        cur = list(self.boxes)
        for b in other.boxes:
            nxt: list[Box] = []
            for a in cur:
                nxt.extend(_box_sub(a, b))
            cur = nxt
            if not cur:
                break
        return HeaderSpace(_compact(cur))

    def __le__(self, other: HeaderSpace) -> bool:
        return not (self - other)

    def __ge__(self, other: HeaderSpace) -> bool:
        return other <= self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HeaderSpace):
            return NotImplemented
        return self <= other and other <= self

    def __hash__(self) -> int:  # equality is semantic; hash only what is stable under it
        return hash(bool(self.boxes))

    def __bool__(self) -> bool:
        return bool(self.boxes)

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, Flow):
            return False
        point = item.point()
        return any(all(v in dim for v, dim in zip(point, box, strict=True)) for box in self.boxes)

    def __iter__(self) -> Iterator[Box]:
        return iter(self.boxes)

    def project(self, dim: int) -> IntervalSet:
        out = IntervalSet()
        for box in self.boxes:
            out = out | box[dim]
        return out

    def restrict(
        self,
        src: IntervalSet | None = None,
        dst: IntervalSet | None = None,
        protocols: IntervalSet | None = None,
    ) -> HeaderSpace:
        return self & HeaderSpace.box(src, dst, protocols)

    @property
    def size(self) -> int:
        """Number of packets (exact only for disjoint boxes: use on differences' results)."""
        total = 0
        for box in self.boxes:
            n = 1
            for dim in box:
                n *= dim.size
            total += n
        return total

    # -- witnesses ---------------------------------------------------------------------------

    def witness(self, prefer: Callable[[Box], tuple[int, ...]] | None = None) -> Flow | None:
        """A concrete packet of the set (deterministic): the lowest point of the first box,
        nudged towards familiar values (a port inside 32768-60999 when the source range allows)."""
        if not self.boxes:
            return None
        box = min(self.boxes, key=prefer) if prefer else self.boxes[0]
        s = _pick_address(box[SRC])
        d = _pick_address(box[DST])
        p = _pick(box[PROTO], (TCP, UDP, ICMP, ICMPV6))
        sp = _pick(box[SPORT], (32768, 49152, 1024))
        dp = _pick(box[DPORT], (443, 0x0800, 0x8000, 80, 22))
        return Flow(decode(s), decode(d), p, sp, dp)

    # -- rendering ---------------------------------------------------------------------------

    def render(self, name: Callable[[IntervalSet], str | None] | None = None, limit: int = 50) -> list[str]:
        """One line per box: ``tcp 443 from 0.0.0.0/1, 128.0.0.0/2 to 10.0.1.5 src-ports 32768-60999``."""
        lines: list[str] = []
        ordered = sorted(
            self.boxes, key=lambda b: (b[PROTO].first, b[DPORT].first, b[SRC].first, b[DST].first)
        )
        for box in ordered[:limit]:
            lines.append(render_box(box, name))
        if len(ordered) > limit:
            lines.append(f"… and {len(ordered) - limit} more")
        return lines

    def to_json(self, name: Callable[[IntervalSet], str | None] | None = None) -> list[dict[str, Any]]:
        out = []
        for box in self.boxes:
            out.append(
                {
                    "protocols": render_protocols(box[PROTO]),
                    "src": render_addresses(box[SRC], name, limit=1000),
                    "dst": render_addresses(box[DST], name, limit=1000),
                    "src_ports": str(box[SPORT]) if box[PROTO] <= PORTED else None,
                    "dst_ports": str(box[DPORT]) if box[PROTO] <= PORTED else None,
                    "icmp": render_icmp(box[DPORT]) if box[PROTO] <= ICMPS else None,
                }
            )
        return out


def _pick(values: IntervalSet, preferred: tuple[int, ...]) -> int:
    for v in preferred:
        if v in values:
            return v
    return values.first


_NICE = tuple(
    encode(Address.parse(a))
    for a in ("203.0.113.12", "198.51.100.12", "192.0.2.12", "8.8.8.8", "2001:db8:ffff::12", "2600::12")
)


def _pick_address(values: IntervalSet) -> int:
    for v in _NICE:
        if v in values:
            return v
    lo, hi = values.spans[0]
    # avoid network/zero addresses when the span allows it (nicer and never a special address)
    return lo + 1 if hi - lo >= 2 else lo


def render_protocols(protos: IntervalSet) -> str:
    if protos >= PORTLESS:
        named = [protocol_name(p) for lo, hi in (protos - PORTLESS) for p in range(lo, hi + 1)]
        return ", ".join([*named, "all other protocols"]) if named else "all other protocols"
    if protos.size > 8:
        return f"protocols {protos}"
    return ", ".join(protocol_name(p) for lo, hi in protos for p in range(lo, hi + 1))


def render_icmp(values: IntervalSet) -> str:
    if values == ALL_ICMP:
        return "all types"
    parts = []
    for lo, hi in values:
        tlo, thi = lo >> 8, hi >> 8
        if lo & 0xFF == 0 and hi & 0xFF == 0xFF:
            parts.append(f"type {tlo}" if tlo == thi else f"types {tlo}-{thi}")
        elif tlo == thi:
            clo, chi = lo & 0xFF, hi & 0xFF
            parts.append(f"type {tlo} code {clo}" if clo == chi else f"type {tlo} codes {clo}-{chi}")
        else:
            parts.append(f"type/code {tlo}/{lo & 0xFF}-{thi}/{hi & 0xFF}")
    return ", ".join(parts)


def cidr_blocks(values: IntervalSet) -> list[str]:
    out: list[str] = []
    for lo, hi in values:
        for a, b, base in ((lo, min(hi, V4_SPAN[1]), 0), (max(lo, V6_BASE), hi, V6_BASE)):
            if a > b or (base == 0 and a > V4_SPAN[1]) or (base and b < V6_BASE):
                continue
            first = ipaddress.ip_address(a - base) if base == 0 else ipaddress.IPv6Address(a - base)
            last = ipaddress.ip_address(b - base) if base == 0 else ipaddress.IPv6Address(b - base)
            for net in ipaddress.summarize_address_range(first, last):
                out.append(str(net.network_address) if net.num_addresses == 1 else str(net))
    return out


def render_addresses(
    values: IntervalSet, name: Callable[[IntervalSet], str | None] | None = None, limit: int = 6
) -> str:
    if name is not None:
        label = name(values)
        if label:
            return label
    if values == ALL_V4:
        return "any IPv4"
    if values == ALL_V6:
        return "any IPv6"
    blocks = cidr_blocks(values)
    if len(blocks) > limit:
        return ", ".join(blocks[:limit]) + f", … ({len(blocks) - limit} more blocks)"
    return ", ".join(blocks)


def render_box(box: Box, name: Callable[[IntervalSet], str | None] | None = None) -> str:
    protos = box[PROTO]
    head = render_protocols(protos)
    if protos <= PORTED:
        head += f" {box[DPORT]}" if box[DPORT] != ALL_PORTS else " all ports"
    elif protos <= ICMPS:
        head += f" {render_icmp(box[DPORT])}"
    text = f"{head} from {render_addresses(box[SRC], name)} to {render_addresses(box[DST], name)}"
    if protos <= PORTED and box[SPORT] != ALL_PORTS:
        text += f" src-ports {box[SPORT]}"
    return text
