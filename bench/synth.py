"""Deterministic synthetic snapshots in AWS's describe-* shapes, for benchmarks and size tests.

``python -m bench.synth OUT_DIR [--enis 1000 --sgs 300 --rules 3000 --nacls 50 --seed 0]``
The core issue's size is the default; ``--preset reach`` is 10,000 ENIs, 2,000 SGs, 20,000 rules, 200 NACLs.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

PRESETS = {
    "core": {"enis": 1000, "sgs": 300, "rules": 3000, "nacls": 50},
    "reach": {"enis": 10000, "sgs": 2000, "rules": 20000, "nacls": 200},
}
ACCOUNT = "123456789012"
VPC = "vpc-0bench000000000001"
COMMON_PORTS = [22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9200, 27017, 3389, 53, 123]
RANGES = [(1024, 65535), (32768, 65535), (8000, 8999), (30000, 32767), (0, 65535)]
CIDRS = ["0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/16", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"]


def _perm(rng: random.Random, groups: list[str]) -> dict[str, Any]:
    kind = rng.random()
    proto = "tcp" if kind < 0.75 else ("udp" if kind < 0.88 else ("icmp" if kind < 0.95 else "-1"))
    perm: dict[str, Any] = {
        "IpProtocol": proto,
        "IpRanges": [],
        "Ipv6Ranges": [],
        "PrefixListIds": [],
        "UserIdGroupPairs": [],
    }
    if proto in ("tcp", "udp"):
        if rng.random() < 0.8:
            p = rng.choice(COMMON_PORTS)
            perm["FromPort"], perm["ToPort"] = p, p
        else:
            perm["FromPort"], perm["ToPort"] = rng.choice(RANGES)
    elif proto == "icmp":
        perm["FromPort"], perm["ToPort"] = (8, -1) if rng.random() < 0.5 else (-1, -1)
    peer = rng.random()
    if peer < 0.35 and groups:
        perm["UserIdGroupPairs"].append({"GroupId": rng.choice(groups), "UserId": ACCOUNT})
    elif peer < 0.45:
        perm["Ipv6Ranges"].append({"CidrIpv6": "::/0"})
    elif peer < 0.6:
        perm["IpRanges"].append({"CidrIp": rng.choice(["10.0.0.0/16", f"10.0.{rng.randrange(256)}.0/24"])})
    else:
        perm["IpRanges"].append({"CidrIp": rng.choice(CIDRS)})
    return perm


def generate_docs(enis: int, sgs: int, rules: int, nacls: int, seed: int = 0) -> dict[str, dict[str, Any]]:
    rng = random.Random(seed)
    n_sub = max(1, min(256, nacls))
    subnets = [f"subnet-0bench{i:012x}" for i in range(n_sub)]
    group_ids = [f"sg-0bench{i:012x}" for i in range(sgs)]
    # rules spread over groups (each group gets at least one ingress rule); 1/4 of them egress
    per_group: list[list[dict[str, Any]]] = [[] for _ in range(sgs)]
    per_group_out: list[list[dict[str, Any]]] = [[] for _ in range(sgs)]
    for i in range(rules):
        g = i % sgs if i < sgs else rng.randrange(sgs)
        (per_group_out if rng.random() < 0.25 and i >= sgs else per_group)[g].append(_perm(rng, group_ids))
    security_groups = []
    for i, gid in enumerate(group_ids):
        egress = per_group_out[i] or [
            {
                "IpProtocol": "-1",
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [],
                "PrefixListIds": [],
                "UserIdGroupPairs": [],
            }
        ]
        security_groups.append(
            {
                "GroupId": gid,
                "GroupName": f"bench-{i}",
                "Description": "synthetic",
                "VpcId": VPC,
                "OwnerId": ACCOUNT,
                "IpPermissions": per_group[i],
                "IpPermissionsEgress": egress,
            }
        )
    acls = []
    for a in range(nacls):
        entries = []
        for egress in (False, True):
            numbers = sorted(rng.sample(range(1, 400), 9))
            if rng.random() < 0.7:
                # most real NACLs end in a broad allow for the VPC itself, after a few specific rules
                entries.append(
                    {
                        "RuleNumber": 400,
                        "Protocol": "-1",
                        "Egress": egress,
                        "CidrBlock": "10.0.0.0/16",
                        "RuleAction": "allow",
                    }
                )
                numbers = numbers[:8]
            for n in numbers:
                proto = rng.choice(["6", "6", "6", "17", "-1"])
                e: dict[str, Any] = {
                    "RuleNumber": n,
                    "Protocol": proto,
                    "Egress": egress,
                    "CidrBlock": rng.choice(CIDRS),
                    "RuleAction": "deny" if rng.random() < 0.2 else "allow",
                }
                if proto in ("6", "17"):
                    lo, hi = rng.choice(RANGES) if rng.random() < 0.5 else (p := rng.choice(COMMON_PORTS), p)
                    e["PortRange"] = {"From": lo, "To": hi}
                entries.append(e)
            entries.append(
                {
                    "RuleNumber": 32767,
                    "Protocol": "-1",
                    "Egress": egress,
                    "CidrBlock": "0.0.0.0/0",
                    "RuleAction": "deny",
                }
            )
        assoc = [
            {
                "NetworkAclAssociationId": f"aclassoc-{a:08x}",
                "NetworkAclId": f"acl-0bench{a:012x}",
                "SubnetId": s,
            }
            for j, s in enumerate(subnets)
            if j % nacls == a
        ]
        acls.append(
            {
                "NetworkAclId": f"acl-0bench{a:012x}",
                "VpcId": VPC,
                "IsDefault": a == 0,
                "Entries": entries,
                "Associations": assoc,
            }
        )
    interfaces = []
    for i in range(enis):
        s = i % n_sub
        host = i // n_sub + 4
        ip = f"10.0.{s}.{host}" if host < 255 else f"10.0.{s}.{host % 251 + 4}"
        entry: dict[str, Any] = {
            "NetworkInterfaceId": f"eni-0bench{i:012x}",
            "SubnetId": subnets[s],
            "VpcId": VPC,
            "PrivateIpAddress": ip,
            "PrivateIpAddresses": [{"PrivateIpAddress": ip, "Primary": True}],
            "Groups": [
                {"GroupId": g, "GroupName": g} for g in rng.sample(group_ids, rng.randint(1, min(3, sgs)))
            ],
            "InterfaceType": "interface",
            "Status": "in-use",
            "OwnerId": ACCOUNT,
            "TagSet": [{"Key": "Name", "Value": f"bench-{i}"}],
        }
        if rng.random() < 0.2:
            pub = f"198.18.{i // 250}.{i % 250 + 1}"
            entry["Association"] = {"PublicIp": pub}
            entry["PrivateIpAddresses"][0]["Association"] = {"PublicIp": pub}
        interfaces.append(entry)
    return {
        "Vpcs.json": {
            "Vpcs": [{"VpcId": VPC, "CidrBlock": "10.0.0.0/16", "OwnerId": ACCOUNT, "IsDefault": False}]
        },
        "Subnets.json": {
            "Subnets": [
                {"SubnetId": s, "VpcId": VPC, "CidrBlock": f"10.0.{i}.0/24"} for i, s in enumerate(subnets)
            ]
        },
        "SecurityGroups.json": {"SecurityGroups": security_groups},
        "NetworkAcls.json": {"NetworkAcls": acls},
        "NetworkInterfaces.json": {"NetworkInterfaces": interfaces},
        "InternetGateways.json": {
            "InternetGateways": [
                {
                    "InternetGatewayId": "igw-0bench0000000001",
                    "Attachments": [{"VpcId": VPC, "State": "available"}],
                }
            ]
        },
        "RouteTables.json": {
            "RouteTables": [
                {
                    "RouteTableId": "rtb-0bench0000000001",
                    "VpcId": VPC,
                    "Associations": [{"Main": True}],
                    "Routes": [
                        {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
                        {
                            "DestinationCidrBlock": "0.0.0.0/0",
                            "GatewayId": "igw-0bench0000000001",
                            "State": "active",
                        },
                    ],
                }
            ]
        },
    }


def generate(out_dir: str | Path, *, preset: str = "core", seed: int = 0, **sizes: int) -> Path:
    params = {**PRESETS[preset], **sizes}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, doc in generate_docs(seed=seed, **params).items():
        (out / name).write_text(json.dumps(doc))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out")
    ap.add_argument("--preset", choices=sorted(PRESETS), default="core")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(generate(args.out, preset=args.preset, seed=args.seed))


if __name__ == "__main__":
    main()
