"""``AWS::EC2::*`` resources → the describe-* builder.

AWS semantics kept: ``IpProtocol`` ``-1`` (string or number) is every protocol and port; a security
group declared without ``SecurityGroupEgress`` gets AWS's allow-all egress rule, which the first
``AWS::EC2::SecurityGroupEgress`` added to it replaces; ``NetworkAclEntry.Egress`` is a boolean or
``"true"``/``"false"`` (default false); a subnet with no ``SubnetRouteTableAssociation`` uses the main
route table, one with no ``SubnetNetworkAclAssociation`` the default network ACL; an instance gets a
public address from ``AssociatePublicIpAddress`` or else its subnet's ``MapPublicIpOnLaunch``.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroup.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from vpcflow.errors import SnapshotError
from vpcflow.model import ICMP, ICMPV6, TCP, UDP, Origin
from vpcflow.model.origin import CLOUDFORMATION
from vpcflow.sources.cloudformation.intrinsics import NO_VALUE, PSEUDO, Evaluator, Unresolved
from vpcflow.sources.iac.builder import (
    AclDecl,
    DescribeBuilder,
    EniDecl,
    GroupDecl,
    Permission,
    Refused,
    RouteTableDecl,
    Where,
    check_cidr,
    check_int,
    check_protocol,
    slug,
    tags,
)

PREFIX = {
    "AWS::EC2::VPC": "vpc",
    "AWS::EC2::Subnet": "subnet",
    "AWS::EC2::SecurityGroup": "sg",
    "AWS::EC2::NetworkAcl": "acl",
    "AWS::EC2::RouteTable": "rtb",
    "AWS::EC2::InternetGateway": "igw",
    "AWS::EC2::EgressOnlyInternetGateway": "eigw",
    "AWS::EC2::NatGateway": "nat",
    "AWS::EC2::Instance": "i",
    "AWS::EC2::NetworkInterface": "eni",
    "AWS::EC2::EIP": "eipalloc",
    "AWS::EC2::VPCPeeringConnection": "pcx",
    "AWS::EC2::FlowLog": "fl",
    "AWS::EC2::VPCEndpoint": "vpce",
    "AWS::EC2::TransitGateway": "tgw",
    "AWS::EC2::VPNGateway": "vgw",
    "AWS::EC2::PrefixList": "pl",
    "AWS::EC2::SecurityGroupIngress": "sgr",
    "AWS::EC2::SecurityGroupEgress": "sgr",
}

ROUTE_TARGETS = (
    ("GatewayId", "GatewayId"),
    ("NatGatewayId", "NatGatewayId"),
    ("EgressOnlyInternetGatewayId", "EgressOnlyInternetGatewayId"),
    ("TransitGatewayId", "TransitGatewayId"),
    ("VpcPeeringConnectionId", "VpcPeeringConnectionId"),
    ("NetworkInterfaceId", "NetworkInterfaceId"),
    ("InstanceId", "InstanceId"),
    ("VpcEndpointId", "GatewayId"),
    ("LocalGatewayId", "LocalGatewayId"),
    ("CarrierGatewayId", "CarrierGatewayId"),
    ("CoreNetworkArn", "CoreNetworkArn"),
)

_MISSING = object()


class Template:
    def __init__(
        self, file: str, doc: dict[str, Any], lines: dict[str, int], parameters: Mapping[str, str]
    ) -> None:
        self.file = file
        self.doc = doc
        self.lines = lines
        self.resources: dict[str, Any] = doc["Resources"]
        self.b = DescribeBuilder(file, CLOUDFORMATION)
        self.ev = Evaluator(doc, parameters, self.ref_value, self.attr_of)
        unknown = sorted(set(parameters) - set(doc.get("Parameters") or {}) - set(PSEUDO))
        if unknown:
            raise SnapshotError(
                f"--parameter {unknown[0]}: the template declares no such parameter", source=file
            )
        self._ids: dict[str, str] = {}

    # -- ids and attributes ---------------------------------------------------------------------

    def rtype(self, lid: str) -> str:
        r = self.resources.get(lid)
        return str(r.get("Type", "")) if isinstance(r, dict) else ""

    def props(self, lid: str) -> dict[str, Any]:
        r = self.resources.get(lid)
        p = r.get("Properties") if isinstance(r, dict) else None
        return p if isinstance(p, dict) else {}

    def ref_of(self, lid: str) -> str:
        if lid in self._ids:
            return self._ids[lid]
        rtype = self.rtype(lid)
        prefix = PREFIX.get(rtype)
        rid = self.b.synthetic_id(prefix, lid) if prefix else lid
        self._ids[lid] = rid
        return rid

    def ref_value(self, lid: str) -> str:
        """What ``Ref`` gives: the resource's id — but an Elastic IP's ``Ref`` is its address, known only
        once allocated (EIPAssociation reads the EIP it names directly)."""
        if self.rtype(lid) == "AWS::EC2::EIP":
            raise Unresolved(f"Ref {lid} is the Elastic IP address, known only at deployment")
        return self.ref_of(lid)

    def attr_of(self, lid: str, attr: str) -> Any:
        rtype = self.rtype(lid)
        rid = self.ref_of(lid)
        if rtype == "AWS::EC2::VPC":
            if attr == "DefaultSecurityGroup":
                return DescribeBuilder.default_group_id(rid)
            if attr == "DefaultNetworkAcl":
                return DescribeBuilder.default_acl_id(rid)
            if attr == "CidrBlock":
                return self.ev.eval(self.props(lid).get("CidrBlock"))
        own_id = {"Id", "GroupId", "AllocationId"} | {
            "AWS::EC2::VPC": {"VpcId"},
            "AWS::EC2::Subnet": {"SubnetId"},
            "AWS::EC2::NetworkAcl": {"Id"},
        }.get(rtype, set())
        if attr in own_id:
            return rid
        if rtype == "AWS::EC2::NetworkInterface" and attr == "PrimaryPrivateIpAddress":
            value = self.props(lid).get("PrivateIpAddress")
            if value is not None:
                return self.ev.eval(value)
        if rtype == "AWS::EC2::Instance" and attr == "PrivateIp":
            value = self.props(lid).get("PrivateIpAddress")
            if value is not None:
                return self.ev.eval(value)
        if attr in self.props(lid):
            return self.ev.eval(self.props(lid)[attr])
        raise Unresolved(f"Fn::GetAtt {lid}.{attr} is known only at deployment")

    # -- reading properties ---------------------------------------------------------------------

    def origin(self, lid: str) -> Origin:
        return Origin(CLOUDFORMATION, lid, self.rtype(lid), self.file, self.lines.get(lid))

    def where(self, lid: str) -> Where:
        return Where(self.origin(lid), f"{lid}.Properties")

    def warn(self, lid: str, path: str, reason: str, effect: str) -> None:
        self.b.warn(
            "UNRESOLVED_REFERENCE",
            f"{lid}.Properties.{path}: {reason}: {effect}",
            self.origin(lid),
            self._ids.get(lid),
        )

    def value(self, lid: str, raw: Any, path: str, effect: str, default: Any = None) -> Any:
        """Evaluate one property value; what cannot be known before deployment is warned about."""
        if raw is None or raw is _MISSING:
            return default
        try:
            v = self.ev.eval(raw)
        except Unresolved as exc:
            self.warn(lid, path, str(exc), effect)
            return default
        return default if v is NO_VALUE or v is None else v

    def prop(self, lid: str, key: str, effect: str, default: Any = None) -> Any:
        return self.value(lid, self.props(lid).get(key), key, effect, default)

    def ids(self, lid: str, key: str, effect: str, raw: Any = _MISSING, path: str | None = None) -> list[str]:
        """A list property of ids, each element evaluated on its own."""
        node = self.props(lid).get(key) if raw is _MISSING else raw
        path = path or key
        if node is None:
            return []
        if not isinstance(node, list):
            node = self.value(lid, node, path, effect, [])
            node = node if isinstance(node, list) else [node]
        out = []
        for i, item in enumerate(node):
            v = self.value(lid, item, f"{path}[{i}]", effect)
            for x in v if isinstance(v, list) else [v]:
                if isinstance(x, str) and x:
                    out.append(x)
        return out

    def bool_(self, value: Any, default: bool) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return default

    # -- building -------------------------------------------------------------------------------

    def active(self, lid: str) -> bool:
        r = self.resources[lid]
        cond = r.get("Condition") if isinstance(r, dict) else None
        if cond is None:
            return True
        try:
            return self.ev.condition(str(cond))
        except Unresolved as exc:
            self.b.warn(
                "UNRESOLVED_REFERENCE",
                f"{lid}: its Condition {cond}: {exc}: the resource is taken as created",
                self.origin(lid),
            )
            return True

    def build(self) -> DescribeBuilder:
        order = {t: i for i, (t, _h) in enumerate(HANDLERS)}
        handlers = dict(HANDLERS)
        for lid, r in self.resources.items():
            if not isinstance(r, dict) or not isinstance(r.get("Type"), str):
                raise SnapshotError(
                    f"resource {lid}: expected a mapping with a Type",
                    source=f"{self.file}:{self.lines[lid]}" if lid in self.lines else self.file,
                )
            self.ref_of(lid)
        todo = [lid for lid in self.resources if self.active(lid)]
        for lid in sorted(todo, key=lambda x: order.get(self.rtype(x), len(order))):
            handler = handlers.get(self.rtype(lid))
            if handler is not None:
                try:
                    handler(self, lid)
                except Refused as exc:
                    self.b.warn("INVALID_RULE", str(exc), self.origin(lid), self._ids.get(lid))
            else:
                self.attacher(lid)
        return self.b

    def attacher(self, lid: str) -> None:
        rtype = self.rtype(lid)
        if not rtype.startswith("AWS::"):
            return
        self.b.not_modelled_resource(rtype, self.origin(lid))
        found: list[str] = []

        def walk(node: Any, key: str) -> None:
            if isinstance(node, dict):
                if len(node) == 1 and next(iter(node)) in (
                    "Ref",
                    "Fn::GetAtt",
                    "Fn::If",
                    "Fn::Sub",
                    "Fn::ImportValue",
                ):
                    if "SecurityGroup" in key or key == "GroupSet":
                        try:
                            v = self.ev.eval(node)
                        except Unresolved:
                            return
                        found.extend(x for x in (v if isinstance(v, list) else [v]) if isinstance(x, str))
                    return
                for k, v in node.items():
                    walk(v, k)
            elif isinstance(node, list):
                for v in node:
                    walk(v, key)
            elif isinstance(node, str) and ("SecurityGroup" in key or key == "GroupSet"):
                found.append(node)

        walk(self.props(lid), "")
        for gid in dict.fromkeys(found):
            if gid.startswith("sg-"):
                self.b.attach_group(gid, self.origin(lid))


# -- resource handlers ---------------------------------------------------------------------------------


def vpc(t: Template, lid: str) -> None:
    where = t.where(lid)
    cidr = t.prop(lid, "CidrBlock", "the VPC is not modelled")
    if not cidr:
        t.b.warn("UNRESOLVED_ADDRESS", f"{lid}: no IPv4 CIDR known (IPAM pool?): not modelled", t.origin(lid))
        return
    t.b.vpc(
        t.ref_of(lid),
        [check_cidr(cidr, where, "CidrBlock", 4)],
        [],
        t.origin(lid),
        tags(t.prop(lid, "Tags", "")),
    )


def vpc_cidr(t: Template, lid: str) -> None:
    vpc_id = t.prop(lid, "VpcId", "the CIDR is not added")
    cidr = t.prop(lid, "CidrBlock", "the CIDR is not added") or t.prop(
        lid, "Ipv6CidrBlock", "the CIDR is not added"
    )
    if t.bool_(t.prop(lid, "AmazonProvidedIpv6CidrBlock", ""), False) and not cidr:
        t.b.warn(
            "UNRESOLVED_ADDRESS",
            f"{lid}: the IPv6 CIDR AWS assigns is known only at deployment: IPv6 is not modelled in {vpc_id}",
            t.origin(lid),
        )
        return
    if vpc_id and cidr:
        t.b.add_vpc_cidr(str(vpc_id), check_cidr(cidr, t.where(lid), "CidrBlock"), t.origin(lid))


def _vpc(t: Template, lid: str, effect: str) -> str | None:
    if "VpcId" not in t.props(lid):
        t.b.warn(
            "DEFAULT_VPC",
            f"{lid} names no VpcId: it is in the account's default VPC, which the template does not "
            f"declare; {effect}",
            t.origin(lid),
            t.ref_of(lid),
        )
        return None
    v = t.prop(lid, "VpcId", effect)
    return str(v) if v else None


def subnet(t: Template, lid: str) -> None:
    where = t.where(lid)
    vpc_id = t.prop(lid, "VpcId", "the subnet is not modelled")
    v4 = t.prop(lid, "CidrBlock", "the subnet is not modelled")
    v6 = t.prop(lid, "Ipv6CidrBlock", "its IPv6 CIDR is not modelled")
    if not vpc_id or not (v4 or v6):
        return
    t.b.subnet(
        t.ref_of(lid),
        str(vpc_id),
        check_cidr(v4, where, "CidrBlock", 4) if v4 else None,
        check_cidr(v6, where, "Ipv6CidrBlock", 6) if v6 else None,
        t.prop(lid, "AvailabilityZone", ""),
        t.bool_(t.prop(lid, "MapPublicIpOnLaunch", ""), False),
        t.origin(lid),
        tags(t.prop(lid, "Tags", "")),
    )


def permission(t: Template, lid: str, raw: Any, path: str, egress: bool, group_id: str) -> Permission | None:
    """One ``SecurityGroupIngress``/``Egress`` item (or a standalone rule's properties)."""
    where = t.where(lid)
    if not isinstance(raw, dict) or (len(raw) == 1 and next(iter(raw)).startswith(("Fn::", "Ref"))):
        raw = t.value(lid, raw, path, "the rule is not modelled")
        if not isinstance(raw, dict) or not raw:
            return None  # Fn::If to {} or AWS::NoValue: no rule
    dot = f"{path}." if path else ""
    field = {k: t.value(lid, v, f"{dot}{k}", "the rule is not modelled") for k, v in raw.items()}
    proto = check_protocol(field.get("IpProtocol"), where, f"{dot}IpProtocol")
    lo, hi = field.get("FromPort"), field.get("ToPort")
    from_port = to_port = None
    if proto in (TCP, UDP, ICMP, ICMPV6):
        from_port = check_int(lo, where, f"{dot}FromPort") if lo is not None else None
        to_port = check_int(hi, where, f"{dot}ToPort") if hi is not None else None
        if proto in (TCP, UDP) and from_port is not None and to_port is not None and from_port > to_port >= 0:
            raise where.refused(f"{path}", f"FromPort {from_port} is above ToPort {to_port}")
    perm = Permission(proto, from_port, to_port, description=field.get("Description") or None)
    if field.get("CidrIp"):
        perm.cidrs_v4.append(check_cidr(field["CidrIp"], where, f"{dot}CidrIp", 4))
    if field.get("CidrIpv6"):
        perm.cidrs_v6.append(check_cidr(field["CidrIpv6"], where, f"{dot}CidrIpv6", 6))
    pl = field.get("DestinationPrefixListId" if egress else "SourcePrefixListId")
    if pl:
        perm.prefix_lists.append(str(pl))
    peer = field.get("DestinationSecurityGroupId" if egress else "SourceSecurityGroupId")
    if peer:
        perm.groups.append(str(peer))
    elif not egress and field.get("SourceSecurityGroupName"):
        name = str(field["SourceSecurityGroupName"])
        match = [g.group_id for g in t.b.groups.values() if g.name == name]
        perm.groups.append(match[0] if len(match) == 1 else name)
    if perm.empty:
        # "the stack will launch successfully but the rule will not be added"
        t.b.warn(
            "EMPTY_RULE",
            f"{lid}.Properties{'.' + path if path else ''} names no CIDR, prefix list or group: "
            "AWS adds no rule",
            t.origin(lid),
            group_id,
        )
        return None
    return perm


def _rules(t: Template, lid: str, key: str, egress: bool, gid: str) -> list[tuple[Permission, Origin]]:
    node = t.props(lid).get(key)
    if node is None:
        return []
    if not isinstance(node, list):
        node = t.value(lid, node, key, "those rules are unknown", [])
    if not isinstance(node, list):
        # a scalar or mapping where CloudFormation wants a list: the stack would fail to create
        t.b.warn(
            "INVALID_RULE",
            f"{lid}.Properties.{key}: expected a list of rules, found {node!r}: CloudFormation refuses "
            "it, so none is modelled",
            t.origin(lid),
            gid,
        )
        return []
    out = []
    for i, raw in enumerate(node):
        try:
            perm = permission(t, lid, raw, f"{key}[{i}]", egress, gid)
        except Refused as exc:
            t.b.warn("INVALID_RULE", str(exc), t.origin(lid), gid)
            continue
        if perm is not None:
            out.append((perm, t.origin(lid)))
    return out


def security_group(t: Template, lid: str) -> None:
    gid = t.ref_of(lid)
    vpc_id = _vpc(t, lid, "the group's VPC is not known")
    name = t.prop(lid, "GroupName", "") or lid
    decl = GroupDecl(
        gid,
        str(name),
        vpc_id,
        t.prop(lid, "GroupDescription", ""),
        t.origin(lid),
        tags=tags(t.prop(lid, "Tags", "")),
    )
    decl.ingress = _rules(t, lid, "SecurityGroupIngress", False, gid)
    declared = "SecurityGroupEgress" in t.props(lid)
    decl.egress = _rules(t, lid, "SecurityGroupEgress", True, gid)
    # no egress declared: AWS adds its allow-all egress rule
    decl.default_egress = not declared
    decl.declared_egress = declared
    t.b.security_group(decl)


def standalone_rule(t: Template, lid: str) -> None:
    egress = t.rtype(lid).endswith("Egress")
    gid = t.prop(lid, "GroupId", "the rule cannot be placed in its group")
    if not gid and not egress and t.props(lid).get("GroupName"):
        name = str(t.prop(lid, "GroupName", "the rule cannot be placed"))
        match = [g.group_id for g in t.b.groups.values() if g.name == name]
        gid = match[0] if len(match) == 1 else None
    if not gid:
        return
    perm = permission(t, lid, t.props(lid), "", egress, str(gid))
    if perm is not None:
        t.b.rule(str(gid), "egress" if egress else "ingress", perm, t.origin(lid))


def network_acl(t: Template, lid: str) -> None:
    vpc_id = t.prop(lid, "VpcId", "the network ACL's VPC is not known")
    if not vpc_id:
        vpc_id = t.b.unknown_vpc(t.origin(lid), t.ref_of(lid))
    t.b.network_acl(
        AclDecl(t.ref_of(lid), str(vpc_id), False, t.origin(lid), tags=tags(t.prop(lid, "Tags", "")))
    )


def network_acl_entry(t: Template, lid: str) -> None:
    where = t.where(lid)
    acl_id = t.prop(lid, "NetworkAclId", "the entry cannot be placed")
    if not acl_id:
        return
    p = {k: t.value(lid, v, k, "the entry is not modelled") for k, v in t.props(lid).items()}
    number = check_int(p.get("RuleNumber"), where, "RuleNumber")
    if not 1 <= number <= 32766:
        raise where.fail("RuleNumber", f"rule number {number} out of range 1-32766")
    action = str(p.get("RuleAction") or "").lower()
    if action not in ("allow", "deny"):
        raise where.fail("RuleAction", f"expected allow or deny, found {p.get('RuleAction')!r}")
    proto = check_protocol(p.get("Protocol"), where, "Protocol")
    egress = t.bool_(p.get("Egress"), False)
    entry: dict[str, Any] = {
        "RuleNumber": number,
        "Egress": egress,
        "RuleAction": action,
        "Protocol": str(proto),
    }
    if p.get("CidrBlock"):
        entry["CidrBlock"] = check_cidr(p["CidrBlock"], where, "CidrBlock", 4)
    elif p.get("Ipv6CidrBlock"):
        entry["Ipv6CidrBlock"] = check_cidr(p["Ipv6CidrBlock"], where, "Ipv6CidrBlock", 6)
    else:
        raise where.fail("CidrBlock", "expected CidrBlock or Ipv6CidrBlock")
    ports = p.get("PortRange")
    if proto in (TCP, UDP):
        if not isinstance(ports, dict) or ports.get("From") is None or ports.get("To") is None:
            # AWS requires a port range for TCP/UDP entries: the stack would fail
            raise where.refused("PortRange", "a TCP/UDP entry needs PortRange From and To")
        lo, hi = (
            check_int(ports["From"], where, "PortRange.From"),
            check_int(ports["To"], where, "PortRange.To"),
        )
        if lo > hi:
            raise where.refused("PortRange", f"From {lo} is above To {hi}")
        entry["PortRange"] = {"From": lo, "To": hi}
    elif proto in (ICMP, ICMPV6):
        raw_icmp = p.get("Icmp")
        icmp: dict[str, Any] = raw_icmp if isinstance(raw_icmp, dict) else {}
        entry["IcmpTypeCode"] = {
            "Type": check_int(icmp.get("Type", -1), where, "Icmp.Type"),
            "Code": check_int(icmp.get("Code", -1), where, "Icmp.Code"),
        }
    t.b.acl_entry(str(acl_id), entry, t.origin(lid))


def acl_association(t: Template, lid: str) -> None:
    acl_id = t.prop(lid, "NetworkAclId", "the association is not modelled")
    sid = t.prop(lid, "SubnetId", "the association is not modelled")
    if acl_id and sid:
        t.b.acl_association(str(acl_id), str(sid), t.origin(lid))


def route_table(t: Template, lid: str) -> None:
    vpc_id = t.prop(lid, "VpcId", "the route table is not modelled")
    if vpc_id:
        t.b.route_table(
            RouteTableDecl(t.ref_of(lid), str(vpc_id), t.origin(lid), tags=tags(t.prop(lid, "Tags", "")))
        )


def route(t: Template, lid: str) -> None:
    where = t.where(lid)
    rtb = t.prop(lid, "RouteTableId", "the route cannot be placed")
    if not rtb:
        return
    item: dict[str, Any] = {"State": "active", "Origin": "CreateRoute"}
    v4 = t.prop(lid, "DestinationCidrBlock", "the route is not modelled")
    v6 = t.prop(lid, "DestinationIpv6CidrBlock", "the route is not modelled")
    pl = t.prop(lid, "DestinationPrefixListId", "the route is not modelled")
    if v4:
        item["DestinationCidrBlock"] = check_cidr(v4, where, "DestinationCidrBlock", 4)
    elif v6:
        item["DestinationIpv6CidrBlock"] = check_cidr(v6, where, "DestinationIpv6CidrBlock", 6)
    elif pl:
        item["DestinationPrefixListId"] = str(pl)
    else:
        return
    for key, aws_key in ROUTE_TARGETS:
        target = t.prop(lid, key, "traces that use the route answer UNKNOWN")
        if target:
            item[aws_key] = str(target)
            break
    t.b.route(str(rtb), item, t.origin(lid))


def route_association(t: Template, lid: str) -> None:
    rtb = t.prop(lid, "RouteTableId", "the association is not modelled")
    sid = t.prop(lid, "SubnetId", "the association is not modelled")
    gw = t.prop(lid, "GatewayId", "the association is not modelled")
    if rtb and (sid or gw):
        t.b.route_table_association(
            str(rtb), str(sid) if sid else None, str(gw) if gw else None, t.origin(lid)
        )


def internet_gateway(t: Template, lid: str) -> None:
    t.b.internet_gateway(t.ref_of(lid), None, t.origin(lid), tags(t.prop(lid, "Tags", "")))


def gateway_attachment(t: Template, lid: str) -> None:
    vpc_id = t.prop(lid, "VpcId", "the attachment is not modelled")
    igw = t.prop(lid, "InternetGatewayId", "the attachment is not modelled")
    if vpc_id and igw:
        t.b.internet_gateway_attachment(str(igw), str(vpc_id), t.origin(lid))
    elif t.props(lid).get("VpnGatewayId") is not None:
        t.b.not_modelled_resource("AWS::EC2::VPCGatewayAttachment (VPN gateway)", t.origin(lid))


def egress_only_gateway(t: Template, lid: str) -> None:
    vpc_id = t.prop(lid, "VpcId", "the gateway is not modelled")
    if vpc_id:
        t.b.egress_only_gateway(t.ref_of(lid), str(vpc_id), t.origin(lid), tags(t.prop(lid, "Tags", "")))


def nat_gateway(t: Template, lid: str) -> None:
    sid = t.prop(lid, "SubnetId", "the NAT gateway is not modelled")
    if not sid:
        return
    public = str(t.prop(lid, "ConnectivityType", "", "public")) == "public"
    private_ip = t.prop(lid, "PrivateIpAddress", "")
    t.b.nat_gateway(
        t.ref_of(lid),
        str(sid),
        public,
        None,
        private_ip or None,
        t.origin(lid),
        tags(t.prop(lid, "Tags", "")),
    )


def eip(t: Template, lid: str) -> None:
    instance = t.prop(lid, "InstanceId", "the Elastic IP is not associated")
    if instance:
        t.b.elastic_ip(t.ref_of(lid), None, str(instance), None, None, t.origin(lid))
    else:
        t.b.origin(t.ref_of(lid), t.origin(lid))
        t.b.eips[t.ref_of(lid)] = {
            "AllocationId": t.ref_of(lid),
            "PublicIp": None,
            "InstanceId": None,
            "NetworkInterfaceId": None,
            "PrivateIpAddress": None,
            "_unplaced": True,
        }


def eip_association(t: Template, lid: str) -> None:
    raw = t.props(lid)
    alloc = None
    for key in ("AllocationId", "EIP"):
        node = raw.get(key)
        if isinstance(node, dict) and set(node) == {"Ref"} and node["Ref"] in t.resources:
            alloc = t.ref_of(str(node["Ref"]))  # Ref of an EIP is its address: the same object
        elif node is not None:
            alloc = t.prop(lid, key, "the association is not modelled")
        if alloc:
            break
    instance = t.prop(lid, "InstanceId", "the association is not modelled")
    eni = t.prop(lid, "NetworkInterfaceId", "the association is not modelled")
    if alloc and (instance or eni):
        item = t.b.eips.get(str(alloc))
        if item is not None:
            item.pop("_unplaced", None)
        t.b.elastic_ip_association(
            str(alloc),
            str(instance) if instance else None,
            str(eni) if eni else None,
            t.prop(lid, "PrivateIpAddress", "") or None,
            t.origin(lid),
        )


def _private_ips(t: Template, lid: str, raw: dict[str, Any], path: str) -> list[str]:
    ips: list[str] = []
    primary = t.value(
        lid, raw.get("PrivateIpAddress"), f"{path}PrivateIpAddress", "a placeholder address is used"
    )
    if primary:
        ips.append(str(primary))
    items = raw.get("PrivateIpAddresses")
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            ip = t.value(
                lid,
                item.get("PrivateIpAddress"),
                f"{path}PrivateIpAddresses[{i}]",
                "the address is not modelled",
            )
            if ip and str(ip) not in ips:
                if t.bool_(t.value(lid, item.get("Primary"), "", ""), False):
                    ips.insert(0, str(ip))
                else:
                    ips.append(str(ip))
    return ips


def _default_group(t: Template, subnet_id: str) -> list[str]:
    sub = t.b.subnets.get(subnet_id)
    return [DescribeBuilder.default_group_id(sub["VpcId"])] if sub else []


def network_interface(t: Template, lid: str) -> None:
    sid = t.prop(lid, "SubnetId", "the interface is not modelled")
    if not sid:
        return
    groups = t.ids(lid, "GroupSet", "those groups are not attached") or _default_group(t, str(sid))
    t.b.interface(
        EniDecl(
            t.ref_of(lid),
            str(sid),
            t.origin(lid),
            _private_ips(t, lid, t.props(lid), ""),
            [],
            groups,
            source_dest_check=t.bool_(t.prop(lid, "SourceDestCheck", ""), True),
            description=t.prop(lid, "Description", "") or None,
            tags=tags(t.prop(lid, "Tags", "")),
        )
    )


def instance(t: Template, lid: str) -> None:
    iid = t.ref_of(lid)
    t.b.instance(iid, "running", t.origin(lid), tags(t.prop(lid, "Tags", "")))
    nis = t.props(lid).get("NetworkInterfaces")
    if nis is not None:
        if not isinstance(nis, list):
            nis = t.value(lid, nis, "NetworkInterfaces", "the interfaces are not modelled", [])
        for i, raw in enumerate(nis if isinstance(nis, list) else []):
            path = f"NetworkInterfaces[{i}]."
            if not isinstance(raw, dict):
                continue
            index = check_int(
                t.value(lid, raw.get("DeviceIndex"), f"{path}DeviceIndex", "", i),
                t.where(lid),
                f"{path}DeviceIndex",
            )
            existing = t.value(
                lid,
                raw.get("NetworkInterfaceId"),
                f"{path}NetworkInterfaceId",
                "that interface is not attached",
            )
            if existing:
                t.b.interface_attachment(str(existing), iid, index, t.origin(lid))
                continue
            sid = t.value(lid, raw.get("SubnetId"), f"{path}SubnetId", "the interface is not modelled")
            if not sid:
                continue
            public = t.value(lid, raw.get("AssociatePublicIpAddress"), f"{path}AssociatePublicIpAddress", "")
            groups = t.ids(
                lid, "GroupSet", "those groups are not attached", raw.get("GroupSet"), f"{path}GroupSet"
            )
            t.b.interface(
                EniDecl(
                    t.b.synthetic_id("eni", f"{lid}.{index}"),
                    str(sid),
                    t.origin(lid),
                    _private_ips(t, lid, raw, path),
                    [],
                    groups or _default_group(t, str(sid)),
                    iid,
                    index,
                    t.bool_(t.prop(lid, "SourceDestCheck", ""), True),
                    t.bool_(public, t.b.map_public.get(str(sid), False)) if index == 0 else False,
                    f"network interface {index} of {lid}",
                )
            )
        return
    sid = t.prop(lid, "SubnetId", "the instance's interface is not modelled")
    if not sid:
        if "SubnetId" not in t.props(lid):
            t.b.warn(
                "DEFAULT_VPC",
                f"{lid} names no SubnetId: it launches in the account's default VPC, which the template does "
                "not declare; its interface is not modelled",
                t.origin(lid),
                iid,
            )
        return
    groups = t.ids(lid, "SecurityGroupIds", "those groups are not attached")
    for name in t.ids(lid, "SecurityGroups", "those groups are not attached"):
        match = [g.group_id for g in t.b.groups.values() if g.name == name or g.group_id == name]
        groups.append(match[0] if match else name)
    t.b.interface(
        EniDecl(
            t.b.synthetic_id("eni", lid),
            str(sid),
            t.origin(lid),
            _private_ips(t, lid, t.props(lid), ""),
            [],
            list(dict.fromkeys(groups)) or _default_group(t, str(sid)),
            iid,
            0,
            t.bool_(t.prop(lid, "SourceDestCheck", ""), True),
            t.b.map_public.get(str(sid), False),
            f"primary network interface of {lid}",
        )
    )


def interface_attachment(t: Template, lid: str) -> None:
    eni = t.prop(lid, "NetworkInterfaceId", "the attachment is not modelled")
    iid = t.prop(lid, "InstanceId", "the attachment is not modelled")
    if eni and iid:
        index = check_int(t.prop(lid, "DeviceIndex", "", 1), t.where(lid), "DeviceIndex")
        t.b.interface_attachment(str(eni), str(iid), index, t.origin(lid))


def peering(t: Template, lid: str) -> None:
    requester = t.prop(lid, "VpcId", "the peering is not modelled")
    accepter = t.prop(lid, "PeerVpcId", "the peering is not modelled")
    if not requester or not accepter:
        return
    owner = t.prop(lid, "PeerOwnerId", "")
    region = t.prop(lid, "PeerRegion", "")
    # within one account and region the stack's peering is accepted; otherwise the peer must accept it
    status = "active" if not owner and not region else "pending-acceptance"
    t.b.peering(
        t.ref_of(lid), str(requester), str(accepter), status, t.origin(lid), owner or None, region or None
    )


def flow_log(t: Template, lid: str) -> None:
    target = t.prop(lid, "ResourceId", "the flow log is not modelled")
    if not target:
        return
    item = {
        "TrafficType": str(t.prop(lid, "TrafficType", "", "ALL")).upper(),
        "LogDestinationType": t.prop(lid, "LogDestinationType", "", "cloud-watch-logs"),
        "LogDestination": t.prop(lid, "LogDestination", "") or t.prop(lid, "LogGroupName", "") or None,
        "LogFormat": t.prop(lid, "LogFormat", "") or None,
        "MaxAggregationInterval": t.prop(lid, "MaxAggregationInterval", "", 600),
    }
    t.b.flow_log(t.ref_of(lid), str(target), {k: v for k, v in item.items() if v is not None}, t.origin(lid))


Handler = Callable[[Template, str], None]

HANDLERS: tuple[tuple[str, Handler], ...] = (
    ("AWS::EC2::VPC", vpc),
    ("AWS::EC2::VPCCidrBlock", vpc_cidr),
    ("AWS::EC2::Subnet", subnet),
    ("AWS::EC2::SecurityGroup", security_group),
    ("AWS::EC2::SecurityGroupIngress", standalone_rule),
    ("AWS::EC2::SecurityGroupEgress", standalone_rule),
    ("AWS::EC2::NetworkAcl", network_acl),
    ("AWS::EC2::NetworkAclEntry", network_acl_entry),
    ("AWS::EC2::SubnetNetworkAclAssociation", acl_association),
    ("AWS::EC2::InternetGateway", internet_gateway),
    ("AWS::EC2::VPCGatewayAttachment", gateway_attachment),
    ("AWS::EC2::EgressOnlyInternetGateway", egress_only_gateway),
    ("AWS::EC2::EIP", eip),
    ("AWS::EC2::NatGateway", nat_gateway),
    ("AWS::EC2::RouteTable", route_table),
    ("AWS::EC2::Route", route),
    ("AWS::EC2::SubnetRouteTableAssociation", route_association),
    ("AWS::EC2::GatewayRouteTableAssociation", route_association),
    ("AWS::EC2::VPCPeeringConnection", peering),
    ("AWS::EC2::NetworkInterface", network_interface),
    ("AWS::EC2::Instance", instance),
    ("AWS::EC2::NetworkInterfaceAttachment", interface_attachment),
    ("AWS::EC2::EIPAssociation", eip_association),
    ("AWS::EC2::FlowLog", flow_log),
)

__all__ = ["HANDLERS", "Template", "slug"]
