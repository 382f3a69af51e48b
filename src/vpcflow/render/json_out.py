"""Stable JSON: two-space indent, UTF-8 kept, keys in the order given (or sorted when asked).

Values are exact (JSON is the lossless output): the only change is that the control and formatting
characters ``json`` leaves raw (DEL, C1 controls, bidirectional overrides, line separators) are written
as ``\\uXXXX`` escapes, so printing the JSON to a terminal cannot run escape sequences.
"""

from __future__ import annotations

import json
from typing import Any

# What render.safe escapes beyond C0 (which json.dumps escapes itself); found only inside strings.
from vpcflow.render.safe import UNSAFE_BEYOND_C0 as _RAW_UNSAFE


def dumps(data: Any, *, sort_keys: bool = False) -> str:
    out = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=sort_keys)
    if _RAW_UNSAFE.search(out):
        out = _RAW_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", out)
    return out + "\n"
