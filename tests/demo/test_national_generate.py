"""``shuniu demo generate --scale national`` at a small size, and the issue's "done means" on
it: Guangzhou (440100) and Guangdong (440000) end to end — dashboard, directory, compare, API,
CLI — with figures equal to a direct count of the generated rows, and a county that ended in
a merge counted under itself before the merge and under its successor after.

The expected figures are computed here from the organizations' events, by a replay written
for the test (not the statistics' selectors or periods): a status after each founding,
application, registration and deregistration, a registrar division after each move, and the
region a code prefix (4401 for Guangzhou, 44 for Guangdong: no county moved between
prefectures there since 2003).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings

from shuniu.core.models import AuditRecord
from shuniu.demo import national
from shuniu.demo.national import plan as p
from shuniu.divisions.models import Division
from shuniu.procurement.models import Contract, Purchase
from shuniu.registry.models import EventKind, Organization, OrganizationEvent
from shuniu.workforce.models import Certificate, Employment, Person
from tests.factories import make_organization

SIZES = {"organizations": 600, "people": 3000, "purchases": 300}
SEED = 7


class _Open:
    atomic: Any = None


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:
    """The demo plus a small national dataset, generated once for this module inside a
    transaction that is rolled back after it."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out, err = io.StringIO(), io.StringIO()
            call_command(
                "demo",
                "generate",
                "--scale",
                "national",
                "--seed",
                str(SEED),
                *[f"--{name}={value}" for name, value in SIZES.items()],
                "--format",
                "json",
                stdout=out,
                stderr=err,
            )
            summary = json.loads(out.getvalue())
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(*sys.exc_info())
            raise
    yield {"summary": summary, "report": err.getvalue()}
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


# ---------------------------------------------------------------------------------------
# The independent count
# ---------------------------------------------------------------------------------------

_STATUS = {
    EventKind.FOUNDED: "preparing",
    EventKind.REGISTRATION_APPLIED: "registering",
    EventKind.REGISTERED: "registered",
    EventKind.DEREGISTERED: "deregistered",
    EventKind.REVOKED: "revoked",
}
_ORDER = {
    EventKind.FOUNDED: 0,
    EventKind.REGISTRATION_APPLIED: 1,
    EventKind.REGISTERED: 2,
    EventKind.MOVED: 3,
    EventKind.DEREGISTERED: 4,
}


def _lives() -> list[tuple[int, list[tuple[dt.date, str | None, str | None]]]]:
    """Each organization: (id, [(date, status or None, division code after or None)])."""
    codes = dict(Division.objects.values_list("pk", "code"))
    start: dict[int, str] = {}
    steps: dict[int, list[tuple[dt.date, int, str | None, str | None]]] = {}
    for org_id, division_id in Organization.objects.values_list("pk", "registrar_division_id"):
        start[org_id] = codes[division_id]
        steps[org_id] = []
    events = OrganizationEvent.objects.values_list(
        "organization_id", "kind", "date", "division_before_id", "division_after_id"
    )
    first_move: dict[int, tuple[dt.date, int]] = {}
    for org_id, kind, day, before, after in events:
        if kind == EventKind.MOVED and after:
            steps[org_id].append((day, _ORDER[kind], None, codes[after]))
            if before and (org_id not in first_move or day < first_move[org_id][0]):
                first_move[org_id] = (day, before)
        elif kind in _STATUS:
            steps[org_id].append((day, _ORDER.get(kind, 9), _STATUS[kind], None))
    for org_id, (_day, before) in first_move.items():
        start[org_id] = codes[before]  # the division it was registered in
    return [
        (org_id, [(dt.date.min, None, start[org_id])] + [(d, s, c) for d, _o, s, c in sorted(st)])
        for org_id, st in steps.items()
    ]


def _state_on(life: list[tuple[dt.date, str | None, str | None]], on: dt.date) -> tuple[str, str]:
    status, code = "", ""
    for day, new_status, new_code in life:
        if day > on:
            break
        status = new_status or status
        code = new_code or code
    return status, code


