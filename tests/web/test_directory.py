from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.registry.models import Organization
from shuniu.registry.services import organization_event_add
from shuniu.web.paging import PageLink
from tests.factories import make_organization
from tests.web.html import table_rows
from tests.web.test_directory_data import (
    ZHUREN_NAME,
    ZHUREN_USCC,
    element_text,
    factory_admin,
    make_zhuren_world,
)

URL = "/organizations/"
ZHUREN = ZHUREN_NAME
QIMING = "东城区启明社工事务所"
ASSOCIATION = "东城区社会工作者协会"
COMMITTEE = "东城区社会工作委员会"
UNIVERSITY = "北京青年政治学院"
RENZHU = "西城区仁助社会工作事务所"
LEQUN = "上海乐群社工服务社"


@pytest.fixture
def world(db):
    return make_zhuren_world()


@pytest.fixture
def english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def names(response) -> list[str]:
    assert response.status_code == 200, response.content.decode()[:2000]
    return [row.name for row in response.context["results"].rows]


# --- search: 1-, 2- and 3+-character fragments -----------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("助人", [ZHUREN]),
        ("助", [ZHUREN, RENZHU]),
        ("东城", [ZHUREN, QIMING, COMMITTEE, ASSOCIATION]),
        ("助人社工", [ZHUREN]),
        ("社工事务所", [ZHUREN, QIMING]),
        # the name it had before 2011 still finds it
        ("东城助人", [ZHUREN]),
        # a fragment of the address
        ("东四北", [ZHUREN]),
        # English name fragments, in any case
        ("zhuren", [ZHUREN]),
        ("ZHUREN Social", [ZHUREN]),
        ("Zh", [ZHUREN]),
        # a fragment of the credit code
        (ZHUREN_USCC[8:16], [ZHUREN]),
        (ZHUREN_USCC[8:16].lower(), [ZHUREN]),
    ],
)
def test_search_by_fragment(client, world, q, expected):
    # given the registry around 助人 / when
    response = client.get(URL, {"q": q})
    # then
    assert names(response) == expected


def test_no_query_lists_everything_by_name(client, world):
    # given / when
    response = client.get(URL)
    # then by code point of the name; organizations without dated events are listed too
    assert names(response) == [LEQUN, ZHUREN, QIMING, COMMITTEE, ASSOCIATION, UNIVERSITY, RENZHU]
    assert response.context["results"].pager.count == 7


def test_result_row_shows_the_public_fields(english, world):
    # given / when
    response = english.get(URL, {"q": "助人"})
    # then
    rows = table_rows(response.content.decode(), "directory-table")
    assert rows == [
        [
            "Name",
            "Kind",
            "Status",
            "District",
            "Formation",
            "Founded on",
            "Registered on",
            "Service fields",
        ],
        [
            f"{ZHUREN} Dongcheng Zhuren Social Work Agency",
            "Social-work agency",
            "Registered",
            "Dongcheng District",
            "University-local cooperation",
            "2009-06-01",
            "2009-06-01",
            "Youth, Community building",
        ],
    ]
    assert element_text(response.content.decode(), "result-count") == "1 organization"


def test_synthetic_records_carry_a_badge(english, world):
    # given 启明 is a synthetic (demo) record and 助人 is not / when
    response = english.get(URL, {"q": "社工事务所"})
    html = response.content.decode()
    # then only its row carries the badge
    rows = table_rows(html, "directory-table")
    assert rows[1][0] == ZHUREN + " Dongcheng Zhuren Social Work Agency"
    assert rows[2][0] == QIMING + " synthetic (demo) record"


def test_chinese_is_the_default_language(client, world):
    # given no language chosen / when
    response = client.get(URL, {"q": "助人"})
    # then labels and values are Chinese
    rows = table_rows(response.content.decode(), "directory-table")
    assert rows[1][1:5] == ["社会工作服务机构", "已登记", "东城区", "校地合作"]
    assert rows[1][7] == "青少年, 社区建设"


