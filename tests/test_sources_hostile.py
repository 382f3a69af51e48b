"""Hostile files: binary, the wrong encodings, NUL bytes, absurd nesting, huge numbers, duplicate keys,
oversized files, odd directory entries — for snapshot JSON and policy YAML alike, through the library,
in-process ``vpcflow.cli.main`` and the installed console script: one line naming the file (and line and
column for YAML, JSON path and resource id where there is one), exit 2, never a traceback."""

from __future__ import annotations

import codecs
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vpcflow.cli import main
from vpcflow.errors import InputError, SnapshotError
from vpcflow.reach import policy as policy_mod
from vpcflow.reach.policy import load_policy
from vpcflow.sources import load_snapshot, load_with_report
from vpcflow.sources import loader as loader_mod

VPCFLOW = Path(sys.executable).parent / "vpcflow"  # the console script pip installed beside python
FIXTURES = Path(__file__).parent / "fixtures"
SNAPSHOT = FIXTURES / "snapshots" / "dual-stack"
POLICY = FIXTURES / "reach" / "three-tier-policy.yaml"
DOC = json.dumps({"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]})

# (name, bytes, the message after "<file>: ")
BAD_JSON: list[tuple[str, bytes, str]] = [
    ("binary", bytes(range(256)) * 4, "binary data (NUL bytes), not JSON text"),
    ("nul-in-text", b'{"Vpcs": [\x00]}', "binary data (NUL bytes), not JSON text"),
    ("utf16-no-bom", DOC.encode("utf-16-le"), "UTF-16 text without a byte-order mark; save it as UTF-8"),
    ("utf16be-no-bom", DOC.encode("utf-16-be"), "UTF-16 text without a byte-order mark; save it as UTF-8"),
    ("utf32-bom", DOC.encode("utf-32"), "UTF-32 text; save it as UTF-8"),
    ("utf32-no-bom", DOC.encode("utf-32-le"), "UTF-32 text; save it as UTF-8"),
    (
        "latin-1",
        '{"Vpcs": [{"VpcId": "vpc-é"}]}'.encode("latin-1"),
        "not UTF-8 text (byte 0xe9 at offset 25)",
    ),
    ("bad-utf16", codecs.BOM_UTF16_LE + b"{\x00\x00\xd8", "invalid UTF-16 text at byte"),
    ("deep-arrays", b"[" * 100_000, "invalid JSON: nested too deeply"),
    ("deep-objects", b'{"a":' * 100_000, "invalid JSON: nested too deeply"),
    (
        "huge-integer",
        b'{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": ' + b"9" * 5000 + b"}]}",
        "invalid JSON: an integer",
    ),
    ("nan", b'{"Vpcs": NaN}', "invalid JSON: NaN is not a JSON value"),
    ("infinity", b'{"Vpcs": [-Infinity]}', "invalid JSON: -Infinity is not a JSON value"),
    (
        "duplicate-key",
        b'{"SecurityGroups": [{"GroupId": "sg-1"}, '
        b'{"GroupId": "sg-2", "IpPermissions": [], "IpPermissions": []}]}',
        "at $.SecurityGroups[1]: sg-2: duplicate key 'IpPermissions' in one object",
    ),
    ("duplicate-top-key", b'{"Vpcs": [], "Vpcs": []}', "at $: duplicate key 'Vpcs' in one object"),
    ("trailing-garbage", DOC.encode() + b"}", "invalid JSON: Extra data at line 1 column"),
    (
        "control-char-in-id",
        b'{"Vpcs": [{"VpcId": "vpc-\\u001b[31m\\n", "CidrBlock": "x"}]}',
        "vpc-\\x1b[31m\\n: invalid CIDR",
    ),
    (
        "big-port",
        b'{"SecurityGroups": [{"GroupId": "sg-1", '
        b'"IpPermissions": [{"IpProtocol": "tcp", "FromPort": 1e400}]}]}',
        "expected an integer, found inf",
    ),
]


@pytest.mark.parametrize(("name", "data", "expected"), BAD_JSON, ids=[c[0] for c in BAD_JSON])
def test_bad_snapshot_file_is_one_line(tmp_path: Path, name: str, data: bytes, expected: str) -> None:
    f = tmp_path / f"{name}.json"
    f.write_bytes(data)
    with pytest.raises(SnapshotError) as info:
        load_snapshot(f)
    message = str(info.value)
    assert message.startswith(f"{f}: ") and expected in message, message
    assert "\n" not in message and len(message) < 400


@pytest.mark.parametrize(("name", "data", "expected"), BAD_JSON, ids=[c[0] for c in BAD_JSON])
def test_bad_snapshot_file_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes, expected: str
) -> None:
    f = tmp_path / f"{name}.json"
    f.write_bytes(data)
    assert main(["snapshot", "info", str(f), "--format", "json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"vpcflow: error: {f}: ") and expected in err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8])
def test_powershell_utf16_with_bom_loads(tmp_path: Path, bom: bytes) -> None:
    """Windows PowerShell 5.1's ``aws ec2 describe-vpcs > vpcs.json`` writes UTF-16LE with a BOM."""
    encoding = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be", codecs.BOM_UTF8: "utf-8"}[
        bom
    ]
    f = tmp_path / "vpcs.json"
    f.write_bytes(bom + DOC.replace("}", "}\r\n").encode(encoding))
    assert list(load_snapshot(f).vpcs) == ["vpc-1"]


def test_oversized_file_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader_mod, "MAX_FILE_BYTES", 1024)
    f = tmp_path / "big.json"
    f.write_text(
        json.dumps({"Vpcs": [{"VpcId": f"vpc-{i}", "CidrBlock": "10.0.0.0/16"} for i in range(100)]})
    )
    with pytest.raises(
        SnapshotError, match=r"big\.json: larger than 0 MiB, the most one snapshot file may hold"
    ):
        load_snapshot(f)


def test_odd_directory_entries_are_skipped_and_said(tmp_path: Path) -> None:
    (tmp_path / "vpcs.json").write_text(DOC)
    (tmp_path / "_underscore.json").write_text(json.dumps({"Subnets": []}))  # read like any other
    (tmp_path / ".hidden.json").write_text(DOC)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.json").write_text(DOC)
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "_SUCCESS").write_text("")
    os.mkfifo(tmp_path / "fifo.json")  # never opened: reading a FIFO would block
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock.json"))
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "subnets.json").write_text(json.dumps({"Subnets": []}))
    (tmp_path / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "dangling.json").symlink_to(tmp_path / "nowhere.json")
    try:
        result = load_with_report(tmp_path)
    finally:
        server.close()
    assert [Path(f).name for f in result.files] == ["_underscore.json", "subnets.json", "vpcs.json"]
    skipped = {
        Path(w.source or "").name: w.message for w in result.snapshot.warnings if w.code == "SKIPPED_FILE"
    }
    assert skipped == {
        ".git": "not read: hidden directory",
        ".hidden.json": "not read: hidden file",
        "_SUCCESS": "not read: not a .json file",
        "dangling.json": "not read: broken symbolic link",
        "fifo.json": "not read: not a regular file",
        "linked": "not read: symbolic link to a directory (not followed)",
        "notes.txt": "not read: not a .json file",
        "sock.json": "not read: not a regular file",
    }
    assert sorted(Path(f).name for f in result.ignored_files) == sorted(skipped)


