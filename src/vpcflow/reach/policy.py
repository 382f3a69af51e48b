"""Declarative reachability intent (YAML), checked exhaustively against a snapshot.

Schema (version 1; docs/reachability.md has examples)::

    version: 1                    # optional
    bidirectional: false          # default for allow / allow_only: replies must return too
    client_ports: linux           # optional: client ephemeral ports for the return path
    statements:
      - name: text                # optional
        allow | deny | allow_only | only:
          from: ENDPOINT | [ENDPOINT, ...]
          to: ENDPOINT | [ENDPOINT, ...]
          flows: [FLOW, ...]      # tcp/443, udp/1024-65535, tcp, icmp, icmp/8, icmp/3:4, 47, all
          bidirectional: bool     # allow / allow_only only

Every error names the file, line and column of the offending YAML node, on one line. The file is UTF-8
(a BOM allowed) or UTF-16 with a BOM (what Windows PowerShell writes); anything else — binary, UTF-32,
nesting deeper than ``MAX_DEPTH``, a file over ``MAX_POLICY_BYTES`` — is refused the same way. Anchors and
aliases are allowed and never expanded (an alias is the node it names), so an alias bomb costs nothing.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vpcflow.engine.intervals import IntervalSet
from vpcflow.engine.result import HopAction, Trace, Verdict, rule_text
from vpcflow.errors import InputError, QueryError
from vpcflow.model import ICMP, ICMPV6, TCP, UDP, ProtocolError, Snapshot, parse_protocol
from vpcflow.reach.headerspace import ALL_PORTS, ALL_PROTOS, Flow, HeaderSpace, icmp_match_set
from vpcflow.reach.query import Reachability, ReachResult, blocker_text, parse_ports

KINDS = ("allow", "deny", "allow_only", "only")
BODY_KEYS = {
    "allow": {"from", "to", "flows", "bidirectional"},
    "deny": {"from", "to", "flows"},
    "allow_only": {"from", "to", "flows", "bidirectional"},
    "only": {"from", "to", "flows"},
}
REQUIRED = {"allow": ("from", "to", "flows"), "allow_only": ("from", "to", "flows"), "deny": ("from", "to")}
REQUIRED["only"] = ("from", "to")
TOP_KEYS = {"version", "bidirectional", "client_ports", "statements", "description"}


@dataclass(frozen=True, slots=True)
class Where:
    source: str
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}"


def _where(source: str, node: yaml.Node) -> Where:
    return Where(source, node.start_mark.line + 1, node.start_mark.column + 1)


def _error(where: Where, message: str) -> InputError:
    return InputError(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class FlowSpec:
    text: str
    protocols: IntervalSet
    ports: IntervalSet  # tcp/udp destination ports, or ICMP type << 8 | code values

    def space(self) -> HeaderSpace:
        return HeaderSpace.box(protocols=self.protocols, dst_ports=self.ports)


def parse_flow(text: str) -> FlowSpec:
    """``tcp/443``, ``udp/1024-65535``, ``tcp``, ``icmp``, ``icmp/8``, ``icmp/3:4``, ``47``, ``all``."""
    raw = text.strip().lower()
    if raw in ("all", "any", "-1"):
        return FlowSpec(text, ALL_PROTOS, ALL_PORTS)
    proto_s, _, rest = raw.partition("/")
    try:
        proto = parse_protocol(proto_s)
    except ProtocolError as exc:
        raise ValueError(str(exc)) from None
    if proto == -1:
        return FlowSpec(text, ALL_PROTOS, ALL_PORTS)
    protos = IntervalSet.single(proto)
    if not rest:
        return FlowSpec(text, protos, ALL_PORTS)
    if proto in (TCP, UDP):
        try:
            return FlowSpec(text, protos, parse_ports(rest))
        except QueryError as exc:
            raise ValueError(str(exc)) from None
    if proto in (ICMP, ICMPV6):
        t_s, _, c_s = rest.partition(":")
        try:
            t, c = int(t_s), int(c_s) if c_s else -1
        except ValueError:
            raise ValueError(f"bad ICMP type/code {rest!r} (expected TYPE or TYPE:CODE)") from None
        if not (0 <= t <= 255 and -1 <= c <= 255):
            raise ValueError(f"ICMP type/code {rest!r} out of range 0-255")
        return FlowSpec(text, protos, icmp_match_set(t, c))
    raise ValueError(f"protocol {proto_s} has no ports or types; write just {proto_s!r}")


@dataclass(frozen=True, slots=True)
class Statement:
    kind: str
    name: str
    src: tuple[str, ...]
    dst: tuple[str, ...]
    flows: tuple[FlowSpec, ...]
    bidirectional: bool
    where: Where
    src_where: Where
    dst_where: Where

    def flow_space(self) -> HeaderSpace:
        if not self.flows:
            return HeaderSpace.box()
        return HeaderSpace.union_all(f.space() for f in self.flows)

    def protocols(self) -> IntervalSet:
        out = IntervalSet()
        for f in self.flows:
            out = out | f.protocols
        return out if self.flows else ALL_PROTOS

    @property
    def flows_text(self) -> str:
        return ", ".join(f.text for f in self.flows) if self.flows else "all traffic"


@dataclass(frozen=True, slots=True)
class Policy:
    source: str
    statements: tuple[Statement, ...]
    client_ports: str | None = None


# -- loading ---------------------------------------------------------------------------------------


# A policy is a few levels deep (statements → statement → body → list); far deeper is not a policy.
MAX_DEPTH = 32
MAX_POLICY_BYTES = 16 << 20


def load_policy(path: str | Path) -> Policy:
    p = Path(path)
    source = str(p)
    try:
        with p.open("rb") as f:
            data = f.read(MAX_POLICY_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read policy: {exc.strerror or exc}", source=source) from None
    if len(data) > MAX_POLICY_BYTES:
        raise _error(Where(source, 1, 1), f"larger than {MAX_POLICY_BYTES >> 20} MiB: not a policy")
    return parse_policy(_decode(data, source), source)


def _decode(data: bytes, source: str) -> str:
    """UTF-8 (BOM allowed) or UTF-16 with a BOM; the error names the line and column of a bad byte."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise _error(Where(source, 1, 1), "UTF-32 text; save the policy as UTF-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _error(Where(source, 1, 1), f"invalid UTF-16 text at byte {exc.start}") from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _error(_byte_where(source, data, nul), "binary data (a NUL byte), not YAML text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _error(
            _byte_where(source, data, exc.start), f"not UTF-8 text (byte 0x{data[exc.start]:02x})"
        ) from None


