"""How fast a read-only command starts: ``shuniu stats organizations --region 110000`` (wall
time of the whole process, on the run's database) against what any Django command pays
before it does anything: the interpreter alone, and the interpreter plus ``django.setup()``
with this project's settings.

Each case is its own process, run ``repeat`` times interleaved; the median counts. The ratio is
the command against ``django.setup()``: what the command adds on top of loading the project
(its imports, the query, the table). The absolute target is the issue's: under 0.3 s wall.
A second stats run is a cache hit (``shuniu.stats.cache``): the first one stored the figures.

Most of the start is importing: a process that must compile the modules it imports (no
``.pyc`` beside them, and PYTHONDONTWRITEBYTECODE set so none is ever written) starts about
2.5 times slower. ``make env`` byte-compiles the environment; the report says whether the
modules this run imports were compiled.
"""

from __future__ import annotations

import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from django.db import connection, connections

from bench import synthetic
from bench.harness import BenchmarkError, Check, Context, Report, Row

NAME = "cli_start"
TARGET_WALL_S = 0.3
REPO = Path(__file__).resolve().parents[1]
SETUP = (
    "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
    "import django; django.setup()"
)


def _env() -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    url = os.environ.get("DATABASE_URL", "")
    if connection.vendor == "postgresql" and url:
        # The bench database the harness made, not the one DATABASE_URL names.
        name = connection.settings_dict["NAME"]
        env["DATABASE_URL"] = urlunparse(urlparse(url)._replace(path="/" + name))
    return env


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise BenchmarkError(f"{NAME}: {' '.join(command)} failed:\n{done.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def byte_compiled(module: str) -> bool:
    """Is there a current ``.pyc`` for ``module`` (an imported module's cached bytecode)?"""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return False
    pyc = Path(importlib.util.cache_from_source(spec.origin))
    return pyc.exists() and pyc.stat().st_mtime >= Path(spec.origin).stat().st_mtime


def run(ctx: Context) -> Report:
    synthetic.dataset(ctx)
    connections.close_all()
    env = _env()
    python = sys.executable
    shuniu = str(Path(python).with_name("shuniu"))
    stats = [shuniu, "stats", "organizations", "--region", "110000", "--as-of", "2012-11-30"]
    cases = {
        "python -c pass": [python, "-c", "pass"],
        "django.setup()": [python, "-c", SETUP],
        "shuniu stats organizations": stats,
    }
    _run(stats, env)  # untimed: the figures are cached from here on, as between two runs
    walls: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(max(ctx.repeat, 5)):
        for name, argv in cases.items():
            spent, used = _run(argv, env)
            walls[name].append(spent)
            cpus[name].append(used)
    wall = {name: statistics.median(values) for name, values in walls.items()}
    cpu = {name: statistics.median(values) for name, values in cpus.items()}
    command = "shuniu stats organizations"
    report = Report(
        name=NAME,
        title=f"cli_start: `{' '.join(stats[1:])}` (whole process) vs django.setup()",
        subject="command",
        baseline="django.setup()",
        target=f"command under {TARGET_WALL_S:g} s wall (median)",
        notes=[
            "cpu: user+system seconds of the process (the wall time on a shared machine also "
            "counts waiting for a core)",
            "byte-compiled: "
            + ", ".join(
                f"{module} {'yes' if byte_compiled(module) else 'NO (make env compiles it)'}"
                for module in ("django.db.models.base", "shuniu.stats.selectors")
            )
            + f"; PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}",
            *(
                f"{name}: wall {wall[name] * 1000:.0f} ms, cpu {cpu[name] * 1000:.0f} ms"
                for name in cases
            ),
        ],
    )
    report.rows.append(
        Row(
            case="wall",
            rows=1,
            subject_s=wall[command],
            baseline_s=wall["django.setup()"],
            extras={"python -c pass": wall["python -c pass"]},
        )
    )
    report.rows.append(
        Row(
            case="cpu",
            rows=1,
            subject_s=cpu[command],
            baseline_s=cpu["django.setup()"],
            extras={"python -c pass": cpu["python -c pass"]},
        )
    )
    report.checks.append(
        Check(
            f"{command}: median wall",
            f"{wall[command]:.3f} s",
            wall[command] < TARGET_WALL_S,
        )
    )
    return report
