"""The role rules services use: who may edit which fields of an organization."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.accounts.permissions import (
    AGENCY_STAFF_FIELDS,
    can_edit_organization,
    is_officer,
    require_organization_edit,
)
from shuniu.core.errors import PermissionDenied
from shuniu.registry.services import organization_update
from tests.factories import make_organization


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def agency(db):
    return make_organization(name="东城助人社工事务所", division="110101")


def user_with(username: str, **assignment):
    user = get_user_model().objects.create_user(username, password="pw-role-123!")
    RoleAssignment.objects.create(user=user, **assignment)
    return get_user_model().objects.get(pk=user.pk)  # fresh: roles are cached per object


def test_agency_staff_fields_are_the_profile():
    assert {"name_en", "address", "service_fields"} == AGENCY_STAFF_FIELDS


@pytest.mark.parametrize(
    ("fields", "allowed"),
    [
        ({"address"}, True),
        ({"name_en", "address", "service_fields"}, True),
        (set(), True),
        ({"name"}, False),
        ({"kind"}, False),
        ({"registrar_division"}, False),
        ({"uscc"}, False),
        ({"address", "hub"}, False),
    ],
)
def test_staff_edit_only_profile_fields_of_their_own_organization(agency, fields, allowed):
    staff = user_with("staff", role=Role.AGENCY_STAFF, organization=agency)
    other = make_organization(name="朝阳社工事务所", division="110105")
    assert can_edit_organization(staff, agency, fields) is allowed
    assert can_edit_organization(staff, other, fields & {"address"} or {"address"}) is False


def test_evaluators_and_anonymous_edit_nothing(agency):
    evaluator = user_with("evaluator", role=Role.EVALUATOR)
    assert can_edit_organization(evaluator, agency, {"address"}) is False
    assert can_edit_organization(AnonymousUser(), agency, {"address"}) is False
    with pytest.raises(PermissionDenied, match="Only officers and administrators"):
        require_organization_edit(evaluator, agency, {"address"})
    with pytest.raises(PermissionDenied, match="You must be logged in"):
        require_organization_edit(AnonymousUser(), agency, {"address"})


def test_officers_edit_every_field_inside_their_jurisdiction_only(agency, make_officer):
    city = make_officer("city", "110000")
    district = make_officer("district", "110101")
    elsewhere = make_officer("elsewhere", "110102")
    assert is_officer(city) is True
    assert can_edit_organization(city, agency, {"kind", "uscc"}) is True
    assert can_edit_organization(district, agency, {"kind", "uscc"}) is True
    assert can_edit_organization(elsewhere, agency, {"address"}) is False


def test_admins_edit_everything(agency, admin_user):
    assert can_edit_organization(admin_user, agency, {"kind", "registrar_division"}) is True
    assert is_officer(admin_user) is False


def test_update_service_lets_staff_change_the_address_and_audits_them(agency):
    # given the agency's own staff member
    staff = user_with("staff", role=Role.AGENCY_STAFF, organization=agency)
    # when they change the address through the service
    org = organization_update(
        actor=staff, organization=agency, expected_version=1, address="东城区乙路2号"
    )
    # then it is saved, versioned and attributed to them
    assert (org.address, org.version) == ("东城区乙路2号", 2)
    assert org.name == "东城助人社工事务所"


def test_update_service_refuses_staff_a_registrar_field_and_changes_nothing(agency):
    staff = user_with("staff", role=Role.AGENCY_STAFF, organization=agency)
    with pytest.raises(PermissionDenied, match=r"\(not kind\)"):
        organization_update(
            actor=staff,
            organization=agency,
            expected_version=1,
            address="东城区乙路2号",
            kind="association",
        )
    agency.refresh_from_db()
    assert (agency.address, agency.kind, agency.version) == ("", "agency", 1)
