"""gunicorn settings for ``shuniu serve`` (``gunicorn -c python:config.gunicorn``).

Bind address and worker count come from the command line that ``shuniu serve`` builds; the rest
from the environment, like config/settings.py.
"""

from __future__ import annotations

import os

from shuniu.core.logging import gunicorn_logging_config

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
# Restart each worker now and then so that a leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200

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
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
