"""Help text renders cleanly: no type decorations (``<bool>``, ``<str>``), no ``{snapshot}``, and each
command's summary in its group's list is the whole first paragraph (one sentence) of its docstring."""

from __future__ import annotations

import contextlib
import inspect
import io
import re
from typing import Any

import pytest
import typer

from test_cli_contract import vpcflow
from vpcflow.cli import app, main


def _tree() -> dict[tuple[str, ...], Any]:
    found: dict[tuple[str, ...], Any] = {}

    def walk(command: Any, path: tuple[str, ...]) -> None:
        found[path] = command
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


TREE = _tree()


def _help(path: tuple[str, ...]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*path, "--help"]) == 0
    return out.getvalue()


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("path", sorted(TREE), ids=lambda p: " ".join(p) or "vpcflow")
def test_help_has_no_type_decorations(path: tuple[str, ...]) -> None:
    text = _help(path)
    usage = text.splitlines()[0]
    assert usage.startswith("Usage: " + " ".join(("vpcflow", *path)))
    assert not re.search(r"<[a-z]", text), text  # <bool>, <str>, <int range>, <text|json>
    assert "{" not in usage and "}" not in usage, usage
    for param in TREE[path].params:
        if param.param_type_name == "option":
            assert getattr(param, "help", None), f"{' '.join(path)} {param.opts[0]} has no help"


@pytest.mark.parametrize("path", sorted(p for p in TREE if getattr(TREE[p], "commands", None)), ids=str)
def test_summaries_are_whole_first_paragraphs(path: tuple[str, ...]) -> None:
    listing = _flat(_help(path).split("Commands:", 1)[1])
    for name, sub in getattr(TREE[path], "commands", {}).items():
        doc = sub.help or ""
        first = _flat(inspect.cleandoc(doc).split("\n\n", 1)[0])
        assert first.endswith("."), f"{name}: first paragraph is not a sentence: {first!r}"
        assert f"{name} {first}" in listing, (name, first, listing)


def test_the_installed_command_prints_the_same_help() -> None:
    proc = vpcflow("--help")
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout == _help(())
    proc = vpcflow("logs", "explain", "--help")
    assert proc.returncode == 0 and proc.stdout.startswith("Usage: vpcflow logs explain [OPTIONS]\n")
    assert "--snapshot SNAPSHOT" in proc.stdout and "<" not in proc.stdout
