"""``shuniu import organizations`` of a large CSV file: peak memory and time, beside
reading the same file with the ``csv`` module only, and reading it into a list of rows
(the import's path before it streamed), all in the same run.

Each side runs in its own child process (``bench.org_child``) so that its peak memory
(ru_maxrss, from wait4) is its own. The file is generated here: unique credit codes and
names, divisions of Beijing, Shanghai and Shenzhen, dates, addresses and service fields;
every tenth row names a hub association of an earlier or a later row, so that hubs across
chunks are part of what is timed.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

from bench.harness import BenchmarkError, Check, Context, Report, Row, Stage, Stopwatch, console
from shuniu.divisions.models import COUNTY_LEVELS, Division
from shuniu.registry import codes
from shuniu.registry.models import Organization, ServiceField

NAME = "org_import"
# At --scale 1 the file of the issue: 50 MB of organizations.
MIB_AT_SCALE_1 = 50
MEMORY_LIMIT_MIB = 300.0
CITIES = ("110000", "310000", "440300")
# Credit-code serials far above those of the other benchmarks' data.
SERIAL_BASE = 5_000_000
HEADERS = (
    "统一社会信用代码",
    "名称",
    "英文名称",
    "类型",
    "协会层级",
    "登记管理机关区划",
    "成立日期",
    "登记日期",
    "所属枢纽组织",
    "服务领域",
    "地址",
    "来源",
)
HUB_EVERY = 10
STREETS = "长安建国复兴和平解放人民中山朝阳光明幸福团结胜利友谊文化"


@dataclass
class ChildRun:
    seconds: float
    peak_mib: float
    report: dict[str, Any]


def run_child(mode: str, path: Path) -> ChildRun:
    env = dict(os.environ)
    env["BENCH_DATABASE_NAME"] = str(connection.settings_dict["NAME"])
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.org_child", mode, str(path)],
            stdout=out,
            stderr=err,
            env=env,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if returncode != 0:
        raise BenchmarkError(f"{NAME}: {mode} failed ({returncode}):\n{stderr[-3000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    return ChildRun(result["seconds"], usage.ru_maxrss / 1024, result["report"])


def write_csv(path: Path, *, megabytes: float, seed: int) -> int:
    """Rows until the file holds ``megabytes``; returns the number of rows."""
    rng = random.Random(seed)
    today = timezone.localdate()
    districts = sorted(
        (
            d
            for d in Division.objects.filter(parent__code__in=CITIES, level__in=COUNTY_LEVELS)
            if d.is_valid_on(today)
        ),
        key=lambda d: d.code,
    )
    fields = list(ServiceField.objects.values_list("name", flat=True)) or [""]
    limit = int(megabytes * 2**20)
    rows = 0
    # The last association a row names: the file goes on until it holds it.
    needed = 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADERS)
        while stream.tell() < limit or rows <= needed:
            serial = SERIAL_BASE + rows
            division = districts[rows % len(districts)]
            association = rows % HUB_EVERY == 0
            # Rows 10k+5 are led by the association of row 10k (the one before them, or
            # for every other group, the one after them in the file).
            hub = ""
            if rows % HUB_EVERY == 5:
                group = rows - 5 + (HUB_EVERY if (rows // HUB_EVERY) % 2 else 0)
                needed = max(needed, group)
                hub = f"基准社会工作者协会{SERIAL_BASE + group}"
            name = f"基准社会工作者协会{serial}" if association else f"基准社工事务所{serial}"
            founded = dt.date(1995, 1, 1) + dt.timedelta(days=rng.randrange(9000))
            writer.writerow(
                [
                    codes.generate_uscc(
                        authority="5",
                        category="1" if association else "2",
                        division=division.code,
                        serial=serial,
                    ),
                    name,
                    f"Benchmark Social Work {'Association' if association else 'Agency'} {serial}",
                    "社工协会" if association else "社工事务所",
                    "区级" if association else "",
                    division.code,
                    founded.isoformat(),
                    (founded + dt.timedelta(days=rng.randrange(400))).isoformat(),
                    hub,
                    "、".join(rng.sample(fields, min(2, len(fields)))),
                    f"{division.name}{rng.choice(STREETS)}{rng.choice(STREETS)}路"
                    f"{rng.randrange(1, 300)}号",
                    "基准测试数据（虚构）",
                ]
            )
            rows += 1
    return rows


def run(ctx: Context) -> Report:
    vendor = connection.vendor
    megabytes = MIB_AT_SCALE_1 * ctx.scale
    workdir = Path(tempfile.mkdtemp(prefix="shuniu-bench-orgs-"))
    generate = Stopwatch()
    path = workdir / "organizations.csv"
    try:
        with console.status(f"Writing {megabytes:,.0f} MiB of organizations to a CSV file…"):
            rows = generate.run(lambda: write_csv(path, megabytes=megabytes, seed=ctx.seed))
        size_mib = path.stat().st_size / 2**20
        before = Organization.objects.count()
        with console.status("Reading it with the csv module…"):
            floor = run_child("csv", path)
        with console.status("Reading it into a list of rows (the path before streaming)…"):
            read_all = run_child("read-all", path)
        with console.status(f"shuniu import organizations ({rows:,} rows)…"):
            ours = run_child("import", path)
    finally:
        for leftover in workdir.iterdir():
            leftover.unlink()
        workdir.rmdir()
    report = ours.report
    if (report["created"], Organization.objects.count() - before) != (rows, rows):
        raise BenchmarkError(f"{NAME}: the import reported {report}, expected {rows} created")
    if floor.report["rows"] != rows or read_all.report["rows"] != rows:
        raise BenchmarkError(f"{NAME}: the readers saw {floor.report} and {read_all.report}")
    watches = {}
    for label, child in (("csv", floor), ("read-all", read_all), ("import", ours)):
        watches[label] = Stopwatch(wall=child.seconds, cpu=child.seconds)
    return Report(
        name=NAME,
        title=f"org_import: shuniu import organizations, {rows:,} rows ({size_mib:,.0f} MiB "
        f"CSV) on {vendor}",
        subject="import",
        baseline="csv",
        stages=[
            Stage("write the CSV file", rows, "rows", generate),
            Stage("csv module: read every row", rows, "rows", watches["csv"]),
            Stage(
                "read all rows into a list (before streaming)", rows, "rows", watches["read-all"]
            ),
            Stage("shuniu import organizations (new)", rows, "rows", watches["import"]),
        ],
        rows=[
            Row(
                case="import vs csv reading",
                rows=rows,
                subject_s=ours.seconds,
                baseline_s=floor.seconds,
            )
        ],
        checks=[
            Check(
                "peak memory of the import process (ru_maxrss)",
                f"{ours.peak_mib:,.0f} MiB (limit {MEMORY_LIMIT_MIB:g} MiB)",
                ours.peak_mib < MEMORY_LIMIT_MIB,
            )
        ],
        target=f"peak memory < {MEMORY_LIMIT_MIB:g} MiB",
        notes=[
            f"peak memory (ru_maxrss): import {ours.peak_mib:,.0f} MiB, csv module "
            f"{floor.peak_mib:,.0f} MiB, read into a list {read_all.peak_mib:,.0f} MiB "
            f"(rows only: no checks, no writes)",
            f"times: import {ours.seconds:.1f} s ({rows / ours.seconds:,.0f} rows/s), csv "
            f"module {floor.seconds:.1f} s, read into a list {read_all.seconds:.1f} s",
            f"scale {ctx.scale:g} = {megabytes:,.0f} MiB; one row in {HUB_EVERY} names a hub "
            "of the file (half of them a later row)",
        ],
    )
