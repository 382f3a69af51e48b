"""Stable JSON: sorted keys where order carries no meaning, two-space indent, UTF-8 kept."""

from __future__ import annotations

import json
from typing import Any


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
