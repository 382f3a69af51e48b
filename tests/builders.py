"""Build model snapshots in a few lines for engine tests (no JSON, no loader)."""

from __future__ import annotations

from dataclasses import dataclass, field

from vpcflow.model import (
    DEFAULT_DENY_V4,
    DEFAULT_DENY_V6,
    Address,
    Cidr,
    CidrPeer,
    Direction,
    GroupPeer,
    IcmpMatch,
    Instance,
    InternetGateway,
    NatGateway,
    NetworkAcl,
    NetworkAclEntry,
    NetworkInterface,
    Peer,
    PortRange,
    PrefixList,
    PrefixListPeer,
    Route,
    RouteTable,
    RouteTarget,
    RuleAction,
    SecurityGroup,
    SecurityGroupRule,
    Snapshot,
    Subnet,
    Vpc,
    VpcPeeringConnection,
    parse_protocol,
)

# A rule spec: (protocol, ports "443" | "1024-65535" | None, peer "0.0.0.0/0" | "sg-x" | "pl-x")
SgSpec = tuple[str, str | None, str]
# A NACL spec: (number, protocol, ports, cidr, "allow" | "deny")
AclSpec = tuple[int, str, str | None, str, str]


def ports(text: str | None) -> PortRange | None:
    if text is None:
        return None
    lo, _, hi = text.partition("-")
    return PortRange(int(lo), int(hi or lo))


def peer(text: str) -> Peer:
    if text.startswith("sg-"):
        return GroupPeer(text)
    if text.startswith("pl-"):
        return PrefixListPeer(text)
    return CidrPeer(Cidr.parse(text))


def icmp_of(proto: int, text: str | None) -> IcmpMatch | None:
    if proto not in (1, 58) or text is None:
        return None
    t, _, c = text.partition(":")
    return IcmpMatch(int(t), int(c) if c else -1)


def sg_rules(gid: str, direction: Direction, specs: list[SgSpec]) -> tuple[SecurityGroupRule, ...]:
    out = []
    for i, (proto, prange, p) in enumerate(specs):
        n = parse_protocol(proto)
        out.append(
            SecurityGroupRule(
                gid,
                direction,
                i,
                0,
                n,
                ports(prange) if n in (6, 17) else None,
                icmp_of(n, prange),
                peer(p),
            )
        )
    return tuple(out)


def acl_entries(
    acl_id: str, direction: Direction, specs: list[AclSpec], v6: bool
) -> tuple[NetworkAclEntry, ...]:
    out = []
    for num, proto, prange, cidr, action in specs:
        n = parse_protocol(proto)
        out.append(
            NetworkAclEntry(
                acl_id,
                num,
                direction,
                RuleAction(action),
                n,
                Cidr.parse(cidr),
                ports(prange) if n in (6, 17) else None,
                icmp_of(n, prange),
            )
        )
    out.append(
        NetworkAclEntry(acl_id, DEFAULT_DENY_V4, direction, RuleAction.DENY, -1, Cidr.parse("0.0.0.0/0"))
    )
    if v6:
        out.append(
            NetworkAclEntry(acl_id, DEFAULT_DENY_V6, direction, RuleAction.DENY, -1, Cidr.parse("::/0"))
        )
    return tuple(sorted(out, key=lambda e: e.rule_number))


ALLOW_ALL: list[AclSpec] = [(100, "-1", None, "0.0.0.0/0", "allow")]


