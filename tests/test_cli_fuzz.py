"""Fuzzing the command line: random options and values for every command keep the CLI contract.

Whatever the arguments — misspelt options, missing values, out-of-range or non-numeric numbers, NaN,
markup, terminal escapes, Unicode digits, paths that are files or absent — the exit status is 0, 1 or 2,
nothing prints a traceback, and a refusal (exit 2) is at most one line on stderr. The commands and their
options are read from the click command Typer builds, so options added later are fuzzed too.

Safety: every path the fuzzer can name lives under a temporary directory (inputs are copies), `snapshot
fetch` is left out (it would call AWS; its validation has its own tests), and the AWS SDK is pointed at a
closed port on 127.0.0.1 with instance metadata disabled, so nothing can leave the machine.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from vpcflow.cli import app, main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
VPCFLOW = Path(sys.executable).with_name("vpcflow")
LEFT_OUT = {("snapshot", "fetch")}
# Option values that reach a remote service or start a JVM are never generated.
NEVER = ("s3://", "cwl://", "spark")


def _commands() -> dict[tuple[str, ...], list[Any]]:
    found: dict[tuple[str, ...], list[Any]] = {}

    def walk(command: Any, path: tuple[str, ...]) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            found[path] = list(command.params)
            for name, sub in subs.items():
                walk(sub, (*path, name))
        elif path not in LEFT_OUT:
            found[path] = list(command.params)

    walk(typer.main.get_command(app), ())
    return found


COMMANDS = _commands()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Copies of the examples, a small flow-log store, and a few odd files — all under one tmp dir."""
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(EXAMPLES / "nacl-trap", root / "snap")
    shutil.copytree(EXAMPLES / "three-tier", root / "snap3")
    shutil.copy(EXAMPLES / "profiles" / "nacl-trap.yaml", root / "profile.yaml")
    shutil.copy(EXAMPLES / "policies" / "three-tier.yaml", root / "policy.yaml")
    (root / "markup[bold red]x[red].json").write_text('{"Vpcs": [{"VpcId": "vpc-[/]\\u001b[31m"}]}')
    (root / "empty.txt").write_text("")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        assert main(["simulate", str(root / "snap"), "--profile", str(root / "profile.yaml"),
                     "--out", str(root / "logs"), "--duration", "10m", "--seed", "3"]) == 0  # fmt: skip
        assert main(["logs", "ingest", str(root / "logs"), "--store", str(root / "store")]) == 0
    yield root


def _values(root: Path) -> list[str]:
    paths = [
        "snap",
        "snap3",
        "store",
        "logs",
        "profile.yaml",
        "policy.yaml",
        "markup[bold red]x[red].json",
        "empty.txt",
    ]
    return [
        *(str(root / p) for p in paths),
        str(root / "absent"),
        str(root / "new-out"),
        *("0", "1", "443", "65535", "65536", "-1", "255", "256", "99999999999999999999", "0x10", "1e3"),
        *("nan", "inf", "-inf", "0.5", "1.5", "٣", "²", "1_000", ""),
        *("tcp", "udp", "icmp", "icmpv6", "all", "47", "-p", "https"),
        *("linux", "elb", "1024-65535", "9-3", "70000-80000"),
        *("text", "json", "csv", "parquet", "xml", "duckdb"),
        *("2h", "7d", "0m", "10m", "99999999999d", "2023-11-14T22:00:00Z", "1699999999", "yesterday"),
        *("web-1", "internet", "anywhere", "10.1.0.10", "198.51.100.7", "eni-[/]", "[bold red]x", "\x1b[31m"),
        *("src", "dst", "pair", "interface", "bytes", "packets", "records", "version,srcaddr", "\r\n"),
        *("http://127.0.0.1:9", "us-east-1", "../x"),
    ]


def _option_names(params: list[Any]) -> list[str]:
    names = [o for p in params if p.param_type_name == "option" for o in (*p.opts, *p.secondary_opts)]
    return [*names, "--help", "--nope", "--por", "-z"]


