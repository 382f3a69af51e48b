"""Where a resource of the snapshot was declared: a Terraform address or a CloudFormation logical id,
with the file and line when the source has them.

``Snapshot.origins`` maps keys to ``Origin`` values. A key is a resource id (``sg-…``, ``subnet-…``,
``i-…``, ``fl-…``), or, for the parts of a resource that can be declared on their own, the key that
``rule_key`` / ``entry_key`` / ``route_key`` give (a standalone ``aws_security_group_rule``, an
``AWS::EC2::NetworkAclEntry``, an ``aws_route``), or the address of a resource outside the packet model
that attaches a security group (``Snapshot.group_attachers``). A describe-JSON snapshot has no origins.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpcflow.model.filters import NetworkAclEntry, SecurityGroupRule
from vpcflow.model.topology import Route

TERRAFORM_PLAN = "terraform-plan"
TERRAFORM_STATE = "terraform-state"
TERRAFORM_HCL = "terraform-hcl"
CLOUDFORMATION = "cloudformation"


@dataclass(frozen=True, slots=True)
class Origin:
    """One declaration in infrastructure-as-code.

    ``kind`` is ``terraform-plan``, ``terraform-state``, ``terraform-hcl`` or ``cloudformation``;
    ``address`` the Terraform address with its module path and index (``module.sg["a"].aws_security_group.x``,
    ``aws_subnet.public[0]``) or the CloudFormation logical id; ``resource_type`` the Terraform type or the
    CloudFormation ``Type``; ``file``/``line`` where the declaration starts (1-based), when known;
    ``implicit`` marks objects AWS creates on its own (a VPC's default security group, default network
    ACL and main route table), whose address is the VPC's with a suffix (``aws_vpc.main:default-sg``).
    """

    kind: str
    address: str
    resource_type: str | None = None
    file: str | None = None
    line: int | None = None
    implicit: bool = False

    @property
    def location(self) -> str | None:
        """``file:line``, or the file alone, or None."""
        if self.file is None:
            return None
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def __str__(self) -> str:
        where = self.location
        return f"{self.address} ({where})" if where else self.address


def rule_key(rule: SecurityGroupRule) -> str:
    """Origins key of one security group rule: ``sg-…/ingress/3`` (its permission index)."""
    return f"{rule.group_id}/{rule.direction.value}/{rule.permission_index}"


def entry_key(entry: NetworkAclEntry) -> str:
    """Origins key of one network ACL entry: ``acl-…/egress/100``."""
    return f"{entry.acl_id}/{entry.direction.value}/{entry.rule_number}"


def route_key(route_table_id: str, route: Route) -> str:
    """Origins key of one route: ``rtb-…/0.0.0.0/0`` (or the prefix list id)."""
    return f"{route_table_id}/{route.destination_text}"
