"""The vectorised group matrix agrees, bit for bit, with the exact reach answer per ENI pair."""

from __future__ import annotations

import pytest

from fixtures.reach.random_snapshots import random_snapshot
from vpcflow.reach import HeaderSpace, Reachability
from vpcflow.reach.headerspace import address_set
from vpcflow.reach.matrix import GroupMatrix


@pytest.mark.parametrize("seed", range(25))
def test_matrix_rows_equal_exact_reach(seed: int) -> None:
    snap, _enis = random_snapshot(seed)
    m = GroupMatrix(snap)
    r = Reachability(snap, m.engine)
    for a, ea in enumerate(m.enis):
        fwd, bidi = m.eni_row(a)
        for b, eb in enumerate(m.enis):
            if a == b or ea.vpc_id != eb.vpc_id:
                continue  # the matrix answers pairs within one VPC (its declared scope)
            res = r.reach(str(ea.primary_ip), str(eb.primary_ip))
            for k, cls in enumerate(m.classes):
                q = res.query & cls.space()
                want_f = bool(res.forward & cls.space())
                want_b = bool(q) and q <= res.bidirectional
                got_f = bool((int(fwd[b, k // 64]) >> (k % 64)) & 1)
                got_b = bool((int(bidi[b, k // 64]) >> (k % 64)) & 1)
                assert got_f == want_f, (ea.eni_id, eb.eni_id, cls)
                assert got_b == want_b, (ea.eni_id, eb.eni_id, cls)


@pytest.mark.parametrize("seed", range(25, 35))
def test_matrix_cells_are_unions_of_member_pairs(seed: int) -> None:
    snap, _enis = random_snapshot(seed)
    m = GroupMatrix(snap)
    r = Reachability(snap, m.engine)
    fwd_m, bidi_m = m.compute()
    scope = HeaderSpace.empty()
    for vpc in {e.vpc_id for e in m.enis}:
        primaries = address_set(e.primary_ip for e in m.enis if e.primary_ip is not None and e.vpc_id == vpc)
        scope = scope | HeaderSpace.box(src=primaries, dst=primaries)
    for i, g1 in enumerate(m.group_ids):
        for j, g2 in enumerate(m.group_ids):
            res = r.reach(g1, g2)
            want = {k for k, c in enumerate(m.classes) if res.forward & scope & c.space()}
            got = {k for k in range(m.k) if (int(fwd_m[i, j, k // 64]) >> (k % 64)) & 1}
            assert got == want, (g1, g2)
            got_b = {k for k in range(m.k) if (int(bidi_m[i, j, k // 64]) >> (k % 64)) & 1}
            assert got_b <= got
