"""Routes to a network interface or an instance (middleboxes, NAT instances), pure.

https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html: a route may send traffic to an
ENI or an instance, including routes more specific than ``local`` (middlebox routing). The interface
forwards traffic not addressed to it only with source/destination check disabled
(``ENI_SOURCE_DEST_CHECK_RESTRICTION``); its security groups filter what enters and leaves it. What the
instance's operating system does with the packet (forwarding, filtering, address translation) is not in
any describe call: vpcflow assumes it forwards the packet unchanged, says so in the answer, and treats
address translation (a NAT instance) as UNKNOWN (``UNSUPPORTED_NAT_INSTANCE``): there is no option yet to
assume one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from vpcflow.model import NetworkInterface, Route, RouteTarget, Snapshot

FORWARDING_ASSUMPTION = (
    "the instance forwards the packet unchanged (its operating system is not in the snapshot)"
)


class ApplianceOutcome(Enum):
    FORWARD = "forward"
    DROP = "drop"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ApplianceDecision:
    outcome: ApplianceOutcome
    code: str | None
    detail: str
    eni: NetworkInterface | None = None


def appliance_for(snapshot: Snapshot, route: Route) -> ApplianceDecision:
    """The interface a route to an ENI or instance hands the packet to, and whether it can forward."""
    tid = route.target_id or ""
    eni: NetworkInterface | None = None
    if route.target is RouteTarget.NETWORK_INTERFACE or tid.startswith("eni-"):
        eni = snapshot.interfaces.get(tid)
        if eni is None:
            return ApplianceDecision(
                ApplianceOutcome.UNKNOWN,
                "UNKNOWN_RESOURCE",
                f"network interface {tid} is not in the snapshot",
            )
    elif route.target is RouteTarget.INSTANCE:
        inst = snapshot.instances.get(tid)
        if inst is None:
            return ApplianceDecision(
                ApplianceOutcome.UNKNOWN, "UNKNOWN_RESOURCE", f"instance {tid} is not in the snapshot"
            )
        enis = [snapshot.interfaces[e] for e in inst.eni_ids if e in snapshot.interfaces]
        if len(enis) != 1:
            return ApplianceDecision(
                ApplianceOutcome.UNKNOWN,
                "UNKNOWN_RESOURCE",
                f"route to {tid} names no network interface and the instance has {len(enis)}",
            )
        eni = enis[0]
    else:
        return ApplianceDecision(
            ApplianceOutcome.UNKNOWN, "UNSUPPORTED_ROUTE_TARGET", f"{tid} is not an appliance"
        )
    if eni.instance_id is not None:
        inst = snapshot.instances.get(eni.instance_id)
        if inst is not None and inst.state.lower() != "running":
            return ApplianceDecision(
                ApplianceOutcome.DROP,
                "BAD_STATE",
                f"instance {inst.instance_id} of {eni.eni_id} is {inst.state}",
                eni,
            )
    elif eni.interface_type in ("interface", "") and not eni.requester_managed:
        return ApplianceDecision(
            ApplianceOutcome.DROP,
            "BAD_STATE",
            f"{eni.eni_id} is attached to no instance: nothing forwards the packet",
            eni,
        )
    if eni.source_dest_check:
        # https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html (disable source/dest check)
        return ApplianceDecision(
            ApplianceOutcome.DROP,
            "ENI_SOURCE_DEST_CHECK_RESTRICTION",
            f"{eni.eni_id} has source/destination check enabled: it drops traffic not addressed to it",
            eni,
        )
    return ApplianceDecision(ApplianceOutcome.FORWARD, None, f"forwarded by {eni.eni_id}", eni)


def needs_translation(
    source_is_appliance: bool, source_has_public_ip: bool, to_internet_gateway: bool
) -> bool:
    """Whether a packet an appliance forwards would only get through if the appliance translated its
    source (a NAT instance): it leaves by an internet gateway with a private source that has no public
    address of its own."""
    return to_internet_gateway and not source_is_appliance and not source_has_public_ip
