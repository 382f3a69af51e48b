"""Deterministic synthetic snapshots as raw ``describe-*`` JSON (AWS's shapes: the real loader reads them).

    .venv/bin/python -m bench.generate OUT_DIR [--scale 1] [--seed 0]

Scale 1 is the core issue's size: 1,000 ENIs, 300 security groups, 3,000 SG rules (one peer each: a mix
of CIDRs, group references, port ranges, IPv6), 50 NACLs of 20 entries (8 numbered + the two ``*``
per direction). Scale 10 is the reachability issue's: 10,000 ENIs, 2,000 SGs, 20,000 rules, 200 NACLs.
ENIs grow linearly with the scale; groups, rules and NACLs along the power law through both anchors
(any positive float scale works: 0.05 gives a small snapshot for tests).

Files: Vpcs, Subnets, NetworkInterfaces, SecurityGroups, NetworkAcls, RouteTables, InternetGateways and
Reservations (describe-instances). Same seed and scale ⇒ byte-identical output.
From Python: ``generate(out_dir, scale=1, seed=0)`` writes the files, ``documents(...)`` returns them,
``snapshot(...)`` loads them in memory through ``vpcflow.sources.load_snapshot_data``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from pathlib import Path
from typing import Any

from vpcflow.model import Snapshot

ACCOUNT = "123456789012"
VPC = "vpc-0b0000000000000001"
IGW = "igw-0b0000000000000001"
VPC_V6 = "2600:1f18:4000:ab00::/56"
COMMON_PORTS = [22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9200, 27017, 3389, 53, 123, 11211]
RANGES = [(1024, 65535), (32768, 65535), (8000, 8999), (30000, 32767), (0, 65535), (9000, 9100)]
OUTSIDE = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "100.64.0.0/10"]
Json = dict[str, Any]


def sizes(scale: float) -> dict[str, int]:
    """Counts at ``scale``: ENIs ∝ scale; SGs, rules and NACLs on the power law through
    (1: 300, 3,000, 50) and (10: 2,000, 20,000, 200)."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    sg_exp = math.log10(2000 / 300)  # the same exponent takes 3,000 rules to 20,000
    acl_exp = math.log10(200 / 50)
    return {
        "enis": max(4, round(1000 * scale)),
        "sgs": (sgs := max(2, round(300 * scale**sg_exp))),
        "rules": max(2 * sgs, round(3000 * scale**sg_exp)),
        "nacls": max(1, round(50 * scale**acl_exp)),
    }


def _perm(rng: random.Random, groups: list[str], subnets_v4: list[str]) -> Json:
    """One IpPermission with exactly one peer (so rule counts are exact)."""
    roll = rng.random()
    proto = "tcp" if roll < 0.75 else "udp" if roll < 0.87 else "icmp" if roll < 0.95 else "-1"
    perm: Json = {"IpProtocol": proto, "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": []}
    perm["UserIdGroupPairs"] = []
    if proto in ("tcp", "udp"):
        if rng.random() < 0.75:
            port = rng.choice(COMMON_PORTS)
            perm["FromPort"], perm["ToPort"] = port, port
        else:
            perm["FromPort"], perm["ToPort"] = rng.choice(RANGES)
    elif proto == "icmp":
        perm["FromPort"], perm["ToPort"] = rng.choice([(8, -1), (-1, -1), (3, 4), (0, -1)])
    peer = rng.random()
    if peer < 0.40:
        perm["UserIdGroupPairs"].append({"GroupId": rng.choice(groups), "UserId": ACCOUNT})
    elif peer < 0.50:
        perm["Ipv6Ranges"].append({"CidrIpv6": rng.choice(["::/0", VPC_V6])})
    elif peer < 0.75:
        perm["IpRanges"].append({"CidrIp": rng.choice(["10.0.0.0/16", *subnets_v4])})
    else:
        perm["IpRanges"].append({"CidrIp": rng.choice(["0.0.0.0/0", "10.0.0.0/8", *OUTSIDE])})
    return perm


def _all_out() -> list[Json]:
    return [
        {
            "IpProtocol": "-1",
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [],
        }
    ]


