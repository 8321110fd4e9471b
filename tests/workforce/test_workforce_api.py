"""The workforce API: every endpoint for every kind of caller (anonymous, agency staff of
the person's organization and of another, an officer of another district and of this
one, an administrator). Refused writes change nothing; ID numbers are always masked except
at the audited id-number endpoint."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.accounts.services import token_create
from shuniu.core.actors import cli_actor
from shuniu.core.models import AuditRecord
from shuniu.workforce.models import (
    Certificate,
    CertificateRegistration,
    Employment,
    GraduateCohort,
    Person,
    Placement,
    Programme,
)
from shuniu.workforce.services import programme_create
from tests.factories import make_organization
from tests.workforce.factories import (
    SYSTEM,
    employ,
    id_number,
    make_certificate,
    make_person,
    make_staff,
)

API = "/api/v1/workforce"
NUMBER = "11010519491231002X"
# Shown: the first 6 and the last character (docs/decisions.md).
MASKED = "110105***********X"
CALLERS = (
    "anonymous",
    "evaluator",
    "staff_own",
    "staff_other",
    "officer_other",
    "officer_this",
    "admin",
)


def bearer(user) -> dict[str, str]:
    _, key = token_create(actor=cli_actor("test"), username=user.username)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def send(client, method: str, url: str, body=None, **headers):
    call = getattr(client, method)
    if body is None:
        return call(url, **headers)
    return call(url, json.dumps(body), content_type="application/json", **headers)


def counts() -> tuple[int, ...]:
    return (
        Person.objects.count(),
        Certificate.objects.count(),
        CertificateRegistration.objects.count(),
        Employment.objects.count(),
        GraduateCohort.objects.count(),
        Programme.objects.count(),
        Placement.objects.count(),
        AuditRecord.objects.exclude(action="api_token.create").count(),
    )


@pytest.fixture
def world(db, admin_user, make_officer):
    """A person certified in 西城 and employed by a 西城 agency; a 海淀 agency and officer."""
    own = make_organization(name="西城甲社工事务所", division="110102")
    other = make_organization(name="海淀乙社工事务所", division="110108")
    university = make_organization(
        kind="university", division="110102", legal_form="public_institution", registered_on=None
    )
    person = make_person(name="张三", number=NUMBER)
    cert = make_certificate(person, division="110102", number="SYN-T-1")
    job = employ(person, own, starts_on=dt.date(2011, 1, 1))
    programme = programme_create(
        actor=SYSTEM,
        name="计划",
        region=own.registrar_division.parent,
        year=2009,
    )
    evaluator = get_user_model().objects.create_user("evaluator", password="pw-eval-123!")
    RoleAssignment.objects.create(user=evaluator, role=Role.EVALUATOR)
    users = {
        "evaluator": evaluator,
        "staff_own": make_staff("staff_own", own),
        "staff_other": make_staff("staff_other", other),
        "officer_other": make_officer("officer_hd", "110108"),
        "officer_this": make_officer("officer_xc", "110102"),
        "admin": admin_user,
    }
    headers = {name: bearer(user) for name, user in users.items()}
    headers["anonymous"] = {}
    return {
        "own": own,
        "other": other,
        "university": university,
        "person": person,
        "cert": cert,
        "job": job,
        "programme": programme,
        "headers": headers,
    }


# --- reads ---------------------------------------------------------------------------------

# For each read: the status (and for lists, the count) each caller gets.
READS = {
    "people": {
        "anonymous": 401,
        "evaluator": 0,
        "staff_own": 1,
        "staff_other": 0,
        "officer_other": 0,
        "officer_this": 1,
        "admin": 1,
    },
    "person": {
        "anonymous": 401,
        "evaluator": 404,
        "staff_own": 200,
        "staff_other": 404,
        "officer_other": 404,
        "officer_this": 200,
        "admin": 200,
    },
    "certificates": {
        "anonymous": 401,
        "evaluator": 0,
        "staff_own": 1,
        "staff_other": 0,
        "officer_other": 0,
        "officer_this": 1,
        "admin": 1,
    },
    "certificate": {
        "anonymous": 401,
        "evaluator": 404,
        "staff_own": 200,
        "staff_other": 404,
        "officer_other": 404,
        "officer_this": 200,
        "admin": 200,
    },
    "employments": {
        "anonymous": 401,
        "evaluator": 0,
        "staff_own": 1,
        "staff_other": 0,
        "officer_other": 0,
        "officer_this": 1,
        "admin": 1,
    },
    "employment": {
        "anonymous": 401,
        "evaluator": 404,
        "staff_own": 200,
        "staff_other": 404,
        "officer_other": 404,
        "officer_this": 200,
        "admin": 200,
    },
    "placements": {
        "anonymous": 401,
        "evaluator": 0,
        "staff_own": 0,
        "staff_other": 0,
        "officer_other": 0,
        "officer_this": 0,
        "admin": 0,
    },
}


def read_url(world, name: str) -> str:
    return {
        "people": f"{API}/people",
        "person": f"{API}/people/{world['person'].pk}",
        "certificates": f"{API}/certificates",
        "certificate": f"{API}/certificates/{world['cert'].pk}",
        "employments": f"{API}/employments",
        "employment": f"{API}/employments/{world['job'].pk}",
        "placements": f"{API}/programmes/{world['programme'].pk}/placements",
    }[name]


@pytest.mark.parametrize("endpoint", list(READS))
def test_reads_are_scoped_by_caller_and_never_show_the_full_id_number(client, world, endpoint):
    for caller in CALLERS:
        # when
        response = client.get(read_url(world, endpoint), **world["headers"][caller])
        expected = READS[endpoint][caller]
        # then
        if expected in (401, 404):
            assert response.status_code == expected, (endpoint, caller)
            continue
        assert response.status_code == 200, (endpoint, caller, response.content)
        body = response.json()
        if "items" in body:
            assert body["count"] == expected, (endpoint, caller)
        assert NUMBER not in response.content.decode()
        assert world["person"].id_cipher not in response.content.decode()


def test_person_detail_shows_the_masked_number_and_the_agency_sees_only_its_own_jobs(client, world):
    # given the person also worked for the 海淀 agency before
    employ(
        world["person"],
        world["other"],
        starts_on=dt.date(2009, 1, 1),
        ends_on=dt.date(2010, 12, 1),
    )
    url = read_url(world, "person")
    admin = client.get(url, **world["headers"]["admin"]).json()
    staff = client.get(url, **world["headers"]["staff_own"]).json()
    assert admin["id_masked"] == staff["id_masked"] == MASKED
    assert (admin["sex"], admin["birth_year"]) == ("F", 1949)
    assert "birth_date" not in admin
    assert [e["organization"]["name"] for e in admin["employments"]] == [
        "海淀乙社工事务所",
        "西城甲社工事务所",
    ]
    assert [e["organization"]["name"] for e in staff["employments"]] == ["西城甲社工事务所"]
    assert admin["certificates"][0]["level"] == "junior"


def test_id_number_endpoint_gives_the_number_to_officers_of_the_jurisdiction_and_audits(
    client, world
):
    url = f"{read_url(world, 'person')}/id-number"
    expected = {
        "anonymous": 401,
        "evaluator": 404,
        "staff_own": 403,
        "staff_other": 404,
        "officer_other": 404,
        "officer_this": 200,
        "admin": 200,
    }
    for caller, status in expected.items():
        response = client.get(url, {"purpose": "核对身份"}, **world["headers"][caller])
        assert response.status_code == status, caller
        if status == 200:
            assert response.json() == {"id": world["person"].pk, "id_number": NUMBER}
        else:
            assert NUMBER not in response.content.decode()
    views = AuditRecord.objects.filter(action="person.id_number.view").order_by("id")
    assert [(v.actor.username, v.after["purpose"]) for v in views] == [
        ("officer_xc", "核对身份"),
        ("admin", "核对身份"),
    ]


def test_public_aggregates_need_no_login(client, world):
    assert client.get(f"{API}/cohorts").status_code == 200
    programmes = client.get(f"{API}/programmes", {"region": "110000"})
    assert [p["name"] for p in programmes.json()] == ["计划"]


def test_person_list_takes_a_fixed_number_of_queries(client, world):
    headers = world["headers"]["officer_this"]
    client.get(f"{API}/people", **headers)  # warm the caches that are not per request
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{API}/people", **headers).json()["count"] == 1
    for _ in range(6):
        person = make_person()
        make_certificate(person, division="110102")
        employ(person, world["own"], starts_on=dt.date(2012, 1, 1))
        make_certificate(
            person, level="intermediate", division="110104", issued_on=dt.date(2009, 11, 1)
        )
    with CaptureQueriesContext(connection) as more:
        assert client.get(f"{API}/people", **headers).json()["count"] == 7
    assert len(more) == len(few)
    for url in (f"{API}/certificates", f"{API}/employments"):
        with CaptureQueriesContext(connection) as listing:
            client.get(url, **headers)
        assert len(listing) <= len(few)


def test_list_filters(client, world):
    headers = world["headers"]["admin"]
    other = make_person(name="李四")
    make_certificate(other, level="intermediate", division="110108")
    assert client.get(f"{API}/people", {"q": "张"}, **headers).json()["count"] == 1
    assert client.get(f"{API}/people", {"q": "110105"}, **headers).json()["count"] == 1
    # the hidden part of the stored mask is never compared with
    for hidden in ("002X", "*0", "***002"):
        assert client.get(f"{API}/people", {"q": hidden}, **headers).json()["count"] == 0
    # a whole number finds its person by the keyed hash, in its legacy form too
    found = client.get(f"{API}/people", {"q": "110105491231002"}, **headers).json()
    assert [p["name"] for p in found["items"]] == ["张三"]
    assert client.get(f"{API}/people", {"q": "440524188001010014"}, **headers).json()["count"] == 0
    body = client.get(f"{API}/people", {"level": "intermediate"}, **headers).json()
    assert [p["name"] for p in body["items"]] == ["李四"]
    assert client.get(f"{API}/people", {"level": "expert"}, **headers).status_code == 422
    body = client.get(f"{API}/people", {"organization_id": world["own"].pk}, **headers).json()
    assert [p["name"] for p in body["items"]] == ["张三"]
    jobs = client.get(f"{API}/employments", {"active_on": "2010-06-01"}, **headers).json()
    assert jobs["count"] == 0


# --- writes ----------------------------------------------------------------------------------


def new_person(world, *, cert_division: str | None = None, employer=None) -> dict:
    body: dict = {"name": "新人", "id_number": id_number(), "education_level": "bachelor"}
    if cert_division:
        body["certificate"] = {
            "level": "junior",
            "number": f"SYN-N-{body['id_number'][-6:]}",
            "exam_year": 2011,
            "issued_on": "2011-11-01",
            "registered_division": cert_division,
        }
    if employer is not None:
        body["employment"] = {"organization_id": employer.pk, "starts_on": "2012-01-01"}
    return body


def expect(client, world, caller, method, url, body, status, **extra):
    before = counts()
    response = send(client, method, url, body, **world["headers"][caller], **extra)
    assert response.status_code == status, (caller, url, response.content)
    if status >= 400:
        assert counts() == before, (caller, url)
    return response


def test_create_person_by_caller(client, world):
    url = f"{API}/people"
    # anonymous: 401; staff with a job elsewhere, officers with a link outside: 403
    expect(client, world, "anonymous", "post", url, new_person(world, employer=world["own"]), 401)
    expect(client, world, "staff_own", "post", url, new_person(world, employer=world["other"]), 403)
    expect(
        client, world, "officer_other", "post", url, new_person(world, cert_division="110102"), 403
    )
    expect(client, world, "officer_this", "post", url, new_person(world), 403)
    expect(client, world, "evaluator", "post", url, new_person(world), 403)
    # allowed
    created = expect(
        client, world, "staff_own", "post", url, new_person(world, employer=world["own"]), 201
    ).json()
    assert created["employments"][0]["organization"]["id"] == world["own"].pk
    created = expect(
        client, world, "officer_this", "post", url, new_person(world, cert_division="110102"), 201
    ).json()
    assert created["certificates"][0]["registered_division"]["code"] == "110102"
    body = new_person(world)
    created = expect(client, world, "admin", "post", url, body, 201)
    assert created["Location"] == f"{API}/people/{created.json()['id']}"
    assert created.json()["id_masked"] == body["id_number"][:6] + "*" * 11 + body["id_number"][-1:]
    assert body["id_number"] not in created.content.decode()


def test_create_person_bad_input_names_the_field(client, world):
    body = new_person(world, cert_division="110103")
    body["id_number"] = "110105194912310021"
    response = expect(client, world, "admin", "post", f"{API}/people", body, 422)
    errors = {tuple(e["loc"]): e["msg"] for e in response.json()["errors"]}
    assert errors[("id_number",)] == "wrong check character 1 (expected X)"
    duplicate = new_person(world)
    duplicate["id_number"] = "110105491231002"
    response = expect(client, world, "admin", "post", f"{API}/people", duplicate, 422)
    assert MASKED in response.json()["detail"]
    assert NUMBER not in response.content.decode()


def test_update_person_by_caller(client, world):
    url = f"{API}/people/{world['person'].pk}"
    # callers who do not see the person: 404, as for GET; staff who see them: 403
    for caller, status in (
        ("anonymous", 401),
        ("evaluator", 404),
        ("staff_own", 403),
        ("staff_other", 404),
        ("officer_other", 404),
    ):
        expect(client, world, caller, "patch", url, {"phone": "123", "version": 1}, status)
    expect(client, world, "officer_this", "patch", url, {"phone": "123"}, 428)
    updated = expect(
        client, world, "officer_this", "patch", url, {"phone": "123"}, 200, HTTP_IF_MATCH='"1"'
    )
    assert (updated.json()["phone"], updated["ETag"]) == ("123", '"2"')
    expect(client, world, "admin", "patch", url, {"phone": "456", "version": 1}, 412)
    expect(client, world, "admin", "patch", url, {"phone": "456", "version": 2}, 200)


def test_certificate_writes_by_caller(client, world):
    person_id = world["person"].pk
    body = {
        "person_id": person_id,
        "level": "intermediate",
        "number": "SYN-T-2",
        "exam_year": 2012,
        "issued_on": "2012-11-01",
        "registered_division": "110102",
    }
    for caller, status in (
        ("anonymous", 401),
        ("evaluator", 404),
        ("staff_own", 403),
        ("staff_other", 404),
        ("officer_other", 404),
    ):
        expect(client, world, caller, "post", f"{API}/certificates", body, status)
    created = expect(client, world, "officer_this", "post", f"{API}/certificates", body, 201)
    cert_id = created.json()["id"]
    assert created.json()["level"] == "intermediate"
    # registrations: officers of the jurisdiction only
    url = f"{API}/certificates/{cert_id}/registrations"
    registration = {"starts_on": "2012-12-01", "ce_hours": "30"}
    for caller, status in (("anonymous", 401), ("staff_own", 403), ("officer_other", 404)):
        expect(client, world, caller, "post", url, registration, status)
    reg = expect(client, world, "officer_this", "post", url, registration, 201).json()
    assert (reg["ends_on"], reg["ce_hours"]) == ("2015-11-30", "30.0")
    reg_url = f"{API}/registrations/{reg['id']}"
    expect(client, world, "officer_other", "patch", reg_url, {"ce_hours": "95"}, 404)
    expect(client, world, "admin", "patch", reg_url, {"ce_hours": "95"}, 200)
    status = client.get(
        f"{API}/certificates/{cert_id}", {"on": "2015-10-01"}, **world["headers"]["officer_this"]
    ).json()["status"]
    assert (status["renewal_due"], status["short_of_hours"], status["hours_required"]) == (
        True,
        False,
        90,
    )
    # revocation
    revoke = f"{API}/certificates/{cert_id}/revoke"
    expect(client, world, "staff_own", "post", revoke, {"revoked_on": "2014-01-01"}, 403)
    expect(client, world, "officer_other", "post", revoke, {"revoked_on": "2014-01-01"}, 404)
    revoked = expect(
        client, world, "officer_this", "post", revoke, {"revoked_on": "2014-01-01"}, 200
    )
    assert revoked.json()["revoked_on"] == "2014-01-01"
    # a duplicate number is a 422 naming the field
    response = expect(client, world, "admin", "post", f"{API}/certificates", body, 422)
    assert response.json()["errors"][0]["loc"] == ["number"]


def test_employment_writes_by_caller(client, world):
    person_id = world["person"].pk
    at_own = {"person_id": person_id, "organization_id": world["own"].pk, "starts_on": "2012-06-01"}
    at_other = {**at_own, "organization_id": world["other"].pk}
    expect(client, world, "anonymous", "post", f"{API}/employments", at_own, 401)
    expect(client, world, "staff_own", "post", f"{API}/employments", at_other, 403)
    # a person the caller does not see is not found, whatever the organization
    expect(client, world, "staff_other", "post", f"{API}/employments", at_own, 404)
    expect(client, world, "staff_other", "post", f"{API}/employments", at_other, 404)
    expect(client, world, "officer_other", "post", f"{API}/employments", at_own, 404)
    expect(client, world, "evaluator", "post", f"{API}/employments", at_own, 404)
    # the overlapping full-time job is flagged
    created = expect(client, world, "admin", "post", f"{API}/employments", at_other, 201)
    assert created.json()["warnings"] == [
        "Overlaps the full-time job at 西城甲社工事务所 from 2011-01-01."
    ]
    detail = client.get(read_url(world, "person"), **world["headers"]["admin"]).json()
    assert detail["overlapping_employments"] == [[world["job"].pk, created.json()["id"]]]
    # ending: staff of the employer, officers of its division, admins
    url = f"{API}/employments/{world['job'].pk}"
    # (the 海淀 job links the person to 海淀: its officer sees the 西城 job, its staff do not)
    for caller, status in (
        ("anonymous", 401),
        ("staff_other", 404),
        ("officer_other", 403),
    ):
        expect(client, world, caller, "patch", url, {"ends_on": "2012-06-01"}, status)
    ended = expect(client, world, "staff_own", "patch", url, {"ends_on": "2012-06-01"}, 200)
    assert (ended.json()["ends_on"], ended["ETag"]) == ("2012-06-01", '"2"')
    expect(client, world, "admin", "patch", url, {"ends_on": "2012-07-01"}, 422)
    officer = expect(
        client,
        world,
        "officer_this",
        "post",
        f"{API}/employments",
        {**at_own, "starts_on": "2013-01-01"},
        201,
    )
    assert officer.json()["person"]["id_masked"] == MASKED


def test_cohort_programme_and_placement_writes_by_caller(client, world):
    cohort = {
        "university_id": world["university"].pk,
        "year": 2011,
        "degree_level": "bachelor",
        "graduates": 60,
    }
    for caller, status in (
        ("anonymous", 401),
        ("evaluator", 403),
        ("staff_own", 403),
        ("officer_other", 403),
    ):
        expect(client, world, caller, "post", f"{API}/cohorts", cohort, status)
    expect(client, world, "officer_this", "post", f"{API}/cohorts", cohort, 200)
    not_a_university = {**cohort, "university_id": world["own"].pk}
    expect(client, world, "admin", "post", f"{API}/cohorts", not_a_university, 422)
    assert client.get(f"{API}/cohorts").json()[0]["graduates"] == 60

    programme = {"name": "西城计划", "region": "110102", "year": 2010}
    for caller, status in (("anonymous", 401), ("staff_own", 403), ("officer_other", 403)):
        expect(client, world, caller, "post", f"{API}/programmes", programme, status)
    created = expect(client, world, "officer_this", "post", f"{API}/programmes", programme, 201)
    url = f"{API}/programmes/{created.json()['id']}/placements"
    placement = {
        "person_id": world["person"].pk,
        "division": "110102",
        "starts_on": "2010-09-01",
        "community": "德胜街道某社区",
    }
    for caller, status in (("anonymous", 401), ("staff_own", 403), ("officer_other", 404)):
        expect(client, world, caller, "post", url, placement, status)
    placed = expect(client, world, "officer_this", "post", url, placement, 201).json()
    assert (placed["person"]["id_masked"], placed["division"]["code"]) == (MASKED, "110102")
    listing = client.get(url, **world["headers"]["officer_this"]).json()
    assert listing["count"] == 1
    assert client.get(url, **world["headers"]["officer_other"]).json()["count"] == 0
