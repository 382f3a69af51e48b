"""Audit benchmark: `vpcflow audit` against Checkov on the same generated Terraform plan, in one run.

    .venv/bin/python -m bench.bench_audit [--out bench/out/audit] [--runs 1] [--skip-checkov]

The plan (``terraform show -json`` shape, TF 1.9, every id unknown, edges only in ``configuration``
references): 1,200 security groups, 1,200 ``aws_security_group_rule``, 600
``aws_vpc_security_group_ingress_rule``, 1,500 instances, 40 subnets, 20 NACLs (with their standalone
entries), 2 VPCs with internet gateways and route tables — about 5,000 resources. Planted in it, 10 of
each: world-open SSH written five ways Checkov 3.3.30 reads differently (inline; standalone rule with
``prefix_list_ids = null``; new-style rule with ``ip_protocol = "-1"``; new-style ``cidr_ipv6 = "::/0"`` to
3389; ``0.0.0.0/1`` + ``128.0.0.0/1``; ``self = true`` beside ``0.0.0.0/0``), 8080 from the world (EC2.19),
5 NACLs that allow everything (EC2.21), and 5 NACLs whose ALLOW is shadowed by lower-numbered DENY
entries of 22 and 3389 written as separate ``aws_network_acl_rule`` resources (no EC2.21: a false alarm
for a per-rule reader).

Checkov runs from its own virtualenv (``bench/.venv-checkov``, created here with ``pip install
checkov==3.3.30`` when missing; not a project dependency): ``checkov -f plan.json --framework
terraform_plan -o json``. Both tools are timed as whole commands (start-up included), and both tools'
findings are counted on the planted set.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
import venv
from dataclasses import dataclass, field
from pathlib import Path

from bench.iac_plan import Json, PlanWriter
from bench.iac_plan import _ref as _ref

HERE = Path(__file__).resolve().parent
CHECKOV_VENV = HERE / ".venv-checkov"
CHECKOV_VERSION = "3.3.30"
# Checkov's security-group and NACL ingress checks (audit-tools.md §1)
CHECKOV_SG = {"CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"}
CHECKOV_NACL = {"CKV_AWS_229", "CKV_AWS_230", "CKV_AWS_231", "CKV_AWS_232", "CKV_AWS_352"}
SG_EXPOSURE = {"EC2.13", "EC2.14", "EC2.18", "EC2.19", "EC2.53", "EC2.54"}


def _block(
    port: int | None,
    cidrs: list[str],
    *,
    proto: str = "tcp",
    v6: list[str] | None = None,
    self_: bool = False,
) -> Json:
    lo = 0 if port is None else port
    return {
        "from_port": lo,
        "to_port": lo,
        "protocol": proto,
        "cidr_blocks": cidrs,
        "ipv6_cidr_blocks": v6 or [],
        "prefix_list_ids": [],
        "security_groups": [],
        "self": self_,
        "description": "",
    }


@dataclass
class Planted:
    """One planted item: the resource addresses that express it, and what AWS's controls say."""

    kind: str
    group: str  # the security group or NACL address the controls are about
    resources: set[str] = field(default_factory=set)  # every address that writes it
    positive: bool = True  # a true finding (False: a planted non-finding)


