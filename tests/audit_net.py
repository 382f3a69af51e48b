"""describe-* JSON for audit tests, written in the shapes the EC2 API returns (ids and addresses made up).

``network(...)`` gives one VPC (10.0.0.0/16, 2001:db8::/56) with a public subnet (route 0.0.0.0/0 and ::/0
to an internet gateway) and a private one (main route table: local only), both on the default NACL
(allow all) unless NACLs are given; groups, interfaces and NACLs are added by the test.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from vpcflow.audit import AuditConfig, AuditReport, audit
from vpcflow.model import Snapshot
from vpcflow.sources import load_snapshot_data

Json = dict[str, Any]
VPC = "vpc-1"
PUB, PRIV = "subnet-pub", "subnet-priv"
ACCOUNT = "123456789012"
ALL_OUT = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def perm(
    proto: str | int,
    lo: int | None = None,
    hi: int | None = None,
    *,
    cidrs: tuple[str, ...] = (),
    v6: tuple[str, ...] = (),
    groups: tuple[str, ...] = (),
    prefix_lists: tuple[str, ...] = (),
) -> Json:
    p: Json = {"IpProtocol": proto}
    if lo is not None:
        p["FromPort"] = lo
        p["ToPort"] = lo if hi is None else hi
    p["IpRanges"] = [{"CidrIp": c} for c in cidrs]
    p["Ipv6Ranges"] = [{"CidrIpv6": c} for c in v6]
    p["PrefixListIds"] = [{"PrefixListId": pl} for pl in prefix_lists]
    p["UserIdGroupPairs"] = [{"GroupId": g, "UserId": ACCOUNT} for g in groups]
    return p


def sg(gid: str, ingress: list[Json], egress: list[Json] | None = None, *, name: str | None = None,
       vpc: str = VPC) -> Json:  # fmt: skip
    return {
        "GroupId": gid,
        "GroupName": name or gid.replace("sg-", ""),
        "Description": "test",
        "OwnerId": ACCOUNT,
        "VpcId": vpc,
        "IpPermissions": ingress,
        "IpPermissionsEgress": ALL_OUT if egress is None else egress,
    }


def default_sg(gid: str = "sg-default", *, closed: bool = False, vpc: str = VPC) -> Json:
    """The default group as AWS creates it: all from itself inbound, all outbound (or closed)."""
    if closed:
        return sg(gid, [], [], name="default", vpc=vpc)
    return sg(gid, [perm("-1", groups=(gid,))], ALL_OUT, name="default", vpc=vpc)


def entry(
    num: int, egress: bool, proto: str, cidr: str, action: str, ports: tuple[int, int] | None = None
) -> Json:
    e: Json = {
        "RuleNumber": num,
        "Egress": egress,
        "Protocol": proto,
        "RuleAction": action,
        ("Ipv6CidrBlock" if ":" in cidr else "CidrBlock"): cidr,
    }
    if ports is not None:
        e["PortRange"] = {"From": ports[0], "To": ports[1]}
    return e


ALLOW_ALL = [
    entry(100, False, "-1", "0.0.0.0/0", "allow"),
    entry(100, True, "-1", "0.0.0.0/0", "allow"),
    entry(101, False, "-1", "::/0", "allow"),
    entry(101, True, "-1", "::/0", "allow"),
]


def nacl(
    acl_id: str, subnets: list[str], entries: list[Json], *, default: bool = False, vpc: str = VPC
) -> Json:
    stars = [entry(32767, eg, "-1", "0.0.0.0/0", "deny") for eg in (False, True)] + [
        entry(32768, eg, "-1", "::/0", "deny") for eg in (False, True)
    ]
    return {
        "NetworkAclId": acl_id,
        "VpcId": vpc,
        "IsDefault": default,
        "Entries": [*entries, *stars],
        "Associations": [
            {"NetworkAclAssociationId": f"aclassoc-{s}", "NetworkAclId": acl_id, "SubnetId": s}
            for s in subnets
        ],
    }


def eni(
    eni_id: str,
    subnet: str,
    ip: str,
    groups: list[str],
    *,
    public: str | None = None,
    ipv6: str | None = None,
    requester: bool = False,
    kind: str = "interface",
    description: str = "",
    vpc: str = VPC,
) -> Json:
    assoc = {"PublicIp": public, "IpOwnerId": "amazon"} if public else None
    out: Json = {
        "NetworkInterfaceId": eni_id,
        "SubnetId": subnet,
        "VpcId": vpc,
        "PrivateIpAddress": ip,
        "PrivateIpAddresses": [
            {"Primary": True, "PrivateIpAddress": ip, **({"Association": assoc} if assoc else {})}
        ],
        "Ipv6Addresses": [{"Ipv6Address": ipv6}] if ipv6 else [],
        "Groups": [{"GroupId": g, "GroupName": g} for g in groups],
        "InterfaceType": kind,
        "RequesterManaged": requester,
        "Description": description,
        "Status": "in-use",
        "SourceDestCheck": True,
    }
    if assoc:
        out["Association"] = assoc
    return out


def network(
    groups: list[Json],
    enis: list[Json] = (),  # type: ignore[assignment]
    *,
    nacls: list[Json] | None = None,
    igw: bool = True,
    public_route: bool = True,
    flow_logs: list[Json] | None = None,
    extra_vpcs: list[Json] = (),  # type: ignore[assignment]
) -> list[tuple[str, Json]]:
    vpc = {
        "VpcId": VPC,
        "CidrBlock": "10.0.0.0/16",
        "Ipv6CidrBlockAssociationSet": [
            {"Ipv6CidrBlock": "2001:db8::/56", "Ipv6CidrBlockState": {"State": "associated"}}
        ],
        "IsDefault": False,
        "OwnerId": ACCOUNT,
    }
    subnets = [
        {"SubnetId": PUB, "VpcId": VPC, "CidrBlock": "10.0.0.0/24",
         "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2001:db8:0:1::/64",
                                          "Ipv6CidrBlockState": {"State": "associated"}}]},
        {"SubnetId": PRIV, "VpcId": VPC, "CidrBlock": "10.0.1.0/24"},
    ]  # fmt: skip
    routes_pub = [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"}]
    if public_route:
        routes_pub += [
            {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "active"},
            {"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-1", "State": "active"},
        ]
    rtbs = [
        {"RouteTableId": "rtb-main", "VpcId": VPC,
         "Associations": [{"Main": True, "RouteTableId": "rtb-main"}],
         "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"}]},
        {"RouteTableId": "rtb-pub", "VpcId": VPC,
         "Associations": [{"Main": False, "RouteTableId": "rtb-pub", "SubnetId": PUB}], "Routes": routes_pub},
    ]  # fmt: skip
    if nacls is None:
        nacls = [nacl("acl-default", [PUB, PRIV], ALLOW_ALL, default=True)]
    docs: list[tuple[str, Json]] = [
        ("Vpcs.json", {"Vpcs": [vpc, *extra_vpcs]}),
        ("Subnets.json", {"Subnets": subnets}),
        ("RouteTables.json", {"RouteTables": rtbs}),
        ("SecurityGroups.json", {"SecurityGroups": groups}),
        ("NetworkAcls.json", {"NetworkAcls": nacls}),
        ("NetworkInterfaces.json", {"NetworkInterfaces": list(enis)}),
    ]
    if igw:
        docs.append(
            (
                "InternetGateways.json",
                {
                    "InternetGateways": [
                        {"InternetGatewayId": "igw-1", "Attachments": [{"VpcId": VPC, "State": "available"}]}
                    ]
                },
            )
        )
    if flow_logs is not None:
        docs.append(("FlowLogs.json", {"FlowLogs": flow_logs}))
    return docs


def load(docs: list[tuple[str, Json]]) -> Snapshot:
    return load_snapshot_data(docs)


def run(
    docs: list[tuple[str, Json]], config: AuditConfig | None = None, *, flow_logs_known: bool | None = None
) -> AuditReport:
    return audit(load(docs), config, flow_logs_known=flow_logs_known, today=dt.date(2025, 1, 1))


def pairs(report: AuditReport, *checks: str) -> set[tuple[str, str]]:
    """(resource, control) for every active finding (of the given checks, or all)."""
    return {
        (f.resource.name, c)
        for f in report.active
        for c in f.control_ids
        if not checks or f.check.id in checks
    }


def of(report: AuditReport, check: str, resource: str | None = None) -> list[Any]:
    return [
        f for f in report.active if f.check.id == check and (resource is None or f.resource.name == resource)
    ]
