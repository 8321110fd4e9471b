"""The ``shuniu`` entry point under settings that refuse to start."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION_WITHOUT_DATA_KEY = {
    "SHUNIU_PRODUCTION": "1",
    "SHUNIU_SECRET_KEY": "k" * 20 + "abcdefghijklmnopqrstuvwxyz0123456789",
    "SHUNIU_ALLOWED_HOSTS": "shuniu.example.org",
}


def _shuniu(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUNIU_")}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(PRODUCTION_WITHOUT_DATA_KEY, SHUNIU_VAR_DIR=str(settings.VAR_DIR))
    return subprocess.run(
        [sys.executable, "-c", "from shuniu.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        check=False,
    )


def test_a_refused_configuration_is_one_line_not_a_traceback():
    # given production settings without SHUNIU_DATA_KEY
    # when any command runs
    done = _shuniu("stats", "organizations", "--region", "110000")
    # then it stops with one line naming what to set
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("shuniu: SHUNIU_PRODUCTION=1 needs SHUNIU_DATA_KEY")
    assert "Traceback" not in done.stderr


def test_the_first_data_key_can_be_generated_where_production_lacks_one():
    # given production settings without SHUNIU_DATA_KEY
    # when the key is generated
    done = _shuniu("keys", "generate")
    # then a key that production accepts is printed
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip()
    assert len(key) == 43
    from shuniu.workforce.identity import decode_data_key

    assert len(decode_data_key(key)) == 32
