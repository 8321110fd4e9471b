"""Production settings refuse to start without a real SHUNIU_DATA_KEY: the ID-number key must
not be derived from SECRET_KEY (rotating that secret would make every number unreadable)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = base64.urlsafe_b64encode(bytes(range(100, 132))).decode().rstrip("=")


def start(data_key: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUNIU_")}
    env.update(
        SHUNIU_PRODUCTION="1",
        SHUNIU_SECRET_KEY="k3y-" + "abcdefghij0123456789" * 3,
        SHUNIU_ALLOWED_HOSTS="shuniu.example.org",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    if data_key is not None:
        env["SHUNIU_DATA_KEY"] = data_key
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("data_key", "reason"),
    [
        (None, "SHUNIU_PRODUCTION=1 needs SHUNIU_DATA_KEY (urlsafe base64 of 32 random bytes"),
        ("  ", "SHUNIU_PRODUCTION=1 needs SHUNIU_DATA_KEY (urlsafe base64 of 32 random bytes"),
        ("changeme", "SHUNIU_DATA_KEY has 6 bytes; at least 32 random bytes are needed"),
        ("A" * 44, "SHUNIU_DATA_KEY is not random"),
        ("a key with spaces and more than 32 bytes", "SHUNIU_DATA_KEY is not urlsafe base64"),
    ],
)
def test_production_refuses_to_start_without_a_random_data_key(data_key, reason):
    # when
    started = start(data_key)
    # then one clear line, at start-up
    assert started.returncode != 0
    assert "ImproperlyConfigured: " + reason in started.stderr


def test_production_starts_with_a_generated_data_key():
    started = start(GOOD)
    assert "SHUNIU_DATA_KEY" not in started.stderr
    assert started.returncode == 0, started.stderr[-2000:]
