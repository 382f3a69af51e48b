"""Stateful rules in one form: Suricata ``RulesString`` lines, 5-tuple ``StatefulRules`` and domain lists.

Rule text is split into action, header and options by ``idstools`` (OISF's rule library: quoting, escaped
``;``, commented-out rules); the header's address and port expressions (variables, lists, negation,
ranges) are read here, bracket depth aware. A rule that cannot be read is kept with ``error`` set, so the
evaluator can say it may decide instead of skipping it.
https://docs.suricata.io/en/latest/rules/intro.html
https://docs.aws.amazon.com/network-firewall/latest/developerguide/stateful-rule-groups-domain-names.html
"""

from __future__ import annotations

from dataclasses import replace

from idstools import rule as ids_rule

from vpcflow.model import Cidr
from vpcflow.model.network_firewall import (
    AddressExpr,
    AddressList,
    AnyAddress,
    AnyPort,
    CidrAddress,
    DomainCondition,
    DomainList,
    NegatedAddress,
    NegatedPort,
    PortExpr,
    PortList,
    PortSpan,
    ReferenceAddress,
    StatefulRule,
    VariableAddress,
    VariablePort,
)

ACTIONS = frozenset({"pass", "drop", "reject", "alert"})
DIRECTIONS = frozenset({"->", "<>"})


class ExpressionError(ValueError):
    """An address or port expression that is not valid Suricata."""


def _split_top(text: str, sep: str | None) -> list[str]:
    """Split at ``sep`` (whitespace when None) outside brackets."""
    out: list[str] = []
    depth = 0
    cur = ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise ExpressionError(f"unbalanced ']' in {text!r}")
        at_sep = ch.isspace() if sep is None else ch == sep
        if at_sep and depth == 0:
            if cur.strip():
                out.append(cur.strip())
            cur = ""
            continue
        cur += ch
    if depth != 0:
        raise ExpressionError(f"unbalanced '[' in {text!r}")
    if cur.strip():
        out.append(cur.strip())
    return out


def parse_address(text: str) -> AddressExpr:
    t = text.strip()
    if not t:
        raise ExpressionError("empty address")
    if t.lower() == "any":
        return AnyAddress()
    if t.startswith("!"):
        return NegatedAddress(parse_address(t[1:]))
    if t.startswith("["):
        if not t.endswith("]"):
            raise ExpressionError(f"address list {t!r} does not end with ']'")
        return AddressList(tuple(parse_address(p) for p in _split_top(t[1:-1], ",")))
    if t.startswith("$"):
        return VariableAddress(t[1:])
    if t.startswith("@"):
        return ReferenceAddress(t[1:])
    try:
        return CidrAddress(Cidr.parse(t))
    except ValueError:
        raise ExpressionError(f"not an address, CIDR, variable or list: {t!r}") from None