def test_a_snapshot_path_that_is_not_a_file_or_directory(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(SnapshotError, match=r"fifo: not a regular file or directory$"):
        load_snapshot(tmp_path / "fifo")


def test_deep_directory_tree(tmp_path: Path) -> None:
    d = tmp_path
    for _ in range(60):
        d = d / "d"
    d.mkdir(parents=True)
    (d / "vpcs.json").write_text(DOC)
    assert list(load_snapshot(tmp_path).vpcs) == ["vpc-1"]


# -- policy YAML ----------------------------------------------------------------------------------------

_LOL = "lol0: &l0 [a, a, a, a, a, a, a, a, a]\n" + "".join(
    f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 10)
)
BAD_YAML: list[tuple[str, bytes, str]] = [
    ("binary", b"statements:\n  - allow: \x00\x01\x02", ":2:12: binary data (a NUL byte), not YAML text"),
    ("latin-1", "statements:\n  - name: caf\xe9\n".encode("latin-1"), ":2:14: not UTF-8 text (byte 0xe9)"),
    ("utf32", b"statements: []".decode().encode("utf-32"), ":1:1: UTF-32 text; save the policy as UTF-8"),
    ("escape-char", b"statements:\n  - allow: {from: a\x1bb}\n", ":2:20: invalid YAML: special characters"),
    ("deep-flow", b"statements: " + b"[" * 100_000, ":1:44: invalid YAML: nested deeper than 32 levels"),
    (
        "deep-block",
        ("statements:\n" + "".join(" " * i + "a:\n" for i in range(2000))).encode(),
        ":33:32: invalid YAML: nested deeper than 32 levels",
    ),
    ("billion-laughs-top", ("version: 1\n" + _LOL).encode(), ":2:1: unknown key 'lol0'"),
    (
        "billion-laughs-in-a-list",
        (
            "description: &d\n"
            + "".join("  " + line + "\n" for line in _LOL.splitlines())
            + "statements:\n  - deny: {from: *l9, to: b}\n"
        ).encode(),
        "each item of 'from' must be a single value",
    ),
    ("wrong-type-statements", b"statements: 5\n", ":1:13: 'statements' must be a non-empty list"),
    ("wrong-type-root", b"- 1\n- 2\n", ":1:1: the policy must be a mapping"),
    (
        "wrong-type-flow",
        b"statements:\n  - allow: {from: a, to: b, flows: [{x: 1}]}\n",
        ":2:37: a flow must be a single value",
    ),
    ("tab-indent", b"statements:\n\t- allow: {}\n", ":2:1: invalid YAML"),
    (
        "two-documents",
        b"statements: []\n---\nx: 1\n",
        ":2:1: invalid YAML: expected a single document in the stream, but found another",
    ),
]


