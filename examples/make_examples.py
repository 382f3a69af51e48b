"""Write the bundled example snapshots as raw ``aws ec2 describe-*`` JSON.

The shapes (keys, nesting, value types) are those the EC2 API returns; ids and addresses are made up
(documentation ranges for public addresses). Run ``python examples/make_examples.py`` to rewrite them;
the files are committed so the demo needs nothing but vpcflow.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ACCOUNT = "123456789012"
REGION = "us-east-1"


def _tags(name: str, **extra: str) -> list[dict[str, str]]:
    return [{"Key": "Name", "Value": name}] + [{"Key": k, "Value": v} for k, v in extra.items()]


def _vpc(vpc_id: str, cidr: str, name: str) -> dict[str, Any]:
    return {
        "CidrBlock": cidr,
        "DhcpOptionsId": "dopt-0a1b2c3d4e5f60718",
        "State": "available",
        "VpcId": vpc_id,
        "OwnerId": ACCOUNT,
        "InstanceTenancy": "default",
        "CidrBlockAssociationSet": [
            {
                "AssociationId": f"vpc-cidr-assoc-{vpc_id[4:]}",
                "CidrBlock": cidr,
                "CidrBlockState": {"State": "associated"},
            }
        ],
        "IsDefault": False,
        "Tags": _tags(name),
    }


def _subnet(subnet_id: str, vpc_id: str, cidr: str, az: str, name: str) -> dict[str, Any]:
    return {
        "AvailabilityZone": az,
        "AvailabilityZoneId": "use1-az1" if az.endswith("a") else "use1-az2",
        "AvailableIpAddressCount": 250,
        "CidrBlock": cidr,
        "DefaultForAz": False,
        "MapPublicIpOnLaunch": False,
        "State": "available",
        "SubnetId": subnet_id,
        "VpcId": vpc_id,
        "OwnerId": ACCOUNT,
        "AssignIpv6AddressOnCreation": False,
        "Ipv6CidrBlockAssociationSet": [],
        "Tags": _tags(name),
        "SubnetArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{subnet_id}",
    }


def _perm(
    proto: str,
    lo: int | None,
    hi: int | None,
    *,
    cidrs: tuple[str, ...] = (),
    groups: tuple[str, ...] = (),
    desc: str | None = None,
) -> dict[str, Any]:
    perm: dict[str, Any] = {"IpProtocol": proto}
    if lo is not None:
        perm["FromPort"] = lo
        perm["ToPort"] = hi
    perm["IpRanges"] = [{"CidrIp": c, **({"Description": desc} if desc else {})} for c in cidrs]
    perm["Ipv6Ranges"] = []
    perm["PrefixListIds"] = []
    perm["UserIdGroupPairs"] = [
        {"GroupId": g, "UserId": ACCOUNT, **({"Description": desc} if desc else {})} for g in groups
    ]
    return perm


ALL_OUT = [_perm("-1", None, None, cidrs=("0.0.0.0/0",))]


def _sg(
    gid: str,
    name: str,
    vpc_id: str,
    desc: str,
    ingress: list[dict[str, Any]],
    egress: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "Description": desc,
        "GroupName": name,
        "IpPermissions": ingress,
        "OwnerId": ACCOUNT,
        "GroupId": gid,
        "IpPermissionsEgress": ALL_OUT if egress is None else egress,
        "VpcId": vpc_id,
        "Tags": _tags(name),
    }


def _entry(
    num: int, egress: bool, proto: str, cidr: str, action: str, ports: tuple[int, int] | None = None
) -> dict[str, Any]:
    e: dict[str, Any] = {
        "CidrBlock": cidr,
        "Egress": egress,
        "Protocol": proto,
        "RuleAction": action,
        "RuleNumber": num,
    }
    if ports:
        e["PortRange"] = {"From": ports[0], "To": ports[1]}
    return e


def _acl(
    acl_id: str, vpc_id: str, subnets: list[str], entries: list[dict[str, Any]], default: bool, name: str
) -> dict[str, Any]:
    # AWS returns the `*` entries (rule 32767) too; entries come egress first, then ingress.
    stars = [_entry(32767, egress, "-1", "0.0.0.0/0", "deny") for egress in (True, False)]
    all_entries = [*entries, *stars]
    all_entries.sort(key=lambda e: (not e["Egress"], e["RuleNumber"]))
    return {
        "Associations": [
            {"NetworkAclAssociationId": f"aclassoc-{s[7:]}", "NetworkAclId": acl_id, "SubnetId": s}
            for s in subnets
        ],
        "Entries": all_entries,
        "IsDefault": default,
        "NetworkAclId": acl_id,
        "Tags": _tags(name),
        "VpcId": vpc_id,
        "OwnerId": ACCOUNT,
    }


ALLOW_ALL_ENTRIES = [
    _entry(100, True, "-1", "0.0.0.0/0", "allow"),
    _entry(100, False, "-1", "0.0.0.0/0", "allow"),
]


def _route(dest: str, **target: str) -> dict[str, Any]:
    origin = "CreateRouteTable" if target.get("GatewayId") == "local" else "CreateRoute"
    return {"DestinationCidrBlock": dest, **target, "Origin": origin, "State": "active"}


def _edge_rtb(
    rtb_id: str, vpc_id: str, igw: str, assoc_id: str, routes: list[dict[str, Any]]
) -> dict[str, Any]:
    """A gateway route table (ingress routing): associated with internet gateway ``igw``, no subnet."""
    edge = _rtb(rtb_id, vpc_id, [], routes, False, "igw-edge")
    edge["Associations"] = [
        {
            "Main": False,
            "RouteTableAssociationId": assoc_id,
            "RouteTableId": rtb_id,
            "GatewayId": igw,
            "AssociationState": {"State": "associated"},
        }
    ]
    return edge


def _rtb(
    rtb_id: str, vpc_id: str, subnets: list[str], routes: list[dict[str, Any]], main: bool, name: str
) -> dict[str, Any]:
    assocs: list[dict[str, Any]] = [
        {
            "Main": False,
            "RouteTableAssociationId": f"rtbassoc-{s[7:]}",
            "RouteTableId": rtb_id,
            "SubnetId": s,
            "AssociationState": {"State": "associated"},
        }
        for s in subnets
    ]
    if main:
        assocs.append(
            {
                "Main": True,
                "RouteTableAssociationId": f"rtbassoc-main{rtb_id[4:12]}",
                "RouteTableId": rtb_id,
                "AssociationState": {"State": "associated"},
            }
        )
    return {
        "Associations": assocs,
        "PropagatingVgws": [],
        "RouteTableId": rtb_id,
        "Routes": routes,
        "Tags": _tags(name),
        "VpcId": vpc_id,
        "OwnerId": ACCOUNT,
    }


def _eni(
    eni_id: str,
    subnet_id: str,
    vpc_id: str,
    ip: str,
    groups: list[tuple[str, str]],
    *,
    public: str | None = None,
    instance: str | None = None,
    desc: str = "",
    kind: str = "interface",
    requester: bool = False,
    name: str | None = None,
    az: str = f"{REGION}a",
) -> dict[str, Any]:
    assoc = {"IpOwnerId": "amazon", "PublicDnsName": "", "PublicIp": public} if public else None
    out: dict[str, Any] = {
        "AvailabilityZone": az,
        "Description": desc,
        "Groups": [{"GroupName": n, "GroupId": g} for g, n in groups],
        "InterfaceType": kind,
        "Ipv6Addresses": [],
        "MacAddress": "0a:00:00:00:00:01",
        "NetworkInterfaceId": eni_id,
        "OwnerId": ACCOUNT,
        "PrivateIpAddress": ip,
        "PrivateIpAddresses": [
            {"Primary": True, "PrivateIpAddress": ip, **({"Association": assoc} if assoc else {})}
        ],
        "RequesterManaged": requester,
        "SourceDestCheck": True,
        "Status": "in-use",
        "SubnetId": subnet_id,
        "TagSet": _tags(name) if name else [],
        "VpcId": vpc_id,
    }
    if assoc:
        out["Association"] = assoc
    if instance:
        out["Attachment"] = {
            "AttachmentId": f"eni-attach-{eni_id[4:]}",
            "DeleteOnTermination": True,
            "DeviceIndex": 0,
            "InstanceId": instance,
            "InstanceOwnerId": ACCOUNT,
            "Status": "attached",
        }
    return out


def _instance(iid: str, eni: dict[str, Any], name: str, public: str | None = None) -> dict[str, Any]:
    inst: dict[str, Any] = {
        "InstanceId": iid,
        "InstanceType": "t3.small",
        "ImageId": "ami-0abcdef1234567890",
        "State": {"Code": 16, "Name": "running"},
        "PrivateIpAddress": eni["PrivateIpAddress"],
        "SubnetId": eni["SubnetId"],
        "VpcId": eni["VpcId"],
        "SecurityGroups": eni["Groups"],
        "SourceDestCheck": True,
        "NetworkInterfaces": [
            {
                "NetworkInterfaceId": eni["NetworkInterfaceId"],
                "PrivateIpAddress": eni["PrivateIpAddress"],
                "SubnetId": eni["SubnetId"],
                "VpcId": eni["VpcId"],
                "Groups": eni["Groups"],
                "Attachment": {"DeviceIndex": 0, "Status": "attached"},
                "PrivateIpAddresses": eni["PrivateIpAddresses"],
            }
        ],
        "Tags": _tags(name),
    }
    if public:
        inst["PublicIpAddress"] = public
    return inst


def three_tier() -> dict[str, dict[str, Any]]:
    """internet → ALB (sg-alb 443) → app (8080 from sg-alb) → db (5432 from sg-app); NAT for egress."""
    vpc = "vpc-0a1b2c3d4e5f00001"
    pub, app, db = "subnet-0a1b2c3d4e5f00011", "subnet-0a1b2c3d4e5f00012", "subnet-0a1b2c3d4e5f00013"
    sg_alb, sg_app, sg_db = "sg-0a1b2c3d4e5f00021", "sg-0a1b2c3d4e5f00022", "sg-0a1b2c3d4e5f00023"
    sg_default = "sg-0a1b2c3d4e5f00020"
    igw, nat = "igw-0a1b2c3d4e5f00031", "nat-0a1b2c3d4e5f00032"
    eni_alb = _eni(
        "eni-0a1b2c3d4e5f00041",
        pub,
        vpc,
        "10.0.0.10",
        [(sg_alb, "alb-sg")],
        public="198.51.100.10",
        desc="ELB app/web-alb/50dc6c495c0c9188",
        requester=True,
        name="web-alb",
    )
    eni_app = _eni(
        "eni-0a1b2c3d4e5f00042", app, vpc, "10.0.1.10", [(sg_app, "app-sg")], instance="i-0a1b2c3d4e5f00052"
    )
    eni_db = _eni(
        "eni-0a1b2c3d4e5f00043", db, vpc, "10.0.2.10", [(sg_db, "db-sg")], instance="i-0a1b2c3d4e5f00053"
    )
    eni_nat = _eni(
        "eni-0a1b2c3d4e5f00044",
        pub,
        vpc,
        "10.0.0.20",
        [],
        public="198.51.100.20",
        desc=f"Interface for NAT Gateway {nat}",
        kind="nat_gateway",
        requester=True,
    )
    return {
        "Vpcs.json": {"Vpcs": [_vpc(vpc, "10.0.0.0/16", "three-tier")]},
        "Subnets.json": {
            "Subnets": [
                _subnet(pub, vpc, "10.0.0.0/24", f"{REGION}a", "public"),
                _subnet(app, vpc, "10.0.1.0/24", f"{REGION}a", "app"),
                _subnet(db, vpc, "10.0.2.0/24", f"{REGION}a", "db"),
            ]
        },
        "SecurityGroups.json": {
            "SecurityGroups": [
                _sg(
                    sg_default,
                    "default",
                    vpc,
                    "default VPC security group",
                    [_perm("-1", None, None, groups=(sg_default,))],
                ),
                _sg(
                    sg_alb,
                    "alb-sg",
                    vpc,
                    "public load balancer",
                    [_perm("tcp", 443, 443, cidrs=("0.0.0.0/0",), desc="HTTPS from anywhere")],
                ),
                _sg(
                    sg_app,
                    "app-sg",
                    vpc,
                    "application servers",
                    [_perm("tcp", 8080, 8080, groups=(sg_alb,), desc="from the ALB")],
                ),
                _sg(
                    sg_db,
                    "db-sg",
                    vpc,
                    "PostgreSQL",
                    [_perm("tcp", 5432, 5432, groups=(sg_app,), desc="from the app tier")],
                ),
            ]
        },
        "NetworkAcls.json": {
            "NetworkAcls": [
                _acl("acl-0a1b2c3d4e5f00061", vpc, [pub, app, db], ALLOW_ALL_ENTRIES, True, "default")
            ]
        },
        "RouteTables.json": {
            "RouteTables": [
                _rtb(
                    "rtb-0a1b2c3d4e5f00071",
                    vpc,
                    [pub],
                    [_route("10.0.0.0/16", GatewayId="local"), _route("0.0.0.0/0", GatewayId=igw)],
                    False,
                    "public",
                ),
                _rtb(
                    "rtb-0a1b2c3d4e5f00072",
                    vpc,
                    [app, db],
                    [_route("10.0.0.0/16", GatewayId="local"), _route("0.0.0.0/0", NatGatewayId=nat)],
                    True,
                    "private",
                ),
            ]
        },
        "InternetGateways.json": {
            "InternetGateways": [
                {
                    "Attachments": [{"State": "available", "VpcId": vpc}],
                    "InternetGatewayId": igw,
                    "OwnerId": ACCOUNT,
                    "Tags": _tags("igw"),
                }
            ]
        },
        "NatGateways.json": {
            "NatGateways": [
                {
                    "CreateTime": "2026-11-01T10:00:00+00:00",
                    "NatGatewayAddresses": [
                        {
                            "AllocationId": "eipalloc-0a1b2c3d4e5f00081",
                            "NetworkInterfaceId": eni_nat["NetworkInterfaceId"],
                            "PrivateIp": "10.0.0.20",
                            "PublicIp": "198.51.100.20",
                            "IsPrimary": True,
                            "Status": "succeeded",
                        }
                    ],
                    "NatGatewayId": nat,
                    "State": "available",
                    "SubnetId": pub,
                    "VpcId": vpc,
                    "ConnectivityType": "public",
                    "Tags": _tags("nat"),
                }
            ]
        },
        "NetworkInterfaces.json": {"NetworkInterfaces": [eni_alb, eni_app, eni_db, eni_nat]},
        "Reservations.json": {
            "Reservations": [
                {
                    "ReservationId": "r-0a1b2c3d4e5f00091",
                    "OwnerId": ACCOUNT,
                    "Groups": [],
                    "Instances": [_instance("i-0a1b2c3d4e5f00052", eni_app, "app-1")],
                },
                {
                    "ReservationId": "r-0a1b2c3d4e5f00092",
                    "OwnerId": ACCOUNT,
                    "Groups": [],
                    "Instances": [_instance("i-0a1b2c3d4e5f00053", eni_db, "db-1")],
                },
            ]
        },
    }


def nacl_trap() -> dict[str, dict[str, Any]]:
    """A web server whose SG and NACL both admit 443 — and HTTPS still fails: no outbound ephemeral rule."""
    vpc = "vpc-0b1b2c3d4e5f00001"
    web_sub = "subnet-0b1b2c3d4e5f00011"
    sg_web = "sg-0b1b2c3d4e5f00021"
    igw = "igw-0b1b2c3d4e5f00031"
    eni_web = _eni(
        "eni-0b1b2c3d4e5f00041",
        web_sub,
        vpc,
        "10.1.0.10",
        [(sg_web, "web-sg")],
        public="203.0.113.80",
        instance="i-0b1b2c3d4e5f00051",
    )
    entries = [
        # inbound: HTTPS from anywhere, SSH from the office
        _entry(100, False, "6", "0.0.0.0/0", "allow", (443, 443)),
        _entry(110, False, "6", "192.0.2.0/24", "allow", (22, 22)),
        # inbound return traffic for the server's own outbound calls
        _entry(120, False, "6", "0.0.0.0/0", "allow", (32768, 65535)),
        # outbound: the server may call HTTP/HTTPS APIs — but nothing lets responses to clients out
        _entry(100, True, "6", "0.0.0.0/0", "allow", (80, 80)),
        _entry(110, True, "6", "0.0.0.0/0", "allow", (443, 443)),
        _entry(120, True, "6", "192.0.2.0/24", "allow", (1024, 65535)),
    ]
    return {
        "Vpcs.json": {"Vpcs": [_vpc(vpc, "10.1.0.0/16", "nacl-trap")]},
        "Subnets.json": {"Subnets": [_subnet(web_sub, vpc, "10.1.0.0/24", f"{REGION}a", "web")]},
        "SecurityGroups.json": {
            "SecurityGroups": [
                _sg(
                    sg_web,
                    "web-sg",
                    vpc,
                    "web server",
                    [
                        _perm("tcp", 443, 443, cidrs=("0.0.0.0/0",), desc="HTTPS"),
                        _perm("tcp", 22, 22, cidrs=("192.0.2.0/24",), desc="SSH from the office"),
                    ],
                ),
            ]
        },
        "NetworkAcls.json": {
            "NetworkAcls": [_acl("acl-0b1b2c3d4e5f00061", vpc, [web_sub], entries, False, "web-acl")]
        },
        "RouteTables.json": {
            "RouteTables": [
                _rtb(
                    "rtb-0b1b2c3d4e5f00071",
                    vpc,
                    [web_sub],
                    [_route("10.1.0.0/16", GatewayId="local"), _route("0.0.0.0/0", GatewayId=igw)],
                    True,
                    "web",
                ),
            ]
        },
        "InternetGateways.json": {
            "InternetGateways": [
                {
                    "Attachments": [{"State": "available", "VpcId": vpc}],
                    "InternetGatewayId": igw,
                    "OwnerId": ACCOUNT,
                    "Tags": _tags("igw"),
                }
            ]
        },
        "NetworkInterfaces.json": {"NetworkInterfaces": [eni_web]},
        "Reservations.json": {
            "Reservations": [
                {
                    "ReservationId": "r-0b1b2c3d4e5f00091",
                    "OwnerId": ACCOUNT,
                    "Groups": [],
                    "Instances": [_instance("i-0b1b2c3d4e5f00051", eni_web, "web-1", public="203.0.113.80")],
                },
            ]
        },
    }


def exposed() -> dict[str, dict[str, Any]]:
    """What a security audit meets: world-open SSH on a bastion the internet reaches, the same exposure
    on hosts no path reaches (no public address, a NACL deny, attached to nothing), a world written as two
    halves, a deny attempted by omission, a shadowed NACL deny, the default group, an unused NACL."""
    vpc = "vpc-0c1b2c3d4e5f00001"
    pub, priv = "subnet-0c1b2c3d4e5f00011", "subnet-0c1b2c3d4e5f00012"
    igw = "igw-0c1b2c3d4e5f00031"
    sg_default, sg_bastion, sg_web = "sg-0c1b2c3d4e5f00020", "sg-0c1b2c3d4e5f00021", "sg-0c1b2c3d4e5f00022"
    sg_admin, sg_rdp, sg_partners = "sg-0c1b2c3d4e5f00023", "sg-0c1b2c3d4e5f00024", "sg-0c1b2c3d4e5f00025"
    # every IPv4 address but 45.0.0.0/8: how a "deny" is written in a filter that cannot deny
    all_but_45 = (
        "0.0.0.0/3", "32.0.0.0/5", "40.0.0.0/6", "44.0.0.0/8", "46.0.0.0/7", "48.0.0.0/4", "64.0.0.0/2",
        "128.0.0.0/1",
    )  # fmt: skip
    enis = {
        "bastion": _eni("eni-0c1b2c3d4e5f00041", pub, vpc, "10.2.0.10", [(sg_bastion, "bastion")],
                        public="198.51.100.10", instance="i-0c1b2c3d4e5f00051"),
        "web": _eni("eni-0c1b2c3d4e5f00042", pub, vpc, "10.2.0.20", [(sg_web, "web")],
                    public="198.51.100.20", instance="i-0c1b2c3d4e5f00052"),
        "app": _eni("eni-0c1b2c3d4e5f00043", priv, vpc, "10.2.1.10", [(sg_admin, "legacy-admin")],
                    instance="i-0c1b2c3d4e5f00053"),
        "api": _eni("eni-0c1b2c3d4e5f00044", pub, vpc, "10.2.0.30", [(sg_partners, "partners-https")],
                    public="198.51.100.30", instance="i-0c1b2c3d4e5f00054"),
    }  # fmt: skip
    public_entries = [
        _entry(90, False, "6", "0.0.0.0/0", "deny", (8080, 8080)),
        _entry(100, False, "-1", "0.0.0.0/0", "allow"),
        # meant to block telnet, but rule 100 already allowed everything: it never takes effect
        _entry(110, False, "6", "0.0.0.0/0", "deny", (23, 23)),
        _entry(100, True, "-1", "0.0.0.0/0", "allow"),
    ]
    default_sg = _sg(
        sg_default,
        "default",
        vpc,
        "default VPC security group",
        [_perm("-1", None, None, groups=(sg_default,))],
    )
    return {
        "Vpcs.json": {"Vpcs": [_vpc(vpc, "10.2.0.0/16", "exposed")]},
        "Subnets.json": {
            "Subnets": [
                _subnet(pub, vpc, "10.2.0.0/24", f"{REGION}a", "public"),
                _subnet(priv, vpc, "10.2.1.0/24", f"{REGION}a", "private"),
            ]
        },
        "SecurityGroups.json": {
            "SecurityGroups": [
                default_sg,
                _sg(
                    sg_bastion,
                    "bastion",
                    vpc,
                    "SSH jump host",
                    [_perm("tcp", 22, 22, cidrs=("0.0.0.0/0",), desc="SSH")],
                ),
                _sg(
                    sg_web,
                    "web",
                    vpc,
                    "web server",
                    [
                        _perm("tcp", 443, 443, cidrs=("0.0.0.0/0",)),
                        _perm("tcp", 8080, 8080, cidrs=("0.0.0.0/0",)),
                    ],
                ),
                _sg(
                    sg_admin,
                    "legacy-admin",
                    vpc,
                    "RDP for the old admin tool",
                    [_perm("tcp", 3389, 3389, cidrs=("0.0.0.0/1", "128.0.0.0/1"))],
                ),
                _sg(
                    sg_rdp,
                    "old-rdp",
                    vpc,
                    "left over",
                    [{**_perm("-1", None, None), "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
                ),
                _sg(
                    sg_partners,
                    "partners-https",
                    vpc,
                    "HTTPS for everyone but 45.0.0.0/8",
                    [_perm("tcp", 443, 443, cidrs=all_but_45)],
                ),
            ]
        },
        "NetworkAcls.json": {
            "NetworkAcls": [
                _acl("acl-0c1b2c3d4e5f00060", vpc, [priv], ALLOW_ALL_ENTRIES, True, "default"),
                _acl("acl-0c1b2c3d4e5f00061", vpc, [pub], public_entries, False, "public"),
                _acl("acl-0c1b2c3d4e5f00062", vpc, [], ALLOW_ALL_ENTRIES, False, "old-dmz"),
            ]
        },
        "RouteTables.json": {
            "RouteTables": [
                _rtb(
                    "rtb-0c1b2c3d4e5f00070", vpc, [], [_route("10.2.0.0/16", GatewayId="local")], True, "main"
                ),
                _rtb(
                    "rtb-0c1b2c3d4e5f00071",
                    vpc,
                    [pub],
                    [_route("10.2.0.0/16", GatewayId="local"), _route("0.0.0.0/0", GatewayId=igw)],
                    False,
                    "public",
                ),
            ]
        },
        "InternetGateways.json": {
            "InternetGateways": [
                {
                    "Attachments": [{"State": "available", "VpcId": vpc}],
                    "InternetGatewayId": igw,
                    "OwnerId": ACCOUNT,
                    "Tags": _tags("igw"),
                }
            ]
        },
        "NetworkInterfaces.json": {"NetworkInterfaces": list(enis.values())},
        "Reservations.json": {
            "Reservations": [
                {
                    "ReservationId": "r-0c1b2c3d4e5f00091",
                    "OwnerId": ACCOUNT,
                    "Groups": [],
                    "Instances": [
                        _instance(
                            "i-0c1b2c3d4e5f00051", enis["bastion"], "bastion-1", public="198.51.100.10"
                        ),
                        _instance("i-0c1b2c3d4e5f00052", enis["web"], "web-1", public="198.51.100.20"),
                        _instance("i-0c1b2c3d4e5f00053", enis["app"], "app-1"),
                        _instance("i-0c1b2c3d4e5f00054", enis["api"], "api-1", public="198.51.100.30"),
                    ],
                },
            ]
        },
    }


def three_tier_widened() -> dict[str, dict[str, Any]]:
    """three-tier after a change: db-sg admits 5432 from the whole VPC (10.0.0.0/16) instead of from
    app-sg — the before/after pair of the README's ``vpcflow diff`` example."""
    files = three_tier()
    for group in files["SecurityGroups.json"]["SecurityGroups"]:
        if group["GroupName"] == "db-sg":
            group["IpPermissions"] = [_perm("tcp", 5432, 5432, cidrs=("10.0.0.0/16",), desc="from the VPC")]
    return files


