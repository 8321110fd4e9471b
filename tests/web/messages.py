"""Compile the project's message catalogue before the page tests run, so `pytest tests/web`
works without a prior `make messages` (the .mo files are built, not committed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parents[2] / "src" / "shuniu" / "locale"


def compile_if_stale() -> None:
    compiled = False
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        msgfmt = shutil.which("msgfmt")
        if msgfmt is None:
            raise RuntimeError(
                f"{mo} is missing or stale and msgfmt is not installed: run `make messages`"
            )
        # Parallel test workers may compile at once: write aside, then swap in atomically.
        fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
        os.close(fd)
        try:
            subprocess.run([msgfmt, "--check-format", "-o", tmp, str(po)], check=True)
            os.replace(tmp, mo)
            compiled = True
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    if compiled:
        # Django may already have looked for the catalogue while setting up; the same
        # signal override_settings sends makes it look again.
        from django.conf import settings
        from django.test.signals import setting_changed

        setting_changed.send(
            sender=type(settings), setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=True
        )
