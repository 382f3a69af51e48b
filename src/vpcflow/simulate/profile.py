"""The simulation profile: who talks to whom, how often. YAML, validated with clear errors.

```yaml
account: "123456789012"        # default: the VPC owner in the snapshot, else 123456789012
region: us-east-1
flow_log_id: fl-0a1b2c3d4e5f60718
aggregation: 60                # seconds: 60 (Nitro) or 600
nodata: true                   # NODATA records for interfaces idle in a window
flows:                         # steady conversations
  - name: web users
    from: internet             # "internet", an ENI/instance/Name, or an IP/CIDR of outside hosts
    clients: 200               # distinct outside client addresses drawn for "internet"/CIDR sources
    to: web-alb
    protocol: tcp
    port: 443
    rate: 30/min               # new connections per minute (also /s, /h)
    os: mixed                  # client ephemeral ports: linux | windows | nat | elb | mixed
    bytes: [2000, 60000]       # response size range; requests are ~1/10 of it
scans:                         # an outside scanner sweeping ports of targets
  - from: 203.0.113.66
    to: [web-1]
    ports: 1-1024
    rate: 20/s
    start: 10m                 # offset into the run
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vpcflow.errors import InputError
from vpcflow.flowlogs.layout import ACCOUNT_ID, REGION
from vpcflow.model import PortRange, parse_port_range

# https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html: the object key names the account,
# region and flow log id, so each must be what AWS writes there (and never a path)
_FLOW_LOG_ID = re.compile(r"fl-[0-9a-f]{8,17}")
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|m|min|h|hour)\s*$")
_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNIT = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400}


def parse_duration(text: str | int) -> int:
    """``90s`` / ``10m`` / ``1h`` / ``2d`` / seconds → seconds."""
    if isinstance(text, int):
        return text
    m = _DURATION.match(str(text))
    if not m:
        raise ValueError(f"bad duration {text!r} (expected e.g. 30s, 10m, 1h, 1d)")
    return int(m.group(1)) * _UNIT[m.group(2)]


@dataclass(frozen=True)
class FlowSpec:
    name: str
    src: str
    dst: str
    protocol: str
    port: int | None
    per_second: float
    clients: int = 50
    os: str = "linux"
    bytes_range: tuple[int, int] = (1000, 20000)
    start: int = 0
    stop: int | None = None


@dataclass(frozen=True)
class ScanSpec:
    src: str
    targets: tuple[str, ...]
    ports: PortRange
    per_second: float
    protocol: str = "tcp"
    start: int = 0


@dataclass(frozen=True)
class Profile:
    account: str | None = None
    region: str = "us-east-1"
    flow_log_id: str = "fl-0a1b2c3d4e5f60718"
    aggregation: int = 60
    nodata: bool = True
    flows: tuple[FlowSpec, ...] = ()
    scans: tuple[ScanSpec, ...] = field(default_factory=tuple)


class ProfileError(InputError):
    pass


def _rate(value: Any, where: str, src: str) -> float:
    m = _RATE.match(str(value))
    if not m:
        raise ProfileError(f"bad rate {value!r} (expected e.g. 30/min, 5/s)", source=src, path=where)
    return float(m.group(1)) / _UNIT[m.group(2)]


def load_profile(path: str | Path) -> Profile:
    src = str(path)
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ProfileError(f"cannot read: {exc.strerror}", source=src) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark else None
        raise ProfileError(f"invalid YAML: {exc.problem}", source=src, path=where) from None
    return parse_profile(doc or {}, src)


def parse_profile(doc: Any, src: str = "<profile>") -> Profile:
    if not isinstance(doc, dict):
        raise ProfileError("expected a mapping at the top level", source=src, path="$")
    known = {"account", "region", "flow_log_id", "aggregation", "nodata", "flows", "scans"}
    for key in doc:
        if key not in known:
            raise ProfileError(
                f"unknown key {key!r} (expected one of {', '.join(sorted(known))})",
                source=src,
                path=f"$.{key}",
            )
    aggregation = int(doc.get("aggregation", 60))
    if aggregation not in (60, 600):
        raise ProfileError("aggregation must be 60 or 600 seconds", source=src, path="$.aggregation")
    flows = []
    for i, f in enumerate(doc.get("flows") or []):
        where = f"$.flows[{i}]"
        if not isinstance(f, dict):
            raise ProfileError("expected a mapping", source=src, path=where)
        for req in ("from", "to", "rate"):
            if req not in f:
                raise ProfileError(f"missing required key {req!r}", source=src, path=where)
        proto = str(f.get("protocol", "tcp"))
        port = f.get("port")
        if proto in ("tcp", "udp") and not isinstance(port, int):
            raise ProfileError("port (an integer) is required for tcp/udp", source=src, path=f"{where}.port")
        os_ = str(f.get("os", "linux"))
        if os_ not in ("linux", "windows", "nat", "elb", "lambda", "mixed"):
            raise ProfileError(f"unknown os {os_!r}", source=src, path=f"{where}.os")
        b = f.get("bytes", [1000, 20000])
        if not (
            isinstance(b, list)
            and len(b) == 2
            and all(isinstance(x, int) and x > 0 for x in b)
            and b[0] <= b[1]
        ):
            raise ProfileError(
                "bytes must be [min, max] positive integers", source=src, path=f"{where}.bytes"
            )
        try:
            start = parse_duration(f.get("start", 0))
            stop = parse_duration(f["stop"]) if "stop" in f else None
        except ValueError as exc:
            raise ProfileError(str(exc), source=src, path=where) from None
        flows.append(
            FlowSpec(
                str(f.get("name", f"flow {i}")),
                str(f["from"]),
                str(f["to"]),
                proto,
                port if isinstance(port, int) else None,
                _rate(f["rate"], f"{where}.rate", src),
                int(f.get("clients", 50)),
                os_,
                (int(b[0]), int(b[1])),
                start,
                stop,
            )
        )
    scans = []
    for i, s in enumerate(doc.get("scans") or []):
        where = f"$.scans[{i}]"
        if not isinstance(s, dict) or "from" not in s or "to" not in s or "ports" not in s:
            raise ProfileError("a scan needs from, to and ports", source=src, path=where)
        targets = s["to"] if isinstance(s["to"], list) else [s["to"]]
        try:
            ports = parse_port_range(str(s["ports"]))
            start = parse_duration(s.get("start", 0))
        except ValueError as exc:
            raise ProfileError(str(exc), source=src, path=where) from None
        scans.append(
            ScanSpec(
                str(s["from"]),
                tuple(str(t) for t in targets),
                ports,
                _rate(s.get("rate", "10/s"), f"{where}.rate", src),
                str(s.get("protocol", "tcp")),
                start,
            )
        )
    account = str(doc["account"]) if doc.get("account") is not None else None
    if account is not None and not ACCOUNT_ID.fullmatch(account):
        raise ProfileError(
            f"account {account!r} is not an AWS account id (12 digits)", source=src, path="$.account"
        )
    region = str(doc.get("region", "us-east-1"))
    if not REGION.fullmatch(region):
        raise ProfileError(
            f"region {region!r} is not an AWS region code (e.g. us-east-1)", source=src, path="$.region"
        )
    flow_log_id = str(doc.get("flow_log_id", "fl-0a1b2c3d4e5f60718"))
    if not _FLOW_LOG_ID.fullmatch(flow_log_id):
        raise ProfileError(
            f"flow_log_id {flow_log_id!r} is not a flow log id (fl- and hex digits)",
            source=src,
            path="$.flow_log_id",
        )
    return Profile(
        account,
        region,
        flow_log_id,
        aggregation,
        bool(doc.get("nodata", True)),
        tuple(flows),
        tuple(scans),
    )
