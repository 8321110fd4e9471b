"""Read-only commands start fast (issue 10): no system checks, and loading the project does not
import the API (django-ninja, pydantic) or Django's test client."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import load_command_class

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("app", "name"),
    [("shuniu.stats", "stats"), ("shuniu.targets", "targets"), ("shuniu.interop", "export")],
)
def test_read_only_commands_skip_the_system_checks(app, name):
    assert load_command_class(app, name).requires_system_checks == []


def test_loading_the_project_imports_neither_the_api_nor_the_test_client(tmp_path):
    # given a fresh interpreter with the project's settings
    probe = (
        "import django, sys; django.setup(); "
        "print(sorted(m for m in ('ninja', 'pydantic', 'django.test', 'config.api') "
        "if m in sys.modules))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SHUNIU_VAR_DIR": str(tmp_path),
    }
    # when it sets Django up, as every command does first
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    # then none of them was imported
    assert done.stdout.strip() == "[]"
