"""Every instance to every instance, over every shared snapshot: does any ACCEPT/REJECT depend on something
unmodelled, missing or contradictory? (issue 9, "Done when"). Used by ``test_shared_enumeration`` and, as
``python tests/enumeration.py``, to print the counts.

The check is mechanical and independent of the engine's own classification:

- an ACCEPT, REJECT or PARTIAL: every hop of both legs names a resource the snapshot holds (security
  groups, NACLs, route tables, gateways, peerings, transit gateway tables and attachments, endpoints, VPN
  gateways and connections, interfaces) and does not contradict itself about (``Snapshot.contradictions``);
  a NACL hop without an id is allowed only as the stated assumption of a VPC with no NACL at all, a route
  hop without a table only as the local route of a subnet without one, a route decision naming a subnet
  only when the subnet has a table; no hop is ``unsupported``; every
  interface the conversation touches (hops, flow-log records) is held by the snapshot and is either a host
  (an instance's or a plain interface: ``InterfaceType`` interface/efa/trunk/branch, no ``ELB …``
  description) or one the walk steps through with a component of its own (NAT gateway, transit gateway
  attachment, interface endpoint); the blocker of a REJECT is not an unknown one and names a present id;
- an UNKNOWN: its blocker is marked unknown and names what the answer depends on.
"""

from __future__ import annotations

import itertools
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from vpcflow.engine import Engine, Verdict
from vpcflow.engine.result import Hop, Trace
from vpcflow.errors import VpcflowError
from vpcflow.model import Snapshot
from vpcflow.sources import load_snapshot

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FLOWS: tuple[tuple[str, int | None], ...] = (("tcp", 22), ("tcp", 443), ("udp", 53), ("icmp", None))
OUTSIDE = "198.51.100.7"  # an internet host (TEST-NET-2)
HOST_TYPES = {"interface", "efa", "efa-only", "trunk", "branch", "lambda", ""}
HOP_TYPES = {"nat_gateway", "transit_gateway", "vpc_endpoint"}  # walked by a component of their own


def snapshots() -> list[Path]:
    """Batfish's AWS snapshots, pybatfish's hybrid cloud and the describe-* dumps of other projects."""
    if not DATA.is_dir():
        return []
    out = sorted(p for p in (DATA / "batfish-aws-tests").glob("test*") if p.is_dir())
    out.append(DATA / "batfish-hybrid-cloud")
    out += [DATA / "ext-cartography-nacl", DATA / "ext-cloudmapper-demo"]
    out += sorted(p for p in (DATA / "ext-custodian-placebo").iterdir() if p.is_dir())
    return [p for p in out if p.is_dir()]


def endpoints(s: Snapshot) -> list[str]:
    """Instances with an interface in the snapshot (terminated ones have none), else interfaces attached
    to an instance."""
    out = [i.instance_id for i in s.instances.values() if any(e in s.interfaces for e in i.eni_ids)]
    if not out:
        out = [e.eni_id for e in s.interfaces.values() if e.instance_id]
    return sorted(out)


def _is_host(s: Snapshot, eni_id: str) -> bool:
    e = s.interfaces.get(eni_id)
    return e is not None and e.interface_type in HOST_TYPES and not (e.description or "").startswith("ELB ")


def _present(s: Snapshot, hop: Hop) -> str | None:
    """Why the hop names something absent or contradicted (None: fine)."""
    kind, rid = hop.kind.value, hop.id
    ids: list[str | None] = [rid]
    holder: object = None
    if kind == "security-group":
        ids = list(hop.group_ids) or [rid]
        holder = s.security_groups if hop.group_ids else s.interfaces
    elif kind == "network-acl":
        if rid is None:
            return None if hop.detail.startswith("assumed") else "a NACL hop without an id"
        holder = s.network_acls
    elif kind == "route-table":
        if rid is None:
            local = hop.rule is not None and getattr(hop.rule, "target_id", None) == "local"
            return None if local and "no route table" in hop.detail else "a route hop without a table"
        if rid in s.subnets and rid not in s.route_table_of_subnet:
            return f"a route decision in {rid}, which has no route table in the snapshot"
        # a drop for want of a subnet in the VPC's CIDR names the VPC; every other hop names its table
        holder = {**s.route_tables, **s.vpcs}
    elif kind in ("internet-gateway", "egress-only-internet-gateway"):
        if rid is None and "has no internet gateway" in hop.detail:
            return None  # a VPC no gateway of the snapshot is attached to, whose routes name none
        holder = s.internet_gateways
    elif kind == "nat-gateway":
        holder = s.nat_gateways
    elif kind == "vpc-peering-connection":
        holder = s.peerings
    elif kind == "network-interface":
        holder = s.interfaces
    elif kind == "transit-gateway":
        holder = s.transit_gateways
    elif kind == "transit-gateway-route-table":
        holder = s.transit_gateway_route_tables
    elif kind == "transit-gateway-attachment":
        holder = {k[1] for k in s.transit_gateway_attachments} | set(s.interfaces)
    elif kind == "virtual-private-gateway":
        holder = s.vpn_gateways
    elif kind == "vpn-connection":
        holder = s.vpn_connections
    elif kind == "vpc-endpoint":
        holder = {**s.vpc_endpoints, **s.interfaces}
    elif kind in ("internet", "on-premises"):
        return None
    else:
        return f"a {kind} hop (not modelled)"
    for i in ids:
        if i is None or i not in holder:  # type: ignore[operator]
            return f"{kind} {i} is not in the snapshot"
        if i in s.contradictions:
            return f"{kind} {i} is contradicted: {s.contradictions[i]}"
    return None