def expected_total(prefix: str, on: dt.date) -> int:
    """Registered or registering on ``on`` in a division whose code starts with ``prefix``."""
    total = 0
    for _org, life in _lives():
        status, code = _state_on(life, on)
        if status in ("registered", "registering") and code.startswith(prefix):
            total += 1
    return total


GUANGZHOU, GUANGDONG = "440100", "440000"
DAYS = [dt.date(2010, 6, 30), dt.date(2016, 12, 31), dt.date(2024, 6, 30)]


# ---------------------------------------------------------------------------------------
# The dataset itself
# ---------------------------------------------------------------------------------------


def test_generates_the_asked_sizes_in_every_province_outside_the_three_cities(generated, db):
    # given a national dataset of 600 organizations, 3,000 people and 300 purchases
    mine = Organization.objects.filter(source=national.SOURCE)
    # then every count is the one asked for, and the summary says so
    assert mine.count() == 600
    assert Person.objects.filter(source=national.SOURCE).count() == 3000
    assert Employment.objects.filter(person__source=national.SOURCE).count() == 3000
    assert Purchase.objects.filter(source=national.SOURCE).count() == 300
    summary = generated["summary"]
    assert (summary["organizations"], summary["people"], summary["purchases"]) == (600, 3000, 300)
    assert (
        summary["certificates"]
        == Certificate.objects.filter(number__startswith=national.CERTIFICATE_PREFIX).count()
    )
    assert summary["certificates"] > 1500
    # and every province-level division outside Beijing and Shanghai has organizations
    provinces = {code[:2] for code in mine.values_list("registrar_division__code", flat=True)}
    expected = {
        d.code[:2]
        for d in Division.objects.filter(parent__isnull=True, reuse_kind="")
        if d.code[:2] not in ("11", "31") and d.children.exists()
    } - {"71", "81", "82"}  # Taiwan, Hong Kong, Macao: no county-level rows to place them in
    assert provinces >= expected
    assert len(provinces) >= 29
    # and none of them is in Beijing, Shanghai or Shenzhen
    assert not [
        c
        for c in mine.values_list("registrar_division__code", flat=True)
        if c.startswith(national.EXCLUDED_PREFIXES)
    ]


def test_events_span_2003_to_2024_with_moves_across_county_changes_and_deregistrations(
    generated, db
):
    # given the generated organizations' events
    events = OrganizationEvent.objects.filter(organization__source=national.SOURCE)
    days = events.values_list("date", flat=True)
    # then they lie in 2003-2024, and some are moves to a successor and deregistrations
    assert min(days) >= dt.date(2003, 1, 1)
    assert max(days) <= dt.date(2024, 12, 31)
    moves = events.filter(kind=EventKind.MOVED).select_related("division_before", "division_after")
    assert moves.exists()
    for move in moves:
        assert move.division_before is not None
        assert move.division_before.successor_id == move.division_after_id
        assert move.division_before.valid_to <= move.date
    assert events.filter(kind=EventKind.DEREGISTERED).exists()


def test_purchases_are_bought_and_won_by_registered_organizations(generated, db):
    # given the generated purchases
    bought = Purchase.objects.filter(source=national.SOURCE).select_related(
        "buyer", "region", "award__supplier", "contract"
    )
    # then the buyer was registered when it planned, the winner when it won, and the
    # region existed when the contract was signed
    for purchase in bought:
        assert purchase.buyer.registered_on <= purchase.planned_on
        if hasattr(purchase, "award"):
            assert purchase.award.supplier.registered_on <= purchase.award.awarded_on
            assert purchase.region.is_valid_on(purchase.contract.signed_on)
    assert Contract.objects.filter(purchase__source=national.SOURCE).count() > 200


