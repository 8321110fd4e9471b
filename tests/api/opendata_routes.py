"""The open-data exports, for the API's permission matrix (tests/api/test_permissions.py
covers every operation; tests/interop/test_opendata.py calls these as several roles)."""

from __future__ import annotations

API = "/api/v1"

# operationId: (method, url of anything)
OPENDATA_ROUTES = {
    "export_hsds": ("get", lambda _: f"{API}/export/hsds?region=110000"),
    "export_360giving": ("get", lambda _: f"{API}/export/360giving?region=110000"),
    "export_datapackage": ("get", lambda _: f"{API}/export/datapackage?region=110000"),
}
