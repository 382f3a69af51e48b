"""A synthetic multi-VPC estate behind transit gateways, as raw describe-* JSON (deterministic by seed).

    .venv/bin/python -m bench.generate_transit OUT_DIR [--vpcs 20] [--enis 10000] [--seed 0]

Each VPC is ``bench.generate``'s single-VPC snapshot with ``enis / vpcs`` interfaces and a share of the
groups, rules and NACLs ``bench.generate.sizes`` gives the whole estate (so that 10,000 interfaces in 20
VPCs have the 2,000 groups and 20,000 rules of ``bench_reach``'s single VPC), renumbered into
``10.<v>.0.0/16`` with its own ids (its NACLs' broad inside rule widened to 10.0.0.0/8). Two transit
gateways share the VPCs (even / odd) and peer with each other; each VPC attaches through two dedicated
/28 subnets (one per AZ, one NACL allowing everything, as AWS recommends for attachment subnets; the
attachment interfaces are in the files), associates with and propagates into its gateway's table, and
routes ``10.0.0.0/8`` to its gateway; each table has a static route per VPC of the other gateway to the
peering attachment. A third of the VPCs' main tables also keep the internet gateway route.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.generate import ACCOUNT, documents, sizes
from vpcflow.model import Snapshot

Json = dict[str, Any]
REGION = "us-east-1"


def _vpc_docs(v: int, enis: int, counts: dict[str, int], seed: int) -> dict[str, Json]:
    """VPC ``v`` (1-based): bench.generate's documents renumbered into 10.<v>/16 with unique ids."""
    text = json.dumps(documents(enis / 1000, seed + v, counts))
    text = text.replace("-0b", f"-{v:02x}")  # every id: vpc-0b…, subnet-0b…, sg-0b…, eni-0b…, i-0b…
    text = text.replace('"10.0.', f'"10.{v}.').replace("2600:1f18:4000:", f"2600:1f18:{0x4000 + v:x}:")
    text = text.replace('"198.18.', f'"100.{64 + v}.').replace('"198.19.', f'"100.{96 + v}.')
    out: dict[str, Json] = json.loads(text)
    # the NACLs' broad "inside" rule admits every VPC of the estate, not only their own
    for acl in out["NetworkAcls.json"]["NetworkAcls"]:
        for e in acl["Entries"]:
            if e.get("RuleNumber") == 100 and e.get("CidrBlock") == f"10.{v}.0.0/16":
                e["CidrBlock"] = "10.0.0.0/8"
    # two dedicated attachment subnets, one per AZ, with a NACL that allows everything
    vpc_id = out["Vpcs.json"]["Vpcs"][0]["VpcId"]
    att = [f"subnet-fe{v:012x}{k:03x}" for k in range(2)]
    out["Subnets.json"]["Subnets"].extend(
        {
            "SubnetId": sid,
            "VpcId": vpc_id,
            "CidrBlock": f"10.{v}.255.{16 * k}/28",
            "AvailabilityZone": "us-east-1a" if k == 0 else "us-east-1b",
            "OwnerId": ACCOUNT,
            "State": "available",
        }
        for k, sid in enumerate(att)
    )
    acl_id = f"acl-fe{v:015x}"
    out["NetworkAcls.json"]["NetworkAcls"].append(
        {
            "NetworkAclId": acl_id,
            "VpcId": vpc_id,
            "IsDefault": False,
            "OwnerId": ACCOUNT,
            "Entries": [
                {"RuleNumber": n, "Protocol": "-1", "RuleAction": a, "Egress": e, "CidrBlock": "0.0.0.0/0"}
                for e in (False, True)
                for n, a in ((100, "allow"), (32767, "deny"))
            ],
            "Associations": [
                {
                    "NetworkAclAssociationId": f"aclassoc-fe{v:012x}{k:03x}",
                    "NetworkAclId": acl_id,
                    "SubnetId": s,
                }
                for k, s in enumerate(att)
            ],
            "Tags": [],
        }
    )
    return out


