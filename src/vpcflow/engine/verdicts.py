"""Batch verdicts without explanations: millions of ENI-to-ENI flows per second with numpy.

The address dimension of an intra-VPC flow is finite (the ENIs' primary addresses) and the port dimension
splits into a few equivalence classes (the boundaries of every rule's port range). Each security group
and each NACL direction is compiled once into a boolean table over (remote ENI, protocol, port class),
using the same matching as the concrete engine (``CompiledRules.peer_space``, NACL first match by rule
number). A flow's verdict is then a handful of array lookups. The compiler is ``engine.peer_tables``,
which the all-pairs group matrix builds on too.

Scope: TCP, UDP and ICMP flows between two ENIs of one VPC routed by the local route (the bulk of what
flow-log attribution asks). ``BatchEvaluator.supports`` says which flows are in scope; anything else is
answered by ``Engine.trace`` — never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vpcflow.engine.peer_tables import RemoteRows, first_match, mark_security_groups, rule_port_bounds
from vpcflow.engine.rules import CompiledRules
from vpcflow.engine.scope import Scope
from vpcflow.model import (
    ALL_PROTOCOLS,
    ICMP,
    TCP,
    UDP,
    Direction,
    NetworkAclEntry,
    SecurityGroupRule,
    Snapshot,
)

PROTO_INDEX = {TCP: 0, UDP: 1, ICMP: 2}
REJECT, ACCEPT, RETURN_REJECT = 0, 1, 2
_REPLY_TYPE = np.full(256, -1, dtype=np.int64)
for _req, _rep in ((8, 0), (13, 14), (15, 16), (17, 18)):
    _REPLY_TYPE[_req] = _rep

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class BatchResult:
    verdict: npt.NDArray[np.int8]  # REJECT (request), ACCEPT, RETURN_REJECT (request in, reply lost)
    # where a rejected request stops: True = at the source (its SG egress or its subnet's NACL egress),
    # so the REJECT record is on the source ENI; False = on the destination ENI
    at_source: BoolArray | None = None

    @property
    def forward(self) -> BoolArray:
        return np.asarray(self.verdict != REJECT)


class BatchEvaluator:
    def __init__(self, snapshot: Snapshot, rules: CompiledRules | None = None) -> None:
        self.s = snapshot
        self.rules = rules or CompiledRules(snapshot)
        enis = [e for e in snapshot.interfaces.values() if e.primary_ip is not None]
        self.eni_ids = [e.eni_id for e in enis]
        self.index = {e: i for i, e in enumerate(self.eni_ids)}
        self.addr = np.array([e.primary_ip.value for e in enis if e.primary_ip], dtype=np.int64)
        self._in_scope_vpcs = snapshot.locally_routed_vpcs()
        self.vpc = np.array([self._vpc_code(e.vpc_id) for e in enis], dtype=np.int64)
        # interfaces that are not plain hosts (transit gateway attachments, endpoints, load balancer
        # nodes; anything the snapshot lacks or contradicts about them): the walker answers for them
        # (``engine.scope``)
        scope = Scope(snapshot)
        self.host = np.array([scope.plain(e) for e in enis], dtype=np.bool_)
        subnets = sorted({e.subnet_id for e in enis})
        sub_index = {s: i for i, s in enumerate(subnets)}
        self.subnet = np.array([sub_index[e.subnet_id] for e in enis], dtype=np.int64)
        # port classes: every boundary of every port range that can matter
        bounds = rule_port_bounds(snapshot)
        bounds.update(range(0, 257))  # ICMP types ride the port dimension
        self.bounds = np.array(sorted(bounds), dtype=np.int64)
        n_cls = len(self.bounds) - 1
        n = len(enis)
        rows = RemoteRows(self.addr, self.rules)
        self._masks: dict[tuple[object, ...], BoolArray] = {}
        # security groups → tables [group, remote eni, proto, port class]
        gids = sorted(snapshot.security_groups)
        self.gindex = {g: i + 1 for i, g in enumerate(gids)}  # 0 = "no group": allows nothing
        self.sg_in = np.zeros((len(gids) + 1, n, 3, n_cls), dtype=np.bool_)
        self.sg_out = np.zeros_like(self.sg_in)

        def mark(gid: str, direction: Direction, hit: BoolArray, m: BoolArray) -> None:
            table = self.sg_out if direction is Direction.EGRESS else self.sg_in
            table[self.gindex[gid], hit] |= m

        mark_security_groups(snapshot, rows, self._mask, mark)
        width = max((len(e.group_ids) for e in enis), default=1) or 1
        self.groups = np.zeros((n, width), dtype=np.int64)
        for i, e in enumerate(enis):
            for j, gid in enumerate(e.group_ids):
                self.groups[i, j] = self.gindex.get(gid, 0)
        # NACLs → tables [acl, remote eni, proto, port class] per direction (first match)
        acl_ids = sorted(snapshot.network_acls)
        aindex = {a: i for i, a in enumerate(acl_ids)}
        self.acl_in = np.zeros((len(acl_ids) + 1, n, 3, n_cls), dtype=np.bool_)
        self.acl_out = np.zeros_like(self.acl_in)
        empty = np.zeros((n, 3, n_cls), dtype=np.bool_)
        for a in acl_ids:
            acl = snapshot.network_acls[a]
            self.acl_in[aindex[a]] = first_match(acl.entries(Direction.INGRESS), rows, self._mask, empty)
            self.acl_out[aindex[a]] = first_match(acl.entries(Direction.EGRESS), rows, self._mask, empty)
        # a subnet without NACL: its VPC has none in the snapshot and the default one (allow everything)
        # is assumed (docs/semantics.md); interfaces of other subnets without one are not in scope
        none_acl = len(acl_ids)
        self.acl_in[none_acl] = True
        self.acl_out[none_acl] = True
        self.acl_of = np.array(
            [aindex.get(snapshot.acl_of_subnet.get(s, ""), none_acl) for s in subnets], dtype=np.int64
        )

    # -- compilation ---------------------------------------------------------------------------

    def _classes(self, lo: int, hi: int) -> slice:
        a = int(np.searchsorted(self.bounds, lo, side="right")) - 1
        b = int(np.searchsorted(self.bounds, hi + 1, side="left"))
        return slice(a, b)

    def _rule_ports(self, rule: SecurityGroupRule | NetworkAclEntry) -> slice:
        if rule.protocol in (TCP, UDP) and rule.ports is not None:
            return self._classes(rule.ports.lo, rule.ports.hi)
        if rule.protocol == ICMP and rule.icmp is not None:
            if rule.icmp.code not in (-1, 0):
                return slice(0, 0)  # batch flows carry ICMP code 0, as trace does by default
            if rule.icmp.type != -1:
                return self._classes(rule.icmp.type, rule.icmp.type)
        return slice(0, len(self.bounds) - 1)

    def _mask(self, rule: SecurityGroupRule | NetworkAclEntry) -> BoolArray:
        """The (protocol, port class) cells a rule covers (shared by the rules alike: read only)."""
        key = (rule.protocol, rule.ports, rule.icmp)
        hit = self._masks.get(key)
        if hit is not None:
            return hit
        m = self._masks[key] = np.zeros((3, len(self.bounds) - 1), dtype=np.bool_)
        protocol = rule.protocol
        protos = (
            [0, 1, 2]
            if protocol == ALL_PROTOCOLS
            else [PROTO_INDEX[protocol]]
            if protocol in PROTO_INDEX
            else []
        )
        cls = self._rule_ports(rule)
        for p in protos:
            m[p, cls] = True
        return m

    def _vpc_code(self, vpc_id: str) -> int:
        return hash(vpc_id) & 0x7FFFFFFF if vpc_id in self._in_scope_vpcs else -1

    # -- evaluation ----------------------------------------------------------------------------

    def indices(self, eni_ids: list[str]) -> IntArray:
        return np.array([self.index[e] for e in eni_ids], dtype=np.int64)

    def supports(self, src: IntArray, dst: IntArray, protocol: IntArray) -> BoolArray:
        proto_ok = np.isin(protocol, list(PROTO_INDEX))
        return np.asarray(
            (self.vpc[src] == self.vpc[dst])
            & (self.vpc[src] >= 0)
            & (src != dst)
            & proto_ok
            & self.host[src]
            & self.host[dst]
        )

    def verdicts(
        self, src: IntArray, dst: IntArray, protocol: IntArray, dst_port: IntArray, src_port: IntArray
    ) -> BatchResult:
        """Verdicts for in-scope flows (check ``supports`` first). ICMP: dst_port = type, src_port unused."""
        p = np.select([protocol == TCP, protocol == UDP], [0, 1], 2)
        dcls = np.searchsorted(self.bounds, dst_port, side="right") - 1
        scls = np.searchsorted(self.bounds, np.where(p == 2, 0, src_port), side="right") - 1
        out_ok = np.zeros(len(src), dtype=np.bool_)
        in_ok = np.zeros(len(src), dtype=np.bool_)
        for j in range(self.groups.shape[1]):
            out_ok |= self.sg_out[self.groups[src, j], dst, p, dcls]
            in_ok |= self.sg_in[self.groups[dst, j], src, p, dcls]
        cross = self.subnet[src] != self.subnet[dst]
        a_src = self.acl_of[self.subnet[src]]
        a_dst = self.acl_of[self.subnet[dst]]
        nacl_fwd = self.acl_out[a_src, dst, p, dcls] & self.acl_in[a_dst, src, p, dcls]
        forward = out_ok & in_ok & (~cross | nacl_fwd)
        # the reply: conntrack passes the SGs; NACLs again, at the client's port (ICMP: the reply type)
        rtype = _REPLY_TYPE[np.clip(dst_port, 0, 255)]
        rcls = np.where(p == 2, np.searchsorted(self.bounds, np.maximum(rtype, 0), side="right") - 1, scls)
        nacl_back = self.acl_out[a_dst, src, p, rcls] & self.acl_in[a_src, dst, p, rcls]
        no_reply = (p == 2) & (rtype < 0)
        back = ~cross | nacl_back | no_reply
        verdict = np.where(forward, np.where(back, ACCEPT, RETURN_REJECT), REJECT).astype(np.int8)
        at_source = ~(out_ok & (~cross | self.acl_out[a_src, dst, p, dcls]))
        return BatchResult(verdict, np.asarray(at_source & ~forward))
