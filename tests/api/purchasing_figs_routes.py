"""The public purchasing figures and open-data reads, for the API's permission matrix
(tests/api/test_permissions.py covers every operation; tests/api/test_purchasing_figs_api.py
calls these as every role)."""

from __future__ import annotations

API = "/api/v1"

# operationId: (method, url of a purchase id)
FIGS_ROUTES = {
    "get_purchasing_stats": ("get", lambda purchase: f"{API}/stats/purchasing?region=110000"),
    "get_purchase_ocds": ("get", lambda purchase: f"{API}/purchases/{purchase.pk}/ocds"),
    "list_ocds_releases": ("get", lambda purchase: f"{API}/ocds/releases?region=110000"),
}
