from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English (the zh-hans ones are checked where it matters)."""
    with translation.override("en"):
        yield
