"""The public statistics endpoint, cached (``shuniu.stats.cache``) against the cache off.

Two measurements on the synthetic registry of the run:

1. Server time, in process (``django.test.Client``, the whole middleware stack): the median
   of a cached response, with the database cache (what settings configure) and with a file
   cache under the run's var/ (the alternative measured for the decision), against the same
   request with the cache off. Target: a cached response under 2 ms.
2. Under load: the production server (``shuniu serve``: gunicorn, 2 workers, SHUNIU_PRODUCTION=1
   behind a TLS proxy) with the anonymous API rate limit raised for the run through its
   setting, 64 concurrent clients for ``--duration`` seconds (wrk when installed, else a
   Python thread client, which takes more of the same cores). Cached against cache off.
   Targets: at least 500 req/s, p99 under 200 ms, no errors.

The client runs on the machine that serves, so the load figures are a floor.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.test.utils import override_settings

from bench import synthetic
from bench.harness import BenchmarkError, Check, Context, Report, Row, timed

NAME = "stats_endpoint"
PATH = "/api/v1/stats/organizations?region=110000&as_of=2012-11-30"
CLIENTS = 64
WORKERS = 2
DURATION_S = int(os.environ.get("SHUNIU_BENCH_LOAD_SECONDS", "") or 10)
TARGET_RPS = 500
TARGET_P99_MS = 200.0
TARGET_SERVER_MS = 2.0
IN_PROCESS_REQUESTS = 200
START_TIMEOUT_S = 90.0
RAISED_RATE = "100000000/min"
REPO = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------------------
# In process
# ---------------------------------------------------------------------------------------


def _median_request(client: Client, n: int) -> tuple[float, bytes]:
    body = client.get(PATH).content  # untimed: fills the cache when it is on
    times = []
    for _ in range(n):
        seconds, response = timed(lambda: client.get(PATH))
        if response.status_code != 200 or response.content != body:
            raise BenchmarkError(f"{NAME}: {PATH} answered {response.status_code}, or changed")
        times.append(seconds)
    return statistics.median(times), body


def in_process(report: Report, n: int) -> None:
    client = Client()
    caches = {
        "DatabaseCache": settings.CACHES,
        "FileBasedCache": {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(Path(settings.VAR_DIR) / "bench-cache"),
                "OPTIONS": {"MAX_ENTRIES": 20000},
            }
        },
    }
    with override_settings(SHUNIU_API_ANON_RATE=RAISED_RATE, SHUNIU_STATS_CACHE_SECONDS=0):
        uncached_s, expected = _median_request(client, max(5, n // 20))
    for label, config in caches.items():
        with override_settings(
            SHUNIU_API_ANON_RATE=RAISED_RATE, SHUNIU_STATS_CACHE_SECONDS=600, CACHES=config
        ):
            cached_s, body = _median_request(client, n)
        if body != expected:
            raise BenchmarkError(f"{NAME}: the {label} answer differs from the computed one")
        report.rows.append(
            Row(case=f"in process, {label} hit", rows=1, subject_s=cached_s, baseline_s=uncached_s)
        )
        if label == "DatabaseCache":  # what settings configure
            report.checks.append(
                Check(
                    f"server time of a cached response ({label}, median of {n})",
                    f"{cached_s * 1000:.2f} ms (cache off: {uncached_s * 1000:.1f} ms)",
                    cached_s * 1000 < TARGET_SERVER_MS,
                )
            )


# ---------------------------------------------------------------------------------------
# Under load
# ---------------------------------------------------------------------------------------


@dataclass
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    client: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _database_url() -> str | None:
    """The run's database for the server's environment (PostgreSQL: the bench database the
    harness created, not the one DATABASE_URL names; SQLite: SHUNIU_VAR_DIR says where)."""
    url = os.environ.get("DATABASE_URL", "")
    if connection.vendor != "postgresql" or not url:
        return None
    return urlunparse(urlparse(url)._replace(path="/" + connection.settings_dict["NAME"]))


@contextlib.contextmanager
def serve(*, cache_seconds: int, log: Path) -> Iterator[int]:
    port = _free_port()
    env = {
        **os.environ,
        "SHUNIU_PRODUCTION": "1",
        "SHUNIU_DEBUG": "0",
        "SHUNIU_SECRET_KEY": secrets.token_urlsafe(50),
        "SHUNIU_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SHUNIU_DATA_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "SHUNIU_BEHIND_TLS_PROXY": "1",
        "SHUNIU_API_ANON_RATE": RAISED_RATE,
        "SHUNIU_STATS_CACHE_SECONDS": str(cache_seconds),
        "SHUNIU_LOG_LEVEL": os.environ.get("SHUNIU_BENCH_LOG_LEVEL", "ERROR"),
    }
    url = _database_url()
    if url:
        env["DATABASE_URL"] = url
    shuniu = Path(sys.executable).with_name("shuniu")
    command = [str(shuniu), "serve", "--port", str(port), "--workers", str(WORKERS)]
    command.append("--no-collectstatic")
    connections.close_all()  # the server's workers open their own
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise BenchmarkError(f"{NAME}: shuniu serve exited:\n{log.read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                if _get(port, "/healthz")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise BenchmarkError(f"{NAME}: shuniu serve did not start:\n{log.read_text()}")
            time.sleep(0.2)  # waiting for the server to listen, not timing anything
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"X-Forwarded-Proto": "https"})
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def load_wrk(port: int, seconds: int) -> Load:
    out = subprocess.run(
        [
            str(shutil.which("wrk")),
            "-t2",
            f"-c{CLIENTS}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "10s",
            "-H",
            "X-Forwarded-Proto: https",
            f"http://127.0.0.1:{port}{PATH}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    if not (done and p50 and p99):
        raise BenchmarkError(f"{NAME}: wrk said:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Load(
        requests=int(done.group(1)),
        seconds=_ms(done.group(2) + done.group(3)) / 1000,
        p50_ms=_ms(p50.group(1)),
        p99_ms=_ms(p99.group(1)),
        errors=errors,
        client="wrk",
    )


def load_threads(port: int, seconds: int) -> Load:
    """64 threads, each asking again as soon as it has its answer (what wrk does)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop:
            try:
                spent, (status, _body) = timed(lambda: _get(port, PATH))
                mine.append(spent)
                failed += status != 200
            except OSError:
                failed += 1
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    if not latencies:
        raise BenchmarkError(f"{NAME}: no request was answered")
    return Load(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        errors=errors[0],
        client="Python threads",
    )


