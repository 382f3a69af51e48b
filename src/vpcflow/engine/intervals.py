"""Sets of integers as sorted disjoint closed intervals, with set algebra (``| & - <= in``).

Used for port sets on the return path (the ephemeral-port trap) and, by the reachability engine, for
address and port dimensions of header spaces.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from vpcflow.model.frozen import fast_init


def _normalise(pairs: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(p for p in pairs if p[0] <= p[1]):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


@fast_init
@dataclass(frozen=True, slots=True)
class IntervalSet:
    spans: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, *pairs: tuple[int, int]) -> IntervalSet:
        return cls(_normalise(pairs))

    @classmethod
    def from_spans(cls, pairs: Iterable[tuple[int, int]]) -> IntervalSet:
        return cls(_normalise(pairs))

    @classmethod
    def single(cls, value: int) -> IntervalSet:
        return cls(((value, value),))

    def __bool__(self) -> bool:
        return bool(self.spans)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.spans)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int):
            return False
        i = bisect_right(self.spans, (value, 1 << 200)) - 1
        return i >= 0 and self.spans[i][0] <= value <= self.spans[i][1]

    def __or__(self, other: IntervalSet) -> IntervalSet:
        return IntervalSet(_normalise(self.spans + other.spans))

    def __and__(self, other: IntervalSet) -> IntervalSet:
        if other is self:  # x & x is x (often: a packet's ports and a filter that passed them all)
            return self
        a, b = self.spans, other.spans
        if a == b:
            return self
        if len(a) == 1 and len(b) == 1:  # the common case, kept cheap
            lo, hi = max(a[0][0], b[0][0]), min(a[0][1], b[0][1])
            return IntervalSet(((lo, hi),)) if lo <= hi else _EMPTY
        out: list[tuple[int, int]] = []
        i = j = 0
        while i < len(a) and j < len(b):
            lo = max(a[i][0], b[j][0])
            hi = min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return IntervalSet(tuple(out))

    def __sub__(self, other: IntervalSet) -> IntervalSet:
        b = other.spans
        if not b or not self.spans:
            return self
        if len(b) == 1 and b[0][0] <= self.spans[0][0] and self.spans[-1][1] <= b[0][1]:
            return _EMPTY
        out: list[tuple[int, int]] = []
        j = 0
        for lo, hi in self.spans:
            cur = lo
            while j < len(b) and b[j][1] < cur:
                j += 1
            k = j
            while k < len(b) and b[k][0] <= hi:
                if b[k][0] > cur:
                    out.append((cur, b[k][0] - 1))
                cur = max(cur, b[k][1] + 1)
                if cur > hi:
                    break
                k += 1
            if cur <= hi:
                out.append((cur, hi))
        return IntervalSet(tuple(out))

    def __le__(self, other: IntervalSet) -> bool:
        return not (self - other)

    @property
    def size(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.spans)

    @property
    def first(self) -> int:
        return self.spans[0][0]

    def __str__(self) -> str:
        if not self.spans:
            return "none"
        return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.spans)


_EMPTY = IntervalSet()
