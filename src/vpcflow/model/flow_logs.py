"""Flow-log configurations (describe-flow-logs, ``aws_flow_log``, ``AWS::EC2::FlowLog``): which VPC,
subnet or interface is logged, and what. The records themselves live in ``vpcflow.flowlogs``."""

from __future__ import annotations

from dataclasses import dataclass

# ResourceId prefixes → the resource type describe-flow-logs implies
_TYPES = (
    ("vpc-", "VPC"),
    ("subnet-", "Subnet"),
    ("eni-", "NetworkInterface"),
    ("tgw-attach-", "TransitGatewayAttachment"),
    ("tgw-", "TransitGateway"),
)


def flow_log_resource_type(resource_id: str) -> str | None:
    for prefix, kind in _TYPES:
        if resource_id.startswith(prefix):
            return kind
    return None


@dataclass(frozen=True, slots=True)
class FlowLog:
    """One flow log. ``traffic_type`` is ``ACCEPT``, ``REJECT`` or ``ALL``; ``status`` is AWS's
    ``FlowLogStatus`` (``ACTIVE`` for a planned or templated one).
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_FlowLog.html"""

    flow_log_id: str
    resource_id: str
    traffic_type: str
    status: str = "ACTIVE"
    resource_type: str | None = None
    log_destination_type: str | None = None
    log_destination: str | None = None
    log_format: str | None = None
    max_aggregation_interval: int | None = None
    deliver_logs_status: str | None = None
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE"