# --- filters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"district": "110101"}, [ZHUREN, QIMING, COMMITTEE, ASSOCIATION]),
        ({"district": "110102"}, [RENZHU]),
        # a city means all its districts
        ({"district": "110000"}, [ZHUREN, QIMING, COMMITTEE, ASSOCIATION, UNIVERSITY, RENZHU]),
        ({"district": "310000"}, [LEQUN]),
        ({"kind": "association"}, [ASSOCIATION]),
        ({"kind": "university"}, [UNIVERSITY]),
        ({"status": "registered"}, [LEQUN, ZHUREN, QIMING, ASSOCIATION, RENZHU]),
        ({"formation": "transformation"}, [QIMING]),
        ({"service_field": "youth"}, [LEQUN, ZHUREN]),
        ({"service_field": "disability"}, [RENZHU]),
        (
            {"kind": "agency", "district": "110000", "status": "registered"},
            [ZHUREN, QIMING, RENZHU],
        ),
        ({"q": "东城", "kind": "agency"}, [ZHUREN, QIMING]),
        # as of the end of 2009 启明 was not yet founded; the committee has no dated record
        ({"district": "110101", "as_of": "2009-12-31"}, [ZHUREN, ASSOCIATION]),
        ({"district": "110101", "as_of": "2008-12-31"}, [ASSOCIATION]),
    ],
)
def test_filters(client, world, query, expected):
    # given / when
    response = client.get(URL, query)
    # then
    assert names(response) == expected


def test_status_and_district_follow_the_as_of_date(english, db):
    # given an agency registered in 崇文区, which merged into 东城区 on 2010-07-01,
    # and deregistered in 2013
    org = make_organization(
        name="崇文康乐社工事务所", division="110103", registered_on=dt.date(2009, 3, 1)
    )
    organization_event_add(
        actor=factory_admin(),
        organization=org,
        kind="deregistered",
        date=dt.date(2013, 6, 30),
        source="test",
    )
    # when / then it is listed under the divisions and status of each date
    before = english.get(URL, {"as_of": "2009-12-31"}).content.decode()
    assert table_rows(before, "directory-table")[1][2:4] == ["Registered", "Chongwen District"]
    later = english.get(URL, {"as_of": "2012-12-31", "district": "110101"}).content.decode()
    assert table_rows(later, "directory-table")[1][2:4] == ["Registered", "Dongcheng District"]
    gone = english.get(URL, {"as_of": "2014-01-01", "status": "deregistered"})
    assert table_rows(gone.content.decode(), "directory-table")[1][2] == "Deregistered"
    assert (
        english.get(URL, {"as_of": "2014-01-01", "status": "registered"})
        .context["results"]
        .pager.count
        == 0
    )


def test_district_choices_are_grouped_by_city(english, world):
    # given / when
    response = english.get(URL)
    choices = response.context["form"].fields["district"].choices
    # then all three cities, each first as a whole, then its districts, the abolished last
    assert choices[0] == ("", "All three cities")
    assert [group for group, _ in choices[1:4]] == ["Beijing", "Shanghai", "Shenzhen"]
    # then the provinces of the national table, each with its prefecture-level cities
    assert choices[4][1][0] == ("120000", "天津市")
    beijing = choices[1][1]
    assert beijing[:3] == [
        ("110000", "Beijing, all districts"),
        ("110101", "Dongcheng District"),
        ("110102", "Xicheng District"),
    ]
    assert ("110103", "Chongwen District (abolished 2010-07-01)") in beijing
    assert len(beijing) == 1 + 20
    html = response.content.decode()
    assert '<optgroup label="Beijing">' in html


# --- sort and pagination ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", [LEQUN, ZHUREN, QIMING, COMMITTEE, ASSOCIATION, UNIVERSITY, RENZHU]),
        # undated organizations last, by name
        ("-registered_on", [QIMING, RENZHU, ZHUREN, ASSOCIATION, LEQUN, COMMITTEE, UNIVERSITY]),
        ("registered_on", [LEQUN, ASSOCIATION, ZHUREN, RENZHU, QIMING, COMMITTEE, UNIVERSITY]),
        ("founded_on", [ZHUREN, QIMING, LEQUN, COMMITTEE, ASSOCIATION, UNIVERSITY, RENZHU]),
    ],
)
def test_sort(client, world, sort, expected):
    # given / when
    response = client.get(URL, {"sort": sort})
    # then
    assert names(response) == expected


@pytest.fixture
def batch(db):
    """27 agencies whose names all contain 批量, registered one day apart."""
    return [
        make_organization(
            name=f"批量测试机构{n:02d}",
            division="110105",
            registered_on=dt.date(2011, 1, 1) + dt.timedelta(days=n),
        )
        for n in range(1, 28)
    ]