def _byte_where(source: str, data: bytes, offset: int) -> Where:
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return Where(source, data.count(b"\n", 0, offset) + 1, column)


class _Loader(yaml.SafeLoader):
    """Composes nodes (no Python objects are ever built) and refuses nesting beyond ``MAX_DEPTH``:
    PyYAML's composer recurses once per level."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _compose(text: str, source: str) -> yaml.Node | None:
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # the reader checks every character here
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Where(source, mark.line + 1, mark.column + 1) if mark else Where(source, 1, 1)
        what = ", ".join(p for p in (exc.context, exc.problem) if p)
        raise _error(where, f"invalid YAML: {what}") from None
    except yaml.reader.ReaderError as exc:
        head = text[: exc.position]
        where = Where(source, head.count("\n") + 1, exc.position - (head.rfind("\n") + 1) + 1)
        char = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        raise _error(where, f"invalid YAML: {exc.reason} (character {char})") from None
    except yaml.YAMLError as exc:
        raise _error(Where(source, 1, 1), "invalid YAML: " + " ".join(str(exc).split())) from None
    except RecursionError:  # a safety net: the depth limit stops nesting long before
        raise _error(Where(source, 1, 1), "invalid YAML: nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    root = _compose(text, source)
    if root is None:
        raise _error(Where(source, 1, 1), "the policy is empty (expected a mapping with 'statements')")
    top = _mapping(source, root, "the policy")
    for key, (knode, _v) in top.items():
        if key not in TOP_KEYS:
            raise _error(_where(source, knode), f"unknown key {key!r} (expected one of {_list(TOP_KEYS)})")
    if "version" in top:
        vnode = top["version"][1]
        if not (isinstance(vnode, yaml.ScalarNode) and vnode.value == "1"):
            raise _error(_where(source, vnode), "unsupported policy version (expected 1)")
    default_bidi = _bool(source, top["bidirectional"][1]) if "bidirectional" in top else False
    client = _scalar(source, top["client_ports"][1], "client_ports") if "client_ports" in top else None
    if "statements" not in top:
        raise _error(_where(source, root), "missing key 'statements'")
    snode = top["statements"][1]
    if not isinstance(snode, yaml.SequenceNode) or not snode.value:
        raise _error(_where(source, snode), "'statements' must be a non-empty list")
    stmts = [_statement(source, n, i, default_bidi) for i, n in enumerate(snode.value)]
    return Policy(source, tuple(stmts), client)


def _list(keys: Iterable[str]) -> str:
    return ", ".join(sorted(keys))


def _mapping(source: str, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise _error(_where(source, node), f"{what} must be a mapping")
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for k, v in node.value:
        if not isinstance(k, yaml.ScalarNode):
            raise _error(_where(source, k), "keys must be plain words")
        if k.value in out:
            raise _error(_where(source, k), f"duplicate key {k.value!r}")
        out[k.value] = (k, v)
    return out


def _scalar(source: str, node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.value == "":
        raise _error(_where(source, node), f"{what} must be a single value")
    return str(node.value)


def _bool(source: str, node: yaml.Node) -> bool:
    value = _scalar(source, node, "bidirectional").lower()
    if value in ("true", "yes", "on"):
        return True
    if value in ("false", "no", "off"):
        return False
    raise _error(_where(source, node), f"expected true or false, got {value!r}")


def _strings(source: str, node: yaml.Node, what: str) -> tuple[str, ...]:
    if isinstance(node, yaml.ScalarNode):
        return (_scalar(source, node, what),)
    if isinstance(node, yaml.SequenceNode) and node.value:
        return tuple(_scalar(source, n, f"each item of {what}") for n in node.value)
    raise _error(_where(source, node), f"{what} must be a value or a non-empty list")


def _statement(source: str, node: yaml.Node, index: int, default_bidi: bool) -> Statement:
    m = _mapping(source, node, f"statement {index + 1}")
    kinds = [k for k in m if k in KINDS]
    extra = [k for k in m if k not in KINDS and k != "name"]
    if extra:
        knode = m[extra[0]][0]
        raise _error(
            _where(source, knode),
            f"unknown key {extra[0]!r} in statement {index + 1} (expected one of {_list(KINDS)}, name)",
        )
    if len(kinds) != 1:
        raise _error(
            _where(source, node),
            f"statement {index + 1} needs exactly one of {_list(KINDS)}"
            + (f" (found {_list(kinds)})" if kinds else ""),
        )
    kind = kinds[0]
    knode, body_node = m[kind]
    body = _mapping(source, body_node, f"the body of {kind!r}")
    for key, (kn, _v) in body.items():
        if key not in BODY_KEYS[kind]:
            raise _error(
                _where(source, kn),
                f"unknown key {key!r} in {kind!r} (expected one of {_list(BODY_KEYS[kind])})",
            )
    for key in REQUIRED[kind]:
        if key not in body:
            raise _error(_where(source, knode), f"{kind!r} needs {key!r}")
    flows: list[FlowSpec] = []
    if "flows" in body:
        fnode = body["flows"][1]
        items = fnode.value if isinstance(fnode, yaml.SequenceNode) else [fnode]
        if not items:
            raise _error(_where(source, fnode), "'flows' must not be empty")
        for item in items:
            text = _scalar(source, item, "a flow")
            try:
                flows.append(parse_flow(text))
            except ValueError as exc:
                raise _error(_where(source, item), f"bad flow {text!r}: {exc}") from None
    bidi = _bool(source, body["bidirectional"][1]) if "bidirectional" in body else default_bidi
    name_node = m.get("name")
    default_name = f"{kind} {index + 1}"
    name = _scalar(source, name_node[1], "name") if name_node else default_name
    src_node, dst_node = body["from"][1], body["to"][1]
    return Statement(
        kind,
        name,
        _strings(source, src_node, "'from'"),
        _strings(source, dst_node, "'to'"),
        tuple(flows),
        bidi and kind in ("allow", "allow_only"),
        _where(source, node),
        _where(source, src_node),
        _where(source, dst_node),
    )


# -- checking --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementResult:
    statement: Statement
    passed: bool
    message: str
    witness: Flow | None = None
    witness_says: str = ""  # what the trace of the witness says (verdict and the deciding rule)
    rules: tuple[str, ...] = ()  # the rules that make it so (blocking, or allowing)
    trace_command: str | None = None
    # neither passed nor failed: the answer for some flows depends on something missing, contradictory
    # or not modelled (``passed`` is then False; ``rules`` names what it depends on)
    undecided: bool = False

    @property
    def status(self) -> str:
        return "undecided" if self.undecided else ("pass" if self.passed else "fail")

    def to_json(self) -> dict[str, Any]:
        st = self.statement
        return {
            "name": st.name,
            "kind": st.kind,
            "line": st.where.line,
            "from": list(st.src),
            "to": list(st.dst),
            "flows": [f.text for f in st.flows] or ["all"],
            "bidirectional": st.bidirectional,
            "passed": self.passed,
            "status": self.status,
            "message": self.message,
            "witness": self.witness.to_json() if self.witness else None,
            "witness_trace": self.witness_says or None,
            "rules": list(self.rules),
            "trace_command": self.trace_command,
        }


@dataclass(frozen=True)
class PolicyReport:
    policy: Policy
    results: tuple[StatementResult, ...]
    snapshot_path: str = "SNAPSHOT"

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy.source,
            "passed": self.passed,
            "statements": [r.to_json() for r in self.results],
        }

    def render_text(self) -> str:
        lines = []
        for r in self.results:
            mark = r.status.upper()
            lines.append(f"{mark}  {r.statement.name}  ({r.statement.where})")
            lines.append(f"      {r.message}")
            if r.witness is not None:
                lines.append(f"      witness: {r.witness}  → {r.witness_says}")
            lines.extend(f"      rule: {rule}" for rule in r.rules)
            if r.trace_command:
                lines.append(f"      check: {r.trace_command}")
        n_undecided = sum(r.undecided for r in self.results)
        n_fail = sum(not r.passed for r in self.results) - n_undecided
        summary = (
            f"{len(self.results) - n_fail - n_undecided} passed, {n_fail} failed"
            if n_fail or n_undecided
            else f"all {len(self.results)} passed"
        )
        if n_undecided:
            summary += f", {n_undecided} undecided"
        lines.append(summary)
        return "\n".join(lines) + "\n"


@dataclass
class _Checker:
    snapshot: Snapshot
    policy: Policy
    snapshot_path: str
    r: Reachability = field(init=False)

    def __post_init__(self) -> None:
        self.r = Reachability(self.snapshot)

    def reach(
        self, st: Statement, src: tuple[str, ...], dst: tuple[str, ...], protos: IntervalSet
    ) -> ReachResult:
        try:
            s = self.r.endpoints.resolve(list(src))
        except QueryError as exc:
            raise _error(st.src_where, str(exc)) from None
        try:
            d = self.r.endpoints.resolve(list(dst))
        except QueryError as exc:
            raise _error(st.dst_where, str(exc)) from None
        return self.r.reach_sets(s, d, protos, client_ports=self.policy.client_ports, witnesses=False)

    def undecided(self, st: Statement, what: str, part: HeaderSpace, res: ReachResult) -> StatementResult:
        """The statement cannot be decided: ``part`` (flows it is about) depends on what is named."""
        w = part.witness()
        because = tuple(
            dict.fromkeys(
                blocker_text(b.blocker) for b in res.undecided + res.return_undecided if b.space & part
            )
        )
        out = self.explain(st, w, False)
        out["rules"] = because or out.get("rules", ())
        return StatementResult(
            st, False, f"cannot decide {what}: the answer depends on what is named", undecided=True, **out
        )

    def explain(self, st: Statement, flow: Flow | None, allowing: bool) -> dict[str, Any]:
        if flow is None:
            return {}
        t = self.r.engine.trace(**flow.trace_args())
        rules = _allowing_rules(t) if allowing else _blocking_rules(t)
        return {
            "witness": flow,
            "witness_says": _verdict_text(t),
            "rules": tuple(rules),
            "trace_command": flow.trace_command(self.snapshot_path),
        }

    def check(self, st: Statement) -> StatementResult:
        flows = st.flow_space()
        what = f"{_ends(st.src)} → {_ends(st.dst)} ({st.flows_text})"
        if st.kind == "only":
            everything = self.reach(st, ("anywhere",), st.dst, ALL_PROTOS)
            permitted = self.reach(st, st.src, st.dst, st.protocols()).query & flows
            bad = everything.forward - permitted
            if bad:
                w = bad.witness()
                return StatementResult(
                    st,
                    False,
                    f"something else than {what} reaches {_ends(st.dst)}",
                    **self.explain(st, w, True),
                )
            maybe = everything.unknown - permitted
            if maybe:
                return self.undecided(st, f"whether only {what} reaches {_ends(st.dst)}", maybe, everything)
            w = (everything.forward & permitted).witness()
            return StatementResult(
                st, True, f"only {what} reaches {_ends(st.dst)}", **self.explain(st, w, True)
            )
        res = self.reach(st, st.src, st.dst, st.protocols() if st.kind != "allow_only" else ALL_PROTOS)
        wanted = res.query & flows
        if st.kind in ("allow", "allow_only") and not wanted:
            return StatementResult(st, False, f"no flow matches {what} (empty endpoints or flows)")
        if st.kind == "deny":
            leak = res.forward & wanted
            if leak:
                return StatementResult(
                    st, False, f"{what} is reachable", **self.explain(st, leak.witness(), True)
                )
            maybe = res.unknown & wanted
            if maybe:
                return self.undecided(st, f"whether {what} is delivered", maybe, res)
            return StatementResult(
                st, True, f"nothing of {what} is delivered", **self.explain(st, wanted.witness(), False)
            )
        if st.kind == "allow_only":
            extra = res.forward - wanted
            if extra:
                return StatementResult(
                    st,
                    False,
                    f"more than {st.flows_text} is reachable",
                    **self.explain(st, extra.witness(), True),
                )
        missing = wanted - res.forward
        sure_missing = missing - res.unknown
        if sure_missing:
            return StatementResult(
                st, False, f"part of {what} is not delivered",
                **self.explain(st, sure_missing.witness(), False),
            )  # fmt: skip
        if st.bidirectional:
            one_way = wanted - res.bidirectional - missing
            sure_one_way = one_way - res.return_unknown
            if sure_one_way:
                return StatementResult(
                    st, False, f"part of {what} is delivered but its replies are lost",
                    **self.explain(st, sure_one_way.witness(), False),
                )  # fmt: skip
            missing = missing | one_way
        if st.kind == "allow_only" and (res.unknown - wanted):
            missing = missing | (res.unknown - wanted)
        if missing:
            return self.undecided(st, what, missing, res)
        how = "both ways" if st.bidirectional else "delivered"
        extra_txt = ", nothing else" if st.kind == "allow_only" else ""
        return StatementResult(
            st, True, f"all of {what} is {how}{extra_txt}", **self.explain(st, wanted.witness(), True)
        )


def _ends(refs: tuple[str, ...]) -> str:
    return ", ".join(refs)


def _verdict_text(t: Trace) -> str:
    if t.verdict is Verdict.ACCEPT:
        return "ACCEPT"
    b = t.blocked_by
    return f"{t.verdict.value}" + (f" at {blocker_text(b)}" if b else "")


def _allowing_rules(t: Trace) -> list[str]:
    out = []
    for hop in t.forward.hops:
        if hop.action is HopAction.ALLOW and hop.rule is not None:
            d = f" {hop.direction.value}" if hop.direction else ""
            out.append(f"{hop.kind.value} {hop.id}{d}: {rule_text(hop.rule)}")
    return out


def _blocking_rules(t: Trace) -> list[str]:
    if t.blocked_by is None:
        return []
    return [blocker_text(t.blocked_by)]


def check_policy(snapshot: Snapshot, policy: Policy, *, snapshot_path: str = "SNAPSHOT") -> PolicyReport:
    checker = _Checker(snapshot, policy, snapshot_path)
    return PolicyReport(policy, tuple(checker.check(st) for st in policy.statements), snapshot_path)
