"""All-pairs group-to-group reachability, vectorised (numpy bit tables).

A cell ``[g1, g2]`` is the set of *service classes* — (protocol, destination-port class) or (ICMP,
type/code class) — that some member of ``g1`` can deliver to some member of ``g2`` (``forward``), and
those whose replies also return to the client's whole ephemeral range (``bidirectional``, i.e. what
``vpcflow trace`` calls ACCEPT). Classes come from the boundaries of every rule's ports, the clients'
ephemeral ranges and ``ProtocolClasses``, so a class is answered by one bit, exactly.

Every security group and every NACL direction is compiled once into a table ``[remote ENI] → class
bits`` (uint64 words) by the compiler batch verdicts use too (``engine.peer_tables``: the rows a rule's
peer covers, a group's union, a NACL's first match), each rule's classes from the translation the rule
analysis uses (``sg_rule_space``/``nacl_entry_space``). Then, per source ENI, one pass over all destinations:

    fwd[b]  = SG_out(a)[b] & SG_in(b)[a] & (same subnet | NACL_out(a)[b] & NACL_in(b)[a])
    back[b] = same subnet | reply_ok(NACL_out(b), a) & reply_ok(NACL_in(a), b)

(responses pass the SGs by connection tracking, or by the world rules that make a flow untracked).

Between VPCs, pairs a transit gateway connects get the filters of their path
(``matrix_transit.TransitProfiles``: the attachment subnets' NACLs as the walker applies them):

    fwd[b] = SG_out(a)[b] & SG_in(b)[a] & NACL_out(sa)[b] & NACL_in(ax)[a]
             & (ey = sb | NACL_out(ey)[b] & NACL_in(sb)[a])

and the reply the same way along its own path (which may use other attachment subnets and tables).

Scope (declared, not guessed): ENIs' primary private IPv4 addresses, in VPCs whose routes send in-VPC
traffic to the local route; pairs in one VPC, and pairs of VPCs that transit gateways connect.
``out_of_scope`` lists the VPCs left out and ``unanswered`` the VPC pairs whose paths the profiles
cannot summarise (a VPC peering, an appliance, an UNKNOWN decision...); ``Reachability`` answers those
pairs exactly. Interfaces that never send (endpoint and transit gateway interfaces) have no row.
Interfaces that are not plain hosts (``engine.scope``: a load balancer node, an endpoint, anything the
snapshot lacks or contradicts about them) are left out and listed in ``unanswered_interfaces``; the
cells of their groups (``unanswered_groups``) do not include them.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from vpcflow.engine.components.interfaces import InterfaceKind, interface_kind
from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.peer_tables import RemoteRows, first_match, mark_security_groups, rule_port_bounds
from vpcflow.engine.rules import CompiledRules
from vpcflow.engine.scope import Scope
from vpcflow.engine.trace import Engine
from vpcflow.model import ICMP, TCP, UDP, Direction, NetworkAclEntry, SecurityGroupRule, Snapshot
from vpcflow.reach.analysis import nacl_entry_space, sg_rule_space
from vpcflow.reach.classes import REPLIES, ProtocolClasses
from vpcflow.reach.headerspace import DPORT, PORTLESS, PROTO, HeaderSpace
from vpcflow.reach.matrix_transit import NO_PATH, UNANSWERED, Profile, TransitProfiles

# interfaces that never open a connection (a hop, or an endpoint that only answers)
_NEVER_SEND = frozenset(
    {InterfaceKind.VPC_ENDPOINT, InterfaceKind.TRANSIT_GATEWAY, InterfaceKind.GATEWAY_LOAD_BALANCER_ENDPOINT}
)

U64 = npt.NDArray[np.uint64]
# interfaces whose part the tables summarise: hosts, and interfaces that only receive (an interface
# endpoint's, with its groups) or carry nothing of their own (a transit gateway attachment's)
_MATRIX_KINDS = frozenset({InterfaceKind.HOST, InterfaceKind.VPC_ENDPOINT, InterfaceKind.TRANSIT_GATEWAY})
ONE = np.uint64(1)


@dataclass(frozen=True, slots=True)
class ServiceClass:
    protocols: IntervalSet
    dst_ports: IntervalSet  # ports, or ICMP type << 8 | code values, or {0}

    def space(self) -> HeaderSpace:
        return HeaderSpace.box(protocols=self.protocols, dst_ports=self.dst_ports)


@dataclass(frozen=True, slots=True)
class _Paths:
    """Per destination ENI, the transit paths between one source subnet and the destination's subnet:
    forward path known, its entry attachment subnet's NACL, no exit NACL (the exit is the destination's
    own subnet), the exit NACL outbound toward the destination; the reply's path known, its exit NACL
    and whether there is none."""

    ok: npt.NDArray[np.bool_]
    ax: npt.NDArray[np.int64]
    ey_none: npt.NDArray[np.bool_]
    exit_out: npt.NDArray[np.uint64]
    r_ok: npt.NDArray[np.bool_]
    ex: npt.NDArray[np.int64]
    ex_none: npt.NDArray[np.bool_]


class GroupMatrix:
    def __init__(self, snapshot: Snapshot, engine: Engine | None = None) -> None:
        self.s = snapshot
        self.engine = engine or Engine(snapshot)
        self.rules: CompiledRules = self.engine.rules
        enis = [
            e
            for e in snapshot.interfaces.values()
            if e.primary_ip is not None and e.interface_type != "nat_gateway"
        ]
        plain = self.s.locally_routed_vpcs()
        self.out_of_scope = sorted({e.vpc_id for e in enis if e.vpc_id not in plain})
        # interfaces the walk answers for (not hosts, or something about them missing or contradicted:
        # ``engine.scope``); a group with one of them as a member is not summarised by its cells
        scope = Scope(snapshot, _MATRIX_KINDS)
        self.unanswered_interfaces = sorted(
            e.eni_id for e in enis if e.vpc_id in plain and not scope.plain(e)
        )
        left = set(self.unanswered_interfaces)
        self.unanswered_groups = sorted(
            {g for e in enis if e.eni_id in left for g in e.group_ids if g in snapshot.security_groups}
        )
        self.enis = [e for e in enis if e.vpc_id in plain and e.eni_id not in left]
        self.n = len(self.enis)
        self.addr = np.array([e.primary_ip.value for e in self.enis if e.primary_ip], dtype=np.int64)
        self.group_ids = sorted(snapshot.security_groups)
        self.gindex = {g: i + 1 for i, g in enumerate(self.group_ids)}  # 0: no group, allows nothing
        self._build_classes()
        self._build_tables()

    # -- classes -------------------------------------------------------------------------------

    def _build_classes(self) -> None:
        s = self.s
        bounds = rule_port_bounds(s)
        self.clients: list[IntervalSet] = []
        self.client_of = np.zeros(self.n, dtype=np.int64)
        seen: dict[tuple[int, int], int] = {}
        for i, e in enumerate(self.enis):
            cr = self.engine.client_ports(e, None)
            key = (cr.lo, cr.hi)
            if key not in seen:
                seen[key] = len(self.clients)
                self.clients.append(IntervalSet.of(key))
                bounds.update((cr.lo, cr.hi + 1))
            self.client_of[i] = seen[key]
        edges = sorted(bounds)
        port_classes = [IntervalSet.of((lo, hi - 1)) for lo, hi in pairwise(edges)]
        classes: list[ServiceClass] = []
        for p in (TCP, UDP):
            classes.extend(ServiceClass(IntervalSet.single(p), pc) for pc in port_classes)
        pcs = ProtocolClasses(s)
        self.icmp_reply: dict[int, int | None] = {}  # class index → reply class index (None: no reply)
        icmp_classes = pcs.classes(IntervalSet.single(ICMP))
        icmp_start = len(classes)
        for c in icmp_classes:
            assert c.icmp_values is not None
            classes.append(ServiceClass(c.protocols, c.icmp_values))
        for k, c in enumerate(icmp_classes):
            rt = REPLIES.get(c.icmp_type) if c.icmp_type is not None else None
            if rt is None:
                self.icmp_reply[icmp_start + k] = None
            else:
                v = rt << 8  # replies carry code 0
                self.icmp_reply[icmp_start + k] = next(
                    icmp_start + j for j, d in enumerate(icmp_classes) if d.icmp_values and v in d.icmp_values
                )
        self.other_start = len(classes)
        classes.extend(ServiceClass(c.protocols, IntervalSet.single(0)) for c in pcs.classes(PORTLESS))
        self.classes = classes
        self.k = len(classes)
        self.w = (self.k + 63) // 64
        self.n_port = len(port_classes)

    def _mask(self, bits: list[int]) -> U64:
        m = np.zeros(self.w, dtype=np.uint64)
        for b in bits:
            m[b // 64] |= ONE << np.uint64(b % 64)
        return m

    def _class_mask(self, space: HeaderSpace) -> U64:
        """Classes a rule's (protocol, port) space contains (classes refine rules: in or out)."""
        bits = []
        for i, c in enumerate(self.classes):
            rep_p, rep_d = c.protocols.first, c.dst_ports.first
            if any(rep_p in box[PROTO] and rep_d in box[DPORT] for box in space.boxes):
                bits.append(i)
        return self._mask(bits)

    # -- tables --------------------------------------------------------------------------------

    def _sg_mask(self, rule: SecurityGroupRule) -> U64 | None:
        """The classes a security group rule admits (``None``: its peer covers nothing)."""
        space = sg_rule_space(self.rules, rule)
        if not space:
            return None
        key = (rule.protocol, rule.ports, rule.icmp)
        m = self._mask_cache.get(key)
        if m is None:
            m = self._mask_cache[key] = self._class_mask(space)
        return m

    def _build_tables(self) -> None:
        s, n, w = self.s, self.n, self.w
        ng = len(self.group_ids) + 1
        self.rows = RemoteRows(self.addr, self.rules)
        self.sg_out = np.zeros((ng, n, w), dtype=np.uint64)  # [group, remote (dst) ENI]
        self.sg_in_t = np.zeros((n, ng, w), dtype=np.uint64)  # [remote (src) ENI, group]
        self._mask_cache: dict[tuple[object, ...], U64] = {}

        def mark(gid: str, direction: Direction, hit: npt.NDArray[np.bool_], m: U64) -> None:
            if direction is Direction.EGRESS:
                self.sg_out[self.gindex[gid], hit] |= m
            else:
                self.sg_in_t[hit, self.gindex[gid]] |= m

        mark_security_groups(s, self.rows, self._sg_mask, mark)
        width = max((len(e.group_ids) for e in self.enis), default=1) or 1
        self.groups = np.zeros((n, width), dtype=np.int64)
        for i, e in enumerate(self.enis):
            for j, gid in enumerate(e.group_ids):
                self.groups[i, j] = self.gindex.get(gid, 0)
        acl_ids = sorted(s.network_acls)
        aindex = {a: i for i, a in enumerate(acl_ids)}
        # last: a subnet without NACL, in a VPC with none in the snapshot: the default NACL is assumed
        # (allow everything); interfaces of other subnets without one are left out (``engine.scope``)
        na = len(acl_ids) + 1
        self.acl_out = np.zeros((na, n, w), dtype=np.uint64)
        self.acl_in_t = np.zeros((n, na, w), dtype=np.uint64)
        self.acl_out[na - 1] = ~np.uint64(0)
        self.acl_in_t[:, na - 1] = ~np.uint64(0)
        for a in acl_ids:
            acl = s.network_acls[a]
            self.acl_out[aindex[a]] = self._nacl_table(acl.entries(Direction.EGRESS))
            self.acl_in_t[:, aindex[a]] = self._nacl_table(acl.entries(Direction.INGRESS))
        subnets = sorted({e.subnet_id for e in self.enis})
        sub_index = {x: i for i, x in enumerate(subnets)}
        self.subnet = np.array([sub_index[e.subnet_id] for e in self.enis], dtype=np.int64)
        self.acl_of = np.array(
            [aindex.get(s.acl_of_subnet.get(e.subnet_id, ""), na - 1) for e in self.enis], dtype=np.int64
        )
        self.vpc = np.array([hash(e.vpc_id) & 0x7FFFFFFF for e in self.enis], dtype=np.int64)
        # interfaces that never open a connection: no row (they stay destinations)
        self.sends = np.array(
            [interface_kind(e) not in _NEVER_SEND for e in self.enis],
            dtype=np.bool_,
        )
        self._build_transit(subnets, aindex, na)
        # reply tables: which forward classes get their reply through, per client range
        self.ret_out = [self._reply(self.acl_out, ci) for ci in range(len(self.clients))]
        self.ret_in_t = [
            self._reply(self.acl_in_t.transpose(1, 0, 2), ci).transpose(1, 0, 2)
            for ci in range(len(self.clients))
        ]

    def _build_transit(self, subnets: list[str], aindex: dict[str, int], na: int) -> None:
        """Per (source subnet, destination subnet) of different VPCs: the transit path's attachment
        subnets (their NACL indexes), or no path; VPC pairs the profiles cannot summarise are left out."""
        s, ns = self.s, len(subnets)
        self.no_reply = self._mask([k for k, r in self.icmp_reply.items() if r is None])
        self.t_ok = np.zeros((ns, ns), dtype=np.bool_)
        self.t_ax = np.full((ns, ns), na - 1, dtype=np.int64)
        self.t_ey = np.full((ns, ns), -1, dtype=np.int64)
        self.unanswered: set[tuple[str, str]] = set()
        self._t_paths: dict[int, _Paths] = {}
        self._t_reply: dict[tuple[int, int], U64] = {}
        self._nacl_rows: dict[tuple[int, int, bytes, bytes], tuple[U64, U64]] = {}
        self._nacl_rows_subnet = -1
        if not s.transit_gateways and not s.transit_gateway_attachments:
            return
        profiles = TransitProfiles(s)
        subs = [s.subnets[x] for x in subnets]
        sample: dict[str, int] = {}
        for i, e in enumerate(self.enis):
            sample.setdefault(e.subnet_id, i)
        # only a group's members are in the cells: a subnet without any (a transit gateway attachment's,
        # say) is nobody's source or destination here
        members = {e.subnet_id for e in self.enis if e.group_ids}
        for i, sa in enumerate(subs):
            if sa.subnet_id not in members:
                continue
            for j, sb in enumerate(subs):
                if sa.vpc_id == sb.vpc_id or sb.subnet_id not in members:
                    continue
                dst = self.enis[sample[sb.subnet_id]].primary_ip
                assert dst is not None
                p = profiles.profile(sa, sb, dst)
                if p == UNANSWERED:
                    self.unanswered.add((sa.vpc_id, sb.vpc_id))
                elif isinstance(p, Profile):
                    self.t_ok[i, j] = True
                    self.t_ax[i, j] = aindex.get(s.acl_of_subnet.get(p.entry_subnet, ""), na - 1)
                    if p.exit_subnet is not None:
                        self.t_ey[i, j] = aindex.get(s.acl_of_subnet.get(p.exit_subnet, ""), na - 1)
                else:
                    assert p == NO_PATH
        # a VPC pair answered in one direction and not the other: both directions are left out
        for x, y in list(self.unanswered):
            self.unanswered.add((y, x))
        vpc_of_sub = np.array([hash(x.vpc_id) & 0x7FFFFFFF for x in subs], dtype=np.int64)
        bad = {(hash(x) & 0x7FFFFFFF, hash(y) & 0x7FFFFFFF) for x, y in self.unanswered}
        for i in range(ns):
            for j in range(ns):
                if (int(vpc_of_sub[i]), int(vpc_of_sub[j])) in bad:
                    self.t_ok[i, j] = False

    def _nacl_table(self, entries: tuple[NetworkAclEntry, ...]) -> U64:
        empty = np.zeros((self.n, self.w), dtype=np.uint64)
        return first_match(entries, self.rows, self._nacl_mask, empty)

    def _nacl_mask(self, entry: NetworkAclEntry) -> U64:
        """The classes a NACL entry matches, whatever its action."""
        key = ("nacl", entry.protocol, entry.ports, entry.icmp, entry.cidr.version)
        m = self._mask_cache.get(key)
        if m is None:
            m = self._mask_cache[key] = self._class_mask(nacl_entry_space(entry))
        return m

    def _bit(self, table: U64, k: int) -> npt.NDArray[np.bool_]:
        return np.asarray((table[..., k // 64] >> np.uint64(k % 64)) & ONE == ONE)

    def _reply(self, table: U64, client: int) -> U64:
        """From a NACL table (the direction the reply crosses), the forward classes whose reply passes:
        TCP/UDP when every port of the client range is admitted, ICMP by its reply type, others alike."""
        out = np.zeros_like(table)
        crange = self.clients[client]
        for pi in range(2):
            need = [
                pi * self.n_port + j
                for j in range(self.n_port)
                if self.classes[pi * self.n_port + j].dst_ports <= crange
            ]
            ok = np.ones(table.shape[:-1], dtype=np.bool_)
            for k in need:
                ok &= self._bit(table, k)
            m = self._mask(list(range(pi * self.n_port, (pi + 1) * self.n_port)))
            out[ok] |= m
        for k, r in self.icmp_reply.items():
            ok = np.ones(table.shape[:-1], dtype=np.bool_) if r is None else self._bit(table, r)
            out[ok] |= self._mask([k])
        for k in range(self.other_start, self.k):
            out[self._bit(table, k)] |= self._mask([k])
        return out

    # -- evaluation ----------------------------------------------------------------------------

    def eni_row(self, a: int) -> tuple[U64, U64]:
        """Forward and bidirectional class bits from ENI ``a`` to every ENI (index order)."""
        out = np.bitwise_or.reduce(self.sg_out[self.groups[a]], axis=0)
        g_in = self.sg_in_t[a]  # (groups, w): what each group admits from a
        inn = g_in[self.groups[:, 0]]
        for j in range(1, self.groups.shape[1]):
            inn = inn | g_in[self.groups[:, j]]
        nfwd, nback = self._nacl_row(a)
        fwd = out & inn & nfwd
        bidi = fwd & nback
        if not self.sends[a]:
            fwd[:] = 0
            bidi[:] = 0
        fwd[a] = 0
        bidi[a] = 0
        return fwd, bidi

    def _nacl_row(self, a: int) -> tuple[U64, U64]:
        """Per destination ENI, the classes the NACLs of the path from ``a`` let through (forward) and
        those whose reply they let back: nothing within a's subnet, the two subnets' NACLs within its VPC,
        the transit path's NACLs to other VPCs (``_transit_nacls``), nothing where no path leads.

        It depends on ``a`` only through its subnet, its client range and how every NACL treats its
        address (``acl_in_t[a]``, the reply tables' column ``a``): senders that agree on those share it
        (cached for the current source subnet; ``compute`` walks the senders subnet by subnet)."""
        sa, ci = int(self.subnet[a]), int(self.client_of[a])
        a_in = self.acl_in_t[a]  # (acl, w): what each NACL admits inbound from a
        r_out = self.ret_out[ci][:, a]  # (acl, w): reply classes each NACL lets out toward a
        key = (sa, ci, a_in.tobytes(), r_out.tobytes())
        hit = self._nacl_rows.get(key)
        if hit is not None:
            return hit
        if self._nacl_rows_subnet != sa:
            self._nacl_rows.clear()
            self._nacl_rows_subnet = sa
        full = ~np.uint64(0)
        cross = (self.subnet != sa)[:, None]
        other = (self.vpc != self.vpc[a])[:, None]
        acl_a = self.acl_of[a]
        nacl = self.acl_out[acl_a] & a_in[self.acl_of]
        # the reply leaves b's subnet (remote a), then enters a's subnet (remote b)
        back = r_out[self.acl_of] & self.ret_in_t[ci][:, acl_a]
        nfwd = np.where(cross, nacl, full)
        nback = np.where(cross, back, full)
        if self.t_ok[sa].any():
            t_fwd, t_back = self._transit_nacls(a, sa, ci, a_in, r_out)
            nfwd = np.where(other, t_fwd, nfwd)
            nback = np.where(other, t_back, nback)
        else:
            nfwd = np.where(other, np.uint64(0), nfwd)
            nback = np.where(other, np.uint64(0), nback)
        hit = self._nacl_rows[key] = (nfwd, nback)
        return hit

    def _transit_nacls(self, a: int, sa: int, ci: int, a_in: U64, r_out: U64) -> tuple[U64, U64]:
        """To ENIs of other VPCs through transit gateways: the NACLs of each leg's path as the walker
        meets them (the sending subnet's outbound, the entry attachment subnet's inbound, and — unless the
        exit attachment subnet is the destination's own — the exit subnet's outbound and the destination
        subnet's inbound); the reply along its own path. Zero where no path leads."""
        full = ~np.uint64(0)
        p = self._transit_paths(sa)
        exit_ok = np.where(p.ey_none[:, None], full, p.exit_out & a_in[self.acl_of])
        fwd = self.acl_out[self.acl_of[a]] & a_in[p.ax] & exit_ok
        fwd[~p.ok] = 0
        # the reply takes its own path from b's subnet back to a's (other attachment subnets, tables)
        ret_in_t = self.ret_in_t[ci]
        back_exit = np.where(p.ex_none[:, None], full, r_out[p.ex] & ret_in_t[:, self.acl_of[a]])
        back = r_out[self.acl_of] & self._reply_entry(sa, ci) & back_exit
        back[~p.r_ok] = 0
        # classes without a reply (ICMP types nothing answers) need no way back
        return fwd, back | self.no_reply

    def _transit_paths(self, sa: int) -> _Paths:
        """Per destination ENI, what the paths between subnet ``sa`` and its subnet meet that does not
        depend on the sender (cached for the current source subnet)."""
        hit = self._t_paths.get(sa)
        if hit is None:
            # one source subnet at a time (``compute`` walks the senders subnet by subnet)
            self._t_paths.clear()
            self._t_reply.clear()
            sbs, rows = self.subnet, np.arange(self.n)
            ey, ex = self.t_ey[sa][sbs], self.t_ey[sbs, sa]
            hit = self._t_paths[sa] = _Paths(
                ok=self.t_ok[sa][sbs],
                ax=self.t_ax[sa][sbs],
                ey_none=ey < 0,
                exit_out=self.acl_out[np.maximum(ey, 0), rows],
                r_ok=self.t_ok[sbs, sa],
                ex=np.maximum(ex, 0),
                ex_none=ex < 0,
            )
        return hit

    def _reply_entry(self, sa: int, ci: int) -> U64:
        """Per destination ENI b, the reply classes the attachment subnet it enters by (from b's subnet
        toward ``sa``) admits inbound, for client range ``ci`` (cached with ``_transit_paths``)."""
        hit = self._t_reply.get((sa, ci))
        if hit is None:
            hit = self._t_reply[(sa, ci)] = self.ret_in_t[ci][np.arange(self.n), self.t_ax[self.subnet, sa]]
        return hit

    def compute(self) -> tuple[U64, U64]:
        """The matrices ``[g1, g2, words]`` (forward, bidirectional), group index order ``group_ids``."""
        ng = len(self.group_ids)
        fwd_m = np.zeros((ng + 1, ng + 1, self.w), dtype=np.uint64)
        bidi_m = np.zeros_like(fwd_m)
        # members sorted by group, for reduceat
        pairs = sorted((int(g), i) for i in range(self.n) for g in self.groups[i] if g)
        mem = np.array([i for _g, i in pairs], dtype=np.int64)
        gof = np.array([g for g, _i in pairs], dtype=np.int64)
        starts = (
            np.flatnonzero(np.r_[True, gof[1:] != gof[:-1]]) if len(gof) else np.array([], dtype=np.int64)
        )
        gs = gof[starts] if len(gof) else np.array([], dtype=np.int64)
        for a in np.argsort(self.subnet, kind="stable").tolist():
            if not self.sends[a]:
                continue
            fwd, bidi = self.eni_row(a)
            if not fwd.any():
                continue
            rf = np.bitwise_or.reduceat(fwd[mem], starts, axis=0)
            rb = np.bitwise_or.reduceat(bidi[mem], starts, axis=0)
            for g in self.groups[a]:
                if g:
                    fwd_m[g, gs] |= rf
                    bidi_m[g, gs] |= rb
        return fwd_m[1:, 1:], bidi_m[1:, 1:]

    def cell_classes(self, bits: U64) -> list[ServiceClass]:
        return [c for k, c in enumerate(self.classes) if (bits[k // 64] >> np.uint64(k % 64)) & ONE]

    def cell_space(self, bits: U64) -> HeaderSpace:
        return HeaderSpace.union_all(c.space() for c in self.cell_classes(bits))