@dataclass
class SnapBuilder:
    vpcs: list[Vpc] = field(default_factory=list)
    subnets: list[Subnet] = field(default_factory=list)
    enis: list[NetworkInterface] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    sgs: list[SecurityGroup] = field(default_factory=list)
    acls: list[NetworkAcl] = field(default_factory=list)
    rtbs: list[RouteTable] = field(default_factory=list)
    igws: list[InternetGateway] = field(default_factory=list)
    nats: list[NatGateway] = field(default_factory=list)
    pls: list[PrefixList] = field(default_factory=list)
    pcxs: list[VpcPeeringConnection] = field(default_factory=list)

    def vpc(self, vpc_id: str, cidr: str, v6: str | None = None) -> SnapBuilder:
        self.vpcs.append(Vpc(vpc_id, (Cidr.parse(cidr),), (Cidr.parse(v6),) if v6 else ()))
        return self

    def subnet(self, subnet_id: str, vpc_id: str, cidr: str, v6: str | None = None) -> SnapBuilder:
        self.subnets.append(Subnet(subnet_id, vpc_id, Cidr.parse(cidr), (Cidr.parse(v6),) if v6 else ()))
        return self

    def sg(
        self,
        gid: str,
        vpc_id: str,
        ingress: list[SgSpec],
        egress: list[SgSpec] | None = None,
    ) -> SnapBuilder:
        eg = [("-1", None, "0.0.0.0/0")] if egress is None else egress
        self.sgs.append(
            SecurityGroup(
                gid,
                gid,
                vpc_id,
                None,
                None,
                sg_rules(gid, Direction.INGRESS, ingress),
                sg_rules(gid, Direction.EGRESS, eg),
            )
        )
        return self

    def nacl(
        self,
        acl_id: str,
        vpc_id: str,
        subnets: list[str],
        ingress: list[AclSpec],
        egress: list[AclSpec],
        *,
        default: bool = False,
        v6: bool = False,
    ) -> SnapBuilder:
        self.acls.append(
            NetworkAcl(
                acl_id,
                vpc_id,
                default,
                acl_entries(acl_id, Direction.INGRESS, ingress, v6),
                acl_entries(acl_id, Direction.EGRESS, egress, v6),
                frozenset(subnets),
            )
        )
        return self

    def eni(
        self,
        eni_id: str,
        subnet_id: str,
        ip: str,
        groups: list[str],
        *,
        public: str | None = None,
        v6: str | None = None,
        name: str | None = None,
        instance: str | None = None,
    ) -> SnapBuilder:
        sub = next(s for s in self.subnets if s.subnet_id == subnet_id)
        priv = Address.parse(ip)
        self.enis.append(
            NetworkInterface(
                eni_id,
                subnet_id,
                sub.vpc_id,
                (priv,),
                (Address.parse(v6),) if v6 else (),
                ((priv, Address.parse(public)),) if public else (),
                tuple(groups),
                instance_id=instance,
                tags=(("Name", name),) if name else (),
            )
        )
        if instance:
            self.instances.append(
                Instance(instance, "running", (eni_id,), tags=(("Name", name),) if name else ())
            )
        return self

    def igw(self, igw_id: str, vpc_id: str, egress_only: bool = False) -> SnapBuilder:
        self.igws.append(InternetGateway(igw_id, (vpc_id,), egress_only))
        return self

    def nat(self, nat_id: str, subnet_id: str, ip: str, public: str | None, eni_id: str) -> SnapBuilder:
        sub = next(s for s in self.subnets if s.subnet_id == subnet_id)
        self.nats.append(
            NatGateway(
                nat_id,
                sub.vpc_id,
                subnet_id,
                "available",
                "public" if public else "private",
                eni_id,
                Address.parse(ip),
                Address.parse(public) if public else None,
            )
        )
        self.enis.append(
            NetworkInterface(
                eni_id,
                subnet_id,
                sub.vpc_id,
                (Address.parse(ip),),
                requester_managed=True,
                interface_type="nat_gateway",
            )
        )
        return self

    def rtb(
        self,
        rtb_id: str,
        vpc_id: str,
        subnets: list[str],
        routes: list[tuple[str, str]],
        *,
        main: bool = False,
    ) -> SnapBuilder:
        """routes: (destination CIDR or pl-id, target id: local / igw-… / nat-… / pcx-… / eigw-…)."""
        vpc = next(v for v in self.vpcs if v.vpc_id == vpc_id)
        out = [Route(c, RouteTarget.LOCAL, "local") for c in vpc.cidrs]
        kinds = {
            "igw-": RouteTarget.INTERNET_GATEWAY,
            "nat-": RouteTarget.NAT_GATEWAY,
            "pcx-": RouteTarget.VPC_PEERING,
            "eigw-": RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY,
            "tgw-": RouteTarget.TRANSIT_GATEWAY,
            "lgw-": RouteTarget.LOCAL_GATEWAY,
        }
        for dest, target in routes:
            kind = next((k for p, k in kinds.items() if target.startswith(p)), RouteTarget.UNKNOWN)
            state = "blackhole" if target.endswith(":blackhole") else "active"
            tid = target.removesuffix(":blackhole")
            if dest.startswith("pl-"):
                out.append(Route(None, kind, tid, state, prefix_list_id=dest))
            else:
                out.append(Route(Cidr.parse(dest), kind, tid, state))
        self.rtbs.append(RouteTable(rtb_id, vpc_id, main, frozenset(subnets), tuple(out)))
        return self

    def prefix_list(self, pl_id: str, cidrs: list[str]) -> SnapBuilder:
        self.pls.append(PrefixList(pl_id, pl_id, tuple(Cidr.parse(c) for c in cidrs)))
        return self

    def peering(self, pcx_id: str, a: str, b: str, status: str = "active") -> SnapBuilder:
        va = next(v for v in self.vpcs if v.vpc_id == a)
        vb = next(v for v in self.vpcs if v.vpc_id == b)
        self.pcxs.append(
            VpcPeeringConnection(pcx_id, status, a, va.cidrs, None, None, b, vb.cidrs, None, None)
        )
        return self

    def build(self) -> Snapshot:
        return Snapshot.create(
            vpcs=self.vpcs,
            subnets=self.subnets,
            interfaces=self.enis,
            instances=self.instances,
            security_groups=self.sgs,
            network_acls=self.acls,
            route_tables=self.rtbs,
            internet_gateways=self.igws,
            nat_gateways=self.nats,
            prefix_lists=self.pls,
            peerings=self.pcxs,
        )
