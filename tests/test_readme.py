"""The README is self-contained and shows real output.

Every ``$ vpcflow ...`` example that uses only shipped files (``examples/``) is run through the installed
command: its output and the ``echo $?`` after it must be what the README shows; an abridged example
(``...`` where output is left out) must show real pieces of the output, in their order. Links point at
files of the repository, never outside it.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest

from test_cli_contract import ROOT, vpcflow

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _examples(abridged: bool = False) -> list[tuple[str, str, int | None]]:
    """(command line, expected output, expected exit status or None) of every runnable example, whole or
    (``abridged``) with lines left out."""
    found = []
    for block in _plain_blocks(README):
        if not block.startswith("$ "):
            continue
        steps = re.split(r"^\$ ", block, flags=re.M)[1:]
        for i, step in enumerate(steps):
            command, _, output = step.partition("\n")
            command = command.split("  #")[0].strip()
            if not command.startswith("vpcflow ") or ("..." in output) != abridged:
                continue
            args = shlex.split(command)[1:]
            paths = [a for a in args if "/" in a and not a.startswith("-")]
            if not paths or not all(a.startswith("examples/") for a in paths):
                continue
            status = None
            if i + 1 < len(steps) and steps[i + 1].startswith("echo $?"):
                status = int(steps[i + 1].split("\n")[1])
            found.append((command, output, status))
    return found


def _plain_blocks(text: str) -> list[str]:
    """The fenced blocks without a language (```` ``` ````), fences paired line by line (a block in another
    language, ```` ```yaml ````, is skipped whole, its closing fence not taken for an opening one)."""
    blocks, current, language = [], None, None
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            if current is None:
                current, language = [], line[3:].strip()
            else:
                if not language:
                    blocks.append("".join(current))
                current = None
            continue
        if current is not None:
            current.append(line)
    return blocks


EXAMPLES = _examples()
ABRIDGED = _examples(abridged=True)


def test_the_readme_has_runnable_examples() -> None:
    commands = [c.split()[1] for c, _, _ in EXAMPLES]
    for name in ("trace", "reach", "policy", "diff", "snapshot"):
        assert name in commands, f"no runnable README example of vpcflow {name}"


@pytest.mark.parametrize(("command", "output", "status"), EXAMPLES, ids=[c for c, _, _ in EXAMPLES])
def test_a_readme_example_prints_what_the_readme_shows(command: str, output: str, status: int | None) -> None:
    proc = vpcflow(*shlex.split(command)[1:], cwd=ROOT)
    got = "\n".join(line.rstrip() for line in (proc.stdout + proc.stderr).splitlines())
    want = "\n".join(line.rstrip() for line in output.splitlines())
    assert got == want
    if status is not None:
        assert proc.returncode == status


@pytest.mark.parametrize(("command", "output", "status"), ABRIDGED, ids=[c for c, _, _ in ABRIDGED])
def test_an_abridged_readme_example_shows_real_lines_in_order(
    command: str, output: str, status: int | None
) -> None:
    proc = vpcflow(*shlex.split(command)[1:], cwd=ROOT)
    # compared with runs of whitespace as one space (a shown line may be wrapped at another width) and
    # without a table's rule line (its width is the terminal's)
    # (JSON, laid out by hand in the README, without any whitespace)
    sep = "" if output.lstrip().startswith(("{", "[")) else " "
    got = sep.join(_words(proc.stdout + proc.stderr))
    at = 0
    for shown in output.split("..."):
        want = sep.join(_words(shown))
        if not want:
            continue
        found = got.find(want, at)
        assert found >= 0, (
            f"the README shows output the command does not print (or not in this order): {want!r}"
        )
        at = found + len(want)
    if status is not None:
        assert proc.returncode == status


def _words(text: str) -> list[str]:
    return [w for line in text.splitlines() if line.strip().strip("─") for w in line.split()]


def test_the_readme_sends_readers_only_to_files_of_the_repository() -> None:
    assert "../shared" not in README
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith(("http://", "https://")):
            assert (ROOT / target).exists(), f"README links to {target}, which is not in the repository"


def test_the_demo_runs_and_prints_no_markup() -> None:
    """``make demo``'s program: every verdict and the policy, styled, never a markup tag in the text."""
    proc = subprocess.run(
        [sys.executable, "-m", "vpcflow.demo"], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "[/]" not in proc.stdout and "[green]" not in proc.stdout
    # alb-waf's five statements are proven; three-tier's ALB node has no describe-load-balancers data:
    # what the internet reaches through it is undecided (its listeners are unknown), its other three hold
    assert proc.stdout.count("PASS  ") == 8 and proc.stdout.count("UNDECIDED  ") == 1
    assert "SUBNET_ACL_RESTRICTION" in proc.stdout and "UNKNOWN_RESOURCE" in proc.stdout
    # the chain through the ALB is shown whole: both connections, and the WAF rule that blocks a client
    assert "client → load balancer" in proc.stdout and "load balancer → target" in proc.stdout
    assert "WAF_RULE_RESTRICTION" in proc.stdout