def make_plan(seed: int = 0) -> tuple[Json, list[Planted]]:
    rng = random.Random(seed)
    w = PlanWriter()
    planted: list[Planted] = []
    vpcs, igws, rtbs = [], [], []
    for v in range(2):
        a = w.add("aws_vpc", f"v{v}", {"cidr_block": f"10.{v}.0.0/16", "tags": {"Name": f"v{v}"}}, {}, {})
        vpcs.append(a)
        igws.append(
            w.add("aws_internet_gateway", f"gw{v}", {"tags": None}, {"vpc_id": True}, {"vpc_id": _ref(a)})
        )
        rtbs.append(
            w.add(
                "aws_route_table",
                f"public{v}",
                {"tags": None},
                {"vpc_id": True, "route": True},
                {"vpc_id": _ref(a)},
            )
        )
        w.add(
            "aws_route",
            f"default{v}",
            {"destination_cidr_block": "0.0.0.0/0"},
            {"route_table_id": True, "gateway_id": True},
            {"route_table_id": _ref(rtbs[v]), "gateway_id": _ref(igws[v])},
        )
    subnets = []
    for s in range(40):
        v = s % 2
        public = s % 4 < 2
        a = w.add(
            "aws_subnet",
            f"s{s}",
            {"cidr_block": f"10.{v}.{s}.0/24", "map_public_ip_on_launch": public, "tags": None},
            {"vpc_id": True},
            {"vpc_id": _ref(vpcs[v])},
        )
        subnets.append(a)
        if public:
            w.add(
                "aws_route_table_association",
                f"s{s}",
                {},
                {"route_table_id": True, "subnet_id": True},
                {"route_table_id": _ref(rtbs[v]), "subnet_id": _ref(a)},
            )
    # NACLs: 5 allow everything (EC2.21), 5 allow everything behind standalone DENY entries of 22 and
    # 3389 (no EC2.21), 10 allow 443 and replies only
    for n in range(20):
        v = n % 2
        pair = [subnets[k] for k in range(40) if k % 2 == v][(n // 2) * 2 : (n // 2) * 2 + 2]
        kind = "nacl-allow-all" if n < 5 else "nacl-shadowed-deny" if n < 10 else "nacl-restrictive"
        allow_all = {
            "rule_no": 100,
            "action": "allow",
            "protocol": "-1",
            "from_port": 0,
            "to_port": 0,
            "cidr_block": "0.0.0.0/0",
            "ipv6_cidr_block": "",
            "icmp_type": 0,
            "icmp_code": 0,
        }
        https = {**allow_all, "protocol": "6", "from_port": 443, "to_port": 443}
        replies = {**allow_all, "rule_no": 110, "protocol": "6", "from_port": 1024, "to_port": 65535}
        ingress = [allow_all] if kind != "nacl-restrictive" else [https, replies]
        egress = [allow_all]
        a = w.add(
            "aws_network_acl",
            f"n{n}",
            {"ingress": ingress, "egress": egress, "tags": None},
            {"vpc_id": True, "subnet_ids": True},
            {
                "vpc_id": _ref(vpcs[v]),
                "subnet_ids": {"references": [x for s in pair for x in (f"{s}.id", s)]},
            },
        )
        item = Planted(kind, a, {a}, positive=kind == "nacl-allow-all")
        if kind == "nacl-shadowed-deny":
            for i, (proto, port) in enumerate(((("6", 22)), ("6", 3389), ("17", 22), ("17", 3389))):
                r = w.add(
                    "aws_network_acl_rule",
                    f"n{n}_deny{i}",
                    {
                        "rule_number": 50 + i,
                        "egress": False,
                        "protocol": proto,
                        "rule_action": "deny",
                        "cidr_block": "0.0.0.0/0",
                        "from_port": port,
                        "to_port": port,
                    },
                    {"network_acl_id": True},
                    {"network_acl_id": _ref(a)},
                )
                item.resources.add(r)
        if kind != "nacl-restrictive":
            planted.append(item)
    # security groups: background rules (private sources, authorized ports), and the planted ones
    groups = []
    kinds = ["inline-22", "rule-22", "new-all", "new-v6-3389", "union-3389", "inline-8080", "self-22"]
    plant_at = {100 + 10 * k + i: kinds[k] for k in range(len(kinds)) for i in range(10)}
    for g in range(1200):
        v = g % 2
        ingress = [
            _block(rng.choice([80, 443, 5432, 6379, 8443]), [f"10.{rng.randrange(256)}.0.0/16"])
            for _ in range(rng.randint(1, 3))
        ]
        if g % 7 == 0:
            ingress.append(_block(443, ["0.0.0.0/0"]))  # authorized: no finding
        kind = plant_at.get(g)
        if kind == "inline-22":
            ingress.append(_block(22, ["0.0.0.0/0"]))
        elif kind == "union-3389":
            ingress.append(_block(3389, ["0.0.0.0/1", "128.0.0.0/1"]))
        elif kind == "inline-8080":
            ingress.append(_block(8080, ["0.0.0.0/0"]))
        elif kind == "self-22":
            ingress.append(_block(22, ["0.0.0.0/0"], self_=True))
        egress = [_block(None, ["0.0.0.0/0"], proto="-1")]
        a = w.add(
            "aws_security_group",
            f"g{g}",
            {
                "name": f"g{g}",
                "description": "generated",
                "ingress": ingress,
                "egress": egress,
                "tags": None,
                "revoke_rules_on_delete": False,
            },
            {"vpc_id": True, "owner_id": True},
            {"vpc_id": _ref(vpcs[v])},
        )
        groups.append(a)
        if kind is not None:
            planted.append(Planted(kind, a, {a}))
    by_kind = {k: [p for p in planted if p.kind == k] for k in kinds}
    # 1,200 standalone rules (10 planted world SSH with prefix_list_ids = null, as Terraform writes it)
    for r in range(1200):
        target = groups[rng.randrange(1200)]
        cidrs: list[str] | None = [f"10.{rng.randrange(256)}.{rng.randrange(256)}.0/24"]
        port = rng.choice([80, 443, 5432, 9000])
        same_vpc = groups[groups.index(target) % 2 :: 2]
        source = rng.choice(same_vpc) if r % 3 == 0 else None
        if r < 10:
            item = by_kind["rule-22"][r]
            target, cidrs, port, source = item.group, ["0.0.0.0/0"], 22, None
        after = {
            "type": "ingress",
            "from_port": port,
            "to_port": port,
            "protocol": "tcp",
            "cidr_blocks": None if source else cidrs,
            "ipv6_cidr_blocks": None,
            "prefix_list_ids": None,
            "self": False,
            "description": None,
        }
        exprs = {"security_group_id": _ref(target)}
        if source:
            exprs["source_security_group_id"] = _ref(source)
        a = w.add(
            "aws_security_group_rule",
            f"r{r}",
            after,
            {"security_group_id": True, "source_security_group_id": True},
            exprs,
        )
        if r < 10:
            by_kind["rule-22"][r].resources.add(a)
    # 600 new-style rules (10 protocol -1 from 0.0.0.0/0, 10 tcp 3389 from ::/0)
    for r in range(600):
        target = groups[rng.randrange(1200)]
        after: Json = {
            "ip_protocol": "tcp",
            "from_port": 443,
            "to_port": 443,
            "cidr_ipv4": f"10.{rng.randrange(256)}.0.0/16",
            "cidr_ipv6": None,
            "prefix_list_id": None,
            "referenced_security_group_id": None,
            "description": None,
            "tags": None,
        }
        item = None
        if r < 10:
            item = by_kind["new-all"][r]
            after |= {"ip_protocol": "-1", "from_port": None, "to_port": None, "cidr_ipv4": "0.0.0.0/0"}
        elif r < 20:
            item = by_kind["new-v6-3389"][r - 10]
            after |= {"from_port": 3389, "to_port": 3389, "cidr_ipv4": None, "cidr_ipv6": "::/0"}
        if item is not None:
            target = item.group
        a = w.add(
            "aws_vpc_security_group_ingress_rule",
            f"n{r}",
            after,
            {"security_group_id": True},
            {"security_group_id": _ref(target)},
        )
        if item is not None:
            item.resources.add(a)
    # 1,500 instances: every planted group on one in a public subnet (public address from the subnet)
    planted_groups = [p.group for p in planted if p.group.startswith("aws_security_group.")]
    for i in range(1500):
        if i < len(planted_groups):
            g = groups.index(planted_groups[i])
            s = next(k for k in range(40) if k % 2 == g % 2 and k % 4 < 2)
        else:
            g = rng.randrange(1200)
            s = rng.choice([k for k in range(40) if k % 2 == g % 2])
        w.add(
            "aws_instance",
            f"i{i}",
            {"ami": "ami-0123456789abcdef0", "instance_type": "t3.micro", "tags": None},
            {
                "subnet_id": True,
                "vpc_security_group_ids": True,
                "private_ip": True,
                "public_ip": True,
                "associate_public_ip_address": True,
            },
            {"subnet_id": _ref(subnets[s]), "vpc_security_group_ids": _ref(groups[g])},
        )
    return w.document(), planted


# -- running the tools -------------------------------------------------------------------------------


def checkov_bin() -> Path:
    exe = CHECKOV_VENV / "bin" / "checkov"
    if not exe.exists():
        print(f"creating {CHECKOV_VENV} with checkov=={CHECKOV_VERSION} (once)", file=sys.stderr)
        venv.create(CHECKOV_VENV, with_pip=True)
        subprocess.run(
            [str(CHECKOV_VENV / "bin" / "pip"), "install", "-q", f"checkov=={CHECKOV_VERSION}"], check=True
        )
    return exe


def _timed(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed, proc.stdout


def run_vpcflow(plan: Path) -> tuple[float, Json]:
    exe = Path(sys.executable).parent / "vpcflow"
    elapsed, out = _timed([str(exe), "audit", str(plan), "--format", "json"])
    return elapsed, json.loads(out)


def run_checkov(plan: Path) -> tuple[float, list[Json]]:
    elapsed, out = _timed(
        [
            str(checkov_bin()),
            "-f",
            str(plan),
            "--framework",
            "terraform_plan",
            "-o",
            "json",
            "--skip-download",
        ]
    )
    doc = json.loads(out)
    reports = doc if isinstance(doc, list) else [doc]
    failed = [c for rep in reports for c in rep.get("results", {}).get("failed_checks", [])]
    return elapsed, failed


# -- counting -----------------------------------------------------------------------------------------


def vpcflow_hits(report: Json, planted: list[Planted]) -> dict[str, bool]:
    flagged: set[str] = set()
    for f in report["findings"]:
        if f["check"] in SG_EXPOSURE or f["check"] == "EC2.21":
            flagged.update((f["resource"], f["resource_id"]))
    return {p.group: p.group in flagged for p in planted}


def checkov_hits(failed: list[Json], planted: list[Planted]) -> dict[str, bool]:
    flagged = {c["resource"] for c in failed if c["check_id"] in CHECKOV_SG | CHECKOV_NACL}
    return {p.group: bool(p.resources & flagged) for p in planted}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="bench/out/audit")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--skip-checkov", action="store_true")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    doc, planted = make_plan()
    plan = out / "plan.json"
    plan.write_text(json.dumps(doc))
    counts: dict[str, int] = {}
    for rc in doc["resource_changes"]:
        counts[rc["type"]] = counts.get(rc["type"], 0) + 1
    print(
        f"plan: {sum(counts.values())} resources ({', '.join(f'{n} {t}' for t, n in sorted(counts.items()))})"
    )
    positives = [p for p in planted if p.positive]
    negatives = [p for p in planted if not p.positive]
    vp_times, ck_times = [], []
    report: Json = {}
    failed: list[Json] = []
    for _ in range(args.runs):
        t, report = run_vpcflow(plan)
        vp_times.append(t)
        if not args.skip_checkov:
            t, failed = run_checkov(plan)
            ck_times.append(t)
    vp = vpcflow_hits(report, planted)
    print(
        f"vpcflow audit: {min(vp_times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in vp_times)}); "
        f"{len(report['findings'])} findings, {report['summary']['reachable']} exposures reachable"
    )
    print(
        f"  planted true findings found: {sum(vp[p.group] for p in positives)}/{len(positives)}; "
        f"false alarms on planted non-findings: {sum(vp[p.group] for p in negatives)}/{len(negatives)}"
    )
    by_kind: dict[str, list[Planted]] = {}
    for p in planted:
        by_kind.setdefault(p.kind, []).append(p)
    if ck_times:
        ck = checkov_hits(failed, planted)
        runs = ", ".join(f"{t:.2f}" for t in ck_times)
        print(f"checkov {CHECKOV_VERSION}: {min(ck_times):.2f} s (runs: {runs}); {len(failed)} failed checks")
        print(
            f"  planted true findings found: {sum(ck[p.group] for p in positives)}/{len(positives)}; "
            f"false alarms on planted non-findings: {sum(ck[p.group] for p in negatives)}/{len(negatives)}"
        )
        print(f"ratio (checkov / vpcflow): {min(ck_times) / min(vp_times):.1f}x")
        print("per planted kind (vpcflow / checkov):")
        for kind, items in by_kind.items():
            n = len(items)
            print(
                f"  {kind:<20} {sum(vp[p.group] for p in items)}/{n}   {sum(ck[p.group] for p in items)}/{n}"
            )


if __name__ == "__main__":
    main()
