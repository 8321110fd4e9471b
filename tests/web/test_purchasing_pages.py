"""The public purchasing pages: the dashboard, its downloads, the list of purchases and a
purchase's page. Public: anonymous readers see them; nothing private is shown."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model

from shuniu.core.models import AuditRecord
from shuniu.procurement.models import Purchase, ServiceReport, StatusChange
from tests.factories_procurement import ServiceReportFactory, contracted_purchase
from tests.factories_procurement_figs import scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_the_dashboard_shows_the_figures_of_the_date(english):
    # Given the scene
    scene()
    # When the dashboard of Beijing is read on 2011-06-10
    response = english.get("/purchasing/", {"region": "110000", "as_of": "2011-06-10"})
    # Then it shows the figures of that date, and links to the data
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="figure-service">1<' in html
    assert 'id="figure-post">1<' in html
    assert 'id="figure-contracted">1,380,000.00<' in html
    assert 'id="figure-paid">240,000.00<' in html
    assert "10 posts funded, 3 filled, 7 vacant" in html
    assert "西城社工事务所" in html
    assert "东城区民政局" in html
    assert "/api/v1/stats/purchasing?region=110000&amp;as_of=2011-06-10" in html
    for chart in ("years", "districts", "methods", "grades", "suppliers", "buyers"):
        assert f'id="{chart}-table"' in html
        assert f"chart={chart}&amp;format=csv" in html


def test_the_dashboard_before_the_award_shows_nothing(english):
    scene()
    response = english.get("/purchasing/", {"region": "110000", "as_of": "2010-05-01"})
    html = response.content.decode()
    assert 'id="figure-service">0<' in html
    assert 'id="figure-contracted">0.00<' in html
    assert "西城社工事务所" not in html


def test_the_dashboard_in_chinese_by_default(client):
    scene()
    response = client.get("/purchasing/", {"region": "110000", "as_of": "2011-06-10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "采购" in html


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"region": "999999"}, "Region"),
        ({"region": "110000", "as_of": "2011-02-30"}, "As of"),
        ({"region": "110000", "as_of": "1900-01-01"}, "As of"),
    ],
)
def test_a_bad_query_is_a_400_naming_the_field(english, query, field):
    response = english.get("/purchasing/", query)
    assert response.status_code == 400
    assert field in response.content.decode()


def test_the_downloads_hold_the_tables(english):
    # Given the scene
    scene()
    query = {"region": "110000", "as_of": "2011-06-10"}
    # When the suppliers' numbers are downloaded as CSV and XLSX
    got = english.get("/purchasing/download/", {**query, "chart": "suppliers", "format": "csv"})
    book = english.get("/purchasing/download/", {**query, "chart": "years", "format": "xlsx"})
    # Then both hold the numbers of the page
    assert got.status_code == 200
    assert got["Content-Disposition"] == (
        'attachment; filename="shuniu-purchasing-110000-2011-06-10-suppliers.csv"'
    )
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8")[1:])))
    assert rows[0] == ["Id", "Supplier", "Purchases", "Contracted amount (yuan)", "Share (%)"]
    assert [r[1:] for r in rows[1:]] == [
        ["东城社工服务社", "1", "900000.0", "65.22"],
        ["西城社工事务所", "1", "480000.0", "34.78"],
    ]
    assert book.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(book.content), read_only=True).worksheets[0]
    assert [tuple(r) for r in sheet.iter_rows(values_only=True)] == [
        ("Year", "Contracts signed", "Contracted amount (yuan)"),
        (2010, 1, 480000),
        (2011, 1, 900000),
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"region": "110000", "format": "csv"}, "chart"),
        ({"region": "110000", "chart": "pie", "format": "csv"}, "chart"),
        ({"region": "110000", "chart": "years", "format": "pdf"}, "format"),
    ],
)
def test_a_bad_download_is_a_plain_400(english, query, message):
    response = english.get("/purchasing/download/", query)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert message in response.content.decode()


def test_the_list_filters_and_links_to_each_purchase(english, django_assert_max_num_queries):
    s = scene()
    for _ in range(4):
        contracted_purchase()
    with django_assert_max_num_queries(6):
        response = english.get("/purchasing/purchases/", {"region": "110000", "kind": "post"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"/purchasing/purchases/{s.post.purchase_id}/" in html
    assert f"/purchasing/purchases/{s.service.purchase_id}/" not in html
    everything = english.get("/purchasing/purchases/").content.decode()
    assert everything.count("/purchasing/purchases/") >= Purchase.objects.count()


def test_the_list_refuses_unknown_filters(english):
    response = english.get("/purchasing/purchases/", {"status": "won", "region": "12"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "won" in html
    assert "six digits" in html


def test_the_purchase_page_shows_the_public_timeline_and_nothing_private(english):
    # Given a purchase with a service report's text and an evaluation's summary
    s = scene()
    ServiceReportFactory(contract=s.service, comment="退回意见：内部")
    # When anyone reads its page
    response = english.get(f"/purchasing/purchases/{s.service.purchase_id}/")
    # Then the timeline, award, contract, deliverables, payments and grade are shown
    assert response.status_code == 200
    html = response.content.decode()
    for shown in ("2010-05-01", "西城社工事务所", "服务人数", "240000.00", "Good"):
        assert shown in html
    # And nothing private
    assert "内部评语" not in html
    assert "退回意见" not in html
    # The post purchase shows its posts and no person
    post_page = english.get(f"/purchasing/purchases/{s.post.purchase_id}/").content.decode()
    assert "社区社工岗位" in post_page
    for assignment in s.posts.assignments.select_related("person"):
        assert assignment.person.name not in post_page


def test_an_unknown_purchase_is_404(english):
    assert english.get("/purchasing/purchases/999999/").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "user", "admin"])
def test_every_reader_gets_the_public_pages_and_nothing_is_written(client, who):
    # Given the scene and a reader
    s = scene()
    if who != "anonymous":
        User = get_user_model()
        if who == "admin":
            user = User.objects.create_superuser("reader-admin", None, "pw-reader-123!")
        else:
            user = User.objects.create_user("reader", password="pw-reader-123!")
        client.force_login(user)
    before = (
        Purchase.objects.count(),
        StatusChange.objects.count(),
        ServiceReport.objects.count(),
        AuditRecord.objects.count(),
    )
    # When they read every page
    for url in (
        "/purchasing/?region=110000&as_of=2011-06-10",
        "/purchasing/download/?region=110000&as_of=2011-06-10&chart=districts&format=csv",
        "/purchasing/purchases/",
        f"/purchasing/purchases/{s.service.purchase_id}/",
    ):
        # Then each answers 200
        assert client.get(url).status_code == 200, url
    assert (
        Purchase.objects.count(),
        StatusChange.objects.count(),
        ServiceReport.objects.count(),
        AuditRecord.objects.count(),
    ) == before


def test_the_navigation_links_to_purchasing(client):
    assert 'href="/purchasing/"' in client.get("/purchasing/").content.decode()


def test_the_dashboard_defaults_to_a_valid_query(english):
    # A bare URL is a valid query (the default region and today)
    assert english.get("/purchasing/").status_code == 200


def test_the_tables_write_amounts_as_money(english):
    # Given the scene
    scene()
    # When the dashboard is read in English
    html = english.get("/purchasing/", {"region": "110000", "as_of": "2011-06-10"}).content.decode()
    # Then the suppliers' table writes amounts with grouped thousands and two decimals
    # (the downloads keep them as plain numbers)
    suppliers = html[html.index('id="suppliers-table"') :]
    suppliers = suppliers[: suppliers.index("</table>")]
    assert '<td class="text-end">900,000.00</td>' in suppliers
    assert '<td class="text-end">65.22</td>' in suppliers
    assert "900000.0<" not in suppliers
    # and the figure cards keep the amounts on one line
    assert 'class="figure-value figure-amount" id="figure-contracted"' in html