def test_each_batch_is_audited_once_per_province(generated, db):
    # given the generated organizations and purchases
    orgs = AuditRecord.objects.filter(action="organizations.import_batch")
    purchases = AuditRecord.objects.filter(action="purchases.import_batch")
    # then the batch records name every created id once, and no per-row records exist
    named = [pk for r in orgs for pk in r.after["created"]["organization"]["ids"]]
    assert sorted(named) == sorted(
        Organization.objects.filter(source=national.SOURCE).values_list("pk", flat=True)
    )
    bought = [pk for r in purchases for pk in r.after["created"]["purchase"]["ids"]]
    assert len(bought) == 300
    assert AuditRecord.objects.filter(action="people.import_batch").exists()
    assert not AuditRecord.objects.filter(
        action="organization.register", object_id__in=[str(pk) for pk in named]
    ).exists()


def test_a_second_run_is_refused_and_writes_nothing(generated, db):
    # given the dataset generated once
    before = (Organization.objects.count(), Person.objects.count(), AuditRecord.objects.count())
    # when generating again
    with pytest.raises(CommandError) as caught:
        call_command("demo", "generate", "--scale", "national", "--organizations", "5")
    # then it says why, and nothing changed
    assert "600" in str(caught.value)
    before_after = (
        Organization.objects.count(),
        Person.objects.count(),
        AuditRecord.objects.count(),
    )
    assert before_after == before


def test_same_seed_same_rows_other_seed_other_rows(generated, db):
    # given the divisions
    geography = p.Geography.from_divisions(Division.objects.all())

    def rows(seed: int) -> tuple[list[Any], list[Any], list[Any]]:
        orgs = p.OrganizationPlanner(geography, seed).plan(200)
        return (
            [(o.uscc, o.name, o.division.code, o.address, o.events) for o in orgs],
            [
                (x.id_number, x.name, x.employer.uscc, x.certificate)
                for x in p.people(orgs, 300, seed)
            ],
            [(x.title, x.budget, x.planned_on, x.steps) for x in p.purchases(orgs, 50, seed)],
        )

    # when planning twice with one seed and once with another
    first, again, other = rows(SEED), rows(SEED), rows(SEED + 1)
    # then the same seed gives the same rows, another seed others
    assert first == again
    assert first[0] != other[0]
    # and the stored rows are those of the plan
    planned = p.OrganizationPlanner(geography, SEED).plan(600)
    stored = dict(
        Organization.objects.filter(source=national.SOURCE).values_list("uscc", "address")
    )
    assert stored == {o.uscc: o.address for o in planned}


# ---------------------------------------------------------------------------------------
# Done means: Guangzhou and Guangdong end to end
# ---------------------------------------------------------------------------------------


def _figure(html: str, element_id: str) -> int:
    found = re.search(rf'id="{element_id}"[^>]*>\s*([\d,]+)', html)
    assert found, element_id
    return int(found.group(1).replace(",", ""))


@pytest.mark.parametrize(("region", "prefix"), [(GUANGZHOU, "4401"), (GUANGDONG, "44")])
def test_dashboard_api_and_cli_give_the_direct_count(generated, db, client, region, prefix):
    for on in DAYS:
        # given the number of organizations registered or registering there on the date
        expected = expected_total(prefix, on)
        # when the dashboard, the API and the CLI are asked
        page = client.get("/", {"region": region, "as_of": on.isoformat(), "kind": "all"})
        api = client.get("/api/v1/stats/organizations", {"region": region, "as_of": on.isoformat()})
        out = io.StringIO()
        call_command(
            "stats", "organizations", "--region", region, "--as-of", on.isoformat(),
            "--format", "json", stdout=out,
        )  # fmt: skip
        # then each gives the count
        assert page.status_code == 200
        assert _figure(page.content.decode(), "figure-total") == expected, on
        assert api.status_code == 200
        assert api.json()["total"] == expected, on
        assert json.loads(out.getvalue())["total"] == expected, on
    assert expected_total(prefix, DAYS[-1]) > expected_total(prefix, DAYS[0]) > 0


