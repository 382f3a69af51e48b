"""Variants of ``examples/alb-waf`` for load-balancer walk tests: the example's describe-* JSON, edited the
way a user would change the account (a security group rule, a NACL, a target's health), then loaded by the
real loader. Every edit is a plain function of the raw JSON, so a test reads like the AWS scenario it is."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vpcflow.model import Snapshot
from vpcflow.sources import load_snapshot

EXAMPLE = Path(__file__).parent.parent / "examples" / "alb-waf"

VPC = "vpc-0c1b2c3d4e5f00001"
SG_ALB, SG_APP, SG_DB = "sg-0c1b2c3d4e5f00021", "sg-0c1b2c3d4e5f00022", "sg-0c1b2c3d4e5f00023"
PUB_A, PUB_B = "subnet-0c1b2c3d4e5f00011", "subnet-0c1b2c3d4e5f00012"
APP_A, APP_B, DB_A = "subnet-0c1b2c3d4e5f00013", "subnet-0c1b2c3d4e5f00014", "subnet-0c1b2c3d4e5f00015"
NODE_A, NODE_B = "eni-0c1b2c3d4e5f00041", "eni-0c1b2c3d4e5f00042"
APP1_ENI, APP2_ENI, DB_ENI = "eni-0c1b2c3d4e5f00043", "eni-0c1b2c3d4e5f00044", "eni-0c1b2c3d4e5f00045"
APP1, APP2 = "i-0c1b2c3d4e5f00051", "i-0c1b2c3d4e5f00052"
LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-alb/50dc6c495c0c9188"
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app-tg/73e2d6bc24d8a067"

Docs = dict[str, Any]


def variant(tmp: Path, *edits: Callable[[Docs], None], base: Path = EXAMPLE) -> Snapshot:
    """Copy ``base`` to ``tmp``, apply ``edits`` to its files (file name → parsed JSON), load it."""
    out = tmp / "snap"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(base, out)
    paths = {p.name: p for p in out.rglob("*.json")}  # flat, or Batfish's aws_configs/ layout
    docs: Docs = {name: json.loads(p.read_text()) for name, p in paths.items()}
    for edit in edits:
        edit(docs)
    home = next(iter(paths.values())).parent if paths else out  # new files go beside the others
    for name, doc in docs.items():
        (paths[name] if name in paths else home / name).write_text(json.dumps(doc))
    return load_snapshot(out)


def perm(proto: str, lo: int, hi: int, *, cidr: str | None = None, group: str | None = None) -> Docs:
    return {
        "IpProtocol": proto,
        "FromPort": lo,
        "ToPort": hi,
        "IpRanges": [{"CidrIp": cidr}] if cidr else [],
        "Ipv6Ranges": [],
        "PrefixListIds": [],
        "UserIdGroupPairs": [{"GroupId": group, "UserId": "123456789012"}] if group else [],
    }


def group(docs: Docs, gid: str) -> Docs:
    return next(g for g in docs["SecurityGroups.json"]["SecurityGroups"] if g["GroupId"] == gid)


def set_rules(gid: str, *, ingress: list[Docs] | None = None, egress: list[Docs] | None = None) -> Callable:
    def edit(docs: Docs) -> None:
        g = group(docs, gid)
        if ingress is not None:
            g["IpPermissions"] = ingress
        if egress is not None:
            g["IpPermissionsEgress"] = egress

    return edit


def entry(
    number: int,
    egress: bool,
    action: str,
    cidr: str = "0.0.0.0/0",
    ports: tuple[int, int] | None = None,
    proto: str = "6",
) -> Docs:
    e: Docs = {
        "CidrBlock": cidr,
        "Egress": egress,
        "Protocol": proto if ports else "-1",
        "RuleAction": action,
        "RuleNumber": number,
    }
    if ports:
        e["PortRange"] = {"From": ports[0], "To": ports[1]}
    return e


def own_nacl(acl_id: str, subnets: list[str], entries: list[Docs]) -> Callable:
    """Give ``subnets`` a NACL of their own (moved off the example's default NACL)."""

    def edit(docs: Docs) -> None:
        acls = docs["NetworkAcls.json"]["NetworkAcls"]
        for acl in acls:
            acl["Associations"] = [a for a in acl["Associations"] if a["SubnetId"] not in subnets]
        star = [entry(32767, True, "deny"), entry(32767, False, "deny")]
        # the NACL belongs to the subnets' VPC (a NACL of another VPC is a contradiction the loader reports)
        vpc = next(
            (
                sn["VpcId"]
                for doc in docs.values()
                if isinstance(doc, dict)
                for sn in doc.get("Subnets", [])
                if isinstance(sn, dict) and sn.get("SubnetId") in subnets
            ),
            VPC,
        )
        acls.append(
            {
                "Associations": [
                    {
                        "NetworkAclAssociationId": f"aclassoc-{i}{acl_id[-6:]}",
                        "NetworkAclId": acl_id,
                        "SubnetId": sub,
                    }
                    for i, sub in enumerate(subnets)
                ],
                "Entries": entries + star,
                "IsDefault": False,
                "NetworkAclId": acl_id,
                "Tags": [],
                "VpcId": vpc,
                "OwnerId": "123456789012",
            }
        )

    return edit


def health(*states: tuple[str, str]) -> Callable:
    """Set the health state of targets (instance id, state)."""

    def edit(docs: Docs) -> None:
        for tg in docs["LoadBalancerTargetHealth.json"]["LoadBalancerTargetHealth"]:
            for d in tg["TargetHealthDescriptions"]:
                for iid, state in states:
                    if d["Target"]["Id"] == iid:
                        d["TargetHealth"] = {"State": state}

    return edit


def tg_attribute(key: str, value: str) -> Callable:
    def edit(docs: Docs) -> None:
        for tg in docs["TargetGroupAttributes.json"]["TargetGroupAttributes"]:
            tg["Attributes"] = [a for a in tg["Attributes"] if a["Key"] != key] + [
                {"Key": key, "Value": value}
            ]

    return edit