@pytest.mark.parametrize(("name", "data", "expected"), BAD_YAML, ids=[c[0] for c in BAD_YAML])
def test_bad_policy_is_one_line_with_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes, expected: str
) -> None:
    f = tmp_path / f"{name}.yaml"
    f.write_bytes(data)
    t0 = time.perf_counter()
    with pytest.raises(InputError) as info:
        load_policy(f)
    assert (
        time.perf_counter() - t0 < 10
    )  # an alias bomb is never expanded (a generous bound, not a benchmark)
    message = str(info.value)
    assert message.startswith(str(f)) and expected in message and "\n" not in message, message
    assert main(["policy", "check", str(SNAPSHOT), str(f)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"vpcflow: error: {f}:") and err.count("\n") == 1


def test_policy_in_utf16_with_bom_reads(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_bytes(codecs.BOM_UTF16_LE + POLICY.read_text().encode("utf-16-le"))
    assert [s.name for s in load_policy(f).statements] == [s.name for s in load_policy(POLICY).statements]


def test_oversized_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy_mod, "MAX_POLICY_BYTES", 100)
    f = tmp_path / "p.yaml"
    f.write_text(POLICY.read_text())
    with pytest.raises(InputError, match=r"p\.yaml:1:1: larger than 0 MiB: not a policy"):
        load_policy(f)


# -- the installed console script ---------------------------------------------------------------------------


@pytest.mark.skipif(not VPCFLOW.exists(), reason=f"console script not installed at {VPCFLOW}")
@pytest.mark.parametrize(
    ("argv_of", "content", "expected"),
    [
        (lambda f: ["snapshot", "info", f], b"[" * 100_000, "invalid JSON: nested too deeply"),
        (lambda f: ["snapshot", "info", f], DOC.encode("utf-16-le"), "UTF-16 text without a byte-order mark"),
        (lambda f: ["snapshot", "info", f], bytes(range(256)), "binary data (NUL bytes)"),
        (lambda f: ["policy", "check", str(SNAPSHOT), f], b"statements: " + b"[" * 100_000, "nested deeper"),
        (
            lambda f: ["policy", "check", str(SNAPSHOT), f],
            b"statements:\n  - \x00",
            "binary data (a NUL byte)",
        ),
    ],
    ids=["json-deep", "json-utf16", "json-binary", "yaml-deep", "yaml-binary"],
)
def test_installed_script(tmp_path: Path, argv_of: object, content: bytes, expected: str) -> None:
    f = tmp_path / "input"
    f.write_bytes(content)
    assert callable(argv_of)
    proc = subprocess.run(
        [str(VPCFLOW), *argv_of(str(f))], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr
    assert proc.stderr.startswith(f"vpcflow: error: {f}") and expected in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
