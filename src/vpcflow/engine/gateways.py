"""The gateways of the packet walk: internet gateway (1:1 NAT, hairpin), egress-only internet gateway,
NAT gateway (source NAT, port remapping, reverse translation), VPC peering, and the internet itself.

A mixin of ``LegWalker`` (``path.py``), which provides the filters, routing and bookkeeping it calls.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from vpcflow.engine.packets import NAT_PORTS, Arrival, EniEvent, NatSession, Packet, Session
from vpcflow.engine.result import Hop, HopAction, HopKind
from vpcflow.model import (
    ICMP,
    TCP,
    UDP,
    Address,
    Direction,
    NatGateway,
    NetworkInterface,
    Route,
    Snapshot,
    Subnet,
)


class GatewayHops:
    if TYPE_CHECKING:  # provided by LegWalker
        s: Snapshot
        session: Session
        reply: bool
        hops: list[Hop]
        port_space: str
        _egress_event: EniEvent | None
        _ingress_event: EniEvent | None

        def _drop(
            self,
            kind: HopKind,
            id_: str | None,
            code: str,
            detail: str,
            rule: Route | None = None,
            direction: Direction | None = None,
        ) -> None: ...

        def _event(self, eni: NetworkInterface, direction: str, pkt: Packet) -> EniEvent: ...

        def _leave_subnet(self, subnet: Subnet, pkt: Packet) -> Packet | None: ...

        def _enter_subnet(self, subnet: Subnet, pkt: Packet) -> Packet | None: ...

        def _into_subnet(
            self, from_sub: Subnet | None, target_sub: Subnet, pkt: Packet
        ) -> Arrival | None: ...

        def route_from(
            self, subnet: Subnet, pkt: Packet, origin: NetworkInterface | NatGateway | None
        ) -> Arrival | None: ...

    def _nat_by_private(self, vpc_id: str, address: Address) -> NatGateway | None:
        for nat in self.s.nat_gateways.values():
            if nat.vpc_id == vpc_id and nat.private_ip == address:
                return nat
        return None

    def _igw_of(self, vpc_id: str, egress_only: bool) -> str | None:
        for igw in self.s.internet_gateways.values():
            if igw.egress_only == egress_only and vpc_id in igw.vpc_ids:
                return igw.igw_id
        return None

    # -- gateways ------------------------------------------------------------------------------

    def _to_igw(
        self,
        subnet: Subnet,
        pkt: Packet,
        route: Route,
        origin: NetworkInterface | NatGateway | None,
    ) -> Arrival | None:
        igw_id = route.target_id
        igw = self.s.internet_gateways.get(igw_id or "")
        if igw is None or subnet.vpc_id not in igw.vpc_ids:
            self._drop(
                HopKind.INTERNET_GATEWAY,
                igw_id,
                "BAD_STATE_ATTACHMENT",
                f"internet gateway {igw_id} is not attached to {subnet.vpc_id}",
            )
            return None
        public = self._public_of(origin, pkt.src) if pkt.src.version == 4 else None
        cur = self._leave_subnet(subnet, pkt)
        if cur is None:
            return None
        if pkt.src.version == 4 and public is None:
            # https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html
            self._drop(
                HopKind.INTERNET_GATEWAY,
                igw_id,
                "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
                f"{pkt.src} has no public IPv4 or Elastic IP; the internet gateway cannot translate it",
            )
            return None
        if pkt.dst.is_private:
            self._drop(
                HopKind.INTERNET_GATEWAY,
                igw_id,
                "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS",
                f"{pkt.dst} is a private address; an internet gateway does not route it",
            )
            return None
        new_src = public if public is not None else pkt.src
        detail = f"source {pkt.src} → {new_src}" if new_src != pkt.src else "IPv6, no translation"
        self.hops.append(
            Hop(HopKind.INTERNET_GATEWAY, igw_id, Direction.EGRESS, HopAction.FORWARD, None, detail)
        )
        return self.from_internet(replace(cur, src=new_src))

    def _public_of(self, origin: NetworkInterface | NatGateway | None, private: Address) -> Address | None:
        if isinstance(origin, NetworkInterface):
            return origin.public_for(private)
        if isinstance(origin, NatGateway):
            return origin.public_ip if origin.connectivity == "public" else None
        return None

    def _to_eigw(self, subnet: Subnet, pkt: Packet, route: Route) -> Arrival | None:
        if pkt.dst.version != 6:
            self._drop(
                HopKind.EGRESS_ONLY_INTERNET_GATEWAY,
                route.target_id,
                "CANNOT_ROUTE",
                "an egress-only internet gateway carries IPv6 only",
                rule=route,
            )
            return None
        cur = self._leave_subnet(subnet, pkt)
        if cur is None:
            return None
        self.session.eigw_vpcs.add(subnet.vpc_id)
        self.hops.append(
            Hop(
                HopKind.EGRESS_ONLY_INTERNET_GATEWAY,
                route.target_id,
                Direction.EGRESS,
                HopAction.FORWARD,
            )
        )
        return self.from_internet(cur)

    def _to_nat(self, subnet: Subnet, pkt: Packet, route: Route) -> Arrival | None:
        nat = self.s.nat_gateways.get(route.target_id or "")
        if nat is None or nat.state != "available":
            self._drop(
                HopKind.NAT_GATEWAY,
                route.target_id,
                "BAD_STATE",
                f"NAT gateway {route.target_id} is "
                + ("not in the snapshot" if nat is None else f"in state {nat.state}"),
                rule=route,
            )
            return None
        if self.reply and nat.nat_id not in self.session.nat:
            # A response sent through a NAT gateway gets a new source address: the client drops it.
            self._drop(
                HopKind.NAT_GATEWAY,
                nat.nat_id,
                "ASYMMETRIC_RETURN_PATH",
                "the response is routed through a NAT gateway that did not carry the request",
            )
            return None
        nat_sub = self.s.subnets.get(nat.subnet_id)
        if nat_sub is None:
            self._drop(HopKind.NAT_GATEWAY, nat.nat_id, "BAD_STATE", "NAT subnet not in snapshot")
            return None
        nat_eni = self.s.interfaces.get(nat.eni_id or "")
        cur = pkt
        crossing = nat_sub.subnet_id != subnet.subnet_id
        if crossing:
            left = self._leave_subnet(subnet, pkt)
            if left is None:
                return None
            cur = left
        if nat_eni is not None:
            self._ingress_event = self._event(nat_eni, "ingress", cur)
        if crossing:
            entered = self._enter_subnet(nat_sub, cur)
            if entered is None:
                return None
            cur = entered
        self._ingress_event = None
        if cur.protocol not in (TCP, UDP, ICMP):
            # https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html
            self._drop(
                HopKind.NAT_GATEWAY,
                nat.nat_id,
                "PROTOCOL_RESTRICTION",
                "NAT gateways translate TCP, UDP and ICMP only",
            )
            return None
        if nat.private_ip is None:
            self._drop(HopKind.NAT_GATEWAY, nat.nat_id, "BAD_STATE", "NAT has no private IP")
            return None
        nat_ports = NAT_PORTS if cur.protocol in (TCP, UDP) else cur.sports
        self.session.nat[nat.nat_id] = NatSession(nat, cur.src, cur.sports, nat_ports)
        self.hops.append(
            Hop(
                HopKind.NAT_GATEWAY,
                nat.nat_id,
                None,
                HopAction.FORWARD,
                None,
                f"source {cur.src} → {nat.private_ip}, ports remapped into {nat_ports}",
            )
        )
        translated = replace(cur, src=nat.private_ip, sports=nat_ports)
        if nat_eni is not None:
            self._egress_event = self._event(nat_eni, "egress", translated)
        return self.route_from(nat_sub, translated, nat)

    def _at_nat_private(self, nat: NatGateway, pkt: Packet) -> Arrival | None:
        """A packet addressed to the NAT gateway's private IP: only responses it expects pass."""
        ses = self.session.nat.get(nat.nat_id)
        nat_eni = self.s.interfaces.get(nat.eni_id or "")
        if not self.reply or ses is None:
            self._drop(
                HopKind.NAT_GATEWAY,
                nat.nat_id,
                "NGW_UNSOLICITED_INBOUND",
                "a NAT gateway drops inbound traffic that is not a response to a connection it made",
            )
            return None
        return self._nat_reverse(nat, ses, pkt, nat_eni)

    def _nat_reverse(
        self, nat: NatGateway, ses: NatSession, pkt: Packet, nat_eni: NetworkInterface | None
    ) -> Arrival | None:
        self.hops.append(
            Hop(
                HopKind.NAT_GATEWAY,
                nat.nat_id,
                None,
                HopAction.FORWARD,
                None,
                f"destination {pkt.dst} → {ses.client} (reverse translation)",
            )
        )
        self.port_space = "client"
        back = replace(pkt, dst=ses.client, dports=ses.client_ports)
        if nat_eni is not None:
            self._egress_event = self._event(nat_eni, "egress", back)
        nat_sub = self.s.subnets[nat.subnet_id]
        return self.route_from(nat_sub, back, nat)

    def _to_peering(self, subnet: Subnet, pkt: Packet, route: Route) -> Arrival | None:
        pcx = self.s.peerings.get(route.target_id or "")
        if pcx is None or not pcx.active:
            self._drop(
                HopKind.VPC_PEERING,
                route.target_id,
                "BAD_STATE",
                f"peering {route.target_id} is "
                + ("not in the snapshot" if pcx is None else f"{pcx.status}"),
                rule=route,
            )
            return None
        other = pcx.other_side(subnet.vpc_id)
        peer_cidrs = pcx.accepter_cidrs if other == pcx.accepter_vpc_id else pcx.requester_cidrs
        vpc = self.s.vpcs.get(other or "")
        if vpc is not None:
            peer_cidrs = peer_cidrs or vpc.cidrs
        if other is None or not any(pkt.dst in c for c in peer_cidrs):
            self._drop(
                HopKind.VPC_PEERING,
                pcx.pcx_id,
                "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR",
                f"{pkt.dst} is not in the peer VPC's CIDRs",
            )
            return None
        target_sub = self.s.subnet_of_address(other, pkt.dst)
        if target_sub is None:
            cur = self._leave_subnet(subnet, pkt)
            if cur is None:
                return None
            self._drop(
                HopKind.VPC_PEERING,
                pcx.pcx_id,
                "NO_ROUTE_TO_DESTINATION",
                f"{pkt.dst} is in no subnet of {other} (or {other} is not in the snapshot)",
            )
            return None
        cur = self._leave_subnet(subnet, pkt)
        if cur is None:
            return None
        self.hops.append(Hop(HopKind.VPC_PEERING, pcx.pcx_id, None, HopAction.FORWARD))
        return self._into_subnet(None, target_sub, cur)

    # -- outside the VPCs ----------------------------------------------------------------------

    def from_internet(self, pkt: Packet) -> Arrival | None:
        """A packet on the internet: back into a VPC through an IGW, or delivered outside."""
        hit = self.s.eni_by_public_ip.get(pkt.dst)
        if hit is not None and self.s.interfaces[hit[0]].interface_type != "nat_gateway":
            eni = self.s.interfaces[hit[0]]
            return self._igw_in(
                eni.vpc_id, pkt, replace(pkt, dst=hit[1]), f"destination {pkt.dst} → {hit[1]}"
            )
        for nat in self.s.nat_gateways.values():
            if nat.public_ip == pkt.dst:
                igw = self._igw_of(nat.vpc_id, egress_only=False)
                if igw is None:
                    self._drop(
                        HopKind.INTERNET_GATEWAY,
                        None,
                        "NO_ATTACHED_INTERNET_GATEWAY",
                        f"{nat.vpc_id} has no internet gateway",
                    )
                    return None
                ses = self.session.nat.get(nat.nat_id)
                if not self.reply or ses is None or nat.private_ip is None:
                    self._drop(
                        HopKind.NAT_GATEWAY,
                        nat.nat_id,
                        "NGW_UNSOLICITED_INBOUND",
                        "a NAT gateway drops inbound traffic that is not a response",
                    )
                    return None
                self.hops.append(
                    Hop(
                        HopKind.INTERNET_GATEWAY,
                        igw,
                        Direction.INGRESS,
                        HopAction.FORWARD,
                        None,
                        f"destination {pkt.dst} → {nat.private_ip}",
                    )
                )
                self.port_space = "nat"
                inner = replace(pkt, dst=nat.private_ip)
                nat_eni = self.s.interfaces.get(nat.eni_id or "")
                if nat_eni is not None:
                    self._ingress_event = self._event(nat_eni, "ingress", inner)
                cur = self._enter_subnet(self.s.subnets[nat.subnet_id], inner)
                self._ingress_event = None
                if cur is None:
                    return None
                return self._nat_reverse(nat, ses, cur, nat_eni)
        if pkt.dst.version == 6:
            vpc = self.s.vpc_of_address(pkt.dst)
            if vpc is not None:
                return self._igw_in(vpc.vpc_id, pkt, pkt, "IPv6, no translation")
        vpc = self.s.vpc_of_address(pkt.dst)
        if vpc is not None or pkt.dst.is_private:
            where = f" of {vpc.vpc_id}" if vpc else ""
            self._drop(
                HopKind.INTERNET,
                None,
                "NO_ROUTE_TO_DESTINATION",
                f"{pkt.dst} is a private address{where}; it cannot be reached from the internet",
            )
            return None
        self.hops.append(Hop(HopKind.INTERNET, None, None, HopAction.FORWARD, None, f"to {pkt.dst}"))
        return Arrival("internet", pkt)

    def _igw_in(self, vpc_id: str, outer: Packet, inner: Packet, detail: str) -> Arrival | None:
        igw = self._igw_of(vpc_id, egress_only=False)
        if igw is None:
            if inner.dst.version == 6 and self.reply and vpc_id in self.session.eigw_vpcs:
                eigw = self._igw_of(vpc_id, egress_only=True)
                self.hops.append(
                    Hop(
                        HopKind.EGRESS_ONLY_INTERNET_GATEWAY,
                        eigw,
                        Direction.INGRESS,
                        HopAction.FORWARD,
                        None,
                        "response to an outbound IPv6 connection",
                    )
                )
            else:
                code = "NO_ATTACHED_INTERNET_GATEWAY"
                why = f"{vpc_id} has no internet gateway attached"
                if self._igw_of(vpc_id, egress_only=True) is not None and inner.dst.version == 6:
                    why = f"{vpc_id} has only an egress-only internet gateway: inbound IPv6 is dropped"
                self._drop(HopKind.INTERNET_GATEWAY, None, code, why)
                return None
        else:
            self.hops.append(
                Hop(
                    HopKind.INTERNET_GATEWAY,
                    igw,
                    Direction.INGRESS,
                    HopAction.FORWARD,
                    None,
                    detail,
                )
            )
        target_sub = self.s.subnet_of_address(vpc_id, inner.dst)
        if target_sub is None:
            self._drop(
                HopKind.INTERNET_GATEWAY,
                igw,
                "NO_ROUTE_TO_DESTINATION",
                f"{inner.dst} is in no subnet of {vpc_id}",
            )
            return None
        return self._into_subnet(None, target_sub, inner)
