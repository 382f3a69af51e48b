"""The numpy batch verdicts agree with Engine.trace on random snapshots and flows (ENI to ENI)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_property_trace import PORTS, snapshots
from vpcflow.engine import BatchEvaluator, Engine, Verdict
from vpcflow.engine.verdicts import ACCEPT, REJECT, RETURN_REJECT
from vpcflow.model import Snapshot


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(snapshots(), st.data())
def test_batch_equals_trace(snap_enis: tuple[Snapshot, list[str]], data: Any) -> None:
    snap, enis = snap_enis
    engine = Engine(snap)
    batch = BatchEvaluator(snap, engine.rules)
    n = 24
    src = [data.draw(st.sampled_from(enis)) for _ in range(n)]
    dst = [data.draw(st.sampled_from([e for e in enis if e != s])) for s in src]
    proto = [data.draw(st.sampled_from([6, 17, 1])) for _ in range(n)]
    dport = [
        data.draw(st.sampled_from(PORTS)) if p != 1 else data.draw(st.sampled_from([8, 0, 13, 3]))
        for p in proto
    ]
    sport = [data.draw(st.sampled_from([1024, 32767, 32768, 49152, 60999, 65535])) for _ in range(n)]
    s_idx, d_idx = batch.indices(src), batch.indices(dst)
    parr = np.array(proto, dtype=np.int64)
    assert batch.supports(s_idx, d_idx, parr).all()
    got = batch.verdicts(s_idx, d_idx, parr, np.array(dport, dtype=np.int64), np.array(sport, dtype=np.int64))
    for i in range(n):
        name = {6: "tcp", 17: "udp", 1: "icmp"}[proto[i]]
        dst_addr = str(snap.interfaces[dst[i]].private_ips[0])
        if proto[i] == 1:
            t = engine.trace(src[i], dst_addr, "icmp", icmp_type=dport[i])
        else:
            t = engine.trace(src[i], dst_addr, name, dport[i], src_port=sport[i])
        expected = (
            REJECT if not t.forward.delivered else (ACCEPT if t.verdict is Verdict.ACCEPT else RETURN_REJECT)
        )
        assert got.verdict[i] == expected, (src[i], dst[i], name, dport[i], sport[i], t.diagnosis)
