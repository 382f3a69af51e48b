"""Synthetic but consistent flow logs: every record is what the engine says AWS would write.

Each connection is traced (cached per source, destination, service and the client-port class that decides
its fate), and the trace's flow-log records are re-stamped with the connection's own client port, time,
packet and byte counts and TCP flags. REJECT records therefore appear exactly where the configuration
rejects, including the return-path ephemeral-port trap.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterator
from dataclasses import dataclass

from vpcflow.engine import Engine, FlowLogRecord, Trace, Verdict
from vpcflow.errors import QueryError
from vpcflow.model import EPHEMERAL_PRESETS, ICMP, ICMPV6, TCP, Address, PortRange, Snapshot
from vpcflow.simulate.profile import FlowSpec, Profile, ScanSpec

# one output row: field name → value (None = "-")
Row = dict[str, int | str | None]

_TCP_SYN, _TCP_FIN, _TCP_SYNACK, _TCP_RST = 2, 1, 18, 4


@dataclass(frozen=True)
class Connection:
    t: float
    src: str
    dst: str
    protocol: str
    port: int | None
    client_port: int
    client_range: PortRange
    duration: float
    response_bytes: int
    scan: bool = False


def _public_pool(rng: random.Random, n: int, snapshot: Snapshot) -> list[str]:
    """Random routable IPv4 hosts outside every VPC (the 'internet' clients)."""
    out: list[str] = []
    while len(out) < n:
        value = rng.randint(0x01000000, 0xDFFFFFFF)
        ip = ipaddress.IPv4Address(value)
        if ip.is_private or ip.is_reserved or ip.is_loopback or ip.is_multicast or ip.is_link_local:
            continue
        if snapshot.vpc_of_address(Address(4, value)) is not None:
            continue
        if Address(4, value) in snapshot.eni_by_public_ip:
            continue
        out.append(str(ip))
    return out


def _sources(rng: random.Random, spec: FlowSpec, snapshot: Snapshot) -> list[str]:
    if spec.src == "internet":
        return _public_pool(rng, max(1, spec.clients), snapshot)
    if "/" in spec.src:
        net = ipaddress.ip_network(spec.src, strict=False)
        size = net.num_addresses
        return [str(net.network_address + rng.randrange(size)) for _ in range(max(1, spec.clients))]
    return [spec.src]


def _arrivals(rng: random.Random, per_second: float, start: float, stop: float) -> Iterator[float]:
    t = start
    if per_second <= 0:
        return
    while True:
        t += rng.expovariate(per_second)
        if t >= stop:
            return
        yield t


def _client_range(rng: random.Random, os_: str) -> PortRange:
    if os_ == "mixed":
        os_ = rng.choice(("linux", "linux", "windows"))
    return EPHEMERAL_PRESETS[os_]


class Simulator:
    def __init__(
        self, snapshot: Snapshot, profile: Profile, *, seed: int = 0, start: int = 1_700_000_000
    ) -> None:
        self.snapshot = snapshot
        self.profile = profile
        self.engine = Engine(snapshot, every_target=True)  # flow logs on every target
        self.rng = random.Random(seed)
        self.start = start - start % profile.aggregation
        self._full: dict[tuple[str, str, str, int | None, PortRange], Trace] = {}
        self._concrete: dict[tuple[str, str, str, int | None, int], Trace] = {}
        # connections whose trace is UNKNOWN write no record (what AWS would log is not known): per flow
        # ("src → dst proto port"), the count and why
        self.undecided: dict[str, tuple[int, str]] = {}
        self.account = profile.account or next(
            (v.owner_id for v in snapshot.vpcs.values() if v.owner_id), "123456789012"
        )

    # -- connections ---------------------------------------------------------------------------

    def connections(self, duration: int) -> list[Connection]:
        stop = float(self.start + duration)
        conns: list[Connection] = []
        for spec in self.profile.flows:
            sources = _sources(self.rng, spec, self.snapshot)
            end = min(stop, self.start + (spec.stop if spec.stop is not None else duration))
            for t in _arrivals(self.rng, spec.per_second, self.start + spec.start, end):
                crange = _client_range(self.rng, spec.os)
                conns.append(
                    Connection(
                        t,
                        self.rng.choice(sources),
                        spec.dst,
                        spec.protocol,
                        spec.port,
                        self.rng.randint(crange.lo, crange.hi),
                        crange,
                        self.rng.uniform(0.05, 20.0),
                        self.rng.randint(*spec.bytes_range),
                    )
                )
        for scan in self.profile.scans:
            conns.extend(self._scan(scan, stop))
        conns.sort(key=lambda c: c.t)
        return conns

    def _scan(self, scan: ScanSpec, stop: float) -> Iterator[Connection]:
        ports = list(range(scan.ports.lo, scan.ports.hi + 1))
        probes = [(target, port) for port in ports for target in scan.targets]
        t = float(self.start + scan.start)
        crange = EPHEMERAL_PRESETS["linux"]
        for target, port in probes:
            t += 1.0 / scan.per_second
            if t >= stop:
                return
            yield Connection(
                t,
                scan.src,
                target,
                scan.protocol,
                port,
                self.rng.randint(crange.lo, crange.hi),
                crange,
                0.0,
                0,
                scan=True,
            )

    # -- tracing -------------------------------------------------------------------------------

    def trace_for(self, c: Connection) -> Trace:
        """The concrete trace whose fate is that of this connection's client port."""
        key = (c.src, c.dst, c.protocol, c.port, c.client_range)
        full = self._full.get(key)
        if full is None:
            full = self.engine.trace(
                c.src, c.dst, c.protocol, c.port, client_ports=f"{c.client_range.lo}-{c.client_range.hi}"
            )
            self._full[key] = full
        way: int | None = None
        if full.ways:
            # the flow can go several ways (a load balancer's nodes and targets): each connection takes one
            way = self.rng.randrange(len(full.ways))
            full = full.ways[way]
        if c.protocol not in ("tcp", "udp") or full.verdict is not Verdict.PARTIAL:
            return full
        # PARTIAL: the client's port decides; pick the cached representative of its class
        if c.client_port in full.return_ports:
            rep = full.return_ports.first
        else:
            rep = next(
                (b.ports.first for b in full.blockers if b.ports is not None and c.client_port in b.ports),
                c.client_port,
            )
        ckey = (c.src, c.dst, c.protocol, c.port, rep)
        concrete = self._concrete.get(ckey)
        if concrete is None:
            concrete = self.engine.trace(c.src, c.dst, c.protocol, c.port, src_port=rep)
            self._concrete[ckey] = concrete
        if way is not None and way < len(concrete.ways):
            return concrete.ways[way]
        return concrete

    # -- records -------------------------------------------------------------------------------

    def rows(self, duration: int) -> Iterator[Row]:
        """Every record of the run (OK rows, then NODATA rows for idle interfaces), unsorted."""
        agg = self.profile.aggregation
        active: set[tuple[str, int]] = set()
        for c in self.connections(duration):
            try:
                trace = self.trace_for(c)
            except QueryError as exc:
                raise QueryError(f"profile flow {c.src} → {c.dst}: {exc}") from None
            if trace.verdict is Verdict.UNKNOWN:
                flow = f"{c.src} → {c.dst} {c.protocol}" + (f" {c.port}" if c.port is not None else "")
                n, _why = self.undecided.get(flow, (0, ""))
                self.undecided[flow] = (n + 1, trace.diagnosis)
                continue
            window = int(c.t) - int(c.t) % agg
            for row in self._stamp(c, trace, window):
                active.add((str(row["interface-id"]), window))
                yield row
        if self.profile.nodata:
            for window in range(self.start, self.start + duration, agg):
                for eni in sorted(self.snapshot.interfaces):
                    if (eni, window) not in active:
                        yield self._nodata(eni, window)

    def _stamp(self, c: Connection, trace: Trace, window: int) -> Iterator[Row]:
        recs = trace.flow_logs
        if not recs:
            return
        proto = trace.protocol
        rep = self._rep_port(trace)
        forward_ok = trace.forward.delivered
        reply_ok = trace.verdict is Verdict.ACCEPT or (
            trace.verdict is Verdict.PARTIAL and c.client_port in trace.return_ports
        )
        end_limit = window + self.profile.aggregation - 1
        start = int(c.t)
        end = min(int(c.t + c.duration), end_limit)
        # a proxied flow (a load balancer) has a second connection, from the node's own port
        node_port = 1024 + (c.client_port * 7919) % 64512
        for r in recs:
            request = self._is_request(r, trace, rep)
            srcport, dstport = r.srcport, r.dstport
            if proto not in (ICMP, ICMPV6) and rep is not None:
                second = trace.dst_port not in (r.srcport, r.dstport)
                if request and srcport == rep:
                    srcport = node_port if second else c.client_port
                elif not request and dstport == rep:
                    dstport = node_port if second else c.client_port
            packets, nbytes, flags = self._volume(
                c, request, r.action == "ACCEPT", forward_ok, reply_ok, proto
            )
            yield self._row(r, srcport, dstport, packets, nbytes, start, end if not c.scan else start, flags)

    @staticmethod
    def _rep_port(trace: Trace) -> int | None:
        for r in trace.flow_logs:
            if trace.dst_port is not None and r.dstport == trace.dst_port:
                return r.srcport
        return None

    @staticmethod
    def _is_request(r: FlowLogRecord, trace: Trace, rep: int | None) -> bool:
        if trace.dst_port is not None and trace.dst_port not in (r.srcport, r.dstport):
            return r.request  # the second connection of a proxied flow: the leg says which way
        if trace.dst_port is None:
            return r.pkt_srcaddr == trace.source.address or str(r.pkt_dstaddr) == str(
                trace.destination.address
            )
        return r.dstport == trace.dst_port and (rep is None or r.srcport == rep)

    def _volume(
        self, c: Connection, request: bool, accepted: bool, forward_ok: bool, reply_ok: bool, proto: int
    ) -> tuple[int, int, int | None]:
        rng = self.rng
        if c.scan or not forward_ok:
            packets = rng.randint(1, 3) if not c.scan else 1
            return packets, packets * (40 if proto == TCP else 60), _TCP_SYN if proto == TCP else None
        if not reply_ok:
            # the server answers but the answer never gets back: SYN retries, SYN-ACK retries
            packets = rng.randint(2, 4)
            return packets, packets * 60, (_TCP_SYN if request else _TCP_SYNACK) if proto == TCP else None
        if request:
            nbytes = max(60, c.response_bytes // 10 + rng.randint(0, 400))
            packets = max(2, nbytes // 500)
            return packets, nbytes, (_TCP_SYN | _TCP_FIN) if proto == TCP else None
        packets = max(2, c.response_bytes // 1400 + 1)
        return packets, c.response_bytes, (_TCP_SYNACK | _TCP_FIN) if proto == TCP else None

    def _row(
        self,
        r: FlowLogRecord,
        srcport: int,
        dstport: int,
        packets: int,
        nbytes: int,
        start: int,
        end: int,
        flags: int | None,
    ) -> Row:
        eni = self.snapshot.interfaces.get(r.interface_id)
        vpc_id = eni.vpc_id if eni else None
        direction = r.flow_direction
        path: int | None = None
        if direction == "egress":
            dst_vpc = self.snapshot.vpc_of_address(r.pkt_dstaddr)
            path = (
                1 if dst_vpc is not None and dst_vpc.vpc_id == vpc_id else (4 if dst_vpc is not None else 8)
            )
        return {
            "version": None,
            "account-id": self.account,
            "interface-id": r.interface_id,
            "srcaddr": str(r.srcaddr),
            "dstaddr": str(r.dstaddr),
            "srcport": srcport,
            "dstport": dstport,
            "protocol": r.protocol,
            "packets": packets,
            "bytes": nbytes,
            "start": start,
            "end": max(end, start),
            "action": r.action,
            "log-status": "OK",
            "vpc-id": vpc_id,
            "subnet-id": eni.subnet_id if eni else None,
            "instance-id": eni.instance_id if eni else None,
            "tcp-flags": flags,
            "type": "IPv4" if r.srcaddr.version == 4 else "IPv6",
            "pkt-srcaddr": str(r.pkt_srcaddr),
            "pkt-dstaddr": str(r.pkt_dstaddr),
            "region": self.profile.region,
            "az-id": None,
            "sublocation-type": None,
            "sublocation-id": None,
            "pkt-src-aws-service": None,
            "pkt-dst-aws-service": None,
            "flow-direction": direction,
            "traffic-path": path,
        }

    def _nodata(self, eni_id: str, window: int) -> Row:
        eni = self.snapshot.interfaces[eni_id]
        row: Row = dict.fromkeys(
            ("version", "srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "action")
        )
        row.update(
            {
                "account-id": self.account,
                "interface-id": eni_id,
                "start": window,
                "end": window + self.profile.aggregation - 1,
                "log-status": "NODATA",
                "vpc-id": eni.vpc_id,
                "subnet-id": eni.subnet_id,
                "instance-id": eni.instance_id,
                "tcp-flags": None,
                "type": None,
                "pkt-srcaddr": None,
                "pkt-dstaddr": None,
                "region": self.profile.region,
                "az-id": None,
                "sublocation-type": None,
                "sublocation-id": None,
                "pkt-src-aws-service": None,
                "pkt-dst-aws-service": None,
                "flow-direction": None,
                "traffic-path": None,
            }
        )
        return row