def documents_transit(vpcs: int = 20, enis: int = 10_000, seed: int = 0) -> dict[str, Json]:
    merged: dict[str, list[Json]] = {}
    tgws = ["tgw-0c0000000000000001", "tgw-0c0000000000000002"]
    tables = ["tgw-rtb-0c0000000000000001", "tgw-rtb-0c0000000000000002"]
    peering = "tgw-attach-0c00000000000000ff"
    home: dict[int, int] = {}
    attachments: list[Json] = []
    vpc_attachments: list[Json] = []
    props: dict[str, list[Json]] = {t: [] for t in tables}
    tgw_enis: list[Json] = []
    whole = sizes(enis / 1000)
    counts = {
        "sgs": max(2, whole["sgs"] // vpcs),
        "rules": max(4, whole["rules"] // vpcs),
        "nacls": max(1, whole["nacls"] // vpcs),
    }
    for v in range(1, vpcs + 1):
        docs = _vpc_docs(v, enis // vpcs, counts, seed)
        vpc_id = docs["Vpcs.json"]["Vpcs"][0]["VpcId"]
        subnets = docs["Subnets.json"]["Subnets"][-2:]  # the attachment subnets
        t = (v - 1) % 2
        home[v] = t
        att = f"tgw-attach-0c{v:016x}"
        att_subnets = [subnets[0]["SubnetId"], subnets[1]["SubnetId"]]  # us-east-1a and us-east-1b
        attachments.append(
            {
                "TransitGatewayAttachmentId": att,
                "TransitGatewayId": tgws[t],
                "TransitGatewayOwnerId": ACCOUNT,
                "ResourceOwnerId": ACCOUNT,
                "ResourceType": "vpc",
                "ResourceId": vpc_id,
                "State": "available",
                "Association": {"TransitGatewayRouteTableId": tables[t], "State": "associated"},
            }
        )
        vpc_attachments.append(
            {
                "TransitGatewayAttachmentId": att,
                "TransitGatewayId": tgws[t],
                "VpcId": vpc_id,
                "VpcOwnerId": ACCOUNT,
                "State": "available",
                "SubnetIds": att_subnets,
                "Options": {
                    "DnsSupport": "enable",
                    "Ipv6Support": "disable",
                    "ApplianceModeSupport": "disable",
                },
            }
        )
        props[tables[t]].append(
            {
                "TransitGatewayAttachmentId": att,
                "ResourceId": vpc_id,
                "ResourceType": "vpc",
                "State": "enabled",
            }
        )
        for k, sid in enumerate(att_subnets):
            ip = f"10.{v}.255.{16 * k + 5}"
            tgw_enis.append(
                {
                    "NetworkInterfaceId": f"eni-fe{v:013x}{k:03x}",
                    "SubnetId": sid,
                    "VpcId": vpc_id,
                    "AvailabilityZone": subnets[k]["AvailabilityZone"],
                    "Description": f"Network Interface for Transit Gateway Attachment {att}",
                    "InterfaceType": "transit_gateway",
                    "RequesterManaged": True,
                    "SourceDestCheck": False,
                    "Status": "in-use",
                    "PrivateIpAddress": ip,
                    "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}],
                    "Groups": [],
                }
            )
        routes = docs["RouteTables.json"]["RouteTables"][0]["Routes"]
        routes.append(
            {
                "DestinationCidrBlock": "10.0.0.0/8",
                "TransitGatewayId": tgws[t],
                "State": "active",
                "Origin": "CreateRoute",
            }
        )
        if v % 3:
            routes[:] = [r for r in routes if r.get("GatewayId", "").startswith("igw-") is False]
        for _name, doc in docs.items():
            for key, items in doc.items():
                merged.setdefault(key, []).extend(items)
    merged["NetworkInterfaces"].extend(tgw_enis)
    static: dict[str, list[Json]] = {t: [] for t in tables}
    for v, t in home.items():
        other = tables[1 - t]
        static[other].append(
            {
                "DestinationCidrBlock": f"10.{v}.0.0/16",
                "TransitGatewayAttachments": [
                    {"TransitGatewayAttachmentId": peering, "ResourceType": "peering"}
                ],
                "Type": "static",
                "State": "active",
            }
        )
    out: dict[str, Json] = {f"{k}.json": {k: v} for k, v in merged.items()}
    out["TransitGateways.json"] = {
        "TransitGateways": [
            {
                "TransitGatewayId": t,
                "State": "available",
                "OwnerId": ACCOUNT,
                "Options": {
                    "DefaultRouteTableAssociation": "enable",
                    "AssociationDefaultRouteTableId": tables[i],
                    "DefaultRouteTablePropagation": "enable",
                    "PropagationDefaultRouteTableId": tables[i],
                },
            }
            for i, t in enumerate(tgws)
        ]
    }
    for i, gw in enumerate(tgws):
        attachments.append(
            {
                "TransitGatewayAttachmentId": peering,
                "TransitGatewayId": gw,
                "ResourceType": "peering",
                "ResourceId": tgws[1 - i],
                "State": "available",
                "Association": {"TransitGatewayRouteTableId": tables[i], "State": "associated"},
            }
        )
    out["TransitGatewayAttachments.json"] = {"TransitGatewayAttachments": attachments}
    out["TransitGatewayVpcAttachments.json"] = {"TransitGatewayVpcAttachments": vpc_attachments}
    out["TransitGatewayRouteTables.json"] = {
        "TransitGatewayRouteTables": [
            {"TransitGatewayRouteTableId": tb, "TransitGatewayId": tgws[i], "State": "available"}
            for i, tb in enumerate(tables)
        ]
    }
    out["TransitGatewayPropagations.json"] = {
        "TransitGatewayPropagations": [
            {"TransitGatewayRouteTableId": tb, "TransitGatewayRouteTablePropagations": props[tb]}
            for tb in tables
        ]
    }
    out["TransitGatewayStaticRoutes.json"] = {
        "TransitGatewayStaticRoutes": [
            {"TransitGatewayRouteTableId": tb, "Routes": static[tb], "AdditionalRoutesAvailable": False}
            for tb in tables
        ]
    }
    return out


def generate_transit(out_dir: str | Path, vpcs: int = 20, enis: int = 10_000, seed: int = 0) -> Path:
    out = Path(out_dir) / "aws_configs" / ACCOUNT / REGION
    out.mkdir(parents=True, exist_ok=True)
    for name, doc in documents_transit(vpcs, enis, seed).items():
        (out / name).write_text(json.dumps(doc) + "\n")
    return Path(out_dir)


def snapshot_transit(vpcs: int = 20, enis: int = 10_000, seed: int = 0) -> Snapshot:
    from vpcflow.sources import load_snapshot_data

    where = f"aws_configs/{ACCOUNT}/{REGION}"
    return load_snapshot_data(
        [(f"{where}/{k}", v) for k, v in sorted(documents_transit(vpcs, enis, seed).items())]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description="write a multi-VPC transit-gateway estate")
    ap.add_argument("out")
    ap.add_argument("--vpcs", type=int, default=20)
    ap.add_argument("--enis", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(generate_transit(args.out, args.vpcs, args.enis, args.seed))


if __name__ == "__main__":
    main()