def _nacl_entries(rng: random.Random, egress: bool, subnets_v4: list[str]) -> list[Json]:
    """10 entries per direction, as AWS lists them: 8 numbered (5 specific denies/allows, then broad
    allows) and the two ``*`` entries (32767 IPv4, 32768 IPv6)."""
    out: list[Json] = []
    numbers = sorted(rng.sample(range(10, 90), 5))
    for n in numbers:
        proto = rng.choice(["6", "6", "6", "17", "-1"])
        e: Json = {
            "RuleNumber": n,
            "Protocol": proto,
            "Egress": egress,
            "RuleAction": "deny" if rng.random() < 0.35 else "allow",
        }
        if rng.random() < 0.15:
            e["Ipv6CidrBlock"] = rng.choice(["::/0", VPC_V6])
        else:
            e["CidrBlock"] = rng.choice(["0.0.0.0/0", "10.0.0.0/16", *OUTSIDE, *rng.sample(subnets_v4, 2)])
        if proto in ("6", "17"):
            lo, hi = rng.choice(RANGES) if rng.random() < 0.4 else (p := rng.choice(COMMON_PORTS), p)
            e["PortRange"] = {"From": lo, "To": hi}
        out.append(e)
    # the broad tail: the VPC, the clients' ephemeral ports, IPv6; most NACLs are permissive inside
    tail: list[Json] = [
        {"RuleNumber": 100, "Protocol": "-1", "CidrBlock": "10.0.0.0/16", "RuleAction": "allow"},
        {"RuleNumber": 110, "Protocol": "6", "CidrBlock": "0.0.0.0/0", "RuleAction": "allow"},
        {"RuleNumber": 120, "Protocol": "-1", "Ipv6CidrBlock": "::/0", "RuleAction": "allow"},
    ]
    tail[1]["PortRange"] = {"From": 1024, "To": 65535} if rng.random() < 0.7 else {"From": 443, "To": 443}
    if rng.random() < 0.15:
        tail[0]["RuleAction"] = "deny"  # an isolated subnet
    out += [{**t, "Egress": egress} for t in tail]
    star = {"Protocol": "-1", "Egress": egress, "RuleAction": "deny"}
    out.append({**star, "RuleNumber": 32767, "CidrBlock": "0.0.0.0/0"})
    out.append({**star, "RuleNumber": 32768, "Ipv6CidrBlock": "::/0"})
    return out


