"""``examples/three-tier`` with its front tier as a web instance instead of an Application Load Balancer.

The example's ``web-alb`` interface is a load balancer's node (``Description`` ``ELB app/…``,
requester-managed): vpcflow does not trace through load balancers yet, so every answer about it is UNKNOWN
(fail closed). Tests of security-group, NACL, reachability, policy, diff and flow-log semantics that use
the front tier as a plain endpoint run on this copy, where the same interface (same id, addresses, group,
``Name`` tag) belongs to a running instance — a reverse proxy in front of the app tier.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THREE_TIER = ROOT / "examples" / "three-tier"
WEB_ENI = "eni-0a1b2c3d4e5f00041"
WEB_INSTANCE = "i-0a1b2c3d4e5f00051"


def three_tier_web(dest: Path, source: Path = THREE_TIER) -> Path:
    """Copy ``source`` (three-tier or three-tier-widened) to ``dest`` with the web tier as an instance."""
    shutil.copytree(source, dest)
    enis = json.loads((dest / "NetworkInterfaces.json").read_text())
    eni = next(e for e in enis["NetworkInterfaces"] if e["NetworkInterfaceId"] == WEB_ENI)
    eni["Description"] = "Primary network interface"
    eni["RequesterManaged"] = False
    eni["Attachment"] = {
        "AttachmentId": f"eni-attach-{WEB_ENI[4:]}",
        "DeleteOnTermination": True,
        "DeviceIndex": 0,
        "InstanceId": WEB_INSTANCE,
        "InstanceOwnerId": eni["OwnerId"],
        "Status": "attached",
    }
    (dest / "NetworkInterfaces.json").write_text(json.dumps(enis, indent=2))
    res = json.loads((dest / "Reservations.json").read_text())
    embedded = {k: eni[k] for k in ("NetworkInterfaceId", "PrivateIpAddress", "SubnetId", "VpcId", "Groups")}
    embedded["Attachment"] = {"DeviceIndex": 0, "Status": "attached"}
    embedded["PrivateIpAddresses"] = eni["PrivateIpAddresses"]
    res["Reservations"].append(
        {
            "ReservationId": "r-0a1b2c3d4e5f00090",
            "OwnerId": eni["OwnerId"],
            "Groups": [],
            "Instances": [
                {
                    "InstanceId": WEB_INSTANCE,
                    "InstanceType": "t3.small",
                    "ImageId": "ami-0abcdef1234567890",
                    "State": {"Code": 16, "Name": "running"},
                    "PrivateIpAddress": eni["PrivateIpAddress"],
                    "PublicIpAddress": eni["Association"]["PublicIp"],
                    "SubnetId": eni["SubnetId"],
                    "VpcId": eni["VpcId"],
                    "SecurityGroups": eni["Groups"],
                    "SourceDestCheck": True,
                    "NetworkInterfaces": [embedded],
                    "Tags": eni["TagSet"],
                }
            ],
        }
    )
    (dest / "Reservations.json").write_text(json.dumps(res, indent=2))
    return dest
