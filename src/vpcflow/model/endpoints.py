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
