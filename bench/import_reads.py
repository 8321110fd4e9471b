"""Anonymous API reads while ``shuniu import people`` writes 200,000 rows (at --scale 1).

The app runs under gunicorn in its own processes, the import in another (``bench.people_child``,
the same command an operator runs), and reader threads here send anonymous API requests
(organization list, search, detail, statistics, divisions) at a steady pace, first for a
while with no import running (the baseline, same server, same run), then for as long as the
import runs. Every API request writes its rate-limit count, so on SQLite this measures that
nothing on the read path waits for the import's write lock.

Also checked on the way: a second import started while the first runs is refused in one line
(exit status 75, no traceback), and (SQLite) how large the write-ahead log grows and what is
left of it afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from django.conf import settings
from django.db import connection

from bench.harness import BenchmarkError, Check, Context, Report, Row, console
from bench.people_data import organizations, write_people_csv

NAME = "import_reads"
ROWS_AT_SCALE_1 = 200_000
P99_LIMIT_S = 1.0
BASELINE_S = 10.0
READERS = 2
PAUSE_S = 0.05  # between two requests of one reader: a steady load, not a flood
WORKERS = 2
FIRST_SERIAL = 30_000_000  # ID numbers apart from the other benchmarks' files


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Readers:
    """Threads sending anonymous reads until stopped; each result goes to ``sample``."""

    def __init__(self, port: int, paths: list[str]) -> None:
        self.port = port
        self.paths = paths
        self.sample = Sample()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def _run(self, seed: int) -> None:
        rng = random.Random(seed)
        while not self._stop.is_set():
            path = rng.choice(self.paths)
            started = time.perf_counter()
            try:
                # A new connection per request, as gunicorn's sync workers close each one.
                client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                client.request("GET", path, headers={"Accept-Language": "en"})
                response = client.getresponse()
                response.read()
                client.close()
                status = response.status
                error = "" if status == 200 else f"{status} {path}"
            except OSError as exc:
                error = f"{type(exc).__name__} {path}"
            elapsed = time.perf_counter() - started
            with self._lock:
                self.sample.latencies.append(elapsed)
                if error:
                    self.sample.errors.append(error)
            self._stop.wait(PAUSE_S)

    def start(self) -> Readers:
        for n in range(READERS):
            thread = threading.Thread(target=self._run, args=(n,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def halt(self) -> None:
        self._stop.set()

    def stop(self) -> Sample:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        return self.sample


class ImportWatch:
    """Follows the import process: the largest size the SQLite write-ahead log reaches while
    it runs, and when it ends (the readers stop then, so that "during" means during)."""

    def __init__(self, process: subprocess.Popen[bytes], readers: Readers) -> None:
        self.process = process
        self.readers = readers
        self.wal_peak = 0
        self.ended = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while self.process.poll() is None:
            self.wal_peak = max(self.wal_peak, _wal_size())
            time.sleep(0.1)
        self.ended = time.perf_counter()
        self.readers.halt()

    def start(self) -> ImportWatch:
        self._thread.start()
        return self

    def join(self) -> None:
        self._thread.join()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _child_env() -> dict[str, str]:
    """The children use this run's database and let the readers through the rate limit
    (each request is still counted: that write is part of what is measured)."""
    env = dict(os.environ)
    env.update(
        SHUNIU_API_ANON_RATE="1000000/min",
        SHUNIU_ALLOWED_HOSTS="127.0.0.1,localhost",
        SHUNIU_LOG_LEVEL="ERROR",
        BENCH_DATABASE_NAME=str(connection.settings_dict["NAME"]),
    )
    if connection.vendor == "postgresql":
        url = urlparse(env["DATABASE_URL"])
        env["DATABASE_URL"] = urlunparse(url._replace(path="/" + env["BENCH_DATABASE_NAME"]))
    return env


def _wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchmarkError(f"{NAME}: gunicorn exited with {server.returncode}")
        try:
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            client.request("GET", "/api/v1/divisions?parent=110000")
            if client.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchmarkError(f"{NAME}: gunicorn did not answer within 60 s")


def _lock_held() -> bool:
    """Whether the import has taken its lock (read-only: never competes for it)."""
    from shuniu.core import locks

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s "
                "AND granted AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())",
                [locks.ADVISORY_KEY],
            )
            return bool(cursor.fetchone()[0])
    path = locks._lock_file("import", "default")
    return path.exists() and path.stat().st_size > 0


def _wal_size() -> int:
    if connection.vendor != "sqlite":
        return 0
    wal = Path(str(connection.settings_dict["NAME"]) + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def _second_import(path: Path, env: dict[str, str]) -> tuple[int, list[str]]:
    result = subprocess.run(
        [sys.executable, "manage.py", "import", "people", str(path), "--dry-run", "--lang", "en"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, [line for line in result.stderr.splitlines() if line.strip()]


def run(ctx: Context) -> Report:
    vendor = connection.vendor
    rows = max(1_000, round(ROWS_AT_SCALE_1 * ctx.scale))
    orgs = organizations(ctx)
    ids = [pk for pk, *_rest in orgs.agencies]
    rng = random.Random(ctx.seed)
    paths = [
        "/api/v1/organizations",
        "/api/v1/organizations?page=3",
        "/api/v1/organizations?q=%E5%9F%BA%E5%87%86",  # 基准
        "/api/v1/stats/organizations?region=110000",
        "/api/v1/divisions?parent=110000",
        *(f"/api/v1/organizations/{pk}" for pk in rng.sample(ids, min(20, len(ids)))),
    ]
    workdir = Path(tempfile.mkdtemp(prefix="shuniu-bench-reads-"))
    env = _child_env()
    port = _free_port()
    server = importer = None
    wal_peak = wal_before = 0
    second: tuple[int, list[str]] | None = None
    second_overlapped = False
    command_s = 0.0
    try:
        with console.status(f"Writing {rows:,} people to a CSV file…"):
            people = write_people_csv(
                workdir / "people.csv", orgs=orgs, rows=rows, first_serial=FIRST_SERIAL,
                seed=ctx.seed + 7,
            )  # fmt: skip
        connection.close()
        server = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "config.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
                "--timeout", "120", "--log-level", "warning",
            ],
            cwd=settings.BASE_DIR,
            env=env,
        )  # fmt: skip
        _wait_until_up(port, server)
        with console.status(f"Baseline: anonymous reads for {BASELINE_S:g} s, no import…"):
            readers = Readers(port, paths).start()
            time.sleep(BASELINE_S)
            baseline = readers.stop()
        wal_before = _wal_size()
        with (
            console.status(f"Reads during shuniu import people ({rows:,} rows)…"),
            tempfile.TemporaryFile() as out,
            tempfile.TemporaryFile() as err,
        ):
            readers = Readers(port, paths).start()
            started = time.perf_counter()
            importer = subprocess.Popen(
                [sys.executable, "-m", "bench.people_child", str(people.path)],
                stdout=out,
                stderr=err,
                env=env,
                cwd=settings.BASE_DIR,
            )
            watch = ImportWatch(importer, readers).start()
            while not _lock_held() and importer.poll() is None:
                time.sleep(0.05)
            second = _second_import(people.path, env) if importer.poll() is None else None
            # Whether the first import still ran when the second one was done starting.
            second_overlapped = importer.poll() is None
            importer.wait()
            watch.join()
            import_s = watch.ended - started
            during = readers.stop()
            wal_peak = watch.wal_peak
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read().decode(), err.read().decode()
        if importer.returncode != 0:
            raise BenchmarkError(f"{NAME}: the import failed ({importer.returncode}):\n{stderr}")
        result = json.loads(stdout.strip().splitlines()[-1])
        report, command_s = result["report"], float(result["seconds"])
        if report["created"] != rows:
            raise BenchmarkError(f"{NAME}: the import reported {report}, not {rows} created")
        # After the import: one more short round of reads, then the log's size.
        readers = Readers(port, paths).start()
        time.sleep(2)
        readers.stop()
        wal_after = _wal_size()
    finally:
        for process in (importer, server):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        for leftover in workdir.iterdir():
            leftover.unlink()
        workdir.rmdir()

    if second is not None and (second[0] == 75 and len(second[1]) == 1):
        second_check = Check(
            "a second import while the first runs",
            f"refused in one line (exit 75): {second[1][0]}",
            True,
        )
    elif second is not None and second[0] != 0:
        second_check = Check(
            "a second import while the first runs",
            f"exit {second[0]}, {len(second[1])} line(s): {second[1][:3]}",
            False,
        )
    else:
        # Too small a file: the first import ended before the second had started.
        second_check = Check(
            "a second import while the first runs",
            "not measured: the first import ended before the second started "
            f"(overlap {second_overlapped}); use a larger --scale",
            True,
        )
    p99 = during.percentile(99)
    mib = 2**20
    return Report(
        name=NAME,
        title=f"import_reads: anonymous API reads during shuniu import people of {rows:,} rows "
        f"on {vendor} (gunicorn, {WORKERS} workers)",
        subject="during import",
        baseline="no import",
        rows=[
            Row(
                case=f"read latency p{p}",
                rows=len(during.latencies),
                subject_s=during.percentile(p),
                baseline_s=baseline.percentile(p),
            )
            for p in (50, 90, 99)
        ]
        + [
            Row(
                case="read latency max",
                rows=len(during.latencies),
                subject_s=max(during.latencies, default=float("nan")),
                baseline_s=max(baseline.latencies, default=float("nan")),
            )
        ],
        checks=[
            Check(
                "p99 of anonymous reads during the import",
                f"{p99 * 1000:,.0f} ms (limit {P99_LIMIT_S * 1000:,.0f} ms)",
                p99 < P99_LIMIT_S,
            ),
            Check(
                "reads that failed (not 200) during the import",
                f"{len(during.errors)} of {len(during.latencies):,}"
                + (f" (first: {during.errors[0]})" if during.errors else ""),
                not during.errors,
            ),
            second_check,
        ],
        target=f"p99 < {P99_LIMIT_S * 1000:,.0f} ms and no failed read during the import; a "
        "second import refused in one line",
        notes=[
            f"reads: {READERS} threads, one request each per {PAUSE_S * 1000:g} ms pause, new "
            f"connection each; baseline {len(baseline.latencies):,} reads in {BASELINE_S:g} s "
            f"({len(baseline.errors)} failed), during {len(during.latencies):,} reads in "
            f"{import_s:,.1f} s",
            f"import: {rows:,} rows, {command_s:,.1f} s in the command ({rows / command_s:,.0f} "
            f"rows/s), {import_s:,.1f} s from the start of its process",
            *(
                [
                    f"write-ahead log: {wal_before / mib:,.1f} MiB before, peak "
                    f"{wal_peak / mib:,.1f} MiB during, {wal_after / mib:,.1f} MiB after "
                    "(journal_size_limit 64 MiB)"
                ]
                if vendor == "sqlite"
                else []
            ),
            f"scale {ctx.scale:g} = {rows:,} rows (--scale 0.05 for a quick run)",
        ],
    )
