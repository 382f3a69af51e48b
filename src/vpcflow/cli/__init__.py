"""The ``vpcflow`` command line: thin — parse options, call one library function, render, exit.

Exit status: 0 success / ACCEPT, 1 negative answer (REJECT, PARTIAL, findings), 2 bad input or usage.
Every ``VpcflowError`` becomes one line on stderr and exit 2; no traceback reaches the user.
"""

from __future__ import annotations

import sys

import click
import typer

# Each command group lives in its own module and registers itself on `app` when imported.
import vpcflow.cli.audit_cmd
import vpcflow.cli.logs_cmd
import vpcflow.cli.reach_cmd
import vpcflow.cli.simulate_cmd
import vpcflow.cli.snapshot_cmd
import vpcflow.cli.trace_cmd  # noqa: F401  (registration)
from vpcflow.cli.app import app
from vpcflow.errors import VpcflowError

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    try:
        result = app(args=argv, standalone_mode=False)
    except VpcflowError as exc:
        print(f"vpcflow: error: {exc}", file=sys.stderr)
        return 2
    except click.exceptions.Abort:
        print("vpcflow: aborted", file=sys.stderr)
        return 2
    except click.exceptions.ClickException as exc:
        print(f"vpcflow: error: {exc.format_message()}", file=sys.stderr)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code)
    except KeyboardInterrupt:
        return 130
    return int(result) if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