@pytest.mark.parametrize(("region", "prefix"), [(GUANGZHOU, "4401"), (GUANGDONG, "44")])
def test_directory_and_api_list_the_organizations_of_the_region(
    generated, db, client, region, prefix
):
    on = DAYS[1]
    # given the organizations registered there on the date
    expected = 0
    for _org, life in _lives():
        status, code = _state_on(life, on)
        expected += status == "registered" and code.startswith(prefix)
    # when the directory page and the API list them
    query = {"region": region, "as_of": on.isoformat(), "status": "registered"}
    page = client.get("/organizations/", {**query, "district": region})
    api = client.get("/api/v1/organizations", query)
    # then both count them all
    assert page.status_code == 200
    found = re.search(r'id="result-count" data-count="(\d+)"', page.content.decode())
    assert found
    assert int(found.group(1)) == expected
    assert api.status_code == 200
    assert api.json()["count"] == expected
    assert expected > 0


def test_directory_without_a_date_lists_the_current_registrar_divisions(generated, db, client):
    # given where each organization is registered after all its events
    expected = 0
    for _org, life in _lives():
        _status, code = _state_on(life, dt.date.max)
        expected += code.startswith("44")
    # when the API lists Guangdong's organizations of today
    api = client.get("/api/v1/organizations", {"region": GUANGDONG})
    # then every one of them is there, whatever its status
    assert api.json()["count"] == expected


def test_compare_puts_guangzhou_and_guangdong_side_by_side(generated, db, client):
    on = DAYS[1]
    # given their direct counts on a date
    expected = [expected_total("4401", on), expected_total("44", on)]
    # when the comparison page and its summary download are asked for the two regions
    query = {"regions": "440100,440000", "as_of": on.isoformat(), "kind": "all"}
    page = client.get("/compare/", query)
    download = client.get("/compare/download/", {**query, "chart": "summary", "format": "csv"})
    # then both give the counts, in the order asked
    assert page.status_code == 200
    html = page.content.decode()
    assert "广州市" in html
    assert "广东省" in html
    assert 'id="operating"' not in html  # the operating models are the three cities' own
    summary = re.search(r'id="compare-summary".*?<tbody>\s*<tr>(.*?)</tr>', html, re.S)
    assert summary
    cells = re.findall(r'<td class="text-end">([\d,]+)</td>', summary.group(1))
    assert [int(c.replace(",", "")) for c in cells] == expected
    assert download.status_code == 200
    first = download.content.decode("utf-8-sig").splitlines()[1].split(",")
    assert [int(v) for v in first[-2:]] == expected


def test_compare_refuses_an_unknown_or_county_region(generated, db, client):
    # when a code that is no region, and a county outside the three cities, are asked
    unknown = client.get("/compare/", {"regions": "440100,999999"})
    county = client.get("/compare/", {"regions": "440106"})
    # then each is a 400 naming what is wrong
    assert unknown.status_code == 400
    assert "999999" in unknown.content.decode()
    assert county.status_code == 400
    assert "440106" in county.content.decode()


def test_compare_of_the_three_cities_is_unchanged_by_the_national_data(generated, db, client):
    # given the survey date
    on = dt.date(2012, 11, 30)
    # when the three cities are compared (no regions given)
    page = client.get("/compare/", {"as_of": on.isoformat(), "kind": "all"})
    html = page.content.decode()
    summary = re.search(r'id="compare-summary".*?<tbody>\s*<tr>(.*?)</tr>', html, re.S)
    assert summary
    cells = re.findall(r'<td class="text-end">([\d,]+)</td>', summary.group(1))
    # then their totals are those of the demo's organizations alone
    demo = set(Organization.objects.exclude(source=national.SOURCE).values_list("pk", flat=True))
    totals = []
    for prefix in ("11", "31", "4403"):
        totals.append(
            sum(
                1
                for org_id, life in _lives()
                if org_id in demo
                and _state_on(life, on)[0] in ("registered", "registering")
                and _state_on(life, on)[1].startswith(prefix)
            )
        )
    assert [int(c.replace(",", "")) for c in cells] == totals
    assert totals == [expected_total(prefix, on) for prefix in ("11", "31", "4403")]
    assert 'id="operating"' in html