def hub() -> dict[str, dict[str, Any]]:
    """Two VPCs on a transit gateway (app 10.10/16, data 10.20/16), a Site-to-Site VPN to the office
    (192.168.0.0/16) on the same gateway, and an S3 gateway endpoint in the app VPC."""
    app_vpc, data_vpc = "vpc-0a0000000000000a1", "vpc-0a0000000000000d1"
    app_sub, app_att = "subnet-0a000000000000a11", "subnet-0a000000000000a1f"
    db_sub, db_att = "subnet-0a000000000000d11", "subnet-0a000000000000d1f"
    tgw, rtb = "tgw-0a0000000000000c1", "tgw-rtb-0a0000000000000c1"
    att_app, att_data, att_vpn = (
        "tgw-attach-0a000000000000a1",
        "tgw-attach-0a000000000000d1",
        "tgw-attach-0a000000000000f1",
    )
    vpn, vpce, pl = "vpn-0a0000000000000f1", "vpce-0a0000000000000e1", "pl-63a5400a"
    app_sg = _sg(
        "sg-0a000000000000a01",
        "app",
        app_vpc,
        "app servers: SSH from the office",
        [_perm("tcp", 22, 22, cidrs=("192.168.0.0/16",), desc="office admins")],
    )
    db_sg = _sg(
        "sg-0a000000000000d01",
        "db",
        data_vpc,
        "databases: Postgres from the app VPC",
        [_perm("tcp", 5432, 5432, cidrs=("10.10.0.0/16",), desc="app VPC")],
    )
    app_eni = _eni(
        "eni-0a000000000000a01",
        app_sub,
        app_vpc,
        "10.10.1.10",
        [(app_sg["GroupId"], "app")],
        instance="i-0a000000000000a01",
        name="app",
    )
    db_eni = _eni(
        "eni-0a000000000000d01",
        db_sub,
        data_vpc,
        "10.20.1.10",
        [(db_sg["GroupId"], "db")],
        instance="i-0a000000000000d01",
        name="db",
    )
    tgw_enis = [
        _eni(
            e,
            s,
            v,
            ip,
            [],
            desc=f"Network Interface for Transit Gateway Attachment {a}",
            kind="transit_gateway",
            requester=True,
        )
        for e, s, v, ip, a in (
            ("eni-0a000000000000a0f", app_att, app_vpc, "10.10.255.5", att_app),
            ("eni-0a000000000000d0f", db_att, data_vpc, "10.20.255.5", att_data),
        )
    ]
    for e in tgw_enis:
        e["SourceDestCheck"] = False

    def attachment(att: str, kind: str, resource: str) -> dict[str, Any]:
        return {
            "TransitGatewayAttachmentId": att,
            "TransitGatewayId": tgw,
            "TransitGatewayOwnerId": ACCOUNT,
            "ResourceOwnerId": ACCOUNT,
            "ResourceType": kind,
            "ResourceId": resource,
            "State": "available",
            "Association": {"TransitGatewayRouteTableId": rtb, "State": "associated"},
        }

    def vpc_attachment(att: str, vpc: str, subnet: str) -> dict[str, Any]:
        return {
            "TransitGatewayAttachmentId": att,
            "TransitGatewayId": tgw,
            "VpcId": vpc,
            "VpcOwnerId": ACCOUNT,
            "State": "available",
            "SubnetIds": [subnet],
            "Options": {"DnsSupport": "enable", "Ipv6Support": "disable", "ApplianceModeSupport": "disable"},
        }

    def propagation(att: str, kind: str, resource: str) -> dict[str, Any]:
        return {
            "TransitGatewayAttachmentId": att,
            "ResourceId": resource,
            "ResourceType": kind,
            "State": "enabled",
        }

    return {
        "Vpcs.json": {"Vpcs": [_vpc(app_vpc, "10.10.0.0/16", "app"), _vpc(data_vpc, "10.20.0.0/16", "data")]},
        "Subnets.json": {
            "Subnets": [
                _subnet(app_sub, app_vpc, "10.10.1.0/24", f"{REGION}a", "app"),
                _subnet(app_att, app_vpc, "10.10.255.0/28", f"{REGION}a", "app-tgw"),
                _subnet(db_sub, data_vpc, "10.20.1.0/24", f"{REGION}a", "db"),
                _subnet(db_att, data_vpc, "10.20.255.0/28", f"{REGION}a", "db-tgw"),
            ]
        },
        "SecurityGroups.json": {"SecurityGroups": [app_sg, db_sg]},
        "NetworkAcls.json": {
            "NetworkAcls": [
                _acl("acl-0a0000000000000a1", app_vpc, [app_sub, app_att], ALLOW_ALL_ENTRIES, True, "app"),
                _acl("acl-0a0000000000000d1", data_vpc, [db_sub, db_att], ALLOW_ALL_ENTRIES, True, "data"),
            ]
        },
        "RouteTables.json": {
            "RouteTables": [
                _rtb(
                    "rtb-0a0000000000000a1",
                    app_vpc,
                    [app_sub, app_att],
                    [
                        _route("10.10.0.0/16", GatewayId="local"),
                        _route("10.20.0.0/16", TransitGatewayId=tgw),
                        _route("192.168.0.0/16", TransitGatewayId=tgw),
                        {
                            "DestinationPrefixListId": pl,
                            "GatewayId": vpce,
                            "Origin": "CreateRoute",
                            "State": "active",
                        },
                    ],
                    True,
                    "app",
                ),
                _rtb(
                    "rtb-0a0000000000000d1",
                    data_vpc,
                    [db_sub, db_att],
                    [_route("10.20.0.0/16", GatewayId="local"), _route("10.10.0.0/16", TransitGatewayId=tgw)],
                    True,
                    "data",
                ),
            ]
        },
        "NetworkInterfaces.json": {"NetworkInterfaces": [app_eni, db_eni, *tgw_enis]},
        "Reservations.json": {
            "Reservations": [
                {
                    "ReservationId": "r-0a000000000000a01",
                    "OwnerId": ACCOUNT,
                    "Instances": [_instance("i-0a000000000000a01", app_eni, "app")],
                },
                {
                    "ReservationId": "r-0a000000000000d01",
                    "OwnerId": ACCOUNT,
                    "Instances": [_instance("i-0a000000000000d01", db_eni, "db")],
                },
            ]
        },
        "PrefixLists.json": {
            "PrefixLists": [
                {
                    "PrefixListId": pl,
                    "PrefixListName": f"com.amazonaws.{REGION}.s3",
                    "Cidrs": ["52.216.0.0/15", "3.5.0.0/19"],
                }
            ]
        },
        "VpcEndpoints.json": {
            "VpcEndpoints": [
                {
                    "VpcEndpointId": vpce,
                    "VpcEndpointType": "Gateway",
                    "VpcId": app_vpc,
                    "ServiceName": f"com.amazonaws.{REGION}.s3",
                    "State": "available",
                    "RouteTableIds": ["rtb-0a0000000000000a1"],
                    "SubnetIds": [],
                    "Groups": [],
                    "NetworkInterfaceIds": [],
                    "PolicyDocument": json.dumps(
                        {
                            "Version": "2008-10-17",
                            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*"}],
                        }
                    ),
                    "OwnerId": ACCOUNT,
                }
            ]
        },
        "TransitGateways.json": {
            "TransitGateways": [
                {
                    "TransitGatewayId": tgw,
                    "State": "available",
                    "OwnerId": ACCOUNT,
                    "TransitGatewayArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:transit-gateway/{tgw}",
                    "Options": {
                        "AmazonSideAsn": 64512,
                        "DefaultRouteTableAssociation": "enable",
                        "AssociationDefaultRouteTableId": rtb,
                        "DefaultRouteTablePropagation": "enable",
                        "PropagationDefaultRouteTableId": rtb,
                        "VpnEcmpSupport": "enable",
                        "DnsSupport": "enable",
                        "SecurityGroupReferencingSupport": "disable",
                    },
                    "Tags": _tags("hub"),
                }
            ]
        },
        "TransitGatewayAttachments.json": {
            "TransitGatewayAttachments": [
                attachment(att_app, "vpc", app_vpc),
                attachment(att_data, "vpc", data_vpc),
                attachment(att_vpn, "vpn", vpn),
            ]
        },
        "TransitGatewayVpcAttachments.json": {
            "TransitGatewayVpcAttachments": [
                vpc_attachment(att_app, app_vpc, app_att),
                vpc_attachment(att_data, data_vpc, db_att),
            ]
        },
        "TransitGatewayRouteTables.json": {
            "TransitGatewayRouteTables": [
                {
                    "TransitGatewayRouteTableId": rtb,
                    "TransitGatewayId": tgw,
                    "State": "available",
                    "DefaultAssociationRouteTable": True,
                    "DefaultPropagationRouteTable": True,
                }
            ]
        },
        # per-table calls, wrapped with the table id as Batfish's collector (and `snapshot fetch`) does
        "TransitGatewayPropagations.json": {
            "TransitGatewayPropagations": [
                {
                    "TransitGatewayRouteTableId": rtb,
                    "TransitGatewayRouteTablePropagations": [
                        propagation(att_app, "vpc", app_vpc),
                        propagation(att_data, "vpc", data_vpc),
                    ],
                }
            ]
        },
        "TransitGatewayStaticRoutes.json": {
            "TransitGatewayStaticRoutes": [
                {
                    "TransitGatewayRouteTableId": rtb,
                    "AdditionalRoutesAvailable": False,
                    "Routes": [
                        {
                            "DestinationCidrBlock": "192.168.0.0/16",
                            "TransitGatewayAttachments": [
                                {
                                    "TransitGatewayAttachmentId": att_vpn,
                                    "ResourceId": vpn,
                                    "ResourceType": "vpn",
                                }
                            ],
                            "Type": "static",
                            "State": "active",
                        }
                    ],
                }
            ]
        },
        "VpnConnections.json": {
            "VpnConnections": [
                {
                    "VpnConnectionId": vpn,
                    "TransitGatewayId": tgw,
                    "CustomerGatewayId": "cgw-0a0000000000000f1",
                    "State": "available",
                    "Type": "ipsec.1",
                    "Category": "VPN",
                    "Options": {"StaticRoutesOnly": True},
                    "Routes": [],
                    "VgwTelemetry": [
                        {"OutsideIpAddress": "198.51.100.11", "Status": "UP", "AcceptedRouteCount": 0},
                        {"OutsideIpAddress": "198.51.100.12", "Status": "DOWN", "AcceptedRouteCount": 0},
                    ],
                    "Tags": _tags("office"),
                }
            ]
        },
        "CustomerGateways.json": {
            "CustomerGateways": [
                {
                    "CustomerGatewayId": "cgw-0a0000000000000f1",
                    "BgpAsn": "65000",
                    "IpAddress": "203.0.113.40",
                    "State": "available",
                    "Type": "ipsec.1",
                }
            ]
        },
    }


