"""What every benchmark shares: the throwaway database and the context it runs in (timing,
results and their table come from ``bench.results`` and are importable from here too).

Nothing here imports Django models at module level: the environment (settings module,
temporary directory, database) must be in place before Django is set up.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Timing and results live in bench.results (which bench.synthetic imports too); they are
# importable from here as before.
from bench.results import (
    Check,
    Pair,
    Report,
    Row,
    Stage,
    Stopwatch,
    compare,
    console,
    peak_rss_mib,
    render,
    timed,
)

__all__ = [
    "BenchmarkError",
    "Check",
    "Context",
    "Database",
    "Pair",
    "Report",
    "Row",
    "Stage",
    "Stopwatch",
    "compare",
    "console",
    "open_database",
    "peak_rss_mib",
    "render",
    "timed",
]


class BenchmarkError(Exception):
    """The measured code and its baseline disagree: the timings would mean nothing."""


# ---------------------------------------------------------------------------------------
# The throwaway database
# ---------------------------------------------------------------------------------------


@dataclass
class Database:
    vendor: str
    label: str
    _teardown: Callable[[], None]

    def close(self) -> None:
        self._teardown()


def open_database(*, keep: bool = False) -> Database:
    """Set up Django on a database made for this run and migrate it.

    SQLite: a file in a new temporary directory (``SHUNIU_VAR_DIR``), so the developer's
    ``var/shuniu.sqlite3`` is never opened. PostgreSQL (``DATABASE_URL``): a new database on
    that server, created and dropped the way the test runner does it; the database named in
    the URL is not touched.
    """
    tmp = Path(tempfile.mkdtemp(prefix="shuniu-bench-"))
    os.environ["SHUNIU_VAR_DIR"] = str(tmp)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    # DEBUG keeps every query in memory and would inflate both the timings and the peak RSS.
    os.environ["SHUNIU_DEBUG"] = "0"
    url = os.environ.get("DATABASE_URL", "")
    postgres = url.startswith(("postgres://", "postgresql://"))
    if not postgres:
        # A sqlite:// URL names the developer's own file: use the temporary one instead.
        os.environ.pop("DATABASE_URL", None)

    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    if postgres:
        test_name = f"shuniu_bench_{os.getpid()}"
        connection.settings_dict.setdefault("TEST", {})["NAME"] = test_name
        original = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)

        def teardown() -> None:
            if not keep:
                connection.creation.destroy_test_db(original, verbosity=0)
            shutil.rmtree(tmp, ignore_errors=True)

        return Database("postgresql", f"PostgreSQL database {test_name}", teardown)

    name = Path(connection.settings_dict["NAME"])
    if not name.is_relative_to(tmp):  # never benchmark against a real database file
        raise RuntimeError(f"refusing to use {name}: not under {tmp}")
    call_command("migrate", verbosity=0, interactive=False)

    def teardown_sqlite() -> None:
        connection.close()
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)

    return Database("sqlite", f"SQLite {name}", teardown_sqlite)


# ---------------------------------------------------------------------------------------
# What a benchmark receives
# ---------------------------------------------------------------------------------------


@dataclass
class Context:
    scale: float
    repeat: int
    seed: int
    database: Database
    # What the benchmarks of one run build once and share (``synthetic.dataset``).
    shared: dict[str, Any] = field(default_factory=dict)
