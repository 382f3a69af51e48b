"""VPC endpoints (``describe-vpc-endpoints``): gateway endpoints (S3, DynamoDB) are route targets with a
prefix list; interface endpoints are ENIs with the endpoint's security groups; Gateway Load Balancer
endpoints are route targets that hand packets to a load balancer.
https://docs.aws.amazon.com/vpc/latest/privatelink/concepts.html

The endpoint policy is IAM authorization, not packet filtering: it is kept as text for reports only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

Tags = tuple[tuple[str, str], ...]


class EndpointType(Enum):
    """``VpcEndpointType`` (botocore: Interface, Gateway, GatewayLoadBalancer, Resource, ServiceNetwork)."""

    INTERFACE = "Interface"
    GATEWAY = "Gateway"
    GATEWAY_LOAD_BALANCER = "GatewayLoadBalancer"
    RESOURCE = "Resource"
    SERVICE_NETWORK = "ServiceNetwork"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, text: str) -> EndpointType:
        folded = text.strip().lower()
        for member in cls:
            if member.value.lower() == folded:
                return member
        return cls.UNKNOWN


@dataclass(frozen=True, slots=True)
class VpcEndpoint:
    vpc_endpoint_id: str
    endpoint_type: EndpointType
    vpc_id: str
    # lowercase: real dumps say "available", botocore's enum says "Available"
    state: str
    service_name: str | None = None
    route_table_ids: tuple[str, ...] = ()
    subnet_ids: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()
    network_interface_ids: tuple[str, ...] = ()
    policy_document: str | None = None
    private_dns_enabled: bool = False
    owner_id: str | None = None
    region: str | None = None
    tags: Tags = ()

    @property
    def available(self) -> bool:
        return self.state == "available"

    @property
    def service_suffix(self) -> str | None:
        """``s3``, ``dynamodb``, ... — the last part of ``com.amazonaws.<region>.<service>``."""
        if not self.service_name:
            return None
        return self.service_name.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class VpcEndpointServiceConfiguration:
    """An endpoint service as its provider describes it (``describe-vpc-endpoint-service-configurations``):
    which load balancers serve it — Gateway Load Balancers for a ``GatewayLoadBalancer`` service, Network
    Load Balancers for a PrivateLink one — and in which Availability Zones it is offered.
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ServiceConfiguration.html

    The provider's account holds this configuration; a consumer's snapshot usually has only the endpoint
    (``VpcEndpoint.service_name``), and then which load balancer serves it is unknown."""

    service_id: str
    service_name: str | None
    service_types: tuple[str, ...]  # "Interface" | "Gateway" | "GatewayLoadBalancer"
    # lowercase: Pending | Available | Deleting | Deleted | Failed
    state: str
    availability_zones: tuple[str, ...] = ()
    gateway_load_balancer_arns: tuple[str, ...] = ()
    network_load_balancer_arns: tuple[str, ...] = ()
    acceptance_required: bool = False
    owner_id: str | None = None
    region: str | None = None
    tags: Tags = ()

    @property
    def available(self) -> bool:
        return self.state == "available"
