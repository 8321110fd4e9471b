"""Serving the run's database over HTTP and loading it with concurrent clients, for the
benchmarks that measure a real server (``stats_endpoint``, ``search_vs_datasette``).

``started`` runs a server command until the block ends and yields it (port and pid);
``shuniu_serve`` starts the production server (``shuniu serve``: gunicorn, SHUNIU_PRODUCTION=1
behind a TLS proxy) with the anonymous API rate limit of the run (``api_rate``) and, if
asked, the statistics cache's lifetime.
``run_load`` keeps ``clients`` connections busy for ``seconds`` (wrk when installed, else a
Python thread client, which takes more of the same cores; ``load_client`` names it) and adds
the server's CPU time over the load (its processes' user+system time, Linux), which depends
much less than the throughput on what else runs on a shared machine. ``Load.summary`` is the
line both benchmarks print for a load.
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
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from django.db import connection, connections

from bench.harness import BenchmarkError, timed

START_TIMEOUT_S = 90.0
REPO = Path(__file__).resolve().parents[1]
# The production server sits behind a TLS proxy that says so (SHUNIU_BEHIND_TLS_PROXY).
HEADERS = {"X-Forwarded-Proto": "https"}


@dataclass
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    client: str
    server_cpu_s: float | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float | None:
        """The server's CPU time per request answered."""
        if self.server_cpu_s is None or not self.requests:
            return None
        return self.server_cpu_s * 1000 / self.requests

    def summary(self) -> str:
        cpu = f", server CPU {self.cpu_ms:.2f} ms a request" if self.cpu_ms is not None else ""
        return (
            f"{self.rps:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, "
            f"{self.errors} errors ({self.requests:,} requests in {self.seconds:.1f} s, "
            f"{self.client}){cpu}"
        )


@dataclass(frozen=True)
class Served:
    port: int
    pid: int


def api_rate() -> str:
    """The anonymous API rate of the run: ``off``, as docs/deploy.md advises behind a proxy
    that limits, unless SHUNIU_BENCH_API_RATE sets another (e.g. ``100000000/min``, a rate no
    run reaches, to measure the cost of counting: each request then writes its counter)."""
    return os.environ.get("SHUNIU_BENCH_API_RATE", "").strip() or "off"


def tree_cpu_s(pid: int) -> float | None:
    """User+system seconds of a process, its live children and those it has reaped
    (gunicorn's master and its workers); None off Linux."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def stat(p: int, *, reaped: bool) -> int:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        # utime, stime, cutime, cstime: fields 14-17 (1-based) of /proc/<pid>/stat.
        return sum(int(f) for f in fields[11 : 15 if reaped else 13])

    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = stat(pid, reaped=True)
        for child in children:
            with contextlib.suppress(OSError):
                total += stat(int(child), reaped=False)
    except OSError:
        return None
    return total / ticks


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url() -> str | None:
    """The run's database for the server's environment (PostgreSQL: the bench database the
    harness created, not the one DATABASE_URL names; SQLite: SHUNIU_VAR_DIR says where)."""
    url = os.environ.get("DATABASE_URL", "")
    if connection.vendor != "postgresql" or not url:
        return None
    return urlunparse(urlparse(url)._replace(path="/" + connection.settings_dict["NAME"]))


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=HEADERS)
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


@contextlib.contextmanager
def started(
    command: Sequence[str], *, env: dict[str, str], log: Path, name: str
) -> Iterator[Served]:
    """Run ``command`` (with ``{port}`` in it replaced by a free port) until the block ends;
    yield it once ``/healthz`` (Shuniu) or ``/-/versions.json`` (datasette) answers."""
    port = free_port()
    argv = [part.replace("{port}", str(port)) for part in command]
    connections.close_all()  # the server opens its own
    with log.open("wb") as out:
        process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise BenchmarkError(f"{name}: {argv[0]} exited:\n{log.read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                if get(port, "/healthz")[0] == 200 or get(port, "/-/versions.json")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise BenchmarkError(f"{name}: {argv[0]} did not start:\n{log.read_text()}")
            time.sleep(0.2)  # waiting for the server to listen, not timing anything
        yield Served(port=port, pid=process.pid)  # shuniu serve execs gunicorn: same pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def shuniu_serve(
    *,
    workers: int,
    log: Path,
    name: str,
    cache_seconds: int | None = None,
    env: dict[str, str] | None = None,
) -> contextlib.AbstractContextManager[Served]:
    """``shuniu serve`` in production mode on the run's database, with ``workers`` gunicorn
    workers and, when ``cache_seconds`` is given, that statistics cache lifetime (0: off)."""
    environment = {
        **os.environ,
        "SHUNIU_PRODUCTION": "1",
        "SHUNIU_DEBUG": "0",
        "SHUNIU_SECRET_KEY": secrets.token_urlsafe(50),
        "SHUNIU_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SHUNIU_DATA_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "SHUNIU_BEHIND_TLS_PROXY": "1",
        "SHUNIU_API_ANON_RATE": api_rate(),
        "SHUNIU_LOG_LEVEL": os.environ.get("SHUNIU_BENCH_LOG_LEVEL", "ERROR"),
    }
    if cache_seconds is not None:
        environment["SHUNIU_STATS_CACHE_SECONDS"] = str(cache_seconds)
    environment.update(env or {})
    url = database_url()
    if url:
        environment["DATABASE_URL"] = url
    shuniu = Path(sys.executable).with_name("shuniu")
    command = [str(shuniu), "serve", "--port", "{port}", "--workers", str(workers)]
    command.append("--no-collectstatic")
    return started(command, env=environment, log=log, name=name)


# wrk's threads share the cores with the server. One thread or two made no difference beyond
# the noise on the 2-core bench machine (docs/decisions.md, "Availability, serving, deployment").
WRK_THREADS = 2

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def load_wrk(port: int, path: str, *, clients: int, seconds: int, name: str) -> Load:
    threads = min(WRK_THREADS, clients)
    out = subprocess.run(
        [
            str(shutil.which("wrk")),
            f"-t{threads}",
            f"-c{clients}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "10s",
            *(arg for key, value in HEADERS.items() for arg in ("-H", f"{key}: {value}")),
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    if not (done and p50 and p99):
        raise BenchmarkError(f"{name}: wrk said:\n{out}")
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
        client=f"wrk, {threads} threads",
    )


def load_threads(port: int, path: str, *, clients: int, seconds: int, name: str) -> Load:
    """``clients`` threads, each asking again as soon as it has its answer (what wrk does)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop:
            try:
                spent, (status, _body) = timed(lambda: get(port, path))
                mine.append(spent)
                failed += status != 200
            except OSError:
                failed += 1
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    began = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    if not latencies:
        raise BenchmarkError(f"{name}: no request was answered")
    return Load(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        errors=errors[0],
        client="Python threads",
    )


def load_client() -> str:
    """The load client ``run_load`` uses on this machine, for the report."""
    wrk = shutil.which("wrk")
    return f"wrk ({wrk})" if wrk else "Python threads (wrk is not installed: apt-get install wrk)"


def run_load(server: Served, path: str, *, clients: int, seconds: int, name: str) -> Load:
    measure = load_wrk if shutil.which("wrk") else load_threads
    before = tree_cpu_s(server.pid)
    load = measure(server.port, path, clients=clients, seconds=seconds, name=name)
    after = tree_cpu_s(server.pid)
    if before is not None and after is not None:
        load.server_cpu_s = after - before
    return load
