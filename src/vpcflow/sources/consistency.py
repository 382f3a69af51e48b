"""What is odd about a snapshot as a whole, checked once every file is parsed: references to resources
the snapshot does not hold (warned), and facts AWS could never report together (warned *and* recorded in
``Collected.contradictions``, which becomes ``Snapshot.contradictions``: answers that depend on such a
resource are UNKNOWN, never a guess between two versions).

Every warning names the resource (``resource_id``) and the file and JSON path of the reference that does
not hold (``source``). Codes:

- ``UNRESOLVED_SUBNET`` / ``UNRESOLVED_VPC`` / ``UNRESOLVED_INTERFACE`` / ``UNRESOLVED_ROUTE_TARGET``: an
  ENI, association, route, NAT gateway or Elastic IP names a subnet, VPC, ENI or gateway (internet,
  egress-only, NAT, peering, transit, virtual private, endpoint) that is not in the snapshot
  (``UNRESOLVED_GROUP`` and ``UNRESOLVED_PREFIX_LIST`` are in ``resolve``, transit/VPN/endpoint
  cross-references in ``transit_resolve``).
- ``CONTRADICTORY_ASSOCIATION``: a subnet associated with two network ACLs or two route tables, with an
  ACL or route table of another VPC, or relying on a VPC's default ACL / main route table when the VPC
  has two. The model uses the first one read; the subnet is a contradiction.
- ``OVERLAPPING_SUBNETS``: two subnets of one VPC share addresses (AWS refuses it). Both are
  contradictions: which one holds an address in the overlap cannot be told.
- ``SUBNET_OUTSIDE_VPC``: a subnet CIDR not inside any of its VPC's CIDRs.
- ``VPC_MISMATCH``: an ENI or NAT gateway whose VPC is not its subnet's, an ENI attached to a security
  group of another VPC.
- ``ADDRESS_OUTSIDE_SUBNET``: an ENI address outside its subnet's CIDRs.
- ``DUPLICATE_ADDRESS``: two ENIs with the same private address in one VPC, or the same public address.
- ``CONTRADICTORY_INTERFACE``: describe-instances and describe-network-interfaces disagree about an ENI's
  subnet, VPC, private addresses or security groups.
"""

from __future__ import annotations

from collections.abc import Iterable

from vpcflow.model import Address, NetworkAcl, NetworkInterface, RouteTable, RouteTarget, SnapshotWarning
from vpcflow.sources.base import Collected
from vpcflow.sources.instances import EMBEDDED_ENI

ENI = "network interface"