def _valid(root: Path) -> dict[tuple[str, ...], list[str]]:
    """A command line that works, per command: mutating one reaches the checks after parsing."""
    snap, store = str(root / "snap"), ["--store", str(root / "store")]
    return {
        ("trace",): [snap, "--src", "198.51.100.7", "--dst", "web-1", "--port", "443"],
        ("reach",): [snap, "--src", "internet", "--dst", "web-1", "-p", "tcp"],
        ("diff",): [snap, snap, "--src", "internet", "--dst", "web-1", "--port", "443"],
        ("simulate",): [
            snap,
            "--profile",
            str(root / "profile.yaml"),
            "--out",
            str(root / "new-out"),
            "--duration",
            "10m",
        ],
        ("policy", "check"): [str(root / "snap3"), str(root / "policy.yaml")],
        ("snapshot", "info"): [snap],
        ("logs", "ingest"): [str(root / "logs"), "--store", str(root / "new-store")],
        ("logs", "explain"): [*store, "--snapshot", snap, "--limit", "5"],
        ("logs", "timeline"): [*store, "--bucket", "600"],
    }


@st.composite
def command_lines(draw: st.DrawFn, root: Path) -> list[str]:
    path = draw(st.sampled_from(sorted(COMMANDS)))
    names = _option_names(COMMANDS[path])
    values = _values(root)
    tokens = st.one_of(
        st.tuples(st.sampled_from(names), st.sampled_from(values)).map(list),
        st.sampled_from(names).map(lambda n: [n]),
        st.sampled_from(values).map(lambda v: [v]),
        st.text(max_size=8).map(lambda v: [v]),
    )
    valid = _valid(root).get(path, ["--store", str(root / "store")] if path[:1] == ("logs",) else [])
    if valid and draw(st.booleans()):
        # one mutation of a working line: a value replaced, a token dropped, or an option added
        argv = list(valid)
        where = draw(st.integers(0, len(argv) - 1))
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace":
            argv[where] = draw(st.sampled_from(values) | st.text(max_size=8))
        elif action == "drop":
            del argv[where]
        else:
            argv.extend(draw(tokens))
    else:
        argv = []
        for part in draw(st.lists(tokens, max_size=7)):
            argv.extend(part)
    argv = [*path, *argv]
    return [a for a in argv if not any(n in a for n in NEVER)] or ["--nope"]


def _no_aws(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    for key, value in {
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_CONFIG_FILE": str(root / "absent"),
        "AWS_SHARED_CREDENTIALS_FILE": str(root / "absent"),
    }.items():
        monkeypatch.setenv(key, value)


def _check(code: int, out: str, err: str, argv: list[str]) -> None:
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in out and "Traceback" not in err, (argv, err)
    if code == 2:
        assert err.count("\n") <= 1 and err.startswith("vpcflow: "), (argv, err)
    assert "\x1b" not in err, (argv, err)


@settings(
    max_examples=int(os.environ.get("VPCFLOW_FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_command_lines_keep_the_contract(
    sandbox: Path, monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    _no_aws(monkeypatch, sandbox)
    monkeypatch.chdir(sandbox)
    argv = data.draw(command_lines(sandbox))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    event(f"exit {code}")
    _check(code, out.getvalue(), err.getvalue(), argv)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_command_lines_through_the_installed_command(
    sandbox: Path, tmp_path: Path, data: st.DataObject
) -> None:
    argv = [a for a in data.draw(command_lines(sandbox)) if "\x00" not in a]  # argv cannot hold NUL
    env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    env.pop("VPCFLOW_DEBUG", None)
    proc = subprocess.run(
        [str(VPCFLOW), *argv], capture_output=True, text=True, timeout=120, check=False, cwd=sandbox, env=env
    )
    _check(proc.returncode, proc.stdout, proc.stderr, argv)
