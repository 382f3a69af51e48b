"""describe-* JSON for transit-gateway, VPN and endpoint scenarios, shaped as the AWS CLI returns it, loaded
through the real loader. Each helper adds one resource; ``docs()`` gives the documents to load."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vpcflow.model import Snapshot
from vpcflow.sources import load_snapshot_data

Json = dict[str, Any]
ALLOW_ALL_ENTRIES = [
    {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": e, "CidrBlock": "0.0.0.0/0"}
    for e in (False, True)
]


@dataclass
class Estate:
    account: str = "111111111111"
    region: str = "eu-west-1"
    items: dict[str, list[Json]] = field(default_factory=dict)
    # per TGW route table: static routes / propagations (listed even when empty, as a collector does)
    static: dict[str, list[Json]] = field(default_factory=dict)
    props: dict[str, list[Json]] = field(default_factory=dict)

    def add(self, key: str, item: Json) -> Estate:
        self.items.setdefault(key, []).append(item)
        return self

    # -- VPC side -------------------------------------------------------------------------------

    def vpc(self, vpc_id: str, *cidrs: str) -> Estate:
        self.add(
            "Vpcs",
            {
                "VpcId": vpc_id,
                "CidrBlock": cidrs[0],
                "CidrBlockAssociationSet": [
                    {"CidrBlock": c, "CidrBlockState": {"State": "associated"}} for c in cidrs
                ],
                "OwnerId": self.account,
            },
        )
        return self.add(
            "NetworkAcls",
            {
                "NetworkAclId": f"acl-{vpc_id}",
                "VpcId": vpc_id,
                "IsDefault": True,
                "Entries": ALLOW_ALL_ENTRIES,
                "Associations": [],
            },
        )

    def subnet(self, subnet_id: str, vpc_id: str, cidr: str, az: str = "eu-west-1a") -> Estate:
        return self.add(
            "Subnets",
            {"SubnetId": subnet_id, "VpcId": vpc_id, "CidrBlock": cidr, "AvailabilityZone": az},
        )

    def rtb(
        self, rtb_id: str, vpc_id: str, subnets: list[str], routes: list[Json], main: bool = False
    ) -> Estate:
        assoc = [{"SubnetId": s, "AssociationState": {"State": "associated"}} for s in subnets]
        if main:
            assoc.append({"Main": True, "AssociationState": {"State": "associated"}})
        return self.add(
            "RouteTables",
            {"RouteTableId": rtb_id, "VpcId": vpc_id, "Associations": assoc, "Routes": routes},
        )

    def igw(self, igw_id: str, vpc_id: str) -> Estate:
        return self.add(
            "InternetGateways",
            {"InternetGatewayId": igw_id, "Attachments": [{"VpcId": vpc_id, "State": "available"}]},
        )

    def edge_rtb(self, rtb_id: str, vpc_id: str, gateway_id: str, routes: list[Json]) -> Estate:
        """A gateway route table: edge-associated with an internet or virtual private gateway."""
        return self.add(
            "RouteTables",
            {
                "RouteTableId": rtb_id,
                "VpcId": vpc_id,
                "Associations": [{"GatewayId": gateway_id, "AssociationState": {"State": "associated"}}],
                "Routes": routes,
            },
        )

    def sg(
        self, gid: str, vpc_id: str, ingress: list[Json] | None = None, egress: list[Json] | None = None
    ) -> Estate:
        world = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        return self.add(
            "SecurityGroups",
            {
                "GroupId": gid,
                "GroupName": gid,
                "VpcId": vpc_id,
                "OwnerId": self.account,
                "IpPermissions": world if ingress is None else ingress,
                "IpPermissionsEgress": world if egress is None else egress,
            },
        )

    def eni(
        self,
        eni_id: str,
        subnet_id: str,
        ip: str,
        groups: list[str],
        *,
        instance: str | None = None,
        state: str = "running",
        source_dest_check: bool = True,
        interface_type: str = "interface",
        public: str | None = None,
    ) -> Estate:
        sub = next(s for s in self.items["Subnets"] if s["SubnetId"] == subnet_id)
        item: Json = {
            "NetworkInterfaceId": eni_id,
            "SubnetId": subnet_id,
            "VpcId": sub["VpcId"],
            "AvailabilityZone": sub["AvailabilityZone"],
            "PrivateIpAddress": ip,
            "PrivateIpAddresses": [{"PrivateIpAddress": ip, "Primary": True}],
            "Groups": [{"GroupId": g, "GroupName": g} for g in groups],
            "SourceDestCheck": source_dest_check,
            "InterfaceType": interface_type,
            "Status": "in-use",
        }
        if public:
            item["Association"] = {"PublicIp": public}
            item["PrivateIpAddresses"][0]["Association"] = {"PublicIp": public}
        if instance:
            item["Attachment"] = {"InstanceId": instance, "DeviceIndex": 0}
            self.add(
                "Reservations",
                {
                    "Instances": [
                        {
                            "InstanceId": instance,
                            "State": {"Name": state},
                            "SubnetId": subnet_id,
                            "VpcId": sub["VpcId"],
                            "PrivateIpAddress": ip,
                            # as describe-instances embeds it: the same interface, seen from the instance
                            "NetworkInterfaces": [
                                {
                                    "NetworkInterfaceId": eni_id,
                                    "Attachment": {"DeviceIndex": 0},
                                    "SubnetId": subnet_id,
                                    "VpcId": sub["VpcId"],
                                    "PrivateIpAddress": ip,
                                    "PrivateIpAddresses": item["PrivateIpAddresses"],
                                    "Groups": item["Groups"],
                                }
                            ],
                        }
                    ]
                },
            )
        return self.add("NetworkInterfaces", item)

    def endpoint(self, vpce_id: str, kind: str, vpc_id: str, **fields: Any) -> Estate:
        return self.add(
            "VpcEndpoints",
            {
                "VpcEndpointId": vpce_id,
                "VpcEndpointType": kind,
                "VpcId": vpc_id,
                "State": "available",
                **fields,
            },
        )

    # -- transit gateway -----------------------------------------------------------------------

    def tgw(self, tgw_id: str, sg_referencing: bool = False, state: str = "available") -> Estate:
        return self.add(
            "TransitGateways",
            {
                "TransitGatewayId": tgw_id,
                "State": state,
                "OwnerId": self.account,
                "Options": {
                    "DefaultRouteTableAssociation": "disable",
                    "DefaultRouteTablePropagation": "disable",
                    "SecurityGroupReferencingSupport": "enable" if sg_referencing else "disable",
                    "VpnEcmpSupport": "enable",
                },
            },
        )

    def table(self, rtb_id: str, tgw_id: str, state: str = "available") -> Estate:
        self.static.setdefault(rtb_id, [])
        self.props.setdefault(rtb_id, [])
        return self.add(
            "TransitGatewayRouteTables",
            {"TransitGatewayRouteTableId": rtb_id, "TransitGatewayId": tgw_id, "State": state},
        )

    def attach_vpc(
        self,
        att_id: str,
        tgw_id: str,
        vpc_id: str,
        subnets: list[str],
        table: str | None,
        *,
        state: str = "available",
        appliance_mode: bool = False,
        sg_referencing: bool = False,
    ) -> Estate:
        self._attachment(att_id, tgw_id, "vpc", vpc_id, table, state)
        return self.add(
            "TransitGatewayVpcAttachments",
            {
                "TransitGatewayAttachmentId": att_id,
                "TransitGatewayId": tgw_id,
                "VpcId": vpc_id,
                "VpcOwnerId": self.account,
                "State": state,
                "SubnetIds": subnets,
                "Options": {
                    "ApplianceModeSupport": "enable" if appliance_mode else "disable",
                    "SecurityGroupReferencingSupport": "enable" if sg_referencing else "disable",
                    "Ipv6Support": "disable",
                    "DnsSupport": "enable",
                },
            },
        )

    def _attachment(
        self, att_id: str, tgw_id: str, kind: str, resource: str, table: str | None, state: str
    ) -> Estate:
        item: Json = {
            "TransitGatewayAttachmentId": att_id,
            "TransitGatewayId": tgw_id,
            "ResourceType": kind,
            "ResourceId": resource,
            "State": state,
        }
        if table is not None:
            item["Association"] = {"TransitGatewayRouteTableId": table, "State": "associated"}
        return self.add("TransitGatewayAttachments", item)

    def attach_vpn(self, att_id: str, tgw_id: str, vpn_id: str, table: str | None) -> Estate:
        return self._attachment(att_id, tgw_id, "vpn", vpn_id, table, "available")

    def attach_peering(self, att_id: str, tgw_id: str, peer_tgw: str, table: str | None) -> Estate:
        return self._attachment(att_id, tgw_id, "peering", peer_tgw, table, "available")

    def propagate(self, rtb_id: str, att_id: str, kind: str, resource: str, state: str = "enabled") -> Estate:
        self.props.setdefault(rtb_id, []).append(
            {
                "TransitGatewayAttachmentId": att_id,
                "ResourceType": kind,
                "ResourceId": resource,
                "State": state,
            }
        )
        return self

    def static_route(
        self, rtb_id: str, cidr: str, att_id: str | None, kind: str = "vpc", state: str | None = None
    ) -> Estate:
        route: Json = {"DestinationCidrBlock": cidr, "Type": "static"}
        if att_id is None:
            route["State"] = state or "blackhole"
        else:
            route["State"] = state or "active"
            route["TransitGatewayAttachments"] = [
                {"TransitGatewayAttachmentId": att_id, "ResourceType": kind}
            ]
        self.static.setdefault(rtb_id, []).append(route)
        return self

    def prefix_list_reference(self, rtb_id: str, pl_id: str, att_id: str | None) -> Estate:
        ref: Json = {"TransitGatewayRouteTableId": rtb_id, "PrefixListId": pl_id, "State": "available"}
        ref["Blackhole"] = att_id is None
        if att_id is not None:
            ref["TransitGatewayAttachment"] = {"TransitGatewayAttachmentId": att_id, "ResourceType": "vpc"}
        return self.add("TransitGatewayPrefixListReferences", ref)

    def prefix_list(self, pl_id: str, *cidrs: str) -> Estate:
        return self.add("PrefixLists", {"PrefixListId": pl_id, "PrefixListName": pl_id, "Cidrs": list(cidrs)})

    # -- VPN -------------------------------------------------------------------------------------

    def vpn(
        self,
        vpn_id: str,
        *,
        vgw: str | None = None,
        tgw: str | None = None,
        static_only: bool = False,
        routes: tuple[str, ...] = (),
        tunnels: tuple[str, ...] = ("UP", "UP"),
        accepted: int | None = 3,
    ) -> Estate:
        item: Json = {
            "VpnConnectionId": vpn_id,
            "State": "available",
            "CustomerGatewayId": "cgw-1",
            "Type": "ipsec.1",
            "Options": {"StaticRoutesOnly": static_only},
            "Routes": [{"DestinationCidrBlock": r, "Source": "Static", "State": "available"} for r in routes],
            "VgwTelemetry": [
                {
                    "OutsideIpAddress": f"198.51.100.{i + 1}",
                    "Status": s,
                    **({"AcceptedRouteCount": accepted} if accepted is not None else {}),
                }
                for i, s in enumerate(tunnels)
            ],
        }
        if vgw:
            item["VpnGatewayId"] = vgw
        if tgw:
            item["TransitGatewayId"] = tgw
        return self.add("VpnConnections", item)

    def vgw(self, vgw_id: str, vpc_id: str | None) -> Estate:
        atts = [{"VpcId": vpc_id, "State": "attached"}] if vpc_id else []
        return self.add("VpnGateways", {"VpnGatewayId": vgw_id, "State": "available", "VpcAttachments": atts})

    # -- output ----------------------------------------------------------------------------------

    def docs(self) -> list[tuple[str, Json]]:
        where = f"aws_configs/{self.account}/{self.region}"
        out = [(f"{where}/{k}.json", {k: v}) for k, v in self.items.items()]
        out.append(
            (
                f"{where}/TransitGatewayStaticRoutes.json",
                {
                    "TransitGatewayStaticRoutes": [
                        {"TransitGatewayRouteTableId": t, "Routes": r, "AdditionalRoutesAvailable": False}
                        for t, r in self.static.items()
                    ]
                },
            )
        )
        out.append(
            (
                f"{where}/TransitGatewayPropagations.json",
                {
                    "TransitGatewayPropagations": [
                        {"TransitGatewayRouteTableId": t, "TransitGatewayRouteTablePropagations": p}
                        for t, p in self.props.items()
                    ]
                },
            )
        )
        return out

    def snapshot(self) -> Snapshot:
        return load_snapshot_data(self.docs())
