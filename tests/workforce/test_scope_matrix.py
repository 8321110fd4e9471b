"""Personal data, endpoint by endpoint and role by role: nobody reads, links (an employment,
certificate, registration or placement pointing at the person) or reveals a person outside
their scope, whatever the verb; a refused write changes nothing (records and audit trail);
and nothing shown to a caller without the reveal right gives the ID number back.

The subject is 张三, certified in 西城 (110102) and employed by a 西城 agency. The callers:
anonymous, agency staff of a 海淀 agency, the officer of 海淀, the officer of 西城 and an
administrator.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.accounts.services import token_create
from shuniu.core.actors import cli_actor
from shuniu.core.errors import ValidationError
from shuniu.core.models import AuditRecord
from shuniu.divisions.models import Division
from shuniu.workforce.identity import InvalidIdNumber, check_char, parse_id_number
from shuniu.workforce.models import (
    Certificate,
    CertificateRegistration,
    Employment,
    GraduateCohort,
    Person,
    Placement,
    Programme,
)
from shuniu.workforce.services import (
    CertificateSpec,
    EmploymentSpec,
    certificate_registration_add,
    person_register,
    person_update,
    placement_add,
    programme_create,
)
from tests.factories import make_organization
from tests.workforce.factories import SYSTEM, employ, make_certificate, make_person

API = "/api/v1/workforce"
NUMBER = "11010519491231002X"
STORED_MASK = "110105********002X"
SHOWN_MASK = "110105***********X"
ROLES = ("anonymous", "staff_other", "officer_other", "officer_this", "admin")
OUT_OF_SCOPE = ("staff_other", "officer_other")
# docs/decisions.md: every combination of the fields shown to a caller without the reveal
# right leaves at least this many candidate numbers.
MIN_CANDIDATES = 10_000


def _bearer(user) -> dict[str, str]:
    _, key = token_create(actor=cli_actor("test"), username=user.username)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def world(db, admin_user, make_officer):
    own = make_organization(name="西城甲社工事务所", division="110102")
    other = make_organization(name="海淀乙社工事务所", division="110108")
    person = make_person(name="张三", number=NUMBER)
    cert = make_certificate(person, division="110102", number="SYN-T-1")
    registration = certificate_registration_add(
        actor=SYSTEM, certificate=cert, starts_on=dt.date(2010, 12, 1), ce_hours="10"
    )
    job = employ(person, own, starts_on=dt.date(2011, 1, 1))
    programme = programme_create(
        actor=SYSTEM, name="大学生社工计划", region=own.registrar_division.parent, year=2009
    )
    placement_add(
        actor=SYSTEM,
        programme=programme,
        person=person,
        division=own.registrar_division,
        starts_on=dt.date(2009, 9, 1),
    )
    # a second programme, to place 张三 by (the first already did)
    second = programme_create(
        actor=SYSTEM, name="社工人才计划", region=own.registrar_division.parent, year=2010
    )
    staff = get_user_model().objects.create_user("staff_other", password="pw-staff-123!")
    RoleAssignment.objects.create(user=staff, role=Role.AGENCY_STAFF, organization=other)
    users = {
        "staff_other": staff,
        "officer_other": make_officer("officer_hd", "110108"),
        "officer_this": make_officer("officer_xc", "110102"),
        "admin": admin_user,
    }
    headers = {name: _bearer(user) for name, user in users.items()}
    headers["anonymous"] = {}
    return {
        "own": own,
        "other": other,
        "person": person,
        "cert": cert,
        "registration": registration,
        "job": job,
        "programme": programme,
        "second": second,
        "headers": headers,
        "users": users,
    }


def counts() -> tuple[int, ...]:
    return (
        Person.objects.count(),
        Certificate.objects.count(),
        CertificateRegistration.objects.count(),
        Employment.objects.count(),
        Placement.objects.count(),
        AuditRecord.objects.exclude(action="api_token.create").count(),
    )


def _district(role: str) -> str:
    """Where the caller may write: their own district (海淀 for the others)."""
    return "110102" if role in ("officer_this", "admin") else "110108"


def _employer(world, role: str):
    return world["own"] if role in ("officer_this", "admin") else world["other"]


# Each operation: method, path, body (given the world and the role), and whether it is a
# list (out-of-scope callers get 200 with nobody in it rather than 404).
Operation = tuple[str, Callable[[Any], str], Callable[[Any, str], Any], bool]
OPERATIONS: dict[str, Operation] = {
    "list_people": ("get", lambda w: f"{API}/people?q=张三", lambda w, r: None, True),
    "get_person": ("get", lambda w: f"{API}/people/{w['person'].pk}", lambda w, r: None, False),
    "get_person_id_number": (
        "get",
        lambda w: f"{API}/people/{w['person'].pk}/id-number?purpose=check",
        lambda w, r: None,
        False,
    ),
    "update_person": (
        "patch",
        lambda w: f"{API}/people/{w['person'].pk}",
        lambda w, r: {"phone": "13800000000", "version": 1},
        False,
    ),
    "list_certificates": (
        "get",
        lambda w: f"{API}/certificates?person_id={w['person'].pk}",
        lambda w, r: None,
        True,
    ),
    "get_certificate": (
        "get",
        lambda w: f"{API}/certificates/{w['cert'].pk}",
        lambda w, r: None,
        False,
    ),
    "create_certificate": (
        "post",
        lambda w: f"{API}/certificates",
        lambda w, r: {
            "person_id": w["person"].pk,
            "level": "intermediate",
            "number": "SYN-T-2",
            "exam_year": 2012,
            "issued_on": "2012-11-01",
            "registered_division": _district(r),
        },
        False,
    ),
    "revoke_certificate": (
        "post",
        lambda w: f"{API}/certificates/{w['cert'].pk}/revoke",
        lambda w, r: {"revoked_on": "2014-01-01"},
        False,
    ),
    "add_certificate_registration": (
        "post",
        lambda w: f"{API}/certificates/{w['cert'].pk}/registrations",
        lambda w, r: {"starts_on": "2013-12-01", "ce_hours": "5"},
        False,
    ),
    "update_certificate_registration": (
        "patch",
        lambda w: f"{API}/registrations/{w['registration'].pk}",
        lambda w, r: {"ce_hours": "80"},
        False,
    ),
    "list_employments": (
        "get",
        lambda w: f"{API}/employments?person_id={w['person'].pk}",
        lambda w, r: None,
        True,
    ),
    "get_employment": (
        "get",
        lambda w: f"{API}/employments/{w['job'].pk}",
        lambda w, r: None,
        False,
    ),
    "create_employment": (
        "post",
        lambda w: f"{API}/employments",
        lambda w, r: {
            "person_id": w["person"].pk,
            "organization_id": _employer(w, r).pk,
            "starts_on": "2013-06-01",
        },
        False,
    ),
    "end_employment": (
        "patch",
        lambda w: f"{API}/employments/{w['job'].pk}",
        lambda w, r: {"ends_on": "2013-06-01"},
        False,
    ),
    "list_placements": (
        "get",
        lambda w: f"{API}/programmes/{w['programme'].pk}/placements",
        lambda w, r: None,
        True,
    ),
    "add_placement": (
        "post",
        lambda w: f"{API}/programmes/{w['second'].pk}/placements",
        lambda w, r: {
            "person_id": w["person"].pk,
            "division": _district(r),
            "starts_on": "2010-09-01",
        },
        False,
    ),
}
# create_person is the one write that names no person by id: with the subject's own number
# it is refused for everyone (the test below), without naming the subject to the others.
COVERED = {*OPERATIONS, "create_person"}

# Aggregates and public lists about no person, role by role (in the order of ROLES): the lists
# answer everyone; the writes follow the jurisdiction (西城, 110102, here).
AGGREGATES: dict[str, tuple[Operation, tuple[int, ...]]] = {
    "list_cohorts": (("get", lambda w: f"{API}/cohorts", lambda w, r: None, False), (200,) * 5),
    "list_programmes": (
        ("get", lambda w: f"{API}/programmes?region=110000", lambda w, r: None, False),
        (200,) * 5,
    ),
    "record_cohort": (
        (
            "post",
            lambda w: f"{API}/cohorts",
            lambda w, r: {
                "university_id": w["university"].pk,
                "year": 2011,
                "degree_level": "bachelor",
                "graduates": 60,
            },
            False,
        ),
        (401, 403, 403, 200, 200),
    ),
    "create_programme": (
        (
            "post",
            lambda w: f"{API}/programmes",
            lambda w, r: {"name": "西城计划", "region": "110102", "year": 2010},
            False,
        ),
        (401, 403, 403, 201, 201),
    ),
}
NOT_PERSONAL = set(AGGREGATES)

# Where each operation of the guard (tests/api/test_permissions.py) is called: the guard
# checks that each name is the operation its method and path reach.
ROUTES: dict[str, tuple[str, Callable[[Any], str]]] = {
    name: (operation[0], operation[1])
    for name, operation in [*OPERATIONS.items(), *((n, op) for n, (op, _) in AGGREGATES.items())]
} | {"create_person": ("post", lambda w: f"{API}/people")}

SUCCESS = {"get": 200, "patch": 200, "post": 201}
SUCCESS_BY_OPERATION = {"revoke_certificate": 200}


def _send(client, world, role: str, name: str):
    method, path, body, _is_list = OPERATIONS[name]
    call = getattr(client, method)
    payload = body(world, role)
    headers = world["headers"][role]
    if payload is None:
        return call(path(world), **headers)
    return call(path(world), json.dumps(payload), content_type="application/json", **headers)


def _tells_nothing_of_the_subject(text: str, world) -> None:
    for shown in ("张三", SHOWN_MASK, STORED_MASK, NUMBER, "SYN-T-1", world["person"].id_cipher):
        assert shown not in text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_every_person_endpoint_by_role(client, world, name, role):
    # given the records as they are
    method, _path, _body, is_list = OPERATIONS[name]
    before = counts()
    # when the role calls the endpoint about 张三 (or names 张三 in the body)
    response = _send(client, world, role, name)
    # then
    text = response.content.decode()
    if role == "anonymous":
        assert response.status_code == 401
        assert counts() == before
        _tells_nothing_of_the_subject(text, world)
    elif role in OUT_OF_SCOPE:
        if is_list:
            # a list holds nobody the caller may not see
            assert response.status_code == 200, text
            assert response.json()["count"] == 0
        else:
            # not 201, not 403, not a 422 that says the person exists: not found
            assert response.status_code == 404, text
            assert response["Content-Type"] == "application/problem+json"
        # nothing written, nothing audited, nothing told
        assert counts() == before
        _tells_nothing_of_the_subject(text, world)
        assert NUMBER not in text
    else:
        expected = SUCCESS_BY_OPERATION.get(name, SUCCESS[method])
        assert response.status_code == expected, text
        if is_list:
            assert response.json()["count"] == 1
        if name != "get_person_id_number":
            assert NUMBER not in text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(AGGREGATES))
def test_every_aggregate_endpoint_by_role(client, world, name, role):
    # given a university in 西城, and the records as they are
    world["university"] = make_organization(
        name="西城大学", kind="university", division="110102", legal_form="public_institution"
    )
    (method, path, body, _is_list), statuses = AGGREGATES[name]
    expected = statuses[ROLES.index(role)]
    before = (*counts(), GraduateCohort.objects.count(), Programme.objects.count())
    # when the role calls the endpoint
    call = getattr(client, method)
    payload = body(world, role)
    headers = world["headers"][role]
    if payload is None:
        response = call(path(world), **headers)
    else:
        response = call(path(world), json.dumps(payload), "application/json", **headers)
    # then the answer is the expected one; a refused write changes nothing
    assert response.status_code == expected, response.content
    after = (*counts(), GraduateCohort.objects.count(), Programme.objects.count())
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert after == before
    elif method == "post":
        # and an accepted write is audited
        action = {"record_cohort": "graduate_cohort.record", "create_programme": "programme.create"}
        assert AuditRecord.objects.order_by("-id").first().action == action[name]


def test_the_unknown_and_the_out_of_scope_answer_alike(client, world):
    # given an id nobody holds
    missing = Person.objects.order_by("-pk").first().pk + 1000
    headers = world["headers"]["officer_other"]
    body = {"person_id": missing, "organization_id": world["other"].pk, "starts_on": "2013-06-01"}
    # when 海淀's officer names it, and then 张三
    unknown = client.post(f"{API}/employments", json.dumps(body), "application/json", **headers)
    body["person_id"] = world["person"].pk
    hidden = client.post(f"{API}/employments", json.dumps(body), "application/json", **headers)
    # then both are the same 404, naming the field
    assert (unknown.status_code, hidden.status_code) == (404, 404)
    assert unknown.json()["detail"] == f"No such record: person_id={missing}"
    assert hidden.json()["detail"] == f"No such record: person_id={world['person'].pk}"


@pytest.mark.parametrize("role", ["staff_other", "officer_other"])
def test_entering_the_subject_again_does_not_tell_who_they_are(client, world, role):
    # given the caller types 张三's whole number (they know it), with a link of their own
    body: dict[str, Any] = {"name": "张叁", "id_number": NUMBER}
    if role == "staff_other":
        body["employment"] = {"organization_id": world["other"].pk, "starts_on": "2012-01-01"}
    else:
        body["certificate"] = {
            "level": "junior",
            "number": "SYN-N-1",
            "exam_year": 2011,
            "issued_on": "2011-11-01",
            "registered_division": "110108",
        }
    before = counts()
    # when
    response = client.post(
        f"{API}/people", json.dumps(body), "application/json", **world["headers"][role]
    )
    # then the number is refused, without the subject's name, mask or id
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "loc": ["id_number"],
            "msg": "A person with this ID number is already registered, outside the records "
            "you may see: ask an officer of their jurisdiction or an administrator.",
        }
    ]
    assert counts() == before


def test_the_whole_number_search_is_for_the_roles_with_the_reveal_right(client, world):
    # given 海淀's officer, who may not see 张三: the number finds nobody
    other = client.get(f"{API}/people", {"q": NUMBER}, **world["headers"]["officer_other"])
    assert other.json()["count"] == 0
    # and agency staff who see 张三 (their employer hires them) but may not reveal the number
    employ(world["person"], world["other"], starts_on=dt.date(2012, 1, 1))
    staff = world["headers"]["staff_other"]
    assert client.get(f"{API}/people/{world['person'].pk}", **staff).status_code == 200
    # when they search by the whole number: refused, naming the field (no guessing machine)
    response = client.get(f"{API}/people", {"q": NUMBER}, **staff)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["q"]
    # while the officer of 西城, who may reveal it anyway, finds them
    officer = world["headers"]["officer_this"]
    found = client.get(f"{API}/people", {"q": NUMBER}, **officer).json()
    assert [p["name"] for p in found["items"]] == ["张三"]


# --- the number cannot be rebuilt from what is shown -----------------------------------------


def _candidates(prefix: str, last: str, sex: str, year: int, born_by: dt.date) -> int:
    """How many valid numbers agree with the shown address code, check character, sex and
    birth year, born on or before ``born_by``."""
    count = 0
    day = dt.date(year, 1, 1)
    while day.year == year and day <= born_by:
        for sequence in range(1 if sex == "M" else 0, 1000, 2):
            body = f"{prefix}{day:%Y%m%d}{sequence:03d}"
            if check_char(body) == last:
                count += 1
        day += dt.timedelta(days=1)
    return count


# Every key of a person in the API, and what it tells about the number: a new field fails
# this test until it is weighed here.
PERSON_KEYS = {
    "id": "row id",
    "name": "",
    "id_masked": "address code and check character",
    "sex": "parity of the sequence",
    "birth_year": "the year of characters 7-14",
    "education_level": "",
    "university": "",
    "major": "",
    "graduation_year": "",
    "synthetic": "",
    "version": "",
    "certificates": "dates: born at least 16 years before",
    "employments": "dates: born at least 16 years before",
    "phone": "",
    "source": "",
    "placements": "dates: born at least 16 years before",
    "overlapping_employments": "",
}


def _dates(value: Any) -> list[dt.date]:
    text = json.dumps(value)
    return [dt.date.fromisoformat(d) for d in re.findall(r"\d{4}-\d{2}-\d{2}", text)]


def test_what_a_caller_without_the_reveal_right_sees_leaves_many_candidates(client, world):
    # given the callers who see 张三 but may not reveal the number: agency staff of 张三's
    # employer (officers see exactly the people they may reveal); the API is asked for
    # everything it has on 张三
    user = get_user_model().objects.create_user("staff_own", password="pw-staff-123!")
    RoleAssignment.objects.create(user=user, role=Role.AGENCY_STAFF, organization=world["own"])
    headers = _bearer(user)
    pk = world["person"].pk
    detail = client.get(f"{API}/people/{pk}", **headers).json()
    listed = client.get(f"{API}/people", **headers).json()["items"]
    extra = [
        client.get(f"{API}/certificates", **headers).json(),
        client.get(f"{API}/employments", **headers).json(),
        client.get(f"{API}/programmes/{world['programme'].pk}/placements", **headers).json(),
    ]
    assert client.get(f"{API}/people/{pk}/id-number", **headers).status_code == 403
    # then every field is accounted for, and the shown ones agree everywhere
    assert set(detail) == set(PERSON_KEYS)
    assert [p["id_masked"] for p in listed] == [SHOWN_MASK]
    shown = detail["id_masked"]
    assert (shown, detail["sex"], detail["birth_year"]) == (SHOWN_MASK, "F", 1949)
    for page in extra:
        for item in page["items"]:
            assert item["person"]["id_masked"] == SHOWN_MASK
    everything = json.dumps([detail, listed, extra], ensure_ascii=False)
    assert NUMBER not in everything
    assert STORED_MASK[-4:] not in everything.replace(STORED_MASK[:6], "")
    assert "1949-12-31" not in everything
    # when we enumerate the numbers consistent with all of it
    earliest = min(_dates([detail, extra]))
    born_by = earliest.replace(year=earliest.year - 16)
    found = _candidates(shown[:6], shown[-1], detail["sex"], detail["birth_year"], born_by)
    # then the true number is one of many
    assert check_char(NUMBER[:17]) == NUMBER[-1]
    assert found >= MIN_CANDIDATES
    assert found == 16_591


def test_the_pages_show_what_the_api_shows(world, client):
    # given staff of 张三's employer on the people list and 张三's page
    user = get_user_model().objects.create_user("staff_own", password="pw-staff-123!")
    RoleAssignment.objects.create(user=user, role=Role.AGENCY_STAFF, organization=world["own"])
    client.force_login(user)
    pages = [
        client.get("/workforce/people/").content.decode(),
        client.get(f"/workforce/people/{world['person'].pk}/").content.decode(),
    ]
    # then the shown mask and the birth year only
    for html in pages:
        assert SHOWN_MASK in html
        assert NUMBER not in html
        assert "002X" not in html
        assert "1949-12-31" not in html
        assert "12-31" not in html
    # and a whole number in the search is refused, naming the field
    refused = client.post("/workforce/people/", {"q": NUMBER})
    assert refused.status_code == 400
    assert "Searching by a whole ID number is for officers and administrators" in (
        refused.content.decode()
    )


def test_the_audit_log_shows_what_the_person_page_shows(world, client):
    # given 李四 entered with a certificate of 西城 and then corrected: both audited in 西城
    number = "110105198001011238"
    li = person_register(
        actor=SYSTEM,
        name="李四",
        id_number=number,
        certificate=CertificateSpec(
            level="junior",
            number="SYN-T-2",
            exam_year=2010,
            issued_on=dt.date(2010, 11, 1),
            registered_division=Division.objects.get(code="110102"),
        ),
    )
    person_update(actor=SYSTEM, person=li, expected_version=None, phone="13800000000")
    records = AuditRecord.objects.filter(object_id=str(li.pk), object_type="workforce.person")
    assert {r.division_code for r in records} == {"110102"}
    assert records.count() == 2
    # when the officer of 西城 reads the audit log (no reveal, so nothing audited as seen)
    client.force_login(get_user_model().objects.get(username="officer_xc"))
    html = client.get("/workspace/audit/").content.decode()
    # then both records are there, with the shown mask and the birth year only: the stored
    # 6 + 4 mask with the birth date would be the whole number without the audited reveal
    assert "13800000000" in html
    assert "110105***********8" in html
    assert "1980" in html
    assert number not in html
    # (the last 4 on their own may occur in ids or tokens of the page: look for the mask)
    assert "110105********1238" not in html
    assert "*1238" not in html
    assert "1980-01-01" not in html
    assert not AuditRecord.objects.filter(action="person.id_number.view").exists()


def test_the_audit_log_hides_the_stored_mask_in_a_person_s_label(world, client):
    # given a person record labelled with the stored mask, as the people import writes it
    # (and as every person record was labelled before the shown form)
    person = world["person"]
    AuditRecord.objects.create(
        actor_label="bulk",
        action="person.update",
        object_type="workforce.person",
        object_id=str(person.pk),
        object_repr=f"张三 ({STORED_MASK})",
        division_code="110102",
        before={"phone": ""},
        after={"phone": "13900000000"},
    )
    # when the officer of 西城 reads the audit log
    client.force_login(get_user_model().objects.get(username="officer_xc"))
    html = client.get("/workspace/audit/").content.decode()
    # then the record is labelled with the shown mask
    assert "13900000000" in html
    assert f"张三 ({SHOWN_MASK})" in html
    assert STORED_MASK not in html
    assert "002X" not in html


# --- the services refuse on their own (web views, the admin and the CLI call them) -----------


def _service_calls(world, actor) -> dict[str, Callable[[], Any]]:
    from shuniu.divisions.models import Division
    from shuniu.workforce import services

    here = Division.objects.get(code="110108")
    return {
        "person_update": lambda: services.person_update(
            actor=actor, person=world["person"], expected_version=1, phone="1"
        ),
        "person_id_number": lambda: services.person_id_number(
            actor=actor, person=world["person"], purpose="x"
        ),
        "certificate_add": lambda: services.certificate_add(
            actor=actor,
            person=world["person"],
            level="junior",
            number="SYN-S-1",
            exam_year=2012,
            issued_on=dt.date(2012, 11, 1),
            registered_division=here,
        ),
        "certificate_revoke": lambda: services.certificate_revoke(
            actor=actor, certificate=world["cert"], revoked_on=dt.date(2014, 1, 1)
        ),
        "certificate_registration_add": lambda: services.certificate_registration_add(
            actor=actor, certificate=world["cert"], starts_on=dt.date(2013, 12, 1)
        ),
        "certificate_registration_update": lambda: services.certificate_registration_update(
            actor=actor, registration=world["registration"], ce_hours="80"
        ),
        "employment_start": lambda: services.employment_start(
            actor=actor,
            person=world["person"],
            organization=world["other"],
            starts_on=dt.date(2013, 6, 1),
        ),
        "employment_end": lambda: services.employment_end(
            actor=actor, employment=world["job"], ends_on=dt.date(2013, 6, 1)
        ),
        "placement_add": lambda: services.placement_add(
            actor=actor,
            programme=world["second"],
            person=world["person"],
            division=here,
            starts_on=dt.date(2010, 9, 1),
        ),
    }


SERVICES = [
    "person_update",
    "person_id_number",
    "certificate_add",
    "certificate_revoke",
    "certificate_registration_add",
    "certificate_registration_update",
    "employment_start",
    "employment_end",
    "placement_add",
]


@pytest.mark.parametrize("role", ["staff_other", "officer_other"])
@pytest.mark.parametrize("service", SERVICES)
def test_every_service_touching_a_person_checks_the_scope_first(world, service, role):
    from shuniu.core.errors import NotFound

    # given a caller of 海淀, who may write there but does not see 张三
    actor = get_user_model().objects.get(
        username={"staff_other": "staff_other", "officer_other": "officer_hd"}[role]
    )
    before = counts()
    # when the service is called with 张三 (or one of 张三's records)
    # then 张三 is not found, and nothing is written or audited
    with pytest.raises(NotFound):
        _service_calls(world, actor)[service]()
    assert counts() == before


# --- the search tells no hidden digit ----------------------------------------------------------


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(q=st.text(alphabet="0123456789X*", min_size=1, max_size=18))
@example(q="110105")
@example(q="0105")
@example(q="002X")
@example(q="*0")
@example(q="**********002X")
@example(q=NUMBER)
def test_no_search_fragment_matches_the_hidden_part_of_the_number(world, q):
    # given agency staff of 张三's employer (they see 张三, may not reveal the number)
    from shuniu.workforce.selectors import PersonFilter, person_list

    staff = get_user_model().objects.filter(username="staff_own").first()
    if staff is None:
        staff = get_user_model().objects.create_user("staff_own", password="pw-staff-123!")
        RoleAssignment.objects.create(user=staff, role=Role.AGENCY_STAFF, organization=world["own"])
    # when they search with any fragment of digits, X and stars
    try:
        parse_id_number(q)
    except InvalidIdNumber:
        whole = False
    else:
        whole = True
    if whole:
        # then a whole number is refused, naming the field
        with pytest.raises(ValidationError) as caught:
            person_list(actor=staff, filters=PersonFilter(q=q))
        assert set(caught.value.message_dict) == {"q"}
        return
    found, _count = person_list(actor=staff, filters=PersonFilter(q=q))
    # then 张三 is found only by a fragment of the shown address code
    shown_fragment = q.isdigit() and len(q) <= 6 and q in NUMBER[:6]
    assert [p.name for p in found] == (["张三"] if shown_fragment else [])


def test_agency_staff_are_not_told_of_jobs_elsewhere_by_the_overlap_flags(client, world):
    # given 张三 also works full time for the 海淀 agency since 2012 (overlapping the 西城
    # job), and staff of the 西城 agency
    elsewhere = employ(world["person"], world["other"], starts_on=dt.date(2012, 1, 1))
    user = get_user_model().objects.create_user("staff_own", password="pw-staff-123!")
    RoleAssignment.objects.create(user=user, role=Role.AGENCY_STAFF, organization=world["own"])
    staff = _bearer(user)
    # when the staff read 张三 and record a second 西城 job
    detail = client.get(f"{API}/people/{world['person'].pk}", **staff).json()
    body = {"person_id": world["person"].pk, "organization_id": world["own"].pk}
    created = client.post(
        f"{API}/employments",
        json.dumps({**body, "starts_on": "2013-01-01"}),
        "application/json",
        **staff,
    )
    # then neither the flags nor the warnings name or count the 海淀 job
    assert detail["overlapping_employments"] == []
    assert created.status_code == 201
    assert created.json()["warnings"] == [
        "Overlaps the full-time job at 西城甲社工事务所 from 2011-01-01."
    ]
    assert "海淀" not in json.dumps([detail, created.json()], ensure_ascii=False)
    # while the administrator sees the overlap
    admin = client.get(f"{API}/people/{world['person'].pk}", **world["headers"]["admin"]).json()
    new = created.json()["id"]
    assert admin["overlapping_employments"] == [
        [world["job"].pk, elsewhere.pk],
        [world["job"].pk, new],
        [elsewhere.pk, new],
    ]


def test_the_audit_trail_shows_no_more_of_the_number_than_the_pages(world, client):
    # given 张三 registered with his employer's link by an officer (a person.register record
    # in the officer's jurisdiction: his stored mask and birth date are in the snapshot)
    person_register(
        actor=world["users"]["officer_this"],
        name="李四",
        id_number="110102198001010017",
        employment=EmploymentSpec(organization=world["own"], starts_on=dt.date(2001, 1, 1)),
    )
    # and another entered by a bulk import, whose record names him by the stored mask
    AuditRecord.objects.create(
        actor_label="cli:import",
        action="person.register",
        object_type="workforce.person",
        object_id="999999",
        object_repr="王五 (110102********0023)",
        division_code="110102",
        after={"id": 999999, "name": "王五", "id_masked": "110102********0023"},
    )
    client.force_login(world["users"]["officer_this"])
    html = client.get("/workspace/audit/").content.decode()
    assert "王五 (110102***********3)" in html
    # (the last 4 on their own may occur in a page's ids or tokens: look for the masks)
    assert "********0023" not in html
    assert "*0023" not in html
    # then the trail shows the shown mask and the birth year, as the person's page does:
    # the stored mask's last 4 and the birth date would together be the whole number
    assert "李四" in html
    assert "110102***********7" in html
    assert "********0017" not in html
    assert "*0017" not in html
    assert "1980-01-01" not in html
