"""The Typer application, its command groups, and the conventions every command shares.

- Help is click's plain format (``rich_markup_mode=None``): stable across Typer versions, and free of the
  ``<bool>`` / ``{snapshot}`` decorations recent Typer puts in its Rich help.
- A command's summary in its group's list is the first paragraph of its docstring (one sentence), whole.
- Usage lines name arguments in capitals (``vpcflow trace [OPTIONS] SNAPSHOT``).
- ``vpcflow`` or a group without a command prints the group's help on stdout, then one line on stderr,
  exit 2 (a command is missing: a usage error like any other).
- ``vpcflow --version``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as dist_version
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperCommand

from vpcflow.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])


def summary(doc: str | None) -> str:
    """The first paragraph of a docstring on one line: what a group's command list shows."""
    first = inspect.cleandoc(doc or "").split("\n\n", 1)[0]
    return " ".join(first.split())


def _argument_name(param: Any) -> str:
    name = str(param.metavar or (param.name or "").upper())
    return name + "..." if param.nargs != 1 else name


class Command(TyperCommand):
    """A command whose usage line and help name its arguments as ``SNAPSHOT``, ``PATH...`` (no type
    decorations): only public click API (``collect_usage_pieces``, ``format_options``). An option that
    takes a value and names no metavar shows its name in capitals (``--store STORE``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if param.param_type_name == "option" and not getattr(param, "is_flag", False):
                param.metavar = param.metavar or (param.name or "value").upper()

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = _argument_name(param)
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        args, opts = [], []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                args.append((_argument_name(param), getattr(param, "help", None) or ""))
            elif param.param_type_name == "option" and not getattr(param, "hidden", False):
                record = param.get_help_record(ctx)
                if record is not None:
                    opts.append(record)
        for title, rows in (("Arguments", args), ("Options", opts)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class Typer(typer.Typer):
    """``typer.Typer`` with vpcflow's conventions: plain help, whole summaries, capitalised arguments."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("rich_markup_mode", None)
        kwargs.setdefault("add_completion", False)
        kwargs.setdefault("pretty_exceptions_enable", False)
        super().__init__(**kwargs)

    def command(self, name: str | None = None, **kwargs: Any) -> Callable[[F], F]:
        kwargs.setdefault("cls", Command)

        def register(f: F) -> F:
            kwargs.setdefault("short_help", summary(f.__doc__))
            registered: F = typer.Typer.command(self, name, **kwargs)(f)
            return registered

        return register


def _require_command(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None and not ctx.resilient_parsing:
        typer.echo(ctx.get_help())
        commands = ", ".join(sorted(getattr(ctx.command, "commands", {})))
        raise UsageError(f"missing command: '{ctx.command_path}' takes one of {commands} (help above)")


def _version(value: bool) -> None:
    if value:
        try:
            number = dist_version("vpcflow")
        except PackageNotFoundError:  # running from a source tree that was never installed
            number = "unknown"
        typer.echo(f"vpcflow {number}")
        raise typer.Exit(0)


HELP = "Model AWS VPC traffic filtering offline: trace, reach, audit, flow logs."

app = Typer(name="vpcflow", help=HELP, invoke_without_command=True)


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_version, help="Print the version and exit."),
    ] = False,
) -> None:
    _require_command(ctx)


def group(name: str, help: str) -> Typer:
    """A command group (``vpcflow NAME ...``) registered on ``app``."""
    sub = Typer(help=help, short_help=summary(help), invoke_without_command=True, callback=_require_command)
    app.add_typer(sub, name=name)
    return sub