def _port_number(text: str, whole: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise ExpressionError(f"not a port: {whole!r}") from None
    if not 0 <= n <= 65535:
        raise ExpressionError(f"port {n} out of range 0-65535")
    return n


def parse_port(text: str) -> PortExpr:
    t = text.strip()
    if not t:
        raise ExpressionError("empty port")
    if t.lower() == "any":
        return AnyPort()
    if t.startswith("!"):
        return NegatedPort(parse_port(t[1:]))
    if t.startswith("["):
        if not t.endswith("]"):
            raise ExpressionError(f"port list {t!r} does not end with ']'")
        return PortList(tuple(parse_port(p) for p in _split_top(t[1:-1], ",")))
    if t.startswith("$"):
        return VariablePort(t[1:])
    if ":" in t:  # 80:90, :1024, 1024:
        lo_s, _, hi_s = t.partition(":")
        lo = _port_number(lo_s, t) if lo_s else 0
        hi = _port_number(hi_s, t) if hi_s else 65535
        if lo > hi:
            raise ExpressionError(f"port range {t!r} runs backwards")
        return PortSpan(lo, hi)
    n = _port_number(t, t)
    return PortSpan(n, n)


def _broken(group_arn: str, index: int, text: str, error: str, action: str = "") -> StatefulRule:
    return StatefulRule(
        group_arn,
        index,
        action if action in ACTIONS else "unknown",
        "ip",
        AnyAddress(),
        AnyPort(),
        "<>",
        AnyAddress(),
        AnyPort(),
        text=text,
        error=error,
    )


def rule_from_text(group_arn: str, index: int, text: str) -> StatefulRule:
    """One Suricata rule → ``StatefulRule`` (with ``error`` set when it cannot be read)."""
    try:
        parsed = ids_rule.parse(text)
    except Exception as exc:  # idstools raises a bare Exception for an unterminated option
        return _broken(group_arn, index, text, f"cannot read the rule: {exc}")
    if parsed is None:
        return _broken(group_arn, index, text, "not a Suricata rule (action header (options))")
    header = str(parsed["header"])
    try:
        fields = _split_top(header, None)
        if len(fields) != 7:
            raise ExpressionError(
                f"the header has {len(fields)} fields, expected 7 (action protocol source port "
                "direction destination port)"
            )
        action, proto, src, sport, direction, dst, dport = fields
        if action.lower() not in ACTIONS:
            raise ExpressionError(f"action {action!r} is not one of pass, drop, reject, alert")
        if direction not in DIRECTIONS:
            raise ExpressionError(f"direction {direction!r} is not -> or <>")
        rule = StatefulRule(
            group_arn,
            index,
            action.lower(),
            proto.lower(),
            parse_address(src),
            parse_port(sport),
            direction,
            parse_address(dst),
            parse_port(dport),
            tuple(
                (str(o["name"]), None if o["value"] is None else str(o["value"])) for o in parsed["options"]
            ),
            int(parsed["sid"]) if parsed.get("sid") is not None else None,
            text.strip(),
        )
    except ExpressionError as exc:
        return _broken(group_arn, index, text, str(exc), str(parsed.get("action") or ""))
    return rule


def logical_lines(rules_string: str) -> list[str]:
    """Rule lines of a ``RulesString``: continuation lines joined, blank lines and comments dropped."""
    out: list[str] = []
    buf = ""
    for line in rules_string.splitlines():
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        full = (buf + stripped).strip()
        buf = ""
        if full and not full.startswith("#"):
            out.append(full)
    if buf.strip() and not buf.strip().startswith("#"):
        out.append(buf.strip())
    return out


def rules_from_string(group_arn: str, rules_string: str) -> tuple[StatefulRule, ...]:
    return tuple(rule_from_text(group_arn, i, line) for i, line in enumerate(logical_lines(rules_string)))


def five_tuple_rule(
    group_arn: str,
    index: int,
    action: str,
    protocol: str,
    source: str,
    source_port: str,
    direction: str,
    destination: str,
    destination_port: str,
    options: tuple[tuple[str, str | None], ...],
) -> StatefulRule:
    """A ``StatefulRules`` entry in Suricata form (``FORWARD`` is ``->``, ``ANY`` is ``<>``)."""
    arrow = "<>" if direction.upper() == "ANY" else "->"
    opts = " ".join(f"{k}:{v};" if v is not None else f"{k};" for k, v in options)
    text = (
        f"{action.lower()} {protocol.lower()} {source} {source_port} {arrow} {destination} {destination_port}"
    )
    text += f" ({opts})" if opts else ""
    sid = next((v for k, v in options if k == "sid"), None)
    try:
        return StatefulRule(
            group_arn,
            index,
            action.lower(),
            protocol.lower(),
            parse_address(source),
            parse_port(source_port),
            arrow,
            parse_address(destination),
            parse_port(destination_port),
            options,
            int(sid) if sid is not None and sid.isdigit() else None,
            text,
        )
    except ExpressionError as exc:
        return _broken(group_arn, index, text, str(exc), action.lower())


_DOMAIN_ACTIONS = {"ALLOWLIST": "pass", "DENYLIST": "drop", "REJECTLIST": "reject", "ALERTLIST": "alert"}
_DOMAIN_KINDS = {"TLS_SNI": "tls", "HTTP_HOST": "http"}


def domain_list_rules(group_arn: str, domains: DomainList) -> tuple[StatefulRule, ...]:
    """The rules Network Firewall generates for a domain list: for each target type, a rule on the
    domains for traffic from ``$HOME_NET`` to ``$EXTERNAL_NET``, and for an allowlist a drop of the other
    flows of that protocol (the developer guide's examples of generated rules)."""
    action = _DOMAIN_ACTIONS.get(domains.generated_rules_type.upper())
    out: list[StatefulRule] = []
    flow = (("flow", "to_server, established"),)
    for target_type in domains.target_types:
        kind = _DOMAIN_KINDS.get(target_type.upper())
        if kind is None or action is None:
            out.append(
                _broken(
                    group_arn,
                    len(out),
                    f"{domains.generated_rules_type} {target_type}",
                    f"domain list type {domains.generated_rules_type}/{target_type} is not modelled",
                )
            )
            continue
        names = ", ".join(domains.targets)
        out.append(
            StatefulRule(
                group_arn,
                len(out),
                action,
                kind,
                VariableAddress("HOME_NET"),
                AnyPort(),
                "->",
                VariableAddress("EXTERNAL_NET"),
                AnyPort(),
                flow,
                text=f"{action} {kind} $HOME_NET any -> $EXTERNAL_NET any ({kind} name in [{names}])",
                domain=DomainCondition(kind, domains.targets),
            )
        )
        if action == "pass":
            out.append(
                StatefulRule(
                    group_arn,
                    len(out),
                    "drop",
                    kind,
                    VariableAddress("HOME_NET"),
                    AnyPort(),
                    "->",
                    VariableAddress("EXTERNAL_NET"),
                    AnyPort(),
                    flow,
                    text=f"drop {kind} $HOME_NET any -> $EXTERNAL_NET any (not an allowlisted {kind} name)",
                )
            )
    # an allowlist's drop rules come after every pass rule, as Network Firewall writes them
    out.sort(key=lambda r: r.action != "pass")
    return tuple(replace(r, index=i) for i, r in enumerate(out))