def documents(scale: float = 1, seed: int = 0, counts: dict[str, int] | None = None) -> dict[str, Json]:
    """File name → describe-* document (``counts`` overrides some of ``sizes(scale)``)."""
    n = sizes(scale) | (counts or {})
    rng = random.Random(seed)
    n_sub = min(256, max(n["nacls"], math.ceil(n["enis"] / 200)))
    if n["enis"] > n_sub * 250:
        raise ValueError(f"scale {scale}: {n['enis']} ENIs do not fit in a /16 of /24 subnets")
    subnets = [f"subnet-0b{i:015x}" for i in range(n_sub)]
    subnets_v4 = [f"10.0.{i}.0/24" for i in range(n_sub)]
    v6_subnet = [i % 2 == 0 for i in range(n_sub)]  # half the subnets are dual-stack
    groups = [f"sg-0b{i:015x}" for i in range(n["sgs"])]

    # every group: one ingress rule, one egress rule (mostly the default allow-all); then the rest
    ingress: list[list[Json]] = [[_perm(rng, groups, subnets_v4)] for _ in groups]
    egress: list[list[Json]] = [
        _all_out() if rng.random() < 0.8 else [_perm(rng, groups, subnets_v4)] for _ in groups
    ]
    for _ in range(n["rules"] - 2 * len(groups)):
        side = egress if rng.random() < 0.15 else ingress
        side[rng.randrange(len(groups))].append(_perm(rng, groups, subnets_v4))
    security_groups = [
        {
            "GroupId": gid,
            "GroupName": f"bench-{i}",
            "Description": "synthetic",
            "VpcId": VPC,
            "OwnerId": ACCOUNT,
            "IpPermissions": ingress[i],
            "IpPermissionsEgress": egress[i],
            "Tags": [{"Key": "Name", "Value": f"bench-{i}"}],
        }
        for i, gid in enumerate(groups)
    ]

    acls = []
    for a in range(n["nacls"]):
        acl_id = f"acl-0b{a:015x}"
        acls.append(
            {
                "NetworkAclId": acl_id,
                "VpcId": VPC,
                "IsDefault": a == 0,
                "OwnerId": ACCOUNT,
                "Entries": _nacl_entries(rng, False, subnets_v4) + _nacl_entries(rng, True, subnets_v4),
                "Associations": [
                    {"NetworkAclAssociationId": f"aclassoc-0b{j:015x}", "NetworkAclId": acl_id, "SubnetId": s}
                    for j, s in enumerate(subnets)
                    if j % n["nacls"] == a
                ],
                "Tags": [],
            }
        )

    interfaces: list[Json] = []
    instances: list[Json] = []
    for i in range(n["enis"]):
        s = i % n_sub
        ip = f"10.0.{s}.{i // n_sub + 4}"
        eni_id = f"eni-0b{i:015x}"
        eni: Json = {
            "NetworkInterfaceId": eni_id,
            "SubnetId": subnets[s],
            "VpcId": VPC,
            "AvailabilityZone": "us-east-1a" if s % 2 == 0 else "us-east-1b",
            "Description": "",
            "InterfaceType": "interface",
            "OwnerId": ACCOUNT,
            "RequesterManaged": False,
            "SourceDestCheck": True,
            "Status": "in-use",
            "PrivateIpAddress": ip,
            "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}],
            "Ipv6Addresses": [],
            "Groups": [
                {"GroupId": g, "GroupName": g}
                for g in rng.sample(groups, rng.randint(1, min(3, len(groups))))
            ],
            "TagSet": [{"Key": "Name", "Value": f"bench-{i}"}],
        }
        if v6_subnet[s] and rng.random() < 0.6:
            eni["Ipv6Addresses"].append({"Ipv6Address": f"2600:1f18:4000:ab{s:02x}::{i:x}"})
        if rng.random() < 0.2:
            pub = (
                f"198.18.{i // 250}.{i % 250 + 1}"
                if i < 250 * 256
                else f"198.19.{i // 250 % 256}.{i % 250 + 1}"
            )
            assoc = {"IpOwnerId": "amazon", "PublicDnsName": "", "PublicIp": pub}
            eni["Association"] = assoc
            eni["PrivateIpAddresses"][0]["Association"] = assoc
        if rng.random() < 0.85:
            iid = f"i-0b{i:015x}"
            eni["Attachment"] = {
                "AttachmentId": f"eni-attach-0b{i:015x}",
                "DeviceIndex": 0,
                "InstanceId": iid,
                "InstanceOwnerId": ACCOUNT,
                "Status": "attached",
            }
            embedded = {
                k: v for k, v in eni.items() if k not in ("TagSet", "AvailabilityZone", "RequesterManaged")
            }
            inst: Json = {
                "InstanceId": iid,
                "InstanceType": "t3.micro",
                "State": {"Code": 16, "Name": "running"},
                "SubnetId": subnets[s],
                "VpcId": VPC,
                "PrivateIpAddress": ip,
                "NetworkInterfaces": [embedded],
                "SecurityGroups": [
                    {"GroupId": g["GroupId"], "GroupName": g["GroupName"]} for g in eni["Groups"]
                ],
                "Tags": [{"Key": "Name", "Value": f"bench-{i}"}],
            }
            if "Association" in eni:
                inst["PublicIpAddress"] = eni["Association"]["PublicIp"]
            if rng.random() < 0.1:
                inst["Platform"] = "windows"
            instances.append(inst)
        interfaces.append(eni)

    return {
        "Vpcs.json": {
            "Vpcs": [
                {
                    "VpcId": VPC,
                    "CidrBlock": "10.0.0.0/16",
                    "CidrBlockAssociationSet": [
                        {
                            "AssociationId": "vpc-cidr-assoc-0b01",
                            "CidrBlock": "10.0.0.0/16",
                            "CidrBlockState": {"State": "associated"},
                        }
                    ],
                    "Ipv6CidrBlockAssociationSet": [
                        {
                            "AssociationId": "vpc-cidr-assoc-0b02",
                            "Ipv6CidrBlock": VPC_V6,
                            "Ipv6CidrBlockState": {"State": "associated"},
                        }
                    ],
                    "OwnerId": ACCOUNT,
                    "State": "available",
                    "IsDefault": False,
                }
            ]
        },
        "Subnets.json": {
            "Subnets": [
                {
                    "SubnetId": sid,
                    "VpcId": VPC,
                    "CidrBlock": subnets_v4[i],
                    "AvailabilityZone": "us-east-1a" if i % 2 == 0 else "us-east-1b",
                    "OwnerId": ACCOUNT,
                    "State": "available",
                    "Ipv6CidrBlockAssociationSet": (
                        [
                            {
                                "AssociationId": f"subnet-cidr-assoc-0b{i:08x}",
                                "Ipv6CidrBlock": f"2600:1f18:4000:ab{i:02x}::/64",
                                "Ipv6CidrBlockState": {"State": "associated"},
                            }
                        ]
                        if v6_subnet[i]
                        else []
                    ),
                }
                for i, sid in enumerate(subnets)
            ]
        },
        "SecurityGroups.json": {"SecurityGroups": security_groups},
        "NetworkAcls.json": {"NetworkAcls": acls},
        "NetworkInterfaces.json": {"NetworkInterfaces": interfaces},
        "Reservations.json": {
            "Reservations": [
                {"ReservationId": f"r-0b{k:015x}", "OwnerId": ACCOUNT, "Instances": [inst]}
                for k, inst in enumerate(instances)
            ]
        },
        "InternetGateways.json": {
            "InternetGateways": [
                {
                    "InternetGatewayId": IGW,
                    "OwnerId": ACCOUNT,
                    "Attachments": [{"VpcId": VPC, "State": "available"}],
                }
            ]
        },
        "RouteTables.json": {
            "RouteTables": [
                {
                    "RouteTableId": "rtb-0b0000000000000001",
                    "VpcId": VPC,
                    "OwnerId": ACCOUNT,
                    "Associations": [
                        {
                            "Main": True,
                            "RouteTableAssociationId": "rtbassoc-0b01",
                            "RouteTableId": "rtb-0b0000000000000001",
                            "AssociationState": {"State": "associated"},
                        }
                    ],
                    "Routes": [
                        {
                            "DestinationCidrBlock": "10.0.0.0/16",
                            "GatewayId": "local",
                            "State": "active",
                            "Origin": "CreateRouteTable",
                        },
                        {
                            "DestinationIpv6CidrBlock": VPC_V6,
                            "GatewayId": "local",
                            "State": "active",
                            "Origin": "CreateRouteTable",
                        },
                        {
                            "DestinationCidrBlock": "0.0.0.0/0",
                            "GatewayId": IGW,
                            "State": "active",
                            "Origin": "CreateRoute",
                        },
                        {
                            "DestinationIpv6CidrBlock": "::/0",
                            "GatewayId": IGW,
                            "State": "active",
                            "Origin": "CreateRoute",
                        },
                    ],
                }
            ]
        },
    }


def generate(out_dir: str | Path, scale: float = 1, seed: int = 0) -> Path:
    """Write the describe-* files into ``out_dir`` (created if needed); returns it."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, doc in documents(scale, seed).items():
        (out / name).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return out


def snapshot(scale: float = 1, seed: int = 0) -> Snapshot:
    """The same snapshot, loaded in memory (no files) by the real loader."""
    from vpcflow.sources import load_snapshot_data

    return load_snapshot_data(sorted(documents(scale, seed).items()))


def main() -> None:
    ap = argparse.ArgumentParser(description="Write a synthetic describe-* snapshot.")
    ap.add_argument("out")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    n = sizes(args.scale)
    path = generate(args.out, args.scale, args.seed)
    print(f"{path}: {n['enis']} ENIs, {n['sgs']} SGs, {n['rules']} SG rules, {n['nacls']} NACLs")


if __name__ == "__main__":
    main()
