"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

They skip, saying why, when chromium or the playwright package is missing
(`make browser-deps` installs chromium and the CJK font on Debian).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.dataset import make_small_beijing
from tests.web.messages import compile_if_stale

# Playwright's sync API keeps an event loop running in the test thread, and Django refuses
# ORM calls from a thread with a running loop unless told this is deliberate.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config):
    compile_if_stale()


def chromium_path() -> str | None:
    configured = os.environ.get("SHUNIU_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (run `make env`)")
    from django.db import connections

    # Django keeps connections in a context-local that switches to contextvars once
    # Playwright's event loop runs in this thread, so later tests get fresh connection
    # objects. Carry the test database's serialized contents over to them, or
    # serialized_rollback would restore nothing after the first transactional test flushes.
    serialized = {
        alias: getattr(connections[alias], "_test_serialized_contents", None)
        for alias in connections
    }
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            if contents is not None and not hasattr(
                connections[alias], "_test_serialized_contents"
            ):
                connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """Console errors, uncaught exceptions and failed requests seen by a page."""

    def __init__(self, page: Any) -> None:
        self.messages: list[str] = []
        page.on(
            "console",
            lambda msg: (
                self.messages.append(f"console {msg.type}: {msg.text}")
                if msg.type in ("error", "warning")
                else None
            ),
        )
        page.on("pageerror", lambda exc: self.messages.append(f"page error: {exc}"))
        page.on("requestfailed", self._request_failed)
        page.on(
            "response",
            lambda resp: (
                self.messages.append(f"HTTP {resp.status}: {resp.url}")
                if resp.status >= 400
                else None
            ),
        )

    def _request_failed(self, request: Any) -> None:
        # Leaving a page cancels what it still had pending (its favicon, a map's shapes):
        # the browser's own abort, not a fault of the page, and it races with navigation.
        # A request the server failed answers with a status (the "response" handler) or fails
        # with another reason (refused, reset), and those are kept.
        if (request.failure or "") == "net::ERR_ABORTED":
            return
        self.messages.append(f"request failed: {request.url} ({request.failure})")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # A Chinese browser, as the sector's users have; the site's default language anyway.
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, device_scale_factor=1
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.problems = PageProblems(page)
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def small_beijing(transactional_db):
    return make_small_beijing()
