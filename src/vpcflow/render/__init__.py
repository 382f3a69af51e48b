"""Renderers: turn results into text (Rich), JSON and other formats. No decisions here."""

from vpcflow.render.json_out import dumps
from vpcflow.render.trace_text import render_trace

__all__ = ["dumps", "render_trace"]
