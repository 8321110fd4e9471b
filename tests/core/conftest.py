from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    # The messages asserted here are the English source strings; zh-hans is the default.
    with translation.override("en"):
        yield
