"""Is an exposure actually reachable from the internet? Asked of the reach engine, never guessed.

For every network interface that carries the exposed group (or sits behind the exposed NACL), the reach
engine's symbolic walk (``vpcflow.reach.walk.walk``, the same ``LegWalker`` ``vpcflow trace`` runs) goes
from the internet to the interface's public IPv4 (or IPv6) address over the exposed ports — internet
gateway, subnet route table, NACL both ways, every group of the interface — once per *cell* of internet
source addresses on which that path's decisions are constant (cut at the CIDRs of the subnet's NACL and
route table and of the interface's groups). Replies go to client ports 1024-65535, the union of every
client's ephemeral range, so a path that works for some client counts.

- ``reachable: true``: some request is delivered and its replies return (what ``vpcflow trace`` calls
  ACCEPT or PARTIAL); the witness is that packet, the trace command replays it.
- ``reachable: false``: every cell of every interface is stopped; the reason names what stops it (no
  public address, no internet gateway, no route back, NACL rule N, the groups), or the group is attached
  to nothing.
- ``reachable: null``: the answer depends on something vpcflow does not model — the group is used by a
  load balancer, database, function or other resource that is not a modelled endpoint, an interface is
  such a resource's (requester-managed, or of a non-instance type), or the path meets an unsupported
  construct.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from vpcflow.audit.locate import origins_of
from vpcflow.engine.components import interfaces
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.result import Blocker, HopKind
from vpcflow.engine.trace import Engine
from vpcflow.model import (
    Address,
    Cidr,
    CidrPeer,
    NetworkInterface,
    PrefixListPeer,
    Snapshot,
)
from vpcflow.reach.endpoints import Endpoints
from vpcflow.reach.headerspace import V6_BASE, Flow, decode, encode
from vpcflow.reach.query import blocker_text
from vpcflow.reach.walk import walk

ANY_CLIENT = IntervalSet.of((1024, 65535))  # every client's ephemeral range (aws-semantics §2.4)
# source addresses preferred for witnesses (documentation ranges, RFC 5737 / RFC 3849), when in a cell
PREFERRED_SOURCES = (Address.parse("203.0.113.7"), Address.parse("2001:db8::7"))
# forward blockers that do not depend on the source address: one walk says it for every source
SOURCE_FREE = frozenset({HopKind.INTERNET, HopKind.INTERNET_GATEWAY})


@dataclass(frozen=True, slots=True)
class PathAnswer:
    reachable: bool | None
    reason: str | None = None
    witness: Flow | None = None
    eni_id: str | None = None


@dataclass
class _EniResult:
    reachable: bool | None
    witness: Flow | None = None
    blockers: list[Blocker] = field(default_factory=list)
    note: str | None = None


def attachers(snapshot: Snapshot) -> dict[str, list[str]]:
    """Group id → the resources outside the packet model that use it (``Snapshot.group_attachers`` of
    Terraform/CloudFormation sources: load balancers, RDS, Lambda, launch templates, ...)."""
    origins = origins_of(snapshot)
    out: dict[str, list[str]] = {}
    for gid, keys in snapshot.group_attachers.items():
        for key in keys:
            origin = origins.get(key)
            address = (origin.address if origin else None) or key
            out.setdefault(gid, []).append(str(address))
    return out


def undeclared_groups(snapshot: Snapshot) -> frozenset[str]:
    """Groups an infrastructure-as-code source only names (a standalone rule onto ``sg-123456`` or onto a
    group declared elsewhere): built from those rules (the loader's ``PARTIAL_GROUP`` warning), so their
    other rules and their attachments are not known."""
    return frozenset(
        w.resource_id for w in snapshot.warnings if w.code == "PARTIAL_GROUP" and w.resource_id is not None
    )


def is_host(eni: NetworkInterface) -> bool:
    """An interface of the customer's own that sends and receives like an instance (the engine's
    classification), not one AWS manages for a service (requester-managed)."""
    return interfaces.is_host(eni) and not eni.requester_managed


def _unknown(b: Blocker) -> bool:
    return b.unknown or b.code.startswith(("UNKNOWN", "UNSUPPORTED"))


class ExposurePaths:
    """Answers "can the internet reach this group / these subnets on these ports?" for one snapshot."""

    def __init__(self, snapshot: Snapshot, engine: Engine | None = None) -> None:
        self.s = snapshot
        self.engine = engine or Engine(snapshot)
        self.rules = self.engine.rules
        self.internet = Endpoints(snapshot).internet
        self.enis_of_group: dict[str, list[NetworkInterface]] = {}
        for eni in sorted(snapshot.interfaces.values(), key=lambda e: e.eni_id):
            if eni.interface_type == "nat_gateway":
                continue
            for gid in eni.group_ids:
                self.enis_of_group.setdefault(gid, []).append(eni)
        self.users_of_group = attachers(snapshot)
        self.undeclared_groups = undeclared_groups(snapshot)
        self._cache: dict[tuple[object, ...], _EniResult] = {}

    # -- questions ---------------------------------------------------------------------------------

    def group(self, group_id: str, version: int, want: dict[int, IntervalSet]) -> PathAnswer:
        enis = self.enis_of_group.get(group_id, [])
        users = self.users_of_group.get(group_id, [])
        if not enis and not users:
            if group_id in self.undeclared_groups:
                return PathAnswer(
                    None, f"{group_id} is not declared in the source: what it is attached to is not known"
                )
            origin = self.s.origins.get(group_id)
            return PathAnswer(False, f"{origin.address if origin else group_id} is attached to nothing")
        return self._answer(enis, users, version, want)

    def subnets(self, subnet_ids: Iterable[str], version: int, want: dict[int, IntervalSet]) -> PathAnswer:
        ids = set(subnet_ids)
        if not ids:
            return PathAnswer(False, "the network ACL is associated with no subnet")
        enis = sorted(
            (
                e
                for e in self.s.interfaces.values()
                if e.subnet_id in ids and e.interface_type != "nat_gateway"
            ),
            key=lambda e: e.eni_id,
        )
        if not enis:
            return PathAnswer(False, f"no network interface in {_few(sorted(ids))}")
        return self._answer(enis, [], version, want)

    # -- the work ----------------------------------------------------------------------------------

    def _answer(
        self,
        enis: Sequence[NetworkInterface],
        users: Sequence[str],
        version: int,
        want: dict[int, IntervalSet],
    ) -> PathAnswer:
        unknown: list[str] = []
        stopped: list[str] = []
        for eni in enis:
            res = self._eni(eni, version, want)
            if res.reachable:
                return PathAnswer(True, None, res.witness, eni.eni_id)
            if res.reachable is None:
                unknown.append(f"{eni.eni_id}: {res.note or self._why(res.blockers)}")
            else:
                stopped.append(f"{eni.eni_id}: {res.note or self._why(res.blockers)}")
        for user in users:
            unknown.append(f"used by {user}, which vpcflow does not model as an endpoint")
        if unknown:
            return PathAnswer(None, "not modelled: " + _few(unknown, 3, "; ") + _tail(stopped))
        return PathAnswer(False, "not reachable from the internet: " + _few(_dedupe(stopped), 3, "; "))

    def _why(self, blockers: list[Blocker]) -> str:
        texts = _dedupe(blocker_text(b) for b in blockers)
        return ", ".join(texts) if texts else "nothing delivered"

    def _eni(self, eni: NetworkInterface, version: int, want: dict[int, IntervalSet]) -> _EniResult:
        if not is_host(eni):
            owner = "requester-managed " if eni.requester_managed else ""
            kind = "network" if eni.interface_type == "interface" else eni.interface_type
            what = f"a {owner}{kind} interface" + (f" ({eni.description})" if eni.description else "")
            return _EniResult(None, note=f"{what}, not modelled as an endpoint")
        key = (
            eni.vpc_id,
            eni.subnet_id,
            eni.group_ids,
            bool(eni.public_ips),
            bool(eni.ipv6_addresses),
            version,
            tuple(sorted((p, str(v)) for p, v in want.items())),
        )
        cached = self._cache.get(key)
        if cached is not None and not cached.reachable:
            return cached
        res = self._walk_eni(eni, version, want)
        self._cache[key] = res
        return res

    def _walk_eni(self, eni: NetworkInterface, version: int, want: dict[int, IntervalSet]) -> _EniResult:
        if version == 4:
            targets = tuple(pub for _priv, pub in eni.public_ips) or eni.private_ips[:1]
        else:
            targets = eni.ipv6_addresses
        if not targets:
            return _EniResult(False, note=f"no IPv{version} address")
        cells = self._cells(eni, version)
        blockers: list[Blocker] = []
        unknown = False
        for dst in targets:
            for cell in cells:
                src = _source(cell)
                for proto, ports in sorted(want.items()):
                    out = walk(self.s, self.rules, None, src, dst, proto, ports, ANY_CLIENT)
                    if out.delivered and out.returned:
                        w = Flow(src, dst, proto, out.returned.first, out.delivered.first)
                        return _EniResult(True, w)
                    cuts = [b for _p, b in out.forward_cuts] + [b for _p, b in out.return_cuts]
                    blockers.extend(cuts)
                    if out.forward_unknown or out.return_unknown or any(_unknown(b) for b in cuts):
                        unknown = True
                    if (
                        not out.delivered
                        and cuts
                        and all(b.kind in SOURCE_FREE and b.stage == "forward" for b in cuts)
                    ):
                        break  # decided before any source-dependent component: same for every cell
                else:
                    continue
                break
        return _EniResult(None if unknown else False, None, blockers)

    def _cells(self, eni: NetworkInterface, version: int) -> list[IntervalSet]:
        """Internet source addresses of ``version`` cut where this path's decisions can change."""
        s = self.s
        cidrs: list[Cidr] = []
        acl = s.network_acls.get(s.acl_of_subnet.get(eni.subnet_id, ""))
        if acl is not None:
            cidrs.extend(e.cidr for e in acl.ingress + acl.egress)
        rtb = s.route_tables.get(s.route_table_of_subnet.get(eni.subnet_id, ""))
        if rtb is not None:
            cidrs.extend(r.destination for r in rtb.routes if r.destination is not None)
            for r in rtb.routes:
                if r.destination is None and r.prefix_list_id:
                    cidrs.extend(s.prefix_list_cidrs(r.prefix_list_id) or ())
        for gid in eni.group_ids:
            g = s.security_groups.get(gid)
            if g is None:
                continue
            for rule in g.ingress + g.egress:
                if isinstance(rule.peer, CidrPeer):
                    cidrs.append(rule.peer.cidr)
                elif isinstance(rule.peer, PrefixListPeer):
                    cidrs.extend(s.prefix_list_cidrs(rule.peer.prefix_list_id) or ())
        base = 0 if version == 4 else V6_BASE
        span = IntervalSet.of((base, base + (1 << (32 if version == 4 else 128)) - 1))
        space = self.internet & span
        mine = [c for c in cidrs if c.version == version]
        points = sorted({base + c.lo for c in mine} | {base + c.hi + 1 for c in mine})
        cells = _split(space, points)
        # the cell holding a documentation address first: witnesses read better with 203.0.113.7
        preferred = [encode(a) for a in PREFERRED_SOURCES]
        return sorted(cells, key=lambda c: not any(v in c for v in preferred))


def _split(space: IntervalSet, points: list[int]) -> list[IntervalSet]:
    cells: dict[int, list[tuple[int, int]]] = {}
    for lo, hi in space:
        cur = lo
        while cur <= hi:
            i = bisect_right(points, cur)  # cells are numbered by the boundaries at or below
            end = min(hi, points[i] - 1) if i < len(points) else hi
            cells.setdefault(i, []).append((cur, end))
            cur = end + 1
    return [IntervalSet.from_spans(v) for _k, v in sorted(cells.items())]


def _source(cell: IntervalSet) -> Address:
    for a in PREFERRED_SOURCES:
        if encode(a) in cell:
            return a
    return decode(cell.first)


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _few(items: Sequence[str], n: int = 3, sep: str = ", ") -> str:
    shown = sep.join(items[:n])
    return shown + (f"{sep}and {len(items) - n} more" if len(items) > n else "")


def _tail(stopped: list[str]) -> str:
    return f" (and not reachable through {len(stopped)} other interface(s))" if stopped else ""
