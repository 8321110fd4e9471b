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


def test_read_only_statistics_start_without_the_web_only_apps():
    from shuniu.cli import lean_start

    # given the commands as typed, then only the statistics start lean
    assert lean_start(["shuniu", "stats", "organizations", "--region", "110000"]) is True
    assert lean_start(["shuniu", "serve"]) is False
    assert lean_start(["shuniu", "import", "organizations", "x.csv"]) is False
    assert lean_start(["shuniu"]) is False


def test_a_lean_start_leaves_out_exactly_the_web_only_apps(monkeypatch, tmp_path):
    from tests.settings_env import load_settings

    # given the settings under a lean start and a normal one
    lean = load_settings(monkeypatch, tmp_path, SHUNIU_LEAN_START="1")
    full = load_settings(monkeypatch, tmp_path)
    # then the lean one has every app but the web-only ones
    assert [a for a in full["INSTALLED_APPS"] if a not in lean["INSTALLED_APPS"]] == list(
        full["WEB_ONLY_APPS"]
    )
    assert "shuniu.stats" in lean["INSTALLED_APPS"]
    assert "django.contrib.auth" in lean["INSTALLED_APPS"]


def test_the_statistics_command_runs_under_a_lean_start():
    # given a development configuration, when `shuniu stats` is started by the entry point
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUNIU_")}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env["SHUNIU_VAR_DIR"] = str(settings.VAR_DIR)
    probe = (
        "import sys; from shuniu.cli import main\n"
        "try:\n    main(['shuniu', 'stats', '--help'])\n"
        "except SystemExit as exc:\n    assert exc.code in (0, None), exc.code\n"
        "from django.apps import apps\n"
        "print(apps.is_installed('django.contrib.admin'), apps.is_installed('shuniu.stats'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        check=False,
    )
    # then it starts without the admin and prints its help
    assert done.returncode == 0, done.stderr
    assert "usage: shuniu stats" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "False True"
