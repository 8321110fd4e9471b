"""Open-data exports of the registry (HSDS 3, 360Giving, the Frictionless data package):
validated offline against the schemas kept in tests/data/standards, public fields only, and
the same through the CLI and the API."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from frictionless import Package
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.interop import datapackage, hsds, threesixty
from shuniu.interop.opendata import export_scope, stable_id
from shuniu.stats.selectors import organization_stats
from tests.factories import make_organization
from tests.factories_opendata import OpenScene, open_scene

pytestmark = pytest.mark.django_db

STANDARDS = Path(__file__).resolve().parents[1] / "data" / "standards"
AS_OF = dt.date(2012, 11, 30)
PUBLISHED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def scene() -> OpenScene:
    return open_scene()


def _validator(folder: str, name: str) -> Any:
    local = {
        p.name: json.loads(p.read_text(encoding="utf-8"))
        for p in (STANDARDS / folder).glob("*.json")
    }

    def retrieve(uri: str) -> Any:
        # Schemas refer to each other by URL or by file name: map both to the kept files.
        return local[uri.rsplit("/", 1)[-1]]

    return jsonschema_rs.validator_for(local[name], retriever=retrieve, validate_formats=True)


def _errors(validator: Any, document: Any) -> list[str]:
    return [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(document)]


def _hsds(region: str = "110000", as_of: dt.date = AS_OF) -> list[dict[str, Any]]:
    scope = export_scope(region_code=region, as_of=as_of)
    orgs = hsds.organizations_in_scope(actor=AnonymousUser(), scope=scope)
    return json.loads("".join(hsds.hsds_stream(orgs, scope)))


def _grants(region: str = "110000", as_of: dt.date = AS_OF) -> dict[str, Any]:
    scope = export_scope(region_code=region, as_of=as_of)
    rows = threesixty.grants_in_scope(scope).iterator(chunk_size=2)
    return json.loads("".join(threesixty.grants_stream(rows, scope=scope, published=PUBLISHED)))


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("export", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


# --- HSDS 3 ---------------------------------------------------------------------------------


def test_hsds_organizations_validate_against_the_hsds_3_schemas(scene):
    # given the scene's Beijing organizations
    # when they are exported as HSDS 3
    made = _hsds()
    # then every organization, and every service nested in it, validates offline
    organization, service = (
        _validator("hsds-3", "organization.json"),
        _validator("hsds-3", "service.json"),
    )
    assert [(o["name"], _errors(organization, o)) for o in made] == [(o["name"], []) for o in made]
    services = [s for o in made for s in o["services"]]
    assert [_errors(service, s) for s in services] == [[] for _ in services]
    # and Beijing's three are there, Shanghai's is not
    assert sorted(o["name"] for o in made) == sorted(
        [scene.here.name, scene.there.name, scene.funder.name]
    )


def test_hsds_organization_has_its_identifier_location_and_services(scene):
    # given an agency with a credit code, an address and two service fields
    # when exported
    here = next(o for o in _hsds() if o["name"] == scene.here.name)
    # then it carries the CN-USCI identifier, its district as location and a service per field
    org_id = stable_id("organization", scene.here.pk)
    assert here["id"] == org_id
    assert here["alternate_name"] == "Dongcheng Open Data Social Work"
    assert here["year_incorporated"] == 2009
    assert here["organization_identifiers"] == [
        {
            "id": stable_id("identifier", scene.here.pk),
            "organization_id": org_id,
            "identifier_scheme": "CN-USCI",
            "identifier_type": "统一社会信用代码",
            "identifier": scene.here.uscc,
        }
    ]
    [location] = here["locations"]
    assert (location["name"], location["external_identifier"]) == ("东城区", "110101")
    [address] = location["addresses"]
    assert (address["address_1"], address["state_province"], address["country"]) == (
        "北京市东城区甲路1号",
        "北京市",
        "CN",
    )
    assert sorted((s["name"], s["status"]) for s in here["services"]) == [
        ("老年人", "active"),
        ("青少年", "active"),
    ]
    # and an organization without a code has no identifier and no address
    there = next(o for o in _hsds() if o["name"] == scene.there.name)
    assert "organization_identifiers" not in there
    assert "addresses" not in there["locations"][0]


def test_hsds_as_of_leaves_out_organizations_not_yet_registered(scene):
    # given an agency registered in 2011-05 (there) and one in 2009 (here)
    # when exported as of 2010-12-31
    names = {o["name"] for o in _hsds(as_of=dt.date(2010, 12, 31))}
    # then only the earlier is in
    assert scene.here.name in names
    assert scene.there.name not in names


def test_hsds_reads_a_fixed_number_of_queries_per_chunk(scene):
    # given 3 organizations, then 13 more, in Beijing
    scope = export_scope(region_code="110000", as_of=AS_OF)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            orgs = hsds.organizations_in_scope(actor=AnonymousUser(), scope=scope, chunk=100)
            text = "".join(hsds.hsds_stream(orgs, scope))
        assert text.startswith("[")
        return len(ctx.captured_queries)

    few = queries()
    for i in range(13):
        make_organization(name=f"批量开放社工事务所{i}", service_fields=["youth"])
    # then the export of 16 takes as many queries as that of 3 (one chunk each)
    assert queries() == few


def test_hsds_streams_a_chunk_at_a_time(scene, django_assert_max_num_queries):
    # given 7 organizations in Beijing, read 2 at a time
    for i in range(4):
        make_organization(name=f"分块开放社工事务所{i}")
    scope = export_scope(region_code="110000", as_of=AS_OF)
    orgs = hsds.organizations_in_scope(actor=AnonymousUser(), scope=scope, chunk=2)
    pieces = hsds.hsds_stream(orgs, scope)
    # when the first organization is written
    with django_assert_max_num_queries(3):
        assert next(pieces) == "["
        first = next(pieces)
    # then only the first chunk was read: one organization piece, the rest still to come
    assert json.loads(first)["name"]
    assert len(json.loads("[" + first + "".join(pieces))) == 7


# --- 360Giving ------------------------------------------------------------------------------


def test_360giving_package_validates_and_holds_the_money_support_only(scene):
    # given funds of 150,000 yuan and office space given to the agency
    # when the ledger is exported as 360Giving
    package = _grants()
    # then the package validates offline against the 360Giving package schema
    assert _errors(_validator("360giving", "360-giving-package-schema.json"), package) == []
    # and the one grant is the money, with CN-USCI ids for both sides
    assert package["grants"] == [
        {
            "id": f"360G-shuniu-support-{scene.funds.pk}",
            "title": f"{scene.funder.name} → {scene.here.name}",
            "description": "东社工发〔2010〕1号",
            "currency": "CNY",
            "amountAwarded": 150000.0,
            "awardDate": "2010-03-01",
            "recipientOrganization": [
                {
                    "id": f"CN-USCI-{scene.here.uscc}",
                    "name": scene.here.name,
                    "streetAddress": "北京市东城区甲路1号",
                    "addressCountry": "CN",
                }
            ],
            "fundingOrganization": [
                {
                    "id": f"CN-USCI-{scene.funder.uscc}",
                    "name": scene.funder.name,
                    "addressCountry": "CN",
                }
            ],
            "plannedDates": [{"startDate": "2010-03-01", "endDate": "2010-12-31"}],
        }
    ]


def test_360giving_leaves_out_support_of_other_regions_and_later_dates(scene):
    # given the money support started on 2010-03-01 in 东城区
    # then Shanghai has none, and nor has Beijing before it started
    assert _grants(region="310000")["grants"] == []
    assert _grants(as_of=dt.date(2010, 2, 28))["grants"] == []
    assert len(_grants(region="110101")["grants"]) == 1


# --- the data package -----------------------------------------------------------------------


def _read_package(path: Path) -> dict[str, list[list[str]]]:
    import csv

    made = {}
    for name in ("organizations", "events", "divisions", "district_statistics"):
        raw = (path / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        made[name] = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    return made


def test_datapackage_directory_validates_with_frictionless(scene, tmp_path):
    # given the scene
    # when the CLI writes the data package as a directory
    target = tmp_path / "package"
    assert (
        run("datapackage", "--region", "110000", "--as-of", "2012-11-30", "--output", str(target))[
            0
        ]
        == 0
    )
    # then frictionless finds it valid (offline: every resource is a local file)
    report = Package(str(target / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # and its tables hold the registry as of the date
    tables = _read_package(target)
    assert [row[2] for row in tables["organizations"][1:]] == sorted(
        [scene.here.name, scene.there.name, scene.funder.name],
        key=lambda name: [o["name"] for o in _hsds()].index(name),
    )
    figures = organization_stats(region_code="110000", as_of=AS_OF)
    assert [(r[2], int(r[5])) for r in tables["district_statistics"][1:]] == [
        (d.code, d.count) for d in figures.by_district
    ]
    assert ("110105", "朝阳区") in {(r[0], r[1]) for r in tables["divisions"][1:]}
    here_id = stable_id("organization", scene.here.pk)
    assert [(r[1], r[2]) for r in tables["events"][1:] if r[0] == here_id] == [
        ("founded", "2009-03-01"),
        ("registered", "2009-06-01"),
    ]
    descriptor = json.loads((target / "datapackage.json").read_text(encoding="utf-8"))
    fields = descriptor["resources"][0]["schema"]["fields"]
    assert fields[-1] == {"name": "registered_on", "type": "date", "description": "Date registered"}


def test_datapackage_zip_validates_with_frictionless(scene, tmp_path):
    # given the scene
    # when the CLI writes the data package to a name ending in .zip
    target = tmp_path / "package.zip"
    assert (
        run("datapackage", "--region", "110101", "--as-of", "2012-11-30", "--output", str(target))[
            0
        ]
        == 0
    )
    # then it is a zip of the descriptor and four CSV files, valid when unpacked
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == [
            "datapackage.json",
            "organizations.csv",
            "events.csv",
            "divisions.csv",
            "district_statistics.csv",
        ]
        archive.extractall(tmp_path / "unpacked")
    report = Package(str(tmp_path / "unpacked" / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert len(_read_package(tmp_path / "unpacked")["organizations"]) == 1 + 2


def test_datapackage_cells_cannot_become_formulas(tmp_path):
    # given an organization whose address starts like a formula
    make_organization(name="公式社工事务所", address='=HYPERLINK("http://x")')
    target = tmp_path / "package"
    run("datapackage", "--region", "110000", "--as-of", "2012-11-30", "--output", str(target))
    # then the cell is written as text
    [row] = _read_package(target)["organizations"][1:]
    assert row[9] == '\'=HYPERLINK("http://x")'


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(day=st.dates(min_value=dt.date(2008, 1, 1), max_value=dt.date(2013, 12, 31)))
def test_every_export_agrees_on_who_exists_on_any_date(scene, day):
    # given any date
    scope = export_scope(region_code="110000", as_of=day)
    parts = {
        r.name: list(r.rows()) for r in datapackage.resources(actor=AnonymousUser(), scope=scope)
    }
    # then the data package's organizations are HSDS's, and its district figures add up to
    # the statistics of that date
    assert [r[0] for r in parts["organizations"]] == [o["id"] for o in _hsds(as_of=day)]
    figures = organization_stats(region_code="110000", as_of=day)
    assert sum(r[5] for r in parts["district_statistics"]) == figures.total
    # and no event after the date is in
    assert all(r[2] <= day for r in parts["events"])


# --- no personal data -----------------------------------------------------------------------


def test_no_export_contains_a_person_or_a_private_note(scene, tmp_path):
    # given people with ID numbers working at the agency, and a support note not for publishing
    texts = [
        run("hsds", "--region", "110000", "--as-of", "2012-11-30")[1],
        run("360giving", "--region", "110000", "--as-of", "2012-11-30")[1],
    ]
    run(
        "datapackage",
        "--region",
        "110000",
        "--as-of",
        "2012-11-30",
        "--output",
        str(tmp_path / "p"),
    )
    texts += [p.read_text(encoding="utf-8") for p in sorted((tmp_path / "p").iterdir())]
    run(
        "datapackage",
        "--region",
        "110000",
        "--as-of",
        "2012-11-30",
        "--output",
        str(tmp_path / "p.zip"),
    )
    with zipfile.ZipFile(tmp_path / "p.zip") as archive:
        texts += [archive.read(name).decode("utf-8") for name in archive.namelist()]
    # then no export names a person, holds an ID number in any form, or the note
    assert len(texts) == 2 + 5 + 5
    secrets = [p.name for p in scene.people] + scene.numbers + ["内部备注"]
    assert [(s, i) for i, text in enumerate(texts) for s in secrets if s in text] == []
    # and the exports are not empty (the scan read real documents)
    assert [scene.here.name in text for text in texts[:2]] == [True, True]
    assert scene.here.name in "".join(texts[2:7])
    assert scene.here.name in "".join(texts[7:])


# --- the command line -----------------------------------------------------------------------


def test_cli_hsds_and_360giving_write_to_a_file(scene, tmp_path):
    # when each is written to a file
    for fmt in ("hsds", "360giving"):
        target = tmp_path / f"{fmt}.json"
        assert run(fmt, "--region", "110000", "--as-of", "2012-11-30", "--output", str(target)) == (
            0,
            "",
        )
        # then the file is the document
        assert scene.here.name in target.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["hsds", "--region", "999999"], "not found: region 999999"),
        (
            ["360giving", "--region", "110000", "--as-of", "2012-13-01"],
            "--as-of: '2012-13-01' is not a date (YYYY-MM-DD)",
        ),
        (
            ["hsds", "--region", "110103", "--as-of", "2012-11-30"],
            "region: 崇文区 (110103) did not exist on 2012-11-30",
        ),
    ],
)
def test_cli_bad_input_exits_1_with_one_line(args, message, tmp_path):
    # given nothing to export
    # when the command is given bad input (in English)
    with translation.override("en"):
        code, text = run(*args)
    # then it exits 1 naming the option
    assert (code, text) == (1, message)


def test_cli_bad_region_in_chinese():
    # when an unknown region is given in the default language
    with translation.override("zh-hans"):
        # then the one line is in Chinese
        assert run("hsds", "--region", "999999") == (1, "未找到：地区 999999")


def test_cli_datapackage_refuses_an_existing_file(tmp_path):
    # given a plain file where the directory would go
    target = tmp_path / "taken.txt"
    target.write_text("keep", encoding="utf-8")
    # when the package is written there
    with translation.override("en"):
        code, text = run("datapackage", "--region", "110000", "--output", str(target))
    # then it refuses and leaves the file alone
    assert (code, text) == (
        1,
        f"--output: {target} is a file; give a directory or a name ending in .zip",
    )
    assert target.read_text(encoding="utf-8") == "keep"


def test_cli_unknown_format_is_a_usage_error():
    # when an unknown format is asked for
    with pytest.raises(CommandError, match="invalid choice: 'xml'"):
        call_command("export", "xml", "--region", "110000")


# --- the API --------------------------------------------------------------------------------

ENDPOINTS = ["hsds", "360giving", "datapackage"]


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("who", ["anonymous", "officer_of_other_district", "admin"])
def test_api_exports_are_public(endpoint, who, scene, client, make_officer, admin_user):
    # given a caller of each kind
    if who == "officer_of_other_district":
        client.force_login(make_officer("opendata-officer", "310000"))
    elif who == "admin":
        client.force_login(admin_user)
    # when the export is asked for
    response = client.get(f"/api/v1/export/{endpoint}?region=110000&as_of=2012-11-30")
    # then everyone gets the same public document
    assert response.status_code == 200
    body = _body(response)
    assert response["Content-Disposition"].startswith(
        'attachment; filename="shuniu-110000-2012-11-30-'
    )
    if endpoint == "datapackage":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            text = archive.read("organizations.csv").decode("utf-8-sig")
    else:
        text = body.decode("utf-8")
    assert scene.here.name in text


def test_api_hsds_is_the_cli_document(scene, client):
    # when the same export is asked of the API and the CLI
    response = client.get("/api/v1/export/hsds?region=110000&as_of=2012-11-30")
    # then they are the same
    assert json.loads(_body(response)) == json.loads(
        run("hsds", "--region", "110000", "--as-of", "2012-11-30")[1]
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("region=999999", 404, None),
        ("region=11000", 422, "region"),
        ("region=110000&as_of=2012-13-01", 422, "as_of"),
        ("region=110103&as_of=2012-11-30", 422, "region"),
    ],
)
def test_api_bad_input_is_a_problem(endpoint, query, status, field, client):
    # when the export is asked for with bad input
    response = client.get(f"/api/v1/export/{endpoint}?{query}")
    # then the answer is a problem naming the field
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    if field:
        assert field in json.dumps(response.json()["errors"])


def test_api_unknown_format_is_not_found(client):
    # when a format that does not exist is asked for
    response = client.get("/api/v1/export/xml?region=110000")
    # then it is not found
    assert response.status_code == 404


def test_export_scope_defaults_nothing_and_reads_no_personal_table(scene):
    # given the exports' resources as of today
    scope = export_scope(region_code="110000", as_of=timezone.localdate())
    # when every table is read
    with CaptureQueriesContext(connection) as ctx:
        for resource in datapackage.resources(actor=AnonymousUser(), scope=scope):
            list(resource.rows())
        list(threesixty.grants_in_scope(scope))
    # then no query touched a workforce table
    assert [q["sql"] for q in ctx.captured_queries if "workforce_" in q["sql"]] == []