def test_first_page_of_25(english, batch):
    # given / when
    response = english.get(URL, {"q": "批量"})
    html = response.content.decode()
    # then
    results = response.context["results"]
    assert names(response) == [f"批量测试机构{n:02d}" for n in range(1, 26)]
    assert (results.pager.count, results.pager.number, results.pager.pages) == (27, 1, 2)
    assert element_text(html, "result-count") == "27 organizations"
    assert element_text(html, "result-range").startswith("showing 1–25 ·")
    assert results.pager.links == [
        PageLink(number=1, url="/organizations/?q=%E6%89%B9%E9%87%8F", current=True),
        PageLink(number=2, url="/organizations/?q=%E6%89%B9%E9%87%8F&page=2"),
    ]
    assert results.pager.previous_url == ""
    assert results.pager.next_url == "/organizations/?q=%E6%89%B9%E9%87%8F&page=2"
    assert 'href="/organizations/?q=%E6%89%B9%E9%87%8F&amp;page=2" rel="next"' in html


def test_second_page_keeps_the_filters(english, batch):
    # given / when
    response = english.get(URL, {"q": "批量", "sort": "-registered_on", "page": "2"})
    # then the oldest two, and links that keep the query and the order
    assert names(response) == ["批量测试机构02", "批量测试机构01"]
    results = response.context["results"]
    assert (results.pager.first, results.pager.last) == (26, 27)
    assert results.pager.previous_url == "/organizations/?q=%E6%89%B9%E9%87%8F&sort=-registered_on"
    assert results.pager.next_url == ""


def test_page_size_50_shows_all(client, batch):
    # given / when
    response = client.get(URL, {"q": "批量", "page_size": "50"})
    # then
    assert len(names(response)) == 27
    assert response.context["results"].pager.links == []


