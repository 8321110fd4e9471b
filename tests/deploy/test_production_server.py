"""The production server as deployed: `shuniu serve` (gunicorn, two workers, whitenoise) with
SHUNIU_PRODUCTION=1 behind a TLS proxy, on a database of its own (a migrated SQLite file, or a
PostgreSQL database created for the test when the suite runs on PostgreSQL)."""

from __future__ import annotations

import base64
import contextlib
import gzip
import http.client
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import pytest

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0  # seconds; a slow shared machine, not a speed target
TEN_YEARS = "max-age=315360000"


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    static_root: Path
    execute: Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]

    def get(self, path: str, *, https: bool = True, **headers: str) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            if https:
                headers.setdefault("X-Forwarded-Proto", "https")
            connection.request("GET", path, headers=headers)
            answer = connection.getresponse()
            return Response(answer.status, answer.headers, answer.read())
        finally:
            connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def sqlite_database(tmp_path: Path) -> Iterator[tuple[dict[str, str], Callable[..., Any]]]:
    """A file under the server's SHUNIU_VAR_DIR (the default location), migrated by serve."""
    path = tmp_path / "shuniu.sqlite3"

    def execute(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with contextlib.closing(sqlite3.connect(path)) as db, db:
            return db.execute(sql.replace("%s", "?"), params).fetchall()

    yield {}, execute


@contextlib.contextmanager
def postgresql_database(url: str) -> Iterator[tuple[dict[str, str], Callable[..., Any]]]:
    """A database created for this test next to the suite's, dropped afterwards."""
    import psycopg

    parsed = urlparse(url)
    name = f"test_serve_{uuid.uuid4().hex[:12]}"
    server_url = urlunparse(parsed._replace(path="/" + name))
    maintenance = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def execute(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(server_url, autocommit=True) as db:
            cursor = db.execute(sql.encode(), params)
            return cursor.fetchall() if cursor.description else []

    try:
        yield {"DATABASE_URL": server_url}, execute
    finally:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"shuniu serve exited with {server.process.returncode}:\n" + log_of(server))
        with contextlib.suppress(OSError):
            if server.get("/healthz", https=False).status == 200:
                return
        time.sleep(0.1)  # polling for readiness, not timing anything
    pytest.fail("shuniu serve did not answer /healthz in time:\n" + log_of(server))


def log_of(server: Server) -> str:
    return server.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    tmp_path = tmp_path_factory.mktemp("serve")
    database_url = os.environ.get("DATABASE_URL", "")
    database = (
        postgresql_database(database_url)
        if database_url.startswith(("postgres://", "postgresql://"))
        else sqlite_database(tmp_path)
    )
    with database as (database_env, execute):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHUNIU_")}
        env.pop("DATABASE_URL", None)
        # The suite's replica streams the suite's databases under their names, not this
        # server's own database: routing to it is tested in test_replica.py.
        env.pop("DATABASE_REPLICA_URL", None)
        # Set for the browser tests when their conftest is collected; a deployment never has it
        # (check --deploy refuses it).
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.update(database_env)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "SHUNIU_PRODUCTION": "1",
                "SHUNIU_SECRET_KEY": secrets.token_urlsafe(50),
                "SHUNIU_DATA_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                "SHUNIU_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SHUNIU_BEHIND_TLS_PROXY": "1",
                "SHUNIU_VAR_DIR": str(tmp_path),
                "SHUNIU_LOG_LEVEL": "WARNING",
            }
        )
        port = free_port()
        log = tmp_path / "server.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "shuniu.cli",
                    "serve",
                    "--migrate",
                    "--workers",
                    "2",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started = Server(port, process, log, tmp_path / "static", execute)
        try:
            wait_until_up(started)
            yield started
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def test_pages_are_served_in_chinese_with_the_security_headers(server):
    # when a browser behind the TLS proxy asks for the dashboard
    page = server.get("/", **{"X-Request-ID": "smoke-page-1"})

    # then it is the Chinese page with its policy, and the id comes back
    assert page.status == 200
    assert page.headers["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in page.body.decode()
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert page.headers["X-Request-ID"] == "smoke-page-1"


def test_plain_http_is_redirected_to_https(server):
    response = server.get("/", https=False)
    assert response.status == 301
    assert response.headers["Location"] == f"https://127.0.0.1:{server.port}/"


def test_static_files_are_hashed_compressed_and_cached_for_years(server):
    # given the stylesheet the page links to, under its hashed name
    page = server.get("/").body.decode()
    match = re.search(r'href="(/static/web/site\.[0-9a-f]{12}\.css)"', page)
    assert match, "the page links no hashed site.css"

    # when it is fetched by a browser that accepts gzip
    response = server.get(match.group(1), **{"Accept-Encoding": "gzip"})

    # then whitenoise sends the compressed file, cacheable for ten years
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Content-Type"].startswith("text/css")
    assert TEN_YEARS in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    collected = server.static_root / match.group(1).removeprefix("/static/")
    assert gzip.decompress(response.body) == collected.read_bytes()


def test_the_favicon_redirect_points_at_the_hashed_file(server):
    response = server.get("/favicon.ico")
    assert response.status == 301
    assert re.fullmatch(r"/static/web/favicon\.[0-9a-f]{12}\.svg", response.headers["Location"])


def test_the_api_answers(server):
    # when the public divisions are listed
    response = server.get("/api/v1/divisions")

    # then the reference data loaded by the migrations is there
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    beijing = next(d for d in response.json() if d["code"] == "110000")
    assert beijing["name"] == "北京市"
    assert beijing["name_en"] == "Beijing"


def test_the_probes_answer_over_plain_http(server):
    # when a load balancer probes without TLS
    health = server.get("/healthz", https=False)
    ready = server.get("/readyz", https=False)

    # then both answer 200 instead of a redirect, even asked by the machine's address
    assert (health.status, health.json()) == (200, {"status": "ok"})
    assert server.get("/readyz", https=False, Host="10.0.0.5:8000").status == 200
    vendor = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert (ready.status, ready.json()) == (200, {"status": "ok", "database": vendor})


def test_readyz_is_503_while_a_migration_is_missing(server):
    # given the record of the last migration of the core app taken away
    row = server.execute(
        "SELECT id, app, name, applied FROM django_migrations WHERE app = %s "
        "ORDER BY name DESC LIMIT 1",
        ("core",),
    )[0]
    server.execute("DELETE FROM django_migrations WHERE id = %s", (row[0],))
    try:
        # when the load balancer probes
        response = server.get("/readyz", https=False, **{"Accept-Language": "en"})
    finally:
        server.execute(
            "INSERT INTO django_migrations (id, app, name, applied) VALUES (%s, %s, %s, %s)", row
        )

    # then the process is not ready, with a problem saying why
    assert response.status == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    assert response.json()["detail"] == (
        "1 database migration is not applied (run shuniu migrate)."
    )
    assert server.get("/readyz", https=False).status == 200


def test_log_lines_carry_the_request_id_and_the_server_stops_cleanly(server):
    # given a page and a missing page asked for, each with an id given by the proxy
    assert server.get("/", **{"X-Request-ID": "smoke-page-2"}).status == 200
    assert server.get("/no-such-page", **{"X-Request-ID": "smoke-404"}).status == 404

    # when the server is stopped as systemd stops it
    server.process.send_signal(signal.SIGTERM)
    returncode = server.process.wait(timeout=30)

    # then it stopped cleanly, and the application's lines and the access lines carry the id
    # of their request
    log = log_of(server)
    assert returncode == 0, log
    assert re.search(r"WARNING \[smoke-404\] django\.request: Not Found: /no-such-page$", log, re.M)
    assert re.search(r'INFO \[smoke-404\] gunicorn\.access: 127\.0\.0\.1 "GET /no-such-page ', log)
    assert re.search(
        r'INFO \[smoke-page-2\] gunicorn\.access: 127\.0\.0\.1 "GET / HTTP/1\.1" 200', log
    )
    assert "Shutting down: Master" in log
    assert "Traceback" not in log
