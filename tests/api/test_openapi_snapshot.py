"""The OpenAPI document is what API clients are built from: a change to it is deliberate and
reviewed, never a side effect. tests/api/openapi.json holds the accepted document (pretty,
sorted keys); a deliberate API change updates it in the same commit:

    SHUNIU_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/api/test_openapi_snapshot.py   (make snapshots)
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

from django.utils import translation

from config.api import api

SNAPSHOT = Path(__file__).with_name("openapi.json")
UPDATE = "SHUNIU_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/api/test_openapi_snapshot.py"


def render(schema: Any) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def current_document() -> str:
    # English, like every other reference text (descriptions may be translatable)
    with translation.override("en"):
        return render(api.get_openapi_schema())


def test_the_openapi_document_is_the_accepted_one():
    # given the accepted document and the one the code generates
    generated = current_document()
    if os.environ.get("SHUNIU_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(generated, encoding="utf-8")
    accepted = SNAPSHOT.read_text(encoding="utf-8")
    # then they are the same, else the difference and how to accept it are shown
    diff = "".join(
        difflib.unified_diff(
            accepted.splitlines(keepends=True),
            generated.splitlines(keepends=True),
            "tests/api/openapi.json (accepted)",
            "generated from the code",
            n=2,
        )
    )
    assert generated == accepted, (
        f"The API changed. If that is deliberate, run `{UPDATE}` (or `make snapshots`) and "
        f"commit tests/api/openapi.json with the change.\n{diff[:6000]}"
    )


def test_the_snapshot_names_every_operation_once():
    # given the accepted document
    document = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    operations = [
        operation["operationId"]
        for methods in document["paths"].values()
        for operation in methods.values()
    ]
    # then its operations are unique (the registry's and the workforce's among them), and the
    # document is rendered canonically
    assert len(operations) == len(set(operations))
    assert {"list_organizations", "list_people", "get_person_id_number"} <= set(operations)
    assert render(document) == SNAPSHOT.read_text(encoding="utf-8")