def test_no_match(english, world):
    # given / when
    response = english.get(URL, {"q": "不存在的机构"})
    html = response.content.decode()
    # then
    assert response.status_code == 200
    assert element_text(html, "result-count") == "0 organizations"
    assert "No organization matches" in element_text(html, "no-results")


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"kind": "zzz"}, "Kind: Unknown organization kind “zzz”: choose one from the list."),
        ({"status": "open"}, "Status: Unknown status “open”: choose one from the list."),
        (
            {"formation": "x"},
            "Formation: Unknown formation path “x”: choose one from the list.",
        ),
        (
            {"service_field": "cooking"},
            "Service field: Unknown service field “cooking”: choose one from the list.",
        ),
        (
            {"district": "999999"},
            "District: “999999” is not a city or district offered: choose one from the list.",
        ),
        (
            {"as_of": "2011-13-01"},
            "As of: Not a date: write it as YYYY-MM-DD, for example 2010-12-31.",
        ),
        ({"sort": "id"}, "Sort by: Unknown order “id”: choose one from the list."),
        ({"page_size": "30"}, "Per page: Show 25, 50 or 100 organizations per page, not “30”."),
        ({"page": "0"}, "Page: A page number is a whole number from 1 up."),
        ({"page": "two"}, "Page: A page number is a whole number from 1 up."),
        (
            {"q": "助" * 101},
            "Search: Search for at most 100 characters (this has 101).",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field(english, world, query, message):
    # given / when
    response = english.get(URL, query)
    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert element_text(html, "query-errors") == "The query could not be answered: " + message
    assert "results" not in response.context


def test_a_page_past_the_last_is_a_404_saying_how_many_there_are(english, world):
    # when page 3 of one page of results is asked for
    response = english.get(URL, {"page": "3"})
    # then the page does not exist, and the form says why
    assert response.status_code == 404
    html = response.content.decode()
    assert element_text(html, "query-errors") == (
        "The query could not be answered: Page: There is no page 3: the results fill 1."
    )
    assert "results" not in response.context


def test_bad_input_in_chinese(client, world):
    # given / when
    response = client.get(URL, {"kind": "zzz", "as_of": "2011-13-01"})
    # then
    assert response.status_code == 400
    text = element_text(response.content.decode(), "query-errors")
    assert "类型" in text
    assert "未知组织类型“zzz”：请从列表中选择。" in text
    assert "截至日期" in text
    assert "不是日期：请写成 YYYY-MM-DD，例如 2010-12-31。" in text
    assert 'aria-invalid="true"' in response.content.decode()


def test_post_is_refused_and_changes_nothing(client, world):
    # given
    before = Organization.objects.count()
    # when
    response = client.post(URL, {"q": "助人"})
    # then
    assert response.status_code == 405
    assert Organization.objects.count() == before


# --- htmx and no-JS -----------------------------------------------------------------------


def test_without_javascript_the_form_is_a_plain_get(client, world):
    # given / when the form is submitted by the browser itself
    response = client.get(URL, {"q": "助人", "kind": "", "sort": "name", "page_size": "25"})
    html = response.content.decode()
    # then the whole page comes back, the query kept in the form
    assert html.startswith("<!doctype html>")
    assert '<form method="get" action="/organizations/" id="directory-form"' in html
    assert 'value="助人"' in html
    assert names(response) == [ZHUREN]


def test_htmx_request_gets_only_the_results(client, world):
    # given / when htmx asks as the reader types
    response = client.get(URL, {"q": "助人"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    # then only the results partial, and caches keep the two apart
    assert response.status_code == 200
    assert "<html" not in html
    assert "directory-form" not in html
    assert 'id="result-count" data-count="1"' in html
    assert f">{ZHUREN}</a>" in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client, world):
    # given / when the reader goes back to a pushed URL that htmx has not cached
    response = client.get(
        URL, {"q": "助人"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    # then
    assert response.content.decode().startswith("<!doctype html>")


def test_htmx_bad_input_swaps_in_the_message(english, world):
    # given / when
    response = english.get(URL, {"kind": "zzz"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    # then a 400 whose partial names the field (the page tells htmx to swap 400s)
    assert response.status_code == 400
    assert "<html" not in html
    assert "Kind: Unknown organization kind" in element_text(html, "query-errors")


def test_page_wires_htmx_without_inline_script_or_style(client, world):
    # given / when
    html = client.get(URL).content.decode()
    # then
    form = re.search(r'<form method="get" action="/organizations/" id="directory-form"[^>]*>', html)
    assert form is not None
    assert 'hx-get="/organizations/"' in form.group(0)
    assert 'hx-target="#directory-results"' in form.group(0)
    assert 'hx-push-url="true"' in form.group(0)
    assert 'hx-trigger="input delay:300ms, submit"' in form.group(0)
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in html
    assert '<script src="/static/web/directory.js" defer></script>' in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert " style=" not in html
    assert '"includeIndicatorStyles":false' in html


# --- escaping, permissions, query counts -----------------------------------------------------


def test_stored_script_in_a_name_is_shown_as_text(client, db):
    # given
    make_organization(name='<script>alert("x")</script>东城', name_en="<b>bold</b> Agency")
    # when
    html = client.get(URL, {"q": "alert"}).content.decode()
    # then
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;东城" in html
    assert "&lt;b&gt;bold&lt;/b&gt; Agency" in html
    assert "<script>alert" not in html
    assert "<b>bold" not in html


@pytest.fixture
def zhuren_staff(world, django_user_model):
    user = django_user_model.objects.create_user("zhuren_staff", password="pw-staff-123!")
    RoleAssignment.objects.create(user=user, role=Role.AGENCY_STAFF, organization=world["zhuren"])
    return user


@pytest.mark.parametrize(
    "who", ["anonymous", "agency_staff", "other_district_officer", "district_officer", "admin"]
)
def test_everyone_sees_the_same_public_directory(
    client, world, zhuren_staff, make_officer, admin_user, who
):
    # given the page as the public sees it
    anonymous = client.get(URL, {"q": "东城"}).content.decode()
    users = {
        "anonymous": None,
        "agency_staff": zhuren_staff,
        "other_district_officer": make_officer("xc", "110102"),
        "district_officer": make_officer("dc", "110101"),
        "admin": admin_user,
    }
    # when a user of each role looks
    if users[who] is not None:
        client.force_login(users[who])
    response = client.get(URL, {"q": "东城"})
    # then the same rows and fields, nothing more
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        html.split("<main", 1)[1].split("</main>")[0]
        == (anonymous.split("<main", 1)[1].split("</main>")[0])
    )
    assert "version" not in html.split("<main", 1)[1]


def test_query_count_does_not_grow_with_the_page(client, world, batch):
    # given a page of 3 rows and a page of 25
    def queries(query: dict[str, str]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL, query)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    # when
    small = queries({"q": "东城区", "kind": "agency"})
    full = queries({"q": "批量"})
    filtered = queries({"q": "东城", "service_field": "youth", "as_of": "2012-01-01"})
    # then divisions, service fields, count, page and the page's service fields: no query per
    # row; a service-field filter adds the selector's check that the field exists
    assert small == full == 5
    assert filtered == 6
