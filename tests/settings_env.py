"""config/settings.py run afresh under a chosen environment, for the tests of what the settings
accept and refuse (the running settings stay as they are)."""

from __future__ import annotations

import os
import runpy
from pathlib import Path

SETTINGS_FILE = Path(__file__).resolve().parents[1] / "config" / "settings.py"

# The least a production start needs.
PRODUCTION_ENV = {
    "SHUNIU_PRODUCTION": "1",
    "SHUNIU_SECRET_KEY": "k3Y-for-tests-only_" + "Zq8vW2xR7nT4pL9sB6mC1dF5gH0jK3a",
    "SHUNIU_ALLOWED_HOSTS": "shuniu.example.org",
    "SHUNIU_DATA_KEY": "8kQ3o0yF0e1Hq9y3Jt4mTz8rXq2v6bN1cD5eF7gH9jA=",
}


def load_settings(monkeypatch, tmp_path, **env: str) -> dict:
    """Execute config/settings.py afresh under ``env`` (the running settings stay as they are)."""
    for name in list(os.environ):
        if name.startswith("SHUNIU_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SHUNIU_VAR_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))