ELB = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}"
WAF = f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional"


def alb_waf() -> dict[str, dict[str, Any]]:
    """The seed's chain for real: internet → ALB (HTTPS 443, two AZs, WAF web ACL with an IP block list)
    → app instances on 8080 (target group, both healthy) → PostgreSQL on 5432. The ALB's security group
    admits 443 from anywhere and allows egress to the app tier on 8080; the app tier admits only the ALB."""
    vpc = "vpc-0c1b2c3d4e5f00001"
    pub_a, pub_b = "subnet-0c1b2c3d4e5f00011", "subnet-0c1b2c3d4e5f00012"
    app_a, app_b, db_a = "subnet-0c1b2c3d4e5f00013", "subnet-0c1b2c3d4e5f00014", "subnet-0c1b2c3d4e5f00015"
    sg_alb, sg_app, sg_db = "sg-0c1b2c3d4e5f00021", "sg-0c1b2c3d4e5f00022", "sg-0c1b2c3d4e5f00023"
    igw = "igw-0c1b2c3d4e5f00031"
    lb_id = "app/my-alb/50dc6c495c0c9188"
    lb_arn = f"{ELB}:loadbalancer/{lb_id}"
    tg_arn = f"{ELB}:targetgroup/app-tg/73e2d6bc24d8a067"
    listener_arn = f"{ELB}:listener/{lb_id}/f2f7dc8efc522ab2"
    ip_set_arn = f"{WAF}/ipset/blocked-ips/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
    acl_arn = f"{WAF}/webacl/my-web-acl/a1b2c3d4-5678-90ab-cdef-EXAMPLE22222"
    a, b = f"{REGION}a", f"{REGION}b"
    alb_enis = [
        _eni(
            eni_id, sub, vpc, ip, [(sg_alb, "alb-sg")], public=pub, desc=f"ELB {lb_id}", requester=True, az=az
        )
        for eni_id, sub, ip, pub, az in (
            ("eni-0c1b2c3d4e5f00041", pub_a, "10.2.0.10", "203.0.113.10", a),
            ("eni-0c1b2c3d4e5f00042", pub_b, "10.2.1.10", "203.0.113.11", b),
        )
    ]
    app1 = _eni(
        "eni-0c1b2c3d4e5f00043",
        app_a,
        vpc,
        "10.2.10.10",
        [(sg_app, "app-sg")],
        instance="i-0c1b2c3d4e5f00051",
        az=a,
    )
    app2 = _eni(
        "eni-0c1b2c3d4e5f00044",
        app_b,
        vpc,
        "10.2.11.10",
        [(sg_app, "app-sg")],
        instance="i-0c1b2c3d4e5f00052",
        az=b,
    )
    db1 = _eni(
        "eni-0c1b2c3d4e5f00045",
        db_a,
        vpc,
        "10.2.20.10",
        [(sg_db, "db-sg")],
        instance="i-0c1b2c3d4e5f00053",
        az=a,
    )
    public_rtb = [_route("10.2.0.0/16", GatewayId="local"), _route("0.0.0.0/0", GatewayId=igw)]
    return {
        "Vpcs.json": {"Vpcs": [_vpc(vpc, "10.2.0.0/16", "alb-waf")]},
        "Subnets.json": {
            "Subnets": [
                _subnet(pub_a, vpc, "10.2.0.0/24", a, "public-a"),
                _subnet(pub_b, vpc, "10.2.1.0/24", b, "public-b"),
                _subnet(app_a, vpc, "10.2.10.0/24", a, "app-a"),
                _subnet(app_b, vpc, "10.2.11.0/24", b, "app-b"),
                _subnet(db_a, vpc, "10.2.20.0/24", a, "db-a"),
            ]
        },
        "SecurityGroups.json": {
            "SecurityGroups": [
                _sg(
                    sg_alb,
                    "alb-sg",
                    vpc,
                    "public load balancer",
                    [_perm("tcp", 443, 443, cidrs=("0.0.0.0/0",), desc="HTTPS from anywhere")],
                    [
                        _perm(
                            "tcp",
                            8080,
                            8080,
                            groups=(sg_app,),
                            desc="to the app tier (traffic and health checks)",
                        )
                    ],
                ),
                _sg(
                    sg_app,
                    "app-sg",
                    vpc,
                    "application servers",
                    [_perm("tcp", 8080, 8080, groups=(sg_alb,), desc="from the ALB")],
                ),
                _sg(
                    sg_db,
                    "db-sg",
                    vpc,
                    "PostgreSQL",
                    [_perm("tcp", 5432, 5432, groups=(sg_app,), desc="from the app tier")],
                ),
            ]
        },
        "NetworkAcls.json": {
            "NetworkAcls": [
                _acl(
                    "acl-0c1b2c3d4e5f00061",
                    vpc,
                    [pub_a, pub_b, app_a, app_b, db_a],
                    ALLOW_ALL_ENTRIES,
                    True,
                    "default",
                )
            ]
        },
        "RouteTables.json": {
            "RouteTables": [
                _rtb("rtb-0c1b2c3d4e5f00071", vpc, [pub_a, pub_b], public_rtb, False, "public"),
                _rtb(
                    "rtb-0c1b2c3d4e5f00072",
                    vpc,
                    [app_a, app_b, db_a],
                    [_route("10.2.0.0/16", GatewayId="local")],
                    True,
                    "private",
                ),
            ]
        },
        "InternetGateways.json": {
            "InternetGateways": [
                {
                    "Attachments": [{"State": "available", "VpcId": vpc}],
                    "InternetGatewayId": igw,
                    "OwnerId": ACCOUNT,
                    "Tags": _tags("igw"),
                }
            ]
        },
        "NetworkInterfaces.json": {"NetworkInterfaces": [*alb_enis, app1, app2, db1]},
        "Reservations.json": {
            "Reservations": [
                {
                    "ReservationId": f"r-0c1b2c3d4e5f0009{i}",
                    "OwnerId": ACCOUNT,
                    "Groups": [],
                    "Instances": [_instance(iid, eni, name)],
                }
                for i, (iid, eni, name) in enumerate(
                    (
                        ("i-0c1b2c3d4e5f00051", app1, "app-1"),
                        ("i-0c1b2c3d4e5f00052", app2, "app-2"),
                        ("i-0c1b2c3d4e5f00053", db1, "db-1"),
                    )
                )
            ]
        },
        # elbv2 describe-load-balancers / describe-listeners / describe-target-groups, as the CLI writes them
        "LoadBalancers.json": {
            "LoadBalancers": [
                {
                    "LoadBalancerArn": lb_arn,
                    "DNSName": "my-alb-1234567890.us-east-1.elb.amazonaws.com",
                    "CanonicalHostedZoneId": "Z35SXDOTRQ7X7K",
                    "CreatedTime": "2026-11-01T10:00:00+00:00",
                    "LoadBalancerName": "my-alb",
                    "Scheme": "internet-facing",
                    "VpcId": vpc,
                    "State": {"Code": "active"},
                    "Type": "application",
                    "AvailabilityZones": [
                        {"ZoneName": a, "SubnetId": pub_a, "LoadBalancerAddresses": []},
                        {"ZoneName": b, "SubnetId": pub_b, "LoadBalancerAddresses": []},
                    ],
                    "SecurityGroups": [sg_alb],
                    "IpAddressType": "ipv4",
                }
            ]
        },
        "Listeners.json": {
            "Listeners": [
                {
                    "ListenerArn": listener_arn,
                    "LoadBalancerArn": lb_arn,
                    "Port": 443,
                    "Protocol": "HTTPS",
                    "Certificates": [
                        {"CertificateArn": f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/EXAMPLE"}
                    ],
                    "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                    "DefaultActions": [
                        {
                            "Type": "forward",
                            "TargetGroupArn": tg_arn,
                            "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": tg_arn, "Weight": 1}]},
                        }
                    ],
                }
            ]
        },
        "TargetGroups.json": {
            "TargetGroups": [
                {
                    "TargetGroupArn": tg_arn,
                    "TargetGroupName": "app-tg",
                    "Protocol": "HTTP",
                    "Port": 8080,
                    "VpcId": vpc,
                    "HealthCheckProtocol": "HTTP",
                    "HealthCheckPort": "traffic-port",
                    "HealthCheckEnabled": True,
                    "HealthCheckIntervalSeconds": 30,
                    "HealthCheckTimeoutSeconds": 5,
                    "HealthyThresholdCount": 5,
                    "UnhealthyThresholdCount": 2,
                    "HealthCheckPath": "/health",
                    "Matcher": {"HttpCode": "200"},
                    "LoadBalancerArns": [lb_arn],
                    "TargetType": "instance",
                    "ProtocolVersion": "HTTP1",
                    "IpAddressType": "ipv4",
                }
            ]
        },
        # describe-target-health and the attribute calls do not name their owner: wrapped (aws-breadth §2.7)
        "LoadBalancerTargetHealth.json": {
            "LoadBalancerTargetHealth": [
                {
                    "TargetGroupArn": tg_arn,
                    "TargetHealthDescriptions": [
                        {
                            "Target": {"Id": iid, "Port": 8080, "AvailabilityZone": az},
                            "HealthCheckPort": "8080",
                            "TargetHealth": {"State": "healthy"},
                        }
                        for iid, az in (("i-0c1b2c3d4e5f00051", a), ("i-0c1b2c3d4e5f00052", b))
                    ],
                }
            ]
        },
        "LoadBalancerAttributes.json": {
            "LoadBalancerAttributes": [
                {
                    "LoadBalancerArn": lb_arn,
                    "Attributes": [
                        {"Key": "deletion_protection.enabled", "Value": "false"},
                        {"Key": "idle_timeout.timeout_seconds", "Value": "60"},
                        {"Key": "load_balancing.cross_zone.enabled", "Value": "true"},
                    ],
                }
            ]
        },
        "TargetGroupAttributes.json": {
            "TargetGroupAttributes": [
                {
                    "TargetGroupArn": tg_arn,
                    "Attributes": [
                        {"Key": "deregistration_delay.timeout_seconds", "Value": "300"},
                        {
                            "Key": "load_balancing.cross_zone.enabled",
                            "Value": "use_load_balancer_configuration",
                        },
                    ],
                }
            ]
        },
        # wafv2 get-web-acl-for-resource (with the ALB's ARN added: the call does not echo it) and get-ip-set
        "WebACL.my-web-acl.json": {
            "ResourceArn": lb_arn,
            "WebACL": {
                "Name": "my-web-acl",
                "Id": "a1b2c3d4-5678-90ab-cdef-EXAMPLE22222",
                "ARN": acl_arn,
                "DefaultAction": {"Allow": {}},
                "Rules": [
                    {
                        "Name": "block-listed-ips",
                        "Priority": 0,
                        "Statement": {"IPSetReferenceStatement": {"ARN": ip_set_arn}},
                        "Action": {"Block": {}},
                        "VisibilityConfig": {
                            "SampledRequestsEnabled": True,
                            "CloudWatchMetricsEnabled": True,
                            "MetricName": "block-listed-ips",
                        },
                    },
                    {
                        "Name": "rate-limit",
                        "Priority": 1,
                        "Statement": {"RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP"}},
                        "Action": {"Block": {}},
                        "VisibilityConfig": {
                            "SampledRequestsEnabled": True,
                            "CloudWatchMetricsEnabled": True,
                            "MetricName": "rate-limit",
                        },
                    },
                ],
                "VisibilityConfig": {
                    "SampledRequestsEnabled": True,
                    "CloudWatchMetricsEnabled": True,
                    "MetricName": "my-web-acl",
                },
                "Capacity": 3,
                "ManagedByFirewallManager": False,
                "LabelNamespace": "awswaf:123456789012:webacl:my-web-acl:",
            },
        },
        "IPSet.blocked-ips.json": {
            "IPSet": {
                "Name": "blocked-ips",
                "Id": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
                "ARN": ip_set_arn,
                "Description": "scanners seen in the flow logs",
                "IPAddressVersion": "IPV4",
                "Addresses": ["198.51.100.7/32", "192.0.2.0/24"],
            },
            "LockToken": "0674c84b-0304-47fe-8728-c6bff46af8fc",
        },
    }


