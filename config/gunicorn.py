"""gunicorn settings for ``shuniu serve`` (``gunicorn -c python:config.gunicorn``).

Bind address and worker count come from the command line that ``shuniu serve`` builds; the rest
from the environment, like config/settings.py.
"""

from __future__ import annotations

import gc
import os
from typing import Any

from shuniu.core.logging import gunicorn_logging_config
from shuniu.core.serving import max_requests_from

wsgi_app = "config.wsgi:application"

# Sync workers, one request at a time each: a buffering reverse proxy (nginx) in front absorbs
# slow clients. A request running longer than this (seconds) has its worker restarted.
worker_class = "sync"
timeout = int(os.environ.get("SHUNIU_WORKER_TIMEOUT", "") or 120)
graceful_timeout = 30
keepalive = 5
# The application (URLs, the API and its schemas: seconds of imports) is loaded once, in the
# master, and each worker is a fork of it: a worker that starts, or restarts after
# max_requests, answers at once instead of spending its first request importing. Code
# changes therefore need a restart of the service, not a HUP.
preload_app = True
# Restart each worker now and then so that a leak cannot grow without bound (0: never). Not
# often: a restart is a fork, a new database connection, and up to a second with one worker
# fewer while the master notices the exit. At 2,000 the bench's workers restarted every
# ~2.5 s under load and the p99 rose from ~160 to 270-480 ms (docs/decisions.md). The jitter
# keeps workers started together from restarting together. `shuniu serve` refuses a value
# that is not a whole number >= 0 with one translated line before gunicorn reads this file.
max_requests = max_requests_from(os.environ.get("SHUNIU_MAX_REQUESTS"))
max_requests_jitter = max_requests // 10


def when_ready(server: Any) -> None:
    """In the master, once the application is loaded (preload_app) and before any worker is
    forked: move every object that exists now out of the garbage collector's reach.

    The preloaded application is ~120,000 tracked objects that live as long as the process. A
    worker's full collection walks all of them (60-180 ms on the bench machine, one every
    ~10,000 requests: a pause that lands in the p99) and writes to each one's header, which
    copies the pages the fork shared. Frozen, a full collection sees only what the worker made
    itself (a few hundred objects after 20,000 requests: 6 ms). Frozen objects are still freed
    when their last reference goes; only a cycle among them would stay, and the application's
    start-up objects live as long as the process anyway."""
    gc.collect()
    gc.freeze()


# Whether a request came over HTTPS is decided by Django alone (SHUNIU_BEHIND_TLS_PROXY ->
# SECURE_PROXY_SSL_HEADER), and the client address by SHUNIU_NUM_PROXIES: gunicorn trusts no
# forwarding header itself, whoever sends it (nor over a unix socket, which it would trust).
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
forwarder_headers = ""

# No control socket (gunicornc): its default path under $HOME is shared by every gunicorn of the
# user, so a second instance (another site, a test) would take it over. systemd manages the
# process instead (docs/deploy.md).
control_socket_disable = True

# Every line, gunicorn's own and the application's, through the same request-id formatter on
# stderr; access lines carry the X-Request-ID response header as their request id.
logconfig_dict = gunicorn_logging_config(
    fmt=os.environ.get("SHUNIU_LOG_FORMAT", "text").strip().lower() or "text",
    level=os.environ.get("SHUNIU_LOG_LEVEL", "WARNING").strip().upper() or "WARNING",
)
# SHUNIU_ACCESS_LOG=0 leaves access lines out (the proxy's log has them, with the
# X-Request-ID response header if it logs that): writing one costs ~0.03-0.07 ms of a cached
# statistics response's ~1.1 ms of CPU. Anything else keeps them.
if os.environ.get("SHUNIU_ACCESS_LOG", "").strip() == "0":
    logconfig_dict["loggers"]["gunicorn.access"]["level"] = "WARNING"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
