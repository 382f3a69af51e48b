"""Terraform plan and state JSON (``terraform show -json``) and HCL files → the describe-* document the
same network gives once applied. One handler per resource type (``HANDLERS``); every other managed
resource is counted as not modelled, and the security groups it attaches are marked used."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vpcflow.sources.iac.builder import DescribeBuilder
from vpcflow.sources.terraform import compute, filters, network
from vpcflow.sources.terraform.plan import Instance, TfDocument, read
from vpcflow.sources.terraform.reader import Reader

Handler = Callable[[Reader, Instance], None]

# In dependency order: what a later handler looks up (subnets for an instance's VPC, groups by name)
# is built first.
HANDLERS: tuple[tuple[str, Handler], ...] = (
    ("aws_vpc", network.vpc),
    ("aws_vpc_ipv4_cidr_block_association", network.vpc_cidr_association),
    ("aws_vpc_ipv6_cidr_block_association", network.vpc_cidr_association),
    ("aws_subnet", network.subnet),
    ("aws_security_group", filters.security_group),
    ("aws_default_security_group", filters.default_security_group),
    ("aws_security_group_rule", filters.security_group_rule),
    ("aws_vpc_security_group_ingress_rule", filters.vpc_security_group_rule),
    ("aws_vpc_security_group_egress_rule", filters.vpc_security_group_rule),
    ("aws_network_acl", filters.network_acl),
    ("aws_default_network_acl", filters.default_network_acl),
    ("aws_network_acl_rule", filters.network_acl_rule),
    ("aws_network_acl_association", filters.network_acl_association),
    ("aws_internet_gateway", network.internet_gateway),
    ("aws_internet_gateway_attachment", network.internet_gateway_attachment),
    ("aws_egress_only_internet_gateway", network.egress_only_gateway),
    ("aws_eip", compute.eip),
    ("aws_nat_gateway", network.nat_gateway),
    ("aws_route_table", network.route_table),
    ("aws_default_route_table", network.default_route_table),
    ("aws_route", network.route),
    ("aws_route_table_association", network.route_table_association),
    ("aws_main_route_table_association", network.main_route_table_association),
    ("aws_vpc_peering_connection", network.peering),
    ("aws_vpc_peering_connection_accepter", network.peering_accepter),
    ("aws_network_interface", compute.network_interface),
    ("aws_instance", compute.instance),
    ("aws_network_interface_attachment", compute.interface_attachment),
    ("aws_network_interface_sg_attachment", compute.interface_group),
    ("aws_eip_association", compute.eip_association),
    ("aws_flow_log", network.flow_log),
)
MODELLED_TYPES = frozenset(t for t, _h in HANDLERS)


def build(doc: TfDocument) -> DescribeBuilder:
    """Every instance of the document through its handler, in dependency order."""
    builder = DescribeBuilder(doc.file, doc.kind)
    reader = Reader(doc, builder)
    order = {t: i for i, (t, _h) in enumerate(HANDLERS)}
    handlers = dict(HANDLERS)
    for inst in sorted(doc.instances, key=lambda i: order.get(i.type, len(order))):
        handler = handlers.get(inst.type)
        if handler is not None:
            handler(reader, inst)
        elif inst.type.startswith("aws_"):
            compute.attacher(reader, inst)
    return builder


def build_json(doc: dict[str, Any], file: str, text: str) -> DescribeBuilder:
    """A ``terraform show -json`` plan or state → the builder holding its network."""
    return build(read(doc, file, text))


__all__ = ["HANDLERS", "MODELLED_TYPES", "build", "build_json"]
