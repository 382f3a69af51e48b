"""The ``vpcflow`` command line: thin — parse options, call one library function, render, exit.

Exit status: 0 success / ACCEPT, 1 negative answer (REJECT, PARTIAL, findings), 2 bad input or usage,
130 interrupted (Ctrl-C), 141 output pipe closed (``vpcflow ... | head``), 70 internal error (a bug).
Every error is one line on stderr (``vpcflow: error: ...``, control characters escaped); no traceback
reaches the user unless ``VPCFLOW_DEBUG`` is set.

The command line is parsed by calling the click command Typer builds (``make_context`` + ``invoke``, both
public click API) rather than Typer's own entry point, so every outcome reaches ``main`` as an exception
whatever Typer/click version is installed (Typer ≥ 0.25 vendors its own click and handles Ctrl-C and
closed pipes differently from older releases). Usage errors are recognised by the root class of the
error hierarchy of the click Typer uses, found from the public ``typer.BadParameter``.
"""

from __future__ import annotations

import os
import sys

import typer

# Each command group lives in its own module and registers itself on `app` when imported.
import vpcflow.cli.logs_cmd
import vpcflow.cli.reach_cmd
import vpcflow.cli.simulate_cmd
import vpcflow.cli.snapshot_cmd
import vpcflow.cli.trace_cmd  # noqa: F401  (registration)
from vpcflow.cli.app import app
from vpcflow.errors import VpcflowError
from vpcflow.render.safe import clean

__all__ = ["app", "main"]

EXIT_USAGE = 2
EXIT_INTERNAL = 70  # sysexits.h EX_SOFTWARE
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE


def _click_error_root() -> type[Exception]:
    """The class every click usage/parameter error derives from (``ClickException``, or the
    ``TyperException`` above it in Typer ≥ 0.25): the last class of ``typer.BadParameter``'s MRO that
    defines ``format_message``. Found this way, it never depends on where click lives."""
    root: type[Exception] = typer.BadParameter
    for cls in typer.BadParameter.__mro__:
        if isinstance(cls, type) and issubclass(cls, Exception) and "format_message" in vars(cls):
            root = cls
    return root


_CLICK_ERROR = _click_error_root()


def _say(message: str) -> None:
    """One line on stderr, control characters escaped; a closed stderr is not an error."""
    try:
        sys.stderr.write(f"vpcflow: {clean(message)}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _usage_message(exc: Exception) -> str:
    message = " ".join(str(exc.format_message()).split()).rstrip(".")  # type: ignore[attr-defined]
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", None)
    return f"error: {message}; see '{path} --help'" if path else f"error: {message}"


def _silence_stdout() -> None:
    """After EPIPE: point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        command = typer.main.get_command(app)
        with command.make_context("vpcflow", args) as ctx:
            result = command.invoke(ctx)
        sys.stdout.flush()  # inside the try: a closed pipe is reported here, not at interpreter exit
        return result if isinstance(result, int) else 0
    except VpcflowError as exc:
        _say(f"error: {exc}")
        return EXIT_USAGE
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):
            _say("interrupted")
            return EXIT_INTERRUPTED
        _say("aborted")
        return EXIT_USAGE
    except _CLICK_ERROR as exc:
        _say(_usage_message(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # a path the user named cannot be read or written (permissions, space, ...)
        where = f"{exc.filename}: " if exc.filename else ""
        _say(f"error: {where}{exc.strerror or exc}")
        return EXIT_USAGE
    except Exception as exc:
        if os.environ.get("VPCFLOW_DEBUG"):
            raise
        _say(
            f"internal error: {type(exc).__name__}: {exc}; please report it "
            "(VPCFLOW_DEBUG=1 shows the traceback)"
        )
        return EXIT_INTERNAL


def run() -> None:
    sys.exit(main())
