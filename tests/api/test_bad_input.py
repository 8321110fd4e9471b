"""Bad input, as an outside tester sends it: every fault found by probing the API and the
pages is reproduced here. Each answer is a clear 4xx naming the field (never a 500), and a
refused write changes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import translation

from shuniu.accounts.services import token_create
from shuniu.core.actors import cli_actor
from shuniu.core.models import AuditRecord
from shuniu.registry.models import Organization, OrganizationEvent
from shuniu.workforce.models import CertificateRegistration, Person
from shuniu.workforce.services import programme_create
from tests.factories import make_organization
from tests.workforce.factories import SYSTEM, make_certificate, make_person

API = "/api/v1"
PROBLEM = "application/problem+json"
# Larger than any offset a database can take (SQLite and PostgreSQL: 64-bit integers).
HUGE_PAGE = 10**20


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def bearer(user) -> dict[str, str]:
    _, key = token_create(actor=cli_actor("test"), username=user.username)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def send(client, method: str, url: str, body: str | dict, **headers):
    raw = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(url, raw, content_type="application/json", **headers)


def problem_fields(response) -> list[str]:
    """The field each error of a 422 problem names (the last part of its location)."""
    assert response.status_code == 422, response.content.decode()[:500]
    assert response["Content-Type"] == PROBLEM
    return [str(error["loc"][-1]) for error in response.json()["errors"]]


def counts() -> tuple[int, ...]:
    return (
        Organization.objects.count(),
        OrganizationEvent.objects.count(),
        Person.objects.count(),
        CertificateRegistration.objects.count(),
        AuditRecord.objects.exclude(action="api_token.create").count(),
    )


@pytest.fixture
def world(db, admin_user):
    org = make_organization(name="西城甲社工事务所", division="110102")
    person = make_person(name="张三")
    cert = make_certificate(person, division="110102")
    programme = programme_create(
        actor=SYSTEM, name="计划", region=org.registrar_division.parent, year=2009
    )
    return {
        "org": org,
        "person": person,
        "cert": cert,
        "programme": programme,
        "admin": bearer(admin_user),
    }


def list_urls(world) -> dict[str, str]:
    return {
        "organizations": f"{API}/organizations",
        "people": f"{API}/workforce/people",
        "certificates": f"{API}/workforce/certificates",
        "employments": f"{API}/workforce/employments",
        "placements": f"{API}/workforce/programmes/{world['programme'].pk}/placements",
    }


LISTS = ("organizations", "people", "certificates", "employments", "placements")


# --- paging --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LISTS)
def test_a_page_too_large_for_an_offset_is_422_naming_page(client, world, name):
    # given a list endpoint
    url = list_urls(world)[name]
    # when asking for a page whose offset no database can take
    response = client.get(url, {"page": HUGE_PAGE}, **world["admin"])
    # then the answer names the parameter instead of failing in the database
    assert problem_fields(response) == ["page"]


@pytest.mark.parametrize("name", LISTS)
def test_a_page_beyond_the_last_is_empty_with_the_true_count(client, world, name):
    # given a list endpoint and the count it gives on its first page
    url = list_urls(world)[name]
    first = client.get(url, **world["admin"]).json()
    # when asking for a page far beyond the last (but one an offset can express)
    response = client.get(url, {"page": 1_000_000, "page_size": 200}, **world["admin"])
    # then the page is empty and still says how many there are
    assert response.status_code == 200
    assert response.json() == {
        "items": [],
        "count": first["count"],
        "page": 1_000_000,
        "page_size": 200,
    }


def test_the_directory_page_refuses_a_page_too_large_with_a_message(client, world):
    # when the public directory is asked for a huge page
    response = client.get("/organizations/", {"page": HUGE_PAGE})
    # then it answers 400 with the message next to the page input, not a 500
    assert response.status_code == 400
    assert response.context["form"].errors["page"] == [
        "There is no page 100000000000000000000: page numbers go up to 1000000000."
    ]


# --- query parameters --------------------------------------------------------------------


def test_a_nul_byte_in_the_search_is_422_naming_q(client, world):
    # when searching for a text holding a NUL byte
    response = client.get(f"{API}/organizations", {"q": "社工\x00"})
    # then the answer names q
    assert problem_fields(response) == ["q"]


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/stats/organizations/series", {"region": "110000", "from": "2000-01-01"}, "to"),
        ("/stats/organizations", {"region": "110000"}, "as_of"),
        ("/stats/workforce", {"region": "110000"}, "as_of"),
        ("/organizations", {}, "as_of"),
        ("/divisions", {}, "on"),
    ],
)
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1949-09-30", "2101-01-01"])
def test_dates_outside_the_range_are_422_naming_the_parameter(
    client, world, url, params, field, value
):
    # when a date parameter lies outside 1949-10-01 .. 2100-12-31
    response = client.get(f"{API}{url}", {**params, field: value})
    # then the parameter is named, instead of a 500 from date arithmetic
    assert problem_fields(response) == [field]
    assert "between 1949-10-01 and 2100-12-31" in response.json()["errors"][0]["msg"]


@pytest.mark.parametrize("value", ["0", "1700000000", "2010-1-1", "20100101", "2010-01-01T00:00"])
def test_as_of_takes_only_an_iso_date(client, world, value):
    # when as_of is a number (read as a Unix time by pydantic) or not YYYY-MM-DD
    response = client.get(f"{API}/stats/organizations", {"region": "110000", "as_of": value})
    # then it is refused, naming as_of
    assert problem_fields(response) == ["as_of"]


def test_the_edges_of_the_date_range_are_accepted(client, world):
    # when the statistics are asked for on the first and last day of the range
    first = client.get(f"{API}/stats/organizations", {"region": "110000", "as_of": "1949-10-01"})
    last = client.get(f"{API}/stats/workforce", {"region": "110000", "as_of": "2100-12-31"})
    # then both answer
    assert (first.status_code, last.status_code) == (200, 200)
    assert (first.json()["as_of"], last.json()["as_of"]) == ("1949-10-01", "2100-12-31")


# --- text in bodies ------------------------------------------------------------------------

BAD_NAMES = {
    "nul": "社工\x00事务所",
    "zero-width only": "\u200b\u200b\u200c\ufeff",
    "bidi override": "社工\u202e所务事",
    "bell": "社工\x07",
    "C1 control": "社工\x85",
}


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_creating_an_organization_with_a_bad_name_is_refused(client, world, name):
    # given the counts before
    before = counts()
    body = {"name": name, "kind": "agency", "registrar_division": "110101", "source": "t"}
    # when an administrator creates an organization with that name
    response = send(client, "post", f"{API}/organizations", body, **world["admin"])
    # then the name is named and nothing is written
    assert problem_fields(response) == ["name"]
    assert counts() == before


def test_a_lone_surrogate_in_a_patched_name_is_422(client, world):
    # given the counts before
    before = counts()
    org = world["org"]
    # when a PATCH body escapes a lone surrogate (valid JSON, not valid Unicode)
    raw = '{"name": "\\ud800", "version": ' + str(org.version) + "}"
    response = send(client, "patch", f"{API}/organizations/{org.pk}", raw, **world["admin"])
    # then the name is named and nothing is written
    assert problem_fields(response) == ["name"]
    assert counts() == before


def test_a_bad_person_name_is_refused(client, world):
    before = counts()
    person = world["person"]
    # when a person's name is patched to zero-width spaces only
    body = {"name": "\u200b\u2060", "version": person.version}
    response = send(client, "patch", f"{API}/workforce/people/{person.pk}", body, **world["admin"])
    # then the name is named and nothing is written
    assert problem_fields(response) == ["name"]
    assert counts() == before


def test_a_multiline_note_keeps_its_newlines_but_not_other_controls(client, world):
    org = world["org"]
    url = f"{API}/organizations/{org.pk}/events"
    event = {"kind": "graded", "date": "2015-06-01", "source": "t", "grade": "3A"}
    # when an event's note has tabs and newlines
    ok = send(client, "post", url, {**event, "note": "第一行\n\t第二行"}, **world["admin"])
    # then it is kept as written
    assert ok.status_code == 201, ok.content
    assert ok.json()["note"] == "第一行\n\t第二行"
    # and when it has a vertical tab, it is refused naming note
    bad = send(client, "post", url, {**event, "note": "第一行\x0b"}, **world["admin"])
    assert problem_fields(bad) == ["note"]


# --- dates in bodies -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("field", ["founded_on", "registered_on", "registration_applied_on"])
def test_founding_and_registration_dates_outside_the_range_are_refused(client, world, field, value):
    before = counts()
    body = {
        "name": "新社工事务所",
        "kind": "agency",
        "registrar_division": "110101",
        "source": "t",
        field: value,
    }
    # when an organization is created with such a date
    response = send(client, "post", f"{API}/organizations", body, **world["admin"])
    # then the date is named and nothing is written
    assert problem_fields(response) == [field]
    assert counts() == before


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_event_and_registration_dates_outside_the_range_are_refused(client, world, value):
    before = counts()
    org, cert = world["org"], world["cert"]
    # when an event and a certificate registration are dated in year 1 or 9999
    event = send(
        client,
        "post",
        f"{API}/organizations/{org.pk}/events",
        {"kind": "graded", "date": value, "source": "t", "grade": "3A"},
        **world["admin"],
    )
    registration = send(
        client,
        "post",
        f"{API}/workforce/certificates/{cert.pk}/registrations",
        {"starts_on": value},
        **world["admin"],
    )
    # then each names its date and nothing is written
    assert problem_fields(event) == ["date"]
    assert problem_fields(registration) == ["starts_on"]
    assert counts() == before


# --- body size -------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_problem(client, world, settings):
    before = counts()
    # when a 3 MB body is posted
    body = {"name": "x" * (3 * 1024 * 1024), "kind": "agency", "registrar_division": "110101"}
    response = send(client, "post", f"{API}/organizations", body, **world["admin"])
    # then the answer is 413 as problem+json, saying the limit, and nothing is written
    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Request body too large",
        "status": 413,
        "detail": "The request body may hold at most 2.5 MB.",
    }
    assert counts() == before


def test_a_web_post_over_the_limit_is_a_413_page(client, world, admin_user):
    client.force_login(admin_user)
    # when a form post is over the limit
    response = client.post(
        "/workspace/organizations/new/", {"name": "x" * (3 * 1024 * 1024)}, follow=False
    )
    # then the page says so with status 413
    assert response.status_code == 413
    assert "The request body may hold at most 2.5 MB." in response.content.decode()


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/workforce/", "/", "/compare/"])
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_pages_refuse_dates_outside_the_range(client, world, url, value):
    # when a statistics page is asked for a date outside the range
    response = client.get(url, {"as_of": value})
    # then it answers 400 with the message next to the date input
    assert response.status_code == 400
    assert response.context["form"].errors["as_of"] == [
        "Give a date between 1949-10-01 and 2100-12-31."
    ]


def test_the_directory_refuses_a_date_outside_the_range(client, world):
    response = client.get("/organizations/", {"as_of": "0001-01-01"})
    assert response.status_code == 400
    assert response.context["form"].errors["as_of"] == [
        "Give a date between 1949-10-01 and 2100-12-31."
    ]


def test_the_directory_search_refuses_a_nul_byte(client, world):
    response = client.get("/organizations/", {"q": "社工\x00"})
    assert response.status_code == 400
    assert response.context["form"].errors["q"] == [
        "Remove the control character U+0000 (position 3)."
    ]


def test_dates_at_the_year_edges_do_not_crash_the_organization_page(client, world):
    org = world["org"]
    response = client.get(f"/organizations/{org.pk}/", {"as_of": "9999-12-31"})
    assert response.status_code == 400


def test_the_workspace_form_refuses_a_bidi_override_in_a_name(client, world, admin_user):
    client.force_login(admin_user)
    before = counts()
    response = client.post(
        "/workspace/organizations/new/",
        {
            "name": "社工\u202e所务事",
            "kind": "agency",
            "registrar_division": "110101",
            "founded_on": "2010-01-01",
        },
    )
    assert response.status_code in (200, 400)
    assert response.context["form"].errors["name"] == [
        "Remove the direction control U+202E (position 3): it can make text read differently "
        "from how it is stored."
    ]
    assert counts() == before


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_the_workspace_form_refuses_a_founding_date_outside_the_range(
    client, world, admin_user, value
):
    client.force_login(admin_user)
    before = counts()
    response = client.post(
        "/workspace/organizations/new/",
        {
            "name": "新社工事务所",
            "kind": "agency",
            "registrar_division": "110101",
            "founded_on": value,
        },
    )
    assert response.context["form"].errors["founded_on"] == [
        "Give a date between 1949-10-01 and 2100-12-31."
    ]
    assert counts() == before


def test_the_services_refuse_what_the_interfaces_missed(world):
    # given a direct service call (the admin, the CLI and imports end here)
    from shuniu.core.errors import ValidationError
    from shuniu.registry.services import organization_update

    org = world["org"]
    # when a name with a NUL and a year-1 date reach the model
    with pytest.raises(ValidationError) as refused:
        organization_update(
            actor=SYSTEM, organization=org, expected_version=org.version, name="社工\x00"
        )
    # then full_clean names the field
    assert list(refused.value.message_dict) == ["name"]
    org.refresh_from_db()
    assert org.name == "西城甲社工事务所"


def test_the_services_refuse_a_date_outside_the_range(world):
    from shuniu.core.errors import ValidationError
    from shuniu.registry.services import organization_event_add

    before = counts()
    # when an event dated in year 9999 reaches the service directly
    with pytest.raises(ValidationError) as refused:
        organization_event_add(
            actor=SYSTEM,
            organization=world["org"],
            kind="graded",
            date=dt.date(9999, 12, 31),
            source="t",
            grade="3A",
        )
    # then full_clean names the date and nothing is written
    assert refused.value.message_dict == {
        "date": ["Give a date between 1949-10-01 and 2100-12-31."]
    }
    assert counts() == before


# --- the OpenAPI document and unmatched URLs ------------------------------------------------


def test_the_openapi_document_lists_the_problems_of_each_operation(client, db):
    # when the document is read
    document = client.get(f"{API}/openapi.json").json()
    responses = {
        (method, path): sorted(operation["responses"])
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    # then each operation lists what it can answer, by what it takes
    assert responses[("get", f"{API}/organizations")] == ["200", "422", "429", "503"]
    assert responses[("get", f"{API}/stats/workforce")] == ["200", "404", "422", "429", "503"]
    assert responses[("post", f"{API}/organizations")] == [
        "201",
        "400",
        "401",
        "403",
        "404",
        "413",
        "422",
        "429",
        "503",
    ]
    assert responses[("patch", f"{API}/organizations/{{org_id}}")] == [
        "200",
        "400",
        "401",
        "403",
        "404",
        "412",
        "413",
        "422",
        "428",
        "429",
        "503",
    ]
    # and each problem is problem+json with the shared schema
    problem = document["paths"][f"{API}/organizations"]["get"]["responses"]["422"]
    assert problem["content"] == {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert document["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
    ]


def test_an_api_url_no_operation_matches_is_a_problem_404(client, db):
    # when an id that is not a number is in the path
    response = client.get(f"{API}/organizations/abc")
    # then the 404 is problem+json like every API error, and pages keep their HTML 404
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Not found",
        "status": 404,
        "detail": "No API operation answers /api/v1/organizations/abc.",
    }
    page = client.get("/organizations/abc/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/workforce/people", "organization_id"),
        ("/workforce/certificates", "person_id"),
        ("/workforce/employments", "organization_id"),
        ("/workforce/cohorts", "university_id"),
    ],
)
def test_an_id_filter_larger_than_any_row_id_is_422(client, world, url, field):
    # when a list is filtered by an id no 64-bit column can hold
    response = client.get(f"{API}{url}", {field: 2**63}, **world["admin"])
    # then the filter is named instead of failing in the database
    assert problem_fields(response) == [field]


@pytest.mark.parametrize(
    ("url", "query", "field", "message"),
    [
        ("/workspace/audit/", {"until": "9999-12-31"}, "until", "OUT_OF_RANGE"),
        ("/workspace/audit/", {"since": "0001-01-01"}, "since", "OUT_OF_RANGE"),
        ("/workspace/audit/", {"page": HUGE_PAGE}, "page", "HUGE_PAGE"),
        ("/workforce/people/", {"page": HUGE_PAGE}, "page", "HUGE_PAGE"),
    ],
)
def test_workspace_and_people_lists_refuse_out_of_range_queries(
    client, world, admin_user, url, query, field, message
):
    client.force_login(admin_user)
    # when a list page is asked for a date outside the range or a page past any offset
    response = client.get(url, query)
    # then it answers 400 with the message next to the input, not a 500
    assert response.status_code == 400
    expected = {
        "OUT_OF_RANGE": "Give a date between 1949-10-01 and 2100-12-31.",
        "HUGE_PAGE": "There is no page 100000000000000000000: page numbers go up to 1000000000.",
    }[message]
    assert response.context["form"].errors[field] == [expected]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/organizations", "kind"),
        ("/organizations", "service_field"),
        ("/divisions", "parent"),
        ("/stats/organizations?region=110000", "kind"),
        ("/workforce/people", "level"),
    ],
)
def test_a_nul_byte_in_any_text_filter_is_422_naming_it(client, world, url, field):
    # when a text filter holds a NUL byte (PostgreSQL refuses it in a query: a 500 before)
    separator = "&" if "?" in url else "?"
    response = client.get(f"{API}{url}{separator}{field}=a%00", **world["admin"])
    # then the filter is named
    assert problem_fields(response) == [field]
    assert response.json()["errors"][0]["msg"] == (
        "Remove the control character U+0000 (position 2)."
    )
