"""Every VPC Flow Logs field: the version that introduced it and its Parquet type. One table for the
parser, the store schema and the simulator.

Source: https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html (aws-semantics.md §4.2).
"""

from __future__ import annotations

DEFAULT_FIELDS: tuple[str, ...] = (
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
)

# field → (version, parquet type: "int32" | "int64" | "string")
FIELDS: dict[str, tuple[int, str]] = {
    "version": (2, "int32"),
    "account-id": (2, "string"),
    "interface-id": (2, "string"),
    "srcaddr": (2, "string"),
    "dstaddr": (2, "string"),
    "srcport": (2, "int32"),
    "dstport": (2, "int32"),
    "protocol": (2, "int32"),
    "packets": (2, "int64"),
    "bytes": (2, "int64"),
    "start": (2, "int64"),
    "end": (2, "int64"),
    "action": (2, "string"),
    "log-status": (2, "string"),
    "vpc-id": (3, "string"),
    "subnet-id": (3, "string"),
    "instance-id": (3, "string"),
    "tcp-flags": (3, "int32"),
    "type": (3, "string"),
    "pkt-srcaddr": (3, "string"),
    "pkt-dstaddr": (3, "string"),
    "region": (4, "string"),
    "az-id": (4, "string"),
    "sublocation-type": (4, "string"),
    "sublocation-id": (4, "string"),
    "pkt-src-aws-service": (5, "string"),
    "pkt-dst-aws-service": (5, "string"),
    "flow-direction": (5, "string"),
    "traffic-path": (5, "int32"),
    "ecs-cluster-arn": (7, "string"),
    "ecs-cluster-name": (7, "string"),
    "ecs-container-instance-arn": (7, "string"),
    "ecs-container-instance-id": (7, "string"),
    "ecs-container-id": (7, "string"),
    "ecs-second-container-id": (7, "string"),
    "ecs-service-name": (7, "string"),
    "ecs-task-definition-arn": (7, "string"),
    "ecs-task-arn": (7, "string"),
    "ecs-task-id": (7, "string"),
    "reject-reason": (8, "string"),
    # version not published by AWS (aws-semantics.md §6): treated as the newest
    "resource-id": (8, "string"),
    "encryption-status": (8, "string"),
    # Transit Gateway Flow Logs (version 6) share the delivery and the record syntax:
    # https://docs.aws.amazon.com/vpc/latest/tgw/tgw-flow-logs.html
    "resource-type": (6, "string"),
    "tgw-id": (6, "string"),
    "tgw-attachment-id": (6, "string"),
    "tgw-src-vpc-account-id": (6, "string"),
    "tgw-dst-vpc-account-id": (6, "string"),
    "tgw-src-vpc-id": (6, "string"),
    "tgw-dst-vpc-id": (6, "string"),
    "tgw-src-subnet-id": (6, "string"),
    "tgw-dst-subnet-id": (6, "string"),
    "tgw-src-eni": (6, "string"),
    "tgw-dst-eni": (6, "string"),
    "tgw-src-az-id": (6, "string"),
    "tgw-dst-az-id": (6, "string"),
    "tgw-pair-attachment-id": (6, "string"),
    "packets-lost-no-route": (6, "int64"),
    "packets-lost-blackhole": (6, "int64"),
    "packets-lost-mtu-exceeded": (6, "int64"),
    "packets-lost-ttl-expired": (6, "int64"),
}

# fields the simulator can fill in (the rest it writes as "-")
SIMULATED = frozenset(list(FIELDS)[:29])


def column(field: str) -> str:
    """Store column name: ``srcaddr`` → ``srcaddr``, ``log-status`` → ``log_status``."""
    return field.replace("-", "_")


def format_version(fields: tuple[str, ...]) -> int:
    """A custom format's version is the highest version among its fields."""
    return max(FIELDS[f][0] for f in fields)


def parse_fields(text: str | None) -> tuple[str, ...]:
    """``--fields "version interface-id ..."`` (spaces or commas, ``${...}`` accepted) → field names."""
    if not text:
        return DEFAULT_FIELDS
    names = [t.strip().removeprefix("${").removesuffix("}") for t in text.replace(",", " ").split()]
    unknown = [n for n in names if n not in FIELDS]
    if unknown:
        raise ValueError(f"unknown or unsupported flow-log field(s): {', '.join(unknown)}")
    if not names:
        raise ValueError("no fields given")
    return tuple(names)