NFW = f"arn:aws:network-firewall:{REGION}:{ACCOUNT}"


def firewall() -> dict[str, dict[str, Any]]:
    """AWS Network Firewall in the distributed model: the internet gateway's edge route table sends what
    enters for the web subnet to the firewall endpoint, the web subnet's default route goes back through
    it, the firewall subnet routes to the internet gateway. The policy drops a scanner range statelessly,
    passes HTTPS to the VPC, drops SSH whatever the security group says, and lets the web server reach out
    only to an allow-list of domains (TLS SNI / HTTP Host)."""
    vpc = "vpc-0d0000000000000a1"
    fw_sub, web_sub = "subnet-0d000000000000f11", "subnet-0d000000000000a11"
    igw, vpce = "igw-0d000000000000001", "vpce-0d00000000000f001"
    sg_web = "sg-0d000000000000a01"
    fw_arn = f"{NFW}:firewall/inspect-fw"
    policy_arn = f"{NFW}:firewall-policy/inspect-policy"
    scanners = f"{NFW}:stateless-rulegroup/drop-scanners"
    web_rules = f"{NFW}:stateful-rulegroup/web-rules"
    domains = f"{NFW}:stateful-rulegroup/egress-domains"
    a = f"{REGION}a"
    web = _eni(
        "eni-0d000000000000a01", web_sub, vpc, "10.3.1.10", [(sg_web, "web-sg")],
        public="203.0.113.30", instance="i-0d000000000000a01",
    )  # fmt: skip
    fw_eni = _eni(
        "eni-0d00000000000f001", fw_sub, vpc, "10.3.0.5", [],
        desc=f"VPC Endpoint Interface {vpce}", kind="gateway_load_balancer_endpoint", requester=True,
    )  # fmt: skip
    edge = _edge_rtb(
        "rtb-0d000000000000e01",
        vpc,
        igw,
        "rtbassoc-0d0000000000e001",
        [_route("10.3.0.0/16", GatewayId="local"), _route("10.3.1.0/24", GatewayId=vpce)],
    )
    return {
        "Vpcs.json": {"Vpcs": [_vpc(vpc, "10.3.0.0/16", "inspected")]},
        "Subnets.json": {
            "Subnets": [
                _subnet(fw_sub, vpc, "10.3.0.0/28", a, "firewall"),
                _subnet(web_sub, vpc, "10.3.1.0/24", a, "web"),
            ]
        },
        "SecurityGroups.json": {
            "SecurityGroups": [
                _sg(
                    sg_web,
                    "web-sg",
                    vpc,
                    "web server",
                    [
                        _perm("tcp", 443, 443, cidrs=("0.0.0.0/0",), desc="HTTPS"),
                        _perm("tcp", 22, 22, cidrs=("0.0.0.0/0",), desc="SSH (the firewall drops it)"),
                    ],
                )
            ]
        },
        "NetworkAcls.json": {
            "NetworkAcls": [
                _acl("acl-0d000000000000001", vpc, [fw_sub, web_sub], ALLOW_ALL_ENTRIES, True, "default")
            ]
        },
        "RouteTables.json": {
            "RouteTables": [
                edge,
                _rtb(
                    "rtb-0d000000000000f01",
                    vpc,
                    [fw_sub],
                    [_route("10.3.0.0/16", GatewayId="local"), _route("0.0.0.0/0", GatewayId=igw)],
                    False,
                    "firewall",
                ),
                _rtb(
                    "rtb-0d000000000000a01",
                    vpc,
                    [web_sub],
                    [_route("10.3.0.0/16", GatewayId="local"), _route("0.0.0.0/0", GatewayId=vpce)],
                    True,
                    "web",
                ),
            ]
        },
        "InternetGateways.json": {
            "InternetGateways": [
                {
                    "Attachments": [{"State": "available", "VpcId": vpc}],
                    "InternetGatewayId": igw,
                    "OwnerId": ACCOUNT,
                    "Tags": _tags("igw"),
                }
            ]
        },
        "NetworkInterfaces.json": {"NetworkInterfaces": [web, fw_eni]},
        "Reservations.json": {
            "Reservations": [
                {
                    "ReservationId": "r-0d000000000000a01",
                    "OwnerId": ACCOUNT,
                    "Groups": [],
                    "Instances": [_instance("i-0d000000000000a01", web, "web", public="203.0.113.30")],
                }
            ]
        },
        # the firewall's endpoint as describe-vpc-endpoints lists it (owned by the firewall service)
        "VpcEndpoints.json": {
            "VpcEndpoints": [
                {
                    "VpcEndpointId": vpce,
                    "VpcEndpointType": "GatewayLoadBalancer",
                    "VpcId": vpc,
                    "ServiceName": f"com.amazonaws.vpce.{REGION}.vpce-svc-0d000000000000001",
                    "State": "available",
                    "RouteTableIds": [],
                    "SubnetIds": [fw_sub],
                    "Groups": [],
                    "NetworkInterfaceIds": [fw_eni["NetworkInterfaceId"]],
                    "RequesterManaged": True,
                    "OwnerId": ACCOUNT,
                }
            ]
        },
        # network-firewall describe-firewall / describe-firewall-policy / describe-rule-group
        "Firewall.inspect-fw.json": {
            "UpdateToken": "a1b2c3d4-5678-90ab-cdef-EXAMPLE33333",
            "Firewall": {
                "FirewallName": "inspect-fw",
                "FirewallArn": fw_arn,
                "FirewallPolicyArn": policy_arn,
                "VpcId": vpc,
                "SubnetMappings": [{"SubnetId": fw_sub, "IPAddressType": "IPV4"}],
                "DeleteProtection": False,
                "FirewallId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE44444",
            },
            "FirewallStatus": {
                "Status": "READY",
                "ConfigurationSyncStateSummary": "IN_SYNC",
                "SyncStates": {
                    a: {"Attachment": {"SubnetId": fw_sub, "EndpointId": vpce, "Status": "READY"}}
                },
            },
        },
        "FirewallPolicy.inspect-policy.json": {
            "UpdateToken": "a1b2c3d4-5678-90ab-cdef-EXAMPLE55555",
            "FirewallPolicyResponse": {
                "FirewallPolicyName": "inspect-policy",
                "FirewallPolicyArn": policy_arn,
                "FirewallPolicyId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE66666",
            },
            "FirewallPolicy": {
                "StatelessRuleGroupReferences": [{"ResourceArn": scanners, "Priority": 10}],
                "StatelessDefaultActions": ["aws:forward_to_sfe"],
                "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"],
                "StatefulRuleGroupReferences": [{"ResourceArn": web_rules}, {"ResourceArn": domains}],
                "StatefulEngineOptions": {"RuleOrder": "DEFAULT_ACTION_ORDER"},
            },
        },
        "RuleGroup.drop-scanners.json": {
            "UpdateToken": "a1b2c3d4-5678-90ab-cdef-EXAMPLE77777",
            "RuleGroupResponse": {
                "RuleGroupArn": scanners,
                "RuleGroupName": "drop-scanners",
                "Type": "STATELESS",
                "Capacity": 10,
            },
            "RuleGroup": {
                "RulesSource": {
                    "StatelessRulesAndCustomActions": {
                        "StatelessRules": [
                            {
                                "Priority": 1,
                                "RuleDefinition": {
                                    "MatchAttributes": {"Sources": [{"AddressDefinition": "192.0.2.0/24"}]},
                                    "Actions": ["aws:drop"],
                                },
                            }
                        ]
                    }
                }
            },
        },
        "RuleGroup.web-rules.json": {
            "UpdateToken": "a1b2c3d4-5678-90ab-cdef-EXAMPLE88888",
            "RuleGroupResponse": {
                "RuleGroupArn": web_rules,
                "RuleGroupName": "web-rules",
                "Type": "STATEFUL",
                "Capacity": 10,
            },
            "RuleGroup": {
                "RulesSource": {
                    "RulesString": (
                        'pass tcp any any -> $HOME_NET 443 (msg:"HTTPS in"; sid:1;)\n'
                        'drop tcp any any -> $HOME_NET 22 (msg:"no SSH from outside"; sid:2;)\n'
                    )
                },
                "StatefulRuleOptions": {"RuleOrder": "DEFAULT_ACTION_ORDER"},
            },
        },
        "RuleGroup.egress-domains.json": {
            "UpdateToken": "a1b2c3d4-5678-90ab-cdef-EXAMPLE99999",
            "RuleGroupResponse": {
                "RuleGroupArn": domains,
                "RuleGroupName": "egress-domains",
                "Type": "STATEFUL",
                "Capacity": 100,
            },
            "RuleGroup": {
                "RulesSource": {
                    "RulesSourceList": {
                        "Targets": [".amazonaws.com", "example.com"],
                        "TargetTypes": ["TLS_SNI", "HTTP_HOST"],
                        "GeneratedRulesType": "ALLOWLIST",
                    }
                },
                "StatefulRuleOptions": {"RuleOrder": "DEFAULT_ACTION_ORDER"},
            },
        },
    }


def main() -> None:
    from make_gwlb import gwlb  # its own module: it uses the helpers above

    examples = {
        "three-tier": three_tier(),
        "three-tier-widened": three_tier_widened(),
        "nacl-trap": nacl_trap(),
        "exposed": exposed(),
        "hub": hub(),
        "alb-waf": alb_waf(),
        "firewall": firewall(),
        "gwlb": gwlb(),
    }
    for name, files in examples.items():
        out = HERE / name
        out.mkdir(exist_ok=True)
        for fname, doc in files.items():
            (out / fname).write_text(json.dumps(doc, indent=2) + "\n")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
