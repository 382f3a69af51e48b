"""The CLI contract, through the installed ``vpcflow`` console script: a usage or value error is one line
on stderr naming the option or value, exit 2, never a traceback; ``--version``; bare ``vpcflow`` prints
help; Ctrl-C is exit 130 with one line; a closed output pipe is silent; a bug is one line, exit 70."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import pytest

from vpcflow.cli import main

ROOT = Path(__file__).resolve().parents[1]
EX = str(ROOT / "examples" / "nacl-trap")
TT = str(ROOT / "examples" / "three-tier")
VPCFLOW = Path(sys.executable).with_name("vpcflow")
TRACE = ["trace", EX, "--src", "198.51.100.7", "--dst", "web-1"]
# Anything that could reach AWS goes to a closed port on 127.0.0.1 instead.
NO_AWS = {"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}


def vpcflow(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    assert VPCFLOW.exists(), f"{VPCFLOW} is not installed (make setup)"
    env = {**os.environ, **NO_AWS}
    for name in ("VPCFLOW_DEBUG", "COLUMNS"):  # no re-raise; tables at their non-terminal width
        env.pop(name, None)
    return subprocess.run(
        [str(VPCFLOW), *args], capture_output=True, text=True, timeout=120, check=False, cwd=cwd, env=env
    )


def refused(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit 2, nothing on stdout, exactly one line on stderr that mentions every needle."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout == ""
    assert proc.stderr.startswith("vpcflow: error: ") and proc.stderr.count("\n") == 1, proc.stderr
    for needle in needles:
        assert needle in proc.stderr, (needle, proc.stderr)
    return proc.stderr


USAGE_ERRORS: list[tuple[list[str], list[str]]] = [
    (["nosuchcommand"], ["No such command", "nosuchcommand"]),
    (["logs", "nosuch"], ["nosuch", "vpcflow logs --help"]),
    (["trace"], ["SNAPSHOT"]),
    (["trace", EX, "--src", "x"], ["--dst"]),
    ([*TRACE, "--port", "https"], ["--port"]),
    ([*TRACE, "--port", "70000"], ["--port", "65535"]),
    ([*TRACE, "--port", "-1"], ["--port"]),
    ([*TRACE, "--port", "80", "--prot", "tcp"], ["--prot"]),
    ([*TRACE, "--port", "80", "--src-port", "65536"], ["--src-port"]),
    ([*TRACE, "-p", "icmp", "--icmp-type", "256"], ["--icmp-type"]),
    ([*TRACE, "-p", "icmp", "--icmp-code", "-1"], ["--icmp-code"]),
    ([*TRACE, "--port", "80", "--format", "xml"], ["--format", "xml"]),
    ([*TRACE, "--port", "80", "--ipv6=yes"], ["--ipv6"]),
    ([*TRACE, "-p", "bogus"], ["--protocol", "bogus"]),
    # contradictory options: one line naming both
    ([*TRACE, "-p", "icmp", "--port", "80"], ["--port", "--protocol icmp"]),
    ([*TRACE, "-p", "icmp", "--src-port", "1024"], ["--src-port", "--protocol icmp"]),
    ([*TRACE, "-p", "icmpv6", "--client-ports", "linux"], ["--client-ports", "--protocol icmpv6"]),
    ([*TRACE, "-p", "47", "--port", "80"], ["--port", "--protocol 47"]),
    ([*TRACE, "--port", "80", "--icmp-type", "8"], ["--icmp-type", "--protocol tcp"]),
    ([*TRACE, "-p", "udp", "--port", "53", "--icmp-code", "0"], ["--icmp-code", "--protocol udp"]),
    ([*TRACE, "--port", "80", "--src-port", "1", "--client-ports", "nat"], ["--src-port", "--client-ports"]),
    (["reach", EX, "--src", "internet", "--dst", "web-1", "-p", "icmp", "--port", "80"], ["--port", "icmp"]),
    (["diff", EX, EX, "-p", "icmp,47", "--client-ports", "nat"], ["--client-ports", "icmp,47"]),
    (["reach", EX, "--src", "internet", "--dst", "web-1", "--port", "70000"], ["70000"]),
    # numeric options of the flow-log commands (checked before the store is opened)
    (["logs", "rejects", "--store", "/nonexistent", "--limit", "0"], ["--limit"]),
    (["logs", "top", "--store", "/nonexistent", "--limit", "-3"], ["--limit"]),
    (["logs", "scans", "--store", "/nonexistent", "--ports", "0"], ["--ports"]),
    (["logs", "scans", "--store", "/nonexistent", "--hosts-window", "0"], ["--hosts-window"]),
    (["logs", "scans", "--store", "/nonexistent", "--min-rejected", "nan"], ["--min-rejected"]),
    (["logs", "scans", "--store", "/nonexistent", "--min-rejected", "inf"], ["--min-rejected"]),
    (["logs", "scans", "--store", "/nonexistent", "--min-rejected", "1.5"], ["--min-rejected"]),
    (["logs", "timeline", "--store", "/nonexistent", "--bucket", "0"], ["--bucket"]),
    (["logs", "explain", "--store", "/nonexistent", "--snapshot", EX, "--limit", "0"], ["--limit"]),
    (["logs", "rejects", "--store", "/nonexistent", "--engine", "nope"], ["--engine", "nope"]),
    (["simulate", EX, "--profile", "p.yaml", "--out", "o", "--seed", "-1"], ["--seed"]),
    (["snapshot", "fetch", "--out", "o", "--region", "../../etc"], ["--region", "../../etc"]),
    (["snapshot", "fetch", "--out", "o", "--endpoint-url", "notaurl"], ["--endpoint-url", "notaurl"]),
    (["snapshot", "fetch", "--out", "o", "--endpoint-url", "http://127.0.0.1:99999"], ["--endpoint-url"]),
]


@pytest.mark.parametrize(
    ("args", "needles"), USAGE_ERRORS, ids=[" ".join(a[:1] + a[-2:]) for a, _ in USAGE_ERRORS]
)
def test_usage_and_value_errors_are_one_line_exit_2(args: list[str], needles: list[str]) -> None:
    refused(vpcflow(*args), *needles)


def test_value_errors_after_parsing_are_one_line(tmp_path: Path) -> None:
    store = tmp_path / "store"
    out = tmp_path / "logs"
    sim = ["simulate", EX, "--profile", str(ROOT / "examples/profiles/nacl-trap.yaml"), "--out", str(out)]
    refused(vpcflow(*sim, "--duration", "0m"), "--duration")
    refused(vpcflow(*sim, "--duration", "soon"), "soon")
    refused(vpcflow(*sim, "--start", "yesterday"), "--start", "yesterday")
    assert vpcflow(*sim, "--duration", "10m").returncode == 0
    assert vpcflow("logs", "ingest", str(out), "--store", str(store)).returncode == 0
    refused(vpcflow("logs", "rejects", "--store", str(store), "--since", "yesterday"), "--since", "yesterday")
    refused(vpcflow("logs", "rejects", "--store", str(store), "--until", "99999999999999d"), "--until")
    refused(vpcflow("logs", "rejects", "--store", str(store), "--since", "²"), "--since")
    refused(vpcflow("logs", "top", "--store", str(store), "--by", "nothing"), "--by")
    refused(
        vpcflow("logs", "timeline", "--store", str(store), "--plot", "/nonexistent/dir/t.png"), "/nonexistent"
    )


def test_bare_vpcflow_prints_help_and_exits_2() -> None:
    proc = vpcflow()
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stdout.startswith("Usage: vpcflow [OPTIONS] COMMAND [ARGS]...")
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("vpcflow: error: missing command")
    for name in ("trace", "reach", "diff", "logs", "snapshot", "policy", "simulate"):
        assert f"  {name} " in proc.stdout and name in proc.stderr


def test_a_group_without_its_command_prints_its_help() -> None:
    proc = vpcflow("logs")
    assert proc.returncode == 2 and proc.stdout.startswith("Usage: vpcflow logs [OPTIONS] COMMAND")
    assert proc.stderr.startswith("vpcflow: error: missing command: 'vpcflow logs' takes one of")
    assert proc.stderr.count("\n") == 1 and "rejects" in proc.stderr


def test_version() -> None:
    proc = vpcflow("--version")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"vpcflow {version('vpcflow')}\n", "")


def test_help_is_exit_0() -> None:
    proc = vpcflow("trace", "--help")
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.startswith("Usage: vpcflow trace [OPTIONS] SNAPSHOT\n")


def test_a_bad_snapshot_is_one_line_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"Vpcs": [')
    refused(vpcflow("trace", str(bad), "--src", "a", "--dst", "b", "--port", "1"), str(bad))


def test_ctrl_c_is_exit_130_with_one_line(tmp_path: Path) -> None:
    """SIGINT while the command is blocked reading its input (a FIFO the test holds open)."""
    fifo = tmp_path / "policy.yaml"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [str(VPCFLOW), "policy", "check", TT, str(fifo)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **NO_AWS},
    )
    writer = os.open(fifo, os.O_WRONLY)  # returns once vpcflow has opened the FIFO: it is inside main()
    try:
        time.sleep(0.3)  # let it block in read()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(writer)
    assert proc.returncode == 130
    assert err == "vpcflow: interrupted\n" and out == ""


def test_a_closed_output_pipe_is_silent() -> None:
    """``vpcflow ... | head`` when head has exited: no traceback, no 'Exception ignored', exit 141."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read: the first write fails with EPIPE
    try:
        proc = subprocess.run(
            [str(VPCFLOW), "reach", TT, "--src", "anywhere", "--dst", "anywhere"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 141 and proc.stderr == ""


def test_an_unexpected_exception_is_one_line_exit_70(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import vpcflow.cli.trace_cmd as trace_cmd

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom \x1b[31m")

    monkeypatch.setattr(trace_cmd, "load", boom)
    monkeypatch.delenv("VPCFLOW_DEBUG", raising=False)
    assert main([*TRACE, "--port", "443"]) == 70
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "vpcflow: internal error: RuntimeError: boom \\x1b[31m; please report it "
        "(VPCFLOW_DEBUG=1 shows the traceback)\n"
    )
    monkeypatch.setenv("VPCFLOW_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        main([*TRACE, "--port", "443"])


def test_keyboard_interrupt_in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import vpcflow.cli.trace_cmd as trace_cmd

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(trace_cmd, "load", interrupted)
    assert main([*TRACE, "--port", "443"]) == 130
    assert capsys.readouterr().err == "vpcflow: interrupted\n"
