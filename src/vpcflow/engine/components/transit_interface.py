"""A transit gateway attachment's interface (``InterfaceType`` ``transit_gateway``): the gateway's foot in
a subnet. It carries packets (``components.transit_gateway``) but is never an endpoint: nothing answers
at its address and it sends nothing of its own.
https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html
"""

from __future__ import annotations

from vpcflow.engine.components.base import Drop, Landing, Step, Walk
from vpcflow.engine.packets import Packet
from vpcflow.engine.result import HopKind
from vpcflow.model import NetworkInterface


class TransitInterface:
    logs_arrival = False

    def send(self, walk: Walk, eni: NetworkInterface, pkt: Packet) -> Step:
        return Drop(
            HopKind.TRANSIT_GATEWAY_ATTACHMENT,
            eni.eni_id,
            "UNSUPPORTED_COMPONENT",
            f"{eni.eni_id} is a transit gateway attachment's interface: it opens no connection",
        )

    def receive(self, walk: Walk, at: Landing) -> Step:
        walk.settle_ingress()
        return Drop(
            HopKind.TRANSIT_GATEWAY_ATTACHMENT,
            at.eni.eni_id if at.eni else None,
            "UNKNOWN_DESTINATION",
            f"{at.pkt.dst} is a transit gateway attachment's interface: nothing answers there",
        )


INTERFACE = TransitInterface()
