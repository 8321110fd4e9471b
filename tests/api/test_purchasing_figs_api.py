"""``GET /api/v1/stats/purchasing``, the OCDS endpoints and ``shuniu stats purchasing`` /
``shuniu export ocds``: public, validated, and the API and the CLI say the same."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from shuniu.core.models import AuditRecord
from shuniu.procurement.models import Purchase, RefusedAttempt, StatusChange
from tests.api.purchasing_figs_routes import FIGS_ROUTES
from tests.api.test_permissions import ROLES, world  # noqa: F401 (the fixture)
from tests.factories_procurement_figs import scene
from tests.interop.test_ocds import assert_valid

API = "/api/v1"


def writes() -> tuple[int, int, int, int]:
    return (
        Purchase.objects.count(),
        StatusChange.objects.count(),
        RefusedAttempt.objects.count(),
        AuditRecord.objects.count(),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(FIGS_ROUTES))
def test_every_role_reads_the_figures_and_the_open_data(client, world, name, role):  # noqa: F811
    # Given purchases
    s = scene()
    method, url = FIGS_ROUTES[name]
    before = writes()
    # When the role reads
    response = getattr(client, method)(url(s.service.purchase), **world["headers"][role])
    # Then it is answered as JSON, and nothing is written
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert writes() == before


@pytest.mark.django_db
def test_the_api_and_the_cli_give_the_same_figures(client):
    # Given the scene
    scene()
    # When the figures are asked of both on 2011-06-10
    api = client.get(f"{API}/stats/purchasing", {"region": "110000", "as_of": "2011-06-10"})
    out = StringIO()
    call_command(
        "stats",
        "purchasing",
        "--region",
        "110000",
        "--as-of",
        "2011-06-10",
        "--format",
        "json",
        stdout=out,
    )
    # Then they agree, with amounts as decimal strings
    assert api.status_code == 200
    assert json.loads(out.getvalue()) == api.json()
    body = api.json()
    assert body["purchases"] == {"service": 1, "post": 1}
    assert (body["contracted_amount"], body["paid_amount"]) == ("1380000.00", "240000.00")
    assert (body["posts_funded"], body["posts_filled"], body["posts_vacant"]) == (10, 3, 7)
    assert body["by_grade"] == {"excellent": 0, "good": 1, "pass": 0, "fail": 0}
    assert body["region"] == {"code": "110000", "name": "北京市", "name_en": "Beijing"}
    assert [s["share"] for s in body["top_suppliers"]] == ["0.6522", "0.3478"]


@pytest.mark.django_db
def test_the_cli_table_prints_the_figures():
    scene()
    out = StringIO()
    call_command("stats", "purchasing", "--region", "110000", "--as-of", "2011-06-10", stdout=out)
    # rich prints to the terminal, not to stdout: the command ran without error


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"region": "999999", "as_of": "2011-01-01"}, 404, None),
        ({"region": "1100", "as_of": "2011-01-01"}, 422, "region"),
        ({"region": "110000", "as_of": "1900-01-01"}, 422, "as_of"),
        ({"region": "110000", "as_of": "2011-02-30"}, 422, "as_of"),
        ({"as_of": "2011-01-01"}, 422, "region"),
    ],
)
def test_bad_queries_are_problems_naming_the_field(client, query, status, field):
    response = client.get(f"{API}/stats/purchasing", query)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    if field:
        assert field in json.dumps(response.json()["errors"])


@pytest.mark.django_db
def test_the_cli_refuses_an_unknown_region_in_one_line():
    with pytest.raises(CommandError, match="999999"):
        call_command("stats", "purchasing", "--region", "999999", "--as-of", "2011-01-01")


@pytest.mark.django_db
def test_a_purchase_ocds_package_is_valid_and_unknown_ones_are_404(client):
    s = scene()
    response = client.get(f"{API}/purchases/{s.post.purchase_id}/ocds")
    assert response.status_code == 200
    package = response.json()
    assert_valid("release-package-schema.json", package)
    assert [r["tag"] for r in package["releases"]] == [
        ["planning"],
        ["tender"],
        ["award"],
        ["contract"],
    ]
    missing = client.get(f"{API}/purchases/999999/ocds")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_the_region_releases_and_the_export_command_are_the_same_package(client, tmp_path):
    # Given the scene
    scene()
    # When the releases of 2010 are asked of the API and of the command
    response = client.get(
        f"{API}/ocds/releases", {"region": "110000", "from": "2010-01-01", "to": "2010-12-31"}
    )
    api = json.loads(b"".join(response.streaming_content))
    target = tmp_path / "ocds.json"
    call_command(
        "export",
        "ocds",
        "--region",
        "110000",
        "--from",
        "2010-01-01",
        "--to",
        "2010-12-31",
        "--output",
        str(target),
    )
    cli = json.loads(target.read_text(encoding="utf-8"))
    # Then both hold the same releases (the package's uri and time differ), all valid
    assert_valid("release-package-schema.json", api)
    assert api["releases"] == cli["releases"]
    service, post, planning = Purchase.objects.order_by("id")
    assert [(r["ocid"], r["tag"]) for r in api["releases"]] == [
        (service.ocid, ["planning"]),
        (service.ocid, ["tender"]),
        (service.ocid, ["award"]),
        (service.ocid, ["contract"]),
        (service.ocid, ["implementation"]),
        (post.ocid, ["planning"]),  # planned 2010-12-31, tendered in 2011
        (planning.ocid, ["planning"]),
    ]
    # And another city has none
    other = client.get(f"{API}/ocds/releases", {"region": "310000"})
    assert json.loads(b"".join(other.streaming_content))["releases"] == []


@pytest.mark.django_db
def test_the_export_writes_to_standard_output():
    scene()
    out = StringIO()
    call_command("export", "ocds", "--region", "110101", stdout=out)
    package = json.loads(out.getvalue())
    assert {r["ocid"] for r in package["releases"]} == {
        Purchase.objects.get(region__code="110101").ocid
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"region": "999999"}, 404),
        ({"region": "110000", "from": "2011-01-01", "to": "2010-01-01"}, 422),
        ({"region": "110000", "from": "nonsense"}, 422),
    ],
)
def test_bad_release_queries_are_problems(client, query, status):
    response = client.get(f"{API}/ocds/releases", query)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_the_export_command_refuses_a_reversed_range():
    with pytest.raises(CommandError, match="--to"):
        call_command(
            "export", "ocds", "--region", "110000", "--from", "2011-01-01", "--to", "2010-01-01"
        )