class _Checker:
    def __init__(self, out: Collected, enis: dict[str, NetworkInterface]):
        self.out = out
        self.enis = enis
        # resources naming a VPC / subnet when the snapshot holds none at all
        self.absent_vpcs: list[str] = []
        self.absent_subnets: list[str] = []

    # -- where things are, and how findings are recorded ---------------------------------------------

    def origin(self, kind: str, rid: str) -> str | None:
        return self.out.origins.get((kind, rid))

    def at(self, rid: str, ref: str, kind: str) -> str | None:
        """Where ``rid`` names ``ref``, else where ``rid`` itself was read."""
        return self.out.references.get((rid, ref)) or self.origin(kind, rid)

    def warn(self, code: str, message: str, source: str | None, rid: str | None) -> None:
        self.out.warnings.append(SnapshotWarning(code, message, source, rid))

    def contradict(self, code: str, rid: str, reason: str, source: str | None) -> None:
        self.warn(code, f"{reason}: answers that depend on {rid} are UNKNOWN", source, rid)
        self.out.contradiction(rid, reason)

    # -- the checks ----------------------------------------------------------------------------------

    def run(self) -> None:
        self.interfaces()
        self.associations()
        self.subnets()
        self.routes()
        self.others()
        self.absent_calls()

    def vpc_known(self, rid: str, vpc_id: str, kind: str, what: str) -> None:
        if vpc_id in self.out.vpcs:
            return
        if not self.out.vpcs:
            # no describe-vpcs output at all: one warning for the call, not one per resource
            self.absent_vpcs.append(rid)
            return
        self.warn(
            "UNRESOLVED_VPC",
            f"{what} {rid} is in {vpc_id}, which is not in the snapshot (describe-vpcs)",
            self.at(rid, vpc_id, kind),
            rid,
        )

    def subnet_missing(self, rid: str, message: str, source: str | None) -> None:
        if not self.out.subnets:
            self.absent_subnets.append(rid)
        else:
            self.warn("UNRESOLVED_SUBNET", message, source, rid)

    def absent_calls(self) -> None:
        for code, call, ids in (
            ("UNRESOLVED_VPC", "VPCs (describe-vpcs)", self.absent_vpcs),
            ("UNRESOLVED_SUBNET", "subnets (describe-subnets)", self.absent_subnets),
        ):
            if ids:
                shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
                self.warn(
                    code,
                    f"the snapshot holds no {call}; {len(ids)} resources name one ({shown}): their "
                    "network ACLs, route tables and address ranges are unknown",
                    None,
                    None,
                )

    def interfaces(self) -> None:
        out = self.out
        for eni in self.enis.values():
            kind = ENI if eni.eni_id in out.interfaces else EMBEDDED_ENI
            rid = eni.eni_id
            self.vpc_known(rid, eni.vpc_id, kind, "network interface")
            subnet = out.subnets.get(eni.subnet_id)
            if subnet is None:
                self.subnet_missing(
                    rid,
                    f"network interface {rid} is in {eni.subnet_id}, which is not in the snapshot "
                    "(describe-subnets): its network ACL and route table are unknown",
                    self.at(rid, eni.subnet_id, kind),
                )
            else:
                if subnet.vpc_id != eni.vpc_id:
                    self.contradict(
                        "VPC_MISMATCH",
                        rid,
                        f"network interface {rid} says it is in {eni.vpc_id}, its subnet {subnet.subnet_id} "
                        f"is in {subnet.vpc_id}",
                        self.at(rid, eni.vpc_id, kind),
                    )
                outside = [a for a in eni.addresses if not any(a in c for c in subnet.cidrs)]
                if outside:
                    self.contradict(
                        "ADDRESS_OUTSIDE_SUBNET",
                        rid,
                        f"network interface {rid} has {_join(outside)}, outside its subnet "
                        f"{subnet.subnet_id} ({_join(subnet.cidrs) or 'no CIDR'})",
                        self.origin(kind, rid),
                    )
            for gid in eni.group_ids:
                group = out.security_groups.get(gid)
                if group is not None and group.vpc_id is not None and group.vpc_id != eni.vpc_id:
                    self.contradict(
                        "VPC_MISMATCH",
                        rid,
                        f"network interface {rid} in {eni.vpc_id} is attached to {gid} of {group.vpc_id} "
                        "(a security group applies only in its own VPC)",
                        self.at(rid, gid, kind),
                    )
        self.embedded_versus_described()
        self.duplicate_addresses()

    def embedded_versus_described(self) -> None:
        out = self.out
        for eni_id, described in out.interfaces.items():
            embedded = out.instance_interfaces.get(eni_id)
            if embedded is None:
                continue
            differ = [
                what
                for what, a, b in (
                    ("subnet", described.subnet_id, embedded.subnet_id),
                    ("VPC", described.vpc_id, embedded.vpc_id),
                    ("private addresses", set(described.addresses), set(embedded.addresses)),
                    ("security groups", set(described.group_ids), set(embedded.group_ids)),
                )
                if a != b
            ]
            if differ:
                self.contradict(
                    "CONTRADICTORY_INTERFACE",
                    eni_id,
                    f"network interface {eni_id} differs between describe-network-interfaces "
                    f"({self.origin(ENI, eni_id)}) and describe-instances "
                    f"({self.origin(EMBEDDED_ENI, eni_id)}) in its {', '.join(differ)}",
                    self.origin(ENI, eni_id),
                )

    def duplicate_addresses(self) -> None:
        holders: dict[tuple[str, Address], list[str]] = {}
        public: dict[Address, list[str]] = {}
        for eni in self.enis.values():
            for addr in set(eni.addresses):
                holders.setdefault((eni.vpc_id, addr), []).append(eni.eni_id)
            for pub in {p for _a, p in eni.public_ips}:
                public.setdefault(pub, []).append(eni.eni_id)
        for what, groups in (("private", holders.items()), ("public", public.items())):
            for key, ids in groups:
                if len(ids) < 2:
                    continue
                addr = key[1] if isinstance(key, tuple) else key
                for rid in ids:
                    others = ", ".join(i for i in ids if i != rid)
                    self.contradict(
                        "DUPLICATE_ADDRESS",
                        rid,
                        f"{what} address {addr} is held by {rid} and {others}",
                        self.origin(ENI, rid) or self.origin(EMBEDDED_ENI, rid),
                    )

    def associations(self) -> None:
        """Explicit associations first (each subnet at most one ACL and one route table), then the
        subnets that fall back to their VPC's default ACL / main route table."""
        out = self.out
        tables: dict[str, NetworkAcl] | dict[str, RouteTable]
        for kind, label, tables in (
            ("network ACL", "network ACLs", out.network_acls),
            ("route table", "route tables", out.route_tables),
        ):
            owner: dict[str, list[str]] = {}
            defaults: dict[str, list[str]] = {}
            for tid, table in tables.items():
                self.vpc_known(tid, table.vpc_id, kind, kind)
                if table.is_default if isinstance(table, NetworkAcl) else table.is_main:
                    defaults.setdefault(table.vpc_id, []).append(tid)
                for sid in sorted(table.subnet_ids):
                    owner.setdefault(sid, []).append(tid)
                    subnet = out.subnets.get(sid)
                    where = self.at(tid, sid, kind)
                    if subnet is None:
                        self.subnet_missing(
                            tid, f"{kind} {tid} is associated with {sid}, which is not in the snapshot", where
                        )
                    elif subnet.vpc_id != table.vpc_id:
                        self.contradict(
                            "CONTRADICTORY_ASSOCIATION",
                            sid,
                            f"subnet {sid} of {subnet.vpc_id} is associated with {kind} {tid} of "
                            f"{table.vpc_id}",
                            where,
                        )
            for sid, tids in owner.items():
                if len(tids) > 1:
                    self.contradict(
                        "CONTRADICTORY_ASSOCIATION",
                        sid,
                        f"subnet {sid} is associated with {len(tids)} {label}: {', '.join(tids)} "
                        f"(the model uses {tids[0]})",
                        self.at(tids[1], sid, kind),
                    )
            for vpc_id, tids in defaults.items():
                if len(tids) < 2:
                    continue
                what = "default network ACLs" if kind == "network ACL" else "main route tables"
                for sub in out.subnets.values():
                    if sub.vpc_id == vpc_id and sub.subnet_id not in owner:
                        self.contradict(
                            "CONTRADICTORY_ASSOCIATION",
                            sub.subnet_id,
                            f"subnet {sub.subnet_id} has no explicit {kind} and {vpc_id} has {len(tids)} "
                            f"{what}: {', '.join(tids)} (the model uses {tids[0]})",
                            self.origin(kind, tids[1]),
                        )

    def subnets(self) -> None:
        out = self.out
        spans: list[tuple[str, int, int, int, str]] = []
        for sid, sub in out.subnets.items():
            self.vpc_known(sid, sub.vpc_id, "subnet", "subnet")
            vpc = out.vpcs.get(sub.vpc_id)
            for c in sub.cidrs:
                spans.append((sub.vpc_id, c.version, c.lo, c.hi, sid))
                if vpc is not None and not any(c in v for v in vpc.cidrs):
                    self.contradict(
                        "SUBNET_OUTSIDE_VPC",
                        sid,
                        f"subnet {sid} has {c}, outside the CIDRs of {vpc.vpc_id} ({_join(vpc.cidrs)})",
                        self.origin("subnet", sid),
                    )
        # sweep each VPC's spans in address order: a span starting before the previous end overlaps
        spans.sort()
        reach: tuple[str, int, int, str] | None = None  # (vpc, version, highest end so far, its subnet)
        for vpc_id, version, lo, hi, sid in spans:
            if reach is not None and reach[:2] == (vpc_id, version) and lo <= reach[2] and sid != reach[3]:
                other = reach[3]
                for a, b in ((sid, other), (other, sid)):
                    self.contradict(
                        "OVERLAPPING_SUBNETS",
                        a,
                        f"subnets {a} and {b} of {vpc_id} overlap",
                        self.origin("subnet", a),
                    )
            if reach is None or reach[:2] != (vpc_id, version) or hi > reach[2]:
                reach = (vpc_id, version, hi, sid)

    def routes(self) -> None:
        out = self.out
        registries: dict[RouteTarget, Iterable[str]] = {
            RouteTarget.INTERNET_GATEWAY: out.internet_gateways,
            RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY: out.internet_gateways,
            RouteTarget.NAT_GATEWAY: out.nat_gateways,
            RouteTarget.VPC_PEERING: out.peerings,
            RouteTarget.TRANSIT_GATEWAY: out.transit_gateways,
            RouteTarget.VIRTUAL_PRIVATE_GATEWAY: out.vpn_gateways,
            RouteTarget.GATEWAY_ENDPOINT: out.vpc_endpoints,
            RouteTarget.NETWORK_INTERFACE: self.enis,
            # an instance route names the instance's ENI when the output gives it (route_tables)
            RouteTarget.INSTANCE: {*out.instances, *self.enis},
        }
        for tid, table in out.route_tables.items():
            for route in table.routes:
                known = registries.get(route.target)
                if route.blackhole or route.target_id is None or known is None or route.target_id in known:
                    continue
                self.warn(
                    "UNRESOLVED_ROUTE_TARGET",
                    f"{tid} route {route.destination_text} → {route.target_id}: no such "
                    f"{route.target.value} in the snapshot",
                    self.at(tid, route.target_id, "route table"),
                    tid,
                )

    def others(self) -> None:
        out = self.out
        for nat_id, nat in out.nat_gateways.items():
            self.vpc_known(nat_id, nat.vpc_id, "NAT gateway", "NAT gateway")
            subnet = out.subnets.get(nat.subnet_id)
            if subnet is None:
                self.subnet_missing(
                    nat_id,
                    f"NAT gateway {nat_id} is in {nat.subnet_id}, which is not in the snapshot",
                    self.at(nat_id, nat.subnet_id, "NAT gateway"),
                )
            elif subnet.vpc_id != nat.vpc_id:
                self.contradict(
                    "VPC_MISMATCH",
                    nat_id,
                    f"NAT gateway {nat_id} says it is in {nat.vpc_id}, its subnet {nat.subnet_id} is in "
                    f"{subnet.vpc_id}",
                    self.at(nat_id, nat.vpc_id, "NAT gateway"),
                )
        for igw_id, igw in out.internet_gateways.items():
            what = "egress-only internet gateway" if igw.egress_only else "internet gateway"
            for vpc_id in igw.vpc_ids:
                self.vpc_known(igw_id, vpc_id, "internet gateway", what)
        for key, eip in out.elastic_ips.items():
            if eip.eni_id is not None and eip.eni_id not in self.enis:
                self.warn(
                    "UNRESOLVED_INTERFACE",
                    f"Elastic IP {eip.public_ip} is associated with {eip.eni_id}, which is not in the "
                    "snapshot: the address reaches no interface",
                    self.at(key, eip.eni_id, "Elastic IP"),
                    eip.allocation_id or key,
                )
            elif eip.eni_id is None and eip.instance_id is not None and eip.instance_id not in out.instances:
                self.warn(
                    "UNRESOLVED_INTERFACE",
                    f"Elastic IP {eip.public_ip} is associated with instance {eip.instance_id}, which is not "
                    "in the snapshot: the address reaches no interface",
                    self.origin("Elastic IP", key),
                    eip.allocation_id or key,
                )


def _join(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values)


def check(out: Collected, enis: dict[str, NetworkInterface]) -> None:
    """Add the dangling-reference warnings and the contradictions of ``out`` (ENIs already merged)."""
    _Checker(out, enis).run()