def problems(s: Snapshot, t: Trace) -> list[str]:
    """What is wrong with a verdict (empty: it depends only on what is modelled and present)."""
    out: list[str] = []
    b = t.blocked_by
    if t.verdict is Verdict.UNKNOWN:
        if b is None or not b.unknown or not (b.id or b.detail):
            out.append("an UNKNOWN that names nothing")
        return out
    for end in (t.source.eni_id, t.destination.eni_id):
        if end is not None and not _is_host(s, end):
            out.append(f"endpoint {end} is not a host")
    for hop in t.forward.hops + t.ret.hops:
        why = _present(s, hop)
        if why is not None:
            out.append(why)
    touched = {h.id for h in t.forward.hops + t.ret.hops if h.kind.value == "network-interface"}
    touched |= {r.interface_id for r in t.flow_logs}
    for eni_id in sorted(i for i in touched if i):
        e = s.interfaces.get(eni_id)
        if e is None:
            out.append(f"interface {eni_id} is not in the snapshot")
        elif eni_id in s.contradictions:
            out.append(f"interface {eni_id} is contradicted")
        elif not _is_host(s, eni_id) and e.interface_type not in HOP_TYPES:
            out.append(
                f"interface {eni_id} ({e.interface_type}, {e.description}) is neither a host nor walked"
            )
    if b is not None and b.unknown:
        out.append(f"a {t.verdict.value} whose blocker is unknown")
    return out


@dataclass
class Tally:
    traces: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)  # verdict and code of what stops it
    problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def enumerate_snapshot(path: Path, tally: Tally | None = None, outside: bool = True) -> Tally:
    tally = tally or Tally()
    s = load_snapshot(path)
    engine = Engine(s)
    ends = endpoints(s)
    pairs = list(itertools.permutations(ends, 2))
    if ends and outside:
        # and an internet host, both ways (public addresses, gateways, NAT)
        pairs += [(OUTSIDE, x) for x in ends] + [(x, OUTSIDE) for x in ends]
    for a, b in pairs:
        for proto, port in FLOWS:
            try:
                t = engine.trace(a, b, proto, port)
            except VpcflowError as exc:
                tally.errors.append(f"{path.name}: {a} → {b} {proto}: {exc}")
                continue
            tally.traces += 1
            tally.verdicts[t.verdict.value] += 1
            if t.verdict is not Verdict.ACCEPT and t.blocked_by is not None:
                tally.reasons[f"{t.verdict.value} {t.blocked_by.code}"] += 1
            for p in problems(s, t):
                tally.problems.append(f"{path.name}: {a} → {b} {proto} {port or ''}: {t.verdict.value}: {p}")
    return tally


def main() -> None:
    total = Tally()
    for path in snapshots():
        one = enumerate_snapshot(path)
        print(f"{path.name:42} traces {one.traces:4}  {dict(sorted(one.verdicts.items()))}")
        total.traces += one.traces
        total.verdicts.update(one.verdicts)
        total.reasons.update(one.reasons)
        total.problems += one.problems
        total.errors += one.errors
    print(f"TOTAL traces {total.traces}  {dict(sorted(total.verdicts.items()))}")
    for reason, n in total.reasons.most_common():
        print(f"  {n:4}  {reason}")
    print(f"problems: {len(total.problems)}  errors: {len(total.errors)}")
    for line in (total.problems + total.errors)[:60]:
        print("  " + line)


if __name__ == "__main__":
    sys.exit(main())