def test_workforce_and_purchasing_pages_of_guangzhou_draw_no_map(generated, db, client):
    # when the workforce and purchasing dashboards of Guangzhou are asked
    for url in ("/workforce/", "/purchasing/"):
        page = client.get(url, {"region": GUANGZHOU, "as_of": "2020-12-31"})
        # then they answer with a table, and no map container
        assert page.status_code == 200, url
        html = page.content.decode()
        assert "district-map" not in html, url
        assert "<table" in html, url


def test_guangzhou_purchasing_counts_the_contracts_signed_by_the_date(generated, db, client):
    on = dt.date(2020, 12, 31)
    # given the contracts of purchases delivered in Guangzhou, signed by the date
    expected = Contract.objects.filter(
        purchase__region__code__startswith="4401", signed_on__lte=on
    ).count()
    # when the API is asked
    api = client.get("/api/v1/stats/purchasing", {"region": GUANGZHOU, "as_of": on.isoformat()})
    # then it counts them
    assert api.status_code == 200
    assert sum(api.json()["purchases"].values()) == expected


# ---------------------------------------------------------------------------------------
# Done means: a county whose code ended
# ---------------------------------------------------------------------------------------


def test_zengcheng_city_counts_under_zengcheng_district_after_2014(generated, db, client):
    # given generated organizations registered in 增城市 (440183) before it became 增城区
    # (440118) on 2014-01-01, and one more registered there in 2010
    make_organization(division="440183", registered_on=dt.date(2010, 3, 1))
    lives = _lives()

    def in_county(code: str, on: dt.date) -> int:
        n = 0
        for _org, life in lives:
            status, held = _state_on(life, on)
            if status in ("registered", "registering"):
                # without a move, the county's successor holds it once the county is gone
                if held == "440183" and on >= dt.date(2014, 1, 1):
                    held = "440118"
                n += held == code
        return n

    def by_district(on: dt.date) -> dict[str, int]:
        body = client.get(
            "/api/v1/stats/organizations", {"region": GUANGZHOU, "as_of": on.isoformat()}
        ).json()
        return {row["code"]: row["count"] for row in body["by_district"]}

    # when Guangzhou's districts are counted before and after the change
    before, after = by_district(dt.date(2013, 6, 30)), by_district(dt.date(2016, 6, 30))
    # then the organizations count in 增城市 before and in 增城区 after
    assert before["440183"] == in_county("440183", dt.date(2013, 6, 30)) >= 1
    assert "440118" not in before
    assert after["440118"] == in_county("440118", dt.date(2016, 6, 30)) >= 1
    assert "440183" not in after


def test_a_county_merged_into_its_namesake_city_hands_over_its_organizations(generated, db, client):
    # given 阜阳县 (342121), merged into 阜阳市 (342101) on 1992-01-01, and an organization
    # registered there in 1990 (the national dataset begins in 2003)
    merged = Division.objects.get(code="342121")
    assert (merged.successor.code, merged.valid_to) == ("342101", dt.date(1992, 1, 1))
    assert merged.successor_rule == "merged_into_same_name"
    make_organization(division="342121", registered_on=dt.date(1990, 3, 1))

    def by_district(on: dt.date) -> Counter[str]:
        body = client.get(
            "/api/v1/stats/organizations", {"region": "342100", "as_of": on.isoformat()}
        ).json()
        return Counter({row["code"]: row["count"] for row in body["by_district"] if row["count"]})

    # when the prefecture is counted before and after the merge
    # then the organization is under the old county before and under the city after
    assert by_district(dt.date(1991, 6, 30)) == Counter({"342121": 1})
    assert by_district(dt.date(1993, 6, 30)) == Counter({"342101": 1})