def under_load(report: Report, seconds: int) -> None:
    measure: Callable[[int, int], Load] = load_wrk if shutil.which("wrk") else load_threads
    results: dict[str, Load] = {}
    for label, cache_seconds in (("cache off", 0), ("cached", 600)):
        log = Path(settings.VAR_DIR) / f"bench-serve-{cache_seconds}.log"
        with serve(cache_seconds=cache_seconds, log=log) as port:
            status, _ = _get(port, PATH)  # untimed: the first answer fills the cache
            if status != 200:
                raise BenchmarkError(f"{NAME}: {PATH} answered {status}:\n{log.read_text()}")
            results[label] = measure(port, seconds)
    cached, off = results["cached"], results["cache off"]
    report.rows.append(
        Row(
            case=f"under load, {CLIENTS} clients: p50",
            rows=cached.requests,
            subject_s=cached.p50_ms / 1000,
            baseline_s=off.p50_ms / 1000,
        )
    )
    for label, result in results.items():
        report.notes.append(
            f"{label}: {result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
            f"p99 {result.p99_ms:.1f} ms, {result.errors} errors "
            f"({result.requests:,} requests in {result.seconds:.1f} s, {result.client})"
        )
    report.checks += [
        Check(
            f"cached, {CLIENTS} clients, {WORKERS} workers: req/s",
            f"{cached.rps:,.0f} (cache off {off.rps:,.0f}, ×{cached.rps / off.rps:.1f})"
            if off.rps
            else f"{cached.rps:,.0f}",
            cached.rps >= TARGET_RPS,
        ),
        Check("cached: p99", f"{cached.p99_ms:.1f} ms", cached.p99_ms < TARGET_P99_MS),
        Check("cached: errors", str(cached.errors), cached.errors == 0),
    ]


def run(ctx: Context) -> Report:
    data = synthetic.dataset(ctx)
    report = Report(
        name=NAME,
        title=f"stats_endpoint: GET {PATH}, cached vs cache off ({data.organizations:,} orgs)",
        subject="cached",
        baseline="cache off",
        target=(
            f"cached response < {TARGET_SERVER_MS:g} ms server time; under load ≥ {TARGET_RPS} "
            f"req/s, p99 < {TARGET_P99_MS:g} ms, 0 errors"
        ),
        notes=[
            f"anonymous API rate raised to {RAISED_RATE} for the run (SHUNIU_API_ANON_RATE)",
        ],
    )
    in_process(report, IN_PROCESS_REQUESTS)
    under_load(report, DURATION_S)
    return report
