"""One verdict for a flow that can go several ways (a load balancer's nodes and targets).

A flow works only if it works whichever way AWS sends it: ACCEPT when every way accepts; UNKNOWN when any
way is undecided; REJECT when every way rejects; otherwise PARTIAL (some connections fail: those sent the
failing way). The trace shown is the way that decides the verdict (the first failing one, a stopped
request first); every other way is summarised in a note. The request counts as delivered only if it is
delivered every way (the reachability engine reads the flows the same way).
"""

from __future__ import annotations

from dataclasses import replace

from vpcflow.engine.result import Hop, Leg, Trace, Verdict


def _rank(t: Trace) -> int:
    """Which way to show: a stopped request, then an undecided way, a rejected response, a partial one."""
    if t.verdict is Verdict.UNKNOWN:
        return 1 if t.forward.delivered else 0
    if not t.forward.delivered:
        return 0
    return {Verdict.REJECT: 2, Verdict.PARTIAL: 3, Verdict.ACCEPT: 4}[t.verdict]


def _fill_connections(hops: tuple[Hop, ...]) -> tuple[Hop, ...]:
    """Hops before the first one a proxy labelled belong to its first connection (the walk labels them
    as it goes: this only completes hops built otherwise)."""
    if not hops or hops[0].connection:
        return hops
    first = next((h.connection for h in hops if h.connection), "")
    if not first:
        return hops
    out: list[Hop] = []
    seen = False
    for h in hops:
        seen = seen or bool(h.connection)
        out.append(
            h
            if seen
            else Hop(
                h.kind, h.id, h.direction, h.action, h.rule, h.detail, h.denied_ports, h.group_ids, first
            )
        )
    return tuple(out)


def labelled(t: Trace) -> Trace:
    fwd = _fill_connections(t.forward.hops)
    ret = _fill_connections(t.ret.hops)
    if fwd is t.forward.hops and ret is t.ret.hops:
        return t
    return replace(t, forward=replace(t.forward, hops=fwd), ret=replace(t.ret, hops=ret))


def combine(ways: list[tuple[str, Trace]], truncated: bool = False) -> Trace:
    """The trace of a flow from the traces of every way it can go (``label``: which way)."""
    if len(ways) == 1 and not truncated:
        return labelled(ways[0][1])
    verdicts = {t.verdict for _l, t in ways}
    if verdicts == {Verdict.ACCEPT} and not truncated:
        verdict = Verdict.ACCEPT
    elif Verdict.UNKNOWN in verdicts or truncated:
        verdict = Verdict.UNKNOWN
    elif verdicts == {Verdict.REJECT}:
        verdict = Verdict.REJECT
    else:
        verdict = Verdict.PARTIAL
    order = sorted(range(len(ways)), key=lambda i: _rank(ways[i][1]))
    if verdict is Verdict.UNKNOWN and not truncated:
        order = sorted(order, key=lambda i: ways[i][1].verdict is not Verdict.UNKNOWN)
    shown_label, shown = ways[order[0]]
    notes: list[str] = []
    if verdicts == {Verdict.ACCEPT}:
        notes.append(
            f"every way the flow can go accepts ({len(ways)}): " + " | ".join(lb or "-" for lb, _t in ways)
        )
    else:
        notes.append(f"shown: {shown_label or 'one way'} ({shown.verdict.value})")
        for i in order[1:]:
            label, t = ways[i]
            why = "" if t.verdict is Verdict.ACCEPT else f": {t.diagnosis}"
            notes.append(f"also {t.verdict.value}: {label or 'another way'}{why}")
    if truncated:
        notes.append("the flow can go more ways than vpcflow walks: the answer is incomplete")
    for _l, t in ways:
        for n in t.notes:
            if n not in notes:
                notes.append(n)
    delivered = all(t.forward.delivered for _l, t in ways)
    return labelled(
        replace(
            shown,
            verdict=verdict,
            forward=Leg(delivered, shown.forward.hops, shown.forward.applicable),
            notes=tuple(notes),
            ways=tuple(t for _l, t in ways),
        )
    )
