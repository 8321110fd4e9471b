"""The sector report as PDF: headless Chromium prints the report's standalone HTML.

One Chromium at a time per process (a lock, waited for a few seconds) and a time limit: a PDF
costs a browser start, a few hundred megabytes and a second or two, so a burst of downloads
is answered "busy, try again" instead of starting a browser each or holding every worker,
and a stuck browser is killed rather than kept.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

CHROMIUM_NAMES = ("chromium", "chromium-browser")
# Seconds one print may take, and how long a request waits for the print before it.
PDF_TIMEOUT = 60
LOCK_WAIT = 10
_one_at_a_time = threading.Lock()


class PdfUnavailable(Exception):
    """Chromium is missing, failed or took too long: no PDF (the message says which)."""


def chromium_path() -> str | None:
    """The Chromium to print with: the setting ``SHUNIU_CHROMIUM`` when given (a path or a
    name on PATH), else ``chromium`` or ``chromium-browser`` on PATH; ``None`` if none."""
    configured = getattr(settings, "SHUNIU_CHROMIUM", "") or ""
    for name in (configured,) if configured else CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str, *, timeout: float = PDF_TIMEOUT, wait: float = LOCK_WAIT) -> bytes:
    """Print ``html`` (a standalone document: no external resources) to PDF bytes, waiting
    up to ``wait`` seconds for a print already running (then ``PdfUnavailable``)."""
    chromium = chromium_path()
    if chromium is None:
        raise PdfUnavailable(
            _("PDF is unavailable: Chromium was not found (set SHUNIU_CHROMIUM to its path).")
        )
    if not _one_at_a_time.acquire(timeout=wait):
        raise PdfUnavailable(_("PDF is unavailable: another PDF is being made; try again."))
    try:
        with tempfile.TemporaryDirectory(prefix="shuniu-pdf-") as tmp:
            source = Path(tmp) / "report.html"
            target = Path(tmp) / "report.pdf"
            source.write_text(html, encoding="utf-8")
            command = [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={Path(tmp) / 'profile'}",
                f"--print-to-pdf={target}",
                "--no-pdf-header-footer",
                source.as_uri(),
            ]
            try:
                subprocess.run(  # noqa: S603 no shell; our own file as the only input
                    command,
                    check=False,
                    capture_output=True,
                    timeout=timeout,
                    stdin=subprocess.DEVNULL,
                )
            except subprocess.TimeoutExpired as exc:
                raise PdfUnavailable(
                    _("PDF is unavailable: Chromium took longer than %(seconds)s seconds.")
                    % {"seconds": f"{timeout:g}"}
                ) from exc
            except OSError as exc:
                raise PdfUnavailable(
                    _("PDF is unavailable: Chromium could not be started (%(error)s).")
                    % {"error": exc.strerror or exc}
                ) from exc
            data = target.read_bytes() if target.exists() else b""
            if not data.startswith(b"%PDF"):
                raise PdfUnavailable(_("PDF is unavailable: Chromium did not write a PDF."))
            return data
    finally:
        _one_at_a_time.release()
