"""Data is never markup and never a terminal command: the one place that makes a value safe to print.

Everything vpcflow prints that came from input (ids, tags, file names, log fields, error messages that
quote them) goes through here. Rich markup is never parsed from data — renderers build ``Text`` objects
(``text``) and the CLI's consoles have markup off — and control characters (ESC sequences, ``\\r``,
C1 controls, bidirectional overrides, line separators) are shown as visible escapes (``\\x1b``,
``\\u202e``) instead of reaching the terminal.
"""

from __future__ import annotations

import re

from rich.text import Text

# DEL, C1 controls, zero-width and bidirectional formatting characters, line/paragraph separators …
_BEYOND_C0 = "\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
UNSAFE_BEYOND_C0 = re.compile(f"[{_BEYOND_C0}]")
# … and the C0 controls (ESC, CR, BEL, ...).
_UNSAFE_RE = re.compile(f"[\x00-\x1f{_BEYOND_C0}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def clean(value: object) -> str:
    """``value`` as one line of plain text: every control or formatting character made visible."""
    s = value if isinstance(value, str) else str(value)
    return _UNSAFE_RE.sub(_escape, s) if _UNSAFE_RE.search(s) else s


def clean_lines(value: str) -> str:
    """Like ``clean`` but keeps line breaks: for multi-line text blocks built by vpcflow itself."""
    return "\n".join(clean(line) for line in value.split("\n"))


def text(value: object, style: str = "") -> Text:
    """A Rich ``Text`` of ``clean(value)``: shown literally, never parsed as markup."""
    return Text(clean(value), style=style)
