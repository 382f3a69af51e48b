"""The audit configuration (YAML) and the suppression file, read with line-exact errors.

Configuration (every key optional)::

    version: 1
    authorized_ports: {tcp: [80, 443], udp: []}   # EC2.18 authorizedTcpPorts / authorizedUdpPorts
    admin_ports: [22, 3389]                        # EC2.53/54 restrictPorts, CIS 5.1-5.3 (and NACL CIS 5.1)
    high_risk_ports: [20, 21, ...]                 # EC2.19 (default: the control's 24 ports)
    quotas: {rules_per_security_group: 60, security_groups_per_interface: 5,
             nacl_entries_per_direction: 20}
    severity: {EC2.22: low, VPCFLOW-SG-REDUNDANT: info}   # by check or control id
    disable: [VPCFLOW-SG-REDUNDANT]                 # checks (or control ids) not to run
    client_ports: [linux, windows, nat, elb, lambda]   # clients of the NACL return-path check
    tiers: policies/tiers.yaml | {statements: [...]}  # vpcflow policy statements (docs/reachability.md)
    suppressions: suppressions.yaml | [...]         # see below

Suppressions (a file of its own, or the ``suppressions`` key)::

    suppressions:
      - id: vf-0123456789abcdef           # one finding, or:
        control: EC2.18                   # a check or control id (glob) …
        resource: "sg-0a1b*"              # … and a resource glob (AWS id, Terraform address, logical id)
        reason: public web tier, reviewed 2024-05
        expires: 2025-06-30               # optional; after it the suppression no longer applies
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vpcflow.audit.catalogue import (
    ADMIN_PORTS,
    AUTHORIZED_TCP_PORTS,
    BY_ID,
    CONTROL_IDS,
    HIGH_RISK_PORTS,
    Severity,
)
from vpcflow.engine.intervals import IntervalSet
from vpcflow.errors import InputError
from vpcflow.model import EPHEMERAL_PRESETS
from vpcflow.reach.policy import Policy, parse_policy

CLIENT_TYPES = ("linux", "windows", "nat", "elb", "lambda")
TOP_KEYS = {
    "version",
    "authorized_ports",
    "admin_ports",
    "high_risk_ports",
    "quotas",
    "severity",
    "disable",
    "client_ports",
    "tiers",
    "suppressions",
    "description",
}
QUOTA_KEYS = {
    "rules_per_security_group": (1, 1000),
    "security_groups_per_interface": (1, 16),
    "nacl_entries_per_direction": (1, 40),
}


def _ports(*ports: int) -> IntervalSet:
    return IntervalSet.from_spans((p, p) for p in ports)


@dataclass(frozen=True, slots=True)
class Suppression:
    reason: str
    finding_id: str | None = None
    control: str | None = None
    resource: str | None = None
    expires: dt.date | None = None
    where: str = ""  # file:line

    @property
    def text(self) -> str:
        if self.finding_id:
            return self.finding_id
        return f"{self.control} on {self.resource}"

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True)
class AuditConfig:
    authorized_tcp: IntervalSet = field(default_factory=lambda: _ports(*AUTHORIZED_TCP_PORTS))
    authorized_udp: IntervalSet = field(default_factory=IntervalSet)
    admin_ports: IntervalSet = field(default_factory=lambda: _ports(*ADMIN_PORTS))
    high_risk_ports: IntervalSet = field(default_factory=lambda: _ports(*HIGH_RISK_PORTS))
    rules_per_security_group: int = 60
    security_groups_per_interface: int = 5
    nacl_entries_per_direction: int = 20
    severity: dict[str, Severity] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()
    client_types: tuple[str, ...] = CLIENT_TYPES
    tiers: Policy | None = None
    suppressions: tuple[Suppression, ...] = ()
    source: str | None = None

    def enabled(self, check_id: str) -> bool:
        ids = BY_ID[check_id].controls if check_id in BY_ID else (check_id,)
        return not any(i in self.disabled for i in ids)

    def severity_of(self, check_id: str, controls: tuple[str, ...]) -> Severity | None:
        for cid in (check_id, *controls):
            if cid in self.severity:
                return self.severity[cid]
        return None


# -- YAML helpers ----------------------------------------------------------------------------------


def _err(source: str, node: yaml.Node, message: str) -> InputError:
    return InputError(f"{source}:{node.start_mark.line + 1}:{node.start_mark.column + 1}: {message}")


def _compose(text: str, source: str) -> yaml.Node | None:
    try:
        return yaml.compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise InputError(f"{where}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", source=source) from None


def _read(path: str | Path, what: str) -> str:
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{what} is not UTF-8 text", source=str(p)) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", source=str(p)) from None


def _mapping(source: str, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise _err(source, node, f"{what} must be a mapping")
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for k, v in node.value:
        if not isinstance(k, yaml.ScalarNode):
            raise _err(source, k, "keys must be plain words")
        if k.value in out:
            raise _err(source, k, f"duplicate key {k.value!r}")
        out[k.value] = (k, v)
    return out


def _scalar(source: str, node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.value == "":
        raise _err(source, node, f"{what} must be a single value")
    return str(node.value)


def _items(source: str, node: yaml.Node, what: str) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.ScalarNode) and node.value != "":
        return [node]
    raise _err(source, node, f"{what} must be a list")


def _int(source: str, node: yaml.Node, what: str, lo: int, hi: int) -> int:
    text = _scalar(source, node, what)
    try:
        value = int(text)
    except ValueError:
        raise _err(source, node, f"{what}: expected a whole number, got {text!r}") from None
    if not lo <= value <= hi:
        raise _err(source, node, f"{what}: {value} out of range {lo}-{hi}")
    return value


def _port_set(source: str, node: yaml.Node, what: str) -> IntervalSet:
    if isinstance(node, yaml.SequenceNode) and not node.value:
        return IntervalSet()
    spans = []
    for item in _items(source, node, what):
        for part in _scalar(source, item, what).split(","):
            lo_s, _, hi_s = part.strip().partition("-")
            try:
                lo, hi = int(lo_s), int(hi_s or lo_s)
            except ValueError:
                raise _err(source, item, f"{what}: bad port {part.strip()!r} (expected N or N-M)") from None
            if not 0 <= lo <= hi <= 65535:
                raise _err(source, item, f"{what}: bad port range {part.strip()!r} (0-65535, low first)")
            spans.append((lo, hi))
    return IntervalSet.from_spans(spans)


def _known_id(source: str, node: yaml.Node, what: str) -> str:
    cid = _scalar(source, node, what)
    if cid not in BY_ID and cid not in CONTROL_IDS:
        raise _err(source, node, f"{what}: unknown check or control id {cid!r} (see docs/audit.md)")
    return cid


# -- configuration ---------------------------------------------------------------------------------


def load_config(path: str | Path) -> AuditConfig:
    source = str(path)
    return parse_config(_read(path, "audit configuration"), source)


def parse_config(text: str, source: str = "<config>") -> AuditConfig:
    root = _compose(text, source)
    if root is None:
        return AuditConfig(source=source)
    top = _mapping(source, root, "the audit configuration")
    kw: dict[str, Any] = {"source": source}
    for key, (knode, vnode) in top.items():
        if key not in TOP_KEYS:
            raise _err(source, knode, f"unknown key {key!r} (expected one of {', '.join(sorted(TOP_KEYS))})")
        if key == "version":
            if _scalar(source, vnode, "version") != "1":
                raise _err(source, vnode, "unsupported configuration version (expected 1)")
        elif key == "authorized_ports":
            for proto, (pk, pv) in _mapping(source, vnode, "authorized_ports").items():
                if proto not in ("tcp", "udp"):
                    raise _err(source, pk, f"authorized_ports: expected tcp or udp, got {proto!r}")
                kw[f"authorized_{proto}"] = _port_set(source, pv, f"authorized_ports.{proto}")
        elif key == "admin_ports":
            kw["admin_ports"] = _port_set(source, vnode, "admin_ports")
        elif key == "high_risk_ports":
            kw["high_risk_ports"] = _port_set(source, vnode, "high_risk_ports")
        elif key == "quotas":
            for qk, (qkn, qv) in _mapping(source, vnode, "quotas").items():
                if qk not in QUOTA_KEYS:
                    raise _err(source, qkn, f"unknown quota {qk!r} (expected one of {', '.join(QUOTA_KEYS)})")
                kw[qk] = _int(source, qv, f"quotas.{qk}", *QUOTA_KEYS[qk])
        elif key == "severity":
            sev: dict[str, Severity] = {}
            for _cid, (ckn, cv) in _mapping(source, vnode, "severity").items():
                cid = _known_id(source, ckn, "severity")
                try:
                    sev[cid] = Severity.parse(_scalar(source, cv, f"severity of {cid}"))
                except InputError as exc:
                    raise _err(source, cv, str(exc)) from None
            kw["severity"] = sev
        elif key == "disable":
            kw["disabled"] = frozenset(
                _known_id(source, n, "disable") for n in _items(source, vnode, "disable")
            )
        elif key == "client_ports":
            types = []
            for n in _items(source, vnode, "client_ports"):
                name = _scalar(source, n, "client_ports").lower()
                if name not in EPHEMERAL_PRESETS:
                    raise _err(
                        source, n, f"unknown client type {name!r} (expected {', '.join(EPHEMERAL_PRESETS)})"
                    )
                types.append(name)
            kw["client_types"] = tuple(dict.fromkeys(types))
        elif key == "tiers":
            kw["tiers"] = _tiers(text, source, vnode)
        elif key == "suppressions":
            kw["suppressions"] = _suppressions_node(text, source, vnode)
    cfg = AuditConfig(**kw)
    return cfg


def _relative(source: str, value: str) -> Path:
    p = Path(value)
    return p if p.is_absolute() else Path(source).parent / p


def _subdocument(text: str, node: yaml.Node) -> str:
    """The text of ``node`` at the same line and column, so errors inside it point into the file."""
    start, end = node.start_mark, node.end_mark
    return "\n" * start.line + " " * start.column + text[start.index : end.index]


def _tiers(text: str, source: str, node: yaml.Node) -> Policy:
    if isinstance(node, yaml.ScalarNode):
        path = _relative(source, _scalar(source, node, "tiers"))
        return parse_policy(_read(path, "tier policy"), str(path))
    if not isinstance(node, yaml.MappingNode):
        raise _err(source, node, "tiers must be a policy file name or a mapping with 'statements'")
    return parse_policy(_subdocument(text, node), source)


# -- suppressions ----------------------------------------------------------------------------------

SUPPRESSION_KEYS = {"id", "control", "resource", "reason", "expires"}


def load_suppressions(path: str | Path) -> tuple[Suppression, ...]:
    source = str(path)
    text = _read(path, "suppression file")
    root = _compose(text, source)
    if root is None:
        return ()
    if isinstance(root, yaml.MappingNode):
        top = _mapping(source, root, "the suppression file")
        extra = [k for k in top if k != "suppressions"]
        if extra:
            raise _err(source, top[extra[0]][0], f"unknown key {extra[0]!r} (expected 'suppressions')")
        if "suppressions" not in top:
            raise _err(source, root, "missing key 'suppressions'")
        root = top["suppressions"][1]
    return _suppression_list(source, root)


def _suppressions_node(text: str, source: str, node: yaml.Node) -> tuple[Suppression, ...]:
    if isinstance(node, yaml.ScalarNode):
        return load_suppressions(_relative(source, _scalar(source, node, "suppressions")))
    return _suppression_list(source, node)


def _suppression_list(source: str, node: yaml.Node) -> tuple[Suppression, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise _err(source, node, "suppressions must be a list")
    return tuple(_suppression(source, n) for n in node.value)


def _suppression(source: str, node: yaml.Node) -> Suppression:
    m = _mapping(source, node, "a suppression")
    for key, (kn, _v) in m.items():
        if key not in SUPPRESSION_KEYS:
            raise _err(
                source, kn, f"unknown key {key!r} (expected one of {', '.join(sorted(SUPPRESSION_KEYS))})"
            )
    if "reason" not in m:
        raise _err(source, node, "a suppression needs a 'reason'")
    fid = _scalar(source, m["id"][1], "id") if "id" in m else None
    control = _scalar(source, m["control"][1], "control") if "control" in m else None
    resource = _scalar(source, m["resource"][1], "resource") if "resource" in m else None
    if fid is None and (control is None or resource is None):
        raise _err(source, node, "a suppression needs 'id', or both 'control' and 'resource'")
    if fid is not None and (control is not None or resource is not None):
        raise _err(source, node, "give either 'id' or 'control' and 'resource', not both")
    expires = None
    if "expires" in m:
        en = m["expires"][1]
        raw = _scalar(source, en, "expires")
        try:
            expires = dt.date.fromisoformat(raw)
        except ValueError:
            raise _err(source, en, f"expires: expected a date YYYY-MM-DD, got {raw!r}") from None
    where = f"{source}:{node.start_mark.line + 1}"
    return Suppression(_scalar(source, m["reason"][1], "reason"), fid, control, resource, expires, where)
