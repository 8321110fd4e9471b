"""config/gunicorn.py as gunicorn reads it: worker recycling from SHUNIU_MAX_REQUESTS, the
garbage collector frozen before the workers fork, access lines on unless SHUNIU_ACCESS_LOG=0.
(The server itself runs in test_production_server.py.)"""

from __future__ import annotations

import gc
import runpy
from pathlib import Path
from typing import Any

import pytest
from gunicorn.config import Config
from hypothesis import given
from hypothesis import strategies as st

from shuniu.core.serving import DEFAULT_MAX_REQUESTS, max_requests_from

CONFIG = Path(__file__).resolve().parents[2] / "config" / "gunicorn.py"


def load_config(monkeypatch, **environment: str) -> dict[str, Any]:
    """The file's settings as gunicorn takes them (names it knows), read under ``environment``."""
    for name in ("SHUNIU_MAX_REQUESTS", "SHUNIU_ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    namespace = runpy.run_path(str(CONFIG))
    config = Config()
    for name, value in namespace.items():
        if name in config.settings:
            config.set(name, value)  # gunicorn's own validation (types, a hook's arity)
    return {name: config.settings[name].get() for name in config.settings}


def test_workers_are_recycled_rarely_by_default(monkeypatch):
    # given no SHUNIU_MAX_REQUESTS
    # when gunicorn reads the configuration
    settings = load_config(monkeypatch)

    # then each worker is replaced after about 100,000 requests, spread by a tenth
    assert (settings["max_requests"], settings["max_requests_jitter"]) == (100_000, 10_000)
    # and the rest of the production set-up is as documented (docs/deploy.md)
    assert settings["worker_class"] == "sync"
    assert settings["preload_app"] is True
    assert (settings["timeout"], settings["graceful_timeout"]) == (120, 30)


@pytest.mark.parametrize(
    ("value", "expected"), [("20000", (20_000, 2_000)), (" 0 ", (0, 0)), ("", (100_000, 10_000))]
)
def test_max_requests_comes_from_the_environment(monkeypatch, value, expected):
    # given SHUNIU_MAX_REQUESTS (0: never recycle; empty: the default)
    settings = load_config(monkeypatch, SHUNIU_MAX_REQUESTS=value)

    # then gunicorn gets it, with a jitter of a tenth
    assert (settings["max_requests"], settings["max_requests_jitter"]) == expected


@pytest.mark.parametrize("value", ["many", "-1", "1e5", "2.5", "²"])
def test_a_malformed_max_requests_stops_gunicorn(monkeypatch, value):
    # given a SHUNIU_MAX_REQUESTS that is not a whole number of 0 or more
    # when gunicorn reads the configuration directly (shuniu serve refuses it earlier)
    with pytest.raises(ValueError, match=r"^SHUNIU_MAX_REQUESTS must") as refused:
        load_config(monkeypatch, SHUNIU_MAX_REQUESTS=value)

    # then the error names the variable and the value
    assert str(refused.value) == (
        f"SHUNIU_MAX_REQUESTS must be a whole number, 0 or more, not {value!r}"
    )


def test_the_master_freezes_the_loaded_application_before_forking(monkeypatch):
    # given an object the garbage collector tracks, as the preloaded application's are
    when_ready = load_config(monkeypatch)["when_ready"]
    loaded = [object()]
    assert gc.get_freeze_count() == 0
    assert any(tracked is loaded for tracked in gc.get_objects())

    # when gunicorn's master is ready (after preload_app, before the first fork)
    try:
        when_ready(None)

        # then the object is out of every generation a collection walks
        assert gc.get_freeze_count() > 0
        assert not any(tracked is loaded for tracked in gc.get_objects())
        assert gc.is_tracked(loaded)
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0


def test_access_lines_are_written_unless_switched_off(monkeypatch):
    # given the default, then SHUNIU_ACCESS_LOG=0 (a proxy in front logs the requests)
    on = load_config(monkeypatch)["logconfig_dict"]["loggers"]["gunicorn.access"]
    off = load_config(monkeypatch, SHUNIU_ACCESS_LOG="0")["logconfig_dict"]["loggers"][
        "gunicorn.access"
    ]

    # then gunicorn's access logger writes its INFO lines only in the first
    assert (on["level"], off["level"]) == ("INFO", "WARNING")
    assert on["handlers"] == off["handlers"] == ["console"]


@given(st.text(max_size=12))
def test_max_requests_is_a_whole_number_or_refused_by_name(text):
    # given any value of SHUNIU_MAX_REQUESTS (the rule config/gunicorn.py and shuniu serve share)
    stripped = text.strip()
    if stripped and not (stripped.isascii() and stripped.isdigit()):
        # when it is not a whole number, then it is refused, naming the variable and the value
        with pytest.raises(ValueError, match=r"^SHUNIU_MAX_REQUESTS must") as refused:
            max_requests_from(text)
        assert str(refused.value) == (
            f"SHUNIU_MAX_REQUESTS must be a whole number, 0 or more, not {stripped!r}"
        )
    else:
        # when it is one or nothing, then it is taken: the number as written, or the default
        assert max_requests_from(text) == (int(stripped) if stripped else DEFAULT_MAX_REQUESTS)
